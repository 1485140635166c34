/* Everything that leaves: handshake messages, cookie replies, data and
 * keepalives (the kernel's send.c and the routing half of device.c).
 *
 * The kernel puts every outgoing packet on the peer's staged queue and then
 * flushes the queue with the current keypair. Here a packet that finds the
 * queue empty and a keypair usable is sealed where it lies, which is the
 * same thing without the copy; otherwise it is staged and the queue flushed,
 * which starts a handshake when there is no usable keypair. */
#include "config.h"

#include <string.h>

#include "vpn/engine.h"
#include "vpn/inner.h"

#define ALIGN16(x) (((x) + (WG_DATA_PADDING - 1)) & ~(size_t)(WG_DATA_PADDING - 1))

/* Initiations go out at most once per REKEY_TIMEOUT; a response counts. */
static bool handshake_sent_recently(const struct wg_peer *p, uint64_t now)
{
	return p->has_sent_handshake && !wg_expired(p->last_sent_handshake, WG_REKEY_TIMEOUT, now);
}

static void note_handshake_sent(struct wg_peer *p, uint64_t now)
{
	p->last_sent_handshake = now;
	p->has_sent_handshake = true;
}

/* is_retry: the retransmit timer's call, which counts attempts; any other
 * reason starts the count again. */
void wg_send_handshake_initiation(struct wg_peer *p, uint64_t now, bool is_retry)
{
	uint8_t buf[WG_INITIATION_LEN];
	struct wg_initiation msg;
	struct timespec wall;

	if (!is_retry)
		p->handshake_attempts = 0;
	if (handshake_sent_recently(p, now))
		return;
	note_handshake_sent(p, now);
	wg_wall_clock(p->dev, &wall);
	if (noise_create_initiation(&p->hs, &wall, &msg))
		return;
	wg_initiation_pack(&msg, buf, sizeof(buf));
	cookie_add_macs(&p->cookie, buf, sizeof(buf), now);
	wg_timers_any_authenticated_packet_traversal(p, now);
	wg_timers_any_authenticated_packet_sent(p);
	wg_send_to_peer(p, buf, sizeof(buf));
	wg_timers_handshake_initiated(p, now);
}

void wg_send_handshake_response(struct wg_peer *p, uint64_t now)
{
	uint8_t buf[WG_RESPONSE_LEN];
	struct wg_response msg;

	note_handshake_sent(p, now);
	if (noise_create_response(&p->hs, &msg))
		return;
	wg_response_pack(&msg, buf, sizeof(buf));
	cookie_add_macs(&p->cookie, buf, sizeof(buf), now);
	if (wg_peer_begin_session(p, now))
		return;
	wg_timers_session_derived(p, now);
	wg_timers_any_authenticated_packet_traversal(p, now);
	wg_timers_any_authenticated_packet_sent(p);
	wg_send_to_peer(p, buf, sizeof(buf));
}

void wg_send_cookie_reply(struct wg_device *d, const struct wg_endpoint *to,
			  const uint8_t *msg, size_t len, uint32_t sender_index, uint64_t now)
{
	uint8_t buf[WG_COOKIE_REPLY_LEN];
	struct wg_cookie_reply reply;
	struct mg_addr addr;
	uint16_t port;

	wg_endpoint_addr(to, &addr, &port);
	if (cookie_reply_create(&d->checker, &reply, msg, len, sender_index, &addr, port, now))
		return;
	wg_cookie_reply_pack(&reply, buf, sizeof(buf));
	d->ops->send(d->arg, NULL, to, buf, sizeof(buf));
	d->stats.rx_cookie_sent++;
}

/* The current keypair if it may still send; one past REJECT_AFTER_TIME is
 * retired on the spot. */
static struct wg_keypair *sending_keypair(struct wg_peer *p, uint64_t now)
{
	struct wg_keypair *kp = p->current;

	if (!kp || !kp->noise.sending.is_valid)
		return NULL;
	if (wg_expired(kp->noise.sending.birth, WG_REJECT_AFTER_TIME, now)) {
		kp->noise.sending.is_valid = false;
		return NULL;
	}
	return kp;
}

/* Pads to a multiple of 16 but never past the MTU (a packet already longer
 * than the MTU is padded as its last MTU-sized piece would be). */
static size_t padding(size_t len, unsigned int mtu)
{
	size_t last = len, padded;

	if (last > mtu)
		last %= mtu;
	padded = ALIGN16(last);
	if (padded > mtu)
		padded = mtu;
	return padded - last;
}

