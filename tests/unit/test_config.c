/* The config engine through meshgated's real schema: values, errors with file
 * and line, list semantics, conf.d, and print/parse round trips. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/conf.h"
#include "lib/base64.h"

struct errs {
	int n;
	char msg[16][512];
};

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
	struct errs *e = arg;

	if (e->n < 16)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s:%u: %s", file, line, msg);
	e->n++;
}

static struct mg_conf conf;

static int parse(const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return conf_parse_string(&conf, "t.conf", text, collect, e);
}

/* Exactly one error, and it contains every one of the given fragments. */
static void expect_error(const char *text, const char *frag1, const char *frag2)
{
	struct errs e;

	assert_int_equal(parse(text, &e), 1);
	assert_int_equal(e.n, 1);
	if (!strstr(e.msg[0], frag1) || (frag2 && !strstr(e.msg[0], frag2)))
		fail_msg("error '%s' lacks '%s' / '%s'", e.msg[0], frag1, frag2 ? frag2 : "");
}

static void defaults(void **state)
{
	struct errs e;

	assert_int_equal(parse("", &e), 0);
	assert_string_equal(conf.mesh.interface, "mg0");
	assert_int_equal(conf.mesh.mtu, 1420);
	assert_int_equal(conf.mesh.listen_port, 51820);
	assert_int_equal(conf.mesh.address.n, 0);
	assert_int_equal(conf.dns.port, 53);
	assert_int_equal(conf.dhcp.lease_time_ms, 12 * 3600 * 1000ULL);
	assert_int_equal(conf.nvrrp, 0);
	assert_string_equal(conf.node.control_group, "meshgate");
}

static void full_config(void **state)
{
	struct errs e;
	char buf[MG_PREFIX_STRLEN];

	assert_int_equal(parse("# comment\n"
	                       "; another\n"
	                       "[node]\n"
	                       "name = gw1\n"
	                       "log-level = debug ; inline comment\n"
	                       "\n"
	                       "  [mesh]\n"
	                       "  interface = mgt0\n"
	                       "\tmtu = 1400\n"
	                       "address = 10.77.0.1/16, fd77::1/64\n"
	                       "address = 10.78.0.1/16\n"
	                       "route = 10.99.0.0/24\n"
	                       "[site]\n"
	                       "domain = flat1.int.example\n"
	                       "subnet = 192.168.1.0/24\n"
	                       "[dns]\n"
	                       "listen = 192.168.1.1, ::1\n"
	                       "[dhcp]\n"
	                       "lease-time = 90m\n"
	                       "[vrrp]\n"
	                       "interface = eth0\n"
	                       "vrid = 7\n"
	                       "virtual-address = 192.168.1.1/24\n"
	                       "advert-interval = 100ms\n"
	                       "preempt = no\n", &e), 0);
	assert_string_equal(conf.node.name, "gw1");
	assert_int_equal(conf.node.log_level, 4);
	assert_string_equal(conf.mesh.interface, "mgt0");
	assert_int_equal(conf.mesh.mtu, 1400);
	assert_int_equal(conf.mesh.address.n, 3);
	assert_string_equal(mg_prefix_fmt(&conf.mesh.address.v[1], buf, sizeof(buf)), "fd77::1/64");
	assert_string_equal(mg_prefix_fmt(&conf.mesh.address.v[2], buf, sizeof(buf)),
	                    "10.78.0.1/16");
	assert_int_equal(conf.mesh.route.n, 1);
	assert_string_equal(conf.site.domain, "flat1.int.example");
	assert_int_equal(conf.dns.listen.n, 2);
	assert_int_equal(conf.dhcp.lease_time_ms, 90 * 60 * 1000ULL);
	assert_int_equal(conf.nvrrp, 1);
	assert_int_equal(conf.vrrp[0].advert_interval_ms, 100);
	assert_false(conf.vrrp[0].preempt);
}

