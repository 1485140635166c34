/* Everything that arrives (the kernel's receive.c): each datagram is
 * checked by type and size, handshake messages by their macs (and, under
 * load, by a cookie), data messages by index, key age, authentication and
 * then the replay window, in that order, so that nothing unauthenticated
 * moves any state. Every drop is counted in the device's stats. */
#include "config.h"

#include <string.h>

#include "vpn/engine.h"
#include "vpn/inner.h"

static struct wg_peer *peer_of(struct noise_handshake *hs)
{
	return wg_container_of(hs, struct wg_peer, hs);
}

/* Roaming: a peer is wherever its last authenticated packet came from. */
static void set_endpoint(struct wg_peer *p, const struct wg_endpoint *from)
{
	if (memcmp(&p->endpoint, from, sizeof(*from)) != 0)
		p->endpoint = *from;
}

/* What a handshake message's macs allow: -1 drop, 1 answer with a cookie
 * reply (we are under load and it carries no valid cookie), 0 go on. Under
 * load a proven source is also held to its rate. */
static int check_macs(struct wg_device *d, const struct wg_endpoint *from,
		      const uint8_t *buf, size_t len, uint64_t now)
{
	bool under_load = d->ops->under_load && d->ops->under_load(d->arg);
	struct mg_addr addr;
	uint16_t port;

	wg_endpoint_addr(from, &addr, &port);
	switch (cookie_check(&d->checker, buf, len, &addr, port, under_load, now)) {
	case COOKIE_ACCEPT:
		return 0;
	case COOKIE_ACCEPT_COOKIE:
		if (wg_ratelimit_allow(&d->ratelimit, &addr, now))
			return 0;
		d->stats.rx_ratelimited++;
		return -1;
	case COOKIE_SEND_REPLY:
		return 1;
	default:
		d->stats.rx_bad_mac++;
		return -1;
	}
}

/* After any authenticated handshake message. */
static void handshake_received(struct wg_peer *p, size_t len, uint64_t now)
{
	p->rx_bytes += len;
	wg_timers_any_authenticated_packet_received(p);
	wg_timers_any_authenticated_packet_traversal(p, now);
}

static void rx_initiation(struct wg_device *d, const struct wg_endpoint *from,
			  const uint8_t *buf, size_t len, uint64_t now)
{
	struct noise_handshake *hs;
	struct wg_initiation msg;
	struct wg_peer *p;
	int v;

	if (wg_initiation_unpack(&msg, buf, len)) {
		d->stats.rx_bad_type++;
		return;
	}
	v = check_macs(d, from, buf, len, now);
	if (v) {
		if (v > 0)
			wg_send_cookie_reply(d, from, buf, len, msg.sender_index, now);
		return;
	}
	if (noise_consume_initiation(&d->local, &msg, now, &hs)) {
		d->stats.rx_handshake_failed++;
		return;
	}
	p = peer_of(hs);
	set_endpoint(p, from);
	wg_send_handshake_response(p, now);
	handshake_received(p, len, now);
}

static void rx_response(struct wg_device *d, const struct wg_endpoint *from,
			const uint8_t *buf, size_t len, uint64_t now)
{
	struct noise_handshake *hs;
	struct wg_response msg;
	struct wg_peer *p;
	int v;

	if (wg_response_unpack(&msg, buf, len)) {
		d->stats.rx_bad_type++;
		return;
	}
	v = check_macs(d, from, buf, len, now);
	if (v) {
		if (v > 0)
			wg_send_cookie_reply(d, from, buf, len, msg.sender_index, now);
		return;
	}
	if (noise_consume_response(&d->local, &msg, &hs)) {
		d->stats.rx_handshake_failed++;
		return;
	}
	p = peer_of(hs);
	set_endpoint(p, from);
	if (wg_peer_begin_session(p, now) == 0) {
		wg_timers_session_derived(p, now);
		wg_timers_handshake_complete(p);
		/* Staged packets confirm the session; with none, a keepalive does. */
		wg_send_keepalive(p, now);
	}
	handshake_received(p, len, now);
}

/* A cookie reply answers the last handshake message we sent to a peer: it
 * names that message's sender index, a handshake's or (for a response)
 * already the keypair's. The cookie goes on our next message's mac2; the
 * retransmit timer sends that message. */
static void rx_cookie_reply(struct wg_device *d, const uint8_t *buf, size_t len, uint64_t now)
{
	struct wg_cookie_reply msg;
	struct wg_index_entry *e;

	if (wg_cookie_reply_unpack(&msg, buf, len)) {
		d->stats.rx_bad_type++;
		return;
	}
	e = wg_index_lookup(&d->index, msg.receiver_index, WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR);
	if (!e) {
		d->stats.rx_unknown_index++;
		return;
	}
	if (cookie_reply_consume(&e->peer->cookie, &msg, now))
		d->stats.rx_bad_cookie++;
}

