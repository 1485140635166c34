/* The generic INI handler behind every section's schema table. inih splits
 * lines into section/key/value; this file finds the key, parses the value into
 * a scratch copy and only then stores it, so a bad line never damages what was
 * already configured. Lines are fed to inih by our own reader, which is how
 * every error knows its physical line. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg.h"

#define CFG_MAX_FILE (1u << 20)
#define CFG_FIELD_MAX 4096

struct parse_ctx {
	const struct cfg_schema *s;
	void *conf;
	const char *file;
	const char *text;
	size_t pos;
	unsigned line;
	bool at_line_start;
	unsigned *seen_line;       /* per key: line that set it in this file */
	bool *list_started;        /* per key: first occurrence seen in this load */
	const struct cfg_section *instance;  /* repeatable section being read */
	unsigned instance_line;    /* its header's line */
	bool skip_instance;        /* one too many: its keys are ignored */
	cfg_error_fn err;
	void *arg;
	int errors;
};

static void report(struct parse_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct parse_ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->errors++;
	if (c->err)
		c->err(c->arg, c->file, line, msg);
}

static size_t total_keys(const struct cfg_schema *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nsections; i++)
		n += s->sections[i].nkeys;
	return n;
}

static size_t key_index(const struct cfg_schema *s, const struct cfg_section *sec,
                        const struct cfg_key *k)
{
	size_t n = 0;

	for (size_t i = 0; &s->sections[i] != sec; i++)
		n += s->sections[i].nkeys;
	return n + (size_t)(k - sec->keys);
}

static size_t field_size(const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_BOOL: return sizeof(bool);
	case CFG_UINT:
	case CFG_PORT: return sizeof(uint32_t);
	case CFG_DURATION: return sizeof(uint64_t);
	case CFG_ENUM: return sizeof(int);
	case CFG_ADDR: return sizeof(struct mg_addr);
	case CFG_ADDR_LIST: return sizeof(struct cfg_addr_list);
	case CFG_NET_LIST:
	case CFG_IFADDR_LIST: return sizeof(struct cfg_prefix_list);
	case CFG_KEY32: return sizeof(struct cfg_key32);
	default: return k->size;
	}
}

static bool is_list(const struct cfg_key *k)
{
	return k->type == CFG_ADDR_LIST || k->type == CFG_NET_LIST || k->type == CFG_IFADDR_LIST;
}

/* Lists, and the strings that are comma lists: set more than once, they
 * grow. */
static bool may_repeat(const struct cfg_key *k)
{
	return is_list(k) || (k->type == CFG_STRING && (k->flags & CFG_F_REPEAT));
}

/* A repeated comma-list string: what came before, then this mention. */
static const char *joined(const struct cfg_key *k, const void *field, bool started,
			  const char *value, char *buf, size_t len)
{
	if (k->type != CFG_STRING || !started || !*value || !*(const char *)field)
		return value;
	snprintf(buf, len, "%s, %s", (const char *)field, value);
	return buf;
}

static uint32_t *instance_count(const struct cfg_section *sec, void *conf)
{
	return (uint32_t *)((char *)conf + sec->count_offset);
}

static void *instance_of(const struct cfg_section *sec, void *conf, size_t i)
{
	return (char *)conf + sec->offset + i * sec->instance_size;
}

/* The field in the section's current (last) instance. */
static void *field_of(const struct cfg_section *sec, const struct cfg_key *k, void *conf)
{
	size_t i = 0;

	if (sec->max_instances) {
		uint32_t n = *instance_count(sec, conf);
		i = n ? n - 1 : 0;
	}
	return (char *)instance_of(sec, conf, i) + k->offset;
}

static void set_defaults(const struct cfg_section *sec, void *base, cfg_error_fn err, void *arg,
                         int *errors);

