/* dns/cache on a fake clock: TTLs counted down, the client's id and case,
 * negative caching (RFC 2308), the key's DO and CD bits, LRU eviction by
 * entries and by bytes, serve-stale inside its window only (RFC 8767),
 * DNSSEC records untouched, and no allocation on a hit (malloc, calloc and
 * realloc are wrapped and counted). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/answer.h"
#include "dns/cache.h"
#include "tests/unit/testutil.h"

#define S(x) ((uint64_t)((x) * 1e9))

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static unsigned long allocs;

void *__wrap_malloc(size_t n)
{
	allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	allocs++;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocs++;
	return __real_realloc(p, n);
}

static struct dns_cache *cache;

static int setup_conf(const struct dns_cache_conf *c)
{
	cache = dns_cache_new(c);
	assert_non_null(cache);
	return 0;
}

static int setup(void **state)
{
	struct dns_cache_conf c;

	dns_cache_conf_default(&c);
	memcpy(c.hash_key, "cache-test-key!!", 16);
	c.max_ttl = 3600;
	c.stale_window = 100;
	return setup_conf(&c);
}

static int teardown(void **state)
{
	dns_cache_free(cache);
	return 0;
}

static void query(struct dns_query *q, const char *name, uint16_t type, uint16_t id,
		  uint16_t edns, bool do_bit, bool cd)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN,
						    LDNS_RD | (cd ? LDNS_CD : 0)), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, edns);
		ldns_pkt_set_edns_do(p, do_bit);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	assert_int_equal(dns_query_parse(wire, n, q), 0);
	assert_int_equal(q->rcode, DNS_RC_NOERROR);
	free(wire);
	ldns_pkt_free(p);
}

/* An upstream reply by ldns. sections: 'a'nswer, 'n's, 'r' additional,
 * one letter per record in recs. */
static size_t reply(uint8_t *buf, const char *qname, uint16_t type, uint8_t rcode,
		    const char *sections, const char **recs, bool ad)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, qname, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_ad(p, ad);
	ldns_pkt_set_rcode(p, rcode);
	for (size_t i = 0; sections[i]; i++) {
		ldns_rr *r = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&r, recs[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, sections[i] == 'a' ? LDNS_SECTION_ANSWER :
				    sections[i] == 'n' ? LDNS_SECTION_AUTHORITY :
				    LDNS_SECTION_ADDITIONAL, r);
	}
	ldns_pkt_set_edns_udp_size(p, 1232);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	memcpy(buf, wire, n);
	free(wire);
	ldns_pkt_free(p);
	return n;
}

static ldns_pkt *parse(const uint8_t *b, size_t n)
{
	ldns_pkt *p = NULL;

	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&p, b, n), LDNS_STATUS_OK);
	return p;
}

static size_t hit(uint64_t now, const struct dns_query *q, bool stale, uint8_t *out)
{
	return dns_cache_answer(cache, now, q, stale, 1232, dns_answer_limit(q, false, 1232), out,
				4096);
}

static uint32_t ttl_of(ldns_pkt *p, ldns_pkt_section sec, size_t i)
{
	ldns_rr_list *l = sec == LDNS_SECTION_ANSWER ? ldns_pkt_answer(p) :
			  sec == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p) :
			  ldns_pkt_additional(p);

	return ldns_rr_ttl(ldns_rr_list_rr(l, i));
}

static const char *www[] = {
	"www.example.org. 300 IN CNAME web.example.org.",
	"web.example.org. 60 IN A 192.0.2.1",
};

