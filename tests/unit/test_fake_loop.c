/* The virtual-time loop: timers fire in order at their exact deadlines,
 * descriptors and signals fire only when the test says so. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "core/loop.h"
#include "tests/fake/fake_loop.h"

#define MS LOOP_NSEC_PER_MSEC
#define SEC LOOP_NSEC_PER_SEC

struct fx {
	struct loop *loop;
	char log[128];		/* one letter per event, in order */
	uint64_t at[128];	/* loop_now() at each event */
	size_t n;
};

static void note(struct fx *fx, char c)
{
	if (fx->n + 1 < sizeof(fx->log)) {
		fx->at[fx->n] = loop_now(fx->loop);
		fx->log[fx->n++] = c;
	}
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || loop_new(&fx->loop) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	loop_free(fx->loop);
	free(fx);
	return 0;
}

struct tm {
	struct fx *fx;
	char tag;
	int count;
	int limit;		/* periodic: re-arm until count reaches limit */
	uint64_t period;
	bool stop;
	struct loop_timer *t;
	struct loop_timer *victim;
};

static void tag_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tm *tm = arg;

	note(tm->fx, tm->tag);
	tm->count++;
	if (tm->victim)
		loop_timer_free(tm->victim);
	if (tm->count < tm->limit)
		loop_timer_arm_in(t, tm->period);
	if (tm->stop)
		loop_stop(loop);
}

static void new_timers(struct fx *fx, struct tm *tm, int n)
{
	for (int i = 0; i < n; i++) {
		tm[i] = (struct tm){ .fx = fx, .tag = (char)('a' + i) };
		assert_int_equal(loop_timer_new(fx->loop, tag_cb, &tm[i], &tm[i].t), 0);
	}
}

static void test_starts_away_from_zero(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(loop_now(fx->loop), FAKE_LOOP_START_NS);
	fake_loop_set_now(fx->loop, 5 * SEC);
	assert_int_equal(loop_now(fx->loop), 5 * SEC);
}

static void test_order_and_exact_times(void **state)
{
	struct fx *fx = *state;
	struct tm tm[4];
	uint64_t t0 = loop_now(fx->loop);

	new_timers(fx, tm, 4);
	loop_timer_arm_in(tm[0].t, 30 * MS);
	loop_timer_arm_in(tm[1].t, 10 * MS);
	loop_timer_arm_in(tm[2].t, 20 * MS);
	loop_timer_arm_in(tm[3].t, 5 * SEC);
	assert_int_equal(fake_loop_timers_armed(fx->loop), 4);

	fake_loop_advance(fx->loop, 25 * MS);
	assert_string_equal(fx->log, "bc");
	assert_int_equal(fx->at[0], t0 + 10 * MS);
	assert_int_equal(fx->at[1], t0 + 20 * MS);
	assert_int_equal(loop_now(fx->loop), t0 + 25 * MS);
	assert_int_equal(fake_loop_timers_armed(fx->loop), 2);

	/* Exactly at the deadline counts as due. */
	fake_loop_advance(fx->loop, 5 * MS);
	assert_string_equal(fx->log, "bca");
	assert_int_equal(fx->at[2], t0 + 30 * MS);
	assert_true(loop_timer_armed(tm[3].t));
	assert_false(loop_timer_armed(tm[0].t));
}

static void test_same_time_arming_order(void **state)
{
	struct fx *fx = *state;
	struct tm tm[5];
	uint64_t when = loop_now(fx->loop) + SEC;

	new_timers(fx, tm, 5);
	loop_timer_arm_at(tm[3].t, when);
	loop_timer_arm_at(tm[0].t, when);
	loop_timer_arm_at(tm[1].t, when);
	loop_timer_arm_at(tm[4].t, when);
	loop_timer_arm_at(tm[0].t, when);	/* re-arming puts a last */
	loop_timer_arm_at(tm[2].t, when);
	loop_timer_disarm(tm[2].t);
	fake_loop_advance(fx->loop, SEC);
	assert_string_equal(fx->log, "dbea");
}

