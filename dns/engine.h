/* One query through the pure pipeline: parse, our zones, the cache, the
 * forwarding rules, and a verdict: drop, reply (bytes in out) or forward
 * (the I/O layer asks upstream and feeds the reply, or the failure, back).
 * No sockets, no event loop, no clock of its own: `now` is nanoseconds on
 * the loop's monotonic scale. The hot paths (a local name, a cache hit) do
 * not allocate. The parts belong to the caller, who may swap them (SIGHUP)
 * between queries. */
#ifndef MG_DNS_ENGINE_H
#define MG_DNS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/cache.h"
#include "dns/forward.h"
#include "dns/rebind.h"
#include "dns/wire.h"
#include "dns/zone.h"

struct dns_engine_conf {
	uint16_t udp_size;	/* our EDNS buffer size, to clients and upstream */
	bool rebind_protect;
};

struct dns_engine_stats {
	uint64_t queries, dropped, formerr, notimp, refused, badvers;
	uint64_t local, local_nxdomain, cache_hits, stale_served;
	uint64_t forwarded, forwarded_rule, servfail_down, servfail_upstream;
	uint64_t upstream_replies, upstream_bad, rebind_blocked, uncached;
};

struct dns_engine {
	struct dns_engine_conf conf;
	const struct zone_db *zones;		/* each may be NULL */
	struct dns_cache *cache;
	struct dns_fwd *fwd;
	const struct dns_rebind *rebind;
	struct dns_engine_stats st;
};

enum dns_verdict { DNS_DROP, DNS_REPLY, DNS_FORWARD };

/* What the I/O layer keeps while upstream is asked. */
struct dns_request {
	struct dns_query q;
	bool tcp;
	size_t limit;		/* the client's reply size */
	bool has_server;	/* false: the default upstream resolvers */
	struct mg_addr server;
	uint16_t port;
};

void dns_engine_conf_default(struct dns_engine_conf *c);
void dns_engine_init(struct dns_engine *e, const struct dns_engine_conf *c);

/* A client's query. DNS_REPLY: *out_len bytes in out. DNS_FORWARD: send
 * dns_request_upstream() to req->server (or the default upstream), then
 * call dns_engine_reply() or dns_engine_fail(). out should hold 65535
 * bytes over TCP; over UDP the reply never exceeds the client's limit. */
enum dns_verdict dns_engine_query(struct dns_engine *e, uint64_t now, const uint8_t *msg,
				  size_t len, bool tcp, struct dns_request *req, uint8_t *out,
				  size_t cap, size_t *out_len);
/* The query to send upstream: lower-cased name, RD, the client's CD, EDNS
 * with our size and the client's DO. Its length, or 0. */
size_t dns_request_upstream(const struct dns_engine *e, const struct dns_request *req,
			    uint16_t id, uint8_t *out, size_t cap);
/* Upstream's reply: cached, checked for rebinding, relayed to the client. */
enum dns_verdict dns_engine_reply(struct dns_engine *e, uint64_t now, struct dns_request *req,
				  const uint8_t *reply, size_t len, uint8_t *out, size_t cap,
				  size_t *out_len);
/* Upstream timed out or failed: a stale answer if there is one, else
 * SERVFAIL. */
enum dns_verdict dns_engine_fail(struct dns_engine *e, uint64_t now, struct dns_request *req,
				 uint8_t *out, size_t cap, size_t *out_len);

#endif
