/* dhcp/wire and dhcp/options: messages parsed and built, the RFC 3442 and
 * RFC 3397 examples, long options split and joined, option overload, and
 * every way a malformed message is refused. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/options.h"
#include "dhcp/wire.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct dhcp_msg msg;

/* A BOOTREQUEST header and cookie, then opts as given. */
static size_t mkpkt(uint8_t *buf, const void *opts, size_t n)
{
	memset(buf, 0, DHCP_OPTS_OFF);
	buf[0] = BOOTREQUEST;
	buf[1] = 1;
	buf[2] = 6;
	wr32(buf + 4, 0xdeadbeef);
	wr16(buf + 10, 0x8000);
	wr32(buf + 12, 0x0a000005);		/* ciaddr */
	wr32(buf + 24, 0x0a000001);		/* giaddr */
	memcpy(buf + 28, mac, 6);
	wr32(buf + 236, DHCP_MAGIC);
	memcpy(buf + DHCP_OPTS_OFF, opts, n);
	return DHCP_OPTS_OFF + n;
}

static enum dhcp_rx_error parse_why(const uint8_t *buf, size_t len)
{
	enum dhcp_rx_error why = DHCP_RX_NREASONS;
	int r = dhcp_parse(buf, len, BOOTREQUEST, &msg, &why);

	assert_int_equal(r, why == DHCP_RX_OK ? 0 : -EINVAL);
	return why;
}

static void parse_fields(void **state)
{
	static const uint8_t opts[] = {
		53, 1, 1,
		0, 0,					/* pad */
		61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		50, 4, 10, 0, 0, 9,
		54, 4, 10, 0, 0, 1,
		51, 4, 0, 0, 0x0e, 0x10,
		57, 2, 0x05, 0xdc,
		12, 5, 'H', 'o', 's', 't', '1',
		55, 4, 1, 3, 6, 121,
		82, 6, 1, 4, 'e', 't', 'h', '0',
		255,
		0xaa, 0xbb,				/* after end: ignored */
	};
	uint8_t buf[512];
	size_t len = mkpkt(buf, opts, sizeof(opts)), n;
	struct dhcp_key k, k2;
	const uint8_t *v;
	uint32_t u;
	uint16_t w;

	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	assert_int_equal(msg.h.op, BOOTREQUEST);
	assert_int_equal(msg.h.xid, 0xdeadbeef);
	assert_int_equal(msg.h.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(msg.h.ciaddr, 0x0a000005);
	assert_int_equal(msg.h.giaddr, 0x0a000001);
	assert_memory_equal(msg.h.chaddr, mac, 6);
	assert_int_equal(dhcp_msg_type(&msg), DHCPDISCOVER);
	assert_int_equal(dhcp_opt_u32(&msg.opts, DHCP_OPT_REQUESTED_IP, &u), 0);
	assert_int_equal(u, 0x0a000009);
	assert_int_equal(dhcp_opt_u32(&msg.opts, DHCP_OPT_SERVER_ID, &u), 0);
	assert_int_equal(u, 0x0a000001);
	assert_int_equal(dhcp_opt_u32(&msg.opts, DHCP_OPT_LEASE_TIME, &u), 0);
	assert_int_equal(u, 3600);
	assert_int_equal(dhcp_opt_u16(&msg.opts, DHCP_OPT_MAX_MSG_SIZE, &w), 0);
	assert_int_equal(w, 1500);
	assert_int_equal(dhcp_msg_max_reply(&msg), 1500 - 28);
	assert_int_equal(dhcp_opt_u32(&msg.opts, DHCP_OPT_ROUTER, &u), -ENOENT);
	assert_int_equal(dhcp_opt_u16(&msg.opts, DHCP_OPT_LEASE_TIME, &w), -EINVAL);
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_HOST_NAME, &n);
	assert_non_null(v);
	assert_int_equal(n, 5);
	assert_memory_equal(v, "Host1", 5);
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_PRL, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "\x01\x03\x06\x79", 4);
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_RELAY_AGENT, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(v, "\x01\x04" "eth0", 6);
	assert_false(dhcp_opt_has(&msg.opts, 0xaa));

	/* Identity: the client identifier, not the MAC, when there is one. */
	assert_int_equal(dhcp_msg_key(&msg, &k), 0);
	assert_int_equal(k.len, 8);
	assert_int_equal(k.b[0], DHCP_KEY_CID);
	dhcp_key_from_hw(&k2, 1, mac, 6);
	assert_false(dhcp_key_eq(&k, &k2));
	buf[DHCP_OPTS_OFF + 5] = 200;		/* 61 becomes an unknown code */
	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	assert_int_equal(dhcp_msg_key(&msg, &k), 0);
	assert_true(dhcp_key_eq(&k, &k2));
	msg.h.hlen = 0;
	assert_int_equal(dhcp_msg_key(&msg, &k), -EINVAL);
}

