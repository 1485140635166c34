#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "core/loop.h"
#include "core/timers.h"

void timer_set_init(struct timer_set *s, struct loop *loop, timer_clock now)
{
	*s = (struct timer_set){ .loop = loop, .now = now };
	timer_heap_init(&s->heap);
}

void timer_set_fini(struct timer_set *s)
{
	struct loop_timer *t;

	timer_heap_fini(&s->heap);	/* before the nodes it points at go */
	while ((t = s->all)) {
		s->all = t->next;
		free(t);
	}
	s->n = 0;
}

int timer_set_add(struct timer_set *s, loop_timer_cb cb, void *arg, struct loop_timer **out)
{
	struct loop_timer *t;
	int err;

	if (!cb)
		return -EINVAL;
	/* Reserve the heap slot now so arming never allocates or fails. */
	err = timer_heap_reserve(&s->heap, s->n + 1);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	timer_heap_node_init(&t->node);
	t->set = s;
	t->cb = cb;
	t->arg = arg;
	t->next = s->all;
	if (s->all)
		s->all->prev = t;
	s->all = t;
	s->n++;
	*out = t;
	return 0;
}

bool timer_set_next(const struct timer_set *s, uint64_t *when)
{
	const struct timer_heap_node *n = timer_heap_peek(&s->heap);

	if (n)
		*when = n->when;
	return n;
}

/* The earliest timer if due by `now` and armed before `pass` (a heap
 * sequence number), disarmed. */
static struct loop_timer *pop_due(struct timer_set *s, uint64_t now, uint64_t pass)
{
	struct timer_heap_node *n = timer_heap_peek(&s->heap);

	if (!n || n->when > now || n->seq >= pass)
		return NULL;
	timer_heap_pop(&s->heap);
	return (struct loop_timer *)n;
}

struct loop_timer *timer_set_pop_due(struct timer_set *s, uint64_t now)
{
	return pop_due(s, now, UINT64_MAX);
}

void timer_set_run(struct timer_set *s, uint64_t now)
{
	uint64_t pass = s->heap.next_seq;
	struct loop_timer *t;

	while ((t = pop_due(s, now, pass)))
		timer_fire(t);
}

/* ---- the loop.h timer API ---- */

void loop_timer_arm_at(struct loop_timer *t, uint64_t when_ns)
{
	timer_heap_arm(&t->set->heap, &t->node, when_ns);
}

void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns)
{
	uint64_t now = t->set->now(t->set->loop);

	loop_timer_arm_at(t, delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns);
}

void loop_timer_disarm(struct loop_timer *t)
{
	timer_heap_remove(&t->set->heap, &t->node);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return timer_heap_node_armed(&t->node);
}

void loop_timer_free(struct loop_timer *t)
{
	struct timer_set *s;

	if (!t)
		return;
	s = t->set;
	timer_heap_remove(&s->heap, &t->node);
	if (t->prev)
		t->prev->next = t->next;
	else
		s->all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	s->n--;
	free(t);
}
