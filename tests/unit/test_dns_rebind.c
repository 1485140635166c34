/* dns/rebind: which addresses count as ours, and which records of an
 * upstream reply would rebind a public name onto them. */
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

#include "dns/rebind.h"
#include "dns/wire.h"
#include "tests/unit/testutil.h"

static const uint8_t key[16] = "rebind-test-key";

static void test_private(void **state)
{
	static const struct {
		const char *a;
		bool priv;
	} t[] = {
		{ "10.1.2.3", true }, { "172.16.0.1", true }, { "172.31.255.255", true },
		{ "172.32.0.1", false }, { "192.168.0.1", true }, { "192.169.0.1", false },
		{ "127.0.0.1", true }, { "169.254.1.1", true }, { "100.64.0.1", true },
		{ "100.127.255.255", true }, { "100.128.0.1", false }, { "8.8.8.8", false },
		{ "0.0.0.0", false }, { "::1", true }, { "fe80::1", true }, { "febf::1", true },
		{ "fec0::1", false }, { "fc00::1", true }, { "fd12:3456::1", true },
		{ "2001:db8::1", false }, { "::ffff:192.168.1.1", true }, { "::ffff:8.8.8.8", false },
		{ "::", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mg_addr a;

		assert_int_equal(mg_addr_parse(t[i].a, &a), 0);
		if (dns_addr_private(&a) != t[i].priv)
			fail_msg("%s: want %s", t[i].a, t[i].priv ? "private" : "public");
	}
}

static size_t reply(uint8_t *buf, const char *qname, const char *sections, const char **recs)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, qname, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
						    LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	for (size_t i = 0; sections[i]; i++) {
		ldns_rr *r = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&r, recs[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, sections[i] == 'a' ? LDNS_SECTION_ANSWER :
				    sections[i] == 'n' ? LDNS_SECTION_AUTHORITY :
				    LDNS_SECTION_ADDITIONAL, r);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	memcpy(buf, wire, n);
	free(wire);
	ldns_pkt_free(p);
	return n;
}

static bool allow_site(void *arg, const uint8_t *name, size_t len)
{
	return dns_name_under(name, len, (const uint8_t *)"\005flat2\007example", 15);
}

static void test_check(void **state)
{
	static const char *evil[] = {
		"evil.example.com. 60 IN A 192.168.1.1",
		"evil.example.com. 60 IN A 93.184.216.34",
		"evil.example.com. 60 IN AAAA fd00::1",
	};
	static const char *chain[] = {
		"Alias.Example.org. 60 IN CNAME nas.FLAT2.example.",
		"nas.FLAT2.example. 60 IN A 10.2.0.5",
	};
	static const char *auth[] = {
		"example.net. 60 IN NS ns.example.net.",
		"ns.example.net. 60 IN A 10.0.0.1",
	};
	struct dns_rebind *rb = dns_rebind_new(key);
	uint8_t m[1024];
	size_t n;

	assert_non_null(rb);
	n = reply(m, "evil.example.com.", "aar", evil);
	assert_int_equal(dns_rebind_check(rb, m, n, NULL, NULL), 2);
	assert_int_equal(dns_rebind_check(NULL, m, n, NULL, NULL), 2);
	assert_int_equal(dns_rebind_allow(rb, "Example.COM"), 0);
	assert_int_equal(dns_rebind_allow(rb, "example.com."), 0);
	assert_int_equal(dns_rebind_check(rb, m, n, NULL, NULL), 0);
	assert_int_equal(dns_rebind_allow(rb, "bad..name"), -EINVAL);

	/* Judged by each record's owner: a site's name is fine via the
	 * callback, whatever the case. */
	n = reply(m, "alias.example.org.", "aa", chain);
	assert_int_equal(dns_rebind_check(rb, m, n, NULL, NULL), 1);
	assert_int_equal(dns_rebind_check(rb, m, n, allow_site, NULL), 0);

	/* The authority section is not looked at; the additional one is. */
	n = reply(m, "www.example.net.", "nn", auth);
	assert_int_equal(dns_rebind_check(rb, m, n, NULL, NULL), 0);
	n = reply(m, "www.example.net.", "nr", auth);
	assert_int_equal(dns_rebind_check(rb, m, n, NULL, NULL), 1);

	/* Malformed: an error, not a count. */
	n = reply(m, "evil.example.com.", "aar", evil);
	assert_int_equal(dns_rebind_check(rb, m, n - 1, NULL, NULL), -EINVAL);
	assert_int_equal(dns_rebind_check(rb, m, 5, NULL, NULL), -EINVAL);
	dns_rebind_free(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