static void client_id_folding(void **state)
{
	uint8_t cid[130];
	struct dhcp_key a, b;

	rnd_fill(cid, sizeof(cid));
	dhcp_key_from_cid(&a, cid, 63);
	assert_int_equal(a.len, 64);
	assert_memory_equal(a.b + 1, cid, 63);
	dhcp_key_from_cid(&a, cid, sizeof(cid));
	assert_int_equal(a.len, DHCP_KEY_MAX);
	cid[129] ^= 1;				/* differs only past the kept prefix */
	dhcp_key_from_cid(&b, cid, sizeof(cid));
	assert_false(dhcp_key_eq(&a, &b));
	cid[129] ^= 1;
	dhcp_key_from_cid(&b, cid, sizeof(cid));
	assert_true(dhcp_key_eq(&a, &b));
}

static void fqdn_both_encodings(void **state)
{
	static const uint8_t ascii[] = { 53, 1, 3, 81, 14, 0x01, 0, 0,
		'l', 'a', 'p', 't', 'o', 'p', '.', 'l', 'a', 'n', '.', 255 };
	static const uint8_t wire[] = { 53, 1, 3, 81, 15, 0x05, 0, 0,
		6, 'l', 'a', 'p', 't', 'o', 'p', 3, 'l', 'a', 'n', 0, 255 };
	static const uint8_t partial[] = { 53, 1, 3, 81, 10, 0x04, 0, 0,
		6, 'l', 'a', 'p', 't', 'o', 'p', 255 };
	static const uint8_t pointer[] = { 53, 1, 3, 81, 5, 0x04, 0, 0, 0xc0, 0x0c, 255 };
	static const uint8_t overrun[] = { 53, 1, 3, 81, 6, 0x04, 0, 0, 9, 'a', 'b', 255 };
	uint8_t buf[512];
	struct dhcp_fqdn f;

	assert_int_equal(parse_why(buf, mkpkt(buf, ascii, sizeof(ascii))), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), 0);
	assert_int_equal(f.flags, DHCP_FQDN_S);
	assert_string_equal(f.name, "laptop.lan.");
	assert_int_equal(parse_why(buf, mkpkt(buf, wire, sizeof(wire))), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), 0);
	assert_int_equal(f.flags, DHCP_FQDN_S | DHCP_FQDN_E);
	assert_string_equal(f.name, "laptop.lan");
	assert_int_equal(parse_why(buf, mkpkt(buf, partial, sizeof(partial))), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), 0);
	assert_string_equal(f.name, "laptop");
	assert_int_equal(parse_why(buf, mkpkt(buf, pointer, sizeof(pointer))), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), -EINVAL);
	assert_int_equal(parse_why(buf, mkpkt(buf, overrun, sizeof(overrun))), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), -EINVAL);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x03\xff", 4)), DHCP_RX_OK);
	assert_int_equal(dhcp_opt_fqdn(&msg.opts, &f), -ENOENT);
}

/* RFC 3442 section 5's destination descriptors, each with router 10.0.0.1. */
static void rfc3442_routes(void **state)
{
	static const struct dhcp_route r[] = {
		{ 0x00000000, 0, 0x0a000001 },
		{ 0x0a000000, 8, 0x0a000001 },
		{ 0x0a000000, 24, 0x0a000001 },
		{ 0x0a110000, 16, 0x0a000001 },
		{ 0x0a1b8100, 24, 0x0a000001 },
		{ 0x0ae50080, 25, 0x0a000001 },
		{ 0x0ac67a2f, 32, 0x0a000001 },
	};
	static const char *const want[] = {
		"00" "0a000001",
		"080a" "0a000001",
		"180a0000" "0a000001",
		"100a11" "0a000001",
		"180a1b81" "0a000001",
		"190ae50080" "0a000001",
		"200ac67a2f" "0a000001",
	};
	uint8_t out[128];
	struct dhcp_route bad;
	size_t i, off = 0;
	int n;

	for (i = 0; i < 7; i++) {
		n = dhcp_routes_encode(out, sizeof(out), &r[i], 1);
		assert_int_equal(n, strlen(want[i]) / 2);
		assert_hex(out, want[i], (size_t)n);
	}
	n = dhcp_routes_encode(out, sizeof(out), r, 7);
	for (i = 0; i < 7; i++) {
		assert_hex(out + off, want[i], strlen(want[i]) / 2);
		off += strlen(want[i]) / 2;
	}
	assert_int_equal(n, off);
	bad = (struct dhcp_route){ 0x0a000001, 24, 1 };		/* host bits */
	assert_int_equal(dhcp_routes_encode(out, sizeof(out), &bad, 1), -EINVAL);
	bad = (struct dhcp_route){ 0, 33, 1 };
	assert_int_equal(dhcp_routes_encode(out, sizeof(out), &bad, 1), -EINVAL);
	assert_int_equal(dhcp_routes_encode(out, 5, &r[6], 1), -ENOSPC);
}

