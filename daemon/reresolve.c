#include "config.h"

#include "daemon/reresolve.h"

void reresolve_init(struct reresolve *r, uint64_t now)
{
	*r = (struct reresolve){ .looked = now, .interval = RERESOLVE_MIN };
}

bool reresolve_due(struct reresolve *r, uint64_t rx, uint64_t tx, uint64_t now)
{
	if (rx != r->rx) {
		/* It answered: whatever was sent before counts as heard. */
		r->rx = rx;
		r->tx = tx;
		r->sent = 0;
		r->interval = RERESOLVE_MIN;
		return false;
	}
	if (tx != r->tx && !r->sent)
		r->sent = now;
	if (now - r->looked < r->interval)
		return false;
	if (!r->known)
		return true;            /* no address yet: keep trying */
	return r->sent && now - r->sent >= RERESOLVE_SILENCE;
}

void reresolve_done(struct reresolve *r, bool ok, bool moved, uint64_t now)
{
	r->looked = now;
	if (ok)
		r->known = true;
	if (moved) {
		/* A fresh address gets the full silence again. */
		r->sent = 0;
		r->interval = RERESOLVE_MIN;
		return;
	}
	r->interval = r->interval >= RERESOLVE_MAX / 2 ? RERESOLVE_MAX : r->interval * 2;
}
