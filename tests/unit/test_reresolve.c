/* When a peer's endpoint name is looked up again (daemon/reresolve.h):
 * driven once a second, as the daemon does, on a made-up clock. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/reresolve.h"

#define S RERESOLVE_SEC
#define T0 (1000 * S)

/* Calls due() once a second from *now to until (exclusive) with fixed
 * counters; returns the second at which it first said yes, or 0. */
static uint64_t first_due(struct reresolve *r, uint64_t *now, uint64_t until, uint64_t rx,
                          uint64_t tx)
{
	for (; *now < until; *now += S)
		if (reresolve_due(r, rx, tx, *now))
			return *now;
	return 0;
}

/* A known address: the first lookup answered at T0. */
static void known(struct reresolve *r)
{
	reresolve_init(r, T0 - S);
	reresolve_done(r, true, true, T0);
}

static void test_idle_peer_left_alone(void **state)
{
	struct reresolve r;
	uint64_t now = T0;

	known(&r);
	/* Counters never move: nothing sent, nothing to worry about. */
	assert_int_equal(first_due(&r, &now, T0 + 3600 * S, 0, 0), 0);
	/* Counters moved together long ago, then stood still. */
	assert_false(reresolve_due(&r, 500, 700, now));
	assert_int_equal(first_due(&r, &now, now + 3600 * S, 500, 700), 0);
}

static void test_silence_after_sending(void **state)
{
	struct reresolve r;
	uint64_t now = T0 + 100 * S, sent;

	known(&r);
	assert_false(reresolve_due(&r, 1000, 2000, T0 + 50 * S));  /* heard */
	/* We send at T0+100 s and hear nothing: the silence counts from the
	 * first check that saw the send, not from when we last heard. */
	sent = now;
	assert_int_equal(first_due(&r, &now, now + 60 * S, 1000, 2148), sent + RERESOLVE_SILENCE);
}

static void test_answer_resets(void **state)
{
	struct reresolve r;
	uint64_t now = T0 + 20 * S;

	known(&r);
	assert_false(reresolve_due(&r, 10, 10, now));
	/* Sends, and the peer answers within the silence every time. */
	for (int i = 0; i < 100; i++) {
		now += S;
		assert_false(reresolve_due(&r, 10 + (uint64_t)(i / 10), 20 + (uint64_t)i, now));
	}
}

static void test_same_address_backs_off(void **state)
{
	static const uint64_t gaps[] = { 30, 60, 120, 240, 300, 300 };
	struct reresolve r;
	uint64_t now = T0 + 20 * S, at, prev, answered;

	known(&r);
	assert_false(reresolve_due(&r, 10, 10, now));
	now += S;
	at = first_due(&r, &now, now + 60 * S, 10, 99);
	assert_int_equal(at, T0 + 21 * S + RERESOLVE_SILENCE);
	/* Each lookup finds the same address: twice as long to the next. */
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		prev = at;
		reresolve_done(&r, true, false, prev);
		now = prev + S;
		at = first_due(&r, &now, now + 400 * S, 10, 99);
		assert_int_equal((at - prev) / S, gaps[i]);
	}
	/* The peer answers: back to the start, the silence counted afresh
	 * from the next send. */
	reresolve_done(&r, true, false, at);
	answered = at + S;
	assert_false(reresolve_due(&r, 11, 99, answered));
	now = answered + S;
	at = first_due(&r, &now, now + 400 * S, 11, 150);
	assert_int_equal(at, answered + S + RERESOLVE_SILENCE);
}

static void test_moved_gets_full_silence(void **state)
{
	struct reresolve r;
	uint64_t now = T0 + 20 * S, at, moved_at;

	known(&r);
	assert_false(reresolve_due(&r, 10, 10, now));
	now += S;
	at = first_due(&r, &now, now + 60 * S, 10, 99);
	assert_int_not_equal(at, 0);
	moved_at = at + S;
	reresolve_done(&r, true, true, moved_at);
	/* Still silent, still sending: the new address is given the whole
	 * silence, counted from the first send seen after the move. */
	now = moved_at + S;
	at = first_due(&r, &now, now + 60 * S, 10, 200);
	assert_int_equal(at, moved_at + S + RERESOLVE_SILENCE);
}

static void test_no_address_retries(void **state)
{
	struct reresolve r;
	uint64_t now, at, prev = T0;

	/* The first lookup failed: retry with nothing sent at all, backing off. */
	reresolve_init(&r, T0 - S);
	reresolve_done(&r, false, false, T0);
	for (uint64_t wait = 30; wait <= 300; wait = wait * 2 > 300 ? 300 : wait * 2) {
		now = prev + S;
		at = first_due(&r, &now, now + 400 * S, 0, 0);
		assert_int_equal((at - prev) / S, wait);
		reresolve_done(&r, false, false, at);
		prev = at;
		if (wait == 300)
			break;
	}
	/* Then it resolves: an idle peer is left alone again. */
	reresolve_done(&r, true, true, prev);
	now = prev + S;
	assert_int_equal(first_due(&r, &now, now + 3600 * S, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_peer_left_alone),
		cmocka_unit_test(test_silence_after_sending),
		cmocka_unit_test(test_answer_resets),
		cmocka_unit_test(test_same_address_backs_off),
		cmocka_unit_test(test_moved_gets_full_silence),
		cmocka_unit_test(test_no_address_retries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
