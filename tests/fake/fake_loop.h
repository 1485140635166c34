/* The loop.h API on virtual time, for tests: link tests/fake/libfakeloop.a
 * instead of core/libloop.a. Nothing here touches the kernel: time moves only
 * when the test moves it, descriptors are "ready" only when the test says so,
 * and signals are delivered only by fake_loop_raise(). Timers due at the same
 * instant fire in arming order, exactly as on the real loop.
 *
 * loop_run() jumps from timer to timer until loop_stop() or until no timer is
 * armed, then returns 0. Virtual time starts at FAKE_LOOP_START_NS, not 0, so
 * code that treats 0 as "never" is not fooled. */
#ifndef MG_TESTS_FAKE_LOOP_H
#define MG_TESTS_FAKE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"

#define FAKE_LOOP_START_NS (UINT64_C(1000) * LOOP_NSEC_PER_SEC)

/* Set virtual time without firing anything (it may go backwards). */
void fake_loop_set_now(struct loop *loop, uint64_t ns);

/* Move time forward by ns, firing every timer that falls due, in order, with
 * loop_now() equal to each timer's deadline while it runs (never earlier than
 * the time it was already at). Ignores loop_stop() and leaves such a request
 * pending. Ends with loop_now() == old now + ns. */
void fake_loop_advance(struct loop *loop, uint64_t ns);

/* Like advance, to an absolute time. Returns 0 with loop_now() == when_ns
 * (or unchanged if when_ns was in the past), or 1 if a callback called
 * loop_stop(): time then stays at the deadline of the timer that stopped it. */
int fake_loop_run_until(struct loop *loop, uint64_t when_ns);

/* Dispatch events to the watch of fd, as if epoll reported them. Only the
 * bits the watch asked for (plus EPOLLERR and EPOLLHUP) are passed; nothing is
 * called when no bit remains or fd has no watch. */
void fake_loop_fire_fd(struct loop *loop, int fd, uint32_t events);

/* Events the watch of fd asks for, 0 when fd has no watch. */
uint32_t fake_loop_fd_events(const struct loop *loop, int fd);

/* Call the handler loop_signal_add() registered for signo, if any. */
void fake_loop_raise(struct loop *loop, int signo);

size_t fake_loop_timers_armed(const struct loop *loop);

#endif
