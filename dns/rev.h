/* Reverse-lookup names: in-addr.arpa (RFC 1035) by octets, ip6.arpa
 * (RFC 3596) by nibbles. */
#ifndef MG_DNS_REV_H
#define MG_DNS_REV_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define DNS_REV_ZONES_MAX 128	/* a v4 /25 is 128 one-address zones */

/* The full reverse name of an address, lower-case wire form; its length. */
size_t dns_rev_name(const struct mg_addr *a, uint8_t *out);
/* Calls cb for each reverse zone that together cover exactly the prefix:
 * a /24 is one zone, a /22 four /24 zones, a v6 /62 four /64 zones. Stops
 * at cb's first non-zero return and returns it; 0 when all were given. */
int dns_rev_zones(const struct mg_prefix *p,
		  int (*cb)(void *arg, const uint8_t *name, size_t len), void *arg);
/* Back from a full reverse name to the address: 0, or -EINVAL when the name
 * is anything else (partial, not a reverse name, bad digits). */
int dns_rev_addr(const uint8_t *name, size_t len, struct mg_addr *a);

#endif
