/* daemon/dhcp_conf.c: the [dhcp] texts (ranges, routes, search, MAC,
 * client id) parsed and refused, the server's subnets built from a parsed
 * configuration with this gateway's address as the defaults, the mesh's
 * subnets made into option 121 routes, and --check-config's errors on
 * their lines. */
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

#include "tests/unit/testutil.h"
#include "daemon/conf.h"
#include "daemon/dhcp_impl.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct mg_conf conf;
static struct dhcp_inputs in;
static struct dhcp_build b;
static char errs[4096];

static void on_err(void *arg, const char *file, unsigned line, const char *msg)
{
	size_t n = strlen(errs);

	(void)arg;
	snprintf(errs + n, sizeof(errs) - n, "%s:%u: %s\n", file, line, msg);
}

static int parse(const char *text)
{
	errs[0] = '\0';
	return conf_parse_string(&conf, "t.conf", text, on_err, NULL);
}

static void ranges(void **state)
{
	struct dhcp_range r[4];
	char why[200];
	size_t n;

	(void)state;
	assert_int_equal(dhcp_parse_ranges("10.0.0.10-10.0.0.20 , 10.0.0.30 - 10.0.0.30,10.0.0.40",
					   r, 4, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].first, IP(10, 0, 0, 10));
	assert_int_equal(r[0].last, IP(10, 0, 0, 20));
	assert_int_equal(r[1].first, r[1].last);
	assert_int_equal(r[2].first, IP(10, 0, 0, 40));		/* one address */
	assert_int_equal(dhcp_parse_ranges("", r, 4, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dhcp_parse_ranges("10.0.0.20-10.0.0.10", r, 4, &n, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "backwards"));
	assert_int_equal(dhcp_parse_ranges("10.0.0.1-fd00::1", r, 4, &n, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(dhcp_parse_ranges("10.0.0.1-", r, 4, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(dhcp_parse_ranges("10.0.0.1,,10.0.0.2", r, 4, &n, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(dhcp_parse_ranges("1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", r, 4, &n,
					   why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too many"));
}

static void routes(void **state)
{
	struct dhcp_route r[4];
	char why[200];
	size_t n;

	(void)state;
	assert_int_equal(dhcp_parse_routes("10.9.0.0/16 via 192.168.1.254, 10.8.0.0/16", r, 4, &n,
					   why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].dest, IP(10, 9, 0, 0));
	assert_int_equal(r[0].len, 16);
	assert_int_equal(r[0].gw, IP(192, 168, 1, 254));
	assert_int_equal(r[1].gw, 0);				/* through us */
	assert_int_equal(dhcp_parse_routes("10.9.0.1/16", r, 4, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "host bits"));
	assert_int_equal(dhcp_parse_routes("10.9.0.0/16 via", r, 4, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(dhcp_parse_routes("10.9.0.0/16 via x", r, 4, &n, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(dhcp_parse_routes("fd00::/8", r, 4, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(dhcp_parse_routes("10.9.0.0/16 10.8.0.0/16", r, 4, &n, why, sizeof(why)),
			 -EINVAL);
}

static void search_mac_cid(void **state)
{
	const char *names[4];
	char buf[64], why[200];
	uint8_t mac[6], cid[8];
	size_t n;

	(void)state;
	assert_int_equal(dhcp_parse_search("flat1.example, example", buf, sizeof(buf), names, 4,
					   &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "flat1.example");
	assert_string_equal(names[1], "example");
	assert_int_equal(dhcp_parse_search("Flat1.example", buf, sizeof(buf), names, 4, &n, why,
					   sizeof(why)), -EINVAL);
	assert_int_equal(dhcp_parse_search("a..b", buf, sizeof(buf), names, 4, &n, why,
					   sizeof(why)), -EINVAL);
	assert_int_equal(dhcp_parse_search("a,b,c,d,e", buf, sizeof(buf), names, 4, &n, why,
					   sizeof(why)), -EINVAL);

	assert_int_equal(dhcp_parse_mac("02:00:0A:bb:00:01", mac), 0);
	assert_hex(mac, "02000abb0001", 6);
	assert_int_equal(dhcp_parse_mac("02-00-0a-bb-00-01", mac), 0);
	assert_int_equal(dhcp_parse_mac("02:00:0a:bb:00", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("02:00:0a:bb:00:01:02", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("02:00:0a:bb:00:1", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("02:00:0a:bb:00:01:", mac), -EINVAL);
	assert_int_equal(dhcp_parse_mac("0x:00:0a:bb:00:01", mac), -EINVAL);

	assert_int_equal(dhcp_parse_cid("01:02:03", cid, sizeof(cid), &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(dhcp_parse_cid("", cid, sizeof(cid), &n), -EINVAL);
	assert_int_equal(dhcp_parse_cid("01:02:03:04:05:06:07:08:09", cid, sizeof(cid), &n),
			 -EINVAL);
}

static const char site_conf[] =
	"[site]\n"
	"domain = flat1.example\n"
	"subnet = 192.168.1.0/24\n"
	"[dns]\n"
	"listen = 192.168.1.1\n"
	"[dhcp]\n"
	"interface = eth0\n"
	"subnet = 192.168.1.0/24, 192.168.5.0/24\n"
	"range = 192.168.1.100-192.168.1.199, 192.168.5.10-192.168.5.99\n"
	"lease-time = 2h\n"
	"router = 192.168.5.1\n"
	"route = 10.9.0.0/16 via 192.168.1.254, 10.8.0.0/16, 10.7.0.0/16 via 192.168.5.7\n"
	"offer-hold = 30s\n"
	"[dhcp-reservation]\n"
	"mac = 02:00:00:00:00:10\n"
	"address = 192.168.1.10\n"
	"name = printer\n"
	"[dhcp-reservation]\n"
	"client-id = 01:02:00:00:00:00:11\n"
	"address = 192.168.5.11\n"
	"[vrrp]\n"
	"interface = eth0\n"
	"vrid = 10\n"
	"virtual-address = 192.168.1.1/24\n";

static void build(void **state)
{
	const struct dhcp_subnet_conf *lan = &b.subnets[0], *rel = &b.subnets[1];
	char why[200];

	(void)state;
	assert_int_equal(parse(site_conf), 0);
	dhcp_inputs_from_conf(&in, &conf);
	assert_int_equal(in.vip, IP(192, 168, 1, 1));		/* the [vrrp] VIP */
	assert_true(in.dns_serves);
	assert_int_equal(dhcp_build_conf(&b, &in, in.vip, why, sizeof(why)), 0);
	assert_int_equal(b.sc.nsubnets, 2);
	assert_int_equal(b.local, 0);
	assert_int_equal(b.sc.offer_hold, 30);
	assert_int_equal(lan->lease_time, 7200);
	assert_int_equal(lan->nranges, 1);
	assert_int_equal(rel->nranges, 1);
	assert_int_equal(rel->ranges[0].first, IP(192, 168, 5, 10));
	/* The LAN's router and DNS default to the VIP; the relayed subnet
	 * has its own router. */
	assert_int_equal(lan->nrouters, 1);
	assert_int_equal(lan->routers[0], IP(192, 168, 1, 1));
	assert_int_equal(rel->nrouters, 1);
	assert_int_equal(rel->routers[0], IP(192, 168, 5, 1));
	assert_int_equal(lan->ndns, 1);
	assert_int_equal(lan->dns[0], IP(192, 168, 1, 1));
	assert_string_equal(lan->domain, "flat1.example");	/* from [site] */
	/* Routes go to the subnet of their router; "no via" to the LAN, via us. */
	assert_int_equal(lan->nroutes, 2);
	assert_int_equal(lan->routes[0].gw, IP(192, 168, 1, 254));
	assert_int_equal(lan->routes[1].dest, IP(10, 8, 0, 0));
	assert_int_equal(lan->routes[1].gw, IP(192, 168, 1, 1));
	assert_int_equal(rel->nroutes, 1);
	assert_int_equal(rel->routes[0].gw, IP(192, 168, 5, 7));
	/* Reservations land in their subnets. */
	assert_int_equal(lan->nreservations, 1);
	assert_true(lan->reservations[0].has_mac);
	assert_string_equal(lan->reservations[0].name, "printer");
	assert_int_equal(rel->nreservations, 1);
	assert_int_equal(rel->reservations[0].cid_len, 7);
	assert_null(rel->reservations[0].name);
	assert_memory_equal(in.leases_path, conf.node.state_dir, strlen(conf.node.state_dir));
	assert_string_equal(in.leases_path + strlen(conf.node.state_dir), "/dhcp.leases");
}

static void mesh_routes(void **state)
{
	struct mg_prefix mesh[5];
	struct dhcp_route out[8];
	char why[200];
	size_t n;

	(void)state;
	assert_int_equal(parse(site_conf), 0);
	dhcp_inputs_from_conf(&in, &conf);
	assert_int_equal(dhcp_build_conf(&b, &in, in.vip, why, sizeof(why)), 0);
	assert_int_equal(mg_prefix_parse("192.168.2.0/24", false, &mesh[0]), 0);
	assert_int_equal(mg_prefix_parse("fd77:2::/48", false, &mesh[1]), 0);
	/* One that holds our subnets, and one of them: on-link, not via us. */
	assert_int_equal(mg_prefix_parse("192.168.0.0/16", false, &mesh[2]), 0);
	assert_int_equal(mg_prefix_parse("192.168.5.0/24", false, &mesh[3]), 0);
	assert_int_equal(mg_prefix_parse("10.3.0.0/24", false, &mesh[4]), 0);
	n = dhcp_build_routes(&b, 0, mesh, 5, out, 8);
	assert_int_equal(n, 4);		/* the two static ones, then two of the mesh */
	assert_int_equal(out[2].dest, IP(192, 168, 2, 0));
	assert_int_equal(out[2].len, 24);
	assert_int_equal(out[2].gw, IP(192, 168, 1, 1));
	assert_int_equal(out[3].dest, IP(10, 3, 0, 0));
	/* Only the LAN's subnet routes the mesh through us; max is kept. */
	assert_int_equal(dhcp_build_routes(&b, 1, mesh, 5, out, 8), 1);
	assert_int_equal(dhcp_build_routes(&b, 0, mesh, 5, out, 3), 3);
	/* Without a gateway address, no route through us at all. */
	assert_int_equal(dhcp_build_conf(&b, &in, 0, why, sizeof(why)), 0);
	assert_int_equal(b.local, -1);
	assert_int_equal(dhcp_build_routes(&b, 0, mesh, 5, out, 8), 1);
}

static void defaults(void **state)
{
	char why[200];

	(void)state;
	/* No subnet: [site]'s. No [dns] listen: no DNS option by default. */
	assert_int_equal(parse("[site]\nsubnet = 10.1.0.0/24, fd00::/64\n"
			       "[dhcp]\ninterface = lan0\nrange = 10.1.0.50-10.1.0.60\n"
			       "leases-file = /tmp/x.leases\n"), 0);
	dhcp_inputs_from_conf(&in, &conf);
	assert_int_equal(in.dhcp.subnet.n, 1);
	assert_int_equal(dhcp_build_conf(&b, &in, IP(10, 1, 0, 1), why, sizeof(why)), 0);
	assert_int_equal(b.subnets[0].network, IP(10, 1, 0, 0));
	assert_int_equal(b.subnets[0].ndns, 0);
	assert_int_equal(b.subnets[0].routers[0], IP(10, 1, 0, 1));
	assert_null(b.subnets[0].domain);
	assert_string_equal(in.leases_path, "/tmp/x.leases");
	assert_int_equal(in.vip, 0);
}

static void check_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nsubnet = 10.1.0.0/24\n"
			       "range = 10.1.0.10-10.1.0.255\n"), 1);
	assert_non_null(strstr(errs, "t.conf:4: [dhcp] range 10.1.0.10-10.1.0.255 includes "
				     "the subnet's network or broadcast"));
	assert_int_equal(parse("[dhcp]\nsubnet = 10.1.0.0/24\n"), 1);
	assert_non_null(strstr(errs, "t.conf:1: [dhcp] needs interface"));
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nrange = 10.1.0.10-10.1.0.20\n"), 1);
	assert_non_null(strstr(errs, "t.conf:1: [dhcp] needs subnet"));
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nsubnet = 10.1.0.0/24, 10.2.0.0/31\n"
			       "range = 10.1.0.10-10.1.0.20\n"), 1);
	assert_non_null(strstr(errs, "t.conf:3: [dhcp] subnet = 10.2.0.0/31"));
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nsubnet = 10.1.0.0/24\n"
			       "range = 10.1.0.10-10.1.0.20, 10.1.0.15-10.1.0.30\n"), 1);
	assert_non_null(strstr(errs, "overlaps"));
	/* The nth reservation's line, across sections. */
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nsubnet = 10.1.0.0/24\n"
			       "range = 10.1.0.10-10.1.0.20\n"
			       "[dhcp-reservation]\nmac = 02:00:00:00:00:01\naddress = 10.1.0.5\n"
			       "[dhcp-reservation]\nmac = 02:00:00:00:00:01\naddress = 10.1.0.6\n"),
			 1);
	assert_non_null(strstr(errs, "t.conf:9: [dhcp-reservation] mac 02:00:00:00:00:01 "
				     "already has [dhcp-reservation] 1"));
	/* Two reservations with one name: the later one is named. */
	assert_int_equal(parse("[dhcp]\ninterface = eth0\nsubnet = 10.1.0.0/24\n"
			       "range = 10.1.0.10-10.1.0.20\n"
			       "[dhcp-reservation]\nmac = 02:00:00:00:00:01\naddress = 10.1.0.5\n"
			       "[dhcp-reservation]\nclient-id = 01:02\naddress = 10.1.0.7\n"
			       "name = printer\n"
			       "[dhcp-reservation]\nmac = 02:00:00:00:00:03\naddress = 10.1.0.8\n"
			       "name = printer\n"), 1);
	assert_non_null(strstr(errs, "t.conf:15: [dhcp-reservation] name printer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranges),
		cmocka_unit_test(routes),
		cmocka_unit_test(search_mac_cid),
		cmocka_unit_test(build),
		cmocka_unit_test(mesh_routes),
		cmocka_unit_test(defaults),
		cmocka_unit_test(check_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
