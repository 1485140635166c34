/* dns/answer and dns/reply: replies read back with ldns as an independent
 * decoder. Header bits, the question echoed byte for byte (the client's
 * case), name compression, EDNS echo with our size, truncation at each
 * client's limit, error replies, and relays of upstream replies with the
 * OPT taken out wherever it sits. */
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

#include "dns/answer.h"
#include "dns/reply.h"
#include "dns/zone.h"
#include "tests/unit/dns_query.h"
#include "tests/unit/testutil.h"

static const uint8_t key[16] = "answer-test-key";
static struct zone_db *db;

static int setup(void **state)
{
	struct zone_params p;
	char rec[200];

	zone_params_default(&p);
	p.ns_name = "gw1.flat1.int.example";
	db = zone_db_new(&p, key);
	assert_non_null(db);
	assert_int_equal(zone_add_domain(db, "flat1.int.example"), 0);
	assert_int_equal(zone_add_record(db, "printer A 192.168.1.20", NULL, 0), 0);
	assert_int_equal(zone_add_record(db, "www CNAME printer", NULL, 0), 0);
	/* 10 and 20 TXT records of 60 bytes: ~730 and ~1460 bytes of reply. */
	for (int i = 0; i < 20; i++) {
		snprintf(rec, sizeof(rec), "big20 TXT \"%02d%058d\"", i, 0);
		assert_int_equal(zone_add_record(db, rec, NULL, 0), 0);
		if (i < 10) {
			rec[3] = '1';
			assert_int_equal(zone_add_record(db, rec, NULL, 0), 0);
		}
	}
	return 0;
}

static int teardown(void **state)
{
	zone_db_free(db);
	return 0;
}

static size_t mkquery(uint8_t *buf, const char *name, uint16_t type, uint16_t id, uint16_t edns,
		      bool do_bit, uint16_t flags)
{
	return dns_test_query(buf, 512, name, type, id, edns, do_bit, flags);
}

static ldns_pkt *parse(const uint8_t *b, size_t n)
{
	ldns_pkt *p = NULL;

	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&p, b, n), LDNS_STATUS_OK);
	return p;
}

static char *owner_str(ldns_pkt *p, ldns_pkt_section sec, size_t i)
{
	ldns_rr_list *l = sec == LDNS_SECTION_ANSWER ? ldns_pkt_answer(p) :
			  sec == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p) :
			  ldns_pkt_additional(p);

	return ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(l, i)));
}

/* A local answer to q, as the engine would build it. */
static size_t local(const uint8_t *qb, size_t qn, bool tcp, uint8_t *out, size_t cap,
		    struct dns_query *q)
{
	struct zone_result r;

	assert_int_equal(dns_query_parse(qb, qn, q), 0);
	assert_int_equal(q->rcode, DNS_RC_NOERROR);
	zone_lookup(db, q->lname, q->qname_len, q->qtype, 0, &r);
	return dns_answer_zone(q, &r, 1232, dns_answer_limit(q, tcp, 1232), out, cap);
}

static void test_local_case_edns(void **state)
{
	uint8_t qb[512], out[4096];
	struct dns_query q;
	size_t qn = mkquery(qb, "PrInTeR.Flat1.INT.example.", LDNS_RR_TYPE_A, 4242, 4096, true,
			    LDNS_RD | LDNS_CD);
	size_t n = local(qb, qn, false, out, sizeof(out), &q);
	ldns_pkt *p = parse(out, n);
	ldns_rr_list *an;
	char *s;

	assert_int_equal(ldns_pkt_id(p), 4242);
	assert_true(ldns_pkt_qr(p));
	assert_true(ldns_pkt_aa(p));
	assert_true(ldns_pkt_rd(p));
	assert_true(ldns_pkt_ra(p));
	assert_true(ldns_pkt_cd(p));
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	/* The question byte for byte, and the answer's owner in its case. */
	assert_memory_equal(out + 12, qb + 12, q.qname_len + 4u);
	an = ldns_pkt_answer(p);
	assert_int_equal(ldns_rr_list_rr_count(an), 1);
	s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(an, 0)));
	assert_string_equal(s, "PrInTeR.Flat1.INT.example.");
	free(s);
	s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0));
	assert_string_equal(s, "192.168.1.20");
	free(s);
	/* EDNS back, with our size and the DO bit. */
	assert_true(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_true(ldns_pkt_edns_do(p));
	/* The owner is a pointer to the question: 12 + 27 + 4 + 2+10+4 + 11. */
	assert_int_equal(n, 12 + 27 + 4 + 16 + 11);
	ldns_pkt_free(p);

	/* No EDNS in, none out; RD clear stays clear. */
	qn = mkquery(qb, "printer.flat1.int.example.", LDNS_RR_TYPE_A, 7, 0, false, 0);
	n = local(qb, qn, false, out, sizeof(out), &q);
	p = parse(out, n);
	assert_false(ldns_pkt_edns(p));
	assert_false(ldns_pkt_rd(p));
	assert_int_equal(ldns_pkt_arcount(p), 0);
	ldns_pkt_free(p);
}

