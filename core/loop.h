/* The event loop: one thread, epoll for descriptors, a single timerfd driving
 * a min-heap of timers, signalfd for signals. Protocol code never includes
 * this; only I/O files and daemon/ do. tests/fake/fake_loop.c implements the
 * same API on virtual time and is swapped in at link time (link libfakeloop.a
 * instead of libloop.a). */
#ifndef MG_CORE_LOOP_H
#define MG_CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_fd;
struct loop_timer;

#define LOOP_NSEC_PER_MSEC UINT64_C(1000000)
#define LOOP_NSEC_PER_SEC UINT64_C(1000000000)

/* events are EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP bits */
typedef void (*loop_fd_cb)(struct loop *loop, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, struct loop_timer *t, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);

int loop_new(struct loop **out);                 /* 0 or -errno */
void loop_free(struct loop *loop);               /* frees every fd watch and timer still registered; closes no watched fd */

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC, or virtual time). */
uint64_t loop_now(const struct loop *loop);

/* Run until loop_stop(); returns 0, or -errno on an epoll failure. The
 * iteration in which loop_stop() is called still completes (every event of
 * its batch, then due timers). A stop request is consumed by the loop_run()
 * it ends; one made while no loop_run() is active ends the next at once. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/* Descriptor watches. The fd must be non-blocking. */
int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg,
                struct loop_fd **out);
int loop_fd_mod(struct loop *loop, struct loop_fd *w, uint32_t events);
void loop_fd_del(struct loop *loop, struct loop_fd *w); /* safe from inside any callback */
/* loop_fd_add: -EBADF for a negative fd, -EEXIST if fd is already watched.
 * loop_fd_del frees w (events already fetched for it are dropped); call it
 * before closing the fd. */

/* Timers: created disarmed; arming an armed timer re-arms it. Arming never
 * allocates or fails. Timers due at the same time fire in arming order. On
 * the real loop, a timer armed from a callback for a time already past fires
 * in the next iteration, after pending descriptor events. A fired timer is
 * disarmed before its callback runs. */
int loop_timer_new(struct loop *loop, loop_timer_cb cb, void *arg, struct loop_timer **out);
void loop_timer_arm_at(struct loop_timer *t, uint64_t when_ns);  /* absolute, loop_now() scale */
void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns);
void loop_timer_disarm(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);        /* safe from inside any callback, its own included */

/* Signals: blocks signo and delivers it through the loop. -EINVAL for
 * SIGKILL, SIGSTOP or an invalid number, -EEXIST if signo already has a
 * handler. The mask is per thread: add signals before starting threads. The
 * signals stay blocked after loop_free(). */
int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *arg);

#endif
