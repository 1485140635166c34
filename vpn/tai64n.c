#include "config.h"

#include <string.h>

#include "vpn/tai64n.h"

#define TAI64N_WHITEN_MASK ((1u << 24) - 1)

void tai64n_encode(uint8_t out[TAI64N_LEN], const struct timespec *ts)
{
	uint64_t sec = TAI64N_BASE + (uint64_t)ts->tv_sec;
	uint32_t nsec = (uint32_t)ts->tv_nsec;
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(sec >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

void tai64n_stamp(uint8_t out[TAI64N_LEN], const struct timespec *now)
{
	struct timespec t = *now;

	t.tv_nsec &= ~(long)TAI64N_WHITEN_MASK;
	tai64n_encode(out, &t);
}

int tai64n_cmp(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN])
{
	return memcmp(a, b, TAI64N_LEN);
}