static void errors_name_line_key_and_fix(void **state)
{
	expect_error("[mesh]\n\nadress = 10.0.0.1/8\n", "t.conf:3:", "did you mean 'address'");
	expect_error("[mesh]\nlisten-port = 65536\n", "t.conf:2:", "from 1 to 65535");
	expect_error("[mesh]\nlisten-port = 0\n", "listen-port", "from 1 to 65535");
	expect_error("[mesh]\nlisten-port = -1\n", "listen-port", "not a number");
	expect_error("[mesh]\nmtu = 1400x\n", "[mesh] mtu", "not a number");
	expect_error("[mesh]\naddress = 10.0.0.300/8\n", "t.conf:2:", "address with prefix");
	expect_error("[mesh]\naddress = 10.0.0.1\n", "t.conf:2:", "address with prefix");
	expect_error("[mesh]\nroute = 10.1.2.3/16\n", "t.conf:2:", "did you mean 10.1.0.0/16");
	expect_error("[mesh]\nroute = 10.1.0.0/16,\n", "t.conf:2:", "separated by commas");
	expect_error("[dns]\nlisten = 1.2.3.4/32\n", "t.conf:2:", "IPv4 or IPv6 address");
	expect_error("[dsn]\nport = 53\n", "t.conf:1:", "did you mean [dns]");
	expect_error("[bogus]\n", "t.conf:1:", "unknown section");
	expect_error("[node]\nmtu = 1400\n", "t.conf:2:", "belongs in [mesh]");
	expect_error("[node]\nzzzz = 1\n", "t.conf:2:", "unknown key 'zzzz'");
	expect_error("mtu = 1400\n", "t.conf:1:", "outside any section");
	expect_error("[mesh]\nmtu = 1400\nmtu = 1300\n", "t.conf:3:", "first at line 2");
	expect_error("[mesh]\nthis is not a key\n", "t.conf:2:", "syntax error");
	expect_error("[mesh\n", "t.conf:1:", "syntax error");
	expect_error("[node]\nlog-level = loud\n", "t.conf:2:", "one of: err, warn");
	expect_error("[vrrp]\ninterface = eth0\nvrid = 1\nvirtual-address = 10.0.0.1/24\npreempt = maybe\n", "t.conf:5:", "yes or no");
	expect_error("[vrrp]\ninterface = eth0\nvrid = 256\nvirtual-address = 10.0.0.1/24\n",
	             "t.conf:3:", "from 1 to 255");
	expect_error("[dhcp]\nlease-time = 10s\n", "t.conf:2:", "from 1m to 365d");
	expect_error("[dhcp]\nlease-time = 5y\n", "t.conf:2:", "units");
	expect_error("[vrrp]\ninterface = eth0\nvrid = 1\nvirtual-address = 10.0.0.1/24\nadvert-interval = 105ms\n", "t.conf:5:", "centiseconds");
	expect_error("[mesh]\ninterface = a/b\n", "t.conf:2:", "interface name");
	expect_error("[mesh]\ninterface = abcdefghijklmnop\n", "t.conf:2:", "interface name");
	expect_error("[node]\nname = GW1\n", "t.conf:2:", "lower-case");
	expect_error("[site]\ndomain = a..b\n", "t.conf:2:", "DNS domain");
	expect_error("[site]\ndomain = example.\n", "t.conf:2:", "no trailing dot");
	expect_error("[node]\npid-file = run/x.pid\n", "t.conf:2:", "absolute path");
	expect_error("[mesh]\nmtu =\n", "t.conf:2:", "empty value");
}

static void long_line_is_an_error_with_its_line(void **state)
{
	char text[1024];

	snprintf(text, sizeof(text), "[mesh]\nroute = 10.0.0.0/8%0500d\nmtu = 1300\n", 0);
	expect_error(text, "t.conf:2:", "too long");
	assert_int_equal(conf.mesh.mtu, 1300);   /* the line after it is still read */
}

static void bad_value_keeps_previous(void **state)
{
	struct errs e;

	assert_int_equal(parse("[mesh]\naddress = 10.0.0.1/8\naddress = 10.0.0.2/8, nope\n"
	                       "route = 10.1.0.0/16\n", &e), 1);
	/* The bad line added nothing, not even its first good item. */
	assert_int_equal(conf.mesh.address.n, 1);
	assert_int_equal(conf.mesh.route.n, 1);
}

static void list_semantics(void **state)
{
	struct errs e;

	assert_int_equal(parse("[mesh]\nroute = 10.1.0.0/16\nroute = 10.2.0.0/16\nroute =\n"
	                       "route = 10.3.0.0/16\n", &e), 0);
	assert_int_equal(conf.mesh.route.n, 1);
	assert_int_equal(conf.mesh.route.v[0].addr.u.bytes[1], 3);
}

static void list_limit(void **state)
{
	char text[4096];
	size_t off = (size_t)snprintf(text, sizeof(text), "[mesh]\n");

	for (int i = 0; i <= CFG_LIST_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "route = 10.%d.0.0/16\n", i);
	expect_error(text, "too many values", NULL);
	assert_int_equal(conf.mesh.route.n, CFG_LIST_MAX);
}

