/* Host name labels and the name table: open addressing with linear
 * probing and backward-shift deletion, so lookups stay short without
 * tombstones under churn. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/hostname.h"

#define NONE UINT32_MAX

int dhcp_hostname_sanitize(const uint8_t *in, size_t len, char out[DHCP_LABEL_MAX + 1])
{
	size_t i, o = 0;

	for (i = 0; i < len && o < DHCP_LABEL_MAX; i++) {
		uint8_t ch = in[i];

		if (ch == '.' || ch == '\0')
			break;
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		else if (ch == '_' || ch == ' ')
			ch = '-';
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			continue;
		if (ch == '-' && o == 0)
			continue;
		out[o++] = (char)ch;
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	return o ? 0 : -EINVAL;
}

bool dhcp_label_valid(const char *s)
{
	char tmp[DHCP_LABEL_MAX + 1];
	size_t n = strlen(s);

	return n <= DHCP_LABEL_MAX && !dhcp_hostname_sanitize((const uint8_t *)s, n, tmp) &&
	       strcmp(tmp, s) == 0;
}

struct entry {
	uint32_t hash, owner;
};

struct dhcp_names {
	struct entry *e;
	size_t mask, count, cap;
	dhcp_name_of_fn *name_of;
	void *ctx;
};

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

struct dhcp_names *dhcp_names_new(size_t cap, dhcp_name_of_fn *name_of, void *ctx)
{
	struct dhcp_names *t = calloc(1, sizeof(*t));
	size_t size = 16, i;

	if (!t)
		return NULL;
	while (size < 2 * cap)
		size <<= 1;
	t->e = malloc(size * sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	for (i = 0; i < size; i++)
		t->e[i].owner = NONE;
	t->mask = size - 1;
	t->cap = cap;
	t->name_of = name_of;
	t->ctx = ctx;
	return t;
}

void dhcp_names_free(struct dhcp_names *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

/* The entry holding name, or the empty one where it would go. */
static size_t find(const struct dhcp_names *t, const char *name, uint32_t h)
{
	size_t i = h & t->mask;

	while (t->e[i].owner != NONE) {
		if (t->e[i].hash == h && strcmp(t->name_of(t->ctx, t->e[i].owner), name) == 0)
			break;
		i = (i + 1) & t->mask;
	}
	return i;
}

int dhcp_names_claim(struct dhcp_names *t, const char *name, uint32_t owner)
{
	uint32_t h = hash_name(name);
	size_t i = find(t, name, h);

	if (t->e[i].owner != NONE)
		return t->e[i].owner == owner ? 0 : -EEXIST;
	if (t->count >= t->cap)
		return -ENOSPC;
	t->e[i].hash = h;
	t->e[i].owner = owner;
	t->count++;
	return 0;
}

void dhcp_names_drop(struct dhcp_names *t, const char *name, uint32_t owner)
{
	uint32_t h = hash_name(name);
	size_t i = find(t, name, h), j, home;

	if (t->e[i].owner == NONE || t->e[i].owner != owner)
		return;
	/* Pull later entries of the run back over the hole unless that
	 * would put them before their home bucket. */
	for (j = (i + 1) & t->mask; t->e[j].owner != NONE; j = (j + 1) & t->mask) {
		home = t->e[j].hash & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->e[i] = t->e[j];
			i = j;
		}
	}
	t->e[i].owner = NONE;
	t->count--;
}

int dhcp_names_owner(const struct dhcp_names *t, const char *name, uint32_t *owner)
{
	size_t i = find(t, name, hash_name(name));

	if (t->e[i].owner == NONE)
		return -ENOENT;
	*owner = t->e[i].owner;
	return 0;
}

size_t dhcp_names_count(const struct dhcp_names *t)
{
	return t->count;
}
