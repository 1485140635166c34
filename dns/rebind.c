#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/nameset.h"
#include "dns/rebind.h"
#include "dns/wire.h"

struct rb_domain {
	uint8_t name[DNS_NAME_MAX];
	uint8_t len;
};

struct dns_rebind {
	struct dns_nameset allow;
	struct rb_domain **doms;
	unsigned n;
};

struct dns_rebind *dns_rebind_new(const uint8_t key[DNS_HASH_KEYLEN])
{
	struct dns_rebind *rb = calloc(1, sizeof(*rb));

	if (rb)
		dns_nameset_init(&rb->allow, key);
	return rb;
}

void dns_rebind_free(struct dns_rebind *rb)
{
	if (!rb)
		return;
	for (unsigned i = 0; i < rb->n; i++)
		free(rb->doms[i]);
	free(rb->doms);
	dns_nameset_fini(&rb->allow);
	free(rb);
}

int dns_rebind_allow(struct dns_rebind *rb, const char *domain)
{
	struct rb_domain *d = calloc(1, sizeof(*d)), **doms;
	int n, r;

	if (!d)
		return -ENOMEM;
	n = dns_name_from_str(domain, d->name, sizeof(d->name));
	if (n < 0) {
		free(d);
		return n;
	}
	d->len = (uint8_t)n;
	doms = realloc(rb->doms, (rb->n + 1) * sizeof(*doms));
	if (!doms) {
		free(d);
		return -ENOMEM;
	}
	rb->doms = doms;
	r = dns_nameset_add(&rb->allow, d->name, d->len, d);
	if (r) {
		free(d);
		return r == -EEXIST ? 0 : r;
	}
	rb->doms[rb->n++] = d;
	return 0;
}

bool dns_rebind_allowed(const struct dns_rebind *rb, const uint8_t *name, size_t len)
{
	size_t m;

	return dns_nameset_longest(&rb->allow, name, len, &m) != NULL;
}

static bool in4(const uint8_t *b, uint32_t net, unsigned len)
{
	uint32_t a = dns_rd32(b), mask = len ? ~0u << (32 - len) : 0;

	return (a & mask) == net;
}

bool dns_addr_private(const struct mg_addr *a)
{
	const uint8_t *b = a->u.bytes;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t loop6[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return in4(b, 0x0a000000, 8) ||		/* 10/8 */
		       in4(b, 0xac100000, 12) ||	/* 172.16/12 */
		       in4(b, 0xc0a80000, 16) ||	/* 192.168/16 */
		       in4(b, 0x7f000000, 8) ||		/* loopback */
		       in4(b, 0xa9fe0000, 16) ||	/* link-local */
		       in4(b, 0x64400000, 10);		/* CGNAT, RFC 6598 */
	if (a->family != AF_INET6)
		return false;
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		struct mg_addr v4 = { .family = AF_INET };

		memcpy(v4.u.bytes, b + 12, 4);
		return dns_addr_private(&v4);
	}
	return memcmp(b, loop6, 16) == 0 ||
	       (b[0] & 0xfe) == 0xfc ||			/* ULA fc00::/7 */
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);	/* fe80::/10 */
}

int dns_rebind_check(const struct dns_rebind *rb, const uint8_t *msg, size_t len,
		     dns_rebind_ok_fn ok, void *arg)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	int r, bad = 0;

	if (dns_rr_iter_init(&it, msg, len))
		return -EINVAL;
	while ((r = dns_rr_next(&it, &rr)) > 0) {
		struct mg_addr a = { 0 };
		uint8_t name[DNS_NAME_MAX];
		size_t off = rr.owner_off, nlen;

		if (rr.section == DNS_SEC_NS || (rr.class_ != DNS_C_IN) ||
		    !((rr.type == DNS_T_A && rr.rdlen == 4) ||
		      (rr.type == DNS_T_AAAA && rr.rdlen == 16)))
			continue;
		a.family = rr.type == DNS_T_A ? AF_INET : AF_INET6;
		memcpy(a.u.bytes, msg + rr.rdata_off, rr.rdlen);
		if (!dns_addr_private(&a))
			continue;
		if (dns_name_read(msg, len, &off, name, &nlen, true))
			return -EINVAL;
		if ((rb && dns_rebind_allowed(rb, name, nlen)) || (ok && ok(arg, name, nlen)))
			continue;
		bad++;
	}
	return r < 0 ? -EINVAL : bad;
}
