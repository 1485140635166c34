#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fake/wg_fixture.h"
#include "vpn/cookie.h"
#include "vpn/messages.h"
#include "vpn/noise.h"

static bool cut(void *ctx, const struct fnet_dgram *d)
{
	(void)ctx;
	(void)d;
	return true;
}

struct fnet *wg_fixture_new(void)
{
	struct fnet *net;

	if (fnet_new(&net, 2))
		abort();
	fnet_pair(net, 0, 1);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 32, 0xa1);
	fnet_send_ip(net, 1, "10.0.0.2", "10.0.0.1", 32, 0xb2);
	if (fnet_node(net, 1)->delivered != 1 || fnet_node(net, 0)->delivered != 1)
		abort();
	fnet_set_filter(net, cut, NULL);
	/* a second on, so a new initiation is not a flood */
	fnet_advance(net, UINT64_C(1000000000));
	return net;
}

void wg_fixture_rx(struct fnet *net, const uint8_t *buf, size_t len)
{
	fnet_inject(net, 1, &fnet_node(net, 0)->addr, buf, len);
}

/* What node 0 sends next, caught before the cut network loses it. */
static void emit_last(struct fnet *net, wg_seed_fn fn, void *ctx, const char *name, int type)
{
	const struct fnet_dgram *d = fnet_sent(net, 0, type, 0);

	if (!d)
		abort();
	fn(ctx, name, d->buf, d->len);
}

/* Handshakes built beside the engine with node 0's and node 1's keys, so
 * that the devices' state stays put. */
struct side {
	struct noise_local l;
	struct noise_handshake hs;
};

static int fixed_index(void *arg, struct noise_handshake *hs, uint32_t *index)
{
	(void)arg;
	(void)hs;
	*index = 0x01020304;
	return 0;
}

static struct noise_handshake *the_peer(void *arg, const uint8_t key[WG_KEY_LEN])
{
	struct side *s = arg;

	return memcmp(key, s->hs.remote_static, WG_KEY_LEN) ? NULL : &s->hs;
}

/* Fixed bytes for ephemeral keys and nonces: the seeds come out the same
 * on every run. */
static void fixed_rng(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	(void)arg;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0x5a + 7 * i);
}

static const struct noise_ops side_ops = {
	.rng = fixed_rng,
	.index_assign = fixed_index,
	.peer_by_key = the_peer,
};

static void side_init(struct side *s, const uint8_t priv[WG_KEY_LEN],
		      const uint8_t peer[WG_KEY_LEN])
{
	noise_local_init(&s->l, &side_ops, s);
	if (noise_local_set_private_key(&s->l, priv))
		abort();
	noise_handshake_init(&s->hs, &s->l, peer, NULL);
}

static void side_fini(struct side *s)
{
	noise_handshake_fini(&s->hs);
	noise_local_clear(&s->l);
}

/* An initiation from node 0 with a newer timestamp than node 1 has seen,
 * and a response from node 0 to an initiation node 1 never made. */
static void emit_handshakes(struct fnet *net, wg_seed_fn fn, void *ctx)
{
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct timespec wall = { .tv_sec = 1900000000 };
	uint8_t ibuf[WG_INITIATION_LEN], rbuf[WG_RESPONSE_LEN];
	struct side s0, s1;
	struct noise_handshake *hs;
	struct cookie_maker cm;
	struct wg_initiation im;
	struct wg_response rm;

	side_init(&s0, n0->priv, n1->pub);
	side_init(&s1, n1->priv, n0->pub);
	cookie_maker_init(&cm, n1->pub);
	if (noise_create_initiation(&s0.hs, &wall, &im) ||
	    wg_initiation_pack(&im, ibuf, sizeof(ibuf)))
		abort();
	cookie_add_macs(&cm, ibuf, sizeof(ibuf), fnet_now(net));
	fn(ctx, "initiation", ibuf, sizeof(ibuf));

	if (noise_create_initiation(&s1.hs, &wall, &im) ||
	    noise_consume_initiation(&s0.l, &im, fnet_now(net), &hs) ||
	    noise_create_response(hs, &rm) || wg_response_pack(&rm, rbuf, sizeof(rbuf)))
		abort();
	cookie_add_macs(&cm, rbuf, sizeof(rbuf), fnet_now(net));
	fn(ctx, "response", rbuf, sizeof(rbuf));
	cookie_maker_fini(&cm);
	side_fini(&s0);
	side_fini(&s1);
}

/* A cookie reply to node 1's response, as node 0 under load would send it:
 * node 1 accepts it. */
static void emit_cookie_reply(struct fnet *net, wg_seed_fn fn, void *ctx)
{
	const struct fnet_dgram *resp = fnet_sent(net, 1, WG_MSG_RESPONSE, 0);
	struct wg_cookie_reply r;
	struct cookie_checker cc;
	struct wg_response m;
	uint8_t buf[WG_COOKIE_REPLY_LEN];
	struct mg_addr a = { .family = AF_INET };

	if (!resp || wg_response_unpack(&m, resp->buf, resp->len))
		abort();
	cookie_checker_init(&cc, fnet_node(net, 0)->pub, fixed_rng, NULL);
	if (cookie_reply_create(&cc, &r, resp->buf, resp->len, m.sender_index, &a, 51821,
				fnet_now(net)) ||
	    wg_cookie_reply_pack(&r, buf, sizeof(buf)))
		abort();
	fn(ctx, "cookie_reply", buf, sizeof(buf));
	cookie_checker_fini(&cc);
}

void wg_fixture_seeds(struct fnet *net, wg_seed_fn fn, void *ctx)
{
	struct fnet_node *n0 = fnet_node(net, 0);
	struct wg_peer *p = wg_peer_find(n0->dev, fnet_node(net, 1)->pub);
	uint8_t buf[WG_TX_HEADROOM + 64 + WG_TX_TAILROOM];

	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 100, 0x44);
	emit_last(net, fn, ctx, "data_ipv4", WG_MSG_DATA);
	fnet_send_ip(net, 0, "fd00::1", "fd00::2", 7, 0x66);
	emit_last(net, fn, ctx, "data_ipv6", WG_MSG_DATA);
	wg_peer_tx(p, buf, 0, fnet_now(net));
	emit_last(net, fn, ctx, "keepalive", WG_MSG_DATA);
	memcpy(buf + WG_TX_HEADROOM, "not an IP packet", 16);
	wg_peer_tx(p, buf, 16, fnet_now(net));
	emit_last(net, fn, ctx, "data_not_ip", WG_MSG_DATA);
	emit_handshakes(net, fn, ctx);
	emit_cookie_reply(net, fn, ctx);
	fnet_pump(net);
}
