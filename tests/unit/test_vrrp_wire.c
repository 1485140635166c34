/* vrrp/wire: advertisements parsed and built, against packets keepalived
 * sent, both IPv4 checksums, and every way a packet is dropped. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "vrrp/wire.h"

/* Captured with tcpdump -w on the far end of a veth pair from Debian 12's
 * keepalived 2.2.7 (vrrp_version 3) in a network namespace; whole IP
 * packets, link layer removed.
 *   vrrp_instance V4: va0 10.99.0.1, virtual_router_id 51, priority 150,
 *     advert_int 1, virtual_ipaddress 10.99.0.100/24 10.99.0.101/24
 *   vrrp_instance V6: va0 fe80::d4cd:2bff:fe42:6ad, virtual_router_id 52,
 *     priority 120, advert_int 0.5, virtual_ipaddress fd00:99::100/64
 * The *_stop packets are what it sent on SIGTERM (priority 0). */
static const uint8_t ka_v4[] = {
	0x45, 0xc0, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x32,
	0x0a, 0x63, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x96, 0x02, 0x00, 0x64, 0x37, 0xe0,
	0x0a, 0x63, 0x00, 0x64, 0x0a, 0x63, 0x00, 0x65,
};

static const uint8_t ka_v4_stop[] = {
	0x45, 0xc0, 0x00, 0x24, 0x00, 0x05, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x2e,
	0x0a, 0x63, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x00, 0x02, 0x00, 0x64, 0xcd, 0xe0,
	0x0a, 0x63, 0x00, 0x64, 0x0a, 0x63, 0x00, 0x65,
};

static const uint8_t ka_v6[] = {
	0x6c, 0x05, 0x93, 0x56, 0x00, 0x18, 0x70, 0xff,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd4, 0xcd, 0x2b, 0xff, 0xfe, 0x42, 0x06, 0xad,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,
	0x31, 0x34, 0x78, 0x01, 0x00, 0x32, 0x54, 0x23,
	0xfd, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
};

static const uint8_t ka_v6_stop[] = {
	0x6c, 0x05, 0x93, 0x56, 0x00, 0x18, 0x70, 0xff,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd4, 0xcd, 0x2b, 0xff, 0xfe, 0x42, 0x06, 0xad,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,
	0x31, 0x34, 0x00, 0x01, 0x00, 0x32, 0xcc, 0x23,
	0xfd, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
};

/* The V4 advertisement's checksum without the pseudo-header, as Cisco and
 * Juniper send it: worked out by hand from the eight words. */
#define KA_V4_PLAIN_CSUM 0x22d7

/* What the I/O layer does: split an IP packet into header fields and payload. */
static void split_ip(const uint8_t *pkt, size_t len, struct vrrp_ip *ip,
		     const uint8_t **payload, size_t *plen)
{
	memset(ip, 0, sizeof(*ip));
	if (pkt[0] >> 4 == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;

		assert_int_equal(pkt[9], VRRP_IPPROTO);
		ip->ttl = pkt[8];
		ip->src.family = ip->dst.family = AF_INET;
		memcpy(ip->src.u.bytes, pkt + 12, 4);
		memcpy(ip->dst.u.bytes, pkt + 16, 4);
		*payload = pkt + ihl;
		*plen = len - ihl;
	} else {
		assert_int_equal(pkt[6], VRRP_IPPROTO);
		ip->ttl = pkt[7];
		ip->src.family = ip->dst.family = AF_INET6;
		memcpy(ip->src.u.bytes, pkt + 8, 16);
		memcpy(ip->dst.u.bytes, pkt + 24, 16);
		*payload = pkt + 40;
		*plen = len - 40;
	}
}

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

/* RFC 1071 over an explicit pseudo-header and message, written out
 * separately from the code under test. */
