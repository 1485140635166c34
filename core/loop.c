#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "core/loop.h"
#include "core/timers.h"
#include "core/watches.h"

#define LOOP_MAX_EVENTS 64

struct loop {
	int epfd;
	int tfd;
	int sfd;
	bool stop;
	bool dispatching;	/* inside one iteration: deleted watches wait */
	uint64_t tfd_when;	/* deadline the timerfd holds, 0 when disarmed */
	struct timer_set timers;
	struct watch_list watches;	/* user watches */
	struct loop_fd tfd_w;		/* internal watches, told apart by address */
	struct loop_fd sfd_w;
	sigset_t sigmask;
	struct sig_table sigs;
	struct epoll_event events[LOOP_MAX_EVENTS];
};

uint64_t loop_now(const struct loop *loop)
{
	struct timespec ts;

	(void)loop;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LOOP_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int epoll_add(struct loop *loop, struct loop_fd *w)
{
	struct epoll_event ev = { .events = w->events, .data.ptr = w };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_new(struct loop **out)
{
	struct loop *loop;
	int err;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->epfd = loop->tfd = loop->sfd = -1;
	timer_set_init(&loop->timers, loop, loop_now);
	sigemptyset(&loop->sigmask);

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		goto fail_errno;
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tfd < 0)
		goto fail_errno;
	/* Empty mask until loop_signal_add fills it. */
	loop->sfd = signalfd(-1, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop->sfd < 0)
		goto fail_errno;

	loop->tfd_w = (struct loop_fd){ .fd = loop->tfd, .events = EPOLLIN };
	loop->sfd_w = (struct loop_fd){ .fd = loop->sfd, .events = EPOLLIN };
	err = epoll_add(loop, &loop->tfd_w);
	if (err)
		goto fail;
	err = epoll_add(loop, &loop->sfd_w);
	if (err)
		goto fail;
	*out = loop;
	return 0;

fail_errno:
	err = -errno;
fail:
	loop_free(loop);
	return err;
}

/* Signals stay blocked: unblocking would let a pending one kill the process. */
void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	timer_set_fini(&loop->timers);
	watch_list_fini(&loop->watches);
	if (loop->sfd >= 0)
		close(loop->sfd);
	if (loop->tfd >= 0)
		close(loop->tfd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
}

/* ---- descriptors ---- */

int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg,
		struct loop_fd **out)
{
	struct loop_fd *w;
	int err;

	err = watch_add(&loop->watches, fd, events, cb, arg, &w);
	if (err)
		return err;
	err = epoll_add(loop, w);	/* -EEXIST if fd is already watched */
	if (err) {
		watch_unlink(&loop->watches, w, false);
		return err;
	}
	if (out)
		*out = w;
	return 0;
}

int loop_fd_mod(struct loop *loop, struct loop_fd *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->dead)
		return -EBADF;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void loop_fd_del(struct loop *loop, struct loop_fd *w)
{
	if (!w || w->dead)
		return;
	/* Fails harmlessly with EBADF if the caller already closed the fd. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	/* The current epoll batch may still hold an event pointing at w. */
	watch_unlink(&loop->watches, w, loop->dispatching);
}

/* ---- timers ---- */

int loop_timer_new(struct loop *loop, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	return timer_set_add(&loop->timers, cb, arg, out);
}

/* Point the timerfd at the earliest deadline, touching it only on change. */
static int program_timerfd(struct loop *loop)
{
	uint64_t when = 0;	/* stays 0, disarming it, when no timer is armed */
	struct itimerspec its = { 0 };

	if (timer_set_next(&loop->timers, &when) && when == 0)
		when = 1;	/* an all-zero it_value would disarm it */
	if (when == loop->tfd_when)
		return 0;
	its.it_value.tv_sec = (time_t)(when / LOOP_NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(when % LOOP_NSEC_PER_SEC);
	if (timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	loop->tfd_when = when;
	return 0;
}

static void drain_timerfd(struct loop *loop)
{
	uint64_t ticks;

	/* Expired: it fires no more until reprogrammed. */
	while (read(loop->tfd, &ticks, sizeof(ticks)) > 0)
		;
	loop->tfd_when = 0;
}

/* ---- signals ---- */

int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
	sigset_t one, mask;
	int err;

	err = sig_table_check(&loop->sigs, signo, cb);
	if (err)
		return err;
	sigemptyset(&one);
	sigaddset(&one, signo);
	mask = loop->sigmask;
	sigaddset(&mask, signo);
	/* Block first so no instance slips past the signalfd to its default action. */
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -errno;
	if (signalfd(loop->sfd, &mask, 0) < 0)
		return -errno;
	loop->sigmask = mask;
	sig_table_set(&loop->sigs, signo, cb, arg);
	return 0;
}

static void read_signals(struct loop *loop)
{
	struct signalfd_siginfo si;

	while (read(loop->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo < _NSIG)
			sig_table_deliver(&loop->sigs, loop, (int)si.ssi_signo);
}

/* ---- running ---- */

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

static void dispatch(struct loop *loop, int n)
{
	for (int i = 0; i < n; i++) {
		struct loop_fd *w = loop->events[i].data.ptr;

		if (w == &loop->tfd_w)
			drain_timerfd(loop);
		else if (w == &loop->sfd_w)
			read_signals(loop);
		else if (!w->dead)
			w->cb(loop, w->fd, loop->events[i].events, w->arg);
	}
}

/* A whole iteration (every event of the batch, then due timers) runs even
 * after loop_stop(), so edge-triggered readiness is never dropped. The stop
 * request is consumed by the loop_run() it ends. */
int loop_run(struct loop *loop)
{
	int err = 0;

	while (!loop->stop) {
		int n;

		err = program_timerfd(loop);
		if (err)
			break;
		n = epoll_wait(loop->epfd, loop->events, LOOP_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		loop->dispatching = true;
		dispatch(loop, n);
		timer_set_run(&loop->timers, loop_now(loop));
		loop->dispatching = false;
		watch_reap(&loop->watches);
	}
	loop->stop = false;
	return err;
}
