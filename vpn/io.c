/* The engine's callbacks on the event loop. Every loop callback of the data
 * plane is one "event": it reads a batch (TUN or UDP) or fires a timer, and
 * when it ends the coalesced TUN writes and the queued datagrams go out.
 * Sends the engine makes outside any event (a keepalive turned on from the
 * configuration) are flushed by a timer due at once. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/loop.h"
#include "vpn/io_impl.h"

/* A peer's five timers. The loop timer may run early (the engine moved
 * its timer later and the loop's was left where it was, to spare a heap
 * update per packet): the engine then arms it again for its real time. */
struct io_timer {
	struct io_peer *owner;
	enum wg_timer which;
	struct loop_timer *lt;
	uint64_t at;                   /* the loop timer's deadline; 0: disarmed */
};

struct io_peer {
	struct vpn_io *io;
	struct wg_peer *peer;
	struct io_timer t[WG_TIMER_COUNT];
};

void io_event_begin(struct vpn_io *io)
{
	io->in_event = true;
	io->now = loop_now(io->loop);
}

/* Engine calls about a source address that could not be used: outside the
 * engine's own calls, as the callbacks' contract asks. */
static void fix_sources(struct vpn_io *io)
{
	struct wg_peer_info info;
	unsigned int k;

	for (k = 0; k < io->nsrc_fix; k++) {
		wg_peer_get_info(io->src_fix[k], &info);
		memset(&info.endpoint.src, 0, sizeof(info.endpoint.src));
		info.endpoint.src_ifindex = 0;
		wg_peer_set_endpoint(io->src_fix[k], &info.endpoint);
		sodium_memzero(&info, sizeof(info));
	}
	io->nsrc_fix = 0;
}

void io_event_end(struct vpn_io *io)
{
	io_tun_flush(io);
	io_udp_flush(io);
	io->in_event = false;
	fix_sources(io);
}

static void on_flush(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	io_event_begin(arg);
	io_event_end(arg);
}

static void on_timer(struct loop *loop, struct loop_timer *lt, void *arg)
{
	struct io_timer *t = arg;
	struct vpn_io *io = t->owner->io;

	(void)loop;
	(void)lt;
	t->at = 0;
	io_event_begin(io);
	wg_peer_timer_fired(t->owner->peer, t->which, io->now);
	io_event_end(io);
}

static void io_peer_free(struct io_peer *ip)
{
	int k;

	if (!ip)
		return;
	for (k = 0; k < WG_TIMER_COUNT; k++)
		if (ip->t[k].lt)
			loop_timer_free(ip->t[k].lt);
	free(ip);
}

static struct io_peer *io_peer_new(struct vpn_io *io, struct wg_peer *p)
{
	struct io_peer *ip = calloc(1, sizeof(*ip));
	int k;

	if (!ip)
		return NULL;
	ip->io = io;
	ip->peer = p;
	for (k = 0; k < WG_TIMER_COUNT; k++) {
		ip->t[k].owner = ip;
		ip->t[k].which = (enum wg_timer)k;
		if (loop_timer_new(io->loop, on_timer, &ip->t[k], &ip->t[k].lt) < 0) {
			io_peer_free(ip);
			return NULL;
		}
	}
	wg_peer_set_user(p, ip);
	return ip;
}

/* ---- the engine's callbacks ---- */

static void op_send(void *arg, struct wg_peer *peer, const struct wg_endpoint *ep,
                    const uint8_t *buf, size_t len)
{
	io_udp_send(arg, peer, ep, buf, len);
}

static void op_deliver(void *arg, struct wg_peer *peer, uint8_t *pkt, size_t len)
{
	(void)peer;
	io_tun_deliver(arg, pkt, len);
}

static void op_timer(void *arg, struct wg_peer *peer, enum wg_timer which, uint64_t when)
{
	struct io_peer *ip = wg_peer_user(peer);
	struct io_timer *t;

	(void)arg;
	if ((unsigned int)which >= WG_TIMER_COUNT)
		return;
	/* Disarming is left to the engine, which ignores a stale expiry. */
	if (!when)
		return;
	if (!ip) {
		/* a peer added with wg_peer_add() itself */
		ip = io_peer_new(arg, peer);
		if (!ip)
			return;    /* no memory: the timer is lost, as the engine's
			            * own retries will show */
	}
	t = &ip->t[which];
	if (t->at && t->at <= when)
		return;         /* fires early; the engine re-arms it then */
	t->at = when;
	loop_timer_arm_at(t->lt, when);
}

