/* The WireGuard engine end to end: two or three engines on a fake network
 * in virtual time. Handshake on demand, exact bytes both ways, padding,
 * cryptokey routing both ways, replay, roaming, pre-shared keys. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "tests/fake/fake_wgnet.h"
#include "vpn/device.h"
#include "vpn/engine_test.h"

#define SEC UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define DATA_LEN(plain) (WG_DATA_HEADER_LEN + (plain) + WG_AUTHTAG_LEN)
#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

static struct fnet *net3(void **state)
{
	struct fnet *net;

	assert_int_equal(fnet_new(&net, 3), 0);
	*state = net;
	return net;
}

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

static struct wg_peer_info info(struct fnet *net, int a, int b)
{
	struct wg_peer_info i;

	wg_peer_get_info(peer(net, a, b), &i);
	return i;
}

/* No drop of any kind anywhere. */
static void assert_clean(struct fnet *net, int a)
{
	static const struct wg_device_stats zero;

	assert_memory_equal(stats(net, a), &zero, sizeof(zero));
}

/* Sends the packet and checks the receiver got exactly its bytes. */
static void send_exact(struct fnet *net, int a, int b, const char *src, const char *dst,
		       size_t payload, uint8_t fill)
{
	uint8_t buf[WG_TX_HEADROOM + FNET_MAX_DGRAM + WG_TX_TAILROOM];
	uint8_t want[FNET_MAX_DGRAM];
	struct fnet_node *nb = fnet_node(net, b);
	unsigned int before = nb->delivered;
	size_t len = fnet_build_ip(buf, sizeof(buf), src, dst, payload, fill);

	memcpy(want, buf + WG_TX_HEADROOM, len);
	wg_device_tx(fnet_node(net, a)->dev, buf, len, fnet_now(net));
	fnet_pump(net);
	assert_int_equal(nb->delivered, before + 1);
	assert_int_equal(nb->last_len, len);
	assert_memory_equal(nb->last, want, len);
	assert_ptr_equal(nb->last_peer, peer(net, b, a));
}

static bool drop_from_0(void *ctx, const struct fnet_dgram *d)
{
	(void)ctx;
	return d->from == 0;
}

static bool drop_all(void *ctx, const struct fnet_dgram *d)
{
	(void)ctx;
	(void)d;
	return true;
}

static void test_handshake_on_first_packet(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	const struct fnet_dgram *d;
	uint32_t idx;

	fnet_pair(net, 0, 1);
	assert_false(info(net, 0, 1).has_session);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 50, 0xab);

	/* initiation, response, then the staged packet itself */
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 1);
	assert_int_equal(n0->sent[WG_MSG_DATA], 1);
	assert_int_equal(n1->sent[0], 1);
	d = fnet_sent(net, 0, 0, 1);
	assert_int_equal(d->buf[0], WG_MSG_INITIATION);
	assert_int_equal(d->len, WG_INITIATION_LEN);
	assert_int_equal(fnet_sent(net, 1, 0, 0)->len, WG_RESPONSE_LEN);

	/* the initiator uses its keypair at once; the responder's waited
	 * in "next" for that first data message */
	assert_true(wg_test_keypair(peer(net, 0, 1), WG_TEST_CURRENT, &idx, NULL));
	assert_true(wg_test_keypair(peer(net, 1, 0), WG_TEST_CURRENT, NULL, NULL));
	assert_false(wg_test_keypair(peer(net, 1, 0), WG_TEST_NEXT, NULL, NULL));
	assert_true(info(net, 0, 1).has_session);
	assert_true(info(net, 1, 0).has_session);
	assert_int_not_equal(info(net, 1, 0).last_handshake.tv_sec, 0);
	assert_int_equal(info(net, 0, 1).tx_bytes, WG_INITIATION_LEN + DATA_LEN(ALIGN16(70)));
	assert_int_equal(info(net, 1, 0).rx_bytes, WG_INITIATION_LEN + DATA_LEN(ALIGN16(70)));
	assert_clean(net, 0);
	assert_clean(net, 1);

	/* the reply needs no new handshake */
	send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", 20, 0xcd);
	assert_int_equal(n1->sent[WG_MSG_INITIATION] + n0->sent[WG_MSG_INITIATION], 1);
}

