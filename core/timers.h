/* The timer half of the loop.h API, written once for the real loop and the
 * virtual-time one. Each loop embeds a timer_set and decides when to fire
 * what falls due. Pure: no kernel and no clock of its own; the loop passes the
 * time in, and lends its clock for loop_timer_arm_in(). */
#ifndef MG_CORE_TIMERS_H
#define MG_CORE_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "core/timer_heap.h"

typedef uint64_t (*timer_clock)(const struct loop *loop);

struct loop_timer {
	struct timer_heap_node node;	/* first: the heap hands back this pointer */
	struct timer_set *set;
	loop_timer_cb cb;
	void *arg;
	struct loop_timer *prev, *next;
};

struct timer_set {
	struct loop *loop;		/* passed to every callback */
	timer_clock now;
	struct timer_heap heap;		/* the armed timers */
	struct loop_timer *all;		/* every timer, armed or not */
	size_t n;
};

void timer_set_init(struct timer_set *s, struct loop *loop, timer_clock now);
void timer_set_fini(struct timer_set *s);	/* frees every timer */

/* loop_timer_new() for the loop that owns s. */
int timer_set_add(struct timer_set *s, loop_timer_cb cb, void *arg, struct loop_timer **out);

/* The earliest deadline; false when nothing is armed. */
bool timer_set_next(const struct timer_set *s, uint64_t *when);

/* Disarm and return the earliest timer due by `now`, or NULL. Its deadline
 * is left in t->node.when; fire it with timer_fire(). */
struct loop_timer *timer_set_pop_due(struct timer_set *s, uint64_t now);

/* Fire every timer due by `now` in (deadline, arming order). Timers armed by
 * the callbacks of this pass wait for the next one, so a timer that re-arms
 * itself for "now" cannot keep the caller from its other work. */
void timer_set_run(struct timer_set *s, uint64_t now);

/* Nothing touches t after its callback, which may free it. */
static inline void timer_fire(struct loop_timer *t)
{
	t->cb(t->set->loop, t, t->arg);
}

static inline size_t timer_set_armed(const struct timer_set *s)
{
	return timer_heap_len(&s->heap);
}

#endif