/* Seals the len bytes at buf + WG_TX_HEADROOM in place under kp's next
 * counter. The datagram's length, or 0 once the keypair has used up its
 * counters (it then sends no more). */
static size_t seal(struct wg_peer *p, struct wg_keypair *kp, uint8_t *buf, size_t len)
{
	uint64_t counter = kp->noise.sending_counter++;
	size_t plain = len + padding(len, p->dev->mtu);

	if (counter >= WG_REJECT_AFTER_MESSAGES) {
		kp->noise.sending.is_valid = false;
		return 0;
	}
	memset(buf + WG_TX_HEADROOM + len, 0, plain - len);
	noise_data_seal(&kp->noise.sending, counter, buf + WG_TX_HEADROOM, buf + WG_TX_HEADROOM,
			plain);
	wg_data_header_pack(kp->noise.remote_index, counter, buf, WG_DATA_HEADER_LEN);
	return WG_DATA_HEADER_LEN + WG_ENCRYPTED_LEN(plain);
}

/* The sender's half of keeping keys fresh: a new handshake once the current
 * keypair has sent REKEY_AFTER_MESSAGES, or, if we made it, once it is
 * REKEY_AFTER_TIME old. The responder waits for the initiator, so the two
 * never race to rekey. */
static void keep_key_fresh(struct wg_peer *p, uint64_t now)
{
	struct wg_keypair *kp = p->current;

	if (kp && kp->noise.sending.is_valid &&
	    (kp->noise.sending_counter > WG_REKEY_AFTER_MESSAGES ||
	     (kp->noise.is_initiator &&
	      wg_expired(kp->noise.sending.birth, WG_REKEY_AFTER_TIME, now))))
		wg_send_handshake_initiation(p, now, false);
}

/* After a batch of data messages (keepalives included) went out. */
static void data_done(struct wg_peer *p, bool data_sent, uint64_t now)
{
	wg_timers_any_authenticated_packet_traversal(p, now);
	wg_timers_any_authenticated_packet_sent(p);
	if (data_sent)
		wg_timers_data_sent(p, now);
	keep_key_fresh(p, now);
}

void wg_send_staged(struct wg_peer *p, uint64_t now)
{
	bool sent = false, data_sent = false;
	struct wg_keypair *kp;
	size_t len, cap, n;
	uint8_t *buf;

	if (!wg_staged_count(p))
		return;
	kp = sending_keypair(p, now);
	while (kp && (buf = wg_staged_peek(p, &len, &cap))) {
		n = seal(p, kp, buf, len);
		if (!n) {
			kp = NULL;
			break;
		}
		if (wg_send_to_peer(p, buf, n) && len)
			data_sent = true;
		sent = true;
		wg_staged_pop(p);
	}
	if (sent)
		data_done(p, data_sent, now);
	if (!kp)
		wg_send_handshake_initiation(p, now, false);
}

static void tx_packet(struct wg_peer *p, uint8_t *buf, size_t len, uint64_t now)
{
	struct wg_keypair *kp;
	size_t n;

	if (!wg_staged_count(p) && (kp = sending_keypair(p, now))) {
		n = seal(p, kp, buf, len);
		if (n) {
			data_done(p, wg_send_to_peer(p, buf, n) && len, now);
			return;
		}
	}
	wg_staged_push(p, buf + WG_TX_HEADROOM, len);
	wg_send_staged(p, now);
}

/* A keepalive is an empty data message; queued packets serve as well. */
void wg_send_keepalive(struct wg_peer *p, uint64_t now)
{
	uint8_t buf[WG_TX_HEADROOM + WG_TX_TAILROOM];

	if (wg_staged_count(p))
		wg_send_staged(p, now);
	else
		tx_packet(p, buf, 0, now);
}

void wg_peer_tx(struct wg_peer *p, uint8_t *buf, size_t len, uint64_t now)
{
	if (!wg_endpoint_known(&p->endpoint)) {
		p->dev->stats.tx_no_endpoint++;
		return;
	}
	tx_packet(p, buf, len, now);
}

void wg_device_tx(struct wg_device *d, uint8_t *buf, size_t len, uint64_t now)
{
	struct wg_inner in;
	struct wg_peer *p;

	if (wg_inner_parse(&in, buf + WG_TX_HEADROOM, len)) {
		d->stats.tx_bad_packet++;
		return;
	}
	p = trie_lookup_bytes(d->allowed, in.family, in.dst);
	if (!p) {
		d->stats.tx_no_route++;
		return;
	}
	wg_peer_tx(p, buf, len, now);
}