static void test_staged_until_handshake(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n0 = fnet_node(net, 0), *n1 = fnet_node(net, 1);
	uint8_t want[FNET_MAX_DGRAM + WG_TX_HEADROOM + WG_TX_TAILROOM];
	size_t len;
	int i;

	fnet_pair(net, 0, 1);
	fnet_set_filter(net, drop_from_0, NULL);
	for (i = 0; i < 3; i++)
		fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10 + 10 * (size_t)i, (uint8_t)(i + 1));
	/* one initiation (rate limited), three packets waiting */
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 1);
	assert_int_equal(n0->sent[WG_MSG_DATA], 0);
	assert_int_equal(info(net, 0, 1).staged, 3);

	/* the retransmission gets through and the packets follow, in order */
	fnet_set_filter(net, NULL, NULL);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(n0->sent[WG_MSG_INITIATION], 2);
	assert_int_equal(n1->delivered, 3);
	assert_int_equal(info(net, 0, 1).staged, 0);
	for (i = 0; i < 3; i++) {
		len = fnet_build_ip(want, sizeof(want), "10.0.0.1", "10.0.0.2",
				    10 + 10 * (size_t)i, (uint8_t)(i + 1));
		assert_int_equal(n1->hist_len[i], len);
		assert_memory_equal(n1->hist[i], want + WG_TX_HEADROOM, len);
	}
	assert_clean(net, 1);
}

static void test_staged_ring_overflow(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n1 = fnet_node(net, 1);
	int i;

	fnet_pair(net, 0, 1);
	fnet_set_filter(net, drop_from_0, NULL);
	for (i = 0; i < WG_MAX_STAGED + 2; i++)
		fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 4, (uint8_t)i);
	assert_int_equal(info(net, 0, 1).staged, WG_MAX_STAGED);
	assert_int_equal(stats(net, 0)->tx_staged_dropped, 2);

	/* the two oldest went: delivered packet k is packet k + 2 */
	fnet_set_filter(net, NULL, NULL);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(n1->delivered, WG_MAX_STAGED);
	for (i = WG_MAX_STAGED - FNET_HIST; i < WG_MAX_STAGED; i++)
		assert_int_equal(n1->hist[i % FNET_HIST][20], i + 2);

	/* a packet too big for a staging slot is dropped and counted */
	fnet_set_filter(net, drop_all, NULL);
	assert_int_equal(wg_device_set_mtu(fnet_node(net, 2)->dev, 100), 0);
	fnet_pair(net, 2, 1);
	fnet_send_ip(net, 2, "10.0.0.3", "10.0.0.2", 90, 1);
	assert_int_equal(stats(net, 2)->tx_staged_dropped, 1);
	assert_int_equal(info(net, 2, 1).staged, 0);
	fnet_send_ip(net, 2, "10.0.0.3", "10.0.0.2", 80, 1);
	assert_int_equal(info(net, 2, 1).staged, 1);
}

static void test_data_both_ways(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 1380 };
	struct fnet *net = net3(state);
	size_t i;

	fnet_pair(net, 0, 1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", sizes[i], (uint8_t)(0x10 + i));
		send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", sizes[i], (uint8_t)(0x80 + i));
	}
	assert_clean(net, 0);
	assert_clean(net, 1);
}

static void test_ipv6_inner(void **state)
{
	struct fnet *net = net3(state);

	fnet_pair(net, 0, 1);
	send_exact(net, 0, 1, "fd00::1", "fd00::2", 0, 0x61);
	send_exact(net, 1, 0, "fd00::2", "fd00::1", 5, 0x62);
	send_exact(net, 0, 1, "fd00::1", "fd00::2", 1000, 0x63);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, DATA_LEN(1040));
	assert_clean(net, 0);
	assert_clean(net, 1);
}

/* Ciphertext is the packet padded to 16 (never past the MTU) plus the tag;
 * the receiver trims the padding by the inner length field. */
