/* DHCP option values (RFC 2132 and later): typed reading of a parsed
 * message, and encoding of the values a server sends: address lists,
 * domain names, the domain search list (RFC 3397, compressed), classless
 * static routes (RFC 3442) and the client FQDN (RFC 4702). */
#ifndef MG_DHCP_OPTIONS_H
#define MG_DHCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"
#include "dhcp/wire.h"

/* ---- reading ---- */

bool dhcp_opt_has(const struct dhcp_optset *s, uint8_t code);
/* The value and its length, or NULL if absent (present but empty: not NULL). */
const uint8_t *dhcp_opt_get(const struct dhcp_optset *s, uint8_t code, size_t *len);
/* Fixed-size values: 0, -ENOENT if absent, -EINVAL if of another length. */
int dhcp_opt_u8(const struct dhcp_optset *s, uint8_t code, uint8_t *v);
int dhcp_opt_u16(const struct dhcp_optset *s, uint8_t code, uint16_t *v);
int dhcp_opt_u32(const struct dhcp_optset *s, uint8_t code, uint32_t *v);

/* Option 53, or 0 if absent. */
uint8_t dhcp_msg_type(const struct dhcp_msg *m);

/* The client's identity: option 61 if present, else htype and chaddr.
 * -EINVAL if it has neither (hlen 0 and no option 61). */
int dhcp_msg_key(const struct dhcp_msg *m, struct dhcp_key *k);
void dhcp_key_from_cid(struct dhcp_key *k, const uint8_t *cid, size_t len);
void dhcp_key_from_hw(struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen);
bool dhcp_key_eq(const struct dhcp_key *a, const struct dhcp_key *b);

/* The largest reply the client takes (option 57 is the whole IP datagram,
 * at least 576), less IP and UDP headers, at most DHCP_REPLY_MAX. */
size_t dhcp_msg_max_reply(const struct dhcp_msg *m);

/* Option 81. flags bits: */
#define DHCP_FQDN_S 0x01	/* the server should do the A update */
#define DHCP_FQDN_O 0x02	/* the server overrode S */
#define DHCP_FQDN_E 0x04	/* the name is in wire encoding, else ASCII */
#define DHCP_FQDN_N 0x08	/* no updates at all */

struct dhcp_fqdn {
	uint8_t flags, rcode1, rcode2;
	char name[DHCP_DNAME_MAX + 1];	/* dotted, as sent; may be partial */
};

/* 0, -ENOENT, or -EINVAL (bad wire encoding, compression pointers). */
int dhcp_opt_fqdn(const struct dhcp_optset *s, struct dhcp_fqdn *f);

/* ---- encoding values ---- */

/* "a.example.org" (a trailing dot or not) as DNS wire labels ending in
 * the root label. Length, -EINVAL (empty label, label > 63, name > 255),
 * -ENOSPC. */
int dhcp_dname_encode(uint8_t *out, size_t cap, const char *name);
/* Option 119's value: the names in order, later ones pointing back at
 * suffixes already written (RFC 3397 4). */
int dhcp_search_encode(uint8_t *out, size_t cap, const char *const *names, size_t n);
/* Option 121's (and 249's) value: width, significant octets, router
 * (RFC 3442). -EINVAL for a length over 32 or host bits set. */
int dhcp_routes_encode(uint8_t *out, size_t cap, const struct dhcp_route *r, size_t n);

/* ---- options by code (a parsed message's, or a template of values) ---- */

void dhcp_optset_init(struct dhcp_optset *s);
/* Sets code's value once; -EEXIST if set, -ENOSPC if data is full. */
int dhcp_optset_put(struct dhcp_optset *s, uint8_t code, const void *v, size_t len);

/* ---- options to send, in order ---- */

void dhcp_optlist_init(struct dhcp_optlist *o);
/* 0, -EINVAL (pad or end), -ENOSPC (and o->err). */
int dhcp_optlist_put(struct dhcp_optlist *o, uint8_t code, const void *v, size_t len);
int dhcp_optlist_u8(struct dhcp_optlist *o, uint8_t code, uint8_t v);
int dhcp_optlist_u16(struct dhcp_optlist *o, uint8_t code, uint16_t v);
int dhcp_optlist_u32(struct dhcp_optlist *o, uint8_t code, uint32_t v);
int dhcp_optlist_addrs(struct dhcp_optlist *o, uint8_t code, const uint32_t *a, size_t n);
int dhcp_optlist_str(struct dhcp_optlist *o, uint8_t code, const char *s);
/* Option 81 in a reply: flags, RCODEs 255 (RFC 4702 4), the name in wire
 * encoding if E is in flags, else ASCII. */
int dhcp_optlist_fqdn(struct dhcp_optlist *o, uint8_t flags, const char *name);
bool dhcp_optlist_has(const struct dhcp_optlist *o, uint8_t code);

#endif