/* Edit distance, for "did you mean"; names are short. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const struct cfg_section *find_section(const struct cfg_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nsections; i++)
		if (strcmp(s->sections[i].name, name) == 0)
			return &s->sections[i];
	return NULL;
}

static const struct cfg_key *find_key(const struct cfg_section *sec, const char *name)
{
	for (size_t i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

static void unknown_section(struct parse_ctx *c, const char *name)
{
	const char *best = NULL;
	unsigned bestd = 3;

	for (size_t i = 0; i < c->s->nsections; i++) {
		unsigned d = distance(name, c->s->sections[i].name);
		if (d < bestd) {
			bestd = d;
			best = c->s->sections[i].name;
		}
	}
	if (best)
		report(c, c->line, "unknown section [%.64s]: did you mean [%s]?", name, best);
	else
		report(c, c->line, "unknown section [%.64s]: expected one of [node], [mesh], "
		       "[peer], [site], [dns], [dhcp], [vrrp]", name);
}

static void unknown_key(struct parse_ctx *c, const struct cfg_section *sec, const char *name)
{
	const char *best = NULL;
	unsigned bestd = 3;

	for (size_t i = 0; i < sec->nkeys; i++) {
		unsigned d = distance(name, sec->keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = sec->keys[i].name;
		}
	}
	if (best) {
		report(c, c->line, "[%s] unknown key '%.64s': did you mean '%s'?", sec->name, name,
		       best);
		return;
	}
	for (size_t i = 0; i < c->s->nsections; i++) {
		if (find_key(&c->s->sections[i], name)) {
			report(c, c->line, "[%s] unknown key '%.64s': it belongs in [%s]", sec->name,
			       name, c->s->sections[i].name);
			return;
		}
	}
	report(c, c->line, "[%s] unknown key '%.64s' (see meshgate.conf(5) for the keys of [%s])",
	       sec->name, name, sec->name);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	const struct cfg_section *sec;
	const struct cfg_key *k;
	unsigned char scratch[CFG_FIELD_MAX];
	char both[CFG_FIELD_MAX + 2];
	const char *text;
	char why[256];
	size_t idx;
	void *field;

	if (*section == '\0') {
		report(c, c->line, "'%.64s' is outside any section: put it under a [section] "
		       "header such as [node]", name);
		return 1;
	}
	sec = find_section(c->s, section);
	if (!sec || (sec->max_instances && (c->skip_instance || c->instance != sec)))
		return 1;   /* reported once, at the section header */
	k = find_key(sec, name);
	if (!k) {
		unknown_key(c, sec, name);
		return 1;
	}
	idx = key_index(c->s, sec, k);
	field = field_of(sec, k, c->conf);
	if (!may_repeat(k) && c->seen_line[idx]) {
		report(c, c->line, "[%s] %s is set twice (first at line %u): keep one", sec->name,
		       name, c->seen_line[idx]);
		return 1;
	}
	memcpy(scratch, field, field_size(k));
	text = may_repeat(k) ? joined(k, field, c->list_started[idx], value, both, sizeof(both)) :
			    value;
	if (may_repeat(k) && (!c->list_started[idx] || *value == '\0'))
		memset(scratch, 0, field_size(k));   /* first mention replaces the default */
	if (cfg_parse_value(k, scratch, text, why, sizeof(why)) < 0) {
		if (text != value && strlen(why) + 40 < sizeof(why))
			strcat(why, " (its lines together)");
		report(c, c->line, "[%s] %s = %.64s%s: %s", sec->name, name, value,
		       strlen(value) > 64 ? "..." : "", why);
		if (k->flags & CFG_F_REQUIRED)
			c->seen_line[idx] = c->line;   /* one error for it is enough */
		return 1;
	}
	memcpy(field, scratch, field_size(k));
	c->seen_line[idx] = c->line;
	c->list_started[idx] = true;
	return 1;
}

/* Checks a "[name]" header before inih sees it, so an unknown section is
 * reported once and even when it has no keys. */
/* A repeatable section's instance ends at the next header or at the end of
 * its file: then every required key must have been set. */
static void finish_instance(struct parse_ctx *c)
{
	const struct cfg_section *sec = c->instance;

	if (!sec || c->skip_instance) {
		c->instance = NULL;
		return;
	}
	for (size_t j = 0; j < sec->nkeys; j++) {
		const struct cfg_key *k = &sec->keys[j];

		if ((k->flags & CFG_F_REQUIRED) && !c->seen_line[key_index(c->s, sec, k)])
			report(c, c->instance_line, "[%s] needs %s (%s)", sec->name, k->name,
			       k->help ? k->help : "required");
	}
	c->instance = NULL;
}

