/* Packets waiting for a session: a ring of WG_MAX_STAGED slots per peer,
 * allocated the first time a peer has to wait, each slot big enough for an
 * MTU-sized packet plus the room to seal it in place. When the ring is full
 * the oldest packet makes way, as in the kernel's staged queue. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vpn/engine.h"

struct wg_staged {
	size_t slot_cap;		/* headroom + largest packet + tailroom */
	size_t max_len;			/* largest packet: the MTU when allocated */
	unsigned int head, count;
	uint32_t len[WG_MAX_STAGED];
	uint8_t data[];
};

static uint8_t *slot(struct wg_staged *s, unsigned int i)
{
	return s->data + (size_t)(i % WG_MAX_STAGED) * s->slot_cap;
}

static struct wg_staged *ring(struct wg_peer *p)
{
	size_t cap;

	if (p->staged)
		return p->staged;
	/* Rounded so that every slot starts aligned for the cipher. */
	cap = (WG_TX_HEADROOM + p->dev->mtu + WG_TX_TAILROOM + 15) & ~(size_t)15;
	p->staged = malloc(sizeof(*p->staged) + WG_MAX_STAGED * cap);
	if (p->staged) {
		p->staged->slot_cap = cap;
		p->staged->max_len = p->dev->mtu;
		p->staged->head = p->staged->count = 0;
	}
	return p->staged;
}

unsigned int wg_staged_count(const struct wg_peer *p)
{
	return p->staged ? p->staged->count : 0;
}

bool wg_staged_push(struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct wg_staged *s = ring(p);

	if (!s || len > s->max_len) {
		p->dev->stats.tx_staged_dropped++;
		return false;
	}
	if (s->count == WG_MAX_STAGED) {
		s->head = (s->head + 1) % WG_MAX_STAGED;
		s->count--;
		p->dev->stats.tx_staged_dropped++;
	}
	if (len)
		memcpy(slot(s, s->head + s->count) + WG_TX_HEADROOM, pkt, len);
	s->len[(s->head + s->count) % WG_MAX_STAGED] = (uint32_t)len;
	s->count++;
	return true;
}

uint8_t *wg_staged_peek(struct wg_peer *p, size_t *len, size_t *cap)
{
	struct wg_staged *s = p->staged;

	if (!s || !s->count)
		return NULL;
	*len = s->len[s->head];
	*cap = s->slot_cap;
	return slot(s, s->head);
}

void wg_staged_pop(struct wg_peer *p)
{
	struct wg_staged *s = p->staged;

	if (!s || !s->count)
		return;
	s->head = (s->head + 1) % WG_MAX_STAGED;
	s->count--;
}

void wg_staged_purge(struct wg_peer *p)
{
	struct wg_staged *s = p->staged;

	if (!s)
		return;
	p->dev->stats.tx_staged_dropped += s->count;
	s->head = s->count = 0;
}

void wg_staged_free(struct wg_peer *p)
{
	free(p->staged);
	p->staged = NULL;
}
