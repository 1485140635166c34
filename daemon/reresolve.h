/* When to look a peer's endpoint host name up again: once the peer stops
 * answering, as wg-quick's reresolve-dns.sh does from cron, but built in.
 * "Stops answering" is the engine's own rule for starting a new handshake:
 * we have sent and heard nothing back for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT
 * (a live peer answers data within KEEPALIVE_TIMEOUT, with a keepalive if
 * it has nothing to say). An idle peer is left alone. Lookups that find the
 * same address back off, so a peer that is down costs a query every few
 * minutes, not every second. Pure: counters and a clock in, a verdict out. */
#ifndef MG_DAEMON_RERESOLVE_H
#define MG_DAEMON_RERESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#define RERESOLVE_SEC UINT64_C(1000000000)
#define RERESOLVE_SILENCE (15 * RERESOLVE_SEC)
#define RERESOLVE_MIN (15 * RERESOLVE_SEC)   /* between lookups at first */
#define RERESOLVE_MAX (300 * RERESOLVE_SEC)  /* after doubling */

struct reresolve {
	uint64_t rx, tx;        /* the peer's byte counters when rx last moved */
	uint64_t sent;          /* first check that saw tx move since; 0: none */
	uint64_t looked;        /* when the last lookup ended (or the watch began) */
	uint64_t interval;      /* least time between lookups now */
	bool known;             /* a lookup has given an address */
};

/* now: monotonic ns; the first lookup is the caller's. */
void reresolve_init(struct reresolve *r, uint64_t now);
/* Called periodically with the peer's counters while no lookup is in
 * flight; true when the name is to be looked up now. */
bool reresolve_due(struct reresolve *r, uint64_t rx, uint64_t tx, uint64_t now);
/* A lookup ended: ok with an address; moved when it differs from the
 * last one. */
void reresolve_done(struct reresolve *r, bool ok, bool moved, uint64_t now);

#endif