static void start_instance(struct parse_ctx *c, const struct cfg_section *sec)
{
	uint32_t *n = instance_count(sec, c->conf);
	int errors = 0;

	c->instance = sec;
	c->instance_line = c->line;
	c->skip_instance = *n >= sec->max_instances;
	if (c->skip_instance) {
		report(c, c->line, "too many [%s] sections: at most %zu", sec->name,
		       sec->max_instances);
		return;
	}
	set_defaults(sec, instance_of(sec, c->conf, *n), c->err, c->arg, &errors);
	(*n)++;
	/* A new instance: its keys are unset and its lists start afresh. */
	for (size_t j = 0; j < sec->nkeys; j++) {
		size_t idx = key_index(c->s, sec, &sec->keys[j]);

		c->seen_line[idx] = 0;
		c->list_started[idx] = false;
	}
}

static void check_header(struct parse_ctx *c, const char *line)
{
	const char *close = strchr(line, ']');
	const struct cfg_section *sec;
	char name[64];
	size_t n;

	if (!close)
		return;   /* inih reports the syntax error */
	n = (size_t)(close - line - 1);
	if (n >= sizeof(name)) {
		report(c, c->line, "unknown section: name too long");
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = '\0';
	finish_instance(c);
	sec = find_section(c->s, name);
	if (!sec)
		unknown_section(c, name);
	else if (sec->max_instances)
		start_instance(c, sec);
}

/* inih's reader: hands over one physical line at a time, left-trimmed (inih
 * would take an indented line for a continuation of the previous value). */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *p = c->text + c->pos;
	const char *nl;
	size_t n;

	if (*p == '\0')
		return NULL;
	c->line++;
	nl = strchr(p, '\n');
	n = nl ? (size_t)(nl - p) + 1 : strlen(p);
	c->pos += n;
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n + 1 > (size_t)num) {
		report(c, c->line, "line too long: at most %d characters", num - 2);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	if (str[0] == '[')
		check_header(c, str);
	return str;
}

static int parse_text(const struct cfg_schema *s, void *conf, const char *file, const char *text,
                      bool *list_started, cfg_error_fn err, void *arg)
{
	struct parse_ctx c = {
		.s = s, .conf = conf, .file = file, .text = text, .err = err, .arg = arg,
		.list_started = list_started,
	};
	int r;

	c.seen_line = calloc(total_keys(s) + 1, sizeof(*c.seen_line));
	if (!c.seen_line) {
		report(&c, 0, "out of memory");
		return c.errors;
	}
	r = ini_parse_stream(read_line, &c, on_key, &c);
	finish_instance(&c);
	if (r > 0)
		report(&c, (unsigned)r, "syntax error: expected 'key = value', '[section]' or a "
		       "comment starting with '#' or ';'");
	else if (r < 0)
		report(&c, 0, "out of memory while parsing");
	free(c.seen_line);
	return c.errors;
}

static void set_defaults(const struct cfg_section *sec, void *base, cfg_error_fn err, void *arg,
                         int *errors)
{
	char why[256];

	for (size_t j = 0; j < sec->nkeys; j++) {
		const struct cfg_key *k = &sec->keys[j];
		void *field = (char *)base + k->offset;

		memset(field, 0, field_size(k));
		if (!k->def)
			continue;
		if (cfg_parse_value(k, field, k->def, why, sizeof(why)) < 0) {
			(*errors)++;
			if (err)
				err(arg, "(defaults)", 0, why);
		}
	}
}

int cfg_defaults(const struct cfg_schema *s, void *conf, cfg_error_fn err, void *arg)
{
	int errors = 0;

	for (size_t i = 0; i < s->nsections; i++) {
		const struct cfg_section *sec = &s->sections[i];

		if (sec->max_instances)
			*instance_count(sec, conf) = 0;   /* instances get defaults when they start */
		else
			set_defaults(sec, instance_of(sec, conf, 0), err, arg, &errors);
	}
	return errors;
}

int cfg_parse_string(const struct cfg_schema *s, void *conf, const char *name, const char *text,
                     cfg_error_fn err, void *arg)
{
	bool *started = calloc(total_keys(s) + 1, sizeof(*started));
	int errors;

	if (!started) {
		if (err)
			err(arg, name, 0, "out of memory");
		return 1;
	}
	errors = parse_text(s, conf, name, text, started, err, arg);
	free(started);
	return errors;
}