/* A decoder written apart from the encoder: follows pointers, bounded. */
static int ref_search_decode(const uint8_t *p, size_t n, char names[][256], size_t max)
{
	size_t off = 0, count = 0;

	while (off < n && count < max) {
		size_t at = off, o = 0;
		int hops = 0;
		bool jumped = false;

		for (;;) {
			uint8_t l;

			if (at >= n)
				return -1;
			l = p[at];
			if ((l & 0xc0) == 0xc0) {
				if (at + 1 >= n || ++hops > 16)
					return -1;
				if (!jumped)
					off = at + 2;
				jumped = true;
				at = (size_t)(l & 0x3f) << 8 | p[at + 1];
				continue;
			}
			if (!l) {
				if (!jumped)
					off = at + 1;
				break;
			}
			if (at + 1 + l > n || o + l + 2 > 256)
				return -1;
			if (o)
				names[count][o++] = '.';
			memcpy(names[count] + o, p + at + 1, l);
			o += l;
			at += 1 + l;
		}
		names[count][o] = '\0';
		count++;
	}
	return (int)count;
}

/* RFC 3397 section 4's example, then a longer list round-tripped. */
static void rfc3397_search(void **state)
{
	static const char *const rfc[] = { "eng.apple.com.", "marketing.apple.com." };
	static const char *const list[] = {
		"a.example.org", "example.org", "b.a.example.org", "other.net",
		"EXAMPLE.org", "x.other.net", "flat1.mesh.lan",
	};
	static const char *const want[] = {
		"a.example.org", "example.org", "b.a.example.org", "other.net",
		"example.org", "x.other.net", "flat1.mesh.lan",
	};
	char names[8][256];
	uint8_t out[256];
	size_t i, plain = 0;
	int n;

	n = dhcp_search_encode(out, sizeof(out), rfc, 2);
	assert_int_equal(n, 27);
	assert_hex(out, "03656e67056170706c6503636f6d00" "096d61726b6574696e67c004", 27);

	n = dhcp_search_encode(out, sizeof(out), list, 7);
	assert_true(n > 0);
	for (i = 0; i < 7; i++)
		plain += strlen(list[i]) + 2;
	assert_true((size_t)n < plain);
	assert_int_equal(ref_search_decode(out, (size_t)n, names, 8), 7);
	for (i = 0; i < 7; i++)
		assert_true(strcasecmp(names[i], want[i]) == 0);
	/* "example.org" again is a bare pointer. */
	assert_int_equal(dhcp_search_encode(out, sizeof(out), (const char *[]){ "example.org",
					    "example.org" }, 2), 13 + 2);
	assert_int_equal(dhcp_search_encode(out, sizeof(out), (const char *[]){ "a..b" }, 1),
			 -EINVAL);
	assert_int_equal(dhcp_search_encode(out, 4, list, 1), -ENOSPC);
}

/* RFC 3396: several instances of one code are one value, in order. */
static void long_option_concat(void **state)
{
	uint8_t opts[700], buf[1024], val[600], *p = opts;
	size_t len, n;
	const uint8_t *v;

	rnd_fill(val, sizeof(val));
	*p++ = 53; *p++ = 1; *p++ = 1;
	*p++ = 77; *p++ = 255; memcpy(p, val, 255); p += 255;
	*p++ = 12; *p++ = 2; *p++ = 'h'; *p++ = 'i';
	*p++ = 77; *p++ = 200; memcpy(p, val + 255, 200); p += 200;
	*p++ = 77; *p++ = 0;
	*p++ = 77; *p++ = 145; memcpy(p, val + 455, 145); p += 145;
	*p++ = 255;
	len = mkpkt(buf, opts, (size_t)(p - opts));
	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	v = dhcp_opt_get(&msg.opts, 77, &n);
	assert_int_equal(n, 600);
	assert_memory_equal(v, val, 600);
	v = dhcp_opt_get(&msg.opts, 12, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "hi", 2);
}