static uint16_t ref_csum(const uint8_t *msg, size_t len, const struct vrrp_ip *ip, bool pseudo)
{
	uint8_t buf[40 + VRRP_MAX_LEN + 1];
	uint64_t sum = 0;
	size_t n = 0, i;

	memset(buf, 0, sizeof(buf));
	if (pseudo && ip->src.family == AF_INET) {
		memcpy(buf, ip->src.u.bytes, 4);
		memcpy(buf + 4, ip->dst.u.bytes, 4);
		buf[9] = VRRP_IPPROTO;
		buf[10] = (uint8_t)(len >> 8);
		buf[11] = (uint8_t)len;
		n = 12;
	} else if (pseudo) {
		memcpy(buf, ip->src.u.bytes, 16);
		memcpy(buf + 16, ip->dst.u.bytes, 16);
		buf[34] = (uint8_t)(len >> 8);
		buf[35] = (uint8_t)len;
		buf[39] = VRRP_IPPROTO;
		n = 40;
	}
	memcpy(buf + n, msg, len);
	buf[n + 6] = buf[n + 7] = 0;
	n += len;
	for (i = 0; i < n; i += 2)
		sum += (uint64_t)buf[i] << 8 | buf[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void set_csum(uint8_t *msg, uint16_t c)
{
	msg[6] = (uint8_t)(c >> 8);
	msg[7] = (uint8_t)c;
}

static void fix_csum(uint8_t *msg, size_t len, const struct vrrp_ip *ip, bool pseudo)
{
	set_csum(msg, ref_csum(msg, len, ip, pseudo));
}

static void keepalived_v4(void **state)
{
	const struct mg_addr vips[] = { addr("10.99.0.100"), addr("10.99.0.101") };
	struct vrrp_advert_tx tx = {
		.vrid = 51, .priority = 150, .max_adver_int = 100,
		.addrs = vips, .count = 2, .csum = VRRP_CSUM_PSEUDO,
	};
	const uint8_t *msg;
	struct vrrp_advert a;
	struct mg_addr got;
	struct vrrp_ip ip;
	uint8_t out[64];
	size_t len;

	split_ip(ka_v4, sizeof(ka_v4), &ip, &msg, &len);
	assert_int_equal(vrrp_advert_parse(msg, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.priority, 150);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.max_adver_int, 100);
	assert_int_equal(a.csum, VRRP_CSUM_PSEUDO);
	assert_int_equal(vrrp_advert_addr(&a, 1, &got), 0);
	assert_true(mg_addr_eq(&got, &vips[1]));
	assert_int_equal(vrrp_advert_addr(&a, 2, &got), -EINVAL);
	assert_int_equal(ref_csum(msg, len, &ip, true), 0x37e0);

	/* Our builder makes the same bytes keepalived sent. */
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_memory_equal(out, msg, len);

	split_ip(ka_v4_stop, sizeof(ka_v4_stop), &ip, &msg, &len);
	assert_int_equal(vrrp_advert_parse(msg, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.priority, VRRP_PRIO_STOP);
	tx.priority = 0;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_memory_equal(out, msg, len);
}

static void keepalived_v6(void **state)
{
	const struct mg_addr vip = addr("fd00:99::100");
	const struct mg_addr group = addr("ff02::12");
	struct vrrp_advert_tx tx = {
		.vrid = 52, .priority = 120, .max_adver_int = 50, .addrs = &vip, .count = 1,
		.csum = VRRP_CSUM_PLAIN,	/* ignored: IPv6 always has the pseudo-header */
	};
	const uint8_t *msg;
	struct vrrp_advert a;
	struct mg_addr got;
	struct vrrp_ip ip;
	uint8_t out[64];
	size_t len;

	split_ip(ka_v6, sizeof(ka_v6), &ip, &msg, &len);
	assert_true(mg_addr_eq(&ip.dst, &group));
	assert_int_equal(ip.ttl, 255);
	assert_int_equal(vrrp_advert_parse(msg, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.vrid, 52);
	assert_int_equal(a.priority, 120);
	assert_int_equal(a.max_adver_int, 50);
	assert_int_equal(a.csum, VRRP_CSUM_PSEUDO);
	assert_int_equal(vrrp_advert_addr(&a, 0, &got), 0);
	assert_true(mg_addr_eq(&got, &vip));
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_memory_equal(out, msg, len);

	split_ip(ka_v6_stop, sizeof(ka_v6_stop), &ip, &msg, &len);
	assert_int_equal(vrrp_advert_parse(msg, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.priority, 0);
	tx.priority = 0;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_memory_equal(out, msg, len);

	/* Without the pseudo-header an IPv6 advertisement is wrong. */
	memcpy(out, msg, len);
	fix_csum(out, len, &ip, false);
	assert_int_equal(vrrp_advert_parse(out, len, &ip, &a), VRRP_RX_BAD_CHECKSUM);
}

/* IPv4 is accepted with either checksum, which is reported; the builder
 * sends the configured one. */
static void ipv4_checksum_both_ways(void **state)
{
	const struct mg_addr vips[] = { addr("10.99.0.100"), addr("10.99.0.101") };
	struct vrrp_advert_tx tx = {
		.vrid = 51, .priority = 150, .max_adver_int = 100, .addrs = vips, .count = 2,
		.csum = VRRP_CSUM_PLAIN,
	};
	const uint8_t *msg;
	struct vrrp_advert a;
	struct vrrp_ip ip;
	uint8_t out[64];
	size_t len;

	split_ip(ka_v4, sizeof(ka_v4), &ip, &msg, &len);
	assert_int_equal(ref_csum(msg, len, &ip, false), KA_V4_PLAIN_CSUM);
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_int_equal(out[6] << 8 | out[7], KA_V4_PLAIN_CSUM);
	assert_memory_equal(out, msg, 6);
	assert_memory_equal(out + 8, msg + 8, len - 8);
	assert_int_equal(vrrp_advert_parse(out, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.csum, VRRP_CSUM_PLAIN);

	/* The plain checksum does not depend on the addresses in the IP
	 * header, the pseudo one does. */
	ip.dst = addr("10.99.0.2");
	assert_int_equal(vrrp_advert_parse(out, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.csum, VRRP_CSUM_PLAIN);
	assert_int_equal(vrrp_advert_parse(msg, len, &ip, &a), VRRP_RX_BAD_CHECKSUM);

	/* Unicast (keepalived's unicast_peer): the pseudo-header has the peer. */
	tx.csum = VRRP_CSUM_PSEUDO;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &ip.src, &ip.dst), (int)len);
	assert_int_equal(out[6] << 8 | out[7], ref_csum(out, len, &ip, true));
	assert_int_equal(vrrp_advert_parse(out, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.csum, VRRP_CSUM_PSEUDO);
}

static void round_trips(void **state)
{
	static struct mg_addr many[VRRP_MAX_ADDRS];
	static uint8_t out[VRRP_MAX_LEN];
	static const char *const pairs[][2] = {
		{ "192.168.1.2", "224.0.0.18" }, { "fe80::1", "ff02::12" },
		{ "10.0.0.1", "10.0.0.2" }, { "fe80::abcd:1", "fe80::abcd:2" },
	};
	const uint8_t prios[] = { 0, 1, 100, 254, 255 };
	const uint16_t ints[] = { 1, 5, 100, 4095 };
	const size_t counts[] = { 1, 2, 17, VRRP_MAX_ADDRS };
	unsigned int p, i, k, m, c;

	for (p = 0; p < 4; p++) {
		struct vrrp_ip ip = { .src = addr(pairs[p][0]), .dst = addr(pairs[p][1]), .ttl = 255 };
		size_t alen = ip.src.family == AF_INET ? 4 : 16;

		for (i = 0; i < VRRP_MAX_ADDRS; i++) {
			many[i] = ip.src;
			many[i].u.bytes[alen - 1] = (uint8_t)i;
			many[i].u.bytes[alen - 2] = (uint8_t)(i * 7);
		}
		for (i = 0; i < sizeof(prios); i++)
			for (k = 0; k < 4; k++)
				for (m = 0; m < 4; m++)
					for (c = 0; c < 2; c++) {
						struct vrrp_advert_tx tx = {
							.vrid = (uint8_t)(1 + i * 50 + k),
							.priority = prios[i],
							.max_adver_int = ints[k],
							.addrs = many, .count = counts[m],
							.csum = c ? VRRP_CSUM_PLAIN : VRRP_CSUM_PSEUDO,
						};
						struct vrrp_advert a;
						struct mg_addr got;
						int len;

						len = vrrp_advert_build(out, sizeof(out), &tx,
									&ip.src, &ip.dst);
						assert_int_equal(len, 8 + counts[m] * alen);
						assert_int_equal(vrrp_advert_parse(out, (size_t)len, &ip, &a),
								 VRRP_RX_OK);
						assert_int_equal(a.vrid, tx.vrid);
						assert_int_equal(a.priority, tx.priority);
						assert_int_equal(a.max_adver_int, tx.max_adver_int);
						assert_int_equal(a.count, counts[m]);
						assert_int_equal(a.csum, c && alen == 4 ?
								 VRRP_CSUM_PLAIN : VRRP_CSUM_PSEUDO);
						assert_int_equal(vrrp_advert_addr(&a, (unsigned)counts[m] - 1,
										  &got), 0);
						assert_true(mg_addr_eq(&got, &many[counts[m] - 1]));
					}
	}
}

/* The top four bits of the interval field are reserved: ignored. */
static void reserved_bits_ignored(void **state)
{
	struct vrrp_advert a;
	struct vrrp_ip ip;
	const uint8_t *msg;
	uint8_t buf[16];
	size_t len;

	split_ip(ka_v4, sizeof(ka_v4), &ip, &msg, &len);
	memcpy(buf, msg, len);
	buf[4] |= 0xf0;
	fix_csum(buf, len, &ip, true);
	assert_int_equal(vrrp_advert_parse(buf, len, &ip, &a), VRRP_RX_OK);
	assert_int_equal(a.max_adver_int, 100);
}

/* Each malformed packet carries a correct checksum (unless the checksum is
 * the fault), so the check under test is the one that drops it. */
static void expect(const uint8_t *buf, size_t len, const struct vrrp_ip *ip,
		   enum vrrp_rx_error want)
{
	struct vrrp_advert a;

	assert_string_equal(vrrp_rx_error_name(vrrp_advert_parse(buf, len, ip, &a)),
			    vrrp_rx_error_name(want));
}

static void malformed_v4(void **state)
{
	struct vrrp_ip ip, bad;
	const uint8_t *msg;
	uint8_t buf[64];
	size_t len, i;

	split_ip(ka_v4, sizeof(ka_v4), &ip, &msg, &len);

	/* TTL / hop limit must be 255: routed packets are not from the link. */
	bad = ip;
	bad.ttl = 254;
	expect(msg, len, &bad, VRRP_RX_BAD_TTL);
	bad.ttl = 64;
	expect(msg, len, &bad, VRRP_RX_BAD_TTL);
	bad.ttl = 1;
	expect(msg, len, &bad, VRRP_RX_BAD_TTL);

	for (i = 0; i < VRRP_HDR_LEN; i++)
		expect(msg, i, &ip, VRRP_RX_SHORT);

	/* VRRPv2 (keepalived's default), version 0, and 15. */
	memcpy(buf, msg, len);
	buf[0] = 0x21;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VERSION);
	buf[0] = 0x01;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VERSION);
	buf[0] = 0xf1;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VERSION);

	memcpy(buf, msg, len);
	buf[0] = 0x30;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_TYPE);
	buf[0] = 0x32;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_TYPE);

	/* Checksum: any flipped bit, with either reading. */
	for (i = 0; i < len * 8; i++) {
		memcpy(buf, msg, len);
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (i / 8 == 0 || i / 8 == 3)
			continue;	/* version/type and count have their own reasons */
		expect(buf, len, &ip, VRRP_RX_BAD_CHECKSUM);
	}
	bad = ip;
	bad.src = addr("10.99.0.3");
	expect(msg, len, &bad, VRRP_RX_BAD_CHECKSUM);

	/* Count says 1, two addresses follow; count 3, two follow; half an
	 * address missing; a stray byte after the list. */
	memcpy(buf, msg, len);
	buf[3] = 1;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_COUNT_MISMATCH);
	buf[3] = 3;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_TRUNCATED);
	memcpy(buf, msg, len);
	fix_csum(buf, len - 2, &ip, true);
	expect(buf, len - 2, &ip, VRRP_RX_TRUNCATED);
	expect(buf, VRRP_HDR_LEN, &ip, VRRP_RX_TRUNCATED);
	memcpy(buf, msg, len);
	buf[len] = 0;
	buf[len + 1] = 0;
	fix_csum(buf, len + 2, &ip, true);
	expect(buf, len + 2, &ip, VRRP_RX_COUNT_MISMATCH);

	memcpy(buf, msg, len);
	buf[3] = 0;
	fix_csum(buf, VRRP_HDR_LEN, &ip, true);
	expect(buf, VRRP_HDR_LEN, &ip, VRRP_RX_NO_ADDRS);

	/* An IPv6 address list inside IPv4, and mismatched IP header families. */
	memcpy(buf, msg, VRRP_HDR_LEN);
	buf[3] = 1;
	memset(buf + 8, 0xfd, 16);
	fix_csum(buf, 24, &ip, true);
	expect(buf, 24, &ip, VRRP_RX_BAD_FAMILY);
	bad = ip;
	bad.dst = addr("ff02::12");
	expect(msg, len, &bad, VRRP_RX_BAD_FAMILY);
	bad = ip;
	bad.src.family = bad.dst.family = AF_UNIX;
	expect(msg, len, &bad, VRRP_RX_BAD_FAMILY);

	memcpy(buf, msg, len);
	buf[1] = 0;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VRID);
	fix_csum(buf, len, &ip, false);
	expect(buf, len, &ip, VRRP_RX_BAD_VRID);

	memcpy(buf, msg, len);
	buf[4] = 0xf0;
	buf[5] = 0;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_INTERVAL);
}

