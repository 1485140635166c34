/* The real epoll loop. Timers use tiny delays and the tests assert the order
 * of events, never how long anything took. Every loop_run() has a failsafe
 * timer so a broken loop fails the test instead of hanging it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/loop.h"

#define FAILSAFE_NS (10 * LOOP_NSEC_PER_SEC)

struct fx {
	struct loop *loop;
	struct loop_timer *failsafe;
	bool timed_out;
	char log[64];		/* one letter per event, in order */
	size_t nlog;
};

static void note(struct fx *fx, char c)
{
	if (fx->nlog + 1 < sizeof(fx->log))
		fx->log[fx->nlog++] = c;
}

static void failsafe_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct fx *fx = arg;

	fx->timed_out = true;
	loop_stop(loop);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || loop_new(&fx->loop) < 0)
		return -1;
	if (loop_timer_new(fx->loop, failsafe_cb, fx, &fx->failsafe) < 0)
		return -1;
	loop_timer_arm_in(fx->failsafe, FAILSAFE_NS);
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

static void run(struct fx *fx)
{
	assert_int_equal(loop_run(fx->loop), 0);
	assert_false(fx->timed_out);
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

/* ---- descriptors ---- */

struct rd {
	struct fx *fx;
	char tag;
	char got;
	struct loop_fd *w;
	struct loop_fd *other;
};

static void read_stop_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct rd *rd = arg;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &rd->got, 1), 1);
	note(rd->fx, rd->tag);
	loop_stop(loop);
}

static void test_fd_readable(void **state)
{
	struct fx *fx = *state;
	struct rd rd = { .fx = fx, .tag = 'r' };
	int p[2];

	make_pipe(p);
	assert_int_equal(loop_fd_add(fx->loop, p[0], EPOLLIN, read_stop_cb, &rd, &rd.w), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	run(fx);
	assert_int_equal(rd.got, 'x');
	assert_string_equal(fx->log, "r");
	loop_fd_del(fx->loop, rd.w);
	close(p[0]);
	close(p[1]);
}

static void writable_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct rd *rd = arg;

	if (events & EPOLLOUT) {
		/* Writable seen: switch interest to readable, then echo to ourselves. */
		note(rd->fx, 'w');
		assert_int_equal(loop_fd_mod(loop, rd->w, EPOLLIN), 0);
		assert_int_equal(write(fd, "y", 1), 1);
		return;
	}
	fail_msg("unexpected events %#x", events);
}

static void test_fd_mod(void **state)
{
	struct fx *fx = *state;
	struct rd a = { .fx = fx }, b = { .fx = fx, .tag = 'r' };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(loop_fd_add(fx->loop, sv[0], EPOLLOUT, writable_cb, &a, &a.w), 0);
	assert_int_equal(loop_fd_add(fx->loop, sv[1], EPOLLIN, read_stop_cb, &b, &b.w), 0);
	run(fx);
	assert_string_equal(fx->log, "wr");
	assert_int_equal(b.got, 'y');
	close(sv[0]);
	close(sv[1]);
}

/* Both pipes are readable in the same batch; whichever runs first deletes
 * the other watch, which must then never be called. */
static void del_other_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct rd *rd = arg;

	note(rd->fx, rd->tag);
	loop_fd_del(loop, rd->other);
	loop_fd_del(loop, rd->w);	/* and itself, from its own callback */
	loop_stop(loop);
}

static void test_fd_del_in_callback(void **state)
{
	struct fx *fx = *state;
	struct rd a = { .fx = fx, .tag = 'a' }, b = { .fx = fx, .tag = 'b' };
	int p[2], q[2];

	make_pipe(p);
	make_pipe(q);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "x", 1), 1);
	assert_int_equal(loop_fd_add(fx->loop, p[0], EPOLLIN, del_other_cb, &a, &a.w), 0);
	assert_int_equal(loop_fd_add(fx->loop, q[0], EPOLLIN, del_other_cb, &b, &b.w), 0);
	a.other = b.w;
	b.other = a.w;
	run(fx);
	assert_int_equal(fx->nlog, 1);

	/* Both descriptors are still readable, but nothing watches them now:
	 * only the failsafe, fired early, ends this run. */
	loop_timer_arm_in(fx->failsafe, 1);
	assert_int_equal(loop_run(fx->loop), 0);
	assert_true(fx->timed_out);
	assert_int_equal(fx->nlog, 1);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void test_fd_add_errors(void **state)
{
	struct fx *fx = *state;
	struct rd rd = { .fx = fx };
	struct loop_fd *w, *w2;
	int p[2];

	make_pipe(p);
	assert_int_equal(loop_fd_add(fx->loop, -1, EPOLLIN, read_stop_cb, &rd, &w), -EBADF);
	assert_int_equal(loop_fd_add(fx->loop, p[0], EPOLLIN, read_stop_cb, &rd, &w), 0);
	assert_int_equal(loop_fd_add(fx->loop, p[0], EPOLLIN, read_stop_cb, &rd, &w2), -EEXIST);
	/* left registered: loop_free must release it (checked under ASan/valgrind) */
	close(p[1]);
	close(p[0]);
}

