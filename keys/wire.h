/* The TLV framing shared by records, revocations, announcements and
 * invitation tokens, and the field codecs they have in common. Pure.
 *
 * A field is: type (u8, never 0) | length (u16, big endian) | value.
 * Types appear in strictly increasing order, so each field appears once
 * and in one place; an object has exactly one encoding. */
#ifndef MG_KEYS_WIRE_H
#define MG_KEYS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/cursor.h"

#define WIRE_TLV_HDR 3
#define WIRE_LABEL_MAX 63            /* node and site names */
#define WIRE_DOMAIN_MAX 253          /* DNS domain, no trailing dot */
#define WIRE_HOST_MAX 253            /* a host name or an address literal */
/* One prefix: family (4 or 6) | length (u8) | address (4 or 16 bytes). */
#define WIRE_PREFIX_MAX 18
/* Any signed object fits in one datagram. */
#define WIRE_OBJECT_MAX 1200

struct tlv_in {
	struct rcur c;
	unsigned last;               /* type of the previous field, 0 before */
};

static inline struct tlv_in tlv_in_init(const void *p, size_t len)
{
	return (struct tlv_in){ .c = rcur_init(p, len), .last = 0 };
}

/* Reads the next field into *type and a cursor bounded to its value.
 * 1 for a field, 0 at the clean end, -EINVAL for a short header, a value
 * past the end, a type 0 or a type not above the previous one. */
int tlv_next(struct tlv_in *in, uint8_t *type, struct rcur *val);

/* Writers: on overflow (or a value over 65535 bytes) the cursor's err is set. */
void tlv_put(struct wcur *w, uint8_t type, const void *v, size_t len);
void tlv_put_u8(struct wcur *w, uint8_t type, uint8_t v);
void tlv_put_u64(struct wcur *w, uint8_t type, uint64_t v);
/* Opens a field whose value is written next; tlv_end sets its length. */
size_t tlv_begin(struct wcur *w, uint8_t type);
void tlv_end(struct wcur *w, size_t start);

/* Value readers: the value must be exactly what they take. 0 or -EINVAL. */
int tlv_get_fixed(struct rcur *val, void *out, size_t n);
int tlv_get_u8(struct rcur *val, uint8_t *out);
int tlv_get_u64(struct rcur *val, uint64_t *out);
/* A label (see wire_label_valid) into out[WIRE_LABEL_MAX + 1]. */
int tlv_get_label(struct rcur *val, char *out);
/* A domain (see wire_domain_valid) into out[WIRE_DOMAIN_MAX + 1]. */
int tlv_get_domain(struct rcur *val, char *out);

/* "a-z0-9-", 1..63 characters, no hyphen first or last: a DNS label in
 * its one lower-case spelling. */
bool wire_label_valid(const char *s);
/* Labels joined by dots, at most 253 characters, no trailing dot. */
bool wire_domain_valid(const char *s);
/* An IPv4/IPv6 literal or a host name (letters of either case, digits,
 * hyphens, dots), 1..253 characters. */
bool wire_host_valid(const char *s);

/* Prefix lists. Routes (host_bits_ok false) must have their host bits
 * clear; interface addresses keep them. Duplicates are refused. */
void wire_put_prefix(struct wcur *w, const struct mg_prefix *p);
bool wire_prefixes_valid(const struct mg_prefix *p, size_t n, bool host_bits_ok);
/* Reads 1..max prefixes filling the whole value. 0 or -EINVAL. */
int wire_get_prefixes(struct rcur *val, struct mg_prefix *out, uint8_t *n,
                      size_t max, bool host_bits_ok);

/* The order every node agrees on between two signed objects of one kind:
 * higher sequence first, then the signature bytes, then (objects no honest
 * signer makes: same signature, other fields) the encodings, an object that
 * cannot be encoded sorting lowest. Returns -1, 0 or 1. */
typedef int (*wire_encode_fn)(const void *obj, uint8_t *buf, size_t cap, size_t *len);
int wire_signed_cmp(uint64_t seq_a, const uint8_t *sig_a, const void *a, uint64_t seq_b,
                    const uint8_t *sig_b, const void *b, size_t sig_len, wire_encode_fn encode);

#endif
