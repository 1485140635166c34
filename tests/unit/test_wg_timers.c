/* The engine's timers on the virtual clock, checked against the kernel's
 * rules at their exact deadlines: passive keepalive, new handshake after
 * one-way traffic, retransmission with jitter and giving up, rekeying by
 * time and by message count, the reject limits, zeroing and persistent
 * keepalive. Node 0 initiates the first session in every test. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/fake/fake_wgnet.h"
#include "vpn/device.h"
#include "vpn/engine_test.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define JITTER_MAX (WG_REKEY_TIMEOUT_JITTER_MAX_MS * MS)

static int teardown(void **state)
{
	fnet_free(*state);
	return 0;
}

static struct wg_peer *peer(struct fnet *net, int a, int b)
{
	struct wg_peer *p = wg_peer_find(fnet_node(net, a)->dev, fnet_node(net, b)->pub);

	assert_non_null(p);
	return p;
}

static const struct wg_device_stats *stats(struct fnet *net, int a)
{
	return wg_device_stats(fnet_node(net, a)->dev);
}

static bool has_session(struct fnet *net, int a, int b)
{
	struct wg_peer_info i;

	wg_peer_get_info(peer(net, a, b), &i);
	return i.has_session;
}

static void send_ok(struct fnet *net, int a, int b)
{
	struct fnet_node *nb = fnet_node(net, b);
	unsigned int before = nb->delivered;
	char src[16], dst[16];

	snprintf(src, sizeof(src), "10.0.0.%d", a + 1);
	snprintf(dst, sizeof(dst), "10.0.0.%d", b + 1);
	fnet_send_ip(net, a, src, dst, 40, 0x42);
	assert_int_equal(nb->delivered, before + 1);
}

/* Two nodes with a session node 0 made, confirmed by its first packet. */
static struct fnet *established(void **state, uint64_t *t0)
{
	struct fnet *net;

	assert_int_equal(fnet_new(&net, 2), 0);
	*state = net;
	fnet_pair(net, 0, 1);
	send_ok(net, 0, 1);
	*t0 = fnet_now(net);
	return net;
}

static uint32_t current_index(struct fnet *net, int a, int b)
{
	uint32_t idx = 0;

	assert_true(wg_test_keypair(peer(net, a, b), WG_TEST_CURRENT, &idx, NULL));
	return idx;
}

static bool drop_all(void *ctx, const struct fnet_dgram *d)
{
	(void)ctx;
	(void)d;
	return true;
}

static bool drop_from(void *ctx, const struct fnet_dgram *d)
{
	return d->from == *(int *)ctx;
}

static bool drop_initiations(void *ctx, const struct fnet_dgram *d)
{
	(void)ctx;
	return d->buf[0] == WG_MSG_INITIATION;
}

/* KEEPALIVE_TIMEOUT after receiving data without sending any, a keepalive
 * goes back; sending data in between makes it unnecessary. */
static void test_passive_keepalive(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	const struct fnet_dgram *d;

	assert_int_equal(wg_test_timer_at(peer(net, 1, 0), WG_TIMER_SEND_KEEPALIVE), t0 + 10 * SEC);
	assert_int_equal(fnet_timer_at(net, peer(net, 1, 0), WG_TIMER_SEND_KEEPALIVE),
			 t0 + 10 * SEC);
	fnet_advance_to(net, t0 + 10 * SEC - 1);
	assert_int_equal(n1->sent[WG_MSG_DATA], 0);
	fnet_advance_to(net, t0 + 10 * SEC);
	assert_int_equal(n1->sent[WG_MSG_DATA], 1);
	d = fnet_sent(net, 1, WG_MSG_DATA, 0);
	assert_int_equal(d->len, WG_DATA_MIN_LEN);
	assert_int_equal(d->at, t0 + 10 * SEC);
	assert_int_equal(n0->delivered, 0);		/* keepalives reach no TUN */

	/* data at +12 arms it again; data back at +15 cancels it */
	fnet_advance_to(net, t0 + 12 * SEC);
	send_ok(net, 0, 1);
	fnet_advance_to(net, t0 + 15 * SEC);
	send_ok(net, 1, 0);
	assert_int_equal(wg_test_timer_at(peer(net, 1, 0), WG_TIMER_SEND_KEEPALIVE), 0);
	fnet_advance_to(net, t0 + 40 * SEC);
	assert_int_equal(n1->sent[WG_MSG_DATA], 2);
}

