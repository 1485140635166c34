#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "lib/addr.h"
#include "lib/cursor.h"
#include "tests/fake/fake_loop.h"
#include "tests/fake/fake_wgnet.h"
#include "vpn/noise.h"

/* Wall clock: a fixed date plus virtual time, so TAI64N stamps advance. */
#define WALL_BASE_SEC 1700000000

struct ptimer;

struct peer_timers {
	struct fnet_node *node;
	struct wg_peer *peer;
	struct loop_timer *t[WG_TIMER_COUNT];
	uint64_t when[WG_TIMER_COUNT];		/* as armed; 0: not */
	struct ptimer {
		struct peer_timers *owner;
		enum wg_timer which;
	} slot[WG_TIMER_COUNT];
	struct peer_timers *next;
};

struct fnet {
	struct loop *loop;
	unsigned int n;
	struct fnet_node nodes[FNET_NODES];
	struct peer_timers *timers;
	fnet_filter_fn filter;
	void *filter_ctx;
	unsigned int lost;
	bool pumping;
	/* in flight */
	struct fnet_dgram queue[FNET_QUEUE];
	unsigned int q_head, q_count;
	/* everything sent, newest last */
	struct fnet_dgram log[FNET_LOG];
	unsigned int log_count;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void node_rng(void *arg, void *buf, size_t len)
{
	struct fnet_node *nd = arg;
	uint8_t *p = buf;
	uint64_t r;
	size_t i;

	for (i = 0; i < len; i += 8) {
		r = splitmix(&nd->rng_state);
		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
}

static void node_wall(void *arg, struct timespec *ts)
{
	struct fnet_node *nd = arg;
	uint64_t now = loop_now(nd->net->loop);

	ts->tv_sec = WALL_BASE_SEC + (time_t)(now / LOOP_NSEC_PER_SEC);
	ts->tv_nsec = (long)(now % LOOP_NSEC_PER_SEC);
}

static bool node_under_load(void *arg)
{
	return ((struct fnet_node *)arg)->under_load;
}

static bool ep_same(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->addr.sa.sa_family != b->addr.sa.sa_family)
		return false;
	if (a->addr.sa.sa_family == AF_INET)
		return a->addr.in4.sin_port == b->addr.in4.sin_port &&
		       a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
	if (a->addr.sa.sa_family == AF_INET6)
		return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
		       !memcmp(&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, 16);
	return false;
}

static void node_send(void *arg, struct wg_peer *peer, const struct wg_endpoint *ep,
		      const uint8_t *buf, size_t len)
{
	struct fnet_node *nd = arg;
	struct fnet *net = nd->net;
	struct fnet_dgram *d, *l;
	unsigned int i;

	(void)peer;
	if (len > FNET_MAX_DGRAM || net->q_count == FNET_QUEUE)
		abort();	/* the test network is too small: fix the test */
	d = &net->queue[(net->q_head + net->q_count++) % FNET_QUEUE];
	d->from = nd->id;
	d->to = -1;
	for (i = 0; i < net->n; i++)
		if (ep_same(ep, &net->nodes[i].addr))
			d->to = (int)i;
	d->at = loop_now(net->loop);
	d->dst = *ep;
	d->len = len;
	memcpy(d->buf, buf, len);
	if (buf[0] >= 1 && buf[0] <= 4)
		nd->sent[buf[0]]++;
	nd->sent[0]++;
	l = &net->log[net->log_count++ % FNET_LOG];
	*l = *d;
}

static void node_deliver(void *arg, struct wg_peer *peer, uint8_t *pkt, size_t len)
{
	struct fnet_node *nd = arg;

	if (len > FNET_MAX_DGRAM)
		abort();
	nd->hist_len[nd->delivered % FNET_HIST] = len;
	memcpy(nd->hist[nd->delivered % FNET_HIST], pkt, len);
	nd->delivered++;
	nd->last_peer = peer;
	nd->last_len = len;
	memcpy(nd->last, pkt, len);
}

static void node_timer(void *arg, struct wg_peer *peer, enum wg_timer t, uint64_t when)
{
	struct peer_timers *pt = wg_peer_user(peer);

	(void)arg;
	if (!pt)
		abort();
	pt->when[t] = when;
	if (when)
		loop_timer_arm_at(pt->t[t], when);
	else
		loop_timer_disarm(pt->t[t]);
}

static void node_control(void *arg, struct wg_peer *peer, const uint8_t *msg, size_t len)
{
	struct fnet_node *nd = arg;

	if (len > FNET_MAX_DGRAM)
		abort();
	nd->controls++;
	nd->last_control_peer = peer;
	nd->last_control_len = len;
	memcpy(nd->last_control, msg, len);
}

static const struct wg_ops node_ops = {
	.send = node_send,
	.deliver = node_deliver,
	.timer = node_timer,
	.wall_clock = node_wall,
	.rng = node_rng,
	.under_load = node_under_load,
};

/* The same, taking the mesh's control messages as a meshgated node does. */
static const struct wg_ops node_ops_control = {
	.send = node_send,
	.deliver = node_deliver,
	.control = node_control,
	.timer = node_timer,
	.wall_clock = node_wall,
	.rng = node_rng,
	.under_load = node_under_load,
};

static void timer_fired(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct ptimer *slot = arg;

	(void)t;
	slot->owner->when[slot->which] = 0;
	wg_peer_timer_fired(slot->owner->peer, slot->which, loop_now(loop));
	fnet_pump(slot->owner->node->net);
}

static void set_ep(struct wg_endpoint *ep, const char *ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	if (strchr(ip, ':')) {
		ep->addr.in6.sin6_family = AF_INET6;
		ep->addr.in6.sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &ep->addr.in6.sin6_addr);
	} else {
		ep->addr.in4.sin_family = AF_INET;
		ep->addr.in4.sin_port = htons(port);
		inet_pton(AF_INET, ip, &ep->addr.in4.sin_addr);
	}
}