static void test_local_cname_nxdomain(void **state)
{
	uint8_t qb[512], out[4096];
	struct dns_query q;
	size_t qn = mkquery(qb, "WWW.flat1.int.example.", LDNS_RR_TYPE_A, 1, 0, false, LDNS_RD);
	size_t n = local(qb, qn, false, out, sizeof(out), &q);
	ldns_pkt *p = parse(out, n);
	char *s;

	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 2);
	s = owner_str(p, LDNS_SECTION_ANSWER, 1);
	assert_string_equal(s, "printer.flat1.int.example.");
	free(s);
	/* The A record's owner points at the CNAME's target: shorter than
	 * writing the name again. */
	assert_true(n < 12 + 23 + 4 + (2 + 10 + 27) + (27 + 10 + 4));
	ldns_pkt_free(p);

	qn = mkquery(qb, "Nope.FLAT1.int.example.", LDNS_RR_TYPE_AAAA, 2, 1232, false, LDNS_RD);
	n = local(qb, qn, false, out, sizeof(out), &q);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	s = owner_str(p, LDNS_SECTION_AUTHORITY, 0);
	assert_string_equal(s, "FLAT1.int.example.");	/* a pointer into the question */
	free(s);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(p), 0)),
			 LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), 60);
	ldns_pkt_free(p);
}

static void expect_tc(const uint8_t *qb, size_t qn, bool tcp, bool want_tc, size_t max)
{
	uint8_t out[4096];
	struct dns_query q;
	size_t n = local(qb, qn, tcp, out, sizeof(out), &q);
	ldns_pkt *p = parse(out, n);

	assert_true(n <= max);
	assert_int_equal(ldns_pkt_tc(p), want_tc);
	if (want_tc) {
		assert_int_equal(ldns_pkt_ancount(p), 0);
		assert_int_equal(ldns_pkt_qdcount(p), 1);
		assert_memory_equal(out + 12, qb + 12, q.qname_len + 4u);
	} else {
		assert_true(ldns_pkt_ancount(p) >= 10);
	}
	ldns_pkt_free(p);
}

static void test_truncation(void **state)
{
	uint8_t qb[512];
	size_t qn;

	qn = mkquery(qb, "big10.flat1.int.example.", LDNS_RR_TYPE_TXT, 1, 0, false, LDNS_RD);
	expect_tc(qb, qn, false, true, 512);
	expect_tc(qb, qn, true, false, 65535);
	qn = mkquery(qb, "big10.flat1.int.example.", LDNS_RR_TYPE_TXT, 1, 1232, false, LDNS_RD);
	expect_tc(qb, qn, false, false, 1232);
	qn = mkquery(qb, "big10.flat1.int.example.", LDNS_RR_TYPE_TXT, 1, 600, false, LDNS_RD);
	expect_tc(qb, qn, false, true, 600);
	/* Under 512 advertised counts as 512. */
	qn = mkquery(qb, "big10.flat1.int.example.", LDNS_RR_TYPE_TXT, 1, 100, false, LDNS_RD);
	expect_tc(qb, qn, false, true, 512);
	/* 4096 advertised, but ours is 1232. */
	qn = mkquery(qb, "big20.flat1.int.example.", LDNS_RR_TYPE_TXT, 1, 4096, false, LDNS_RD);
	expect_tc(qb, qn, false, true, 1232);
	expect_tc(qb, qn, true, false, 65535);
}

