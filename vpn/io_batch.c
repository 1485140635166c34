#include "config.h"

#include <errno.h>
#include <string.h>

#include "vpn/io_batch.h"

void io_txq_init(struct io_txq *q, uint8_t *arena, size_t cap, struct io_txq_run *runs,
                 size_t max_runs, unsigned int max_segs)
{
	q->arena = arena;
	q->cap = cap;
	q->runs = runs;
	q->max_runs = max_runs;
	q->max_segs = max_segs ? max_segs : 1;
	if (q->max_segs > IO_GSO_MAX_SEGS)
		q->max_segs = IO_GSO_MAX_SEGS;
	io_txq_reset(q);
}

void io_txq_reset(struct io_txq *q)
{
	q->used = 0;
	q->nruns = 0;
}

bool io_endpoint_eq(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->addr.sa.sa_family != b->addr.sa.sa_family || a->src_ifindex != b->src_ifindex ||
	    memcmp(&a->src, &b->src, sizeof(a->src)) != 0)
		return false;
	switch (a->addr.sa.sa_family) {
	case AF_INET:
		return a->addr.in4.sin_port == b->addr.in4.sin_port &&
		       a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
	case AF_INET6:
		return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
		       a->addr.in6.sin6_scope_id == b->addr.in6.sin6_scope_id &&
		       memcmp(&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, 16) == 0;
	default:
		return true;
	}
}

/* The last run takes the datagram if it goes to the same place, is no
 * longer than the run's segments, and the run stays within what one
 * UDP_SEGMENT send may carry. */
static bool fits_last(const struct io_txq *q, const struct wg_peer *peer,
                      const struct wg_endpoint *ep, size_t len)
{
	const struct io_txq_run *r;

	if (!q->nruns || q->max_segs < 2)
		return false;
	r = &q->runs[q->nruns - 1];
	return !r->closed && r->peer == peer && len <= r->seg && r->n < q->max_segs &&
	       r->len + len <= IO_GSO_MAX_BYTES && io_endpoint_eq(&r->ep, ep);
}

int io_txq_add(struct io_txq *q, struct wg_peer *peer, const struct wg_endpoint *ep,
               const uint8_t *buf, size_t len)
{
	struct io_txq_run *r;

	if (len == 0 || len > IO_GSO_MAX_BYTES || len > UINT16_MAX || len > q->cap)
		return -EMSGSIZE;
	if (q->cap - q->used < len)
		return -ENOBUFS;
	if (fits_last(q, peer, ep, len)) {
		r = &q->runs[q->nruns - 1];
		r->n++;
		r->len += len;
		if (len < r->seg)
			r->closed = true;
	} else {
		if (q->nruns == q->max_runs)
			return -ENOBUFS;
		r = &q->runs[q->nruns++];
		r->ep = *ep;
		r->peer = peer;
		r->off = q->used;
		r->len = len;
		r->seg = (uint16_t)len;
		r->n = 1;
		r->closed = false;
	}
	memcpy(q->arena + q->used, buf, len);
	q->used += len;
	return 0;
}

bool io_rx_next(size_t total, size_t gso_size, size_t off, size_t *len)
{
	size_t left;

	if (off >= total)
		return false;
	left = total - off;
	*len = gso_size && gso_size < left ? gso_size : left;
	return true;
}

#define NSEC_PER_SEC 1000000000ULL

void io_load_init(struct io_load *l, uint32_t per_second)
{
	memset(l, 0, sizeof(*l));
	l->limit = per_second;
}

void io_load_note_handshake(struct io_load *l, uint64_t now)
{
	if (now - l->window_start >= NSEC_PER_SEC || now < l->window_start) {
		l->window_start = now;
		l->count = 0;
	}
	if (++l->count > l->limit)
		l->loaded_until = now + NSEC_PER_SEC;
}

bool io_load_under(const struct io_load *l, uint64_t now)
{
	return now < l->loaded_until;
}