static void repeatable_peer_sections(void **state)
{
	static const char key_a[] = "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLEo=";
	static const char key_b[] = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";
	char text[8192];
	struct errs e;

	snprintf(text, sizeof(text), "[peer]\npublic-key = %s\nallowed-ips = 10.1.0.0/16\n"
	         "[mesh]\nmtu = 1400\n[peer]\npublic-key = %s\nendpoint = a.example:1\n",
	         key_a, key_b);
	assert_int_equal(parse(text, &e), 0);
	assert_int_equal(conf.npeers, 2);
	assert_true(conf.peers[0].public_key.set);
	assert_int_equal(conf.peers[0].allowed_ips.n, 1);
	assert_int_equal(conf.peers[1].allowed_ips.n, 0);      /* lists start afresh */
	assert_string_equal(conf.peers[1].endpoint, "a.example:1");
	assert_string_equal(conf.peers[0].endpoint, "");
	assert_int_equal(conf.peers[1].persistent_keepalive, 0);

	/* The same key may appear in each instance without being "set twice". */
	snprintf(text, sizeof(text), "[peer]\npublic-key = %s\n[peer]\npublic-key = %s\n",
	         key_a, key_a);
	expect_error(text, "same public-key", NULL);

	expect_error("[peer]\nendpoint = 192.0.2.1:51820\n", "t.conf:1:", "needs public-key");
	expect_error("[peer]\npublic-key = abc\n", "t.conf:2:", "base64");
	snprintf(text, sizeof(text), "[peer]\npublic-key = %s\nendpoint = x:0\n", key_a);
	expect_error(text, "t.conf:3:", "host:port");
	snprintf(text, sizeof(text), "[peer]\npublic-key = %s\nendpoint = fd00::1:51820\n", key_a);
	expect_error(text, "t.conf:3:", "[v6]:port");

}

static void too_many_peers(void **state)
{
	size_t cap = (CONF_MAX_PEERS + 1) * 80;
	char *text = malloc(cap);
	size_t off = 0;
	struct errs e;

	assert_non_null(text);
	for (int i = 0; i <= CONF_MAX_PEERS; i++) {
		uint8_t k[32] = { (uint8_t)i, 1 };
		char b64[64];

		base64_encode(b64, k, sizeof(k));
		off += (size_t)snprintf(text + off, cap - off, "[peer]\npublic-key = %s\n", b64);
	}
	assert_int_equal(parse(text, &e), 1);
	assert_non_null(strstr(e.msg[0], "too many [peer] sections"));
	assert_int_equal(conf.npeers, CONF_MAX_PEERS);
	free(text);
}

static char *print_to_string(const struct mg_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cfg_print(&conf_schema, c, f);
	fclose(f);
	return buf;
}

