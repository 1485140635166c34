/* Replies to a client, written into the caller's buffer with no
 * allocation: errors, authoritative answers from zone_lookup(), and relays
 * of upstream or cached replies. The question goes back byte for byte, so
 * the client's case is kept; an OPT goes back when the query had one. */
#ifndef MG_DNS_ANSWER_H
#define MG_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/reply.h"
#include "dns/wire.h"
#include "dns/zone.h"

/* How big a reply this client takes: 512 without EDNS, else what it
 * advertised (at least 512) bounded by ours; 65535 over TCP. */
size_t dns_answer_limit(const struct dns_query *q, bool tcp, uint16_t our_udp);

/* A reply with no records: FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS
 * (that one with an OPT, whose extended bits carry it). Returns its length,
 * 0 if cap is too small. */
size_t dns_answer_error(const struct dns_query *q, uint8_t rcode, uint16_t our_udp, uint8_t *out,
			size_t cap);

/* An authoritative answer (AA). If it exceeds limit it is cut to the
 * question with TC set. Names are compressed against the question and the
 * names in earlier records' data. */
size_t dns_answer_zone(const struct dns_query *q, const struct zone_result *r, uint16_t our_udp,
		       size_t limit, uint8_t *out, size_t cap);

/* Relaying a stored-form reply (see dns/reply.h): plan what fits, copy that
 * much into out, then finish it for this client. */
struct dns_relay_plan {
	size_t copy_len;
	bool drop_ar;		/* additional section left out: no TC needed */
	bool tc;		/* not even answer and authority fit */
};

void dns_relay_plan(const struct dns_query *q, size_t stored_len, size_t ar_off, size_t limit,
		    struct dns_relay_plan *p);
/* Sets id, RD, RA, TC, the client's question bytes, the counts; appends
 * our OPT. out holds plan->copy_len bytes and has room for limit. */
size_t dns_relay_finish(const struct dns_query *q, const struct dns_relay_plan *p, uint8_t *out,
			uint16_t our_udp);
/* All three for an upstream reply that is not cached (ri from
 * dns_reply_scan, OPT movable). */
size_t dns_answer_relay(const struct dns_query *q, const uint8_t *reply,
			const struct dns_reply_info *ri, uint16_t our_udp, size_t limit,
			uint8_t *out, size_t cap);

#endif
