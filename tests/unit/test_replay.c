/* lib/replay: hand cases at every edge, and a randomised differential run
 * against a plain set of every counter accepted so far. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/replay.h"

#define LIMIT REPLAY_REJECT_AFTER_MESSAGES

static bool ok(struct replay_window *w, uint64_t c)
{
	return replay_check_and_update(w, c, LIMIT);
}

static void constants(void **state)
{
	assert_true(REPLAY_REJECT_AFTER_MESSAGES == UINT64_C(0xffffffffffffdfff));
	assert_int_equal(REPLAY_BITS_TOTAL, 8192);
	assert_int_equal(REPLAY_WINDOW, 8192 - sizeof(unsigned long) * 8);
	assert_int_equal(sizeof(((struct replay_window *)0)->ring) * 8, 8192);
}

static void in_order(void **state)
{
	struct replay_window w;

	replay_init(&w);
	for (uint64_t c = 0; c < 20000; c++)
		assert_true(ok(&w, c));
	for (uint64_t c = 0; c < 20000; c++)
		assert_false(ok(&w, c));
	assert_true(ok(&w, 20000));
}

static void out_of_order(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_true(ok(&w, 1000));
	for (int c = 999; c >= 1; c -= 2)
		assert_true(ok(&w, (uint64_t)c));
	for (int c = 998; c >= 0; c -= 2)
		assert_true(ok(&w, (uint64_t)c));
	for (uint64_t c = 0; c <= 1000; c++)
		assert_false(ok(&w, c));
	/* Ahead with a gap, then fill the gap. */
	assert_true(ok(&w, 1100));
	for (uint64_t c = 1001; c < 1100; c++)
		assert_true(ok(&w, c));
	assert_false(ok(&w, 1050));
}

static void duplicates(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_true(ok(&w, 0));
	assert_false(ok(&w, 0));
	assert_true(ok(&w, 5));
	assert_false(ok(&w, 5));
	assert_true(ok(&w, 3));
	assert_false(ok(&w, 3));
	assert_false(ok(&w, 5));
	assert_true(ok(&w, 4));
	assert_true(ok(&w, 6));
	assert_false(ok(&w, 6));
}

static void window_edge(void **state)
{
	const uint64_t tops[] = { REPLAY_WINDOW, REPLAY_WINDOW + 1, 20000, 8191, 8192,
				  8193, 3 * 8192 + 63, 3 * 8192 + 64, 1000000007 };
	struct replay_window w;

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		uint64_t top = tops[i];

		/* The oldest counter still in the window is accepted... */
		replay_init(&w);
		assert_true(ok(&w, top));
		assert_true(ok(&w, top - REPLAY_WINDOW));
		assert_false(ok(&w, top - REPLAY_WINDOW));
		/* ...the one just older is refused, seen or not. */
		if (top > REPLAY_WINDOW)
			assert_false(ok(&w, top - REPLAY_WINDOW - 1));
		/* Every other counter of the window is still open, once. */
		for (uint64_t c = top - REPLAY_WINDOW + 1; c < top; c++)
			assert_true(ok(&w, c));
		for (uint64_t c = top - REPLAY_WINDOW; c <= top; c++)
			assert_false(ok(&w, c));
		/* One step ahead moves the edge by one. */
		replay_init(&w);
		assert_true(ok(&w, top));
		assert_true(ok(&w, top + 1));
		if (top >= REPLAY_WINDOW)
			assert_false(ok(&w, top - REPLAY_WINDOW));
		assert_true(ok(&w, top + 1 - REPLAY_WINDOW));
	}
	/* From nothing, anything below the limit is fresh. */
	replay_init(&w);
	assert_true(ok(&w, REPLAY_WINDOW + 1));
	assert_false(ok(&w, 0));
	assert_true(ok(&w, 1));
}

