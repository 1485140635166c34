/* dns/wire and dns/rev: header, question, names with and without
 * compression (every way a pointer can be bad), EDNS0, the record walker,
 * reverse names; packets built by ldns as an independent encoder. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/rev.h"
#include "dns/wire.h"
#include "tests/unit/dns_query.h"
#include "tests/unit/testutil.h"

static size_t ldns_query(uint8_t *buf, size_t cap, const char *name, uint16_t type, uint16_t id,
			 uint16_t edns, bool do_bit)
{
	return dns_test_query(buf, cap, name, type, id, edns, do_bit, LDNS_RD);
}

/* A query by hand: header then raw bytes for the question and the rest. */
static size_t raw(uint8_t *buf, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ar,
		  const void *body, size_t blen)
{
	struct dns_hdr h = { .id = 0x1234, .flags = flags, .qdcount = qd, .ancount = an,
			     .arcount = ar };

	dns_hdr_write(buf, &h);
	memcpy(buf + DNS_HDR_LEN, body, blen);
	return DNS_HDR_LEN + blen;
}

static void test_header(void **state)
{
	uint8_t b[DNS_HDR_LEN];
	struct dns_hdr h = { 0xbeef, DNS_F_QR | DNS_F_RD | DNS_F_RA | 3, 1, 2, 3, 4 }, g;

	dns_hdr_write(b, &h);
	assert_hex(b, "beef81830001000200030004", sizeof(b));
	assert_int_equal(dns_hdr_parse(b, sizeof(b), &g), 0);
	assert_memory_equal(&g, &h, sizeof(h));
	assert_int_equal(dns_hdr_parse(b, 11, &g), -EINVAL);
	assert_int_equal(dns_hdr_parse(b, 0, &g), -EINVAL);
}

static void test_query_ldns(void **state)
{
	uint8_t b[512];
	size_t n = ldns_query(b, sizeof(b), "WwW.Example.COM.", LDNS_RR_TYPE_AAAA, 77, 4096, true);
	struct dns_query q;

	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_NOERROR);
	assert_true(q.has_question);
	assert_int_equal(q.hdr.id, 77);
	assert_int_equal(q.qtype, DNS_T_AAAA);
	assert_int_equal(q.qclass, DNS_C_IN);
	assert_int_equal(q.qname_len, 17);
	assert_memory_equal(q.qname, "\003WwW\007Example\003COM", 17);
	assert_memory_equal(q.lname, "\003www\007example\003com", 17);
	assert_true(q.edns.present);
	assert_int_equal(q.edns.udp_size, 4096);
	assert_true(q.edns.do_bit);
	assert_int_equal(q.edns.version, 0);

	n = ldns_query(b, sizeof(b), "a.b.", LDNS_RR_TYPE_A, 1, 0, false);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_NOERROR);
	assert_false(q.edns.present);
}

static const uint8_t qa[] = "\001a\000\000\001\000\001";	/* a. A IN */

static void test_query_malformed(void **state)
{
	uint8_t b[600] = { 0 }, body[600];
	struct dns_query q;
	size_t n;

	/* No header, or a response: dropped. */
	assert_int_equal(dns_query_parse(b, 5, &q), -EINVAL);
	n = raw(b, DNS_F_QR, 1, 0, 0, qa, sizeof(qa) - 1);
	assert_int_equal(dns_query_parse(b, n, &q), -EINVAL);

	/* QDCOUNT 0 and 2: FORMERR, no question to echo. */
	n = raw(b, 0, 0, 0, 0, "", 0);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	assert_false(q.has_question);
	memcpy(body, qa, 7);
	memcpy(body + 7, qa, 7);
	n = raw(b, 0, 2, 0, 0, body, 14);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	assert_false(q.has_question);

	/* Truncated question, in the name and in the type. */
	for (size_t cut = 0; cut < 7; cut++) {
		n = raw(b, 0, 1, 0, 0, qa, cut);
		assert_int_equal(dns_query_parse(b, n, &q), 0);
		assert_int_equal(q.rcode, DNS_RC_FORMERR);
	}

	/* A compression pointer in the question. */
	n = raw(b, 0, 1, 0, 0, "\300\000\000\001\000\001", 6);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);

	/* A 64-byte label; a 256-byte name. */
	body[0] = 64;
	memset(body + 1, 'x', 64);
	memcpy(body + 65, "\000\000\001\000\001", 5);
	n = raw(b, 0, 1, 0, 0, body, 70);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	for (int i = 0; i < 4; i++) {
		body[i * 64] = 63;
		memset(body + i * 64 + 1, 'y', 63);
	}
	memcpy(body + 256, "\000\000\001\000\001", 5);	/* 257 bytes of name */
	n = raw(b, 0, 1, 0, 0, body, 261);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	/* One label less fits: 3*64 + 1 + 62 bytes + root = 255. */
	body[192] = 61;
	body[192 + 62] = 0;
	memcpy(body + 255, "\000\001\000\001", 4);
	n = raw(b, 0, 1, 0, 0, body, 259);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_NOERROR);
	assert_int_equal(q.qname_len, 255);

	/* Obsolete label types 0x40 and 0x80. */
	n = raw(b, 0, 1, 0, 0, "\101a\000\000\001\000\001", 7);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);

	/* Opcode STATUS: NOTIMP, question still echoed. */
	n = raw(b, 2 << 11, 1, 0, 0, qa, 7);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_NOTIMP);
	assert_true(q.has_question);

	/* QTYPE OPT. */
	n = raw(b, 0, 1, 0, 0, "\001a\000\000\051\000\001", 7);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);

	/* ARCOUNT says 1, nothing there. */
	n = raw(b, 0, 1, 0, 1, qa, 7);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	assert_true(q.has_question);
}

