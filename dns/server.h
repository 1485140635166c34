/* The resolver's sockets: UDP and TCP listeners on the loop, bound to the
 * configured addresses only (never the wildcard), queries read and answered
 * in batches (recvmmsg/sendmmsg), TCP with its two-byte length framing, a
 * connection cap and idle timeouts. Before the engine sees a query its
 * source must lie in the allow list (else REFUSED) and have a token in its
 * per-client bucket (else it is dropped). Queries the engine forwards go to
 * dns/upstream and their answers back to the client that asked. */
#ifndef MG_DNS_SERVER_H
#define MG_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/engine.h"
#include "dns/upstream.h"
#include "lib/addr.h"

struct loop;
struct dns_server;

#define DNS_SERVER_MAX_LISTEN	32
#define DNS_SERVER_MAX_ALLOW	64

struct dns_server_policy {
	const struct mg_prefix *allow;	/* sources we answer; none: nobody */
	size_t nallow;
	uint32_t rate;			/* queries per second per client; 0: no limit */
	uint32_t burst;			/* bucket size; 0: twice the rate */
};

struct dns_server_conf {
	const struct mg_addr *listen;
	size_t nlisten;
	uint16_t port;			/* 0: a free port, the same for all (tests) */
	struct dns_server_policy policy;
	unsigned tcp_max;		/* connections at once */
	uint64_t tcp_idle_ns;		/* a connection with nothing to do is closed */
	unsigned max_pending;		/* queries waiting for upstream */
};

struct dns_server_stats {
	uint64_t udp_queries, tcp_queries, replies, dropped, refused, ratelimited;
	uint64_t truncated, forwarded, pending_full, recv_errors, send_errors, oversize;
	uint64_t tcp_accepted, tcp_rejected, tcp_timeouts, tcp_closed_errors, tcp_open;
	uint64_t pending;
};

void dns_server_conf_default(struct dns_server_conf *c);
/* Opens every listener or none: -errno of the first that failed (logged).
 * e and up (may be NULL: forwarding fails) must outlive the server. */
int dns_server_new(struct loop *loop, const struct dns_server_conf *c, struct dns_engine *e,
		   struct dns_upstream *up, struct dns_server **out);
/* Closes the sockets; queries waiting for upstream are dropped. */
void dns_server_free(struct dns_server *s);

/* A new allow list and rate limit, sockets untouched. 0, -EINVAL, -ENOMEM. */
int dns_server_set_policy(struct dns_server *s, const struct dns_server_policy *p);
/* Another upstream (a reload made one): queries waiting on the old one are
 * cancelled and dropped. */
void dns_server_set_upstream(struct dns_server *s, struct dns_upstream *up);

uint16_t dns_server_port(const struct dns_server *s);
void dns_server_get_stats(const struct dns_server *s, struct dns_server_stats *st);

#endif
