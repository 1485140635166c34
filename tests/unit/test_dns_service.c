/* daemon/dns: the service as the daemon drives it, on the real loop with
 * its sockets on 127.0.0.1 (a free port), queried through its engine. The
 * zones built from [site] and [dns]; the mesh's hooks (other sites become
 * learned rules, the same set again keeps each server's state, our own
 * site is skipped; members in the mesh zone); DHCP lease names; a reload
 * that swaps the zones and keeps the cache, the learned rules, the leases
 * and the members; and a reload without listen addresses and back. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <errno.h>
#include <ldns/ldns.h>

#include "core/loop.h"
#include "daemon/dns_impl.h"
#include "dns/forward.h"
#include "tests/unit/testutil.h"

static struct loop *loop;
static struct mg_conf *conf;
static struct dns_service *svc;

static void base_conf(struct mg_conf *c, const char *records)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(conf_parse_string(c, "test", "[node]\nname = gw1\n", NULL, NULL), 0);
	snprintf(c->site.name, sizeof(c->site.name), "a");
	snprintf(c->site.domain, sizeof(c->site.domain), "a.example");
	assert_int_equal(mg_prefix_parse("192.168.1.0/24", false, &c->site.subnet.v[0]), 0);
	c->site.subnet.n = 1;
	assert_int_equal(mg_prefix_parse("10.77.0.1/16", true, &c->mesh.address.v[0]), 0);
	c->mesh.address.n = 1;
	assert_int_equal(mg_addr_parse("127.0.0.1", &c->dns.listen.v[0]), 0);
	c->dns.listen.n = 1;
	c->dns.port = 0;		/* a free one */
	assert_int_equal(mg_addr_parse("127.0.0.1", &c->dns.upstream.v[0]), 0);
	c->dns.upstream.n = 1;
	snprintf(c->dns.mesh_domain, sizeof(c->dns.mesh_domain), "mesh.test");
	snprintf(c->dns.record, sizeof(c->dns.record), "%s", records);
}

static int setup(void **state)
{
	assert_int_equal(loop_new(&loop), 0);
	conf = calloc(1, sizeof(*conf));
	base_conf(conf, "printer A 192.168.1.5, www CNAME printer");
	assert_int_equal(dns_service_new(loop, conf, &svc), 0);
	assert_true(dns_service_serving(svc));
	return 0;
}

static int teardown(void **state)
{
	dns_service_free(svc);
	loop_free(loop);
	free(conf);
	return 0;
}

/* The rcode, and the first answer's data as text in buf (or ""). */
static int ask(const char *name, ldns_rr_type type, char *buf, size_t len)
{
	static struct dns_request req;
	uint8_t q[512], out[4096];
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0, on = 0;
	int rc;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	memcpy(q, wire, n);
	free(wire);
	ldns_pkt_free(p);
	assert_int_equal(dns_engine_query(&svc->engine, loop_now(loop), q, n, false, &req, out,
					  sizeof(out), &on), DNS_REPLY);
	assert_int_equal(ldns_wire2pkt(&p, out, on), LDNS_STATUS_OK);
	rc = ldns_pkt_get_rcode(p);
	buf[0] = '\0';
	if (ldns_pkt_ancount(p)) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), ldns_pkt_ancount(p) - 1);
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));

		snprintf(buf, len, "%s", s);
		free(s);
	}
	ldns_pkt_free(p);
	return rc;
}

static struct dns_fwd_rule *rule_for(const char *name)
{
	uint8_t wire[DNS_NAME_MAX];
	int n = dns_name_from_str(name, wire, sizeof(wire));

	assert_true(n > 0);
	return dns_fwd_match(svc->fwd, wire, (size_t)n);
}

static void expect(const char *name, ldns_rr_type type, int rcode, const char *data)
{
	char buf[256];

	assert_int_equal(ask(name, type, buf, sizeof(buf)), rcode);
	assert_string_equal(buf, data);
}

