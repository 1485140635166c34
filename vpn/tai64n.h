/* TAI64N labels (https://cr.yp.to/libtai/tai64.html) as WireGuard sends
 * them in handshake initiations: 8 bytes big-endian seconds since 1970 plus
 * 2^62 + 10, then 4 bytes big-endian nanoseconds. The wall clock is passed
 * in; nothing here reads a clock. */
#ifndef MG_VPN_TAI64N_H
#define MG_VPN_TAI64N_H

#include <stdint.h>
#include <time.h>

#define TAI64N_LEN 12
#define TAI64N_BASE 0x400000000000000aULL

/* Exact label of ts (tv_nsec in 0..999999999). */
void tai64n_encode(uint8_t out[TAI64N_LEN], const struct timespec *ts);

/* The label a handshake initiation carries: nanoseconds rounded down to a
 * multiple of 2^24 (~16.8 ms, the power of two under 1 s / 50, the most
 * initiations a peer accepts per second), so the label leaks no fine clock. */
void tai64n_stamp(uint8_t out[TAI64N_LEN], const struct timespec *now);

/* memcmp order, which is time order: <0, 0, >0. */
int tai64n_cmp(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN]);

#endif