static void test_query_edns(void **state)
{
	static const uint8_t opt[] = "\000\000\051\020\000\000\000\000\000\000\000";
	static const uint8_t opt_v1[] = "\000\000\051\004\000\000\001\200\000\000\000";
	static const uint8_t opt_named[] = "\001x\000\000\051\004\000\000\000\000\000\000\000";
	static const uint8_t opt_small[] = "\000\000\051\000\010\000\000\000\000\000\000";
	uint8_t b[200], body[100];
	struct dns_query q;
	size_t n;

	memcpy(body, qa, 7);
	memcpy(body + 7, opt, 11);
	n = raw(b, 0, 1, 0, 1, body, 18);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_NOERROR);
	assert_int_equal(q.edns.udp_size, 4096);
	assert_false(q.edns.do_bit);

	/* Version 1: BADVERS, and the OPT is known so it can go back. */
	memcpy(body + 7, opt_v1, 11);
	n = raw(b, 0, 1, 0, 1, body, 18);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_BADVERS);
	assert_true(q.edns.present);
	assert_true(q.edns.do_bit);
	assert_int_equal(q.edns.version, 1);

	/* Two OPTs. */
	memcpy(body + 7, opt, 11);
	memcpy(body + 18, opt, 11);
	n = raw(b, 0, 1, 0, 2, body, 29);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);

	/* OPT in the answer section; OPT not owned by the root. */
	n = raw(b, 0, 1, 1, 0, body, 18);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	memcpy(body + 7, opt_named, 13);
	n = raw(b, 0, 1, 0, 1, body, 20);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);

	/* A buffer size under 512 is parsed as sent; the answer clamps it. */
	memcpy(body + 7, opt_small, 11);
	n = raw(b, 0, 1, 0, 1, body, 18);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.edns.udp_size, 8);

	/* Truncated OPT rdata. */
	memcpy(body + 7, opt, 11);
	body[17] = 4;
	n = raw(b, 0, 1, 0, 1, body, 18);
	assert_int_equal(dns_query_parse(b, n, &q), 0);
	assert_int_equal(q.rcode, DNS_RC_FORMERR);
	assert_false(q.edns.present);
}

static void test_edns_write(void **state)
{
	uint8_t b[DNS_OPT_LEN + 2];
	size_t off = 2;

	assert_true(dns_edns_write(b, sizeof(b), &off, 1232, true, 1));
	assert_int_equal(off, sizeof(b));
	assert_memory_equal(b + 2, "\000\000\051\004\320\001\000\200\000\000\000", 11);
	off = 3;
	assert_false(dns_edns_write(b, sizeof(b), &off, 1232, true, 0));
	assert_int_equal(off, 3);
}