/* Data sent and nothing heard for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT +
 * jitter: a new handshake. */
static void test_new_handshake_after_one_way_traffic(void **state)
{
	uint64_t t0, due, jit;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0);
	int one = 1;

	/* the response that arrived after the first data cancelled it */
	assert_int_equal(wg_test_timer_at(peer(net, 0, 1), WG_TIMER_NEW_HANDSHAKE), 0);
	fnet_set_filter(net, drop_from, &one);		/* node 1 goes silent */
	fnet_advance_to(net, t0 + 1 * SEC);
	send_ok(net, 0, 1);
	due = wg_test_timer_at(peer(net, 0, 1), WG_TIMER_NEW_HANDSHAKE);
	assert_true(due >= t0 + 16 * SEC);
	jit = due - (t0 + 16 * SEC);
	assert_true(jit < JITTER_MAX);
	fnet_advance_to(net, t0 + 2 * SEC);
	send_ok(net, 0, 1);				/* does not move it */
	assert_int_equal(wg_test_timer_at(peer(net, 0, 1), WG_TIMER_NEW_HANDSHAKE), due);

	fnet_advance_to(net, due - 1);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	fnet_advance_to(net, due);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_INITIATION, 0)->at, due);
}

static void test_no_new_handshake_when_answered(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);

	/* node 1's passive keepalive at +10 answers node 0's data */
	fnet_advance_to(net, t0 + 60 * SEC);
	assert_int_equal(fnet_node(net, 0)->sent[WG_MSG_INITIATION], 1);
	assert_int_equal(wg_test_timer_at(peer(net, 0, 1), WG_TIMER_NEW_HANDSHAKE), 0);
}

/* REKEY_TIMEOUT + jitter between attempts; after the initial one and
 * MAX_TIMER_HANDSHAKES + 1 retries (20 in all, like the kernel) the peer
 * gives up and drops what was staged. */
static void test_retransmit_and_give_up(void **state)
{
	struct fnet *net;
	struct fnet_node *n0;
	struct wg_peer *p;
	uint64_t last, at, first_gap = 0;
	bool jitter_varies = false;
	struct wg_peer_info i;
	int sent;

	assert_int_equal(fnet_new(&net, 2), 0);
	*state = net;
	n0 = fnet_node(net, 0);
	fnet_pair(net, 0, 1);
	p = peer(net, 0, 1);
	fnet_set_filter(net, drop_all, NULL);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 1);
	last = fnet_now(net);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);

	for (sent = 1; (at = wg_test_timer_at(p, WG_TIMER_RETRANSMIT_HANDSHAKE)); ) {
		assert_true(at - last >= 5 * SEC && at - last < 5 * SEC + JITTER_MAX);
		if (!first_gap)
			first_gap = at - last;
		else if (at - last != first_gap)
			jitter_varies = true;
		wg_peer_get_info(p, &i);
		assert_int_equal(i.staged, 1);
		fnet_advance_to(net, at);
		if (n0->sent[WG_MSG_INITIATION] == (unsigned int)sent + 1) {
			sent++;
			assert_int_equal(fnet_sent(net, 0, WG_MSG_INITIATION, 0)->at, at);
			assert_int_equal(wg_test_handshake_attempts(p), sent - 1);
		}
		last = at;
		assert_true(sent <= 20);
	}
	assert_int_equal(sent, 20);
	assert_true(jitter_varies);
	wg_peer_get_info(p, &i);
	assert_int_equal(i.staged, 0);
	assert_int_equal(stats(net, 0)->tx_staged_dropped, 1);
	assert_int_equal(wg_test_timer_at(p, WG_TIMER_ZERO_KEY_MATERIAL), last + 540 * SEC);

	/* new traffic starts over */
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 2);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 21);
	assert_int_equal(wg_test_handshake_attempts(p), 0);
}

