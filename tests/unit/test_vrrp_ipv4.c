/* vrrp/io's check of the IPv4 header a raw socket hands over: the VRRP
 * message's offset and length, the TTL and addresses, and every header
 * that cannot be trusted refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/io.h"
#include "vrrp/vrrp.h"

/* A 20-byte header (or ihl words) before an 8-byte message. */
static size_t packet(uint8_t *p, unsigned ihl_words)
{
	size_t ihl = ihl_words * 4, total = ihl + 8;

	memset(p, 0, 64);
	p[0] = (uint8_t)(0x40 | ihl_words);
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[6] = 0x40;                        /* DF: allowed */
	p[8] = 255;
	p[9] = VRRP_IPPROTO;
	memcpy(p + 12, (const uint8_t[]){ 192, 0, 2, 2 }, 4);
	memcpy(p + 16, (const uint8_t[]){ 224, 0, 0, 18 }, 4);
	return total;
}

static void test_good(void **state)
{
	uint8_t p[64];
	struct vrrp_ip ip;
	size_t len = packet(p, 5), msg = 0;

	(void)state;
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), 20);
	assert_int_equal(msg, 8);
	assert_int_equal(ip.ttl, 255);
	assert_int_equal(ip.src.family, AF_INET);
	assert_memory_equal(ip.src.u.bytes, ((const uint8_t[]){ 192, 0, 2, 2 }), 4);
	assert_memory_equal(ip.dst.u.bytes, ((const uint8_t[]){ 224, 0, 0, 18 }), 4);

	/* options: the message starts after them */
	len = packet(p, 6);
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), 24);
	assert_int_equal(msg, 8);
	/* bytes after the total length (padding) are not the message's */
	len = packet(p, 5);
	assert_int_equal(vrrp_io_parse_ipv4(p, len + 4, &ip, &msg), 20);
	assert_int_equal(msg, 8);
	/* the TTL is reported, not judged here */
	p[8] = 64;
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), 20);
	assert_int_equal(ip.ttl, 64);
}

static void test_refused(void **state)
{
	uint8_t p[64];
	struct vrrp_ip ip;
	size_t len, msg;

	(void)state;
	len = packet(p, 5);
	for (size_t cut = 0; cut < 20; cut++)
		assert_int_equal(vrrp_io_parse_ipv4(p, cut, &ip, &msg), -1);
	assert_int_equal(vrrp_io_parse_ipv4(p, len - 1, &ip, &msg), -1);  /* total > len */

	p[0] = 0x65;                                   /* IPv6's version */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);
	p[0] = 0x44;                                   /* ihl under 20 */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);
	len = packet(p, 15);                           /* ihl 60, total 68 > 64 given */
	assert_int_equal(vrrp_io_parse_ipv4(p, 64, &ip, &msg), -1);

	len = packet(p, 5);
	p[2] = 0;
	p[3] = 12;                                     /* total under ihl */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);

	len = packet(p, 5);
	p[9] = 17;                                     /* not VRRP */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);

	len = packet(p, 5);
	p[6] = 0x20;                                   /* more fragments */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);
	len = packet(p, 5);
	p[7] = 1;                                      /* a fragment offset */
	assert_int_equal(vrrp_io_parse_ipv4(p, len, &ip, &msg), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