static void test_errors(void **state)
{
	static const uint8_t opt_v1[] = { 0, 0, 41, 4, 0, 0, 1, 0x80, 0, 0, 0 };
	uint8_t qb[512], out[512];
	struct dns_query q;
	ldns_pkt *p;
	size_t qn, n;

	/* QDCOUNT 0: FORMERR without a question. */
	memcpy(qb, "\xab\xcd\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
	assert_int_equal(dns_query_parse(qb, 12, &q), 0);
	n = dns_answer_error(&q, q.rcode, 1232, out, sizeof(out));
	assert_int_equal(n, 12);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_id(p), 0xabcd);
	assert_true(ldns_pkt_qr(p) && ldns_pkt_rd(p) && !ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);

	/* REFUSED echoes the question and the EDNS. */
	qn = mkquery(qb, "Version.Bind.", LDNS_RR_TYPE_TXT, 9, 1232, true, LDNS_RD);
	assert_int_equal(dns_query_parse(qb, qn, &q), 0);
	n = dns_answer_error(&q, DNS_RC_REFUSED, 1232, out, sizeof(out));
	p = parse(out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_memory_equal(out + 12, qb + 12, q.qname_len + 4u);
	assert_true(ldns_pkt_edns(p) && ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* BADVERS: rcode 16 is 0 in the header and 1 in the OPT. */
	qn = mkquery(qb, "a.example.", LDNS_RR_TYPE_A, 9, 0, false, LDNS_RD);
	memcpy(qb + qn, opt_v1, sizeof(opt_v1));
	qb[11] = 1;
	assert_int_equal(dns_query_parse(qb, qn + sizeof(opt_v1), &q), 0);
	assert_int_equal(q.rcode, DNS_RC_BADVERS);
	n = dns_answer_error(&q, q.rcode, 1232, out, sizeof(out));
	assert_int_equal(out[3] & 0x0f, 0);
	assert_int_equal(out[n - 11 + 5], 1);	/* extended rcode */
	assert_int_equal(out[n - 11 + 6], 0);	/* our version */
	p = parse(out, n);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	ldns_pkt_free(p);

	/* Too small a buffer: nothing, not a partial reply. */
	assert_int_equal(dns_answer_error(&q, DNS_RC_SERVFAIL, 1232, out, 20), 0);
}

/* An upstream reply built by ldns: compressed names, AD set, OPT last. */
static size_t upstream(uint8_t *buf, const char *qname, const char **an, int nan,
		       const char **ar, int nar, uint16_t edns)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, qname, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
						    LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 999);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_ad(p, true);
	for (int i = 0; i < nan + nar; i++) {
		ldns_rr *r = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&r, i < nan ? an[i] : ar[i - nan], 0, NULL,
						     NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, i < nan ? LDNS_SECTION_ANSWER : LDNS_SECTION_ADDITIONAL, r);
	}
	if (edns)
		ldns_pkt_set_edns_udp_size(p, edns);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	memcpy(buf, wire, n);
	free(wire);
	ldns_pkt_free(p);
	return n;
}

static void test_relay(void **state)
{
	static const char *an[] = {
		"www.example.org. 300 IN CNAME web.example.org.",
		"web.example.org. 60 IN A 192.0.2.1",
	};
	static const char *ar[] = {
		"web.example.org. 60 IN AAAA 2001:db8::1",
	};
	uint8_t up[1024], qb[512], out[1024];
	struct dns_reply_info ri;
	struct dns_query q;
	ldns_pkt *p;
	size_t un, qn, n;

	un = upstream(up, "www.example.org.", an, 2, ar, 1, 4096);
	assert_int_equal(dns_reply_scan(up, un, &ri, NULL, 0), 0);
	assert_true(ri.edns.present);
	assert_true(ri.opt_movable);
	assert_int_equal(ri.arcount, 1);
	assert_int_equal(ri.nttl, 3);
	assert_int_equal(ri.min_ttl, 60);
	assert_int_equal(ri.stored_len, un - 11);

	/* A client without EDNS gets no OPT; one with gets ours. */
	qn = mkquery(qb, "WWW.example.org.", LDNS_RR_TYPE_A, 5, 0, false, LDNS_RD);
	assert_int_equal(dns_query_parse(qb, qn, &q), 0);
	n = dns_answer_relay(&q, up, &ri, 1232, dns_answer_limit(&q, false, 1232), out,
			     sizeof(out));
	assert_int_equal(n, un - 11);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_id(p), 5);
	assert_false(ldns_pkt_edns(p));
	assert_true(ldns_pkt_ad(p));
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(ldns_pkt_arcount(p), 1);
	assert_memory_equal(out + 12, qb + 12, q.qname_len + 4u);
	ldns_pkt_free(p);

	qn = mkquery(qb, "www.example.org.", LDNS_RR_TYPE_A, 6, 1400, true, LDNS_RD);
	assert_int_equal(dns_query_parse(qb, qn, &q), 0);
	n = dns_answer_relay(&q, up, &ri, 1232, dns_answer_limit(&q, false, 1232), out,
			     sizeof(out));
	assert_int_equal(n, un);
	p = parse(out, n);
	assert_true(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(rd16(out + 10), 2);	/* ldns counts the OPT apart */
	ldns_pkt_free(p);

	/* A limit that fits answer and authority but not additional: the
	 * additional section goes, without TC. One that fits neither: TC. */
	n = dns_answer_relay(&q, up, &ri, 1232, ri.ar_off + 11, out, sizeof(out));
	p = parse(out, n);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(rd16(out + 10), 1);	/* the OPT alone */
	ldns_pkt_free(p);
	n = dns_answer_relay(&q, up, &ri, 1232, ri.ar_off + 10, out, sizeof(out));
	p = parse(out, n);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(rd16(out + 10), 1);
	ldns_pkt_free(p);
}