static void test_zones(void **state)
{
	expect("printer.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.5");
	expect("www.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.5");
	expect("5.1.168.192.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NOERROR,
	       "printer.a.example.");
	expect("nothere.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	/* The gateway in the mesh zone and its reverse. */
	expect("gw1.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.1");
	expect("1.0.77.10.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NOERROR, "gw1.mesh.test.");
	assert_int_equal(dns_fwd_count(svc->fwd), 0);
}

static bool only_gw4(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "gw4") == 0;
}

static void test_members(void **state)
{
	struct mg_addr a[3];

	assert_int_equal(mg_addr_parse("10.77.0.2", &a[0]), 0);
	assert_int_equal(mg_addr_parse("fd77::2", &a[1]), 0);
	assert_int_equal(mg_addr_parse("10.77.0.99", &a[2]), 0);
	dns_service_set_member(svc, "gw2", a, 3);
	expect("gw2.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.2");
	expect("GW2.mesh.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, "fd77::2");
	expect("2.0.77.10.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NOERROR, "gw2.mesh.test.");
	/* New addresses replace the old ones. */
	dns_service_set_member(svc, "gw2", &a[2], 1);
	expect("gw2.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.99");
	expect("gw2.mesh.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, "");
	dns_service_remove_member(svc, "gw2");
	expect("gw2.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	/* Not a label: ignored. */
	dns_service_set_member(svc, "evil.a.example", a, 1);
	expect("evil.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	expect("evil.a.example.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	/* Pruning keeps the names it is told to, the others go. */
	dns_service_set_member(svc, "gw3", &a[0], 1);
	dns_service_set_member(svc, "gw4", &a[2], 1);
	dns_service_prune_members(svc, only_gw4, NULL);
	expect("gw3.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	expect("gw4.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.99");
}

static void test_sites(void **state)
{
	struct mg_prefix pb, pa;
	struct dns_site sites[3];
	const struct dns_fwd_rule *r;
	uint64_t now = loop_now(loop);

	assert_int_equal(mg_prefix_parse("192.168.2.0/24", false, &pb), 0);
	assert_int_equal(mg_prefix_parse("192.168.1.0/24", false, &pa), 0);
	memset(sites, 0, sizeof(sites));
	sites[0] = (struct dns_site){ .name = "b", .domain = "b.example", .subnets = &pb,
				      .nsubnets = 1 };
	assert_int_equal(mg_addr_parse("10.77.0.2", &sites[0].resolver), 0);
	sites[1] = sites[0];	/* site b's second gateway */
	assert_int_equal(mg_addr_parse("10.77.0.3", &sites[1].resolver), 0);
	/* Our own site, as the mesh lists it too: skipped. */
	sites[2] = (struct dns_site){ .name = "a", .domain = "a.example", .subnets = &pa,
				      .nsubnets = 1 };
	assert_int_equal(mg_addr_parse("10.77.0.4", &sites[2].resolver), 0);
	dns_service_set_sites(svc, sites, 3);
	assert_int_equal(dns_fwd_count(svc->fwd), 2);
	r = rule_for("x.b.example");
	assert_non_null(r);
	assert_int_equal(r->origin, DNS_FWD_LEARNED);
	assert_string_equal(r->tag, "b");
	assert_int_equal(r->nservers, 2);
	assert_int_equal(r->servers[0].port, 53);
	assert_non_null(rule_for("7.2.168.192.in-addr.arpa"));
	assert_null(rule_for("www.a.example"));
	assert_null(rule_for("5.1.168.192.in-addr.arpa"));
	/* Our own names stay ours. */
	expect("printer.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.5");

	/* Mark 10.77.0.2 down; the same set again keeps that. */
	dns_fwd_report(svc->fwd, &sites[0].resolver, 53, now, false);
	dns_fwd_report(svc->fwd, &sites[0].resolver, 53, now, false);
	r = rule_for("b.example");
	assert_true(r->servers[0].down_until > 0);
	dns_service_set_sites(svc, sites, 3);
	r = rule_for("b.example");
	assert_true(r->servers[0].down_until > 0);
	/* Another set replaces it. */
	dns_service_set_sites(svc, sites + 1, 1);
	assert_int_equal(dns_fwd_count(svc->fwd), 2);
	r = rule_for("b.example");
	assert_int_equal(r->nservers, 1);
	assert_int_equal(r->servers[0].down_until, 0);
}

static void test_leases(void **state)
{
	uint64_t later = (uint64_t)time(NULL) + 3600;

	dns_service_lease_name(svc, "laptop", 0xc0a80164, later);
	expect("laptop.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.100");
	expect("100.1.168.192.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NOERROR,
	       "laptop.a.example.");
	/* Gone from another address: the name moved on, it stays. */
	dns_service_lease_name_gone(svc, "laptop", 0xc0a80165);
	expect("laptop.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.100");
	dns_service_lease_name_gone(svc, "laptop", 0xc0a80164);
	expect("laptop.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	/* Static names win; names with dots are not a lease's. */
	dns_service_lease_name(svc, "printer", 0xc0a80166, later);
	expect("printer.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.5");
	assert_int_equal(dns_service_set_host(svc, "x.mesh.test", &(struct mg_addr){
		.family = AF_INET }, UINT64_MAX), -EINVAL);
	dns_service_lease_name(svc, "phone", 0xc0a80167, later);
}

static void test_reload(void **state)
{
	struct mg_conf *next = calloc(1, sizeof(*next));
	struct dns_cache *cache = svc->cache;
	struct mg_addr a;

	assert_int_equal(mg_addr_parse("10.77.0.5", &a), 0);
	dns_service_set_member(svc, "gw5", &a, 1);
	base_conf(next, "printer A 192.168.1.6, nas A 192.168.1.7");
	assert_int_equal(dns_service_reload(svc, next), 0);
	assert_true(dns_service_serving(svc));
	expect("printer.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.6");
	expect("nas.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.7");
	expect("www.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "");
	/* Kept: the cache, the lease, the member, the learned rules. */
	assert_ptr_equal(svc->cache, cache);
	expect("phone.a.example", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "192.168.1.103");
	expect("gw5.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.5");
	assert_int_equal(dns_fwd_count(svc->fwd), 2);
	/* A manual rule for the learned domain comes first. */
	snprintf(next->dns.server, sizeof(next->dns.server), "/b.example/10.9.9.9");
	assert_int_equal(dns_service_reload(svc, next), 0);
	assert_int_equal(dns_fwd_count(svc->fwd), 3);
	assert_int_equal(rule_for("b.example")->origin, DNS_FWD_MANUAL);
	/* Another cache size: a new, empty cache. */
	next->dns.cache_size = 77;
	next->dns.cache_bytes = 65536;
	assert_int_equal(dns_service_reload(svc, next), 0);
	assert_ptr_not_equal(svc->cache, NULL);
	free(next);
}

static void test_off_and_on(void **state)
{
	struct mg_conf *next = calloc(1, sizeof(*next));
	struct mg_addr a;

	base_conf(next, "");
	next->dns.listen.n = 0;
	assert_int_equal(dns_service_reload(svc, next), 0);
	assert_false(dns_service_serving(svc));
	assert_null(svc->zones);
	/* The mesh goes on telling it things. */
	assert_int_equal(mg_addr_parse("10.77.0.6", &a), 0);
	dns_service_set_member(svc, "gw6", &a, 1);
	assert_int_equal(dns_service_set_host(svc, "late", &a, UINT64_MAX), -ENOENT);
	base_conf(next, "");
	assert_int_equal(dns_service_reload(svc, next), 0);
	assert_true(dns_service_serving(svc));
	expect("gw6.mesh.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "10.77.0.6");
	assert_int_equal(dns_fwd_count(svc->fwd), 2);
	free(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_leases),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_off_and_on),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