static bool drop_once(void *ctx, const struct fnet_dgram *d)
{
	int *left = ctx;

	(void)d;
	return (*left)-- > 0;
}

/* After REKEY_AFTER_TIME the initiator of a session makes a new one when
 * it next sends; the responder never rekeys by age. What was in flight
 * under the old keys still arrives. */
static void test_rekey_after_time_initiator_only(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct fnet_dgram old;
	uint32_t old0, old1, prev;
	unsigned int before;
	int k, once = 1;

	for (k = 1; k <= 11; k++) {
		fnet_advance_to(net, t0 + (uint64_t)k * 10 * SEC);
		send_ok(net, 1, 0);
		send_ok(net, 0, 1);
	}
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	old0 = current_index(net, 0, 1);
	old1 = current_index(net, 1, 0);

	fnet_advance_to(net, t0 + 120 * SEC);
	/* node 1 sends with the old keys; the datagram is held up */
	fnet_set_filter(net, drop_once, &once);
	fnet_send_ip(net, 1, "10.0.0.2", "10.0.0.1", 40, 0x99);
	old = *fnet_sent(net, 1, WG_MSG_DATA, 0);
	fnet_set_filter(net, NULL, NULL);
	send_ok(net, 1, 0);
	assert_int_equal(n1->sent[WG_MSG_INITIATION], 0);	/* the responder: never */
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	send_ok(net, 0, 1);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_INITIATION, 0)->at, t0 + 120 * SEC);

	assert_int_not_equal(current_index(net, 0, 1), old0);
	assert_true(wg_test_keypair(peer(net, 0, 1), WG_TEST_PREVIOUS, &prev, NULL));
	assert_int_equal(prev, old0);
	/* node 0's keepalive confirmed node 1's new session */
	assert_int_not_equal(current_index(net, 1, 0), old1);
	assert_true(wg_test_keypair(peer(net, 1, 0), WG_TEST_PREVIOUS, &prev, NULL));
	assert_int_equal(prev, old1);

	before = n0->delivered;
	fnet_inject(net, 0, &n1->addr, old.buf, old.len);
	assert_int_equal(n0->delivered, before + 1);
	assert_int_equal(n0->last[20], 0x99);
	send_ok(net, 1, 0);
	send_ok(net, 0, 1);
}

/* A keypair neither sends nor receives once REJECT_AFTER_TIME old. */
static void test_reject_after_time(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct fnet_dgram d1, d2;
	struct wg_peer_info i;
	unsigned int data;

	fnet_set_filter(net, drop_all, NULL);
	fnet_advance_to(net, t0 + 1 * SEC);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 1);
	d1 = *fnet_sent(net, 0, WG_MSG_DATA, 0);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 2);
	d2 = *fnet_sent(net, 0, WG_MSG_DATA, 0);

	/* receiving side: good up to the last nanosecond */
	fnet_advance_to(net, t0 + 180 * SEC - 1);
	fnet_inject(net, 1, &n0->addr, d1.buf, d1.len);
	assert_int_equal(n1->delivered, 2);
	data = n0->sent[WG_MSG_DATA];
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 3);
	assert_int_equal(n0->sent[WG_MSG_DATA], data + 1);

	fnet_advance_to(net, t0 + 180 * SEC);
	fnet_inject(net, 1, &n0->addr, d2.buf, d2.len);
	assert_int_equal(n1->delivered, 2);
	assert_int_equal(stats(net, 1)->rx_expired_key, 1);
	/* sending side: the packet waits for a new session instead */
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 4);
	assert_int_equal(n0->sent[WG_MSG_DATA], data + 1);
	wg_peer_get_info(peer(net, 0, 1), &i);
	assert_int_equal(i.staged, 1);
	assert_false(i.has_session);
}

