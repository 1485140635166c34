/* An upstream reply, scanned once: what the cache and the relay to the
 * client need. The "stored form" is the reply up to its last record with
 * the OPT record taken out (ARCOUNT less one): a client gets our own OPT,
 * or none if it sent none. */
#ifndef MG_DNS_REPLY_H
#define MG_DNS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

struct dns_reply_info {
	struct dns_hdr hdr;		/* as received */
	uint8_t qname[DNS_NAME_MAX];	/* lower-cased */
	uint8_t qname_len;
	uint16_t qtype, qclass;
	struct dns_edns edns;		/* the OPT record, if any */
	bool opt_movable;		/* OPT can be cut out without breaking pointers */
	size_t end;			/* after the last record; later bytes are ignored */
	size_t stored_len;		/* end less the OPT */
	size_t ar_off;			/* where the additional section starts */
	uint16_t arcount;		/* without the OPT */
	unsigned nttl;			/* TTL fields, OPT not counted */
	uint32_t min_ttl;		/* over answer and authority; UINT32_MAX if none */
	bool has_soa;			/* an SOA in authority: */
	uint32_t neg_ttl;		/*   min(its TTL, its MINIMUM), RFC 2308 */
	size_t soa_ttl_off;		/*   its TTL field, in the stored form */
	bool has_dnssec;		/* RRSIG, NSEC, NSEC3 or DS seen */
};

/* Scans a reply with exactly one question (no pointers in it). ttl_offs
 * receives up to max stored-form offsets of TTL fields (may be NULL);
 * ri->nttl counts them all, so nttl > max means some were not stored.
 * 0 or -EINVAL. */
int dns_reply_scan(const uint8_t *msg, size_t len, struct dns_reply_info *ri,
		   uint16_t *ttl_offs, unsigned max);
/* Copies stored-form bytes [from, from + n) of msg to dst. */
void dns_reply_copy(const uint8_t *msg, const struct dns_reply_info *ri, size_t from, size_t n,
		    uint8_t *dst);

#endif
