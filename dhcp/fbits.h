/* A set of small integers [0, n) with "first member at or after i" in
 * O(log64 n): a bitmap under summary bitmaps whose bits say which words
 * below are non-zero. The allocator keeps its free addresses in two. */
#ifndef MG_DHCP_FBITS_H
#define MG_DHCP_FBITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBITS_LEVELS 5			/* 64^5 bits: more than any pool */
#define FBITS_NONE SIZE_MAX

struct fbits {
	uint64_t *lv[FBITS_LEVELS];	/* lv[0]: the set; lv[k+1]: non-zero words of lv[k] */
	size_t nbits[FBITS_LEVELS];
	unsigned nlevels;
};

int fbits_init(struct fbits *b, size_t n);	/* empty; 0 or -ENOMEM */
void fbits_free(struct fbits *b);
void fbits_set(struct fbits *b, size_t i);
void fbits_clear(struct fbits *b, size_t i);
bool fbits_test(const struct fbits *b, size_t i);
/* The first member in [from, to), or FBITS_NONE. */
size_t fbits_next(const struct fbits *b, size_t from, size_t to);

#endif