static void test_padding(void **state)
{
	struct fnet *net = net3(state);
	size_t payload, len;

	fnet_pair(net, 0, 1);
	for (payload = 0; payload <= 40; payload++) {
		len = 20 + payload;
		send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", payload, 0x5a);
		assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, DATA_LEN(ALIGN16(len)));
	}
	/* 1410 bytes would pad to 1424: the MTU (1420) caps it */
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 1390, 0x5b);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, DATA_LEN(1420));

	assert_int_equal(wg_device_set_mtu(fnet_node(net, 0)->dev, 100), 0);
	assert_int_equal(wg_device_set_mtu(fnet_node(net, 0)->dev, 67), -EINVAL);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 79, 0x5c);	/* 99 -> 100 */
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, DATA_LEN(100));
	/* longer than the MTU: padded as its last MTU-sized piece, 50 -> 64 */
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 130, 0x5d);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->len, DATA_LEN(150 + 14));
	assert_clean(net, 1);
}

/* A payload that is not an IP packet goes to ops->control, padding and
 * all, whatever the allowed IPs; a node without the callback drops it as
 * stock WireGuard does. IP packets still go to the TUN. */
static void send_control(struct fnet *net, int a, int b, const uint8_t *msg, size_t len)
{
	uint8_t buf[WG_TX_HEADROOM + 64 + WG_TX_TAILROOM];

	memcpy(buf + WG_TX_HEADROOM, msg, len);
	wg_peer_tx(peer(net, a, b), buf, len, fnet_now(net));
	fnet_pump(net);
}

static void test_control_messages(void **state)
{
	static const uint8_t msg[] = { 0x11, 0x01, 0x00, 0x03, 'a', 'b', 'c' };
	struct fnet *net;
	struct fnet_node *n0, *n1;

	assert_int_equal(fnet_new_control(&net, 3), 0);
	*state = net;
	n0 = fnet_node(net, 0);
	n1 = fnet_node(net, 1);
	fnet_pair(net, 0, 1);
	send_control(net, 0, 1, msg, sizeof(msg));
	assert_int_equal(n1->controls, 1);
	assert_int_equal(n1->delivered, 0);
	assert_ptr_equal(n1->last_control_peer, peer(net, 1, 0));
	assert_int_equal(n1->last_control_len, 16);       /* padded to 16 */
	assert_memory_equal(n1->last_control, msg, sizeof(msg));
	for (size_t i = sizeof(msg); i < 16; i++)
		assert_int_equal(n1->last_control[i], 0);
	assert_int_equal(stats(net, 1)->rx_control, 1);
	assert_int_equal(stats(net, 1)->rx_bad_inner, 0);

	/* IP packets are not taken for control messages */
	send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", 10, 0x77);
	assert_int_equal(n0->controls, 0);
}

static void test_control_dropped_without_callback(void **state)
{
	static const uint8_t msg[] = { 0x11, 0x01, 0x00, 0x00 };
	struct fnet *net = net3(state);

	fnet_pair(net, 0, 1);
	send_control(net, 0, 1, msg, sizeof(msg));
	assert_int_equal(fnet_node(net, 1)->delivered, 0);
	assert_int_equal(stats(net, 1)->rx_bad_inner, 1);
	assert_int_equal(stats(net, 1)->rx_control, 0);
}

static void collect_prefix(const struct mg_prefix *pfx, void *ctx)
{
	char *out = ctx, buf[MG_PREFIX_STRLEN];

	strcat(out, mg_prefix_fmt(pfx, buf, sizeof(buf)));
	strcat(out, " ");
}

