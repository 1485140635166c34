/* Descriptor watches and signal handlers: the bookkeeping the real loop and
 * the virtual-time one share. Pure: the loops do the epoll and signalfd work
 * and decide when to call back. */
#ifndef MG_CORE_WATCHES_H
#define MG_CORE_WATCHES_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/loop.h"

struct loop_fd {
	int fd;
	uint32_t events;
	loop_fd_cb cb;
	void *arg;
	bool dead;		/* unlinked, waiting for watch_reap() */
	struct loop_fd *prev, *next;
};

struct watch_list {
	struct loop_fd *live;
	struct loop_fd *dead;
};

/* A new live watch, stored in *out unless out is NULL: 0, -EBADF for a
 * negative fd, -EINVAL without a callback, -ENOMEM. */
int watch_add(struct watch_list *l, int fd, uint32_t events, loop_fd_cb cb, void *arg,
	      struct loop_fd **out);
struct loop_fd *watch_find(const struct watch_list *l, int fd);

/* Take w off the live list and free it; with `defer`, keep it on the dead
 * list until watch_reap(), for a batch of events that may still name it. */
void watch_unlink(struct watch_list *l, struct loop_fd *w, bool defer);
void watch_reap(struct watch_list *l);
void watch_list_fini(struct watch_list *l);	/* frees every watch */

struct sig_table {
	struct {
		loop_signal_cb cb;
		void *arg;
	} v[_NSIG];
};

/* loop_signal_add()'s checks: 0, -EINVAL or -EEXIST. */
int sig_table_check(const struct sig_table *t, int signo, loop_signal_cb cb);

static inline void sig_table_set(struct sig_table *t, int signo, loop_signal_cb cb, void *arg)
{
	t->v[signo].cb = cb;
	t->v[signo].arg = arg;
}

/* Call the handler of signo; nothing for a number out of range or unhandled. */
void sig_table_deliver(const struct sig_table *t, struct loop *loop, int signo);

#endif
