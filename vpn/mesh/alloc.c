#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sodium.h>

#include "vpn/mesh/alloc.h"

/* Host numbers are handled as address bytes, not as integers: an IPv6
 * range has up to 127 host bits, and 32-bit Pis have no 128-bit type. */

static const uint8_t personal[crypto_generichash_blake2b_PERSONALBYTES] = "meshgate-alloc1";

/* Probes that always find a free address among the array's: each address
 * in use stops one probe, and a run of probes this short meets at most
 * the IPv6 host 0 and one block of 128 RFC 2526 ids (IPv4: two). */
#define EXCLUDED_MAX 130

static unsigned bits_of(const struct mg_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

/* The mask byte of address byte i for a prefix of length len. */
static uint8_t net_mask(unsigned len, unsigned i)
{
	if (len >= 8 * (i + 1))
		return 0xff;
	if (len <= 8 * i)
		return 0;
	return (uint8_t)(0xff << (8 - (len - 8 * i)));
}

static bool host_all(const struct mg_addr *a, unsigned len, uint8_t v)
{
	for (unsigned i = 0; i < mg_addr_len(a); i++) {
		uint8_t hm = (uint8_t)~net_mask(len, i);

		if ((a->u.bytes[i] & hm) != (v & hm))
			return false;
	}
	return true;
}

/* RFC 2526: the highest 128 interface ids of a /64 are reserved anycast. */
static bool rfc2526(const struct mg_addr *a)
{
	for (unsigned i = 8; i < 15; i++)
		if (a->u.bytes[i] != 0xff)
			return false;
	return a->u.bytes[15] >= 0x80;
}

bool alloc_usable(const struct mg_prefix *range, const struct mg_addr *a)
{
	if (a->family != range->addr.family || (a->family != AF_INET && a->family != AF_INET6) ||
	    range->len > bits_of(a) || !mg_prefix_contains(range, a))
		return false;
	if (a->family == AF_INET)
		return range->len <= 30 && !host_all(a, range->len, 0) &&
		       !host_all(a, range->len, 0xff);
	return range->len < 128 && !host_all(a, range->len, 0) && !rfc2526(a);
}

/* The next host number, wrapping within the range. Host bits are the low
 * bits of every byte they touch, so adding one starts at bit 0. */
static void next_host(struct mg_addr *a, unsigned len)
{
	for (unsigned i = (unsigned)mg_addr_len(a); i-- > 0;) {
		uint8_t hm = (uint8_t)~net_mask(len, i);
		unsigned host = (unsigned)(a->u.bytes[i] & hm) + 1;

		if (hm == 0)
			return;                  /* carried out of the host part: wrapped to 0 */
		a->u.bytes[i] = (uint8_t)((a->u.bytes[i] & ~hm) | (host & hm));
		if (host <= hm)
			return;
	}
}

int alloc_pick_cb(const struct mg_prefix *range, const uint8_t *seed, size_t seed_len,
                  alloc_used_fn used, void *ctx, uint64_t max_probes, struct mg_prefix *out)
{
	uint8_t h[16];
	struct mg_addr a;
	unsigned host_bits;
	uint64_t limit = max_probes;

	if (range->addr.family != AF_INET && range->addr.family != AF_INET6)
		return -EINVAL;
	if (range->len > bits_of(&range->addr) || (range->addr.family == AF_INET6 && range->len == 0))
		return -EINVAL;
	host_bits = bits_of(&range->addr) - range->len;
	if (host_bits < 64 && limit > (1ULL << host_bits))
		limit = 1ULL << host_bits;

	crypto_generichash_blake2b_salt_personal(h, sizeof(h), seed, seed_len, NULL, 0, NULL,
	                                         personal);
	a = range->addr;
	for (unsigned i = 0; i < mg_addr_len(&a); i++) {
		uint8_t nm = net_mask(range->len, i);

		a.u.bytes[i] = (uint8_t)((a.u.bytes[i] & nm) | (h[i] & ~nm));
	}
	for (uint64_t n = 0; n < limit; n++) {
		if (alloc_usable(range, &a) && !used(ctx, &a)) {
			out->addr = a;
			out->len = range->len;
			return 0;
		}
		next_host(&a, range->len);
	}
	return -ENOSPC;
}

struct sorted {
	const struct mg_addr *v;
	size_t n;
};

static int cmp_addr(const void *x, const void *y)
{
	const struct mg_addr *a = x, *b = y;

	return memcmp(a->u.bytes, b->u.bytes, mg_addr_len(a));
}

static bool in_sorted(void *ctx, const struct mg_addr *a)
{
	const struct sorted *s = ctx;

	return s->n && bsearch(a, s->v, s->n, sizeof(*s->v), cmp_addr) != NULL;
}

int alloc_pick(const struct mg_prefix *range, const uint8_t *seed, size_t seed_len,
               const struct mg_addr *in_use, size_t n_in_use, struct mg_prefix *out)
{
	struct mg_addr *v = NULL;
	struct sorted s = { 0 };
	int r;

	if (n_in_use) {
		v = calloc(n_in_use, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	/* only addresses of the range matter, and they share one family */
	for (size_t i = 0; i < n_in_use; i++)
		if (in_use[i].family == range->addr.family && mg_prefix_contains(range, &in_use[i]))
			v[s.n++] = in_use[i];
	if (s.n)
		qsort(v, s.n, sizeof(*v), cmp_addr);
	s.v = v;
	r = alloc_pick_cb(range, seed, seed_len, in_sorted, &s, (uint64_t)s.n + EXCLUDED_MAX,
	                  out);
	free(v);
	return r;
}