/* The receiver's half of keeping keys fresh: if we made the current
 * session and it has under KEEPALIVE_TIMEOUT + REKEY_TIMEOUT left before
 * REJECT_AFTER_TIME, start a new one now, once, so that a peer that only
 * receives still gets a fresh session before this one dies. */
static void keep_key_fresh(struct wg_peer *p, uint64_t now)
{
	struct wg_keypair *kp = p->current;

	if (p->sent_lastminute_handshake)
		return;
	if (kp && kp->noise.sending.is_valid && kp->noise.is_initiator &&
	    wg_expired(kp->noise.sending.birth,
		       WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT, now)) {
		p->sent_lastminute_handshake = true;
		wg_send_handshake_initiation(p, now, false);
	}
}

/* An authenticated, fresh data message: plain holds its padded payload. */
static void data_received(struct wg_peer *p, struct wg_keypair *kp,
			  const struct wg_endpoint *from, uint8_t *plain, size_t len,
			  uint64_t now)
{
	struct wg_device *d = p->dev;
	struct wg_inner in;

	set_endpoint(p, from);
	if (wg_keypair_confirm(p, kp)) {
		wg_timers_handshake_complete(p);
		wg_send_staged(p, now);
	}
	keep_key_fresh(p, now);
	wg_timers_any_authenticated_packet_received(p);
	wg_timers_any_authenticated_packet_traversal(p, now);

	if (!len) {
		p->rx_bytes += WG_DATA_MIN_LEN;	/* a keepalive */
		return;
	}
	wg_timers_data_received(p, now);

	/* Not an IP packet: a control message between meshgated nodes, which
	 * carries its own length (the padding is still on). */
	if (d->ops->control && (plain[0] >> 4) != 4 && (plain[0] >> 4) != 6) {
		d->stats.rx_control++;
		p->rx_bytes += WG_DATA_HEADER_LEN + WG_ENCRYPTED_LEN(len);
		d->ops->control(d->arg, p, plain, len);
		return;
	}
	/* The header must be whole and its length must fit what arrived;
	 * what follows that length is padding. */
	if (wg_inner_parse(&in, plain, len) ||
	    (in.family == AF_INET && in.len < WG_IPV4_HEADER_LEN) || in.len > len) {
		d->stats.rx_bad_inner++;
		return;
	}
	/* Cryptokey routing: the source must be one this peer may use. */
	if (trie_lookup_bytes(d->allowed, in.family, in.src) != p) {
		d->stats.rx_source_not_allowed++;
		return;
	}
	d->ops->deliver(d->arg, p, plain, in.len);
	p->rx_bytes += WG_DATA_HEADER_LEN + WG_ENCRYPTED_LEN(len);
}

static void rx_data(struct wg_device *d, const struct wg_endpoint *from, uint8_t *buf,
		    size_t len, uint64_t now)
{
	uint8_t *plain = buf + WG_DATA_HEADER_LEN;
	struct wg_index_entry *e;
	struct wg_keypair *kp;
	struct wg_data msg;

	if (wg_data_unpack(&msg, buf, len)) {
		d->stats.rx_bad_type++;
		return;
	}
	e = wg_index_lookup(&d->index, msg.receiver_index, WG_INDEX_KEYPAIR);
	if (!e) {
		d->stats.rx_unknown_index++;
		return;
	}
	kp = e->keypair;
	if (!kp->noise.receiving.is_valid ||
	    wg_expired(kp->noise.receiving.birth, WG_REJECT_AFTER_TIME, now) ||
	    kp->replay.top >= WG_REJECT_AFTER_MESSAGES) {
		kp->noise.receiving.is_valid = false;
		d->stats.rx_expired_key++;
		return;
	}
	if (noise_data_open(&kp->noise.receiving, msg.counter, plain, plain, msg.ciphertext_len)) {
		d->stats.rx_decrypt_failed++;
		return;
	}
	/* Only now, authenticated, may the counter move the window. */
	if (!replay_check_and_update(&kp->replay, msg.counter, WG_REJECT_AFTER_MESSAGES)) {
		d->stats.rx_replayed++;
		return;
	}
	data_received(e->peer, kp, from, plain, msg.ciphertext_len - WG_AUTHTAG_LEN, now);
}

void wg_device_rx(struct wg_device *d, const struct wg_endpoint *from, uint8_t *buf, size_t len,
		  uint64_t now)
{
	switch (wg_message_type(buf, len)) {
	case WG_MSG_INITIATION:
		rx_initiation(d, from, buf, len, now);
		break;
	case WG_MSG_RESPONSE:
		rx_response(d, from, buf, len, now);
		break;
	case WG_MSG_COOKIE_REPLY:
		rx_cookie_reply(d, buf, len, now);
		break;
	case WG_MSG_DATA:
		rx_data(d, from, buf, len, now);
		break;
	default:
		d->stats.rx_bad_type++;
		break;
	}
}