/* 3 * REJECT_AFTER_TIME after the last session was made, every key goes. */
static void test_zero_key_material(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	int a, b;

	fnet_set_filter(net, drop_all, NULL);
	fnet_advance_to(net, t0 + 540 * SEC - 1);
	assert_true(wg_test_keypair(peer(net, 0, 1), WG_TEST_CURRENT, NULL, NULL));
	assert_true(wg_test_keypair(peer(net, 1, 0), WG_TEST_CURRENT, NULL, NULL));
	fnet_advance_to(net, t0 + 540 * SEC);
	for (a = 0; a < 2; a++) {
		b = 1 - a;
		assert_false(wg_test_keypair(peer(net, a, b), WG_TEST_CURRENT, NULL, NULL));
		assert_false(wg_test_keypair(peer(net, a, b), WG_TEST_PREVIOUS, NULL, NULL));
		assert_false(wg_test_keypair(peer(net, a, b), WG_TEST_NEXT, NULL, NULL));
		assert_int_equal(wg_test_index_count(fnet_node(net, a)->dev), 0);
	}
	/* and a new session can still be made */
	fnet_set_filter(net, NULL, NULL);
	send_ok(net, 0, 1);
}

static void test_persistent_keepalive(void **state)
{
	struct fnet *net;
	struct fnet_node *n0;
	struct wg_peer *p;
	uint64_t t1, due;
	int k;

	assert_int_equal(fnet_new(&net, 2), 0);
	*state = net;
	n0 = fnet_node(net, 0);
	fnet_pair(net, 0, 1);
	p = peer(net, 0, 1);

	/* turning it on with no session makes one, confirmed by the keepalive */
	wg_peer_set_keepalive(p, 25, fnet_now(net));
	fnet_pump(net);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	assert_int_equal(n0->sent[WG_MSG_DATA], 1);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, WG_DATA_MIN_LEN);
	assert_true(has_session(net, 1, 0));
	t1 = fnet_now(net);

	for (k = 1; k <= 3; k++) {
		fnet_advance_to(net, t1 + (uint64_t)k * 25 * SEC - 1);
		assert_int_equal(n0->sent[WG_MSG_DATA], (unsigned int)k);
		fnet_advance_to(net, t1 + (uint64_t)k * 25 * SEC);
		assert_int_equal(n0->sent[WG_MSG_DATA], (unsigned int)k + 1);
		assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, WG_DATA_MIN_LEN);
	}

	/* any authenticated traffic either way pushes it back */
	fnet_advance_to(net, t1 + 80 * SEC);
	send_ok(net, 0, 1);		/* node 1 answers with a keepalive at +90 */
	fnet_advance_to(net, t1 + 91 * SEC);
	due = wg_test_timer_at(p, WG_TIMER_PERSISTENT_KEEPALIVE);
	assert_int_equal(due, t1 + 90 * SEC + 25 * SEC);
	fnet_advance_to(net, due);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->at, due);

	/* off: silence */
	wg_peer_set_keepalive(p, 0, fnet_now(net));
	assert_int_equal(fnet_timer_at(net, p, WG_TIMER_PERSISTENT_KEEPALIVE), 0);
	k = (int)n0->sent[0];
	fnet_advance(net, 100 * SEC);
	assert_int_equal(n0->sent[0], (unsigned int)k);
}

/* A keypair that has sent REKEY_AFTER_MESSAGES asks for a new session,
 * whichever side made it. */
static void test_rekey_after_messages(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	uint32_t old = current_index(net, 0, 1);

	fnet_advance(net, 6 * SEC);	/* past the initiation rate limit */
	assert_int_equal(wg_test_set_sending_counter(peer(net, 0, 1), WG_REKEY_AFTER_MESSAGES - 1), 0);
	send_ok(net, 0, 1);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	send_ok(net, 0, 1);		/* counter 2^60 went out: more than the limit sent */
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_int_not_equal(current_index(net, 0, 1), old);

	/* node 1, the responder, follows the same rule */
	fnet_advance(net, 6 * SEC);
	assert_int_equal(wg_test_set_sending_counter(peer(net, 1, 0), WG_REKEY_AFTER_MESSAGES), 0);
	send_ok(net, 1, 0);
	assert_int_equal(n1->sent[WG_MSG_INITIATION], 1);
	send_ok(net, 1, 0);
	send_ok(net, 0, 1);
}

/* The last counter a keypair may use is REJECT_AFTER_MESSAGES - 1; then it
 * neither sends nor receives. */
