/* A peer's five timers, as the kernel runs them (drivers/net/wireguard/
 * timers.c; whitepaper section 6). The I/O layer holds the real timers:
 * ops->timer arms and disarms them, wg_peer_timer_fired() reports expiry.
 * timer_at[] mirrors what is armed, so "is it pending" needs no call out.
 *
 *   retransmit_handshake   REKEY_TIMEOUT + jitter after an initiation with
 *                          no response: send another; past MAX_TIMER_HANDSHAKES
 *                          retries, drop the staged packets and give up.
 *   send_keepalive         KEEPALIVE_TIMEOUT after data arrived and nothing
 *                          went back: send a keepalive.
 *   new_handshake          KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after
 *                          data went out and nothing came back: new handshake.
 *   zero_key_material      3 * REJECT_AFTER_TIME after the last new session:
 *                          wipe every key.
 *   persistent_keepalive   every N seconds of silence in both directions,
 *                          when configured: send a keepalive (NAT mappings).
 */
#include "config.h"

#include <string.h>

#include "vpn/engine.h"

#define NS(s) WG_SEC_TO_NS(s)
#define JITTER_NS ((uint64_t)WG_REKEY_TIMEOUT_JITTER_MAX_MS * 1000000ULL)

static void timer_mod(struct wg_peer *p, enum wg_timer t, uint64_t when)
{
	p->timer_at[t] = when;
	p->dev->ops->timer(p->dev->arg, p, t, when);
}

static void timer_del(struct wg_peer *p, enum wg_timer t)
{
	if (!p->timer_at[t])
		return;
	p->timer_at[t] = 0;
	p->dev->ops->timer(p->dev->arg, p, t, 0);
}

static bool timer_pending(const struct wg_peer *p, enum wg_timer t)
{
	return p->timer_at[t] != 0;
}

static uint64_t jitter(struct wg_peer *p)
{
	return wg_random_below(p->dev, JITTER_NS);
}

/* The source address we sent from may be what broke the path: let the
 * kernel pick again. */
static void clear_endpoint_src(struct wg_peer *p)
{
	memset(&p->endpoint.src, 0, sizeof(p->endpoint.src));
	p->endpoint.src_ifindex = 0;
}

static void expired_retransmit_handshake(struct wg_peer *p, uint64_t now)
{
	if (p->handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		timer_del(p, WG_TIMER_SEND_KEEPALIVE);
		wg_staged_purge(p);
		/* Wipe what is left of the partial exchange later. */
		if (!timer_pending(p, WG_TIMER_ZERO_KEY_MATERIAL))
			timer_mod(p, WG_TIMER_ZERO_KEY_MATERIAL, now + NS(3 * WG_REJECT_AFTER_TIME));
		return;
	}
	p->handshake_attempts++;
	clear_endpoint_src(p);
	wg_send_handshake_initiation(p, now, true);
}

static void expired_send_keepalive(struct wg_peer *p, uint64_t now)
{
	wg_send_keepalive(p, now);
	if (p->need_another_keepalive) {
		p->need_another_keepalive = false;
		timer_mod(p, WG_TIMER_SEND_KEEPALIVE, now + NS(WG_KEEPALIVE_TIMEOUT));
	}
}

static void expired_new_handshake(struct wg_peer *p, uint64_t now)
{
	clear_endpoint_src(p);
	wg_send_handshake_initiation(p, now, false);
}

static void expired_zero_key_material(struct wg_peer *p, uint64_t now)
{
	(void)now;
	wg_peer_clear_handshake(p);
	wg_keypairs_clear(p);
}

static void expired_persistent_keepalive(struct wg_peer *p, uint64_t now)
{
	if (p->persistent_keepalive)
		wg_send_keepalive(p, now);
}