static void big_jumps(void **state)
{
	struct replay_window w;
	const uint64_t far = 5 * 8192 + 50;

	replay_init(&w);
	for (uint64_t c = 0; c <= 300; c++)
		assert_true(ok(&w, c));
	/* Past a whole ring: old bits sharing ring slots must be gone. */
	assert_true(ok(&w, far));
	for (uint64_t c = far - REPLAY_WINDOW; c < far; c++)
		assert_true(ok(&w, c));
	assert_false(ok(&w, 300));
	assert_false(ok(&w, far - REPLAY_WINDOW - 1));

	/* Less than a ring ahead: only the words passed over are cleared. */
	replay_init(&w);
	for (uint64_t c = 0; c < 4000; c++)
		assert_true(ok(&w, c));
	assert_true(ok(&w, 4000 + 5000));
	for (uint64_t c = 9000 - REPLAY_WINDOW; c < 4000; c++)
		assert_false(ok(&w, c));
	for (uint64_t c = 4000; c < 9000; c++)
		assert_true(ok(&w, c));

	/* A huge jump, as a peer with a fresh counter space would not do but
	 * a buggy one might. */
	assert_true(ok(&w, UINT64_C(1) << 60));
	assert_false(ok(&w, 9000));
	assert_true(ok(&w, (UINT64_C(1) << 60) - 1));
	assert_true(ok(&w, (UINT64_C(1) << 60) - REPLAY_WINDOW));
	assert_false(ok(&w, (UINT64_C(1) << 60) - REPLAY_WINDOW - 1));
}

static void ring_wraps(void **state)
{
	struct replay_window w;
	uint64_t top = 100000;

	replay_init(&w);
	for (uint64_t c = 0; c <= top; c++) {
		/* Skip every 7th; fill them in late but within the window. */
		if (c % 7)
			assert_true(ok(&w, c));
		if (c >= 500 && (c - 500) % 7 == 0)
			assert_true(ok(&w, c - 500));
	}
	for (uint64_t c = top - REPLAY_WINDOW; c <= top; c++)
		if (c % 7 || c + 500 <= top)
			assert_false(ok(&w, c));
	for (uint64_t c = top - 499; c <= top; c++)
		if (c % 7 == 0)
			assert_true(ok(&w, c));
	/* Around the seam where the ring index wraps to word 0. */
	replay_init(&w);
	for (uint64_t c = 8192 * 3 - 100; c < 8192 * 3 + 100; c += 2)
		assert_true(ok(&w, c));
	for (uint64_t c = 8192 * 3 - 99; c < 8192 * 3 + 100; c += 2)
		assert_true(ok(&w, c));
	for (uint64_t c = 8192 * 3 - 100; c < 8192 * 3 + 100; c++)
		assert_false(ok(&w, c));
}

static void limits(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_false(ok(&w, LIMIT));
	assert_false(ok(&w, UINT64_MAX));
	assert_true(ok(&w, LIMIT - 1));
	assert_false(ok(&w, LIMIT - 1));
	assert_true(ok(&w, LIMIT - 1 - REPLAY_WINDOW));
	assert_false(ok(&w, LIMIT - 2 - REPLAY_WINDOW));
	assert_false(ok(&w, 0));
	assert_false(ok(&w, LIMIT));

	/* A smaller limit from the caller. */
	replay_init(&w);
	assert_true(replay_check_and_update(&w, 999, 1000));
	assert_false(replay_check_and_update(&w, 1000, 1000));
	assert_false(replay_check_and_update(&w, 999, 1000));
	assert_true(replay_check_and_update(&w, 0, 1000));
	assert_false(replay_check_and_update(&w, 0, 0));

	/* No limit at all must not overflow near 2^64. */
	replay_init(&w);
	assert_true(replay_check_and_update(&w, UINT64_MAX - 1, UINT64_MAX));
	assert_false(replay_check_and_update(&w, UINT64_MAX, UINT64_MAX));
	assert_false(replay_check_and_update(&w, UINT64_MAX - 1, UINT64_MAX));
	assert_true(replay_check_and_update(&w, UINT64_MAX - 1 - REPLAY_WINDOW, UINT64_MAX));
	assert_false(replay_check_and_update(&w, UINT64_MAX - 2 - REPLAY_WINDOW, UINT64_MAX));
	assert_false(replay_check_and_update(&w, 5, UINT64_MAX));
}

