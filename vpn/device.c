/* The device: identity, the tables that find a peer (by public key, by
 * local index, by inner address) and the helpers every other part uses to
 * reach the outside (randomness, the wall clock, sending). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vpn/engine.h"

void wg_random(struct wg_device *d, void *buf, size_t len)
{
	if (d->ops->rng)
		d->ops->rng(d->arg, buf, len);
	else
		randombytes_buf(buf, len);
}

uint64_t wg_random_below(struct wg_device *d, uint64_t bound)
{
	uint64_t r;

	if (bound <= 1)
		return 0;
	wg_random(d, &r, sizeof(r));
	return r % bound;	/* bias below 2^-30 for the bounds used here */
}

static uint32_t random_index(void *arg)
{
	uint32_t r;

	wg_random(arg, &r, sizeof(r));
	return r;
}

void wg_wall_clock(struct wg_device *d, struct timespec *ts)
{
	if (d->ops->wall_clock)
		d->ops->wall_clock(d->arg, ts);
	else
		clock_gettime(CLOCK_REALTIME, ts);
}

bool wg_endpoint_known(const struct wg_endpoint *ep)
{
	return ep->addr.sa.sa_family == AF_INET || ep->addr.sa.sa_family == AF_INET6;
}

void wg_endpoint_addr(const struct wg_endpoint *ep, struct mg_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (ep->addr.sa.sa_family == AF_INET6) {
		a->family = AF_INET6;
		a->u.v6 = ep->addr.in6.sin6_addr;
		*port = ntohs(ep->addr.in6.sin6_port);
	} else {
		a->family = AF_INET;
		if (ep->addr.sa.sa_family == AF_INET) {
			a->u.v4 = ep->addr.in4.sin_addr;
			*port = ntohs(ep->addr.in4.sin_port);
		}
	}
}

bool wg_send_to_peer(struct wg_peer *p, const uint8_t *buf, size_t len)
{
	struct wg_device *d = p->dev;

	if (!wg_endpoint_known(&p->endpoint))
		return false;
	d->ops->send(d->arg, p, &p->endpoint, buf, len);
	p->tx_bytes += len;
	return true;
}

/* Public keys are chosen by whoever configures the peers, not by the
 * network, so a plain hash spreads them well enough. */
static struct wg_peer **key_bucket(struct wg_device *d, const uint8_t key[WG_KEY_LEN])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < WG_KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return &d->buckets[h % WG_PEER_BUCKETS];
}

struct wg_peer *wg_peer_find(struct wg_device *d, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *p;

	for (p = *key_bucket(d, public_key); p; p = p->bucket_next)
		if (sodium_memcmp(p->hs.remote_static, public_key, WG_KEY_LEN) == 0)
			return p;
	return NULL;
}

/* noise.h's callbacks: the handshake code finds peers and indices here. */
static void noise_rng(void *arg, void *buf, size_t len)
{
	wg_random(arg, buf, len);
}

static int noise_index_assign(void *arg, struct noise_handshake *hs, uint32_t *index)
{
	struct wg_device *d = arg;
	struct wg_peer *p = wg_container_of(hs, struct wg_peer, hs);
	int ret;

	ret = wg_index_insert(&d->index, &p->hs_entry, random_index, d);
	if (ret == 0)
		*index = p->hs_entry.index;
	return ret;
}

static struct noise_handshake *noise_peer_by_key(void *arg, const uint8_t key[WG_KEY_LEN])
{
	struct wg_peer *p = wg_peer_find(arg, key);

	return p ? &p->hs : NULL;
}

static struct noise_handshake *noise_handshake_by_index(void *arg, uint32_t index)
{
	struct wg_device *d = arg;
	struct wg_index_entry *e = wg_index_lookup(&d->index, index, WG_INDEX_HANDSHAKE);

	return e ? &e->peer->hs : NULL;
}

int wg_device_new(const struct wg_ops *ops, void *arg, struct wg_device **out)
{
	uint8_t key[16];
	struct wg_device *d;

	*out = NULL;
	if (!ops || !ops->send || !ops->deliver || !ops->timer)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->allowed = trie_new();
	if (!d->allowed) {
		free(d);
		return -ENOMEM;
	}
	d->ops = ops;
	d->arg = arg;
	d->mtu = WG_DEFAULT_MTU;
	d->noise_ops.rng = noise_rng;
	d->noise_ops.index_assign = noise_index_assign;
	d->noise_ops.peer_by_key = noise_peer_by_key;
	d->noise_ops.handshake_by_index = noise_handshake_by_index;
	noise_local_init(&d->local, &d->noise_ops, d);
	cookie_checker_init(&d->checker, NULL, noise_rng, d);
	wg_random(d, key, sizeof(key));
	wg_ratelimit_init(&d->ratelimit, key);
	sodium_memzero(key, sizeof(key));
	wg_index_init(&d->index);
	*out = d;
	return 0;
}