static void test_allowed_ips_routing(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n1 = fnet_node(net, 1), *n2 = fnet_node(net, 2);
	struct mg_prefix pfx;
	char list[256] = "";

	fnet_pair(net, 0, 1);
	fnet_add_peer(net, 0, 2, "10.0.0.3/32,10.1.0.0/16,fd00::3/128");
	fnet_add_peer(net, 2, 0, NULL);

	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 10, 1);
	send_exact(net, 0, 2, "10.0.0.1", "10.0.0.3", 10, 2);
	send_exact(net, 0, 2, "10.0.0.1", "10.1.2.3", 10, 3);
	send_exact(net, 0, 2, "fd00::1", "fd00::3", 10, 4);
	assert_int_equal(n1->delivered, 1);
	assert_int_equal(n2->delivered, 3);

	fnet_send_ip(net, 0, "10.0.0.1", "10.9.9.9", 10, 5);
	fnet_send_ip(net, 0, "fd00::1", "fd00::9", 10, 5);
	assert_int_equal(stats(net, 0)->tx_no_route, 2);

	wg_peer_for_each_allowed(peer(net, 0, 2), collect_prefix, list);
	assert_string_equal(list, "10.0.0.3/32 10.1.0.0/16 fd00::3/128 ");

	/* a prefix moves to the peer that is given it last */
	assert_int_equal(mg_prefix_parse("10.1.0.0/16", false, &pfx), 0);
	assert_int_equal(wg_peer_allow(peer(net, 0, 1), &pfx), 0);
	send_exact(net, 0, 1, "10.0.0.1", "10.1.2.3", 10, 6);
	list[0] = 0;
	wg_peer_for_each_allowed(peer(net, 0, 2), collect_prefix, list);
	assert_string_equal(list, "10.0.0.3/32 fd00::3/128 ");

	wg_peer_clear_allowed(peer(net, 0, 2));
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.3", 10, 7);
	assert_int_equal(stats(net, 0)->tx_no_route, 3);
	assert_int_equal(n2->delivered, 3);
}

/* Node 1 may only send from its own addresses: a packet claiming node 2's
 * source, or nobody's, is dropped by node 0 after decryption. */
static void test_source_check(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n0 = fnet_node(net, 0);

	fnet_pair(net, 0, 1);
	fnet_pair(net, 0, 2);
	send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", 10, 1);

	fnet_send_ip(net, 1, "10.0.0.3", "10.0.0.1", 10, 2);
	assert_int_equal(stats(net, 0)->rx_source_not_allowed, 1);
	fnet_send_ip(net, 1, "10.77.0.1", "10.0.0.1", 10, 3);
	fnet_send_ip(net, 1, "fd00::3", "fd00::1", 10, 4);
	assert_int_equal(stats(net, 0)->rx_source_not_allowed, 3);
	assert_int_equal(n0->delivered, 1);

	/* node 2 itself may */
	send_exact(net, 2, 0, "10.0.0.3", "10.0.0.1", 10, 5);
}

static void test_replay_dropped(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n1 = fnet_node(net, 1);
	struct fnet_dgram d;

	fnet_pair(net, 0, 1);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 30, 1);
	d = *fnet_sent(net, 0, WG_MSG_DATA, 0);
	fnet_inject(net, 1, &fnet_node(net, 0)->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_replayed, 1);
	assert_int_equal(n1->delivered, 1);

	/* a later one is still fine, and the old one still refused */
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 30, 2);
	fnet_inject(net, 1, &fnet_node(net, 0)->addr, d.buf, d.len);
	assert_int_equal(stats(net, 1)->rx_replayed, 2);
	assert_int_equal(n1->delivered, 2);
}

static void test_endpoint_roaming(void **state)
{
	struct fnet *net = net3(state);
	struct fnet_node *n1 = fnet_node(net, 1);
	struct wg_peer_info i;

	fnet_pair(net, 0, 1);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 10, 1);
	i = info(net, 0, 1);
	assert_int_equal(ntohs(i.endpoint.addr.in4.sin_port), 51821);
	/* the local address it arrived at is kept for replies */
	assert_int_equal(i.endpoint.src.v4.s_addr, htonl(0x7f000001));

	/* node 1 moves: node 0 still writes to the old place */
	fnet_move(net, 1, "127.0.0.9", 40000);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 2);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->to, -1);
	assert_int_equal(n1->delivered, 1);

	/* until node 1 speaks from the new one */
	send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", 10, 3);
	i = info(net, 0, 1);
	assert_int_equal(i.endpoint.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(i.endpoint.addr.in4.sin_port), 40000);
	assert_int_equal(i.endpoint.addr.in4.sin_addr.s_addr, htonl(0x7f000009));
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 10, 4);
	assert_int_equal(fnet_sent(net, 0, WG_MSG_DATA, 0)->to, 1);

	/* an unauthenticated datagram from elsewhere moves nothing */
	{
		struct wg_endpoint evil = fnet_node(net, 2)->addr;
		uint8_t junk[64] = { WG_MSG_DATA };

		fnet_inject(net, 0, &evil, junk, sizeof(junk));
		assert_int_equal(ntohs(info(net, 0, 1).endpoint.addr.in4.sin_port), 40000);
	}
}