static void malformed_v6(void **state)
{
	struct vrrp_ip ip, bad;
	const uint8_t *msg;
	uint8_t buf[64];
	size_t len;

	split_ip(ka_v6, sizeof(ka_v6), &ip, &msg, &len);
	bad = ip;
	bad.ttl = 1;
	expect(msg, len, &bad, VRRP_RX_BAD_TTL);
	expect(msg, 7, &ip, VRRP_RX_SHORT);

	memcpy(buf, msg, len);
	buf[0] = 0x21;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VERSION);

	memcpy(buf, msg, len);
	buf[len - 1] ^= 1;
	expect(buf, len, &ip, VRRP_RX_BAD_CHECKSUM);

	/* Four IPv4 addresses' worth of bytes with count 1: the other family. */
	memcpy(buf, msg, len);
	buf[3] = 4;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_FAMILY);
	/* Count 2, one address. */
	buf[3] = 2;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_TRUNCATED);
	memcpy(buf, msg, len);
	fix_csum(buf, len - 4, &ip, true);
	expect(buf, len - 4, &ip, VRRP_RX_TRUNCATED);
	memcpy(buf, msg, len);
	memset(buf + len, 0, 8);
	fix_csum(buf, len + 8, &ip, true);
	expect(buf, len + 8, &ip, VRRP_RX_COUNT_MISMATCH);

	memcpy(buf, msg, len);
	buf[1] = 0;
	fix_csum(buf, len, &ip, true);
	expect(buf, len, &ip, VRRP_RX_BAD_VRID);
}

