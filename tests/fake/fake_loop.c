#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "core/loop.h"
#include "core/timer_heap.h"
#include "tests/fake/fake_loop.h"

struct loop_fd {
	struct loop *loop;
	int fd;
	uint32_t events;
	loop_fd_cb cb;
	void *arg;
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
	uint64_t now;
	bool stop;
	struct timer_heap heap;
	size_t ntimers;
	struct loop_timer *timers;
	struct loop_fd *fds;
	struct loop_sig sigs[_NSIG];
};

int loop_new(struct loop **out)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->now = FAKE_LOOP_START_NS;
	timer_heap_init(&loop->heap);
	*out = loop;
	return 0;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	timer_heap_fini(&loop->heap);	/* before the nodes it points at go */
	while (loop->timers) {
		struct loop_timer *t = loop->timers;

		loop->timers = t->next;
		free(t);
	}
	while (loop->fds) {
		struct loop_fd *w = loop->fds;

		loop->fds = w->next;
		free(w);
	}
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

static struct loop_fd *find_fd(const struct loop *loop, int fd)
{
	for (struct loop_fd *w = loop->fds; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg,
		struct loop_fd **out)
{
	struct loop_fd *w;

	if (fd < 0)
		return -EBADF;
	if (!cb)
		return -EINVAL;
	if (find_fd(loop, fd))
		return -EEXIST;	/* what epoll_ctl(EPOLL_CTL_ADD) says */
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct loop_fd){ .loop = loop, .fd = fd, .events = events, .cb = cb, .arg = arg };
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
	(void)loop;
	w->events = events;
	return 0;
}

/* Events are dispatched one at a time here, so nothing can still point at w. */
void loop_fd_del(struct loop *loop, struct loop_fd *w)
{
	if (!w)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		loop->fds = w->next;
	if (w->next)
		w->next->prev = w->prev;
	free(w);
}

void fake_loop_fire_fd(struct loop *loop, int fd, uint32_t events)
{
	struct loop_fd *w = find_fd(loop, fd);

	if (!w)
		return;
	events &= w->events | EPOLLERR | EPOLLHUP;
	if (events)
		w->cb(loop, fd, events, w->arg);
}

uint32_t fake_loop_fd_events(const struct loop *loop, int fd)
{
	const struct loop_fd *w = find_fd(loop, fd);

	return w ? w->events : 0;
}

/* ---- timers ---- */

int loop_timer_new(struct loop *loop, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	struct loop_timer *t;
	int err;

	if (!cb)
		return -EINVAL;
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
	uint64_t now = t->loop->now;

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

size_t fake_loop_timers_armed(const struct loop *loop)
{
	return timer_heap_len(&loop->heap);
}

/* Fire the earliest timer if it is due by `until`, moving time to it. */
static bool fire_next(struct loop *loop, uint64_t until)
{
	struct timer_heap_node *n = timer_heap_peek(&loop->heap);
	struct loop_timer *t;

	if (!n || n->when > until)
		return false;
	timer_heap_pop(&loop->heap);
	if (n->when > loop->now)
		loop->now = n->when;
	t = (struct loop_timer *)n;
	t->cb(loop, t, t->arg);
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
	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP || !cb)
		return -EINVAL;
	if (loop->sigs[signo].cb)
		return -EEXIST;
	loop->sigs[signo] = (struct loop_sig){ .cb = cb, .arg = arg };
	return 0;
}

void fake_loop_raise(struct loop *loop, int signo)
{
	if (signo <= 0 || signo >= _NSIG || !loop->sigs[signo].cb)
		return;
	loop->sigs[signo].cb(loop, signo, loop->sigs[signo].arg);
}