static void test_psk_both_sides(void **state)
{
	struct fnet *net = net3(state);
	uint8_t psk[WG_KEY_LEN];

	memset(psk, 0x77, sizeof(psk));
	fnet_pair(net, 0, 1);
	fnet_pair(net, 0, 2);
	assert_int_equal(wg_peer_set_psk(peer(net, 0, 1), psk), 0);
	assert_int_equal(wg_peer_set_psk(peer(net, 1, 0), psk), 0);
	assert_true(info(net, 0, 1).has_psk);
	assert_memory_equal(info(net, 0, 1).psk, psk, WG_KEY_LEN);
	assert_false(info(net, 0, 2).has_psk);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 64, 1);
	send_exact(net, 1, 0, "10.0.0.2", "10.0.0.1", 64, 2);
	assert_clean(net, 0);
	assert_clean(net, 1);
}

static void test_psk_mismatch(void **state)
{
	struct fnet *net = net3(state);
	uint8_t psk[WG_KEY_LEN];

	memset(psk, 0x77, sizeof(psk));
	fnet_pair(net, 0, 1);
	assert_int_equal(wg_peer_set_psk(peer(net, 0, 1), psk), 0);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 64, 1);
	/* the psk enters at the response: the initiator cannot open it */
	assert_int_equal(fnet_node(net, 1)->sent[WG_MSG_RESPONSE], 1);
	assert_int_equal(stats(net, 0)->rx_handshake_failed, 1);
	assert_false(info(net, 0, 1).has_session);
	assert_int_equal(info(net, 0, 1).staged, 1);
	fnet_advance(net, 30 * SEC);
	assert_int_equal(fnet_node(net, 1)->delivered, 0);
	assert_true(stats(net, 0)->rx_handshake_failed > 1);

	/* the same psk on both sides mends it */
	assert_int_equal(wg_peer_set_psk(peer(net, 1, 0), psk), 0);
	fnet_advance(net, 6 * SEC);
	assert_int_equal(fnet_node(net, 1)->delivered, 1);
}

static void test_unknown_peer(void **state)
{
	struct fnet *net = net3(state);

	fnet_add_peer(net, 0, 1, NULL);	/* node 1 does not know node 0 */
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 1);
	assert_int_equal(stats(net, 1)->rx_handshake_failed, 1);
	assert_int_equal(fnet_node(net, 1)->sent[0], 0);
}

static void test_tx_errors(void **state)
{
	struct fnet *net = net3(state);
	uint8_t buf[WG_TX_HEADROOM + 64 + WG_TX_TAILROOM];
	struct wg_device *d = fnet_node(net, 0)->dev;
	size_t len;

	fnet_pair(net, 0, 1);
	wg_peer_set_endpoint(peer(net, 0, 1), NULL);
	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 1);
	assert_int_equal(stats(net, 0)->tx_no_endpoint, 1);
	assert_int_equal(fnet_node(net, 0)->sent[0], 0);

	len = fnet_build_ip(buf, sizeof(buf), "10.0.0.1", "10.0.0.2", 10, 1);
	buf[WG_TX_HEADROOM] = 0x55;			/* version 5 */
	wg_device_tx(d, buf, len, fnet_now(net));
	wg_device_tx(d, buf, 0, fnet_now(net));
	len = fnet_build_ip(buf, sizeof(buf), "10.0.0.1", "10.0.0.2", 0, 1);
	wg_device_tx(d, buf, len - 1, fnet_now(net));	/* 19 bytes of IPv4 */
	len = fnet_build_ip(buf, sizeof(buf), "fd00::1", "fd00::2", 0, 1);
	wg_device_tx(d, buf, len - 1, fnet_now(net));	/* 39 bytes of IPv6 */
	assert_int_equal(stats(net, 0)->tx_bad_packet, 4);
}