void wg_device_free(struct wg_device *d)
{
	if (!d)
		return;
	while (d->first)
		wg_peer_remove(d->first);
	trie_free(d->allowed);
	wg_ratelimit_fini(&d->ratelimit);
	cookie_checker_fini(&d->checker);
	noise_local_clear(&d->local);
	sodium_memzero(d, sizeof(*d));
	free(d);
}

int wg_device_set_private_key(struct wg_device *d, const uint8_t key[WG_KEY_LEN], uint64_t now)
{
	uint8_t pub[WG_KEY_LEN];
	struct wg_peer *p;
	int ret = 0;

	(void)now;
	if (key) {
		if (noise_public_key(pub, key))
			return -EINVAL;
		if (d->local.has_identity &&
		    sodium_memcmp(pub, d->local.public_key, WG_KEY_LEN) == 0)
			goto out;
		ret = -EEXIST;
		if (wg_peer_find(d, pub))
			goto out;
		ret = noise_local_set_private_key(&d->local, key);
		if (ret)
			goto out;
	} else {
		if (!d->local.has_identity)
			goto out;
		noise_local_clear(&d->local);
	}
	cookie_checker_set_key(&d->checker, d->local.has_identity ? d->local.public_key : NULL);
	for (p = d->first; p; p = p->list_next) {
		noise_handshake_precompute(&p->hs);
		wg_keypairs_expire(p);
	}
out:
	sodium_memzero(pub, sizeof(pub));
	return ret;
}

bool wg_device_public_key(const struct wg_device *d, uint8_t key[WG_KEY_LEN])
{
	if (!d->local.has_identity)
		return false;
	memcpy(key, d->local.public_key, WG_KEY_LEN);
	return true;
}

bool wg_device_private_key(const struct wg_device *d, uint8_t key[WG_KEY_LEN])
{
	if (!d->local.has_identity)
		return false;
	memcpy(key, d->local.private_key, WG_KEY_LEN);
	return true;
}

int wg_device_set_mtu(struct wg_device *d, unsigned int mtu)
{
	struct wg_peer *p;

	if (mtu < 68 || mtu > 65535)	/* IPv4's minimum, and what a length field holds */
		return -EINVAL;
	d->mtu = mtu;
	/* Empty staging rings are re-made at the new size when next needed. */
	for (p = d->first; p; p = p->list_next)
		if (!wg_staged_count(p))
			wg_staged_free(p);
	return 0;
}

const struct wg_device_stats *wg_device_stats(const struct wg_device *d)
{
	return &d->stats;
}

void wg_device_for_each_peer(struct wg_device *d, void (*fn)(struct wg_peer *p, void *ctx),
			     void *ctx)
{
	struct wg_peer *p, *next;

	for (p = d->first; p; p = next) {
		next = p->list_next;	/* fn may remove p */
		fn(p, ctx);
	}
}

/* Peers in the device's tables; peer.c builds and tears down the peer. */
void wg_device_link_peer(struct wg_device *d, struct wg_peer *p)
{
	struct wg_peer **b = key_bucket(d, p->hs.remote_static);

	p->bucket_next = *b;
	*b = p;
	p->list_prev = d->last;
	if (d->last)
		d->last->list_next = p;
	else
		d->first = p;
	d->last = p;
	d->peer_count++;
}

void wg_device_unlink_peer(struct wg_device *d, struct wg_peer *p)
{
	struct wg_peer **pp;

	for (pp = key_bucket(d, p->hs.remote_static); *pp; pp = &(*pp)->bucket_next) {
		if (*pp == p) {
			*pp = p->bucket_next;
			break;
		}
	}
	if (p->list_prev)
		p->list_prev->list_next = p->list_next;
	else
		d->first = p->list_next;
	if (p->list_next)
		p->list_next->list_prev = p->list_prev;
	else
		d->last = p->list_prev;
	p->list_prev = p->list_next = p->bucket_next = NULL;
	d->peer_count--;
}

/* Allowed IPs: one trie for the device, each prefix pointing at its peer. */
int wg_peer_allow(struct wg_peer *p, const struct mg_prefix *prefix)
{
	return trie_insert(p->dev->allowed, prefix, p);
}

void wg_peer_clear_allowed(struct wg_peer *p)
{
	trie_remove_by_value(p->dev->allowed, p);
}

struct allowed_walk {
	void (*fn)(const struct mg_prefix *pfx, void *ctx);
	void *ctx;
};

static int allowed_visit(void *ctx, const struct mg_prefix *pfx, void *value)
{
	struct allowed_walk *w = ctx;

	(void)value;
	w->fn(pfx, w->ctx);
	return 0;
}

void wg_peer_for_each_allowed(struct wg_peer *p,
			      void (*fn)(const struct mg_prefix *pfx, void *ctx), void *ctx)
{
	struct allowed_walk w = { fn, ctx };

	trie_walk(p->dev->allowed, p, allowed_visit, &w);
}