/* OPT not last: cut out when what follows never points past it. */
static void test_relay_opt_middle(void **state)
{
	uint8_t m[256], qb[512], out[512];
	struct dns_reply_info ri;
	struct dns_query q;
	size_t n = 0, qn;
	ldns_pkt *p;

	memcpy(m, "\x00\x07\x81\x80\x00\x01\x00\x01\x00\x00\x00\x02", 12);
	n = 12;
	memcpy(m + n, "\001a\007example\000\000\001\000\001", 15);	/* 12: a.example */
	n += 15;
	memcpy(m + n, "\300\014\000\001\000\001\000\000\000\074\000\004\300\000\002\001", 16);
	n += 16;
	memcpy(m + n, "\000\000\051\020\000\000\000\000\000\000\000", 11);	/* OPT */
	n += 11;
	memcpy(m + n, "\300\014\000\001\000\001\000\000\000\074\000\004\300\000\002\002", 16);
	n += 16;
	assert_int_equal(dns_reply_scan(m, n, &ri, NULL, 0), 0);
	assert_true(ri.opt_movable);
	qn = mkquery(qb, "a.example.", LDNS_RR_TYPE_A, 3, 0, false, LDNS_RD);
	assert_int_equal(dns_query_parse(qb, qn, &q), 0);
	n = dns_answer_relay(&q, m, &ri, 1232, 512, out, sizeof(out));
	assert_int_equal(n, 12 + 15 + 16 + 16);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_arcount(p), 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_additional(p), 0)),
			 LDNS_RR_TYPE_A);
	ldns_pkt_free(p);

	/* A record after it of a type whose data may hold names: kept as is,
	 * so no relay (the caller answers SERVFAIL). */
	m[12 + 15 + 16 + 11 + 3] = DNS_T_CNAME;
	assert_int_equal(dns_reply_scan(m, 12 + 15 + 16 + 11 + 16, &ri, NULL, 0), 0);
	assert_false(ri.opt_movable);
	assert_int_equal(dns_answer_relay(&q, m, &ri, 1232, 512, out, sizeof(out)), 0);
}

static void test_scan_negative(void **state)
{
	/* NXDOMAIN with an SOA whose TTL is above its minimum. */
	static const uint8_t m[] = {
		0x00, 0x07, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
		0xc0, 14, 0, 6, 0, 1, 0, 0, 0x0e, 0x10, 0, 30,
		2, 'n', 's', 0xc0, 14, 2, 'h', 'm', 0xc0, 14,
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 90,
	};
	struct dns_reply_info ri;
	uint16_t offs[4];

	assert_int_equal(dns_reply_scan(m, sizeof(m), &ri, offs, 4), 0);
	assert_true(ri.has_soa);
	assert_int_equal(ri.neg_ttl, 90);
	assert_int_equal(ri.min_ttl, 3600);
	assert_int_equal(ri.nttl, 1);
	assert_int_equal(offs[0], ri.soa_ttl_off);
	assert_int_equal(dns_rd32(m + offs[0]), 3600);
	/* SOA rdata one byte short. */
	assert_int_equal(dns_reply_scan(m, sizeof(m) - 1, &ri, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_case_edns),
		cmocka_unit_test(test_local_cname_nxdomain),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_relay_opt_middle),
		cmocka_unit_test(test_scan_negative),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