static int fnet_create(struct fnet **out, unsigned int nodes, const struct wg_ops *ops)
{
	struct fnet *net;
	char ip[32];
	unsigned int i;
	int ret;

	if (nodes > FNET_NODES)
		return -EINVAL;
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	ret = loop_new(&net->loop);
	if (ret) {
		free(net);
		return ret;
	}
	net->n = nodes;
	for (i = 0; i < nodes; i++) {
		struct fnet_node *nd = &net->nodes[i];

		nd->net = net;
		nd->id = (int)i;
		nd->rng_state = 0x5eed0000 + i;
		memset(nd->priv, 0x11 * (int)(i + 1), sizeof(nd->priv));
		nd->priv[0] &= 248;			/* clamped, as X25519 keeps it */
		nd->priv[31] = (nd->priv[31] & 127) | 64;
		noise_public_key(nd->pub, nd->priv);
		snprintf(ip, sizeof(ip), "127.0.0.%u", i + 1);
		set_ep(&nd->addr, ip, (uint16_t)(51820 + i));
		ret = wg_device_new(ops, nd, &nd->dev);
		if (!ret)
			ret = wg_device_set_private_key(nd->dev, nd->priv, loop_now(net->loop));
		if (ret) {
			net->n = i + 1;
			fnet_free(net);
			return ret;
		}
	}
	*out = net;
	return 0;
}

int fnet_new(struct fnet **out, unsigned int nodes)
{
	return fnet_create(out, nodes, &node_ops);
}

int fnet_new_control(struct fnet **out, unsigned int nodes)
{
	return fnet_create(out, nodes, &node_ops_control);
}