static int read_file(const char *path, char **out, char *why, size_t wl)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;
	int r = 0;

	if (!f) {
		snprintf(why, wl, "cannot open: %s", strerror(errno));
		return -errno;
	}
	buf = malloc(CFG_MAX_FILE + 1);
	if (!buf) {
		snprintf(why, wl, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	n = fread(buf, 1, CFG_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(why, wl, "read error: %s", strerror(errno));
		r = -EIO;
	} else if (n > CFG_MAX_FILE) {
		snprintf(why, wl, "file too large: at most %u bytes", CFG_MAX_FILE);
		r = -EFBIG;
	} else if (memchr(buf, '\0', n)) {
		snprintf(why, wl, "file contains a NUL byte: not a text file");
		r = -EINVAL;
	} else {
		buf[n] = '\0';
	}
out:
	fclose(f);
	if (r < 0)
		free(buf);
	else
		*out = buf;
	return r;
}

static int load_one(const struct cfg_schema *s, void *conf, const char *path, bool *started,
                    cfg_error_fn err, void *arg)
{
	char why[256];
	char *text = NULL;

	if (read_file(path, &text, why, sizeof(why)) < 0) {
		if (err)
			err(arg, path, 0, why);
		return 1;
	}
	int errors = parse_text(s, conf, path, text, started, err, arg);
	free(text);
	return errors;
}

static int conf_d_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && fnmatch("*.conf", d->d_name, 0) == 0;
}

int cfg_load(const struct cfg_schema *s, void *conf, const char *path, cfg_error_fn err,
             void *arg)
{
	struct dirent **names = NULL;
	bool *started;
	char dir[4096];
	const char *slash;
	int errors, n;

	errors = cfg_defaults(s, conf, err, arg);
	started = calloc(total_keys(s) + 1, sizeof(*started));
	if (!started) {
		if (err)
			err(arg, path, 0, "out of memory");
		return errors + 1;
	}
	errors += load_one(s, conf, path, started, err, arg);

	slash = strrchr(path, '/');
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s/conf.d", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), "conf.d");
	n = scandir(dir, &names, conf_d_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char file[4096 + 256];

		snprintf(file, sizeof(file), "%s/%s", dir, names[i]->d_name);
		errors += load_one(s, conf, file, started, err, arg);
		free(names[i]);
	}
	if (n < 0 && errno != ENOENT && errno != ENOTDIR && err) {
		char why[300];

		snprintf(why, sizeof(why), "cannot read the directory: %s", strerror(errno));
		err(arg, dir, 0, why);
		errors++;
	}
	free(names);
	free(started);
	return errors;
}

/* Lists print one value a line: a long list would not fit inih's line. */
static void print_list(const struct cfg_key *k, const void *field, FILE *out)
{
	const struct cfg_prefix_list *pl = field;
	const struct cfg_addr_list *al = field;
	uint32_t n = k->type == CFG_ADDR_LIST ? al->n : pl->n;
	char buf[MG_PREFIX_STRLEN];

	if (n == 0)
		fprintf(out, "%s =\n", k->name);
	for (uint32_t i = 0; i < n; i++) {
		if (k->type == CFG_ADDR_LIST)
			mg_addr_fmt(&al->v[i], buf, sizeof(buf));
		else
			mg_prefix_fmt(&pl->v[i], buf, sizeof(buf));
		fprintf(out, "%s = %s\n", k->name, buf);
	}
}

static void print_section(const struct cfg_section *sec, const void *base, bool first, FILE *out)
{
	char value[CFG_FIELD_MAX];

	fprintf(out, "%s[%s]\n", first ? "" : "\n", sec->name);
	for (size_t j = 0; j < sec->nkeys; j++) {
		const struct cfg_key *k = &sec->keys[j];
		const void *field = (const char *)base + k->offset;

		if (is_list(k)) {
			print_list(k, field, out);
			continue;
		}
		cfg_format_value(k, field, value, sizeof(value));
		fprintf(out, "%s =%s%s\n", k->name, *value ? " " : "", value);
	}
}

void cfg_print(const struct cfg_schema *s, const void *conf, FILE *out)
{
	bool first = true;

	for (size_t i = 0; i < s->nsections; i++) {
		const struct cfg_section *sec = &s->sections[i];
		size_t n = sec->max_instances ? *instance_count(sec, (void *)conf) : 1;

		for (size_t k = 0; k < n; k++) {
			print_section(sec, instance_of(sec, (void *)conf, k), first, out);
			first = false;
		}
	}
}