static void test_name_read(void **state)
{
	/* 12 bytes of header, then names to point at. */
	uint8_t m[300] = { 0 };
	uint8_t out[DNS_NAME_MAX];
	size_t off, n;

	memcpy(m + 12, "\007Example\003com\000", 13);	/* 12: example.com */
	memcpy(m + 25, "\003WWW\300\014", 6);			/* 25: www -> 12 */
	memcpy(m + 31, "\001a\300\031", 4);			/* 31: a -> 25 */
	off = 31;
	assert_int_equal(dns_name_read(m, 35, &off, out, &n, false), 0);
	assert_int_equal(off, 35);
	assert_int_equal(n, 19);
	assert_memory_equal(out, "\001a\003WWW\007Example\003com", 19);
	off = 31;
	assert_int_equal(dns_name_read(m, 35, &off, out, &n, true), 0);
	assert_memory_equal(out, "\001a\003www\007example\003com", 19);
	off = 31;
	assert_int_equal(dns_name_skip(m, 35, &off), 0);
	assert_int_equal(off, 35);

	/* Pointing at itself, forward, into a loop of two, past the end. */
	memcpy(m + 40, "\300\050", 2);
	off = 40;
	assert_int_equal(dns_name_read(m, 42, &off, out, &n, false), -EINVAL);
	assert_int_equal(dns_name_skip(m, 42, &off), -EINVAL);
	memcpy(m + 40, "\300\052\001b\000", 5);
	off = 40;
	assert_int_equal(dns_name_read(m, 45, &off, out, &n, false), -EINVAL);
	assert_int_equal(dns_name_skip(m, 45, &off), -EINVAL);
	memcpy(m + 50, "\001c\300\066", 4);			/* 50: c -> 54 (forward) */
	memcpy(m + 54, "\001d\300\062", 4);			/* 54: d -> 50 */
	off = 54;
	assert_int_equal(dns_name_read(m, 58, &off, out, &n, false), -EINVAL);
	off = 56;						/* the pointer itself */
	assert_int_equal(dns_name_read(m, 58, &off, out, &n, false), -EINVAL);
	memcpy(m + 60, "\301\377", 2);
	off = 60;
	assert_int_equal(dns_name_read(m, 62, &off, out, &n, false), -EINVAL);
	/* A pointer cut in half; a label cut short. */
	off = 60;
	assert_int_equal(dns_name_read(m, 61, &off, out, &n, false), -EINVAL);
	off = 12;
	assert_int_equal(dns_name_read(m, 20, &off, out, &n, false), -EINVAL);
	assert_int_equal(dns_name_skip(m, 20, &off), -EINVAL);

	/* Over 255 bytes only once the pointers are followed. */
	for (int i = 0; i < 3; i++) {
		m[100 + i * 64] = 63;
		memset(m + 101 + i * 64, 'z', 63);
	}
	memcpy(m + 100 + 192, "\300\014", 2);	/* 192 + 13 bytes: fine */
	off = 100;
	assert_int_equal(dns_name_read(m, 294, &off, out, &n, false), 0);
	assert_int_equal(n, 192 + 13);
	/* 3 * 64 + 1 + 49 + 13 = 255 bytes fits; one more byte does not. */
	{
		uint8_t big[400] = { 0 };

		memcpy(big + 12, "\007example\003com\000", 13);
		for (int i = 0; i < 3; i++) {
			big[30 + i * 64] = 63;
			memset(big + 31 + i * 64, 'q', 63);
		}
		big[30 + 192] = 49;
		memset(big + 31 + 192, 'r', 49);
		memcpy(big + 30 + 242, "\300\014", 2);
		off = 30;
		assert_int_equal(dns_name_read(big, 274, &off, out, &n, false), 0);
		assert_int_equal(n, 255);
		big[30 + 192] = 50;
		memset(big + 31 + 192, 'r', 50);
		memcpy(big + 30 + 243, "\300\014", 2);
		off = 30;
		assert_int_equal(dns_name_read(big, 275, &off, out, &n, false), -EINVAL);
	}
}

