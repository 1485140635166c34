/* Parsing and formatting of single configuration values, one type at a time. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "lib/base64.h"

/* "<problem>expected <what the key takes><detail>" */
static int fail(char *why, size_t len, const char *problem, const struct cfg_key *k,
                const char *detail)
{
	snprintf(why, len, "%sexpected %s%s", problem, k->help ? k->help : "a valid value",
	         detail);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t *out, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno)
		return -ERANGE;
	*out = v;
	*end = e;
	return 0;
}

static bool valid_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!islower(c) && !isdigit(c) && c != '-')
			return false;
	}
	return true;
}

static bool valid_domain(const char *s)
{
	size_t total = strlen(s);

	if (total == 0 || total > 253)
		return false;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		if (!valid_label(s, n))
			return false;
		s += n;
		if (*s == '.')
			s++;
		if (dot && !*s)
			return false;   /* trailing dot: written without it here */
	}
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '/' || c == ':' || c >= 0x7f)
			return false;
	}
	return true;
}

static int copy_str(const struct cfg_key *k, void *field, const char *v, char *why, size_t wl)
{
	if (strlen(v) >= k->size) {
		snprintf(why, wl, "too long: at most %zu characters", k->size - 1);
		return -EINVAL;
	}
	strcpy(field, v);
	return 0;
}

static int parse_duration(const struct cfg_key *k, uint64_t *out, const char *v, char *why,
                          size_t wl)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
		{ "", 1000 },
	};
	const char *end;
	uint64_t n;

	if (parse_u64(v, &n, &end) < 0)
		return fail(why, wl, "", k, "");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (n > UINT64_MAX / units[i].ms)
			return fail(why, wl, "out of range: ", k, "");
		n *= units[i].ms;
		if (n < k->min || n > k->max)
			return fail(why, wl, "out of range: ", k, "");
		*out = n;
		return 0;
	}
	return fail(why, wl, "", k, " (units: ms, s, m, h, d)");
}

/* Lists: comma-separated values, appended to what the field holds. */
static int parse_list(const struct cfg_key *k, void *field, const char *v, char *why,
                      size_t wl)
{
	char item[MG_PREFIX_STRLEN + 8];
	const char *p = v;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *s = p;

		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(item))
			return fail(why, wl, "", k, ", separated by commas");
		memcpy(item, s, n);
		item[n] = '\0';
		if (k->type == CFG_ADDR_LIST) {
			struct cfg_addr_list *l = field;

			if (l->n == CFG_LIST_MAX)
				goto full;
			if (mg_addr_parse(item, &l->v[l->n]) < 0)
				goto bad;
			l->n++;
		} else {
			struct cfg_prefix_list *l = field;
			bool ifaddr = k->type == CFG_IFADDR_LIST;

			if (l->n == CFG_LIST_MAX)
				goto full;
			if (mg_prefix_parse(item, ifaddr, &l->v[l->n]) < 0) {
				struct mg_prefix tmp;

				if (!ifaddr && mg_prefix_parse(item, true, &tmp) == 0) {
					char net[MG_PREFIX_STRLEN];

					mg_prefix_mask(&tmp);
					snprintf(why, wl, "'%s' has host bits set: did you mean %s?", item,
					         mg_prefix_fmt(&tmp, net, sizeof(net)));
					return -EINVAL;
				}
				goto bad;
			}
			l->n++;
		}
		p = comma ? comma + 1 : p + strlen(p);
		if (comma && !*p)
			return fail(why, wl, "", k, ", separated by commas");
	}
	return 0;
bad:
	snprintf(why, wl, "'%s' is not %s", item, k->help ? k->help : "valid");
	return -EINVAL;
full:
	snprintf(why, wl, "too many values: at most %d", CFG_LIST_MAX);
	return -EINVAL;
}

/* "host:port", "[v6]:port" or "a.b.c.d:port"; the host is resolved later. */
static bool valid_hostport(const char *v)
{
	const char *colon;
	char host[256];
	struct mg_addr a;
	size_t n;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return false;
		n = (size_t)(close - v - 1);
		if (n == 0 || n >= sizeof(host))
			return false;
		memcpy(host, v + 1, n);
		host[n] = '\0';
		if (mg_addr_parse(host, &a) < 0 || a.family != AF_INET6)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || colon == v || memchr(v, ':', (size_t)(colon - v)))
			return false;   /* IPv6 needs brackets */
		n = (size_t)(colon - v);
		if (n >= sizeof(host))
			return false;
		memcpy(host, v, n);
		host[n] = '\0';
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)host[i];
			if (!isalnum(c) && c != '-' && c != '.' && c != '_')
				return false;
		}
	}
	const char *port = colon + 1;
	char *end;
	unsigned long p;

	if (*port < '0' || *port > '9' || strlen(port) > 5)
		return false;
	p = strtoul(port, &end, 10);
	return !*end && p >= 1 && p <= 65535;
}