/* The builder splits values over 255 and the parser joins them again. */
static void long_option_split(void **state)
{
	static struct dhcp_optlist o;
	struct dhcp_head h = { .op = BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 7 };
	uint8_t buf[DHCP_REPLY_MAX], val[600];
	unsigned dropped = 99;
	size_t n, off, pieces = 0;
	const uint8_t *v;
	int len;

	rnd_fill(val, sizeof(val));
	dhcp_optlist_init(&o);
	assert_int_equal(dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPREQUEST), 0);
	assert_int_equal(dhcp_optlist_put(&o, 77, val, sizeof(val)), 0);
	assert_int_equal(dhcp_optlist_put(&o, 80, NULL, 0), 0);	/* empty: rapid commit */
	assert_int_equal(dhcp_optlist_put(&o, DHCP_OPT_END, val, 1), -EINVAL);
	len = dhcp_build(buf, sizeof(buf), sizeof(buf), &h, &o, &dropped);
	assert_true(len > 0);
	assert_int_equal(dropped, 0);
	/* Pieces: 255, 255, 90, in the options field. */
	for (off = DHCP_OPTS_OFF; buf[off] != 255; off += 2u + buf[off + 1])
		if (buf[off] == 77) {
			assert_int_equal(buf[off + 1], pieces < 2 ? 255 : 90);
			pieces++;
		}
	assert_int_equal(pieces, 3);
	assert_int_equal(dhcp_parse(buf, (size_t)len, BOOTREQUEST, &msg, NULL), 0);
	v = dhcp_opt_get(&msg.opts, 77, &n);
	assert_int_equal(n, 600);
	assert_memory_equal(v, val, 600);
	assert_non_null(dhcp_opt_get(&msg.opts, 80, &n));
	assert_int_equal(n, 0);
}

/* Option 52: the file field, then sname, carry options after the field. */
static void overload_parse(void **state)
{
	static const uint8_t opts[] = { 53, 1, 3, 52, 1, 3, 77, 2, 'a', 'b', 255 };
	uint8_t buf[512];
	size_t len = mkpkt(buf, opts, sizeof(opts)), n;
	const uint8_t *v;

	memcpy(buf + DHCP_FILE_OFF, "\x4d\x02" "cd" "\x0c\x03" "box" "\x34\x01\x01" "\xff", 13);
	memcpy(buf + DHCP_SNAME_OFF, "\x00\x4d\x01" "e" "\xff", 5);
	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	assert_int_equal(msg.overload, DHCP_OVERLOAD_BOTH);
	v = dhcp_opt_get(&msg.opts, 77, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(v, "abcde", 5);		/* options, file, sname */
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_HOST_NAME, &n);
	assert_memory_equal(v, "box", 3);
	/* The 52 inside file is not another overload. */
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_OVERLOAD, &n);
	assert_int_equal(n, 1);

	/* Only file: sname is a plain server name. */
	buf[DHCP_OPTS_OFF + 5] = DHCP_OVERLOAD_FILE;
	memcpy(buf + DHCP_SNAME_OFF, "\x4d\x99 garbage", 10);
	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	v = dhcp_opt_get(&msg.opts, 77, &n);
	assert_memory_equal(v, "abcd", 4);
	assert_int_equal(n, 4);
	/* Now sname too: its garbage is refused. */
	buf[DHCP_OPTS_OFF + 5] = DHCP_OVERLOAD_SNAME;
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_OVERLOAD);
}