static void test_name_helpers(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	char s[DNS_NAME_STRLEN], long_name[300];
	int n;

	assert_int_equal(dns_name_from_str("Host.Example.", a, sizeof(a)), 14);
	assert_memory_equal(a, "\004host\007example", 14);
	assert_int_equal(dns_name_from_str("host.example", b, sizeof(b)), 14);
	assert_true(dns_name_eq(a, 14, b, 14));
	assert_true(dns_name_eq((const uint8_t *)"\001A", 3, (const uint8_t *)"\001a", 3));
	assert_false(dns_name_eq(a, 14, b, 13));
	assert_int_equal(dns_name_from_str(".", a, sizeof(a)), 1);
	assert_int_equal(a[0], 0);
	assert_int_equal(dns_name_from_str("", a, sizeof(a)), -EINVAL);
	assert_int_equal(dns_name_from_str("a..b", a, sizeof(a)), -EINVAL);
	assert_int_equal(dns_name_from_str("a b", a, sizeof(a)), -EINVAL);
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	assert_int_equal(dns_name_from_str(long_name, a, sizeof(a)), -EINVAL);
	long_name[63] = '\0';
	assert_int_equal(dns_name_from_str(long_name, a, sizeof(a)), 65);
	/* 4 labels of 63 = 256 + root: too long; 61 in the last fits (255). */
	for (int i = 0; i < 4; i++) {
		memset(long_name + i * 64, 'x', 63);
		long_name[i * 64 + 63] = '.';
	}
	long_name[255] = '\0';
	assert_int_equal(dns_name_from_str(long_name, a, sizeof(a)), -EINVAL);
	long_name[253] = '\0';
	assert_int_equal(dns_name_from_str(long_name, a, sizeof(a)), 255);

	n = dns_name_from_str("www.example.com", a, sizeof(a));
	assert_int_equal(dns_name_labels(a, (size_t)n), 3);
	assert_int_equal(dns_name_parent(a, (size_t)n), 4);
	assert_true(dns_name_under(a, (size_t)n, (const uint8_t *)"\007example\003com", 13));
	assert_true(dns_name_under(a, (size_t)n, (const uint8_t *)"\003COM", 5));
	assert_true(dns_name_under(a, (size_t)n, (const uint8_t *)"", 1));
	assert_true(dns_name_under(a, (size_t)n, a, (size_t)n));
	/* Suffix bytes that are not on a label boundary. */
	assert_false(dns_name_under(a, (size_t)n, (const uint8_t *)"\006xample\003com", 12));
	assert_int_equal(dns_name_from_str("wwwexample.com", b, sizeof(b)), 16);
	assert_false(dns_name_under(b, 16, (const uint8_t *)"\007example\003com", 13));
	assert_false(dns_name_under((const uint8_t *)"\003com", 5, a, (size_t)n));

	assert_string_equal(dns_name_to_str(a, (size_t)n, s, sizeof(s)), "www.example.com.");
	assert_string_equal(dns_name_to_str((const uint8_t *)"", 1, s, sizeof(s)), ".");
	assert_string_equal(dns_name_to_str((const uint8_t *)"\003a.b\001\001", 7, s, sizeof(s)),
			    "a\\046b.\\001.");
	assert_int_equal(dns_name_check((const uint8_t *)"\001a", 3), 3);
	assert_int_equal(dns_name_check((const uint8_t *)"\001a", 2), -EINVAL);
	assert_int_equal(dns_name_check((const uint8_t *)"\300\014", 2), -EINVAL);
}

/* A reply by ldns, with compressed owners: the walker finds every record,
 * its TTL where the offset says, and the OPT. */
static void test_rr_walk(void **state)
{
	static const char *rrs[] = {
		"www.example.com. 300 IN CNAME web.example.com.",
		"web.example.com. 60 IN A 192.0.2.1",
		"web.example.com. 70 IN A 192.0.2.2",
	};
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	struct dns_rr_iter it;
	struct dns_rr rr;
	uint32_t ttls[3] = { 300, 60, 70 };
	size_t n, off;
	uint8_t name[DNS_NAME_MAX];
	unsigned i = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "www.example.com.", LDNS_RR_TYPE_A,
						    LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	for (unsigned k = 0; k < 3; k++) {
		ldns_rr *r = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&r, rrs[k], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, r);
	}
	ldns_pkt_set_edns_udp_size(p, 1232);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);

	assert_int_equal(dns_rr_iter_init(&it, wire, n), 0);
	while (dns_rr_next(&it, &rr) > 0) {
		if (i < 3) {
			assert_int_equal(rr.section, DNS_SEC_AN);
			assert_int_equal(rr.ttl, ttls[i]);
			assert_int_equal(dns_rd32(wire + rr.ttl_off), ttls[i]);
			off = rr.owner_off;
			assert_int_equal(dns_name_read(wire, n, &off, name, &(size_t){ 0 }, true), 0);
			assert_int_equal(off, rr.ttl_off - DNS_RR_TTL_AT);
			assert_int_equal(rr.type, i ? DNS_T_A : DNS_T_CNAME);
		} else {
			assert_int_equal(rr.section, DNS_SEC_AR);
			assert_int_equal(rr.type, DNS_T_OPT);
		}
		i++;
	}
	assert_int_equal(i, 4);
	assert_int_equal(it.off, n);
	/* Owners after the first are compressed: the walker followed them. */
	assert_true(n < 12 + 21 + 3 * (17 + 10) + 11 + 17 + 8);

	/* Every truncation is an error, never a crash. */
	for (size_t cut = 0; cut < n - 11; cut++) {
		int r = 0;

		if (dns_rr_iter_init(&it, wire, cut))
			continue;
		while ((r = dns_rr_next(&it, &rr)) > 0)
			;
		assert_int_equal(r, -EINVAL);
	}
	free(wire);
	ldns_pkt_free(p);
}

