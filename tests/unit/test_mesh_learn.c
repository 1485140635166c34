/* daemon/mesh_learn: which records become DNS forwarding rules and DHCP
 * routes, and which member names the DNS service is given and loses. The
 * DNS service is faked here: mesh_learn.c only sets and prunes names. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "daemon/mesh_learn.h"

/* ---- the fake DNS service: the names it holds ---- */

static char held[16][WIRE_LABEL_MAX + 1];
static size_t nheld, sets, removes;

void dns_service_set_member(struct dns_service *s, const char *name, const struct mg_addr *addrs,
			    size_t n)
{
	(void)s;
	(void)addrs;
	(void)n;
	sets++;
	for (size_t i = 0; i < nheld; i++)
		if (!strcmp(held[i], name))
			return;
	snprintf(held[nheld++], sizeof(held[0]), "%s", name);
}

void dns_service_prune_members(struct dns_service *s, bool (*keep)(const char *name, void *arg),
			       void *arg)
{
	(void)s;
	for (size_t i = 0; i < nheld; )
		if (keep(held[i], arg)) {
			i++;
		} else {
			memmove(held[i], held[i + 1], (nheld - i - 1) * sizeof(held[0]));
			nheld--;
			removes++;
		}
}

static bool holds(const char *name)
{
	for (size_t i = 0; i < nheld; i++)
		if (!strcmp(held[i], name))
			return true;
	return false;
}

/* ---- records ---- */

static void pfx(struct mg_prefix *p, const char *text)
{
	assert_int_equal(mg_prefix_parse(text, true, p), 0);
}

static struct record rec(const char *name, const char *site, uint8_t role, const char *mesh,
			 const char *domain)
{
	struct record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.site, sizeof(r.site), "%s", site);
	snprintf(r.domain, sizeof(r.domain), "%s", domain);
	r.role = role;
	if (mesh) {
		pfx(&r.mesh[0], mesh);
		r.n_mesh = 1;
	}
	return r;
}

static void add_subnet(struct record *r, const char *text)
{
	pfx(&r->subnets[r->n_subnets++], text);
}

static const char *addr(const struct mg_addr *a)
{
	static char buf[MG_PREFIX_STRLEN];

	return mg_addr_fmt(a, buf, sizeof(buf));
}

static const char *prefix(const struct mg_prefix *p)
{
	static char buf[MG_PREFIX_STRLEN];

	return mg_prefix_fmt(p, buf, sizeof(buf));
}

/* Sites a (ours), b (two gateways), c (no domain), and two clients. */
static size_t network(struct record *r)
{
	size_t n = 0;

	r[n] = rec("gwa2", "a", RECORD_ROLE_GATEWAY, "10.77.0.2/16", "a.example");
	add_subnet(&r[n++], "192.168.11.0/24");
	r[n] = rec("gwb1", "b", RECORD_ROLE_GATEWAY, "10.77.0.3/16", "b.example");
	add_subnet(&r[n], "192.168.21.0/24");
	add_subnet(&r[n++], "fd00:21::/64");
	r[n] = rec("gwb2", "b", RECORD_ROLE_GATEWAY, "10.77.0.4/16", "b.example");
	add_subnet(&r[n++], "192.168.21.0/24");
	r[n] = rec("gwc1", "c", RECORD_ROLE_GATEWAY, "fd77::5/64", "");
	add_subnet(&r[n++], "192.168.31.0/24");
	r[n++] = rec("laptop", "", RECORD_ROLE_CLIENT, "10.77.0.6/16", "");
	r[n++] = rec("nb3", "b", RECORD_ROLE_CLIENT, "10.77.0.7/16", "");
	return n;
}