/* Too much for a 576-byte client: the rest goes to file and sname. */
static void overload_build(void **state)
{
	static struct dhcp_optlist o;
	struct dhcp_head h = { .op = BOOTREPLY, .htype = 1, .hlen = 6, .xid = 9 };
	uint8_t buf[DHCP_REPLY_MAX], val[400];
	size_t max = DHCP_MIN_MMS - DHCP_IPUDP_LEN, n;
	unsigned dropped;
	const uint8_t *v;
	int len, i;

	rnd_fill(val, sizeof(val));
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPACK);
	for (i = 0; i < 4; i++)
		dhcp_optlist_put(&o, (uint8_t)(100 + i), val + 100 * i, 100);
	len = dhcp_build(buf, sizeof(buf), max, &h, &o, &dropped);
	assert_true(len > 0 && (size_t)len <= max);
	assert_int_equal(dropped, 0);
	assert_int_equal(dhcp_parse(buf, (size_t)len, BOOTREPLY, &msg, NULL), 0);
	assert_int_not_equal(msg.overload, 0);
	for (i = 0; i < 4; i++) {
		v = dhcp_opt_get(&msg.opts, (uint8_t)(100 + i), &n);
		assert_non_null(v);
		assert_int_equal(n, 100);
		assert_memory_equal(v, val + 100 * i, 100);
	}

	/* More than all three fields hold: the one that does not fit is
	 * left out whole, the smaller one after it still goes in. */
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPACK);
	dhcp_optlist_put(&o, 100, val, 300);
	dhcp_optlist_put(&o, 101, val, 250);
	dhcp_optlist_put(&o, 102, val, 20);
	len = dhcp_build(buf, sizeof(buf), max, &h, &o, &dropped);
	assert_true(len > 0 && (size_t)len <= max);
	assert_int_equal(dropped, 1);
	assert_int_equal(dhcp_parse(buf, (size_t)len, BOOTREPLY, &msg, NULL), 0);
	assert_non_null(dhcp_opt_get(&msg.opts, 100, &n));
	assert_int_equal(n, 300);
	assert_null(dhcp_opt_get(&msg.opts, 101, &n));
	assert_non_null(dhcp_opt_get(&msg.opts, 102, &n));
	assert_int_equal(n, 20);

	/* A short reply is padded to the BOOTP minimum. */
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPACK);
	assert_int_equal(dhcp_build(buf, sizeof(buf), max, &h, &o, NULL), DHCP_BOOTP_MIN_LEN);
	assert_int_equal(dhcp_build(buf, 100, max, &h, &o, NULL), -ENOSPC);
}

static void malformed(void **state)
{
	uint8_t buf[DHCP_MAX_LEN + 8], opts[64];
	size_t len;

	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\xff", 4)), DHCP_RX_OK);
	/* Shorter than header and cookie. */
	assert_int_equal(parse_why(buf, DHCP_OPTS_OFF - 1), DHCP_RX_SHORT);
	/* Longer than anything we take. */
	len = mkpkt(buf, "\x35\x01\x01\xff", 4);
	memset(buf + len, 0, sizeof(buf) - len);
	assert_int_equal(parse_why(buf, DHCP_MAX_LEN + 1), DHCP_RX_TOO_LONG);
	/* A reply sent to the server port. */
	len = mkpkt(buf, "\x35\x01\x01\xff", 4);
	buf[0] = BOOTREPLY;
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_OP);
	/* hlen past chaddr. */
	len = mkpkt(buf, "\x35\x01\x01\xff", 4);
	buf[2] = 17;
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_HLEN);
	/* Plain BOOTP: no cookie. */
	len = mkpkt(buf, "\x35\x01\x01\xff", 4);
	buf[236] = 0;
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_COOKIE);
	/* An option running past the end of the message. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x0c\x09" "ab", 7)),
			 DHCP_RX_OPT_OVERRUN);
	/* A length byte and nothing more. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x0c", 4)), DHCP_RX_OPT_OVERRUN);
	/* No end option. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01", 3)), DHCP_RX_NO_END);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x00\x00", 5)), DHCP_RX_NO_END);
	assert_int_equal(parse_why(buf, mkpkt(buf, "", 0)), DHCP_RX_NO_END);
	/* Overload: a bad value, a bad length, twice, or garbage where it points. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x34\x01\x04\xff", 7)),
			 DHCP_RX_BAD_OVERLOAD);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x34\x02\x01\x01\xff", 8)),
			 DHCP_RX_BAD_OVERLOAD);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x34\x01\x01\x34\x01\x01\xff", 10)),
			 DHCP_RX_BAD_OVERLOAD);
	len = mkpkt(buf, "\x35\x01\x01\x34\x01\x01\xff", 7);
	memset(buf + DHCP_FILE_OFF, 'x', DHCP_FILE_LEN);	/* a file name, not options */
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_OVERLOAD);
	memset(buf + DHCP_FILE_OFF, 0, DHCP_FILE_LEN);		/* all pad, no end */
	assert_int_equal(parse_why(buf, len), DHCP_RX_BAD_OVERLOAD);
	/* Known options of the wrong length. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x02\x01\x01\xff", 5)), DHCP_RX_BAD_OPT_LEN);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x32\x03\x0a\x00\x00\xff", 9)),
			 DHCP_RX_BAD_OPT_LEN);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x3d\x01\x01\xff", 7)),
			 DHCP_RX_BAD_OPT_LEN);
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x39\x01\x05\xff", 7)),
			 DHCP_RX_BAD_OPT_LEN);
	/* Two halves of option 53 make a length of two. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x35\x01\x01\x35\x01\x01\xff", 7)),
			 DHCP_RX_BAD_OPT_LEN);
	/* No message type. */
	assert_int_equal(parse_why(buf, mkpkt(buf, "\x0c\x01x\xff", 4)), DHCP_RX_NO_TYPE);
	(void)opts;
}

