/* Arbitrary bytes as an upstream reply. Twice: once through the engine as
 * the answer to a fixed query (cache insert, rebinding check, relay, then
 * a later cache hit and a stale one), once straight into the cache under
 * a query made from the reply's own question, read back at three client
 * sizes. The first byte picks the fixed query and the query's EDNS; the
 * rest is the reply. Every reply we send must parse and fit. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S(x) ((uint64_t)(x) * 1000000000ULL)

static const uint8_t key[16] = "fuzz-reply-key!";
static struct dns_engine eng;
static struct mg_addr site;

static void init(void)
{
	struct zone_params zp;
	struct dns_cache_conf cc;
	struct dns_fwd_conf fc;
	struct dns_engine_conf ec;
	struct mg_prefix p;
	struct mg_addr a;

	zone_params_default(&zp);
	dns_engine_conf_default(&ec);
	dns_engine_init(&eng, &ec);
	eng.zones = zone_db_new(&zp, key);
	zone_add_domain((struct zone_db *)eng.zones, "flat1.int.example");
	dns_cache_conf_default(&cc);
	cc.max_entries = 32;
	cc.max_bytes = 32 * 1024;
	cc.stale_window = 100;
	memcpy(cc.hash_key, key, 16);
	eng.cache = dns_cache_new(&cc);
	dns_fwd_conf_default(&fc);
	eng.fwd = dns_fwd_new(&fc, key);
	mg_addr_parse("10.2.0.53", &a);
	site = a;
	dns_fwd_add_domain(eng.fwd, "flat2.int.example", &a, 53, DNS_FWD_LEARNED, NULL);
	mg_prefix_parse("10.2.0.0/24", false, &p);
	dns_fwd_add_rev(eng.fwd, &p, &a, 53, DNS_FWD_LEARNED, NULL);
	eng.rebind = dns_rebind_new(key);
	if (!eng.zones || !eng.cache || !eng.fwd || !eng.rebind)
		abort();
}

static void check(const uint8_t *out, size_t n, uint16_t id, size_t limit)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	int r;

	if (n < 12 || n > limit || dns_rd16(out) != id || !(out[2] & 0x80))
		abort();
	if (dns_rr_iter_init(&it, out, n))
		abort();
	while ((r = dns_rr_next(&it, &rr)) > 0)
		;
	if (r < 0 || it.off != n)
		abort();
}

/* A query: id, RD, one question, and an OPT if udp. */
static size_t mkquery(uint8_t *q, const uint8_t *name, size_t nlen, uint16_t type,
		      uint16_t cls, uint16_t udp, bool do_bit)
{
	size_t o = 12 + nlen;

	memcpy(q, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	memcpy(q + 12, name, nlen);
	dns_wr16(q + o, type);
	dns_wr16(q + o + 2, cls);
	o += 4;
	if (udp) {
		q[11] = 1;
		q[o] = 0;
		dns_wr16(q + o + 1, DNS_T_OPT);
		dns_wr16(q + o + 3, udp);
		dns_wr32(q + o + 5, do_bit ? DNS_EDNS_DO : 0);
		dns_wr16(q + o + 9, 0);
		o += 11;
	}
	return o;
}

static const struct {
	const char *name;
	uint16_t type;
} fixed[4] = {
	{ "www.example.org", DNS_T_A },
	{ "example.org", DNS_T_AAAA },
	{ "pi.flat2.int.example", DNS_T_A },
	{ "7.0.2.10.in-addr.arpa", DNS_T_PTR },
};

static void through_engine(uint8_t sel, const uint8_t *reply, size_t len)
{
	static uint8_t out[65536];
	uint8_t name[DNS_NAME_MAX], q[400];
	uint16_t udp = sel & 4 ? 1232 : sel & 8 ? 600 : 0;
	struct dns_request req;
	size_t qn, n;
	int nl = dns_name_from_str(fixed[sel & 3].name, name, sizeof(name));

	dns_cache_flush(eng.cache);
	/* Every input starts with the site's resolver up. */
	dns_fwd_report(eng.fwd, &site, 53, S(0), true);
	qn = mkquery(q, name, (size_t)nl, fixed[sel & 3].type, DNS_C_IN, udp, sel & 16);
	if (dns_engine_query(&eng, S(0), q, qn, false, &req, out, sizeof(out), &n) !=
	    DNS_FORWARD)
		abort();
	if (dns_engine_reply(&eng, S(0), &req, reply, len, out, sizeof(out), &n) == DNS_REPLY)
		check(out, n, 0x1234, req.limit);
	/* Later: from the cache if it was kept, else forwarded again. */
	if (dns_engine_query(&eng, S(1), q, qn, false, &req, out, sizeof(out), &n) == DNS_REPLY)
		check(out, n, 0x1234, req.limit);
	/* Much later, upstream down: stale or SERVFAIL. */
	if (dns_engine_query(&eng, S(50), q, qn, sel & 32, &req, out, sizeof(out), &n) ==
	    DNS_FORWARD) {
		if (dns_engine_fail(&eng, S(50), &req, out, sizeof(out), &n) != DNS_REPLY)
			abort();
		check(out, n, 0x1234, req.limit);
	} else {
		check(out, n, 0x1234, req.limit);
	}
}

static void straight_in(uint8_t sel, const uint8_t *reply, size_t len)
{
	static uint8_t out[65536];
	static const size_t limits[3] = { 512, 1232, 65535 };
	uint8_t name[DNS_NAME_MAX], nlen, q[400];
	uint16_t type, cls;
	struct dns_query dq;
	size_t off = 12, qn;

	if (len < 12 || dns_question_parse(reply, len, &off, name, &nlen, &type, &cls))
		return;
	qn = mkquery(q, name, nlen, type, cls, sel & 64 ? 1232 : 0, sel & 16);
	if (dns_query_parse(q, qn, &dq) || dq.rcode != DNS_RC_NOERROR)
		return;
	if (reply[3] & DNS_F_CD)
		dq.hdr.flags |= DNS_F_CD;
	dns_cache_flush(eng.cache);
	dns_rebind_check(eng.rebind, reply, len, NULL, NULL);
	if (dns_cache_insert(eng.cache, S(0), &dq, reply, len))
		return;
	for (int i = 0; i < 3; i++) {
		size_t n = dns_cache_answer(eng.cache, S(i * 40), &dq, i == 2, 1232, limits[i],
					    out, sizeof(out));

		if (n)
			check(out, n, 0x1234, limits[i]);
		else if (i == 0)
			abort();	/* just stored, fresh: must hit */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		init();
		ready = true;
	}
	if (size < 1)
		return 0;
	through_engine(data[0], data + 1, size - 1);
	straight_in(data[0], data + 1, size - 1);
	return 0;
}