static void test_ttl_countdown(void **state)
{
	uint8_t up[1024], out[4096];
	struct dns_query q, q2;
	struct dns_cache_stats st;
	size_t un = reply(up, "www.example.org.", LDNS_RR_TYPE_A, 0, "aa", www, false), n;
	ldns_pkt *p;
	char *s;

	query(&q, "www.example.org.", LDNS_RR_TYPE_A, 1, 0, false, false);
	assert_int_equal(hit(S(0), &q, false, out), 0);
	assert_int_equal(dns_cache_insert(cache, S(1000), &q, up, un), 0);

	query(&q2, "WwW.ExAmple.ORG.", LDNS_RR_TYPE_A, 0x7777, 0, false, false);
	n = hit(S(1010.5), &q2, false, out);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_id(p), 0x7777);
	assert_true(ldns_pkt_qr(p) && ldns_pkt_rd(p) && ldns_pkt_ra(p));
	assert_false(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 0), 290);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 1), 50);
	/* The question and the names pointing at it have the client's case. */
	assert_memory_equal(out + 12, q2.qname, q2.qname_len);
	s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), 0)));
	assert_string_equal(s, "WwW.ExAmple.ORG.");
	free(s);
	ldns_pkt_free(p);

	/* An EDNS client gets our OPT; the same entry serves both. */
	query(&q2, "www.example.org.", LDNS_RR_TYPE_A, 3, 4096, false, false);
	n = hit(S(1059.9), &q2, false, out);
	p = parse(out, n);
	assert_true(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 0), 241);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 1), 1);
	ldns_pkt_free(p);

	/* Expired: a miss, unless upstream failed; then TTL 30. */
	assert_int_equal(hit(S(1060), &q, false, out), 0);
	n = hit(S(1060), &q, true, out);
	p = parse(out, n);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 0), 30);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 1), 30);
	ldns_pkt_free(p);

	dns_cache_stats(cache, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.stale_served, 1);
	assert_int_equal(st.insertions, 1);
	assert_int_equal(st.entries, 1);
	assert_true(st.bytes > 0);

	/* Inside the stale window only. */
	assert_non_null(hit(S(1159), &q, true, out) ? out : NULL);
	assert_int_equal(hit(S(1160), &q, true, out), 0);
	dns_cache_stats(cache, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.blocks_used, 0);
}