static void test_other_sites_gateways(void **state)
{
	static struct mesh_learned l;
	struct record r[8];
	size_t n = network(r);

	(void)state;
	mesh_learn(r, n, "a", &l);
	/* b twice (each gateway a resolver), c once; not a, not the clients */
	assert_int_equal(l.nsites, 3);
	assert_string_equal(l.sites[0].name, "b");
	assert_string_equal(l.sites[0].domain, "b.example");
	assert_string_equal(addr(&l.sites[0].resolver), "10.77.0.3");
	assert_int_equal(l.sites[0].nsubnets, 2);
	assert_int_equal(l.sites[0].port, 53);
	assert_string_equal(addr(&l.sites[1].resolver), "10.77.0.4");
	assert_string_equal(l.sites[2].name, "c");
	assert_string_equal(l.sites[2].domain, "");
	assert_string_equal(addr(&l.sites[2].resolver), "fd77::5");
	/* each subnet once */
	assert_int_equal(l.nroutes, 3);
	assert_string_equal(prefix(&l.routes[0]), "192.168.21.0/24");
	assert_string_equal(prefix(&l.routes[1]), "fd00:21::/64");
	assert_string_equal(prefix(&l.routes[2]), "192.168.31.0/24");
	assert_int_equal(l.dropped, 0);
}

static void test_no_site_of_our_own(void **state)
{
	static struct mesh_learned l;
	struct record r[8];
	size_t n = network(r);

	(void)state;
	/* A node with no site (a laptop) learns every site, a too. */
	mesh_learn(r, n, "", &l);
	assert_int_equal(l.nsites, 4);
	assert_string_equal(l.sites[0].name, "a");
	assert_int_equal(l.nroutes, 4);
}

static void test_prefers_ipv4_resolver(void **state)
{
	static struct mesh_learned l;
	struct record r = rec("gwd", "d", RECORD_ROLE_GATEWAY, "fd77::9/64", "d.example");

	(void)state;
	pfx(&r.mesh[1], "10.77.0.9/16");
	r.n_mesh = 2;
	mesh_learn(&r, 1, "a", &l);
	assert_int_equal(l.nsites, 1);
	assert_string_equal(addr(&l.sites[0].resolver), "10.77.0.9");
}

static void test_useless_gateways(void **state)
{
	static struct mesh_learned l;
	struct record r[2];

	(void)state;
	/* nothing to forward, and no address to forward to */
	r[0] = rec("gwe", "e", RECORD_ROLE_GATEWAY, "10.77.0.10/16", "");
	r[1] = rec("gwf", "f", RECORD_ROLE_GATEWAY, NULL, "f.example");
	add_subnet(&r[1], "192.168.61.0/24");
	mesh_learn(r, 2, "a", &l);
	assert_int_equal(l.nsites, 0);
	/* a subnet is routed even without a resolver for it */
	assert_int_equal(l.nroutes, 1);
}

static void test_limits(void **state)
{
	static struct mesh_learned l;
	static struct record r[MESH_LEARN_SITES + 6];
	size_t n = sizeof(r) / sizeof(r[0]);
	char name[16], net[32];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "g%zu", i);
		r[i] = rec(name, name, RECORD_ROLE_GATEWAY, "10.77.1.1/16", "x.example");
		snprintf(net, sizeof(net), "10.%zu.0.0/16", i);
		add_subnet(&r[i], net);
	}
	mesh_learn(r, n, "a", &l);
	assert_int_equal(l.nsites, MESH_LEARN_SITES);
	assert_int_equal(l.nroutes, n);
	assert_int_equal(l.dropped, 6);
}

static void test_names_follow_members(void **state)
{
	struct record r[8];
	size_t n = network(r);

	(void)state;
	nheld = sets = removes = 0;
	mesh_learn_names(r, n, NULL);
	assert_int_equal(nheld, n);
	assert_true(holds("laptop"));
	/* gwb2 and laptop leave: their names go, the others stay */
	r[2] = r[5];
	n = 4;
	mesh_learn_names(r, n, NULL);
	assert_int_equal(nheld, 4);
	assert_false(holds("gwb2"));
	assert_false(holds("laptop"));
	assert_true(holds("nb3"));
	assert_int_equal(removes, 2);
	/* nobody left */
	mesh_learn_names(r, 0, NULL);
	assert_int_equal(nheld, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_sites_gateways),
		cmocka_unit_test(test_no_site_of_our_own),
		cmocka_unit_test(test_prefers_ipv4_resolver),
		cmocka_unit_test(test_useless_gateways),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names_follow_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