/* Every prefix of a valid message, in a buffer of exactly that size so
 * that the address sanitizer sees any read past it. */
static void truncations(void **state)
{
	static const uint8_t opts[] = {
		53, 1, 1, 61, 7, 1, 1, 2, 3, 4, 5, 6, 12, 3, 'a', 'b', 'c',
		55, 3, 1, 3, 6, 52, 1, 1, 255,
	};
	uint8_t buf[512];
	size_t len, i;

	len = mkpkt(buf, opts, sizeof(opts));
	memcpy(buf + DHCP_FILE_OFF, "\x0f\x03lan\xff", 6);
	assert_int_equal(parse_why(buf, len), DHCP_RX_OK);
	for (i = 0; i < len; i++) {
		uint8_t *p = malloc(i ? i : 1);

		memcpy(p, buf, i);
		assert_int_not_equal(parse_why(p, i), DHCP_RX_OK);
		free(p);
	}
}

static void names_distinct(void **state)
{
	unsigned i, j;

	for (i = 0; i < DHCP_RX_NREASONS; i++) {
		assert_string_not_equal(dhcp_rx_error_name(i), "?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(dhcp_rx_error_name(i), dhcp_rx_error_name(j));
	}
	assert_string_equal(dhcp_rx_error_name(DHCP_RX_NREASONS), "?");
}

/* A reply's header survives build and parse; option values by type. */
static void build_fields(void **state)
{
	static struct dhcp_optlist o;
	struct dhcp_head h = {
		.op = BOOTREPLY, .htype = 1, .hlen = 6, .xid = 0x01020304, .flags = 0x8000,
		.ciaddr = 1, .yiaddr = 0xc0a80164, .siaddr = 3, .giaddr = 4,
	};
	static const uint32_t dns[] = { 0xc0a80101, 0x01010101 };
	uint8_t buf[DHCP_REPLY_MAX];
	const uint8_t *v;
	size_t n;
	int len;

	memcpy(h.chaddr, mac, 6);
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, DHCPACK);
	dhcp_optlist_addrs(&o, DHCP_OPT_DNS, dns, 2);
	dhcp_optlist_u16(&o, DHCP_OPT_MTU, 1420);
	dhcp_optlist_str(&o, DHCP_OPT_DOMAIN_NAME, "flat1.lan");
	dhcp_optlist_fqdn(&o, DHCP_FQDN_S | DHCP_FQDN_E, "box.flat1.lan");
	assert_true(dhcp_optlist_has(&o, DHCP_OPT_MTU));
	assert_false(dhcp_optlist_has(&o, DHCP_OPT_ROUTER));
	len = dhcp_build(buf, sizeof(buf), sizeof(buf), &h, &o, NULL);
	assert_int_equal(dhcp_parse(buf, (size_t)len, BOOTREPLY, &msg, NULL), 0);
	assert_memory_equal(&msg.h, &h, sizeof(h));
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_DNS, &n);
	assert_int_equal(n, 8);
	assert_hex(v, "c0a8010101010101", 8);
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_MTU, &n);
	assert_hex(v, "058c", 2);
	v = dhcp_opt_get(&msg.opts, DHCP_OPT_FQDN, &n);
	assert_int_equal(n, 3 + 15);
	assert_hex(v, "05ffff03626f7805666c617431036c616e00", 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_fields),
		cmocka_unit_test(client_id_folding),
		cmocka_unit_test(fqdn_both_encodings),
		cmocka_unit_test(rfc3442_routes),
		cmocka_unit_test(rfc3397_search),
		cmocka_unit_test(long_option_concat),
		cmocka_unit_test(long_option_split),
		cmocka_unit_test(overload_parse),
		cmocka_unit_test(overload_build),
		cmocka_unit_test(malformed),
		cmocka_unit_test(truncations),
		cmocka_unit_test(names_distinct),
		cmocka_unit_test(build_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
