/* DNS-rebinding protection: an upstream reply must not give a public name
 * an address inside our networks. Private, loopback, link-local, CGNAT and
 * ULA addresses are allowed only for names under an allow-listed domain
 * (our zones and the other sites' domains come in through a callback). */
#ifndef MG_DNS_REBIND_H
#define MG_DNS_REBIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/hash.h"
#include "lib/addr.h"

struct dns_rebind;

typedef bool (*dns_rebind_ok_fn)(void *arg, const uint8_t *name, size_t len);

struct dns_rebind *dns_rebind_new(const uint8_t key[DNS_HASH_KEYLEN]);
void dns_rebind_free(struct dns_rebind *rb);
/* Names at or under domain may have private addresses. */
int dns_rebind_allow(struct dns_rebind *rb, const char *domain);
bool dns_rebind_allowed(const struct dns_rebind *rb, const uint8_t *name, size_t len);
bool dns_addr_private(const struct mg_addr *a);
/* How many A/AAAA records in the answer and additional sections carry a
 * private address for a name neither allow-listed nor accepted by ok (may
 * be NULL); -EINVAL if the reply is malformed. */
int dns_rebind_check(const struct dns_rebind *rb, const uint8_t *msg, size_t len,
		     dns_rebind_ok_fn ok, void *arg);

#endif
