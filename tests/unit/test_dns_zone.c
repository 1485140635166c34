/* dns/zone: static records, CNAME chasing, NXDOMAIN against NODATA and
 * empty non-terminals, synthesised SOA and NS, reverse zones (v4 and v6)
 * from the same data, and names with an expiry on a fake clock. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/rev.h"
#include "dns/zone.h"
#include "tests/unit/testutil.h"

#define S(x) ((uint64_t)(x) * 1000000000ULL)

static const uint8_t key[16] = "zone-test-key!!";

static const char *records[] = {
	"printer A 192.168.1.20",
	"printer AAAA fd00:1::20",
	"www 300 CNAME printer",
	"ext CNAME www.example.org.",
	"loop1 CNAME loop2",
	"loop2 CNAME loop1",
	"dangling CNAME nothere",
	"nodata CNAME printer",
	"txt TXT \"hello world\"",
	"@ MX 10 mail",
	"_ipp._tcp SRV 0 0 631 printer",
	"a.b.c A 192.168.1.30",
	"nas.flat1.int.example. 120 IN A 10.2.3.4",
};

static struct zone_db *db;

static int setup(void **state)
{
	struct zone_params p;
	struct mg_prefix pfx;
	struct mg_addr a;
	char err[128];

	zone_params_default(&p);
	p.ns_name = "gw1.flat1.int.example";
	p.serial = 1000;
	p.neg_ttl = 30;
	db = zone_db_new(&p, key);
	assert_non_null(db);
	assert_int_equal(zone_add_domain(db, "flat1.int.example"), 0);
	assert_int_equal(zone_add_domain(db, "mesh.int.example"), 0);
	assert_int_equal(zone_add_domain(db, "FLAT1.int.example."), -EEXIST);
	assert_int_equal(mg_prefix_parse("192.168.1.0/24", false, &pfx), 0);
	assert_int_equal(zone_add_subnet(db, &pfx), 0);
	assert_int_equal(mg_prefix_parse("10.2.0.0/16", false, &pfx), 0);
	assert_int_equal(zone_add_subnet(db, &pfx), 0);
	assert_int_equal(mg_prefix_parse("fd00:1::/64", false, &pfx), 0);
	assert_int_equal(zone_add_subnet(db, &pfx), 0);
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		assert_int_equal(zone_add_record(db, records[i], err, sizeof(err)), 0);
	assert_int_equal(mg_addr_parse("192.168.1.1", &a), 0);
	assert_int_equal(zone_add_addr(db, "gw1", &a), 0);
	return 0;
}

static int teardown(void **state)
{
	zone_db_free(db);
	return 0;
}

static enum zone_status look(const char *name, uint16_t type, uint64_t now,
			     struct zone_result *r)
{
	uint8_t w[DNS_NAME_MAX];
	int n = dns_name_from_str(name, w, sizeof(w));

	assert_true(n > 0);
	return zone_lookup(db, w, (size_t)n, type, now, r);
}

static void assert_name(const uint8_t *w, size_t len, const char *want)
{
	char s[DNS_NAME_STRLEN];

	assert_string_equal(dns_name_to_str(w, len, s, sizeof(s)), want);
}

static void assert_soa(const struct zone_result *r, const char *apex)
{
	assert_int_equal(r->nns, 1);
	assert_int_equal(r->ns[0].type, DNS_T_SOA);
	assert_name(r->ns[0].owner, r->ns[0].owner_len, apex);
	assert_int_equal(r->ns[0].ttl, 30);	/* the SOA minimum */
	assert_int_equal(dns_rd32(r->ns[0].rdata + r->ns[0].rdlen - 4), 30);
}

