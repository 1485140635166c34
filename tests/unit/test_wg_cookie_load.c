/* Under load a WireGuard node answers a handshake message that carries no
 * valid cookie (mac2) with a cookie reply; the other side puts the cookie
 * on its next attempt, which the retransmit timer sends, and the handshake
 * completes. Either side may be the one under load. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "tests/fake/fake_wgnet.h"
#include "vpn/device.h"
#include "vpn/ratelimit.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)

static int setup(void **state)
{
	struct fnet *net;

	if (fnet_new(&net, 2))
		return -1;
	fnet_pair(net, 0, 1);
	*state = net;
	return 0;
}

static int teardown(void **state)
{
	fnet_free(*state);
	return 0;
}

static const struct wg_device_stats *stats(struct fnet *net, int a)
{
	return wg_device_stats(fnet_node(net, a)->dev);
}

static bool mac2_zero(const struct fnet_dgram *d)
{
	static const uint8_t zero[WG_MAC_LEN];

	return memcmp(d->buf + d->len - WG_MAC_LEN, zero, WG_MAC_LEN) == 0;
}

static void test_responder_under_load(void **state)
{
	struct fnet *net = *state;
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct fnet_dgram reply;

	n1->under_load = true;
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 20, 1);
	assert_true(mac2_zero(fnet_sent(net, 0, WG_MSG_INITIATION, 0)));
	assert_int_equal(n1->sent[WG_MSG_COOKIE_REPLY], 1);
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 0);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 1);
	assert_int_equal(stats(net, 0)->rx_bad_cookie, 0);
	reply = *fnet_sent(net, 1, WG_MSG_COOKIE_REPLY, 0);
	assert_int_equal(reply.len, WG_COOKIE_REPLY_LEN);

	/* the same reply twice: the second answers nothing we sent */
	fnet_inject(net, 0, &n1->addr, reply.buf, reply.len);
	assert_int_equal(stats(net, 0)->rx_bad_cookie, 1);

	fnet_advance(net, 6 * SEC);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_false(mac2_zero(fnet_sent(net, 0, WG_MSG_INITIATION, 0)));
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 1);
	assert_int_equal(n1->delivered, 1);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 1);
	assert_int_equal(stats(net, 1)->rx_bad_mac, 0);
}

static void test_initiator_under_load(void **state)
{
	struct fnet *net = *state;
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);

	n0->under_load = true;
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 20, 1);
	/* the response came without a cookie: node 0 sent one back to the
	 * index that is already node 1's keypair */
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 1);
	assert_int_equal(n0->sent[WG_MSG_COOKIE_REPLY], 1);
	assert_int_equal(stats(net, 1)->rx_bad_cookie, 0);
	assert_int_equal(stats(net, 1)->rx_unknown_index, 0);
	assert_int_equal(n1->delivered, 0);

	fnet_advance(net, 6 * SEC);
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 2);
	assert_false(mac2_zero(fnet_sent(net, 1, WG_MSG_RESPONSE, 0)));
	assert_int_equal(n0->sent[WG_MSG_COOKIE_REPLY], 1);
	assert_int_equal(n1->delivered, 1);
}

/* The cookie is bound to the source address: an initiator that moved gets
 * a new one before it gets in. */
static void test_cookie_bound_to_address(void **state)
{
	struct fnet *net = *state;
	struct fnet_node *n1 = fnet_node(net, 1);

	n1->under_load = true;
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 20, 1);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 1);
	fnet_move(net, 0, "127.0.0.7", 40001);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 2);
	assert_int_equal(n1->delivered, 0);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 2);
	assert_int_equal(n1->delivered, 1);
}

/* Under load a bad mac1 still gets nothing, not even a cookie. */
static void test_bad_mac1_under_load(void **state)
{
	struct fnet *net = *state;
	struct fnet_node *n1 = fnet_node(net, 1);
	struct fnet_dgram d;

	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 20, 1);
	d = *fnet_sent(net, 0, WG_MSG_INITIATION, 0);
	n1->under_load = true;
	d.buf[d.len - WG_MACS_LEN] ^= 1;
	fnet_inject(net, 1, &fnet_node(net, 0)->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_bad_mac, 1);
	assert_int_equal(stats(net, 1)->rx_cookie_sent, 0);
	assert_int_equal(n1->sent[WG_MSG_COOKIE_REPLY], 0);
}

