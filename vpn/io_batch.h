/* The data plane's batching, without sockets: the queue of datagrams
 * waiting to be sent, grouped into runs that one sendmsg with UDP_SEGMENT
 * can carry; the walk over a buffer that UDP_GRO filled with several
 * datagrams; and the meter that says when handshakes arrive faster than
 * the device should answer them without cookies. Pure. */
#ifndef MG_VPN_IO_BATCH_H
#define MG_VPN_IO_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/device.h"

/* The kernel's UDP_MAX_SEGMENTS was 64 before Linux 6.7. */
#define IO_GSO_MAX_SEGS 64
/* An IPv4 datagram's payload tops out at 65507 bytes. */
#define IO_GSO_MAX_BYTES 65507

/* Consecutive datagrams to one endpoint, back to back in the arena: all
 * seg bytes long but the last, which may be shorter (UDP_SEGMENT's rule). */
struct io_txq_run {
	struct wg_endpoint ep;
	struct wg_peer *peer;       /* NULL: a cookie reply */
	size_t off, len;            /* bytes in the arena */
	uint16_t seg;               /* each datagram's length but the last's */
	uint16_t n;                 /* datagrams */
	bool closed;                /* the last one was short: nothing more fits */
};

struct io_txq {
	uint8_t *arena;
	size_t cap, used;
	struct io_txq_run *runs;
	size_t max_runs, nruns;
	unsigned int max_segs;      /* 1: every datagram a run of its own */
};

/* Buffers from the caller; max_segs 1 turns segmentation off. */
void io_txq_init(struct io_txq *q, uint8_t *arena, size_t cap, struct io_txq_run *runs,
                 size_t max_runs, unsigned int max_segs);
/* Copies the datagram in, onto the last run when it can go there. 0, or
 * -ENOBUFS when the queue is full (send it and try again), -EMSGSIZE if
 * the datagram could never fit. */
int io_txq_add(struct io_txq *q, struct wg_peer *peer, const struct wg_endpoint *ep,
               const uint8_t *buf, size_t len);
void io_txq_reset(struct io_txq *q);
bool io_endpoint_eq(const struct wg_endpoint *a, const struct wg_endpoint *b);

/* The datagrams of a receive buffer of total bytes: gso_size 0 means one
 * datagram. The length of the one at off, or false past the end:
 *   for (off = 0; io_rx_next(total, gso, off, &len); off += len) */
bool io_rx_next(size_t total, size_t gso_size, size_t off, size_t *len);

/* Handshake messages per second. Past the limit the device is under load
 * (cookies are required) until a whole second has gone by below it: the
 * kernel's rule, with a rate where it has a queue length. */
struct io_load {
	uint64_t window_start;      /* ns */
	uint32_t count;             /* handshakes in this window */
	uint32_t limit;
	uint64_t loaded_until;      /* ns */
};

void io_load_init(struct io_load *l, uint32_t per_second);
void io_load_note_handshake(struct io_load *l, uint64_t now);
bool io_load_under(const struct io_load *l, uint64_t now);

#endif
