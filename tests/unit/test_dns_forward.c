/* dns/forward: longest-suffix match, manual over learned, dnsmasq's
 * server= and rev-server= syntax with CIDRs turned into reverse zones, and
 * server reachability with back-off on a fake clock. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/forward.h"
#include "tests/unit/testutil.h"

#define S(x) ((uint64_t)(x) * 1000000000ULL)

static const uint8_t key[16] = "fwd-test-key!!!";
static struct dns_fwd *fwd;

static int setup(void **state)
{
	struct dns_fwd_conf c;

	dns_fwd_conf_default(&c);
	fwd = dns_fwd_new(&c, key);
	assert_non_null(fwd);
	return 0;
}

static int teardown(void **state)
{
	dns_fwd_free(fwd);
	return 0;
}

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static const struct dns_fwd_rule *match(const char *name)
{
	uint8_t w[DNS_NAME_MAX];
	int n = dns_name_from_str(name, w, sizeof(w));

	assert_true(n > 0);
	return dns_fwd_match(fwd, w, (size_t)n);
}

/* The first server of the rule for name, as text, or "-". */
static const char *server_of(const char *name)
{
	static char buf[64];
	const struct dns_fwd_rule *r = match(name);

	if (!r)
		return "-";
	return mg_addr_fmt(&r->servers[0].addr, buf, sizeof(buf));
}

static void test_longest(void **state)
{
	struct mg_addr a = addr("10.0.0.1"), b = addr("10.0.0.2"), c = addr("10.0.0.3");

	assert_int_equal(dns_fwd_add_domain(fwd, "example.com", &a, 53, DNS_FWD_MANUAL, NULL), 0);
	assert_int_equal(dns_fwd_add_domain(fwd, "Sub.Example.com.", &b, 53, DNS_FWD_MANUAL, NULL),
			 0);
	assert_string_equal(server_of("x.sub.example.com"), "10.0.0.2");
	assert_string_equal(server_of("SUB.example.com"), "10.0.0.2");
	assert_string_equal(server_of("example.com"), "10.0.0.1");
	assert_string_equal(server_of("other.example.com"), "10.0.0.1");
	assert_string_equal(server_of("xexample.com"), "-");
	assert_string_equal(server_of("com"), "-");
	/* A root rule catches the rest. */
	assert_int_equal(dns_fwd_parse_server(fwd, "10.0.0.3"), 0);
	assert_string_equal(server_of("xexample.com"), "10.0.0.3");
	assert_string_equal(server_of("com"), "10.0.0.3");
	assert_string_equal(server_of("x.sub.example.com"), "10.0.0.2");
	(void)c;
}

static void test_origin(void **state)
{
	struct mg_addr a = addr("10.0.0.1"), b = addr("10.0.0.2");
	const struct dns_fwd_rule *r;

	assert_int_equal(dns_fwd_add_domain(fwd, "flat2.example", &b, 53, DNS_FWD_LEARNED,
					    "flat2"), 0);
	r = match("pi.flat2.example");
	assert_non_null(r);
	assert_int_equal(r->origin, DNS_FWD_LEARNED);
	assert_string_equal(r->tag, "flat2");
	/* A manual rule for the same domain wins; a shorter one does not. */
	assert_int_equal(dns_fwd_add_domain(fwd, "example", &a, 53, DNS_FWD_MANUAL, NULL), 0);
	assert_string_equal(server_of("pi.flat2.example"), "10.0.0.2");
	assert_int_equal(dns_fwd_add_domain(fwd, "flat2.example", &a, 53, DNS_FWD_MANUAL, NULL), 0);
	assert_string_equal(server_of("pi.flat2.example"), "10.0.0.1");
	assert_int_equal(dns_fwd_count(fwd), 3);

	/* Relearning drops learned rules only. */
	dns_fwd_clear(fwd, DNS_FWD_MANUAL);
	assert_int_equal(dns_fwd_count(fwd), 1);
	assert_string_equal(server_of("pi.flat2.example"), "10.0.0.2");
	dns_fwd_clear(fwd, DNS_FWD_LEARNED);
	assert_int_equal(dns_fwd_count(fwd), 0);
	assert_string_equal(server_of("pi.flat2.example"), "-");
	assert_null(dns_fwd_rule_at(fwd, 0));
}

