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
#include "core/timer_heap.h"

#define LOOP_MAX_EVENTS 64

struct loop_fd {
	struct loop *loop;
	int fd;
	uint32_t events;
	loop_fd_cb cb;
	void *arg;
	bool dead;		/* deleted during an iteration, freed when it ends */
	struct loop_fd *prev, *next;
};

struct loop_timer {
	struct timer_heap_node node;	/* first: the heap hands back this pointer */
	struct loop *loop;
	loop_timer_cb cb;
	void *arg;
	struct loop_timer *prev, *next;
};

struct loop_sig {
	loop_signal_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	int tfd;
	int sfd;
	bool stop;
	bool dispatching;	/* inside one iteration: deleted watches wait */
	uint64_t tfd_when;	/* deadline the timerfd holds, 0 when disarmed */
	struct timer_heap heap;
	size_t ntimers;
	struct loop_timer *timers;	/* every timer, armed or not */
	struct loop_fd *fds;		/* live user watches */
	struct loop_fd *dead;		/* deleted during this iteration */
	struct loop_fd tfd_w;		/* internal watches, told apart by address */
	struct loop_fd sfd_w;
	sigset_t sigmask;
	struct loop_sig sigs[_NSIG];
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
	timer_heap_init(&loop->heap);
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

	loop->tfd_w = (struct loop_fd){ .loop = loop, .fd = loop->tfd, .events = EPOLLIN };
	loop->sfd_w = (struct loop_fd){ .loop = loop, .fd = loop->sfd, .events = EPOLLIN };
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

static void free_watches(struct loop_fd *w)
{
	while (w) {
		struct loop_fd *next = w->next;

		free(w);
		w = next;
	}
}

/* Signals stay blocked: unblocking would let a pending one kill the process. */
void loop_free(struct loop *loop)
{
	struct loop_timer *t;

	if (!loop)
		return;
	timer_heap_fini(&loop->heap);	/* before the nodes it points at go */
	while ((t = loop->timers)) {
		loop->timers = t->next;
		free(t);
	}
	free_watches(loop->fds);
	free_watches(loop->dead);
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

	if (fd < 0 || !cb)
		return fd < 0 ? -EBADF : -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct loop_fd){ .loop = loop, .fd = fd, .events = events, .cb = cb, .arg = arg };
	err = epoll_add(loop, w);
	if (err) {
		free(w);
		return err;
	}
	w->next = loop->fds;
	if (loop->fds)
		loop->fds->prev = w;
	loop->fds = w;
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
	if (w->prev)
		w->prev->next = w->next;
	else
		loop->fds = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = NULL;
	if (!loop->dispatching) {
		free(w);
		return;
	}
	/* The current epoll batch may still hold an event pointing at w. */
	w->dead = true;
	w->next = loop->dead;
	loop->dead = w;
}

/* ---- timers ---- */

int loop_timer_new(struct loop *loop, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	struct loop_timer *t;
	int err;

	if (!cb)
		return -EINVAL;
	/* Reserve the heap slot now so arming never allocates or fails. */
	err = timer_heap_reserve(&loop->heap, loop->ntimers + 1);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	timer_heap_node_init(&t->node);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	t->next = loop->timers;
	if (loop->timers)
		loop->timers->prev = t;
	loop->timers = t;
	loop->ntimers++;
	*out = t;
	return 0;
}

void loop_timer_arm_at(struct loop_timer *t, uint64_t when_ns)
{
	timer_heap_arm(&t->loop->heap, &t->node, when_ns);
}

void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns)
{
	uint64_t now = loop_now(t->loop);

	loop_timer_arm_at(t, delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns);
}

void loop_timer_disarm(struct loop_timer *t)
{
	timer_heap_remove(&t->loop->heap, &t->node);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return timer_heap_node_armed(&t->node);
}

/* The dispatcher never touches a timer after its callback, so freeing the
 * running timer needs no deferral. */
void loop_timer_free(struct loop_timer *t)
{
	struct loop *loop;

	if (!t)
		return;
	loop = t->loop;
	timer_heap_remove(&loop->heap, &t->node);
	if (t->prev)
		t->prev->next = t->next;
	else
		loop->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	loop->ntimers--;
	free(t);
}

/* Fire timers due now, in (deadline, arming order). Timers armed by the
 * callbacks of this pass wait for the next one, so a timer re-armed for "now"
 * from its own callback cannot starve the descriptors. */
static void run_timers(struct loop *loop)
{
	uint64_t now = loop_now(loop);
	uint64_t pass_seq = loop->heap.next_seq;
	struct timer_heap_node *n;

	while ((n = timer_heap_peek(&loop->heap)) && n->when <= now && n->seq < pass_seq) {
		struct loop_timer *t = (struct loop_timer *)n;

		timer_heap_pop(&loop->heap);
		t->cb(loop, t, t->arg);
	}
}

/* Point the timerfd at the earliest deadline, touching it only on change. */
static int program_timerfd(struct loop *loop)
{
	struct timer_heap_node *n = timer_heap_peek(&loop->heap);
	uint64_t when = n ? n->when : 0;
	struct itimerspec its = { 0 };

	if (n && when == 0)
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

	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP || !cb)
		return -EINVAL;
	if (loop->sigs[signo].cb)
		return -EEXIST;
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
	loop->sigs[signo] = (struct loop_sig){ .cb = cb, .arg = arg };
	return 0;
}

static void read_signals(struct loop *loop)
{
	struct signalfd_siginfo si;

	while (read(loop->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		struct loop_sig *s;

		if (si.ssi_signo >= _NSIG)
			continue;
		s = &loop->sigs[si.ssi_signo];
		if (s->cb)
			s->cb(loop, (int)si.ssi_signo, s->arg);
	}
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
		run_timers(loop);
		loop->dispatching = false;
		free_watches(loop->dead);
		loop->dead = NULL;
	}
	loop->stop = false;
	return err;
}