static void test_peer_config(void **state)
{
	struct fnet *net = net3(state);
	struct wg_device *d0 = fnet_node(net, 0)->dev;
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	struct wg_peer *p;

	fnet_pair(net, 0, 1);
	assert_int_equal(wg_peer_add(d0, fnet_node(net, 1)->pub, &p), -EEXIST);
	assert_int_equal(wg_peer_add(d0, fnet_node(net, 0)->pub, &p), -EINVAL);
	assert_true(wg_device_public_key(d0, pub));
	assert_memory_equal(pub, fnet_node(net, 0)->pub, WG_KEY_LEN);
	assert_true(wg_device_private_key(d0, key));
	assert_memory_equal(key, fnet_node(net, 0)->priv, WG_KEY_LEN);
	assert_non_null(wg_peer_user(peer(net, 0, 1)));

	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 10, 1);
	/* the same key again changes nothing; a peer's key cannot be ours */
	assert_int_equal(wg_device_set_private_key(d0, fnet_node(net, 0)->priv, fnet_now(net)), 0);
	assert_true(info(net, 0, 1).has_session);
	assert_int_equal(wg_device_set_private_key(d0, fnet_node(net, 1)->priv, fnet_now(net)),
			 -EEXIST);
	assert_true(info(net, 0, 1).has_session);
	/* a new identity ends the sessions made with the old one */
	memset(key, 0x99, sizeof(key));
	assert_int_equal(wg_device_set_private_key(d0, key, fnet_now(net)), 0);
	assert_false(info(net, 0, 1).has_session);
	assert_int_equal(wg_device_set_private_key(d0, NULL, fnet_now(net)), 0);
	assert_false(wg_device_public_key(d0, pub));
}

static void test_peer_remove(void **state)
{
	struct fnet *net = net3(state);
	struct wg_device *d0 = fnet_node(net, 0)->dev;

	fnet_pair(net, 0, 1);
	send_exact(net, 0, 1, "10.0.0.1", "10.0.0.2", 10, 1);
	assert_int_equal(wg_test_index_count(d0), 1);
	wg_peer_remove(peer(net, 0, 1));
	assert_null(wg_peer_find(d0, fnet_node(net, 1)->pub));
	assert_int_equal(wg_test_index_count(d0), 0);
	assert_int_equal(fnet_armed(net, 0), 0);

	fnet_send_ip(net, 0, "10.0.0.1", "10.0.0.2", 10, 2);
	assert_int_equal(stats(net, 0)->tx_no_route, 1);
	/* what node 1 still sends names an index that is gone */
	fnet_send_ip(net, 1, "10.0.0.2", "10.0.0.1", 10, 3);
	assert_int_equal(stats(net, 0)->rx_unknown_index, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_handshake_on_first_packet, teardown),
		cmocka_unit_test_teardown(test_staged_until_handshake, teardown),
		cmocka_unit_test_teardown(test_staged_ring_overflow, teardown),
		cmocka_unit_test_teardown(test_data_both_ways, teardown),
		cmocka_unit_test_teardown(test_ipv6_inner, teardown),
		cmocka_unit_test_teardown(test_padding, teardown),
		cmocka_unit_test_teardown(test_control_messages, teardown),
		cmocka_unit_test_teardown(test_control_dropped_without_callback, teardown),
		cmocka_unit_test_teardown(test_allowed_ips_routing, teardown),
		cmocka_unit_test_teardown(test_source_check, teardown),
		cmocka_unit_test_teardown(test_replay_dropped, teardown),
		cmocka_unit_test_teardown(test_endpoint_roaming, teardown),
		cmocka_unit_test_teardown(test_psk_both_sides, teardown),
		cmocka_unit_test_teardown(test_psk_mismatch, teardown),
		cmocka_unit_test_teardown(test_unknown_peer, teardown),
		cmocka_unit_test_teardown(test_tx_errors, teardown),
		cmocka_unit_test_teardown(test_peer_config, teardown),
		cmocka_unit_test_teardown(test_peer_remove, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
