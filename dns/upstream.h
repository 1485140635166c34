/* Asking upstream for the engine: the raw query from dns_request_upstream()
 * goes out with c-ares (ares_send) to the forwarding rule's server, or to
 * the default upstream resolvers ([dns] upstream, else resolv.conf's); c-ares
 * retries, times out and falls back to TCP on a truncated answer. The answer
 * or the failure goes through dns_engine_reply() or dns_engine_fail() and the
 * bytes for the client come back through the caller's callback, always from
 * the loop and never from inside dns_upstream_send(). One c-ares channel for
 * the defaults and one per rule server, made when first needed. */
#ifndef MG_DNS_UPSTREAM_H
#define MG_DNS_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "dns/engine.h"
#include "lib/addr.h"

struct loop;
struct dns_upstream;
struct dns_upstream_query;

#define DNS_UPSTREAM_MAX	8	/* default servers */
#define DNS_UPSTREAM_CHANNELS	64	/* rule servers with a channel at once */

struct dns_upstream_conf {
	const struct mg_addr *servers;	/* none: the nameservers of resolv_conf */
	size_t nservers;
	uint16_t port;			/* of those servers; 0: 53 */
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	/* Our own listeners: a resolv.conf that names them would loop. */
	const struct mg_addr *self;
	size_t nself;
	uint16_t self_port;
	unsigned timeout_ms;		/* first try; c-ares doubles it per round */
	unsigned tries;
	unsigned max_inflight;
};

struct dns_upstream_stats {
	uint64_t sent, answered, failed, timeouts, refused, cancelled, busy;
	uint64_t inflight, channels, channels_evicted;
};

/* v is DNS_REPLY with len bytes in out (valid during the call only) or
 * DNS_DROP with nothing to send. */
typedef void (*dns_upstream_cb)(void *arg, enum dns_verdict v, const uint8_t *out, size_t len);

void dns_upstream_conf_default(struct dns_upstream_conf *c);
/* e answers for every query; it must outlive the upstream. 0, -ENOMEM,
 * -EINVAL or -EIO. */
int dns_upstream_new(struct loop *loop, const struct dns_upstream_conf *c, struct dns_engine *e,
		     struct dns_upstream **out);
/* Queries in flight end without their callbacks. NULL is fine. */
void dns_upstream_free(struct dns_upstream *u);

/* Sends req upstream; req must stay put until cb runs or the query is
 * cancelled. 0; -EBUSY (max_inflight), -ENETUNREACH (no default servers),
 * -ENOMEM: then cb is never called and the caller answers with
 * dns_engine_fail(). */
int dns_upstream_send(struct dns_upstream *u, struct dns_request *req, dns_upstream_cb cb,
		      void *arg, struct dns_upstream_query **handle);
/* cb is then never called. NULL is ignored. */
void dns_upstream_cancel(struct dns_upstream_query *q);

void dns_upstream_get_stats(const struct dns_upstream *u, struct dns_upstream_stats *st);
/* The default servers in use; how many (up to max). */
size_t dns_upstream_servers(const struct dns_upstream *u, struct mg_addr *addrs,
			    uint16_t *ports, size_t max);

#endif
