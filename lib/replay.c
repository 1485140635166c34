#include "config.h"

#include <string.h>

#include "lib/replay.h"

_Static_assert(REPLAY_BITS_TOTAL % (sizeof(unsigned long) * CHAR_BIT) == 0,
	       "the ring is whole words");
_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0, "ring index by mask");

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

bool replay_check_and_update(struct replay_window *w, uint64_t counter, uint64_t limit)
{
	uint64_t c, word, top_word, gap;
	unsigned long *slot, bit;

	if (counter >= limit)
		return false;
	/* Shifted by one so that top == 0 can mean "nothing yet"; cannot wrap
	 * because counter < limit <= UINT64_MAX. */
	c = counter + 1;
	if (w->top > REPLAY_WINDOW && c < w->top - REPLAY_WINDOW)
		return false;

	word = c / REPLAY_WORD_BITS;
	if (c > w->top) {
		/* Words between the old top and the new one hold stale bits of
		 * counters a ring ago; more than a ring's worth clears it all. */
		top_word = w->top / REPLAY_WORD_BITS;
		gap = word - top_word;
		if (gap > REPLAY_WORDS)
			gap = REPLAY_WORDS;
		for (uint64_t i = 1; i <= gap; i++)
			w->ring[(top_word + i) & (REPLAY_WORDS - 1)] = 0;
		w->top = c;
	}
	slot = &w->ring[word & (REPLAY_WORDS - 1)];
	bit = 1UL << (c % REPLAY_WORD_BITS);
	if (*slot & bit)
		return false;
	*slot |= bit;
	return true;
}
