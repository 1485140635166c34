/* vrrp/announce: the gratuitous ARP and unsolicited NA frames, byte for
 * byte, and the NA's checksum against an independent one. The expected
 * bytes were written out from RFC 826 / RFC 5227 and RFC 4861 7.2.6. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "vrrp/announce.h"

static const uint8_t mac[VRRP_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static void garp_bytes(void **state)
{
	struct mg_addr vip = addr("192.168.1.1");
	uint8_t buf[64];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(vrrp_garp_build(buf, sizeof(buf), mac, &vip), VRRP_GARP_LEN);
	assert_hex(buf,
		   "ffffffffffff" "020000000001" "0806"	/* broadcast, from us, ARP */
		   "0001" "0800" "06" "04" "0001"	/* Ethernet, IPv4, request */
		   "020000000001" "c0a80101"		/* sender: us, the VIP */
		   "000000000000" "c0a80101",		/* target: unknown, the VIP */
		   VRRP_GARP_LEN);
	assert_int_equal(buf[VRRP_GARP_LEN], 0xaa);	/* nothing written past it */
}

static void na_bytes(void **state)
{
	struct mg_addr vip = addr("fd00::1");
	uint8_t buf[VRRP_NA_LEN];

	assert_int_equal(vrrp_na_build(buf, sizeof(buf), mac, &vip, false), VRRP_NA_LEN);
	assert_hex(buf,
		   "333300000001" "020000000001" "86dd"	/* all-nodes MAC, from us, IPv6 */
		   "60000000" "0020" "3a" "ff"		/* 32 bytes of ICMPv6, hop limit 255 */
		   "fd000000000000000000000000000001"	/* from the VIP */
		   "ff020000000000000000000000000001"	/* to all nodes */
		   "88" "00" "5a9b" "20000000"		/* NA, checksum, Override */
		   "fd000000000000000000000000000001"	/* target: the VIP */
		   "02" "01" "020000000001",		/* target link-layer address */
		   VRRP_NA_LEN);
	assert_int_equal(vrrp_na_build(buf, sizeof(buf), mac, &vip, true), VRRP_NA_LEN);
	assert_hex(buf + 56, "da9a" "a0000000", 6);	/* Router and Override */
}

/* The receiver's check: the ICMPv6 message and its pseudo-header sum to
 * 0xffff, for any address and MAC. */
static void na_checksum_verifies(void **state)
{
	uint8_t buf[VRRP_NA_LEN], m[VRRP_MAC_LEN];
	struct mg_addr vip;
	uint32_t acc;

	for (int i = 0; i < 200; i++) {
		memset(&vip, 0, sizeof(vip));
		vip.family = AF_INET6;
		rnd_fill(vip.u.bytes, 16);
		rnd_fill(m, sizeof(m));
		assert_int_equal(vrrp_na_build(buf, sizeof(buf), m, &vip, i & 1), VRRP_NA_LEN);
		acc = ref_add(0, buf + 14 + 8, 32);	/* source and destination */
		acc += 32 + 58;
		acc = ref_add(acc, buf + 54, 32);
		assert_int_equal(ref_fold(acc), 0xffff);
		assert_memory_equal(buf + 14 + 8, vip.u.bytes, 16);
		assert_memory_equal(buf + 54 + 8, vip.u.bytes, 16);
		assert_memory_equal(buf + 6, m, 6);
		assert_memory_equal(buf + 80, m, 6);
	}
}

static void wrong_family_or_room(void **state)
{
	struct mg_addr v4 = addr("10.0.0.1"), v6 = addr("fe80::1");
	uint8_t buf[VRRP_NA_LEN];

	assert_int_equal(vrrp_garp_build(buf, sizeof(buf), mac, &v6), -EINVAL);
	assert_int_equal(vrrp_na_build(buf, sizeof(buf), mac, &v4, false), -EINVAL);
	assert_int_equal(vrrp_garp_build(buf, VRRP_GARP_LEN - 1, mac, &v4), -ENOSPC);
	assert_int_equal(vrrp_na_build(buf, VRRP_NA_LEN - 1, mac, &v6, false), -ENOSPC);
	assert_int_equal(vrrp_na_build(buf, 20, mac, &v6, false), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(garp_bytes),
		cmocka_unit_test(na_bytes),
		cmocka_unit_test(na_checksum_verifies),
		cmocka_unit_test(wrong_family_or_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