void fnet_free(struct fnet *net)
{
	struct peer_timers *pt, *next;
	unsigned int i, t;

	if (!net)
		return;
	for (i = 0; i < net->n; i++)
		wg_device_free(net->nodes[i].dev);
	for (pt = net->timers; pt; pt = next) {
		next = pt->next;
		for (t = 0; t < WG_TIMER_COUNT; t++)
			loop_timer_free(pt->t[t]);
		free(pt);
	}
	loop_free(net->loop);
	free(net);
}

struct fnet_node *fnet_node(struct fnet *net, int id)
{
	return &net->nodes[id];
}

struct loop *fnet_loop(struct fnet *net)
{
	return net->loop;
}

uint64_t fnet_now(const struct fnet *net)
{
	return loop_now(net->loop);
}

void fnet_set_filter(struct fnet *net, fnet_filter_fn fn, void *ctx)
{
	net->filter = fn;
	net->filter_ctx = ctx;
}

static void allow(struct wg_peer *p, const char *list)
{
	char buf[256], *tok, *save = NULL;
	struct mg_prefix pfx;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (mg_prefix_parse(tok, false, &pfx) || wg_peer_allow(p, &pfx))
			abort();
}

struct wg_peer *fnet_add_peer(struct fnet *net, int a, int b, const char *allowed)
{
	struct fnet_node *na = &net->nodes[a], *nb = &net->nodes[b];
	struct peer_timers *pt;
	struct wg_peer *p;
	char def[64];
	unsigned int t;

	if (wg_peer_add(na->dev, nb->pub, &p))
		abort();
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		abort();
	pt->node = na;
	pt->peer = p;
	for (t = 0; t < WG_TIMER_COUNT; t++) {
		pt->slot[t].owner = pt;
		pt->slot[t].which = (enum wg_timer)t;
		if (loop_timer_new(net->loop, timer_fired, &pt->slot[t], &pt->t[t]))
			abort();
	}
	pt->next = net->timers;
	net->timers = pt;
	wg_peer_set_user(p, pt);
	wg_peer_set_endpoint(p, &nb->addr);
	if (!allowed) {
		snprintf(def, sizeof(def), "10.0.0.%d/32,fd00::%d/128", b + 1, b + 1);
		allowed = def;
	}
	allow(p, allowed);
	return p;
}

void fnet_pair(struct fnet *net, int a, int b)
{
	fnet_add_peer(net, a, b, NULL);
	fnet_add_peer(net, b, a, NULL);
}

void fnet_move(struct fnet *net, int a, const char *ip, uint16_t port)
{
	set_ep(&net->nodes[a].addr, ip, port);
}

size_t fnet_build_ip(uint8_t *buf, size_t cap, const char *src, const char *dst, size_t payload,
		     uint8_t fill)
{
	struct mg_addr s, d;
	struct wcur w;
	uint8_t *body;
	size_t len;

	if (mg_addr_parse(src, &s) || mg_addr_parse(dst, &d) || s.family != d.family)
		abort();
	len = (s.family == AF_INET ? 20 : 40) + payload;
	if (WG_TX_HEADROOM + len + WG_TX_TAILROOM > cap)
		abort();
	w = wcur_init(buf + WG_TX_HEADROOM, len);
	if (s.family == AF_INET) {
		wcur_u8(&w, 0x45);
		wcur_u8(&w, 0);
		wcur_be16(&w, (uint16_t)len);
		wcur_be32(&w, 0);		/* id, fragment */
		wcur_u8(&w, 64);
		wcur_u8(&w, 253);		/* experimental protocol */
		wcur_be16(&w, 0);		/* checksum: nobody checks it here */
		wcur_bytes(&w, s.u.bytes, 4);
		wcur_bytes(&w, d.u.bytes, 4);
	} else {
		wcur_be32(&w, 0x60000000);
		wcur_be16(&w, (uint16_t)payload);
		wcur_u8(&w, 59);		/* no next header */
		wcur_u8(&w, 64);
		wcur_bytes(&w, s.u.bytes, 16);
		wcur_bytes(&w, d.u.bytes, 16);
	}
	body = wcur_reserve(&w, payload);
	if (!body || w.err)
		abort();
	memset(body, fill, payload);
	return len;
}

