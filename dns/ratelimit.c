#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/ratelimit.h"

#define MICRO		UINT64_C(1000000)
#define NS_PER_S	UINT64_C(1000000000)

int dns_rl_init(struct dns_ratelimit *rl, size_t slots, const uint8_t key[DNS_HASH_KEYLEN])
{
	size_t n = DNS_RL_PROBE;

	memset(rl, 0, sizeof(*rl));
	while (n < slots)
		n <<= 1;
	rl->slots = calloc(n, sizeof(*rl->slots));
	if (!rl->slots)
		return -ENOMEM;
	rl->mask = n - 1;
	memcpy(rl->key, key, DNS_HASH_KEYLEN);
	return 0;
}

void dns_rl_fini(struct dns_ratelimit *rl)
{
	free(rl->slots);
	rl->slots = NULL;
}

void dns_rl_set(struct dns_ratelimit *rl, uint32_t rate, uint32_t burst)
{
	rl->rate = rate;
	rl->burst = burst ? burst : (rate > UINT32_MAX / 2 ? UINT32_MAX : 2 * rate);
}

static void refill(const struct dns_ratelimit *rl, struct dns_rl_slot *s, uint64_t now)
{
	uint64_t cap = (uint64_t)rl->burst * MICRO, dt;

	if (now <= s->last)
		return;
	dt = now - s->last;
	s->last = now;
	/* Past a full refill the bucket is full whatever the rate. */
	if (dt >= (uint64_t)rl->burst * NS_PER_S / rl->rate + 1) {
		s->tokens = cap;
		return;
	}
	/* dt < burst / rate seconds, so dt * rate < burst * 1e9 < 2^62. */
	s->tokens += dt * rl->rate / (NS_PER_S / MICRO);
	if (s->tokens > cap)
		s->tokens = cap;
}

bool dns_rl_allow(struct dns_ratelimit *rl, const struct mg_addr *a, uint64_t now)
{
	size_t alen = mg_addr_len(a), i, at;
	struct dns_rl_slot *s, *victim = NULL;
	uint64_t h;

	if (!rl->rate || !rl->slots)
		return true;
	h = dns_hash(rl->key, a->u.bytes, alen);
	for (i = 0; i < DNS_RL_PROBE; i++) {
		at = (size_t)(h + i) & rl->mask;
		s = &rl->slots[at];
		if (s->family == a->family && memcmp(s->addr, a->u.bytes, alen) == 0)
			goto found;
		if (!victim || !s->family || (victim->family && s->last < victim->last))
			victim = s;
	}
	s = victim;
	if (s->family)
		rl->evicted++;
	memset(s->addr, 0, sizeof(s->addr));
	memcpy(s->addr, a->u.bytes, alen);
	s->family = (uint8_t)a->family;
	s->last = now;
	s->tokens = (uint64_t)rl->burst * MICRO;
found:
	refill(rl, s, now);
	if (s->tokens < MICRO) {
		rl->limited++;
		return false;
	}
	s->tokens -= MICRO;
	return true;
}
