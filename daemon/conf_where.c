#include "config.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/conf_where.h"
#include "lib/atomicfile.h"

/* The line of key in the nth section named `section` of text, or the
 * header's if the key is absent (*keyed false); false if there are fewer
 * such sections (*nth is then down by how many there were). With item,
 * the key's line that holds it (*held) is the one, else its first. */
static bool scan(const char *text, const char *section, uint32_t *nth, const char *key,
		 const char *item, unsigned *line, bool *keyed, bool *held)
{
	size_t klen = strlen(key), slen = strlen(section), ilen = item ? strlen(item) : 0;
	unsigned no = 0;
	bool inside = false;

	*keyed = false;
	*held = false;
	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t rest = nl ? (size_t)(nl - p) : strlen(p);

		no++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			if (inside)
				return true;
			if (!strncmp(p + 1, section, slen) && p[slen + 1] == ']' && (*nth)-- == 0) {
				inside = true;
				*line = no;
			}
		} else if (inside && !strncmp(p, key, klen) && strchr(" \t=", p[klen])) {
			if (!*keyed)
				*line = no;
			*keyed = true;
			if (!item || (ilen && memmem(p, rest, item, ilen))) {
				*line = no;
				*held = item != NULL;
				return true;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return inside;
}

static bool scan_file(const char *path, const char *section, uint32_t *nth, const char *key,
		      const char *item, unsigned *line, bool *keyed, bool *held)
{
	size_t cap = 1u << 20, len;
	char *text = malloc(cap + 1);
	bool found = false;

	*keyed = false;
	*held = false;
	if (text && atomicfile_read(path, text, cap, &len) == 0) {
		text[len] = '\0';
		found = scan(text, section, nth, key, item, line, keyed, held);
	}
	free(text);
	return found;
}

static int conf_d_only(const struct dirent *d)
{
	return d->d_name[0] != '.' && fnmatch("*.conf", d->d_name, 0) == 0;
}

unsigned conf_where_line(struct conf_where *w, const char *section, bool repeatable,
			 uint32_t nth, const char *key, const char **file)
{
	bool single = !repeatable, keyed = false, held = false, found, k_keyed, k_held;
	struct dirent **names = NULL;
	const char *slash = strrchr(w->file, '/');
	char dir[4096], path[sizeof(w->found)];
	unsigned line = 0, l;
	uint32_t i = nth, j;
	int n;

	*file = w->file;
	if (w->text) {
		scan(w->text, section, &i, key, w->item, &line, &keyed, &held);
		return line;
	}
	found = scan_file(w->file, section, &i, key, w->item, &line, &keyed, &held);
	if (found && !single)
		return line;
	snprintf(dir, sizeof(dir), "%.*s%sconf.d", slash ? (int)(slash - w->file) : 0, w->file,
		 slash ? "/" : "");
	n = scandir(dir, &names, conf_d_only, alphasort);
	for (int k = 0; k < n; k++) {
		bool take;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name);
		free(names[k]);
		if ((found && !single) || held)
			continue;
		j = single ? 0 : i;
		l = 0;
		if (!scan_file(path, section, &j, key, w->item, &l, &k_keyed, &k_held)) {
			i = j;
			continue;
		}
		/* The line holding the item; else a later file setting the key
		 * wins; a header only if nothing did. */
		take = !single || k_held || k_keyed || (!found && !line);
		if (take) {
			memcpy(w->found, path, sizeof(path));
			*file = w->found;
			line = l;
			keyed = k_keyed;
			held = k_held;
		}
		found = true;
	}
	free(names);
	return line;
}
