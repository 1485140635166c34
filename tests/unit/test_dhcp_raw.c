/* dhcp/raw: the Ethernet + IPv4 + UDP frame around a reply, byte for byte,
 * its checksums against the reference sum in testutil.h, a real OFFER
 * read back out of the frame, the zero UDP checksum sent as 0xffff, and
 * buffers too small or payloads too long refused. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/options.h"
#include "dhcp/raw.h"
#include "dhcp/wire.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct dhcp_raw_hdr hdr = {
	.dst_mac = { 0x02, 0, 0, 0, 0, 0x07 },
	.src_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	.src = IP(192, 168, 1, 1), .dst = IP(192, 168, 1, 107),
	.sport = DHCP_SERVER_PORT, .dport = DHCP_CLIENT_PORT,
};

/* Both checksums verify: the sums including them fold to 0xffff. */
static void assert_checksums(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + DHCP_RAW_ETH_LEN, *udp = ip + DHCP_RAW_IP_LEN;
	size_t ulen = len - DHCP_RAW_ETH_LEN - DHCP_RAW_IP_LEN;
	uint8_t pseudo[12];

	assert_int_equal(ref_fold(ref_add(0, ip, DHCP_RAW_IP_LEN)), 0xffff);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	wr16(pseudo + 10, (uint16_t)ulen);
	assert_int_equal(rd16(udp + 4), ulen);
	assert_int_equal(ref_fold(ref_add(ref_add(0, pseudo, 12), udp, ulen)), 0xffff);
	assert_int_not_equal(rd16(udp + 6), 0);
}

static void frame_bytes(void **state)
{
	static const uint8_t payload[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t f[64];

	(void)state;
	memset(f, 0xaa, sizeof(f));
	assert_int_equal(dhcp_raw_build(f, sizeof(f), &hdr, payload, 4), DHCP_RAW_HDR_LEN + 4);
	assert_hex(f,
		   "020000000007" "020000000001" "0800"	/* to the client, from us, IPv4 */
		   "45" "00" "0020" "0000" "0000"	/* 32 bytes, id 0, no fragments */
		   "40" "11" "f710"			/* TTL 64, UDP, header checksum */
		   "c0a80101" "c0a8016b"		/* 192.168.1.1 -> 192.168.1.107 */
		   "0043" "0044" "000c" "ddf4"		/* 67 -> 68, 12 bytes, checksum */
		   "deadbeef",
		   DHCP_RAW_HDR_LEN + 4);
	assert_int_equal(f[DHCP_RAW_HDR_LEN + 4], 0xaa);	/* nothing past it */
	assert_checksums(f, DHCP_RAW_HDR_LEN + 4);
}

static void odd_length(void **state)
{
	uint8_t payload[301], f[400];
	int n;

	(void)state;
	rnd_fill(payload, sizeof(payload));
	n = dhcp_raw_build(f, sizeof(f), &hdr, payload, sizeof(payload));
	assert_int_equal(n, DHCP_RAW_HDR_LEN + 301);
	assert_int_equal(rd16(f + DHCP_RAW_ETH_LEN + 2), 20 + 8 + 301);
	assert_memory_equal(f + DHCP_RAW_HDR_LEN, payload, sizeof(payload));
	assert_checksums(f, (size_t)n);
}

/* Random payloads and addresses: the checksums always verify. */
static void random_frames(void **state)
{
	uint8_t payload[1472], f[1514];
	struct dhcp_raw_hdr h = hdr;

	(void)state;
	for (int i = 0; i < 500; i++) {
		size_t len = rnd() % sizeof(payload);
		int n;

		rnd_fill(payload, len);
		h.src = (uint32_t)rnd();
		h.dst = (uint32_t)rnd();
		n = dhcp_raw_build(f, sizeof(f), &h, payload, len);
		assert_int_equal(n, DHCP_RAW_HDR_LEN + len);
		assert_int_equal(rd32(f + 26), h.src);
		assert_int_equal(rd32(f + 30), h.dst);
		assert_checksums(f, (size_t)n);
	}
}

/* A sum that comes out 0 is sent as 0xffff: 0 means "not computed". */
static void zero_udp_checksum(void **state)
{
	uint8_t payload[6] = { 1, 2, 3, 4, 0, 0 }, f[64];
	uint16_t c;

	(void)state;
	assert_int_equal(dhcp_raw_build(f, sizeof(f), &hdr, payload, 6), DHCP_RAW_HDR_LEN + 6);
	c = rd16(f + 40);
	/* Adding the checksum itself as a word brings the sum to 0xffff. */
	wr16(payload + 4, c);
	assert_int_equal(dhcp_raw_build(f, sizeof(f), &hdr, payload, 6), DHCP_RAW_HDR_LEN + 6);
	assert_int_equal(rd16(f + 40), 0xffff);
	assert_checksums(f, DHCP_RAW_HDR_LEN + 6);
}

/* An OFFER built by dhcp/wire rides in the frame and parses back. */
static void offer_round_trip(void **state)
{
	static struct dhcp_optlist o;
	static struct dhcp_msg m;
	struct dhcp_head h = {
		.op = BOOTREPLY, .htype = 1, .hlen = 6, .xid = 0x12345678,
		.yiaddr = IP(192, 168, 1, 107),
	};
	uint8_t msg[DHCP_REPLY_MAX], f[1514];
	enum dhcp_rx_error why;
	int len, n;

	(void)state;
	memcpy(h.chaddr, hdr.dst_mac, 6);
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPOFFER);
	dhcp_optlist_u32(&o, DHCP_OPT_SERVER_ID, hdr.src);
	dhcp_optlist_u32(&o, DHCP_OPT_LEASE_TIME, 3600);
	len = dhcp_build(msg, sizeof(msg), sizeof(msg), &h, &o, NULL);
	assert_true(len >= DHCP_BOOTP_MIN_LEN);
	n = dhcp_raw_build(f, sizeof(f), &hdr, msg, (size_t)len);
	assert_int_equal(n, DHCP_RAW_HDR_LEN + len);
	assert_checksums(f, (size_t)n);
	assert_int_equal(dhcp_parse(f + DHCP_RAW_HDR_LEN, (size_t)len, BOOTREPLY, &m, &why), 0);
	assert_int_equal(m.h.xid, 0x12345678);
	assert_int_equal(m.h.yiaddr, IP(192, 168, 1, 107));
	assert_int_equal(dhcp_msg_type(&m), DHCPOFFER);
}

static void refused(void **state)
{
	static uint8_t big[70000], frame[70100], f[64];

	(void)state;
	memset(f, 0xaa, sizeof(f));
	assert_int_equal(dhcp_raw_build(f, DHCP_RAW_HDR_LEN + 3, &hdr, big, 4), -ENOSPC);
	assert_int_equal(dhcp_raw_build(f, DHCP_RAW_HDR_LEN - 1, &hdr, big, 0), -ENOSPC);
	for (size_t i = 0; i < sizeof(f); i++)
		assert_int_equal(f[i], 0xaa);		/* nothing written */
	assert_int_equal(dhcp_raw_build(frame, sizeof(frame), &hdr, big, 65536 - 28), -EMSGSIZE);
	assert_int_equal(dhcp_raw_build(frame, sizeof(frame), &hdr, big, 65535 - 28),
			 DHCP_RAW_HDR_LEN + 65535 - 28);
	assert_checksums(frame, DHCP_RAW_HDR_LEN + 65535 - 28);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_bytes),
		cmocka_unit_test(odd_length),
		cmocka_unit_test(random_frames),
		cmocka_unit_test(zero_udp_checksum),
		cmocka_unit_test(offer_round_trip),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