static void build_rejects(void **state)
{
	const struct mg_addr v4[] = { addr("10.0.0.10"), addr("10.0.0.11") };
	const struct mg_addr mixed[] = { addr("10.0.0.10"), addr("fd00::1") };
	const struct mg_addr src = addr("10.0.0.1"), dst = addr("224.0.0.18");
	const struct mg_addr dst6 = addr("ff02::12");
	struct vrrp_advert_tx tx = {
		.vrid = 7, .priority = 100, .max_adver_int = 100, .addrs = v4, .count = 2,
	};
	struct vrrp_advert_tx t;
	uint8_t out[32];

	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &src, &dst), 16);
	assert_int_equal(vrrp_advert_build(out, 16, &tx, &src, &dst), 16);
	assert_int_equal(vrrp_advert_build(out, 15, &tx, &src, &dst), -ENOSPC);
	assert_int_equal(vrrp_advert_build(out, 0, &tx, &src, &dst), -ENOSPC);
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &tx, &src, &dst6), -EINVAL);
	t = tx;
	t.vrid = 0;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
	t = tx;
	t.max_adver_int = 0;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
	t.max_adver_int = 4096;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
	t = tx;
	t.count = 0;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
	t.count = 256;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
	t = tx;
	t.addrs = mixed;
	assert_int_equal(vrrp_advert_build(out, sizeof(out), &t, &src, &dst), -EINVAL);
}

static void names_and_vmac(void **state)
{
	uint8_t mac[VRRP_VMAC_LEN];
	unsigned int i, j;

	for (i = 0; i < VRRP_RX_NREASONS; i++) {
		assert_string_not_equal(vrrp_rx_error_name(i), "?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(vrrp_rx_error_name(i), vrrp_rx_error_name(j));
	}
	assert_string_equal(vrrp_rx_error_name(VRRP_RX_NREASONS), "?");
	vrrp_vmac(mac, 0, 51);
	assert_memory_equal(mac, "\x00\x00\x5e\x00\x01\x33", 6);
	vrrp_vmac(mac, 1, 52);
	assert_memory_equal(mac, "\x00\x00\x5e\x00\x02\x34", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keepalived_v4),
		cmocka_unit_test(keepalived_v6),
		cmocka_unit_test(ipv4_checksum_both_ways),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(reserved_bits_ignored),
		cmocka_unit_test(malformed_v4),
		cmocka_unit_test(malformed_v6),
		cmocka_unit_test(build_rejects),
		cmocka_unit_test(names_and_vmac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
