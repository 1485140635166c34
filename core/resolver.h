/* Asynchronous host name resolution on the event loop (c-ares): peers'
 * endpoint names such as home.example.dyndns.org, resolved again when a peer
 * stops answering. Knows no protocol. Nothing here blocks on the network;
 * every answer arrives through its callback from the loop, never from inside
 * resolver_lookup(). */
#ifndef MG_CORE_RESOLVER_H
#define MG_CORE_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct resolver;
struct resolver_query;

#define RESOLVER_MAX_INFLIGHT 256

/* Zero means "as the system says" for every field. */
struct resolver_opts {
	/* "127.0.0.1:5353,[::1]:53": these servers instead of resolv.conf's */
	const char *servers;
	unsigned int timeout_ms;	/* first try per server; c-ares doubles it each round */
	unsigned int tries;		/* rounds over the servers before giving up */
	unsigned int max_inflight;	/* RESOLVER_MAX_INFLIGHT when 0 */
	bool no_search;			/* ignore resolv.conf's search domains */
	bool env_hosts;			/* hosts file from $CARES_HOSTS (tests) */
};

/* status is 0 with the address (port filled in), or with sa NULL and len 0:
 * -ENOENT no such name, -ENODATA no address, -ETIMEDOUT no answer,
 * -ECONNREFUSED servers refused or failed, -EPROTO bad answer, -EINVAL,
 * -ENOMEM, -EIO anything else. resolver_strerror() says it in words. */
typedef void (*resolver_cb)(void *arg, int status, const struct sockaddr *sa, socklen_t len);

/* The channel reads resolv.conf now; resolver_free() before loop_free().
 * 0, -ENOMEM, -EINVAL (bad servers string) or -EIO. */
int resolver_new(struct loop *loop, struct resolver **out);
int resolver_new_with(struct loop *loop, const struct resolver_opts *opts, struct resolver **out);
/* Drops every lookup in flight: none of their callbacks is called. Safe from
 * inside a resolver callback. */
void resolver_free(struct resolver *r);

/* Resolves host (a name, or a literal IPv4/IPv6 address, which is answered
 * without a query; no brackets) to one address with port. family_pref
 * AF_INET or AF_INET6 takes that family when the name has it and the other
 * otherwise; AF_UNSPEC takes the first in RFC 6724 order, the one wg(8)
 * would (see resolver.c). cb is called exactly once unless the lookup is
 * cancelled. *handle (may be NULL) stays valid until cb runs or
 * resolver_cancel(); forget it then. 0, -EINVAL (bad host or family) or
 * -EBUSY (max_inflight lookups in flight); on error cb is never called. */
int resolver_lookup(struct resolver *r, const char *host, uint16_t port, int family_pref,
		    resolver_cb cb, void *arg, struct resolver_query **handle);
/* cb is then never called. NULL is ignored. */
void resolver_cancel(struct resolver_query *q);

/* Lookups holding a slot: cancelled ones count until c-ares lets go. */
unsigned int resolver_inflight(const struct resolver *r);

/* A message for a status from the callback or resolver_lookup(). */
const char *resolver_strerror(int status);

#endif