static void test_periodic_rearm(void **state)
{
	struct fx *fx = *state;
	struct tm tm[1];
	uint64_t t0 = loop_now(fx->loop);

	new_timers(fx, tm, 1);
	tm[0].limit = 100;
	tm[0].period = SEC;
	loop_timer_arm_in(tm[0].t, SEC);
	fake_loop_advance(fx->loop, 10 * SEC);
	assert_int_equal(tm[0].count, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(fx->at[i], t0 + (uint64_t)(i + 1) * SEC);
	assert_true(loop_timer_armed(tm[0].t));
}

/* A deadline already past fires at the current time; time never goes back. */
static void test_past_deadline(void **state)
{
	struct fx *fx = *state;
	struct tm tm[1];
	uint64_t t0 = loop_now(fx->loop);

	new_timers(fx, tm, 1);
	loop_timer_arm_at(tm[0].t, t0 - SEC);
	fake_loop_advance(fx->loop, 0);
	assert_string_equal(fx->log, "a");
	assert_int_equal(fx->at[0], t0);
	assert_int_equal(fake_loop_run_until(fx->loop, t0 - 5 * SEC), 0);
	assert_int_equal(loop_now(fx->loop), t0);
}

static void test_run_until_stops_early(void **state)
{
	struct fx *fx = *state;
	struct tm tm[3];
	uint64_t t0 = loop_now(fx->loop);

	new_timers(fx, tm, 3);
	loop_timer_arm_in(tm[0].t, 1 * SEC);
	loop_timer_arm_in(tm[1].t, 2 * SEC);
	loop_timer_arm_in(tm[2].t, 3 * SEC);
	tm[1].stop = true;
	assert_int_equal(fake_loop_run_until(fx->loop, t0 + 10 * SEC), 1);
	assert_string_equal(fx->log, "ab");
	assert_int_equal(loop_now(fx->loop), t0 + 2 * SEC);
	/* The stop was consumed: the next run goes on to the target. */
	assert_int_equal(fake_loop_run_until(fx->loop, t0 + 10 * SEC), 0);
	assert_string_equal(fx->log, "abc");
	assert_int_equal(loop_now(fx->loop), t0 + 10 * SEC);
}

static void test_advance_ignores_stop(void **state)
{
	struct fx *fx = *state;
	struct tm tm[2];

	new_timers(fx, tm, 2);
	tm[0].stop = true;
	loop_timer_arm_in(tm[0].t, 1 * SEC);
	loop_timer_arm_in(tm[1].t, 2 * SEC);
	fake_loop_advance(fx->loop, 3 * SEC);
	assert_string_equal(fx->log, "ab");
	/* The request stays pending for the next run. */
	assert_int_equal(fake_loop_run_until(fx->loop, loop_now(fx->loop) + SEC), 1);
}

static void test_free_in_callbacks(void **state)
{
	struct fx *fx = *state;
	struct tm tm[3];
	uint64_t when = loop_now(fx->loop) + SEC;

	new_timers(fx, tm, 3);
	tm[0].victim = tm[1].t;		/* a frees b, due at the same time */
	tm[2].victim = tm[2].t;		/* c frees itself */
	loop_timer_arm_at(tm[0].t, when);
	loop_timer_arm_at(tm[1].t, when);
	loop_timer_arm_at(tm[2].t, when);
	fake_loop_advance(fx->loop, SEC);
	assert_string_equal(fx->log, "ac");
	assert_int_equal(fake_loop_timers_armed(fx->loop), 0);
	loop_timer_free(tm[0].t);
}

static void test_loop_run_until_idle(void **state)
{
	struct fx *fx = *state;
	struct tm tm[2];
	uint64_t t0 = loop_now(fx->loop);

	/* Nothing armed: returns at once, time unchanged. */
	assert_int_equal(loop_run(fx->loop), 0);
	assert_int_equal(loop_now(fx->loop), t0);

	new_timers(fx, tm, 2);
	tm[0].limit = 5;
	tm[0].period = 10 * SEC;
	loop_timer_arm_in(tm[0].t, 10 * SEC);
	loop_timer_arm_in(tm[1].t, 25 * SEC);
	assert_int_equal(loop_run(fx->loop), 0);
	assert_string_equal(fx->log, "aabaaa");
	assert_int_equal(loop_now(fx->loop), t0 + 50 * SEC);
	assert_int_equal(fake_loop_timers_armed(fx->loop), 0);
}

static void test_loop_run_stop(void **state)
{
	struct fx *fx = *state;
	struct tm tm[2];

	new_timers(fx, tm, 2);
	tm[0].stop = true;
	loop_timer_arm_in(tm[0].t, SEC);
	loop_timer_arm_in(tm[1].t, 2 * SEC);
	assert_int_equal(loop_run(fx->loop), 0);
	assert_string_equal(fx->log, "a");
	assert_int_equal(fake_loop_timers_armed(fx->loop), 1);
	assert_int_equal(loop_run(fx->loop), 0);
	assert_string_equal(fx->log, "ab");
}

/* ---- descriptors ---- */

struct rd {
	struct fx *fx;
	char tag;
	uint32_t events;
	struct loop_fd *w;
	struct loop_fd *other;
};

static void fd_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct rd *rd = arg;

	note(rd->fx, rd->tag);
	rd->events = events;
	if (rd->other)
		loop_fd_del(loop, rd->other);
}