static void print_round_trip(void **state)
{
	struct errs e;
	char *first, *second;

	assert_int_equal(parse("[node]\nname = a\n[mesh]\naddress = 10.77.0.1/16, fd77::1/64\n"
	                       "[dns]\nupstream = 9.9.9.9, 2620:fe::fe\n[dhcp]\nlease-time = 1500ms\n",
	                       &e), 1);   /* lease-time below 1m */
	assert_int_equal(parse("[node]\nname = a\n[mesh]\naddress = 10.77.0.1/16, fd77::1/64\n"
	                       "[dns]\nupstream = 9.9.9.9, 2620:fe::fe\n[dhcp]\nlease-time = 90s\n"
	                       "[vrrp]\ninterface = eth0\nvrid = 1\nvirtual-address = 192.168.1.1/24\n",
	                       &e), 0);
	first = print_to_string(&conf);
	assert_non_null(strstr(first, "lease-time = 90s\n"));
	assert_non_null(strstr(first, "address = fd77::1/64\n"));
	assert_int_equal(parse(first, &e), 0);
	second = print_to_string(&conf);
	assert_string_equal(first, second);
	free(first);
	free(second);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void conf_d_in_name_order(void **state)
{
	char dir[] = "/tmp/mgconfXXXXXX";
	char path[256], sub[256], f[300];
	struct errs e = { 0 };

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/meshgate.conf", dir);
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	write_file(path, "[node]\nname = n\n[mesh]\nmtu = 1400\nroute = 10.1.0.0/16\n");
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(f, sizeof(f), "%s/20-b.conf", sub);
	write_file(f, "[mesh]\nmtu = 1300\nroute = 10.3.0.0/16\n");
	snprintf(f, sizeof(f), "%s/10-a.conf", sub);
	write_file(f, "[mesh]\nmtu = 1350\nroute = 10.2.0.0/16\n");
	snprintf(f, sizeof(f), "%s/30-ignored.conf.disabled", sub);
	write_file(f, "[mesh]\nmtu = 1\n");
	assert_int_equal(conf_load(&conf, path, collect, &e), 0);
	assert_int_equal(conf.mesh.mtu, 1300);          /* last file wins for scalars */
	assert_int_equal(conf.mesh.route.n, 3);         /* lists append across files */
	assert_int_equal(conf.mesh.route.v[1].addr.u.bytes[1], 2);

	snprintf(f, sizeof(f), "%s/40-bad.conf", sub);
	write_file(f, "\n[mesh]\nmtu = 70000\n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(conf_load(&conf, path, collect, &e), 1);
	assert_non_null(strstr(e.msg[0], "conf.d/40-bad.conf:3:"));

	snprintf(f, sizeof(f), "rm -rf %s", dir);
	assert_int_equal(system(f), 0);
}

static void missing_file(void **state)
{
	struct errs e = { 0 };

	assert_int_equal(conf_load(&conf, "/nonexistent/meshgate.conf", collect, &e), 1);
	assert_non_null(strstr(e.msg[0], "/nonexistent/meshgate.conf:0: cannot open"));
}

/* Reloads compare lists entry by entry, in order: a reordered list is a change. */
/* dnsmasq writes one server= a line: [dns] server and record may be
 * repeated, growing one comma list; other strings still may not. */
static void repeated_comma_lists(void **state)
{
	struct errs e;

	(void)state;
	assert_int_equal(parse("[site]\ndomain = s.example\n[dns]\nserver = /a.example/10.0.0.1\n"
	                       "server = /b.example/10.0.0.2#5353\n"
	                       "record = nas A 192.168.1.2\nrecord = www CNAME nas\n", &e), 0);
	assert_string_equal(conf.dns.server, "/a.example/10.0.0.1, /b.example/10.0.0.2#5353");
	assert_string_equal(conf.dns.record, "nas A 192.168.1.2, www CNAME nas");
	/* an empty mention clears it, as for lists */
	assert_int_equal(parse("[dns]\nserver = /a.example/10.0.0.1\nserver =\n"
	                       "server = /c.example/10.0.0.3\n", &e), 0);
	assert_string_equal(conf.dns.server, "/c.example/10.0.0.3");
	/* together too long: named on the line that overflows, the rest kept */
	{
		static char text[16384];
		char value[171], where[32];
		size_t n = 0, total = strlen("a A 192.168.1.1");
		unsigned line = 4, bad = 0;

		memset(value, 'v', sizeof(value) - 1);
		value[sizeof(value) - 1] = '\0';
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[site]\ndomain = s.example\n"
		                      "[dns]\nrecord = a A 192.168.1.1\n");
		while (!bad) {
			line++;
			total += 2 + strlen(value);
			if (total >= CONF_DNS_TEXT)
				bad = line;
			n += (size_t)snprintf(text + n, sizeof(text) - n, "record = %s\n", value);
		}
		assert_int_equal(parse(text, &e), 1);
		snprintf(where, sizeof(where), "t.conf:%u:", bad);
		if (!strstr(e.msg[0], where) || !strstr(e.msg[0], "its lines together"))
			fail_msg("error '%s', expected at %s", e.msg[0], where);
		assert_int_equal(strncmp(conf.dns.record, "a A 192.168.1.1, vvv", 20), 0);
	}
	expect_error("[node]\nname = a\nname = b\n", "t.conf:3:", "set twice");
}

static void list_equality(void **state)
{
	struct cfg_prefix_list a = { 0 }, b = { 0 };
	struct cfg_addr_list x = { 0 }, y = { 0 };

	(void)state;
	assert_true(cfg_prefix_list_eq(&a, &b));
	assert_int_equal(mg_prefix_parse("10.1.0.0/24", false, &a.v[0]), 0);
	assert_int_equal(mg_prefix_parse("fd00::/64", false, &a.v[1]), 0);
	a.n = 2;
	b = a;
	assert_true(cfg_prefix_list_eq(&a, &b));
	b.v[1].len = 48;
	assert_false(cfg_prefix_list_eq(&a, &b));
	b = a;
	b.v[0] = a.v[1];
	b.v[1] = a.v[0];
	assert_false(cfg_prefix_list_eq(&a, &b));
	b.n = 1;
	assert_false(cfg_prefix_list_eq(&a, &b));

	assert_int_equal(mg_addr_parse("192.0.2.1", &x.v[0]), 0);
	x.n = 1;
	assert_false(cfg_addr_list_eq(&x, &y));
	y = x;
	assert_true(cfg_addr_list_eq(&x, &y));
	assert_int_equal(mg_addr_parse("192.0.2.2", &y.v[0]), 0);
	assert_false(cfg_addr_list_eq(&x, &y));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full_config),
		cmocka_unit_test(errors_name_line_key_and_fix),
		cmocka_unit_test(long_line_is_an_error_with_its_line),
		cmocka_unit_test(bad_value_keeps_previous),
		cmocka_unit_test(list_semantics),
		cmocka_unit_test(list_limit),
		cmocka_unit_test(repeatable_peer_sections),
		cmocka_unit_test(too_many_peers),
		cmocka_unit_test(print_round_trip),
		cmocka_unit_test(conf_d_in_name_order),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(repeated_comma_lists),
		cmocka_unit_test(list_equality),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