static void test_key(void **state)
{
	uint8_t up[1024], out[4096];
	struct dns_query q, other;
	size_t un = reply(up, "www.example.org.", LDNS_RR_TYPE_A, 0, "aa", www, false);

	query(&q, "www.example.org.", LDNS_RR_TYPE_A, 1, 1232, true, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	assert_true(hit(S(1), &q, false, out) > 0);
	/* DO clear, CD set, another type, another name: other entries. */
	query(&other, "www.example.org.", LDNS_RR_TYPE_A, 1, 1232, false, false);
	assert_int_equal(hit(S(1), &other, false, out), 0);
	query(&other, "www.example.org.", LDNS_RR_TYPE_A, 1, 1232, true, true);
	assert_int_equal(hit(S(1), &other, false, out), 0);
	query(&other, "www.example.org.", LDNS_RR_TYPE_AAAA, 1, 1232, true, false);
	assert_int_equal(hit(S(1), &other, false, out), 0);
	query(&other, "ww.example.org.", LDNS_RR_TYPE_A, 1, 1232, true, false);
	assert_int_equal(hit(S(1), &other, false, out), 0);
	/* A reply to another question is not kept under this one. */
	assert_int_equal(dns_cache_insert(cache, S(0), &other, up, un), -EINVAL);
	/* Inserting again replaces. */
	assert_int_equal(dns_cache_insert(cache, S(10), &q, up, un), 0);
	{
		struct dns_cache_stats st;

		dns_cache_stats(cache, &st);
		assert_int_equal(st.entries, 1);
	}
	assert_true(hit(S(69), &q, false, out) > 0);
}

static void test_negative(void **state)
{
	static const char *nx[] = {
		"example.org. 3600 IN SOA ns.example.org. hm.example.org. 1 2 3 4 90",
	};
	static const char *cname_nx[] = {
		"alias.example.org. 40 IN CNAME gone.example.org.",
		"example.org. 3600 IN SOA ns.example.org. hm.example.org. 1 2 3 4 90",
	};
	uint8_t up[1024], out[4096];
	struct dns_query q;
	size_t un, n;
	ldns_pkt *p;

	/* NXDOMAIN: kept min(SOA TTL, MINIMUM) = 90 s, SOA TTL counted down. */
	un = reply(up, "nope.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "n", nx, false);
	query(&q, "nope.example.org.", LDNS_RR_TYPE_A, 1, 0, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	n = hit(S(30), &q, false, out);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ttl_of(p, LDNS_SECTION_AUTHORITY, 0), 60);
	ldns_pkt_free(p);
	assert_int_equal(hit(S(90), &q, false, out), 0);

	/* NODATA alike. */
	un = reply(up, "nope.example.org.", LDNS_RR_TYPE_AAAA, 0, "n", nx, false);
	query(&q, "nope.example.org.", LDNS_RR_TYPE_AAAA, 1, 0, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	n = hit(S(89), &q, false, out);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ttl_of(p, LDNS_SECTION_AUTHORITY, 0), 1);
	ldns_pkt_free(p);

	/* A CNAME into NXDOMAIN: the shorter CNAME TTL rules. */
	un = reply(up, "alias.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "an", cname_nx,
		   false);
	query(&q, "alias.example.org.", LDNS_RR_TYPE_A, 1, 0, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	assert_true(hit(S(39), &q, false, out) > 0);
	assert_int_equal(hit(S(40), &q, false, out), 0);

	/* Not cacheable: no SOA, SERVFAIL, REFUSED, TTL 0, TC. */
	un = reply(up, "nope.example.org.", LDNS_RR_TYPE_TXT, LDNS_RCODE_NXDOMAIN, "", NULL, false);
	query(&q, "nope.example.org.", LDNS_RR_TYPE_TXT, 1, 0, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), -ENOTSUP);
	un = reply(up, "nope.example.org.", LDNS_RR_TYPE_TXT, LDNS_RCODE_SERVFAIL, "", NULL, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), -ENOTSUP);
	un = reply(up, "nope.example.org.", LDNS_RR_TYPE_TXT, LDNS_RCODE_REFUSED, "n", nx, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), -ENOTSUP);
	{
		static const char *zero[] = { "nope.example.org. 0 IN TXT \"x\"" };

		un = reply(up, "nope.example.org.", LDNS_RR_TYPE_TXT, 0, "a", zero, false);
		assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), -ENOTSUP);
		zero[0] = "nope.example.org. 5 IN TXT \"x\"";
		un = reply(up, "nope.example.org.", LDNS_RR_TYPE_TXT, 0, "a", zero, false);
		up[2] |= 0x02;	/* TC */
		assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), -ENOTSUP);
		up[2] &= (uint8_t)~0x02;
		assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
		assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un - 1), -EINVAL);
	}
}

static void test_max_ttl_and_dnssec(void **state)
{
	static const char *signed_rrs[] = {
		"example.org. 999999 IN A 192.0.2.7",
		"example.org. 999999 IN RRSIG A 13 2 999999 20300101000000 20200101000000 12345 "
		"example.org. c2lnbmF0dXJlLWJ5dGVzLXRoYXQtYXJlLW5vdC1yZWFsLWJ1dC1sb25nLWVub3VnaA==",
	};
	uint8_t up[1024], out[4096];
	struct dns_query q;
	size_t un, n;
	ldns_pkt *p;
	ldns_rr *sig;

	un = reply(up, "example.org.", LDNS_RR_TYPE_A, 0, "aa", signed_rrs, true);
	query(&q, "example.org.", LDNS_RR_TYPE_A, 1, 1232, true, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	n = hit(S(100), &q, false, out);
	p = parse(out, n);
	assert_true(ldns_pkt_ad(p));
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 0), 3500);	/* cut to max_ttl */
	sig = ldns_rr_list_rr(ldns_pkt_answer(p), 1);
	assert_int_equal(ldns_rr_get_type(sig), LDNS_RR_TYPE_RRSIG);
	assert_int_equal(ldns_rr_ttl(sig), 3500);
	/* The signature's data, original TTL included, as upstream sent it. */
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(sig)), 999999);
	assert_memory_equal(out + n - 11 - 64, up + un - 11 - 64, 64);
	ldns_pkt_free(p);
}

