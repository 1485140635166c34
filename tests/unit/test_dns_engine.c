/* dns/engine: one query through the whole pure pipeline. Malformed
 * queries get FORMERR or are dropped, never a crash; local names, split
 * forwarding (learned and manual, a rule inside our own zone), upstream
 * replies cached and served again, rebinding refused, serve-stale when
 * upstream fails, SERVFAIL at once for a site that is down, and no
 * allocation for local answers and cache hits. */
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

#include "dns/engine.h"
#include "tests/unit/dns_query.h"
#include "tests/unit/testutil.h"

#define S(x) ((uint64_t)(x) * 1000000000ULL)

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

static const uint8_t key[16] = "engine-test-key";

struct fixture {
	struct zone_db *zones;
	struct dns_cache *cache;
	struct dns_fwd *fwd;
	struct dns_rebind *rb;
	struct dns_engine e;
	struct dns_request req;
	uint8_t out[65536];
	size_t n;
};

static struct fixture *f;

static int setup(void **state)
{
	struct zone_params zp;
	struct dns_cache_conf cc;
	struct dns_fwd_conf fc;
	struct dns_engine_conf ec;
	struct mg_prefix p;
	struct mg_addr a;

	f = calloc(1, sizeof(*f));
	zone_params_default(&zp);
	f->zones = zone_db_new(&zp, key);
	assert_int_equal(zone_add_domain(f->zones, "flat1.int.example"), 0);
	assert_int_equal(mg_prefix_parse("192.168.1.0/24", false, &p), 0);
	assert_int_equal(zone_add_subnet(f->zones, &p), 0);
	assert_int_equal(zone_add_record(f->zones, "printer A 192.168.1.20", NULL, 0), 0);
	dns_cache_conf_default(&cc);
	memcpy(cc.hash_key, key, 16);
	cc.stale_window = 3600;
	f->cache = dns_cache_new(&cc);
	dns_fwd_conf_default(&fc);
	f->fwd = dns_fwd_new(&fc, key);
	assert_int_equal(mg_addr_parse("10.2.0.53", &a), 0);
	assert_int_equal(dns_fwd_add_domain(f->fwd, "flat2.int.example", &a, 53, DNS_FWD_LEARNED,
					    "flat2"), 0);
	assert_int_equal(mg_prefix_parse("10.2.0.0/24", false, &p), 0);
	assert_int_equal(dns_fwd_add_rev(f->fwd, &p, &a, 53, DNS_FWD_LEARNED, "flat2"), 0);
	assert_int_equal(dns_fwd_parse_server(f->fwd, "/sub.flat1.int.example/10.9.0.53"), 0);
	f->rb = dns_rebind_new(key);
	dns_engine_conf_default(&ec);
	dns_engine_init(&f->e, &ec);
	f->e.zones = f->zones;
	f->e.cache = f->cache;
	f->e.fwd = f->fwd;
	f->e.rebind = f->rb;
	return 0;
}

static int teardown(void **state)
{
	zone_db_free(f->zones);
	dns_cache_free(f->cache);
	dns_fwd_free(f->fwd);
	dns_rebind_free(f->rb);
	free(f);
	return 0;
}

static size_t mkquery(uint8_t *buf, const char *name, uint16_t type, uint16_t id, uint16_t edns)
{
	return dns_test_query(buf, 512, name, type, id, edns, false, LDNS_RD);
}

static enum dns_verdict ask(uint64_t now, const uint8_t *q, size_t n)
{
	return dns_engine_query(&f->e, now, q, n, false, &f->req, f->out, sizeof(f->out), &f->n);
}

static enum dns_verdict ask_name(uint64_t now, const char *name, uint16_t type)
{
	uint8_t q[512];

	return ask(now, q, mkquery(q, name, type, 0x4242, 1232));
}

static uint8_t rcode(void)
{
	assert_true(f->n >= 12);
	return f->out[3] & 0x0f;
}

