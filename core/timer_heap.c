#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "core/timer_heap.h"

void timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->len = 0;
	h->cap = 0;
	h->next_seq = 0;
}

void timer_heap_fini(struct timer_heap *h)
{
	for (size_t i = 0; i < h->len; i++)
		h->v[i]->idx = TIMER_HEAP_NONE;
	free(h->v);
	timer_heap_init(h);
}

int timer_heap_reserve(struct timer_heap *h, size_t n)
{
	struct timer_heap_node **v;
	size_t cap;

	if (n <= h->cap)
		return 0;
	cap = h->cap ? h->cap : 16;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof(*v))
			return -ENOMEM;
		cap *= 2;
	}
	v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

static bool before(const struct timer_heap_node *a, const struct timer_heap_node *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void place(struct timer_heap *h, size_t i, struct timer_heap_node *n)
{
	h->v[i] = n;
	n->idx = i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
	struct timer_heap_node *n = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(n, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, n);
}

static void sift_down(struct timer_heap *h, size_t i)
{
	struct timer_heap_node *n = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->len)
			break;
		if (c + 1 < h->len && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], n))
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, n);
}

/* Restore order around slot i after its node changed in either direction. */
static void fix(struct timer_heap *h, size_t i)
{
	if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

void timer_heap_arm(struct timer_heap *h, struct timer_heap_node *n, uint64_t when)
{
	n->when = when;
	n->seq = h->next_seq++;
	if (timer_heap_node_armed(n)) {
		fix(h, n->idx);
		return;
	}
	/* The slot was reserved when the timer was created. */
	place(h, h->len++, n);
	sift_up(h, n->idx);
}

void timer_heap_remove(struct timer_heap *h, struct timer_heap_node *n)
{
	size_t i = n->idx;
	struct timer_heap_node *last;

	if (i == TIMER_HEAP_NONE)
		return;
	n->idx = TIMER_HEAP_NONE;
	last = h->v[--h->len];
	if (last == n)
		return;
	place(h, i, last);
	fix(h, i);
}

struct timer_heap_node *timer_heap_pop(struct timer_heap *h)
{
	struct timer_heap_node *n = timer_heap_peek(h);

	if (n)
		timer_heap_remove(h, n);
	return n;
}