/* h<i>.example.org TXT: pad bytes of zeros in strings of at most 200,
 * ending with the decimal i. */
static void name_reply(uint8_t *up, size_t *un, struct dns_query *q, int i, int pad)
{
	char name[64], rec[1024];
	const char *recs[1] = { rec };
	size_t o;

	snprintf(name, sizeof(name), "h%d.example.org.", i);
	o = (size_t)snprintf(rec, sizeof(rec), "%s 300 IN TXT", name);
	for (; pad > 200; pad -= 200)
		o += (size_t)snprintf(rec + o, sizeof(rec) - o, " \"%0200d\"", 0);
	snprintf(rec + o, sizeof(rec) - o, " \"%0*d\"", pad, i);
	*un = reply(up, name, LDNS_RR_TYPE_TXT, 0, "a", recs, false);
	query(q, name, LDNS_RR_TYPE_TXT, (uint16_t)i, 0, false, false);
}

static void test_lru_entries(void **state)
{
	struct dns_cache_conf c;
	struct dns_query q[5];
	uint8_t up[1024], out[4096];
	struct dns_cache_stats st;
	size_t un;

	dns_cache_free(cache);
	dns_cache_conf_default(&c);
	c.max_entries = 3;
	setup_conf(&c);
	for (int i = 0; i < 3; i++) {
		name_reply(up, &un, &q[i], i, 1);
		assert_int_equal(dns_cache_insert(cache, S(i), &q[i], up, un), 0);
	}
	/* 0 is used again, so 1 is now the least recently used. */
	assert_true(hit(S(5), &q[0], false, out) > 0);
	name_reply(up, &un, &q[3], 3, 1);
	assert_int_equal(dns_cache_insert(cache, S(6), &q[3], up, un), 0);
	assert_int_equal(hit(S(7), &q[1], false, out), 0);
	assert_true(hit(S(7), &q[0], false, out) > 0);
	assert_true(hit(S(7), &q[2], false, out) > 0);
	assert_true(hit(S(7), &q[3], false, out) > 0);
	/* Now 0 is oldest in use. */
	name_reply(up, &un, &q[4], 4, 1);
	assert_int_equal(dns_cache_insert(cache, S(8), &q[4], up, un), 0);
	assert_int_equal(hit(S(9), &q[0], false, out), 0);
	dns_cache_stats(cache, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.entries, 3);

	dns_cache_flush(cache);
	dns_cache_stats(cache, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.blocks_used, 0);
	assert_int_equal(hit(S(9), &q[4], false, out), 0);
}

static void test_lru_bytes(void **state)
{
	struct dns_cache_conf c;
	struct dns_query q[4];
	uint8_t up[2048], out[4096];
	struct dns_cache_stats st;
	size_t un;

	dns_cache_free(cache);
	dns_cache_conf_default(&c);
	c.max_bytes = 6 * DNS_CACHE_BLOCK;
	setup_conf(&c);
	/* About 200 bytes each: two blocks; three fit. */
	for (int i = 0; i < 3; i++) {
		name_reply(up, &un, &q[i], i, 150);
		assert_int_equal(dns_cache_insert(cache, S(i), &q[i], up, un), 0);
	}
	dns_cache_stats(cache, &st);
	assert_int_equal(st.blocks_used, 6);
	assert_int_equal(st.evictions, 0);
	assert_true(hit(S(5), &q[0], false, out) > 0);
	/* A four-block one pushes out the two least recently used. */
	name_reply(up, &un, &q[3], 3, 400);
	assert_int_equal(dns_cache_insert(cache, S(6), &q[3], up, un), 0);
	assert_int_equal(hit(S(7), &q[1], false, out), 0);
	assert_int_equal(hit(S(7), &q[2], false, out), 0);
	assert_true(hit(S(7), &q[0], false, out) > 0);
	assert_true(hit(S(7), &q[3], false, out) > 0);
	dns_cache_stats(cache, &st);
	assert_int_equal(st.evictions, 2);
	/* Bigger than the whole cache: refused, nothing evicted. */
	name_reply(up, &un, &q[1], 1, 900);
	assert_int_equal(dns_cache_insert(cache, S(8), &q[1], up, un), -ENOSPC);
	dns_cache_stats(cache, &st);
	assert_int_equal(st.entries, 2);
}