/* The upstream side: answer the query the engine would send. */
static size_t upstream_reply(uint8_t *buf, const char *name, uint16_t type, uint8_t rc,
			     const char *rr)
{
	ldns_pkt *p = NULL, *up = NULL;
	uint8_t q[512], *wire = NULL;
	size_t qn = dns_request_upstream(&f->e, &f->req, 0x1111, q, sizeof(q)), n = 0;

	/* What goes upstream: our id, RD, lower case, EDNS with our size. */
	assert_true(qn > 0);
	assert_int_equal(ldns_wire2pkt(&up, q, qn), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(up), 0x1111);
	assert_true(ldns_pkt_rd(up) && !ldns_pkt_qr(up));
	assert_int_equal(ldns_pkt_edns_udp_size(up), 1232);
	ldns_pkt_free(up);

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x1111);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rc);
	if (rr) {
		ldns_rr *r = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, rc == LDNS_RCODE_NXDOMAIN ? LDNS_SECTION_AUTHORITY :
				    LDNS_SECTION_ANSWER, r);
	}
	ldns_pkt_set_edns_udp_size(p, 4096);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	memcpy(buf, wire, n);
	free(wire);
	ldns_pkt_free(p);
	return n;
}

static enum dns_verdict feed(uint64_t now, const uint8_t *r, size_t n)
{
	return dns_engine_reply(&f->e, now, &f->req, r, n, f->out, sizeof(f->out), &f->n);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
		int want;	/* -1: dropped, else the rcode */
	} t[] = {
		{ "short header", "\x12\x34\x01\x00\x00", 5, -1 },
		{ "empty", "", 0, -1 },
		{ "a response", "\x12\x34\x81\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\x01\x00\x01",
		  19, -1 },
		{ "qdcount 0", "\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12, 1 },
		{ "qdcount 2",
		  "\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\x01\x00\x01"
		  "\x01\x62\x00\x00\x01\x00\x01", 26, 1 },
		{ "truncated name", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05\x61\x62", 15,
		  1 },
		{ "truncated type", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00",
		  16, 1 },
		{ "pointer loop", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
		  18, 1 },
		{ "pointer forward", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x10\x00\x01\x00\x01\x00",
		  19, 1 },
		{ "label type 0x80", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x81\x61\x00\x00\x01\x00\x01",
		  19, 1 },
		{ "class CH", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\x10\x00\x03",
		  19, 5 },
		{ "class HS", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\x10\x00\x04",
		  19, 5 },
		{ "opcode NOTIFY", "\x12\x34\x21\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\x06\x00\x01",
		  19, 4 },
		{ "AXFR", "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x00\x00\xfc\x00\x01",
		  19, 5 },
		{ "record past the end",
		  "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x01\x61\x00\x00\x01\x00\x01"
		  "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x05\x01", 31, 1 },
		{ "answer pointer loop",
		  "\x12\x34\x01\x00\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x00\x00\x01\x00\x01"
		  "\xc0\x13\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00", 31, 1 },
		{ "EDNS version 1",
		  "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x01\x61\x00\x00\x01\x00\x01"
		  "\x00\x00\x29\x10\x00\x00\x01\x00\x00\x00\x00", 30, 0 },
	};
	uint8_t big[300];
	struct dns_engine_stats *st = &f->e.st;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum dns_verdict v = ask(0, (const uint8_t *)t[i].bytes, t[i].len);

		if (t[i].want < 0) {
			if (v != DNS_DROP)
				fail_msg("%s: not dropped", t[i].what);
			continue;
		}
		if (v != DNS_REPLY || rcode() != t[i].want)
			fail_msg("%s: verdict %d rcode %d, want rcode %d", t[i].what, v,
				 f->n ? rcode() : -1, t[i].want);
		/* The id and RD come back; QR is set. */
		assert_memory_equal(f->out, "\x12\x34", 2);
		assert_true(f->out[2] & 0x80);
		assert_int_equal(f->out[2] & 0x01, t[i].bytes[2] & 0x01);
	}
	/* BADVERS: the extended bits in the OPT. */
	assert_int_equal(f->out[f->n - 11 + 5], 1);
	assert_int_equal(st->dropped, 3);
	assert_int_equal(st->badvers, 1);
	assert_int_equal(st->notimp, 1);
	assert_int_equal(st->refused, 3);

	/* A 256-byte name. */
	memcpy(big, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	for (int i = 0; i < 4; i++) {
		big[12 + i * 64] = 63;
		memset(big + 13 + i * 64, 'a', 63);
	}
	big[12 + 256] = 0;
	memcpy(big + 269, "\x00\x01\x00\x01", 4);
	assert_int_equal(ask(0, big, 273), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_FORMERR);
	assert_int_equal(f->n, 12);
}