int cfg_parse_value(const struct cfg_key *k, void *field, const char *v, char *why, size_t wl)
{
	const char *end;
	uint64_t n;

	if (*v == '\0' && k->type != CFG_ADDR_LIST && k->type != CFG_NET_LIST &&
	    k->type != CFG_IFADDR_LIST && !(k->flags & CFG_F_OPTIONAL))
		return fail(why, wl, "empty value: ", k, "");
	switch (k->type) {
	case CFG_STRING:
		for (const char *c = v; *c; c++)
			if ((unsigned char)*c < ' ' || (unsigned char)*c == 0x7f)
				return fail(why, wl, "control character: ", k, "");
		return copy_str(k, field, v, why, wl);
	case CFG_PATH:
		if (*v && *v != '/')
			return fail(why, wl, "not an absolute path: ", k, "");
		return copy_str(k, field, v, why, wl);
	case CFG_NAME:
		if (*v && !valid_label(v, strlen(v)))
			return fail(why, wl, "", k,
			            " (lower-case letters, digits and '-', at most 63)");
		return copy_str(k, field, v, why, wl);
	case CFG_DOMAIN:
		if (*v && !valid_domain(v))
			return fail(why, wl, "", k, " (lower-case labels of letters, digits "
			            "and '-', joined by dots, no trailing dot)");
		return copy_str(k, field, v, why, wl);
	case CFG_IFNAME:
		if (*v && !valid_ifname(v))
			return fail(why, wl, "", k,
			            " (at most 15 characters, no spaces, '/' or ':')");
		return copy_str(k, field, v, why, wl);
	case CFG_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
			*(bool *)field = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
		         !strcmp(v, "0"))
			*(bool *)field = false;
		else
			return fail(why, wl, "", k, "");
		return 0;
	case CFG_UINT:
	case CFG_PORT: {
		uint64_t lo = k->type == CFG_PORT ? 1 : k->min;
		uint64_t hi = k->type == CFG_PORT ? 65535 : k->max;

		if (parse_u64(v, &n, &end) < 0 || *end)
			return fail(why, wl, "not a number: ", k, "");
		if (n < lo || n > hi) {
			snprintf(why, wl, "out of range: expected %s, from %" PRIu64 " to %" PRIu64,
			         k->help ? k->help : "a number", lo, hi);
			return -EINVAL;
		}
		*(uint32_t *)field = (uint32_t)n;
		return 0;
	}
	case CFG_DURATION:
		return parse_duration(k, field, v, why, wl);
	case CFG_ENUM:
		for (int i = 0; k->enums[i]; i++) {
			if (strcmp(v, k->enums[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		{
			size_t off = (size_t)snprintf(why, wl, "expected one of:");
			for (int i = 0; k->enums[i] && off < wl; i++)
				off += (size_t)snprintf(why + off, wl - off, "%s %s", i ? "," : "",
				                        k->enums[i]);
		}
		return -EINVAL;
	case CFG_ADDR:
		if (*v == '\0') {
			memset(field, 0, sizeof(struct mg_addr));
			return 0;
		}
		if (mg_addr_parse(v, field) < 0)
			return fail(why, wl, "", k, "");
		return 0;
	case CFG_ADDR_LIST:
	case CFG_NET_LIST:
	case CFG_IFADDR_LIST:
		return parse_list(k, field, v, why, wl);
	case CFG_KEY32: {
		struct cfg_key32 *key = field;

		if (*v == '\0') {
			memset(key, 0, sizeof(*key));
			return 0;
		}
		if (base64_decode_exact(key->bytes, sizeof(key->bytes), v) < 0)
			return fail(why, wl, "", k, " (44 characters of base64, as wg genkey "
			            "and wg pubkey print)");
		key->set = true;
		return 0;
	}
	case CFG_HOSTPORT:
		if (*v && !valid_hostport(v))
			return fail(why, wl, "", k, " (host:port, a.b.c.d:port or [v6]:port)");
		return copy_str(k, field, v, why, wl);
	}
	return fail(why, wl, "unknown type: ", k, "");
}

static void format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 86400000 == 0)
		snprintf(buf, len, "%" PRIu64 "d", ms / 86400000);
	else if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%" PRIu64 "h", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%" PRIu64 "m", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "ms", ms);
}

void cfg_format_value(const struct cfg_key *k, const void *field, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CFG_STRING:
	case CFG_PATH:
	case CFG_NAME:
	case CFG_DOMAIN:
	case CFG_IFNAME:
	case CFG_HOSTPORT:
		snprintf(buf, len, "%s", (const char *)field);
		break;
	case CFG_KEY32: {
		const struct cfg_key32 *key = field;

		if (key->set && len > BASE64_LEN(sizeof(key->bytes)))
			base64_encode(buf, key->bytes, sizeof(key->bytes));
		break;
	}
	case CFG_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		break;
	case CFG_UINT:
	case CFG_PORT:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)field);
		break;
	case CFG_DURATION:
		format_duration(*(const uint64_t *)field, buf, len);
		break;
	case CFG_ENUM:
		snprintf(buf, len, "%s", k->enums[*(const int *)field]);
		break;
	case CFG_ADDR:
		if (((const struct mg_addr *)field)->family)
			mg_addr_fmt(field, buf, len);
		break;
	case CFG_ADDR_LIST: {
		const struct cfg_addr_list *l = field;
		char a[MG_PREFIX_STRLEN];

		for (uint32_t i = 0; i < l->n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
			                        mg_addr_fmt(&l->v[i], a, sizeof(a)));
		break;
	}
	case CFG_NET_LIST:
	case CFG_IFADDR_LIST: {
		const struct cfg_prefix_list *l = field;
		char a[MG_PREFIX_STRLEN];

		for (uint32_t i = 0; i < l->n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
			                        mg_prefix_fmt(&l->v[i], a, sizeof(a)));
		break;
	}
	}
}

bool cfg_prefix_list_eq(const struct cfg_prefix_list *a, const struct cfg_prefix_list *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (!mg_prefix_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}

bool cfg_addr_list_eq(const struct cfg_addr_list *a, const struct cfg_addr_list *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (!mg_addr_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}