struct zones {
	unsigned n;
	char s[130][80];
};

static int collect(void *arg, const uint8_t *name, size_t len)
{
	struct zones *z = arg;

	dns_name_to_str(name, len, z->s[z->n++], sizeof(z->s[0]));
	return 0;
}

static void zones_of(const char *cidr, struct zones *z)
{
	struct mg_prefix p;

	z->n = 0;
	assert_int_equal(mg_prefix_parse(cidr, false, &p), 0);
	assert_int_equal(dns_rev_zones(&p, collect, z), 0);
}

static void test_rev(void **state)
{
	struct mg_addr a, back;
	uint8_t name[DNS_NAME_MAX];
	char s[DNS_NAME_STRLEN];
	struct zones z;
	size_t n;

	assert_int_equal(mg_addr_parse("192.168.1.5", &a), 0);
	n = dns_rev_name(&a, name);
	assert_string_equal(dns_name_to_str(name, n, s, sizeof(s)), "5.1.168.192.in-addr.arpa.");
	assert_int_equal(dns_rev_addr(name, n, &back), 0);
	assert_true(mg_addr_eq(&a, &back));
	assert_int_equal(mg_addr_parse("2001:db8::567:89ab", &a), 0);
	n = dns_rev_name(&a, name);
	assert_string_equal(dns_name_to_str(name, n, s, sizeof(s)),
			    "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	assert_int_equal(dns_rev_addr(name, n, &back), 0);
	assert_true(mg_addr_eq(&a, &back));
	/* Partial, leading zeros, too many labels. */
	n = (size_t)dns_name_from_str("1.168.192.in-addr.arpa", name, sizeof(name));
	assert_int_equal(dns_rev_addr(name, n, &back), -EINVAL);
	n = (size_t)dns_name_from_str("05.1.168.192.in-addr.arpa", name, sizeof(name));
	assert_int_equal(dns_rev_addr(name, n, &back), -EINVAL);
	n = (size_t)dns_name_from_str("256.1.168.192.in-addr.arpa", name, sizeof(name));
	assert_int_equal(dns_rev_addr(name, n, &back), -EINVAL);
	n = (size_t)dns_name_from_str("x.5.1.168.192.in-addr.arpa", name, sizeof(name));
	assert_int_equal(dns_rev_addr(name, n, &back), -EINVAL);

	zones_of("10.1.0.0/24", &z);
	assert_int_equal(z.n, 1);
	assert_string_equal(z.s[0], "0.1.10.in-addr.arpa.");
	zones_of("10.1.0.0/16", &z);
	assert_int_equal(z.n, 1);
	assert_string_equal(z.s[0], "1.10.in-addr.arpa.");
	zones_of("10.1.4.0/22", &z);
	assert_int_equal(z.n, 4);
	assert_string_equal(z.s[0], "4.1.10.in-addr.arpa.");
	assert_string_equal(z.s[3], "7.1.10.in-addr.arpa.");
	zones_of("10.1.4.128/25", &z);
	assert_int_equal(z.n, 128);
	assert_string_equal(z.s[0], "128.4.1.10.in-addr.arpa.");
	assert_string_equal(z.s[127], "255.4.1.10.in-addr.arpa.");
	zones_of("0.0.0.0/0", &z);
	assert_int_equal(z.n, 1);
	assert_string_equal(z.s[0], "in-addr.arpa.");
	zones_of("fd00:1:2:3::/64", &z);
	assert_int_equal(z.n, 1);
	assert_string_equal(z.s[0], "3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.");
	zones_of("fd00:1:2:4::/62", &z);
	assert_int_equal(z.n, 4);
	assert_string_equal(z.s[0], "4.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.");
	assert_string_equal(z.s[3], "7.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.");
	zones_of("fc00::/7", &z);
	assert_int_equal(z.n, 2);
	assert_string_equal(z.s[0], "c.f.ip6.arpa.");
	assert_string_equal(z.s[1], "d.f.ip6.arpa.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_query_ldns),
		cmocka_unit_test(test_query_malformed),
		cmocka_unit_test(test_query_edns),
		cmocka_unit_test(test_edns_write),
		cmocka_unit_test(test_name_read),
		cmocka_unit_test(test_name_helpers),
		cmocka_unit_test(test_rr_walk),
		cmocka_unit_test(test_rev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
