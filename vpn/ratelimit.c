#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vpn/blake2s.h"
#include "vpn/ratelimit.h"

#define NSEC_PER_SEC 1000000000ULL
#define PACKET_COST (NSEC_PER_SEC / WG_RATELIMIT_PER_SECOND)
#define TOKEN_MAX (PACKET_COST * WG_RATELIMIT_BURST)

struct wg_ratelimit_entry {
	uint8_t id[9];			/* family, then 4 or 8 address bytes */
	bool used;
	uint64_t last;			/* ns */
	uint64_t tokens;		/* ns of credit */
};

void wg_ratelimit_init(struct wg_ratelimit *r, const uint8_t key[16])
{
	r->table = NULL;
	memcpy(r->key, key, sizeof(r->key));
}

void wg_ratelimit_fini(struct wg_ratelimit *r)
{
	free(r->table);
	memset(r, 0, sizeof(*r));
}

static void address_id(uint8_t id[9], const struct mg_addr *a)
{
	memset(id, 0, 9);
	id[0] = a->family == AF_INET6 ? 6 : 4;
	memcpy(id + 1, a->u.bytes, a->family == AF_INET6 ? 8 : 4);	/* v6: the /64 */
}

static unsigned int set_of(const struct wg_ratelimit *r, const uint8_t id[9])
{
	uint8_t h[4];

	blake2s(h, sizeof(h), r->key, sizeof(r->key), id, 9);
	return ((uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
		(uint32_t)h[3] << 24) % WG_RATELIMIT_SETS;
}

unsigned int wg_ratelimit_set(const struct wg_ratelimit *r, const struct mg_addr *a)
{
	uint8_t id[9];

	address_id(id, a);
	return set_of(r, id);
}

bool wg_ratelimit_allow(struct wg_ratelimit *r, const struct mg_addr *a, uint64_t now)
{
	struct wg_ratelimit_entry *set, *e, *slot = NULL;
	uint64_t tokens;
	uint8_t id[9];
	int i;

	if (!r->table) {
		r->table = calloc(WG_RATELIMIT_SETS * WG_RATELIMIT_WAYS, sizeof(*r->table));
		if (!r->table)
			return false;
	}
	address_id(id, a);
	set = &r->table[set_of(r, id) * WG_RATELIMIT_WAYS];

	for (i = 0; i < WG_RATELIMIT_WAYS; i++) {
		e = &set[i];
		if (e->used && !memcmp(e->id, id, sizeof(id))) {
			tokens = e->tokens + (now > e->last ? now - e->last : 0);
			if (tokens > TOKEN_MAX)
				tokens = TOKEN_MAX;
			e->last = now;
			if (tokens < PACKET_COST) {
				e->tokens = tokens;
				return false;
			}
			e->tokens = tokens - PACKET_COST;
			return true;
		}
		/* free, or idle past the second after which the kernel's
		 * collector would have dropped it */
		if (!slot && (!e->used || now - e->last > NSEC_PER_SEC))
			slot = e;
	}
	if (!slot)
		return false;
	memcpy(slot->id, id, sizeof(id));
	slot->used = true;
	slot->last = now;
	slot->tokens = TOKEN_MAX - PACKET_COST;
	return true;
}
