/* Summary bitmaps: a bit at level k+1 is set iff its word at level k is
 * non-zero, so a search climbs until it finds a set bit and comes down. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "dhcp/fbits.h"

int fbits_init(struct fbits *b, size_t n)
{
	unsigned k = 0;

	*b = (struct fbits){ 0 };
	do {
		size_t words = (n + 63) / 64;

		if (k == FBITS_LEVELS)
			goto fail;
		b->nbits[k] = n;
		b->lv[k] = calloc(words ? words : 1, sizeof(uint64_t));
		if (!b->lv[k])
			goto fail;
		b->nlevels = ++k;
		n = words;
	} while (n > 1);
	return 0;
fail:
	fbits_free(b);
	return -ENOMEM;
}

void fbits_free(struct fbits *b)
{
	unsigned k;

	for (k = 0; k < b->nlevels; k++)
		free(b->lv[k]);
	*b = (struct fbits){ 0 };
}

void fbits_set(struct fbits *b, size_t i)
{
	unsigned k;

	for (k = 0; k < b->nlevels; k++) {
		uint64_t *w = &b->lv[k][i / 64], was = *w;

		*w |= 1ULL << (i % 64);
		if (was)
			return;
		i /= 64;
	}
}

void fbits_clear(struct fbits *b, size_t i)
{
	unsigned k;

	for (k = 0; k < b->nlevels; k++) {
		uint64_t *w = &b->lv[k][i / 64];

		*w &= ~(1ULL << (i % 64));
		if (*w)
			return;
		i /= 64;
	}
}

bool fbits_test(const struct fbits *b, size_t i)
{
	return b->lv[0][i / 64] >> (i % 64) & 1;
}

/* The first set bit at or after i on level k, or FBITS_NONE. */
static size_t next_at(const struct fbits *b, unsigned k, size_t i)
{
	size_t w;
	uint64_t bits;

	if (i >= b->nbits[k])
		return FBITS_NONE;
	w = i / 64;
	bits = b->lv[k][w] & (~0ULL << (i % 64));
	if (!bits) {
		if (k + 1 >= b->nlevels)
			return FBITS_NONE;
		w = next_at(b, k + 1, w + 1);
		if (w == FBITS_NONE)
			return FBITS_NONE;
		bits = b->lv[k][w];
	}
	return w * 64 + (size_t)__builtin_ctzll(bits);
}

size_t fbits_next(const struct fbits *b, size_t from, size_t to)
{
	size_t i = next_at(b, 0, from);

	return i < to ? i : FBITS_NONE;
}