static void test_local(void **state)
{
	uint8_t q[512];
	size_t n = mkquery(q, "PRINTER.flat1.int.example.", LDNS_RR_TYPE_A, 7, 0);

	assert_int_equal(ask(0, q, n), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_true(f->out[2] & 0x04);	/* AA */
	assert_memory_equal(f->out + 12, q + 12, n - 12);
	assert_int_equal(ask_name(0, "nope.flat1.int.example.", LDNS_RR_TYPE_A), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_NXDOMAIN);
	assert_int_equal(ask_name(0, "20.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(f->e.st.local, 3);
	assert_int_equal(f->e.st.local_nxdomain, 1);
	/* Class ANY is answered from IN data. */
	n = mkquery(q, "printer.flat1.int.example.", LDNS_RR_TYPE_A, 7, 0);
	q[n - 1] = 0xff;
	assert_int_equal(ask(0, q, n), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(dns_rd16(f->out + 6), 1);
}

static void test_forward_and_cache(void **state)
{
	uint8_t q[512], r[1024];
	size_t n, rn;

	n = mkquery(q, "WWW.Example.ORG.", LDNS_RR_TYPE_A, 0x5555, 0);
	assert_int_equal(ask(S(100), q, n), DNS_FORWARD);
	assert_false(f->req.has_server);	/* the default upstream */
	rn = upstream_reply(r, "www.example.org.", LDNS_RR_TYPE_A, 0,
			    "www.example.org. 300 IN A 93.184.216.34");
	assert_int_equal(feed(S(100), r, rn), DNS_REPLY);
	assert_int_equal(dns_rd16(f->out), 0x5555);
	assert_memory_equal(f->out + 12, q + 12, n - 12);	/* client's case */
	assert_int_equal(dns_rd16(f->out + 10), 0);		/* no EDNS asked, none given */

	/* Now from the cache, TTL counted down. */
	n = mkquery(q, "www.example.org.", LDNS_RR_TYPE_A, 0x6666, 1232);
	assert_int_equal(ask(S(110), q, n), DNS_REPLY);
	assert_int_equal(dns_rd16(f->out), 0x6666);
	assert_int_equal(f->e.st.cache_hits, 1);
	{
		struct dns_rr_iter it;
		struct dns_rr rr;

		assert_int_equal(dns_rr_iter_init(&it, f->out, f->n), 0);
		assert_int_equal(dns_rr_next(&it, &rr), 1);
		assert_int_equal(rr.ttl, 290);
		assert_int_equal(dns_rr_next(&it, &rr), 1);
		assert_int_equal(rr.type, DNS_T_OPT);
		assert_int_equal(rr.class_, 1232);
	}

	/* A reply to another question is a failure, not an answer. */
	assert_int_equal(ask_name(S(120), "other.example.org.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_int_equal(feed(S(120), r, rn), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_SERVFAIL);
	assert_int_equal(f->e.st.upstream_bad, 1);
	/* Upstream NXDOMAIN with SOA: relayed and cached. */
	assert_int_equal(ask_name(S(120), "nx.example.org.", LDNS_RR_TYPE_A), DNS_FORWARD);
	rn = upstream_reply(r, "nx.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
			    "example.org. 3600 IN SOA a.example.org. b.example.org. 1 2 3 4 300");
	assert_int_equal(feed(S(120), r, rn), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_NXDOMAIN);
	assert_int_equal(ask_name(S(130), "nx.example.org.", LDNS_RR_TYPE_A), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_NXDOMAIN);
}

static void test_split(void **state)
{
	char buf[64];
	uint8_t r[1024];
	size_t rn;

	/* Another site's domain and reverse zone, learned from the mesh. */
	assert_int_equal(ask_name(0, "pi.flat2.int.example.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_true(f->req.has_server);
	assert_string_equal(mg_addr_fmt(&f->req.server, buf, sizeof(buf)), "10.2.0.53");
	assert_int_equal(f->req.port, 53);
	/* Its private addresses are no rebinding. */
	rn = upstream_reply(r, "pi.flat2.int.example.", LDNS_RR_TYPE_A, 0,
			    "pi.flat2.int.example. 60 IN A 10.2.0.7");
	assert_int_equal(feed(S(1), r, rn), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(dns_rd16(f->out + 6), 1);
	assert_int_equal(ask_name(0, "7.0.2.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), DNS_FORWARD);
	assert_string_equal(mg_addr_fmt(&f->req.server, buf, sizeof(buf)), "10.2.0.53");
	/* A manual rule inside our own zone is more specific: it wins. */
	assert_int_equal(ask_name(0, "x.sub.flat1.int.example.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_string_equal(mg_addr_fmt(&f->req.server, buf, sizeof(buf)), "10.9.0.53");
	assert_int_equal(f->e.st.forwarded_rule, 3);

	/* The site stops answering: after two failures, SERVFAIL at once. */
	assert_int_equal(ask_name(S(10), "a.flat2.int.example.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_int_equal(dns_engine_fail(&f->e, S(12), &f->req, f->out, sizeof(f->out), &f->n),
			 DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_SERVFAIL);
	assert_int_equal(ask_name(S(12), "a.flat2.int.example.", LDNS_RR_TYPE_A), DNS_FORWARD);
	dns_engine_fail(&f->e, S(14), &f->req, f->out, sizeof(f->out), &f->n);
	assert_int_equal(ask_name(S(14), "b.flat2.int.example.", LDNS_RR_TYPE_A), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_SERVFAIL);
	assert_int_equal(ask_name(S(14), "9.0.2.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), DNS_REPLY);
	assert_int_equal(f->e.st.servfail_down, 2);
	/* What was cached from it is still served while it is down. */
	assert_int_equal(ask_name(S(14), "pi.flat2.int.example.", LDNS_RR_TYPE_A), DNS_REPLY);
	assert_int_equal(rcode(), 0);
}

static void test_rebind(void **state)
{
	uint8_t r[1024];
	size_t rn;

	assert_int_equal(ask_name(0, "evil.example.com.", LDNS_RR_TYPE_A), DNS_FORWARD);
	rn = upstream_reply(r, "evil.example.com.", LDNS_RR_TYPE_A, 0,
			    "evil.example.com. 60 IN A 192.168.1.1");
	assert_int_equal(feed(0, r, rn), DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_REFUSED);
	assert_int_equal(dns_rd16(f->out + 6), 0);
	assert_int_equal(f->e.st.rebind_blocked, 1);
	/* Not cached. */
	assert_int_equal(ask_name(1, "evil.example.com.", LDNS_RR_TYPE_A), DNS_FORWARD);
	/* Allowed per domain, or with the protection off. */
	assert_int_equal(dns_rebind_allow(f->rb, "example.com"), 0);
	assert_int_equal(feed(1, r, rn), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	f->e.conf.rebind_protect = false;
	assert_int_equal(ask_name(1, "evil2.example.net.", LDNS_RR_TYPE_A), DNS_FORWARD);
	rn = upstream_reply(r, "evil2.example.net.", LDNS_RR_TYPE_A, 0,
			    "evil2.example.net. 60 IN A 10.0.0.1");
	assert_int_equal(feed(1, r, rn), DNS_REPLY);
	assert_int_equal(rcode(), 0);
}

static void test_stale(void **state)
{
	uint8_t r[1024];
	size_t rn;
	struct dns_rr_iter it;
	struct dns_rr rr;

	assert_int_equal(ask_name(S(0), "stale.example.org.", LDNS_RR_TYPE_A), DNS_FORWARD);
	rn = upstream_reply(r, "stale.example.org.", LDNS_RR_TYPE_A, 0,
			    "stale.example.org. 60 IN A 93.184.216.34");
	assert_int_equal(feed(S(0), r, rn), DNS_REPLY);
	/* Expired: asked again; upstream times out: the stale answer, TTL 30. */
	assert_int_equal(ask_name(S(100), "stale.example.org.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_int_equal(dns_engine_fail(&f->e, S(105), &f->req, f->out, sizeof(f->out), &f->n),
			 DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(dns_rr_iter_init(&it, f->out, f->n), 0);
	assert_int_equal(dns_rr_next(&it, &rr), 1);
	assert_int_equal(rr.ttl, 30);
	assert_int_equal(f->e.st.stale_served, 1);
	/* Upstream SERVFAIL counts as failing too. */
	rn = upstream_reply(r, "stale.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, NULL);
	assert_int_equal(feed(S(106), r, rn), DNS_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(f->e.st.stale_served, 2);
	/* Past the stale window: SERVFAIL. */
	assert_int_equal(ask_name(S(4000), "stale.example.org.", LDNS_RR_TYPE_A), DNS_FORWARD);
	assert_int_equal(dns_engine_fail(&f->e, S(4000), &f->req, f->out, sizeof(f->out), &f->n),
			 DNS_REPLY);
	assert_int_equal(rcode(), DNS_RC_SERVFAIL);
}

/* Local answers and cache hits: 10000 each, no allocation. */
static void test_no_alloc(void **state)
{
	uint8_t q1[512], q2[512], r[1024];
	size_t n1 = mkquery(q1, "printer.flat1.int.example.", LDNS_RR_TYPE_A, 1, 1232);
	size_t n2 = mkquery(q2, "cached.example.org.", LDNS_RR_TYPE_A, 2, 1232), rn;
	unsigned long before;

	assert_int_equal(ask(0, q2, n2), DNS_FORWARD);
	rn = upstream_reply(r, "cached.example.org.", LDNS_RR_TYPE_A, 0,
			    "cached.example.org. 300 IN A 93.184.216.34");
	assert_int_equal(feed(0, r, rn), DNS_REPLY);
	before = allocs;
	assert_true(before > 0);
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(ask(S(1), q1, n1), DNS_REPLY);
		assert_int_equal(ask(S(1), q2, n2), DNS_REPLY);
	}
	assert_int_equal(allocs, before);
	assert_int_equal(f->e.st.cache_hits, 10000);
}

/* Queries bent every way: whatever comes back is a well-formed reply with
 * the query's id, never bigger than the client may take. */
static void test_mutations(void **state)
{
	uint8_t base[3][512], q[600];
	size_t bn[3];

	bn[0] = mkquery(base[0], "printer.flat1.int.example.", LDNS_RR_TYPE_A, 1, 1232);
	bn[1] = mkquery(base[1], "x.example.org.", LDNS_RR_TYPE_AAAA, 2, 0);
	bn[2] = mkquery(base[2], "5.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 3, 4096);
	for (int round = 0; round < 30000; round++) {
		int b = (int)(rnd() % 3);
		size_t n = bn[b];
		enum dns_verdict v;

		memcpy(q, base[b], n);
		for (int k = (int)(rnd() % 4); k >= 0 && n; k--) {
			switch (rnd() % 4) {
			case 0:
				q[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				q[rnd() % n] = (uint8_t)rnd();
				break;
			case 2:
				n = (size_t)(rnd() % (n + 1));
				break;
			default:
				if (n + 8 < sizeof(q)) {
					rnd_fill(q + n, 8);
					n += 8;
				}
			}
		}
		v = ask(S(round), q, n);
		if (v == DNS_DROP || v == DNS_FORWARD)
			continue;
		assert_true(f->n >= 12 && f->n <= 4096);
		assert_memory_equal(f->out, q, 2);
		assert_true(f->out[2] & 0x80);
		{
			struct dns_rr_iter it;
			struct dns_rr rr;
			int r;

			assert_int_equal(dns_rr_iter_init(&it, f->out, f->n), 0);
			while ((r = dns_rr_next(&it, &rr)) > 0)
				;
			assert_int_equal(r, 0);
			assert_int_equal(it.off, f->n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
