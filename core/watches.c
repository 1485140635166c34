#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "core/loop.h"
#include "core/watches.h"

int watch_add(struct watch_list *l, int fd, uint32_t events, loop_fd_cb cb, void *arg,
	      struct loop_fd **out)
{
	struct loop_fd *w;

	if (fd < 0)
		return -EBADF;
	if (!cb)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct loop_fd){ .fd = fd, .events = events, .cb = cb, .arg = arg };
	w->next = l->live;
	if (l->live)
		l->live->prev = w;
	l->live = w;
	if (out)
		*out = w;
	return 0;
}

struct loop_fd *watch_find(const struct watch_list *l, int fd)
{
	for (struct loop_fd *w = l->live; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

void watch_unlink(struct watch_list *l, struct loop_fd *w, bool defer)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		l->live = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (!defer) {
		free(w);
		return;
	}
	w->dead = true;
	w->prev = NULL;
	w->next = l->dead;
	l->dead = w;
}

static void free_chain(struct loop_fd *w)
{
	while (w) {
		struct loop_fd *next = w->next;

		free(w);
		w = next;
	}
}

void watch_reap(struct watch_list *l)
{
	free_chain(l->dead);
	l->dead = NULL;
}

void watch_list_fini(struct watch_list *l)
{
	free_chain(l->live);
	l->live = NULL;
	watch_reap(l);
}

int sig_table_check(const struct sig_table *t, int signo, loop_signal_cb cb)
{
	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP || !cb)
		return -EINVAL;
	return t->v[signo].cb ? -EEXIST : 0;
}

void sig_table_deliver(const struct sig_table *t, struct loop *loop, int signo)
{
	if (signo <= 0 || signo >= _NSIG || !t->v[signo].cb)
		return;
	t->v[signo].cb(loop, signo, t->v[signo].arg);
}
