/* Tracking weights and the command-line splitter for track and notify. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/track.h"
#include "vrrp/vrrp.h"

void vrrp_track_init(struct vrrp_track *t, uint8_t base)
{
	memset(t, 0, sizeof(*t));
	t->base = base ? base : 1;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= VRRP_TRACK_NAME)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ',' || *s == '/')
			return false;
	return true;
}

int vrrp_track_add(struct vrrp_track *t, enum vrrp_track_kind kind, const char *name,
		   int weight)
{
	struct vrrp_track_item *it;

	if (!valid_name(name) || weight < -VRRP_TRACK_WEIGHT_MAX ||
	    weight > VRRP_TRACK_WEIGHT_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < t->n; i++)
		if (t->item[i].kind == kind && strcmp(t->item[i].name, name) == 0)
			return -EEXIST;
	if (t->n >= VRRP_TRACK_MAX)
		return -ENOSPC;
	it = &t->item[t->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->weight = weight;
	it->ok = true;
	return 0;
}

int vrrp_track_parse_weight(const char *s, int *weight)
{
	char *end;
	long v;

	if ((*s < '0' || *s > '9') && *s != '-' && *s != '+')
		return -EINVAL;
	if ((*s == '-' || *s == '+') && (s[1] < '0' || s[1] > '9'))
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < -VRRP_TRACK_WEIGHT_MAX || v > VRRP_TRACK_WEIGHT_MAX)
		return -EINVAL;
	*weight = (int)v;
	return 0;
}

static const char *kind_noun(enum vrrp_track_kind kind)
{
	return kind == VRRP_TRACK_IFACE ? "interface" : "health hook";
}

/* One entry: "NAME" or "NAME weight W", blanks around. */
static int parse_one(struct vrrp_track *t, enum vrrp_track_kind kind, char *entry, char *why,
		     size_t whylen)
{
	char *words[4], *save = NULL, *w;
	int n = 0, weight = 0, r;

	for (w = strtok_r(entry, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == 3) {
			n++;
			break;
		}
		words[n++] = w;
	}
	if (n == 0) {
		snprintf(why, whylen, "empty entry: write NAME or NAME weight W, separated by commas");
		return -EINVAL;
	}
	if (n != 1 && (n != 3 || strcmp(words[1], "weight") != 0)) {
		snprintf(why, whylen, "'%.32s ...': write NAME or NAME weight W (W from -254 to "
			 "254), entries separated by commas", words[0]);
		return -EINVAL;
	}
	if (n == 3 && vrrp_track_parse_weight(words[2], &weight) < 0) {
		snprintf(why, whylen, "weight '%.16s' of %.32s: expected a whole number from "
			 "-254 to 254 (0: a failure stops the router)", words[2], words[0]);
		return -EINVAL;
	}
	r = vrrp_track_add(t, kind, words[0], weight);
	if (r == -EINVAL)
		snprintf(why, whylen, "'%.40s' is not a valid %s name", words[0], kind_noun(kind));
	else if (r == -EEXIST)
		snprintf(why, whylen, "%s %.32s is tracked twice: keep one", kind_noun(kind),
			 words[0]);
	else if (r == -ENOSPC)
		snprintf(why, whylen, "too many tracked items: at most %d per virtual router",
			 VRRP_TRACK_MAX);
	return r;
}

int vrrp_track_parse(struct vrrp_track *t, enum vrrp_track_kind kind, const char *text,
		     char *why, size_t whylen)
{
	char buf[512], *entry, *next;
	int r;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(why, whylen, "too long: at most %zu characters", sizeof(buf) - 1);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	if (!buf[strspn(buf, " \t")])
		return 0;
	for (entry = buf; entry; entry = next) {
		next = strchr(entry, ',');
		if (next)
			*next++ = '\0';
		r = parse_one(t, kind, entry, why, whylen);
		if (r < 0)
			return r;
	}
	return 0;
}

int vrrp_track_set(struct vrrp_track *t, enum vrrp_track_kind kind, const char *name, bool ok)
{
	for (unsigned int i = 0; i < t->n; i++) {
		struct vrrp_track_item *it = &t->item[i];

		if (it->kind != kind || strcmp(it->name, name) != 0)
			continue;
		if (it->ok == ok)
			return 0;
		it->ok = ok;
		return 1;
	}
	return -ENOENT;
}

static const char *fail_word(enum vrrp_track_kind kind)
{
	switch (kind) {
	case VRRP_TRACK_IFACE:
		return "down";
	case VRRP_TRACK_COMMAND:
		return "failed";
	case VRRP_TRACK_HEALTH:
		return "unhealthy";
	}
	return "failed";
}

/* Appends piece to why; truncation only shortens the text. */
static void append(char *why, size_t len, const char *piece)
{
	size_t off = strlen(why);

	if (off + 1 < len)
		snprintf(why + off, len - off, "%s", piece);
}

void vrrp_track_eval(const struct vrrp_track *t, struct vrrp_track_result *out)
{
	int prio = t->base;
	bool owner = t->base == VRRP_PRIO_OWNER;
	char piece[VRRP_TRACK_WHY];

	memset(out, 0, sizeof(*out));
	snprintf(out->why, sizeof(out->why), "%s %u", owner ? "owner" : "configured", t->base);
	for (unsigned int i = 0; i < t->n; i++) {
		const struct vrrp_track_item *it = &t->item[i];

		piece[0] = '\0';
		if (!it->weight && !it->ok) {
			out->fault = true;
			snprintf(piece, sizeof(piece), ", %s %s: fault", it->name,
				 fail_word(it->kind));
		} else if (it->weight < 0 && !it->ok) {
			prio += it->weight;
			snprintf(piece, sizeof(piece), ", %s %s %d", it->name, fail_word(it->kind),
				 it->weight);
		} else if (it->weight > 0 && it->ok) {
			prio += it->weight;
			snprintf(piece, sizeof(piece), ", %s ok %+d", it->name, it->weight);
		}
		append(out->why, sizeof(out->why), piece);
	}
	if (owner)
		prio = VRRP_PRIO_OWNER;
	else if (prio < 1)
		prio = 1;
	else if (prio > VRRP_PRIO_BACKUP_MAX)
		prio = VRRP_PRIO_BACKUP_MAX;
	out->priority = (uint8_t)prio;
}

int vrrp_cmd_split(char *line, char **argv, int max, char *why, size_t whylen)
{
	char *in = line, *out = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t')
			in++;
		if (!*in)
			break;
		if (argc + 1 >= max) {
			snprintf(why, whylen, "too many words: at most %d", max - 1);
			return -EINVAL;
		}
		argv[argc++] = out;
		for (; *in && (quote || (*in != ' ' && *in != '\t')); in++) {
			if (!quote && (*in == '\'' || *in == '"')) {
				quote = *in;
			} else if (quote && *in == quote) {
				quote = 0;
			} else if (quote == '"' && *in == '\\' && (in[1] == '"' || in[1] == '\\')) {
				*out++ = *++in;
			} else {
				*out++ = *in;
			}
		}
		if (quote) {
			snprintf(why, whylen, "unbalanced %c quote: close it", quote);
			return -EINVAL;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
	if (!argc) {
		snprintf(why, whylen, "empty command");
		return -EINVAL;
	}
	argv[argc] = NULL;
	return argc;
}