static void test_parse(void **state)
{
	const struct dns_fwd_rule *r;
	static const char *bad[] = {
		"", "/x/", "/x/1.2.3.4#0", "/x/1.2.3.4#99999", "/x/1.2.3.4#", "//1.2.3.4",
		"/x/abc", "/a..b/1.2.3.4", "nope", "/x/1.2.3.4#53x",
	};

	assert_int_equal(dns_fwd_parse_server(fwd, "/flat2.example/10.2.0.53"), 0);
	r = match("nas.flat2.example");
	assert_non_null(r);
	assert_int_equal(r->origin, DNS_FWD_MANUAL);
	assert_int_equal(r->servers[0].port, 53);
	assert_int_equal(dns_fwd_parse_server(fwd, "/a.example/b.example/10.0.0.1#5353"), 0);
	assert_int_equal(match("a.example")->servers[0].port, 5353);
	assert_int_equal(match("x.b.example")->servers[0].port, 5353);
	assert_int_equal(dns_fwd_parse_server(fwd, "/v6.example/fd00::53"), 0);
	assert_int_equal(match("v6.example")->servers[0].addr.family, AF_INET6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_fwd_parse_server(fwd, bad[i]), -EINVAL);
	/* Nothing half-added by a bad line. */
	assert_int_equal(dns_fwd_parse_server(fwd, "/ok.example/bad..name/10.0.0.1"), -EINVAL);
	assert_null(match("ok.example"));
}

static void test_rev_server(void **state)
{
	const struct dns_fwd_rule *r;
	char s[DNS_NAME_STRLEN];

	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.2.0.0/16,10.2.0.53"), 0);
	r = match("4.3.2.10.in-addr.arpa");
	assert_non_null(r);
	assert_string_equal(dns_name_to_str(r->name, r->len, s, sizeof(s)), "2.10.in-addr.arpa.");
	assert_string_equal(server_of("2.10.in-addr.arpa"), "10.2.0.53");
	assert_string_equal(server_of("3.10.in-addr.arpa"), "-");

	/* A /22 is four /24 zones, and nothing next to them. */
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.1.4.0/22,10.1.0.53#5300"), 0);
	assert_int_equal(dns_fwd_count(fwd), 5);
	for (int i = 4; i < 8; i++) {
		char name[64];

		snprintf(name, sizeof(name), "9.%d.1.10.in-addr.arpa", i);
		r = match(name);
		assert_non_null(r);
		assert_int_equal(r->servers[0].port, 5300);
	}
	assert_null(match("9.3.1.10.in-addr.arpa"));
	assert_null(match("9.8.1.10.in-addr.arpa"));
	/* Host bits are dropped as dnsmasq does; IPv6 by nibbles. */
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.9.9.9/16,10.9.0.53"), 0);
	assert_string_equal(server_of("1.1.9.10.in-addr.arpa"), "10.9.0.53");
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "fd00:2::/64,fd00:2::53"), 0);
	r = match("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.0.0.d.f.ip6.arpa");
	assert_non_null(r);
	assert_string_equal(dns_name_to_str(r->name, r->len, s, sizeof(s)),
			    "0.0.0.0.0.0.0.0.2.0.0.0.0.0.d.f.ip6.arpa.");
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.2.0.0/16"), -EINVAL);
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.2.0.0/33,10.0.0.1"), -EINVAL);
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.2.0.0/16,nope"), -EINVAL);
}