/* A source whose cookie is good still gets 20 handshakes a second, in
 * bursts of 5; the rest are dropped before any public-key work. */
static void test_ratelimited_under_load(void **state)
{
	struct fnet *net = *state;
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	struct fnet_dgram d;
	int i;

	n1->under_load = true;
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 20, 1);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(n1->delivered, 1);
	d = *fnet_sent(net, 0, WG_MSG_INITIATION, 0);
	assert_false(mac2_zero(&d));

	for (i = 0; i < 10; i++)
		fnet_inject(net, 1, &n0->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_handshake_failed, 5);	/* replays, after the limit */
	assert_int_equal(stats(net, 1)->rx_ratelimited, 5);
	fnet_advance(net, 50 * MS);
	fnet_inject(net, 1, &n0->addr, d.buf, d.len);
	fnet_inject(net, 1, &n0->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_handshake_failed, 6);
	assert_int_equal(stats(net, 1)->rx_ratelimited, 6);

	/* not under load, no limit */
	n1->under_load = false;
	for (i = 0; i < 10; i++)
		fnet_inject(net, 1, &n0->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_ratelimited, 6);
	assert_int_equal(stats(net, 1)->rx_handshake_failed, 16);
}

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static int burst(struct wg_ratelimit *r, const char *s, uint64_t now)
{
	struct mg_addr a = addr(s);
	int n = 0;

	while (n < 100 && wg_ratelimit_allow(r, &a, now))
		n++;
	return n;
}

static void test_ratelimit_table(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3 };
	struct wg_ratelimit r;
	uint64_t t = 1000 * SEC;
	struct mg_addr a;
	char s[64];
	int i, n;

	(void)state;
	wg_ratelimit_init(&r, key);
	assert_int_equal(burst(&r, "192.0.2.1", t), WG_RATELIMIT_BURST);
	assert_int_equal(burst(&r, "192.0.2.2", t), WG_RATELIMIT_BURST);
	/* IPv6 by /64: the neighbour shares the bucket, the next /64 not */
	assert_int_equal(burst(&r, "2001:db8:0:1::1", t), WG_RATELIMIT_BURST);
	assert_int_equal(burst(&r, "2001:db8:0:1::2", t), 0);
	assert_int_equal(burst(&r, "2001:db8:0:2::1", t), WG_RATELIMIT_BURST);
	/* one more every 1/20 s, up to the burst again */
	assert_int_equal(burst(&r, "192.0.2.1", t + 50 * MS - 1), 0);
	assert_int_equal(burst(&r, "192.0.2.1", t + 50 * MS), 1);
	assert_int_equal(burst(&r, "192.0.2.1", t + 150 * MS), 2);
	assert_int_equal(burst(&r, "192.0.2.1", t + 10 * SEC), WG_RATELIMIT_BURST);

	/* fill one set with busy sources: the next one of that set is refused
	 * until one of them has been quiet for a second */
	n = 0;
	for (i = 0; i < 1000000 && n <= WG_RATELIMIT_WAYS; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		a = addr(s);
		if (wg_ratelimit_set(&r, &a) != 0)
			continue;
		if (++n <= WG_RATELIMIT_WAYS)
			assert_true(wg_ratelimit_allow(&r, &a, t + 20 * SEC));
	}
	assert_int_equal(n, WG_RATELIMIT_WAYS + 1);
	assert_false(wg_ratelimit_allow(&r, &a, t + 20 * SEC));
	assert_true(wg_ratelimit_allow(&r, &a, t + 21 * SEC + 1));
	wg_ratelimit_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_responder_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiator_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie_bound_to_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_mac1_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimited_under_load, setup, teardown),
		cmocka_unit_test(test_ratelimit_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