static void test_reject_after_messages(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct fnet_dgram last;
	struct wg_peer_info i;
	unsigned int data;

	fnet_advance(net, 6 * SEC);
	fnet_set_filter(net, drop_initiations, NULL);
	assert_int_equal(wg_test_set_sending_counter(peer(net, 0, 1), WG_REJECT_AFTER_MESSAGES - 1),
			 0);
	send_ok(net, 0, 1);
	last = *fnet_sent(net, 0, WG_MSG_DATA, 0);
	data = n0->sent[WG_MSG_DATA];
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 1);
	assert_int_equal(n0->sent[WG_MSG_DATA], data);
	wg_peer_get_info(peer(net, 0, 1), &i);
	assert_int_equal(i.staged, 1);
	assert_false(i.has_session);

	/* the receiver's window is at the limit too */
	fnet_inject(net, 1, &n0->addr, last.buf, last.len);
	assert_int_equal(stats(net, 1)->rx_expired_key, 1);

	fnet_set_filter(net, NULL, NULL);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(n1->delivered, 3);
	assert_true(has_session(net, 0, 1));
}

/* An initiator that only receives rekeys when its session has
 * KEEPALIVE_TIMEOUT + REKEY_TIMEOUT left before REJECT_AFTER_TIME. */
static void test_rekey_when_receiving_near_expiry(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct fnet_node *n0 = fnet_node(net, 0);

	/* node 1's keepalives every 5 s are all node 0 hears, and node 0
	 * answers keepalives with nothing */
	wg_peer_set_keepalive(peer(net, 1, 0), 5, fnet_now(net));
	fnet_advance_to(net, t0 + 165 * SEC - 1);
	assert_int_equal(n0->sent[0], 2);	/* initiation and the first data */
	fnet_advance_to(net, t0 + 165 * SEC);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_INITIATION, 0)->at, t0 + 165 * SEC);
	assert_true(has_session(net, 0, 1));
	assert_true(wg_test_keypair(peer(net, 0, 1), WG_TEST_PREVIOUS, NULL, NULL));
}

static void test_stale_timer_ignored(void **state)
{
	uint64_t t0;
	struct fnet *net = established(state, &t0);
	struct wg_peer *p = peer(net, 0, 1);

	/* not armed, or not a timer at all: nothing happens; not due yet:
	 * it stays armed for its time, in the engine and in the loop */
	wg_peer_timer_fired(p, WG_TIMER_RETRANSMIT_HANDSHAKE, fnet_now(net));
	wg_peer_timer_fired(p, WG_TIMER_COUNT, fnet_now(net));
	wg_peer_timer_fired(p, WG_TIMER_ZERO_KEY_MATERIAL, fnet_now(net));
	assert_true(wg_test_keypair(p, WG_TEST_CURRENT, NULL, NULL));
	assert_int_equal(fnet_node(net, 0)->sent[0], 2);
	assert_int_equal(wg_test_timer_at(p, WG_TIMER_ZERO_KEY_MATERIAL), t0 + 540 * SEC);
	assert_int_equal(fnet_timer_at(net, p, WG_TIMER_ZERO_KEY_MATERIAL), t0 + 540 * SEC);
	assert_int_equal(fnet_timer_at(net, p, WG_TIMER_RETRANSMIT_HANDSHAKE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_passive_keepalive, teardown),
		cmocka_unit_test_teardown(test_new_handshake_after_one_way_traffic, teardown),
		cmocka_unit_test_teardown(test_no_new_handshake_when_answered, teardown),
		cmocka_unit_test_teardown(test_retransmit_and_give_up, teardown),
		cmocka_unit_test_teardown(test_rekey_after_time_initiator_only, teardown),
		cmocka_unit_test_teardown(test_reject_after_time, teardown),
		cmocka_unit_test_teardown(test_zero_key_material, teardown),
		cmocka_unit_test_teardown(test_persistent_keepalive, teardown),
		cmocka_unit_test_teardown(test_rekey_after_messages, teardown),
		cmocka_unit_test_teardown(test_reject_after_messages, teardown),
		cmocka_unit_test_teardown(test_rekey_when_receiving_near_expiry, teardown),
		cmocka_unit_test_teardown(test_stale_timer_ignored, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