static void test_servers(void **state)
{
	struct mg_addr a = addr("10.0.0.1");

	for (int i = 0; i < DNS_FWD_MAX_SERVERS; i++) {
		struct mg_addr s = a;

		s.u.bytes[3] = (uint8_t)(i + 1);
		assert_int_equal(dns_fwd_add_domain(fwd, "x.example", &s, 53, DNS_FWD_MANUAL, NULL),
				 0);
	}
	/* The same one again is no change; a fifth does not fit. */
	assert_int_equal(dns_fwd_add_domain(fwd, "x.example", &a, 53, DNS_FWD_MANUAL, NULL), 0);
	a.u.bytes[3] = 9;
	assert_int_equal(dns_fwd_add_domain(fwd, "x.example", &a, 53, DNS_FWD_MANUAL, NULL),
			 -ENOSPC);
	assert_int_equal(match("x.example")->nservers, DNS_FWD_MAX_SERVERS);
}

static void test_reachability(void **state)
{
	struct mg_addr a = addr("10.2.0.53"), b = addr("10.2.0.54");
	struct dns_fwd_rule *r;
	const struct dns_fwd_server *s;
	uint8_t w[DNS_NAME_MAX];
	int n = dns_name_from_str("flat2.example", w, sizeof(w));

	assert_int_equal(dns_fwd_add(fwd, w, (size_t)n, &a, 53, DNS_FWD_LEARNED, NULL), 0);
	assert_int_equal(dns_fwd_add(fwd, w, (size_t)n, &b, 53, DNS_FWD_LEARNED, NULL), 0);
	/* The site's reverse zone shares the server's state. */
	assert_int_equal(dns_fwd_parse_rev_server(fwd, "10.2.0.0/24,10.2.0.53"), 0);
	r = dns_fwd_match(fwd, w, (size_t)n);

	s = dns_fwd_pick(r, S(0));
	assert_true(mg_addr_eq(&s->addr, &a));
	dns_fwd_report(fwd, &a, 53, S(0), false);
	assert_true(mg_addr_eq(&dns_fwd_pick(r, S(0))->addr, &a));	/* one failure */
	dns_fwd_report(fwd, &a, 53, S(1), false);			/* two: down 1 s */
	assert_true(mg_addr_eq(&dns_fwd_pick(r, S(1))->addr, &b));
	assert_null(dns_fwd_pick((struct dns_fwd_rule *)match("0.2.10.in-addr.arpa"), S(1)));
	dns_fwd_report(fwd, &b, 53, S(1), false);
	dns_fwd_report(fwd, &b, 53, S(1), false);
	/* All down: SERVFAIL at once, no waiting. */
	assert_null(dns_fwd_pick(r, S(1)));

	/* After the back-off one probe goes out to each; then fail fast. */
	s = dns_fwd_pick(r, S(2));
	assert_non_null(s);
	assert_true(mg_addr_eq(&s->addr, &a));
	s = dns_fwd_pick(r, S(2));
	assert_non_null(s);
	assert_true(mg_addr_eq(&s->addr, &b));
	assert_null(dns_fwd_pick(r, S(2)));
	/* The probes fail: twice as long. */
	dns_fwd_report(fwd, &a, 53, S(2), false);
	dns_fwd_report(fwd, &b, 53, S(2), false);
	assert_null(dns_fwd_pick(r, S(3)));
	assert_non_null(dns_fwd_pick(r, S(4)));
	/* It answers: up again, everywhere. */
	dns_fwd_report(fwd, &a, 53, S(4), true);
	assert_true(mg_addr_eq(&dns_fwd_pick(r, S(4))->addr, &a));
	assert_non_null(dns_fwd_pick((struct dns_fwd_rule *)match("0.2.10.in-addr.arpa"), S(4)));

	/* The wait is capped. */
	for (int i = 0; i < 40; i++)
		dns_fwd_report(fwd, &a, 53, S(10), false);
	assert_true(r->servers[0].backoff <= S(60));
	assert_int_equal(r->servers[0].down_until, S(10) + S(60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rev_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reachability, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