static bool op_under_load(void *arg)
{
	struct vpn_io *io = arg;

	return io_load_under(&io->load, io->now);
}

static void op_control(void *arg, struct wg_peer *peer, const uint8_t *msg, size_t len)
{
	struct vpn_io *io = arg;

	io->hooks.control(io->hooks.arg, peer, msg, len);
}

/* ---- the API ---- */

int vpn_io_new(struct loop *loop, const struct vpn_io_conf *c, struct vpn_io **out)
{
	static const struct log_ratelimit rl = LOG_RATELIMIT_INIT(10 * LOOP_NSEC_PER_SEC, 5);
	struct vpn_io *io;
	int r;

	*out = NULL;
	if (c->tun_fd < 0)
		return -EBADF;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->loop = loop;
	io->tun_fd = c->tun_fd;
	io->vnet = c->tun_vnet_hdr;
	io->send_rl = rl;
	io->ops.send = op_send;
	io->ops.deliver = op_deliver;
	io->ops.timer = op_timer;
	io->ops.under_load = op_under_load;
	io_load_init(&io->load, IO_LOAD_HANDSHAKES);
	r = io_udp_init(io);
	if (r < 0)
		goto fail;
	r = loop_timer_new(loop, on_flush, io, &io->flush_timer);
	if (r < 0)
		goto fail;
	r = wg_device_new(&io->ops, io, &io->dev);
	if (r < 0)
		goto fail;
	r = io_udp_bind(io, c->listen_port);
	if (r < 0)
		goto fail;
	r = io_tun_init(io);
	if (r < 0)
		goto fail;
	*out = io;
	return 0;
fail:
	vpn_io_free(io);
	return r;
}

static void free_peer_state(struct wg_peer *p, void *ctx)
{
	(void)ctx;
	io_peer_free(wg_peer_user(p));
	wg_peer_set_user(p, NULL);
}

void vpn_io_free(struct vpn_io *io)
{
	if (!io)
		return;
	if (io->dev) {
		/* What is queued still goes: a last keepalive, say. */
		io_udp_flush(io);
		wg_device_for_each_peer(io->dev, free_peer_state, NULL);
		wg_device_free(io->dev);
	}
	if (io->flush_timer)
		loop_timer_free(io->flush_timer);
	io_tun_fini(io);
	io_udp_fini(io);
	free(io);
}

struct wg_device *vpn_io_device(struct vpn_io *io)
{
	return io->dev;
}

uint16_t vpn_io_port(const struct vpn_io *io)
{
	return io->port;
}

int vpn_io_set_port(struct vpn_io *io, uint16_t port)
{
	if (port && port == io->port)
		return 0;
	return io_udp_bind(io, port);
}

const struct vpn_io_stats *vpn_io_stats(const struct vpn_io *io)
{
	return &io->stats;
}

int vpn_io_peer_add(struct vpn_io *io, const uint8_t public_key[WG_KEY_LEN],
                    struct wg_peer **out)
{
	int r = wg_peer_add(io->dev, public_key, out);

	if (r < 0)
		return r;
	if (!io_peer_new(io, *out)) {
		wg_peer_remove(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

void vpn_io_peer_remove(struct vpn_io *io, struct wg_peer *p)
{
	unsigned int k;

	if (!p)
		return;
	/* Nothing queued or pending may point at it afterwards. */
	io_udp_flush(io);
	for (k = 0; k < io->nsrc_fix; k++)
		if (io->src_fix[k] == p)
			io->src_fix[k] = io->src_fix[--io->nsrc_fix];
	free_peer_state(p, NULL);
	wg_peer_remove(p);
}

void vpn_io_set_hooks(struct vpn_io *io, const struct vpn_io_hooks *h)
{
	if (h)
		io->hooks = *h;
	else
		memset(&io->hooks, 0, sizeof(io->hooks));
	io->ops.control = io->hooks.control ? op_control : NULL;
}

void vpn_io_send_raw(struct vpn_io *io, const struct wg_endpoint *ep, const uint8_t *buf,
                     size_t len)
{
	io_udp_send(io, NULL, ep, buf, len);
}