/* ---- timers ---- */

struct tm {
	struct fx *fx;
	char tag;
	int count;
	bool stop;
	struct loop_timer *t;
	struct loop_timer *victim;
};

static void tag_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tm *tm = arg;

	note(tm->fx, tm->tag);
	if (tm->victim)
		loop_timer_free(tm->victim);
	if (tm->stop)
		loop_stop(loop);
}

static void test_timer_order(void **state)
{
	struct fx *fx = *state;
	struct tm tm[6];
	uint64_t base = loop_now(fx->loop);

	for (int i = 0; i < 6; i++) {
		tm[i] = (struct tm){ .fx = fx, .tag = (char)('a' + i) };
		assert_int_equal(loop_timer_new(fx->loop, tag_cb, &tm[i], &tm[i].t), 0);
	}
	loop_timer_arm_at(tm[0].t, base + 3 * LOOP_NSEC_PER_MSEC);
	loop_timer_arm_at(tm[1].t, base + 1 * LOOP_NSEC_PER_MSEC);
	loop_timer_arm_at(tm[2].t, base + 2 * LOOP_NSEC_PER_MSEC);
	loop_timer_arm_at(tm[3].t, base + 1 * LOOP_NSEC_PER_MSEC);	/* same as b, armed later */
	loop_timer_arm_at(tm[4].t, base);				/* already due */
	loop_timer_arm_at(tm[5].t, base + 9 * LOOP_NSEC_PER_MSEC);
	loop_timer_disarm(tm[5].t);
	assert_false(loop_timer_armed(tm[5].t));
	assert_true(loop_timer_armed(tm[0].t));
	tm[0].stop = true;
	run(fx);
	assert_string_equal(fx->log, "ebdca");
	for (int i = 0; i < 6; i++)
		assert_false(loop_timer_armed(tm[i].t));
	for (int i = 0; i < 6; i++)
		loop_timer_free(tm[i].t);
}

static void test_timer_same_deadline(void **state)
{
	struct fx *fx = *state;
	struct tm tm[5];
	uint64_t when = loop_now(fx->loop) + LOOP_NSEC_PER_MSEC;

	for (int i = 0; i < 5; i++) {
		tm[i] = (struct tm){ .fx = fx, .tag = (char)('a' + i) };
		assert_int_equal(loop_timer_new(fx->loop, tag_cb, &tm[i], &tm[i].t), 0);
	}
	/* Arm in the order d b e a c; re-arming a moves it after e. */
	loop_timer_arm_at(tm[3].t, when);
	loop_timer_arm_at(tm[0].t, when);
	loop_timer_arm_at(tm[1].t, when);
	loop_timer_arm_at(tm[4].t, when);
	loop_timer_arm_at(tm[0].t, when);
	loop_timer_arm_at(tm[2].t, when);
	tm[2].stop = true;
	run(fx);
	assert_string_equal(fx->log, "dbeac");
	/* the timers are left for loop_free */
}

static void rearm_then_free_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tm *tm = arg;

	note(tm->fx, 'x');
	if (++tm->count < 3) {
		loop_timer_arm_in(t, LOOP_NSEC_PER_MSEC);
		assert_true(loop_timer_armed(t));
		return;
	}
	loop_timer_free(t);
	tm->t = NULL;
	loop_stop(loop);
}

static void test_timer_rearm_and_free_in_own_callback(void **state)
{
	struct fx *fx = *state;
	struct tm tm = { .fx = fx };

	assert_int_equal(loop_timer_new(fx->loop, rearm_then_free_cb, &tm, &tm.t), 0);
	loop_timer_arm_in(tm.t, 0);
	run(fx);
	assert_int_equal(tm.count, 3);
	assert_null(tm.t);
	assert_string_equal(fx->log, "xxx");
}

/* a and b are due together; a frees b, which must then never run. */
static void test_timer_free_other_in_callback(void **state)
{
	struct fx *fx = *state;
	struct tm a = { .fx = fx, .tag = 'a' }, b = { .fx = fx, .tag = 'b' };
	struct tm c = { .fx = fx, .tag = 'c', .stop = true };
	uint64_t when = loop_now(fx->loop);

	assert_int_equal(loop_timer_new(fx->loop, tag_cb, &a, &a.t), 0);
	assert_int_equal(loop_timer_new(fx->loop, tag_cb, &b, &b.t), 0);
	assert_int_equal(loop_timer_new(fx->loop, tag_cb, &c, &c.t), 0);
	a.victim = b.t;
	loop_timer_arm_at(a.t, when);
	loop_timer_arm_at(b.t, when);
	loop_timer_arm_at(c.t, when + LOOP_NSEC_PER_MSEC);
	run(fx);
	assert_string_equal(fx->log, "ac");
}