size_t fnet_send_ip(struct fnet *net, int a, const char *src, const char *dst, size_t payload,
		    uint8_t fill)
{
	uint8_t buf[WG_TX_HEADROOM + FNET_MAX_DGRAM + WG_TX_TAILROOM];
	size_t len = fnet_build_ip(buf, sizeof(buf), src, dst, payload, fill);

	wg_device_tx(net->nodes[a].dev, buf, len, loop_now(net->loop));
	fnet_pump(net);
	return len;
}

static void rx(struct fnet *net, int to, const struct wg_endpoint *from, const uint8_t *buf,
	       size_t len)
{
	uint8_t copy[FNET_MAX_DGRAM];
	struct wg_endpoint f = *from;
	const struct wg_endpoint *self = &net->nodes[to].addr;

	/* The local address it arrived at, as IP_PKTINFO would say. */
	memset(&f.src, 0, sizeof(f.src));
	if (self->addr.sa.sa_family == AF_INET)
		f.src.v4 = self->addr.in4.sin_addr;
	else
		f.src.v6 = self->addr.in6.sin6_addr;
	memcpy(copy, buf, len);
	wg_device_rx(net->nodes[to].dev, &f, copy, len, loop_now(net->loop));
}

void fnet_inject(struct fnet *net, int to, const struct wg_endpoint *from, const uint8_t *buf,
		 size_t len)
{
	if (len > FNET_MAX_DGRAM)
		abort();
	rx(net, to, from, buf, len);
	fnet_pump(net);
}

void fnet_pump(struct fnet *net)
{
	struct fnet_dgram d;

	if (net->pumping)
		return;
	net->pumping = true;
	while (net->q_count) {
		d = net->queue[net->q_head];
		net->q_head = (net->q_head + 1) % FNET_QUEUE;
		net->q_count--;
		if (net->filter && net->filter(net->filter_ctx, &d)) {
			net->lost++;
			continue;
		}
		if (d.to < 0)
			continue;
		rx(net, d.to, &net->nodes[d.from].addr, d.buf, d.len);
	}
	net->pumping = false;
}

void fnet_advance(struct fnet *net, uint64_t ns)
{
	fnet_pump(net);
	fake_loop_advance(net->loop, ns);
	fnet_pump(net);
}

void fnet_advance_to(struct fnet *net, uint64_t when)
{
	if (when > loop_now(net->loop))
		fnet_advance(net, when - loop_now(net->loop));
}

const struct fnet_dgram *fnet_sent(const struct fnet *net, int from, int type, unsigned int n)
{
	unsigned int i, avail = net->log_count < FNET_LOG ? net->log_count : FNET_LOG;
	const struct fnet_dgram *d;

	for (i = 0; i < avail; i++) {
		d = &net->log[(net->log_count - 1 - i) % FNET_LOG];
		if (d->from == from && (!type || d->buf[0] == type) && n-- == 0)
			return d;
	}
	return NULL;
}

unsigned int fnet_lost(const struct fnet *net)
{
	return net->lost;
}

uint64_t fnet_timer_at(struct fnet *net, struct wg_peer *p, enum wg_timer t)
{
	struct peer_timers *pt = wg_peer_user(p);

	(void)net;
	return pt && loop_timer_armed(pt->t[t]) ? pt->when[t] : 0;
}

unsigned int fnet_armed(struct fnet *net, int a)
{
	struct peer_timers *pt;
	unsigned int n = 0, t;

	for (pt = net->timers; pt; pt = pt->next)
		if (pt->node->id == a)
			for (t = 0; t < WG_TIMER_COUNT; t++)
				n += loop_timer_armed(pt->t[t]);
	return n;
}