static void test_exact(void **state)
{
	struct zone_result r;

	assert_int_equal(look("printer.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_null(r.an[0].owner);	/* the question's own name */
	assert_int_equal(r.an[0].type, DNS_T_A);
	assert_int_equal(r.an[0].ttl, 3600);
	assert_memory_equal(r.an[0].rdata, "\300\250\001\024", 4);
	assert_int_equal(r.nns, 0);

	assert_int_equal(look("printer.flat1.int.example", DNS_T_AAAA, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_int_equal(r.an[0].rdlen, 16);
	assert_int_equal(look("printer.flat1.int.example", DNS_T_ANY, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 2);

	assert_int_equal(look("nas.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.an[0].ttl, 120);
	assert_int_equal(look("txt.flat1.int.example", DNS_T_TXT, 0, &r), ZONE_ANSWER);
	assert_memory_equal(r.an[0].rdata, "\013hello world", 12);
	assert_int_equal(look("_ipp._tcp.flat1.int.example", DNS_T_SRV, 0, &r), ZONE_ANSWER);
	assert_int_equal(dns_rd16(r.an[0].rdata + 4), 631);
	assert_int_equal(look("gw1.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
}

static void test_apex(void **state)
{
	struct zone_result r;

	assert_int_equal(look("flat1.int.example", DNS_T_SOA, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_name(r.an[0].rdata, 23, "gw1.flat1.int.example.");
	assert_int_equal(dns_rd32(r.an[0].rdata + r.an[0].rdlen - 20), zone_serial(db));
	assert_int_equal(look("flat1.int.example", DNS_T_NS, 0, &r), ZONE_ANSWER);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "gw1.flat1.int.example.");
	assert_int_equal(look("flat1.int.example", DNS_T_MX, 0, &r), ZONE_ANSWER);
	assert_int_equal(dns_rd16(r.an[0].rdata), 10);
	assert_int_equal(look("flat1.int.example", DNS_T_A, 0, &r), ZONE_NODATA);
	assert_int_equal(r.nan, 0);
	assert_soa(&r, "flat1.int.example.");
	assert_int_equal(look("flat1.int.example", DNS_T_ANY, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 3);	/* SOA, NS, MX */
	/* The other zone has its own apex. */
	assert_int_equal(look("mesh.int.example", DNS_T_SOA, 0, &r), ZONE_ANSWER);
	assert_int_equal(look("x.mesh.int.example", DNS_T_A, 0, &r), ZONE_NXDOMAIN);
	assert_soa(&r, "mesh.int.example.");
}

static void test_negative(void **state)
{
	struct zone_result r;

	assert_int_equal(look("printer.flat1.int.example", DNS_T_MX, 0, &r), ZONE_NODATA);
	assert_int_equal(r.nan, 0);
	assert_soa(&r, "flat1.int.example.");
	assert_int_equal(look("nothere.flat1.int.example", DNS_T_A, 0, &r), ZONE_NXDOMAIN);
	assert_int_equal(r.nan, 0);
	assert_soa(&r, "flat1.int.example.");
	assert_int_equal(look("x.printer.flat1.int.example", DNS_T_A, 0, &r), ZONE_NXDOMAIN);

	/* Empty non-terminals exist: NODATA, not NXDOMAIN. */
	assert_int_equal(look("b.c.flat1.int.example", DNS_T_A, 0, &r), ZONE_NODATA);
	assert_soa(&r, "flat1.int.example.");
	assert_int_equal(look("c.flat1.int.example", DNS_T_A, 0, &r), ZONE_NODATA);
	assert_int_equal(look("_tcp.flat1.int.example", DNS_T_SRV, 0, &r), ZONE_NODATA);
	assert_int_equal(look("zz.c.flat1.int.example", DNS_T_A, 0, &r), ZONE_NXDOMAIN);
	assert_int_equal(look("a.b.c.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);

	/* Outside: the caller forwards. */
	assert_int_equal(look("example.org", DNS_T_A, 0, &r), ZONE_NOT_OURS);
	assert_int_equal(look("int.example", DNS_T_A, 0, &r), ZONE_NOT_OURS);
	assert_int_equal(look("xflat1.int.example", DNS_T_A, 0, &r), ZONE_NOT_OURS);
	assert_int_equal(r.nan + r.nns, 0);
}

static void test_cname(void **state)
{
	struct zone_result r;

	assert_int_equal(look("www.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 2);
	assert_null(r.an[0].owner);
	assert_int_equal(r.an[0].type, DNS_T_CNAME);
	assert_int_equal(r.an[0].ttl, 300);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "printer.flat1.int.example.");
	assert_name(r.an[1].owner, r.an[1].owner_len, "printer.flat1.int.example.");
	assert_int_equal(r.an[1].type, DNS_T_A);

	/* Asked for the CNAME itself, or for anything: no chasing. */
	assert_int_equal(look("www.flat1.int.example", DNS_T_CNAME, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_int_equal(look("www.flat1.int.example", DNS_T_ANY, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);

	/* Target elsewhere: the CNAME alone. */
	assert_int_equal(look("ext.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_int_equal(r.nns, 0);

	/* Target missing: NXDOMAIN for the last name (RFC 6604), CNAME kept. */
	assert_int_equal(look("dangling.flat1.int.example", DNS_T_A, 0, &r), ZONE_NXDOMAIN);
	assert_int_equal(r.nan, 1);
	assert_soa(&r, "flat1.int.example.");
	/* Target without that type: NODATA after the CNAME. */
	assert_int_equal(look("nodata.flat1.int.example", DNS_T_TXT, 0, &r), ZONE_NODATA);
	assert_int_equal(r.nan, 1);

	/* A loop stops. */
	assert_int_equal(look("loop1.flat1.int.example", DNS_T_A, 0, &r), ZONE_ANSWER);
	assert_int_equal(r.nan, ZONE_CHASE_MAX);
}

static void rev_look(const char *addr, uint16_t type, uint64_t now, struct zone_result *r,
		     enum zone_status want)
{
	struct mg_addr a;
	uint8_t w[DNS_NAME_MAX];
	size_t n;

	assert_int_equal(mg_addr_parse(addr, &a), 0);
	n = dns_rev_name(&a, w);
	assert_int_equal(zone_lookup(db, w, n, type, now, r), want);
}

static void test_reverse(void **state)
{
	struct zone_result r;

	rev_look("192.168.1.20", DNS_T_PTR, 0, &r, ZONE_ANSWER);
	assert_int_equal(r.nan, 1);
	assert_int_equal(r.an[0].type, DNS_T_PTR);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "printer.flat1.int.example.");
	rev_look("192.168.1.1", DNS_T_PTR, 0, &r, ZONE_ANSWER);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "gw1.flat1.int.example.");
	rev_look("192.168.1.20", DNS_T_A, 0, &r, ZONE_NODATA);
	/* In the subnet, no name: NXDOMAIN with the reverse zone's SOA. */
	rev_look("192.168.1.99", DNS_T_PTR, 0, &r, ZONE_NXDOMAIN);
	assert_soa(&r, "1.168.192.in-addr.arpa.");
	/* Not our subnet. */
	rev_look("192.168.2.20", DNS_T_PTR, 0, &r, ZONE_NOT_OURS);

	/* A /16: the names between apex and host are empty non-terminals. */
	rev_look("10.2.3.4", DNS_T_PTR, 0, &r, ZONE_ANSWER);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "nas.flat1.int.example.");
	assert_int_equal(look("3.2.10.in-addr.arpa", DNS_T_PTR, 0, &r), ZONE_NODATA);
	assert_soa(&r, "2.10.in-addr.arpa.");
	assert_int_equal(look("9.2.10.in-addr.arpa", DNS_T_PTR, 0, &r), ZONE_NXDOMAIN);
	assert_int_equal(look("2.10.in-addr.arpa", DNS_T_SOA, 0, &r), ZONE_ANSWER);

	/* IPv6 by nibbles. */
	rev_look("fd00:1::20", DNS_T_PTR, 0, &r, ZONE_ANSWER);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "printer.flat1.int.example.");
	rev_look("fd00:1::21", DNS_T_PTR, 0, &r, ZONE_NXDOMAIN);
	assert_soa(&r, "0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.");
	rev_look("fd00:2::20", DNS_T_PTR, 0, &r, ZONE_NOT_OURS);
}

static void test_dynamic(void **state)
{
	struct zone_result r;
	struct mg_addr a, b, m6;
	uint32_t serial = zone_serial(db);

	assert_int_equal(mg_addr_parse("192.168.1.50", &a), 0);
	assert_int_equal(mg_addr_parse("192.168.1.51", &b), 0);
	assert_int_equal(mg_addr_parse("fd00:1::77", &m6), 0);
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_A, S(1), &r), ZONE_NXDOMAIN);
	assert_int_equal(zone_dyn_set(db, "laptop", &a, S(100)), 0);
	assert_true(zone_serial(db) > serial);
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_A, S(50), &r), ZONE_ANSWER);
	assert_int_equal(r.an[0].ttl, 60);
	assert_memory_equal(r.an[0].rdata, a.u.bytes, 4);
	rev_look("192.168.1.50", DNS_T_PTR, S(50), &r, ZONE_ANSWER);
	assert_name(r.an[0].rdata, r.an[0].rdlen, "laptop.flat1.int.example.");

	/* Expired: gone at once, before zone_expire() frees it. */
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_A, S(100), &r), ZONE_NXDOMAIN);
	rev_look("192.168.1.50", DNS_T_PTR, S(100), &r, ZONE_NXDOMAIN);

	/* Renewed at another address: the PTR moves. */
	assert_int_equal(zone_dyn_set(db, "laptop", &b, S(200)), 0);
	rev_look("192.168.1.50", DNS_T_PTR, S(150), &r, ZONE_NXDOMAIN);
	rev_look("192.168.1.51", DNS_T_PTR, S(150), &r, ZONE_ANSWER);
	assert_int_equal(zone_dyn_set(db, "laptop", &m6, S(300)), 0);
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_ANY, S(150), &r), ZONE_ANSWER);
	assert_int_equal(r.nan, 2);
	assert_int_equal(zone_expire(db, S(150)), S(200));
	assert_int_equal(zone_expire(db, S(200)), S(300));
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_A, S(200), &r), ZONE_NODATA);
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_AAAA, S(200), &r), ZONE_ANSWER);
	assert_int_equal(zone_dyn_remove(db, "laptop.flat1.int.example", AF_INET6), 0);
	assert_int_equal(look("laptop.flat1.int.example", DNS_T_AAAA, S(200), &r), ZONE_NXDOMAIN);
	assert_int_equal(zone_dyn_remove(db, "laptop", AF_UNSPEC), -ENOENT);
	assert_int_equal(zone_expire(db, S(400)), UINT64_MAX);

	/* Static data wins; only our zones. */
	assert_int_equal(zone_dyn_set(db, "printer", &a, S(100)), -EEXIST);
	assert_int_equal(zone_dyn_set(db, "www", &a, S(100)), -EEXIST);
	assert_int_equal(zone_dyn_set(db, "host.example.org", &a, S(100)), -ENOENT);
	assert_int_equal(zone_dyn_set(db, "bad..name", &a, S(100)), -EINVAL);

	/* Mesh members, deeper names: their parents become empty
	 * non-terminals and go again with them. */
	assert_int_equal(zone_dyn_set(db, "pi.flat2.mesh.int.example", &b, UINT64_MAX), 0);
	assert_int_equal(look("pi.flat2.mesh.int.example", DNS_T_A, S(500), &r), ZONE_ANSWER);
	assert_int_equal(look("flat2.mesh.int.example", DNS_T_A, S(500), &r), ZONE_NODATA);
	assert_int_equal(zone_dyn_remove(db, "pi.flat2.mesh.int.example", AF_UNSPEC), 0);
	assert_int_equal(look("flat2.mesh.int.example", DNS_T_A, S(500), &r), ZONE_NXDOMAIN);
	rev_look("192.168.1.51", DNS_T_PTR, S(500), &r, ZONE_NXDOMAIN);
}

static void test_errors(void **state)
{
	char err[128];

	assert_int_equal(zone_add_record(db, "bad A 999.1.1.1", err, sizeof(err)), -EINVAL);
	assert_true(err[0]);
	assert_int_equal(zone_add_record(db, "x NS ns.example.org.", err, sizeof(err)),
			 -EPROTONOSUPPORT);
	assert_int_equal(zone_add_record(db, "x.example.org. A 1.2.3.4", err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(zone_add_record(db, "x CH A 1.2.3.4", err, sizeof(err)), -EINVAL);
	/* A CNAME shares its name with nothing, either way round. */
	assert_int_equal(zone_add_record(db, "printer CNAME www", err, sizeof(err)), -EEXIST);
	assert_int_equal(zone_add_record(db, "www A 1.2.3.4", err, sizeof(err)), -EEXIST);
	assert_int_equal(zone_add_record(db, "@ CNAME www", err, sizeof(err)), -EEXIST);
	/* The same record twice is one record. */
	assert_int_equal(zone_add_record(db, "printer A 192.168.1.20", err, sizeof(err)), 0);
	assert_int_equal(zone_add_record(db, "www CNAME printer", err, sizeof(err)), 0);
	assert_int_equal(zone_add_record(db, "", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