/* A timer that keeps re-arming itself for a deadline already past must not
 * starve the descriptors. */
static void busy_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tm *tm = arg;

	/* Bounded so a starving loop fails the test instead of hanging it. */
	if (++tm->count == 1000000) {
		note(tm->fx, 'S');
		loop_stop(loop);
		return;
	}
	loop_timer_arm_at(t, 0);
}

static void test_timer_cannot_starve_fds(void **state)
{
	struct fx *fx = *state;
	struct tm tm = { .fx = fx };
	struct rd rd = { .fx = fx, .tag = 'r' };
	int p[2];

	make_pipe(p);
	assert_int_equal(loop_timer_new(fx->loop, busy_cb, &tm, &tm.t), 0);
	loop_timer_arm_in(tm.t, 0);
	assert_int_equal(loop_fd_add(fx->loop, p[0], EPOLLIN, read_stop_cb, &rd, &rd.w), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	run(fx);
	assert_string_equal(fx->log, "r");
	assert_true(tm.count >= 1);
	close(p[0]);
	close(p[1]);
}

/* ---- signals and stopping ---- */

struct sg {
	struct fx *fx;
	int seen[3];
	int n;
};

static void sig_cb(struct loop *loop, int signo, void *arg)
{
	struct sg *sg = arg;

	note(sg->fx, signo == SIGUSR1 ? '1' : '2');
	if (++sg->n == 2)
		loop_stop(loop);
}

static void test_signal(void **state)
{
	struct fx *fx = *state;
	struct sg sg = { .fx = fx };

	assert_int_equal(loop_signal_add(fx->loop, SIGUSR1, sig_cb, &sg), 0);
	assert_int_equal(loop_signal_add(fx->loop, SIGUSR2, sig_cb, &sg), 0);
	assert_int_equal(loop_signal_add(fx->loop, SIGUSR1, sig_cb, &sg), -EEXIST);
	assert_int_equal(loop_signal_add(fx->loop, SIGKILL, sig_cb, &sg), -EINVAL);
	assert_int_equal(loop_signal_add(fx->loop, 0, sig_cb, &sg), -EINVAL);
	/* Blocked now, so raise() leaves them pending for the signalfd. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	run(fx);
	assert_int_equal(sg.n, 2);
	assert_true(strcmp(fx->log, "12") == 0 || strcmp(fx->log, "21") == 0);
}

static void test_stop_is_consumed(void **state)
{
	struct fx *fx = *state;
	struct tm a = { .fx = fx, .tag = 'a', .stop = true };
	struct tm b = { .fx = fx, .tag = 'b', .stop = true };
	uint64_t now = loop_now(fx->loop);

	/* A stop requested before running ends the next run at once. */
	loop_stop(fx->loop);
	assert_int_equal(loop_run(fx->loop), 0);

	assert_int_equal(loop_timer_new(fx->loop, tag_cb, &a, &a.t), 0);
	assert_int_equal(loop_timer_new(fx->loop, tag_cb, &b, &b.t), 0);
	loop_timer_arm_at(a.t, now);
	loop_timer_arm_at(b.t, now + LOOP_NSEC_PER_MSEC);
	run(fx);
	assert_string_equal(fx->log, "a");
	assert_true(loop_timer_armed(b.t));
	run(fx);
	assert_string_equal(fx->log, "ab");
}

/* ---- descriptors owned by the loop ---- */

#define MAX_FD 1024

/* Marks open descriptors in open[]; returns how many there are. */
static int scan_fds(bool open[MAX_FD])
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	memset(open, 0, MAX_FD * sizeof(open[0]));
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d) || fd >= MAX_FD)
			continue;
		open[fd] = true;
		n++;
	}
	closedir(d);
	return n;
}

static void test_fds_cloexec_and_closed(void **state)
{
	static bool before[MAX_FD], during[MAX_FD], after[MAX_FD];
	struct loop *loop;
	int n;

	(void)state;
	n = scan_fds(before);
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(scan_fds(during), n + 3);
	for (int fd = 0; fd < MAX_FD; fd++)
		if (during[fd] && !before[fd])
			assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	loop_free(loop);
	assert_int_equal(scan_fds(after), n);
	assert_memory_equal(before, after, sizeof(before));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fd_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_mod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_del_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_same_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_rearm_and_free_in_own_callback,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_free_other_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_cannot_starve_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_is_consumed, setup, teardown),
		cmocka_unit_test(test_fds_cloexec_and_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