/* ---- randomised differential test ---- */

#define SET_BITS 20
#define SET_SIZE (1u << SET_BITS)
#define EMPTY UINT64_MAX        /* never accepted: no limit admits it */

static uint64_t *set;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* Open addressing with linear probing; true if c was already in. */
static bool set_add(uint64_t c)
{
	size_t i = (size_t)((c * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - SET_BITS));

	while (set[i] != EMPTY) {
		if (set[i] == c)
			return true;
		i = (i + 1) & (SET_SIZE - 1);
	}
	set[i] = c;
	return false;
}

static bool set_has(uint64_t c)
{
	size_t i = (size_t)((c * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - SET_BITS));

	while (set[i] != EMPTY) {
		if (set[i] == c)
			return true;
		i = (i + 1) & (SET_SIZE - 1);
	}
	return false;
}

struct ref {
	bool any;
	uint64_t highest;
	uint64_t recent[256];
	unsigned nrecent;
};

static bool ref_accept(struct ref *r, uint64_t c, uint64_t limit)
{
	if (c >= limit || set_has(c))
		return false;
	if (r->any && r->highest > REPLAY_WINDOW && c < r->highest - REPLAY_WINDOW)
		return false;
	set_add(c);
	if (!r->any || c > r->highest)
		r->highest = c;
	r->any = true;
	r->recent[r->nrecent++ % 256] = c;
	return true;
}

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t next_counter(const struct ref *r, uint64_t limit)
{
	uint64_t h = r->any ? r->highest : 0;
	unsigned k = (unsigned)rnd_below(1000);

	if (k < 350)
		return r->any ? sat_add(h, 1) : 0;
	if (k < 500)
		return sat_add(h, 1 + rnd_below(64));
	if (k < 700)
		return sat_sub(h, rnd_below(REPLAY_WINDOW + 64));
	if (k < 750)
		return sat_sub(h, REPLAY_WINDOW + rnd_below(2));
	if (k < 850)
		return r->nrecent ? r->recent[rnd_below(r->nrecent < 256 ? r->nrecent : 256)] : h;
	if (k < 900)
		return sat_add(h, 65 + rnd_below(3 * REPLAY_BITS_TOTAL));
	if (k < 910)
		return sat_add(h, UINT64_C(1) << (14 + rnd_below(26)));
	if (k < 911)
		return sat_sub(limit, rnd_below(4));
	return sat_add(sat_sub(h, 20000), rnd_below(40000));
}

static void differential(void **state)
{
	const uint64_t limits_[] = { LIMIT, 1000000, UINT64_MAX, 40000 };
	size_t accepted = 0, refused = 0;

	set = malloc(SET_SIZE * sizeof(*set));
	assert_non_null(set);
	rng_state = UINT64_C(0x7265706c61792121);
	/* Fresh windows every few thousand steps: once a run reaches the
	 * limit it would refuse everything after. */
	for (int run = 0; run < 96; run++) {
		uint64_t limit = limits_[run % 4];
		struct replay_window w;
		struct ref r;

		memset(set, 0xff, SET_SIZE * sizeof(*set));
		memset(&r, 0, sizeof(r));
		replay_init(&w);
		for (int step = 0; step < 5000; step++) {
			uint64_t c = next_counter(&r, limit);
			bool want = ref_accept(&r, c, limit);

			if (replay_check_and_update(&w, c, limit) != want)
				fail_msg("run %d step %d counter %llu: reference says %d", run,
					 step, (unsigned long long)c, want);
			if (want)
				accepted++;
			else
				refused++;
		}
	}
	free(set);
	/* Both verdicts were exercised plenty. */
	assert_true(accepted > 100000);
	assert_true(refused > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(constants),
		cmocka_unit_test(in_order),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(duplicates),
		cmocka_unit_test(window_edge),
		cmocka_unit_test(big_jumps),
		cmocka_unit_test(ring_wraps),
		cmocka_unit_test(limits),
		cmocka_unit_test(differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
