/* The whole pure query pipeline on arbitrary bytes, against a small zone,
 * forwarding rules and a warm cache. The first byte picks the transport
 * (bit 0: TCP), whether an upstream failure follows a forward (bit 1) and
 * the clock (bits 2-7, ten seconds a step, so cached entries are fresh,
 * stale or gone). Whatever is answered must be a well-formed reply with
 * the query's id that fits the client. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S(x) ((uint64_t)(x) * 1000000000ULL)

static const uint8_t key[16] = "fuzz-query-key!";
static struct dns_engine eng;

/* A reply from upstream for name/type with one record, built by hand. */
static size_t upstream(uint8_t *b, const char *name, uint16_t type, uint32_t ttl,
		       const uint8_t *rdata, uint16_t rdlen)
{
	int n = dns_name_from_str(name, b + 12, 255);
	size_t o = 12 + (size_t)n;

	memcpy(b, "\0\0\x81\x80\0\1\0\1\0\0\0\0", 12);
	dns_wr16(b + o, type);
	dns_wr16(b + o + 2, 1);
	o += 4;
	dns_wr16(b + o, 0xc00c);
	dns_wr16(b + o + 2, type);
	dns_wr16(b + o + 4, 1);
	dns_wr32(b + o + 6, ttl);
	dns_wr16(b + o + 10, rdlen);
	memcpy(b + o + 12, rdata, rdlen);
	return o + 12 + rdlen;
}

static void warm(const char *name, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		 uint16_t rdlen)
{
	uint8_t q[300], r[600], out[600];
	struct dns_request req;
	size_t qn, rn, n;
	int len = dns_name_from_str(name, q + 12, 255);

	memcpy(q, "\0\1\1\0\0\1\0\0\0\0\0\0", 12);
	qn = 12 + (size_t)len;
	dns_wr16(q + qn, type);
	dns_wr16(q + qn + 2, 1);
	qn += 4;
	if (dns_engine_query(&eng, 0, q, qn, false, &req, out, sizeof(out), &n) != DNS_FORWARD)
		abort();
	rn = upstream(r, name, type, ttl, rdata, rdlen);
	if (dns_engine_reply(&eng, 0, &req, r, rn, out, sizeof(out), &n) != DNS_REPLY)
		abort();
}

static void init(void)
{
	static const char *recs[] = {
		"printer A 192.168.1.20", "printer AAAA fd00:1::20", "www CNAME printer",
		"ext CNAME www.example.org.", "txt TXT \"hello\"", "@ MX 10 mail",
		"_ipp._tcp SRV 0 0 631 printer", "a.b.c A 192.168.1.30",
	};
	struct zone_params zp;
	struct dns_cache_conf cc;
	struct dns_fwd_conf fc;
	struct dns_engine_conf ec;
	struct zone_db *z;
	struct mg_prefix p;
	struct mg_addr a;
	struct dns_fwd *f;

	zone_params_default(&zp);
	z = zone_db_new(&zp, key);
	zone_add_domain(z, "flat1.int.example");
	mg_prefix_parse("192.168.1.0/24", false, &p);
	zone_add_subnet(z, &p);
	mg_prefix_parse("fd00:1::/64", false, &p);
	zone_add_subnet(z, &p);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		if (zone_add_record(z, recs[i], NULL, 0))
			abort();
	mg_addr_parse("192.168.1.50", &a);
	zone_dyn_set(z, "laptop", &a, S(300));
	dns_cache_conf_default(&cc);
	cc.max_entries = 64;
	cc.max_bytes = 64 * 512;
	cc.stale_window = 300;
	memcpy(cc.hash_key, key, 16);
	dns_fwd_conf_default(&fc);
	f = dns_fwd_new(&fc, key);
	mg_addr_parse("10.2.0.53", &a);
	dns_fwd_add_domain(f, "flat2.int.example", &a, 53, DNS_FWD_LEARNED, "flat2");
	mg_prefix_parse("10.2.0.0/24", false, &p);
	dns_fwd_add_rev(f, &p, &a, 53, DNS_FWD_LEARNED, "flat2");
	dns_engine_conf_default(&ec);
	dns_engine_init(&eng, &ec);
	eng.zones = z;
	eng.cache = dns_cache_new(&cc);
	eng.fwd = f;
	eng.rebind = dns_rebind_new(key);
	if (!z || !eng.cache || !f || !eng.rebind)
		abort();
	warm("www.example.org", 1, 300, (const uint8_t *)"\x5d\xb8\xd8\x22", 4);
	warm("example.org", 28, 60, (const uint8_t *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1",
	     16);
	warm("pi.flat2.int.example", 1, 120, (const uint8_t *)"\x0a\x02\x00\x07", 4);
	warm("7.0.2.10.in-addr.arpa", 12, 120,
	     (const uint8_t *)"\x02pi\x05" "flat2\x03int\x07" "example", 22);
}

static void check(const uint8_t *q, size_t qlen, const uint8_t *out, size_t n,
		  const struct dns_request *req, size_t cap)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	int r;

	if (n < 12 || n > cap || qlen < 2 || memcmp(out, q, 2) || !(out[2] & 0x80))
		abort();
	if (!req->tcp && n > req->limit)
		abort();
	if (dns_rr_iter_init(&it, out, n))
		abort();
	while ((r = dns_rr_next(&it, &rr)) > 0)
		;
	if (r < 0 || it.off != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	static bool ready;
	struct dns_request req;
	enum dns_verdict v;
	uint64_t now;
	size_t n;

	if (!ready) {
		init();
		ready = true;
	}
	if (size < 1)
		return 0;
	now = S((data[0] >> 2) * 10);
	v = dns_engine_query(&eng, now, data + 1, size - 1, data[0] & 1, &req, out, sizeof(out),
			     &n);
	if (v == DNS_REPLY)
		check(data + 1, size - 1, out, n, &req, sizeof(out));
	if (v == DNS_FORWARD) {
		uint8_t up[600];

		if (!dns_request_upstream(&eng, &req, 7, up, sizeof(up)))
			abort();
		if (data[0] & 2) {
			if (dns_engine_fail(&eng, now, &req, out, sizeof(out), &n) != DNS_REPLY)
				abort();
			check(data + 1, size - 1, out, n, &req, sizeof(out));
			/* Bring the site back, so the next input forwards again. */
			if (req.has_server)
				dns_fwd_report(eng.fwd, &req.server, req.port, now, true);
		}
	}
	return 0;
}