static void test_fire_fd(void **state)
{
	struct fx *fx = *state;
	struct rd a = { .fx = fx, .tag = 'a' }, b = { .fx = fx, .tag = 'b' };
	struct loop_fd *w;

	assert_int_equal(loop_fd_add(fx->loop, 7, EPOLLIN, fd_cb, &a, &a.w), 0);
	assert_int_equal(loop_fd_add(fx->loop, 9, EPOLLIN | EPOLLOUT, fd_cb, &b, &b.w), 0);
	assert_int_equal(loop_fd_add(fx->loop, 7, EPOLLIN, fd_cb, &a, &w), -EEXIST);
	assert_int_equal(loop_fd_add(fx->loop, -1, EPOLLIN, fd_cb, &a, &w), -EBADF);
	assert_int_equal(fake_loop_fd_events(fx->loop, 9), EPOLLIN | EPOLLOUT);
	assert_int_equal(fake_loop_fd_events(fx->loop, 8), 0);

	fake_loop_fire_fd(fx->loop, 9, EPOLLOUT);
	assert_string_equal(fx->log, "b");
	assert_int_equal(b.events, EPOLLOUT);

	/* Bits the watch did not ask for are not passed; errors always are. */
	fake_loop_fire_fd(fx->loop, 7, EPOLLOUT);
	assert_string_equal(fx->log, "b");
	fake_loop_fire_fd(fx->loop, 7, EPOLLOUT | EPOLLHUP);
	assert_string_equal(fx->log, "ba");
	assert_int_equal(a.events, EPOLLHUP);

	fake_loop_fire_fd(fx->loop, 8, EPOLLIN);	/* no watch: nothing */
	assert_string_equal(fx->log, "ba");

	assert_int_equal(loop_fd_mod(fx->loop, b.w, EPOLLIN), 0);
	fake_loop_fire_fd(fx->loop, 9, EPOLLOUT);
	assert_string_equal(fx->log, "ba");

	/* a deletes b from its callback; b is gone afterwards. */
	a.other = b.w;
	fake_loop_fire_fd(fx->loop, 7, EPOLLIN);
	fake_loop_fire_fd(fx->loop, 9, EPOLLIN);
	assert_string_equal(fx->log, "baa");
	assert_int_equal(fake_loop_fd_events(fx->loop, 9), 0);
	/* a is left registered for loop_free */
}

/* ---- signals ---- */

static void sig_cb(struct loop *loop, int signo, void *arg)
{
	struct fx *fx = arg;

	note(fx, signo == SIGHUP ? 'h' : 't');
}

static void test_raise(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(loop_signal_add(fx->loop, SIGHUP, sig_cb, fx), 0);
	assert_int_equal(loop_signal_add(fx->loop, SIGTERM, sig_cb, fx), 0);
	assert_int_equal(loop_signal_add(fx->loop, SIGHUP, sig_cb, fx), -EEXIST);
	assert_int_equal(loop_signal_add(fx->loop, SIGSTOP, sig_cb, fx), -EINVAL);
	assert_int_equal(loop_signal_add(fx->loop, 0, sig_cb, fx), -EINVAL);
	fake_loop_raise(fx->loop, SIGTERM);
	fake_loop_raise(fx->loop, SIGHUP);
	fake_loop_raise(fx->loop, SIGUSR1);	/* no handler: nothing */
	fake_loop_raise(fx->loop, -3);
	assert_string_equal(fx->log, "th");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_starts_away_from_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_exact_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_time_arming_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic_rearm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_until_stops_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advance_ignores_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_run_until_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_run_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fire_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raise, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
