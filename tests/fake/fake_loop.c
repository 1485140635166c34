#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "core/loop.h"
#include "core/timers.h"
#include "core/watches.h"
#include "tests/fake/fake_loop.h"

struct loop {
	uint64_t now;
	bool stop;
	struct timer_set timers;
	struct watch_list watches;
	struct sig_table sigs;
};

int loop_new(struct loop **out)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->now = FAKE_LOOP_START_NS;
	timer_set_init(&loop->timers, loop, loop_now);
	*out = loop;
	return 0;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	timer_set_fini(&loop->timers);
	watch_list_fini(&loop->watches);
	free(loop);
}

uint64_t loop_now(const struct loop *loop)
{
	return loop->now;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

/* ---- descriptors ---- */

int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg,
		struct loop_fd **out)
{
	if (cb && watch_find(&loop->watches, fd))
		return -EEXIST;	/* what epoll_ctl(EPOLL_CTL_ADD) says */
	return watch_add(&loop->watches, fd, events, cb, arg, out);
}

int loop_fd_mod(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	(void)loop;
	w->events = events;
	return 0;
}

/* Events are dispatched one at a time here, so nothing can still point at w. */
void loop_fd_del(struct loop *loop, struct loop_fd *w)
{
	if (w)
		watch_unlink(&loop->watches, w, false);
}

void fake_loop_fire_fd(struct loop *loop, int fd, uint32_t events)
{
	struct loop_fd *w = watch_find(&loop->watches, fd);

	if (!w)
		return;
	events &= w->events | EPOLLERR | EPOLLHUP;
	if (events)
		w->cb(loop, fd, events, w->arg);
}

uint32_t fake_loop_fd_events(const struct loop *loop, int fd)
{
	const struct loop_fd *w = watch_find(&loop->watches, fd);

	return w ? w->events : 0;
}

/* ---- timers ---- */

int loop_timer_new(struct loop *loop, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	return timer_set_add(&loop->timers, cb, arg, out);
}

size_t fake_loop_timers_armed(const struct loop *loop)
{
	return timer_set_armed(&loop->timers);
}

/* Fire the earliest timer if it is due by `until`, moving time to it. */
static bool fire_next(struct loop *loop, uint64_t until)
{
	struct loop_timer *t = timer_set_pop_due(&loop->timers, until);

	if (!t)
		return false;
	if (t->node.when > loop->now)
		loop->now = t->node.when;
	timer_fire(t);
	return true;
}

void fake_loop_set_now(struct loop *loop, uint64_t ns)
{
	loop->now = ns;
}

void fake_loop_advance(struct loop *loop, uint64_t ns)
{
	uint64_t until = ns > UINT64_MAX - loop->now ? UINT64_MAX : loop->now + ns;

	while (fire_next(loop, until))
		;
	loop->now = until;
}

int fake_loop_run_until(struct loop *loop, uint64_t when_ns)
{
	while (!loop->stop && fire_next(loop, when_ns))
		;
	if (loop->stop) {
		loop->stop = false;
		return 1;
	}
	if (when_ns > loop->now)
		loop->now = when_ns;
	return 0;
}

int loop_run(struct loop *loop)
{
	while (!loop->stop && fire_next(loop, UINT64_MAX))
		;
	loop->stop = false;
	return 0;
}

/* ---- signals ---- */

/* Records the handler only: the test process's signal mask is left alone. */
int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
	int err = sig_table_check(&loop->sigs, signo, cb);

	if (!err)
		sig_table_set(&loop->sigs, signo, cb, arg);
	return err;
}

void fake_loop_raise(struct loop *loop, int signo)
{
	sig_table_deliver(&loop->sigs, loop, signo);
}
