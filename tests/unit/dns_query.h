/* A DNS query as ldns writes it, for the unit tests of dns/: the other
 * implementation checks ours. Include after cmocka.h and ldns. */
#ifndef MG_TESTS_DNS_QUERY_H
#define MG_TESTS_DNS_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* name/type in class IN with header flags (LDNS_RD, ...), ID id, and an
 * EDNS record of size edns (0: none) with the DO bit. Fails the test if
 * it does not fit in cap. */
static inline size_t dns_test_query(uint8_t *buf, size_t cap, const char *name, uint16_t type,
				    uint16_t id, uint16_t edns, bool do_bit, uint16_t flags)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, (ldns_rr_type)type,
						    LDNS_RR_CLASS_IN, flags), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, edns);
		ldns_pkt_set_edns_do(p, do_bit);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	assert_true(n <= cap);
	memcpy(buf, wire, n);
	free(wire);
	ldns_pkt_free(p);
	return n;
}

#endif