void wg_peer_timer_fired(struct wg_peer *p, enum wg_timer t, uint64_t now)
{
	if ((unsigned int)t >= WG_TIMER_COUNT || !p->timer_at[t])
		return;		/* disarmed after it fired: stale */
	if (now < p->timer_at[t]) {
		/* early, or re-armed after it fired: keep it for its time */
		timer_mod(p, t, p->timer_at[t]);
		return;
	}
	p->timer_at[t] = 0;
	switch (t) {
	case WG_TIMER_RETRANSMIT_HANDSHAKE:
		expired_retransmit_handshake(p, now);
		break;
	case WG_TIMER_SEND_KEEPALIVE:
		expired_send_keepalive(p, now);
		break;
	case WG_TIMER_NEW_HANDSHAKE:
		expired_new_handshake(p, now);
		break;
	case WG_TIMER_ZERO_KEY_MATERIAL:
		expired_zero_key_material(p, now);
		break;
	case WG_TIMER_PERSISTENT_KEEPALIVE:
		expired_persistent_keepalive(p, now);
		break;
	default:
		break;
	}
}

/* Called after an authenticated data packet is sent. */
void wg_timers_data_sent(struct wg_peer *p, uint64_t now)
{
	if (!timer_pending(p, WG_TIMER_NEW_HANDSHAKE))
		timer_mod(p, WG_TIMER_NEW_HANDSHAKE,
			  now + NS(WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT) + jitter(p));
}

/* Called after an authenticated data packet is received. */
void wg_timers_data_received(struct wg_peer *p, uint64_t now)
{
	if (!timer_pending(p, WG_TIMER_SEND_KEEPALIVE))
		timer_mod(p, WG_TIMER_SEND_KEEPALIVE, now + NS(WG_KEEPALIVE_TIMEOUT));
	else
		p->need_another_keepalive = true;
}

/* Called after any authenticated packet is sent: data, keepalive or handshake. */
void wg_timers_any_authenticated_packet_sent(struct wg_peer *p)
{
	timer_del(p, WG_TIMER_SEND_KEEPALIVE);
}

/* Called after any authenticated packet is received: data, keepalive or handshake. */
void wg_timers_any_authenticated_packet_received(struct wg_peer *p)
{
	timer_del(p, WG_TIMER_NEW_HANDSHAKE);
}

/* Called after a handshake initiation is sent. */
void wg_timers_handshake_initiated(struct wg_peer *p, uint64_t now)
{
	timer_mod(p, WG_TIMER_RETRANSMIT_HANDSHAKE, now + NS(WG_REKEY_TIMEOUT) + jitter(p));
}

/* Called after a response is consumed, or when the first data message
 * confirms a responder's session. */
void wg_timers_handshake_complete(struct wg_peer *p)
{
	timer_del(p, WG_TIMER_RETRANSMIT_HANDSHAKE);
	p->handshake_attempts = 0;
	p->sent_lastminute_handshake = false;
	wg_wall_clock(p->dev, &p->last_handshake);
}

/* Called when a session's keys are derived: before a response is sent, or
 * after one is consumed. */
void wg_timers_session_derived(struct wg_peer *p, uint64_t now)
{
	timer_mod(p, WG_TIMER_ZERO_KEY_MATERIAL, now + NS(3 * WG_REJECT_AFTER_TIME));
}

/* Called before any authenticated packet is sent, or after one is received. */
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *p, uint64_t now)
{
	if (p->persistent_keepalive)
		timer_mod(p, WG_TIMER_PERSISTENT_KEEPALIVE, now + NS(p->persistent_keepalive));
}

/* Called when persistent keepalive is turned off. */
void wg_timers_persistent_keepalive_off(struct wg_peer *p)
{
	timer_del(p, WG_TIMER_PERSISTENT_KEEPALIVE);
}

/* Called when the peer goes away. */
void wg_timers_stop(struct wg_peer *p)
{
	int t;

	for (t = 0; t < WG_TIMER_COUNT; t++)
		timer_del(p, (enum wg_timer)t);
}
