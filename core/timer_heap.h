/* Binary min-heap of timer deadlines, shared by the real event loop and the
 * virtual-time one. Nodes are embedded in the caller's timer and remember
 * their slot, so arm, re-arm and remove are O(log n). Ties on the deadline
 * break by arming order. The heap never allocates while arming: callers
 * reserve one slot per timer when the timer is created. */
#ifndef MG_CORE_TIMER_HEAP_H
#define MG_CORE_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_HEAP_NONE SIZE_MAX

struct timer_heap_node {
	uint64_t when;
	uint64_t seq;		/* arming order: tie-breaker for equal deadlines */
	size_t idx;		/* slot in the heap, TIMER_HEAP_NONE when not armed */
};

struct timer_heap {
	struct timer_heap_node **v;
	size_t len;
	size_t cap;
	uint64_t next_seq;
};

void timer_heap_init(struct timer_heap *h);
void timer_heap_fini(struct timer_heap *h);	/* frees the slots, not the nodes */
int timer_heap_reserve(struct timer_heap *h, size_t n);	/* room for n nodes: 0 or -ENOMEM */

static inline void timer_heap_node_init(struct timer_heap_node *n)
{
	n->when = 0;
	n->seq = 0;
	n->idx = TIMER_HEAP_NONE;
}

static inline bool timer_heap_node_armed(const struct timer_heap_node *n)
{
	return n->idx != TIMER_HEAP_NONE;
}

/* Insert n at `when`, or move it there if already present; it becomes the
 * last-armed of all nodes sharing that deadline. Needs a reserved slot. */
void timer_heap_arm(struct timer_heap *h, struct timer_heap_node *n, uint64_t when);
void timer_heap_remove(struct timer_heap *h, struct timer_heap_node *n);	/* no-op if not armed */

static inline struct timer_heap_node *timer_heap_peek(const struct timer_heap *h)
{
	return h->len ? h->v[0] : NULL;
}

struct timer_heap_node *timer_heap_pop(struct timer_heap *h);	/* NULL when empty */

static inline size_t timer_heap_len(const struct timer_heap *h)
{
	return h->len;
}

#endif