static void test_truncated_hit(void **state)
{
	static const char *recs[] = {
		"big.example.org. 300 IN A 192.0.2.1",
		"x1.example.org. 300 IN TXT \"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"",
		"x2.example.org. 300 IN TXT \"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"",
		"x3.example.org. 300 IN TXT \"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"",
	};
	uint8_t up[2048], out[4096];
	struct dns_query q;
	size_t un, n;
	ldns_pkt *p;

	un = reply(up, "big.example.org.", LDNS_RR_TYPE_A, 0, "arrr", recs, false);
	assert_true(un > 600);
	query(&q, "big.example.org.", LDNS_RR_TYPE_A, 1, 0, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	/* 512 for this client: the additional section goes, no TC. */
	n = hit(S(10), &q, false, out);
	assert_true(n <= 512);
	p = parse(out, n);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(ldns_pkt_arcount(p), 0);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ANSWER, 0), 290);
	ldns_pkt_free(p);
	query(&q, "big.example.org.", LDNS_RR_TYPE_A, 1, 1232, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	n = hit(S(10), &q, false, out);
	p = parse(out, n);
	assert_int_equal(ldns_pkt_arcount(p), 3);
	assert_int_equal(ttl_of(p, LDNS_SECTION_ADDITIONAL, 2), 290);
	ldns_pkt_free(p);
}

/* 10000 hits, not one allocation. */
static void test_hit_allocates_nothing(void **state)
{
	uint8_t up[1024], out[4096];
	struct dns_query q;
	size_t un = reply(up, "www.example.org.", LDNS_RR_TYPE_A, 0, "aa", www, false);
	unsigned long before;
	size_t total = 0;

	query(&q, "www.example.org.", LDNS_RR_TYPE_A, 1, 1232, false, false);
	assert_int_equal(dns_cache_insert(cache, S(0), &q, up, un), 0);
	before = allocs;
	assert_true(before > 0);	/* the counter sees dns_cache_new() */
	for (int i = 0; i < 10000; i++) {
		q.hdr.id = (uint16_t)i;
		total += hit(S(i % 50), &q, false, out);
	}
	assert_int_equal(allocs, before);
	assert_int_equal(total, 10000 * (un));
	/* Inserting into a full cache does not allocate either. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(dns_cache_insert(cache, S(i), &q, up, un), 0);
	assert_int_equal(allocs, before);
}

/* Many names through a small cache: every hit still carries its own data,
 * so blocks are never shared or lost. */
static void test_churn(void **state)
{
	struct dns_cache_conf c;
	uint8_t up[2048], out[4096];
	struct dns_cache_stats st;
	struct dns_query q;
	size_t un, n;

	dns_cache_free(cache);
	dns_cache_conf_default(&c);
	c.max_entries = 16;
	c.max_bytes = 40 * DNS_CACHE_BLOCK;
	setup_conf(&c);
	for (int round = 0; round < 3000; round++) {
		int i = (int)(rnd() % 64), pad = 1 + (int)(rnd() % 300);
		char want[16];

		name_reply(up, &un, &q, i, pad);
		if (rnd() % 2) {
			int r = dns_cache_insert(cache, S(round), &q, up, un);

			assert_true(r == 0 || r == -ENOSPC);
			continue;
		}
		n = hit(S(round), &q, false, out);
		if (!n)
			continue;
		/* The TXT ends with the decimal index. */
		snprintf(want, sizeof(want), "%d", i);
		assert_memory_equal(out + n - strlen(want), want, strlen(want));
		assert_int_equal(out[12], (uint8_t)strlen(want) + 1);
	}
	dns_cache_stats(cache, &st);
	assert_true(st.entries <= 16);
	assert_true(st.blocks_used <= 40);
	assert_true(st.evictions > 0);
	assert_true(st.hits > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ttl_countdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_ttl_and_dnssec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hit_allocates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
