#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

int mg_addr_parse(const char *s, struct mg_addr *out)
{
	struct mg_addr a;

	memset(&a, 0, sizeof(a));
	if (!s || !*s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.u.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.u.v6) == 1) {
		a.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

static unsigned max_len(sa_family_t family)
{
	return family == AF_INET ? 32 : 128;
}

int mg_prefix_parse(const char *s, bool host_bits_ok, struct mg_prefix *out)
{
	char buf[MG_PREFIX_STRLEN];
	const char *slash;
	struct mg_prefix p;
	size_t alen;
	unsigned long len;
	char *end;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&p, 0, sizeof(p));
	if (mg_addr_parse(buf, &p.addr) < 0)
		return -EINVAL;
	/* Digits only: strtoul would accept " 8", "+8" and "0x8". */
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end || errno || len > max_len(p.addr.family))
		return -EINVAL;
	p.len = (uint8_t)len;
	if (!host_bits_ok) {
		struct mg_prefix masked = p;

		mg_prefix_mask(&masked);
		if (!mg_addr_eq(&masked.addr, &p.addr))
			return -EINVAL;
	}
	*out = p;
	return 0;
}

const char *mg_addr_fmt(const struct mg_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->u.bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *mg_prefix_fmt(const struct mg_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", mg_addr_fmt(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

size_t mg_addr_len(const struct mg_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

bool mg_addr_eq(const struct mg_addr *a, const struct mg_addr *b)
{
	return a->family == b->family && memcmp(a->u.bytes, b->u.bytes, mg_addr_len(a)) == 0;
}

bool mg_prefix_eq(const struct mg_prefix *a, const struct mg_prefix *b)
{
	return a->len == b->len && mg_addr_eq(&a->addr, &b->addr);
}

void mg_prefix_mask(struct mg_prefix *p)
{
	size_t n = mg_addr_len(&p->addr);

	for (size_t i = 0; i < n; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= p->len)
			p->addr.u.bytes[i] = 0;
		else if (p->len - bit < 8)
			p->addr.u.bytes[i] &= (uint8_t)(0xff << (8 - (p->len - bit)));
	}
}

bool mg_prefix_contains(const struct mg_prefix *p, const struct mg_addr *a)
{
	struct mg_prefix x = { .addr = *a, .len = p->len };
	struct mg_prefix y = *p;

	if (a->family != p->addr.family)
		return false;
	mg_prefix_mask(&x);
	mg_prefix_mask(&y);
	return mg_addr_eq(&x.addr, &y.addr);
}
