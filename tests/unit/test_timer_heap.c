/* The timer heap against a deliberately naive reference (an unsorted array
 * scanned for the minimum (deadline, arming order)), then the timer set both
 * loops build on it, driven by a hand-moved clock. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/timer_heap.h"
#include "core/timers.h"

#define NODES 100

struct ref {
	bool armed[NODES];
	uint64_t when[NODES];
	uint64_t order[NODES];
	uint64_t next_order;
};

static void ref_arm(struct ref *r, int i, uint64_t when)
{
	r->armed[i] = true;
	r->when[i] = when;
	r->order[i] = r->next_order++;
}

static int ref_min(const struct ref *r)
{
	int best = -1;

	for (int i = 0; i < NODES; i++) {
		if (!r->armed[i])
			continue;
		if (best < 0 || r->when[i] < r->when[best] ||
		    (r->when[i] == r->when[best] && r->order[i] < r->order[best]))
			best = i;
	}
	return best;
}

static size_t ref_len(const struct ref *r)
{
	size_t n = 0;

	for (int i = 0; i < NODES; i++)
		n += r->armed[i];
	return n;
}

/* Every slot points back at itself and no child precedes its parent. */
static void check_invariants(const struct timer_heap *h)
{
	for (size_t i = 0; i < h->len; i++) {
		const struct timer_heap_node *n = h->v[i];

		assert_int_equal(n->idx, i);
		if (i > 0) {
			const struct timer_heap_node *p = h->v[(i - 1) / 2];

			assert_true(p->when < n->when || (p->when == n->when && p->seq < n->seq));
		}
	}
}

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64: fixed seed, same sequence on every run */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void differential(uint64_t seed, uint64_t when_range)
{
	struct timer_heap h;
	struct timer_heap_node nodes[NODES];
	struct ref r = { 0 };
	uint64_t s = seed;

	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, NODES), 0);
	for (int i = 0; i < NODES; i++)
		timer_heap_node_init(&nodes[i]);

	for (int step = 0; step < 20000; step++) {
		int i = (int)(rnd(&s) % NODES);
		uint64_t op = rnd(&s) % 10;

		if (op < 5) {		/* arm or re-arm */
			uint64_t when = rnd(&s) % when_range;

			timer_heap_arm(&h, &nodes[i], when);
			ref_arm(&r, i, when);
		} else if (op < 7) {	/* disarm, armed or not */
			timer_heap_remove(&h, &nodes[i]);
			r.armed[i] = false;
		} else {		/* pop the earliest */
			struct timer_heap_node *n = timer_heap_pop(&h);
			int m = ref_min(&r);

			if (m < 0) {
				assert_null(n);
			} else {
				assert_ptr_equal(n, &nodes[m]);
				assert_false(timer_heap_node_armed(n));
				r.armed[m] = false;
			}
		}
		assert_int_equal(timer_heap_len(&h), ref_len(&r));
		for (int k = 0; k < NODES; k++)
			assert_int_equal(timer_heap_node_armed(&nodes[k]), r.armed[k]);
		if (step % 64 == 0)
			check_invariants(&h);
		int m = ref_min(&r);
		if (m < 0)
			assert_null(timer_heap_peek(&h));
		else
			assert_ptr_equal(timer_heap_peek(&h), &nodes[m]);
	}

	/* Drain: everything comes out in reference order. */
	for (int m; (m = ref_min(&r)) >= 0;) {
		assert_ptr_equal(timer_heap_pop(&h), &nodes[m]);
		r.armed[m] = false;
	}
	assert_null(timer_heap_pop(&h));
	timer_heap_fini(&h);
}

static void test_differential_wide(void **state)
{
	(void)state;
	differential(UINT64_C(0x9e3779b97f4a7c15), UINT64_MAX);
}

/* A narrow range makes many equal deadlines, exercising the tie-breaker. */
static void test_differential_ties(void **state)
{
	(void)state;
	differential(UINT64_C(0x2545f4914f6cdd1d), 8);
}

static void test_same_deadline_arming_order(void **state)
{
	struct timer_heap h;
	struct timer_heap_node n[5];

	(void)state;
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 5), 0);
	for (int i = 0; i < 5; i++)
		timer_heap_node_init(&n[i]);
	for (int i = 4; i >= 0; i--)
		timer_heap_arm(&h, &n[i], 100);
	timer_heap_arm(&h, &n[2], 100);	/* re-arming moves it behind the others */
	assert_ptr_equal(timer_heap_pop(&h), &n[4]);
	assert_ptr_equal(timer_heap_pop(&h), &n[3]);
	assert_ptr_equal(timer_heap_pop(&h), &n[1]);
	assert_ptr_equal(timer_heap_pop(&h), &n[0]);
	assert_ptr_equal(timer_heap_pop(&h), &n[2]);
	assert_null(timer_heap_pop(&h));
	timer_heap_fini(&h);
}

static void test_reserve_grows(void **state)
{
	struct timer_heap h;

	(void)state;
	timer_heap_init(&h);
	assert_int_equal(timer_heap_reserve(&h, 0), 0);
	assert_int_equal(timer_heap_reserve(&h, 1000), 0);
	assert_true(h.cap >= 1000);
	assert_int_equal(timer_heap_reserve(&h, SIZE_MAX), -ENOMEM);
	assert_true(h.cap >= 1000);
	timer_heap_fini(&h);
}

/* ---- the timer set ---- */

static uint64_t clock_ns;
static char owner;		/* stands in for the loop: only its address is used */
#define OWNER ((struct loop *)(void *)&owner)

static uint64_t test_clock(const struct loop *loop)
{
	assert_ptr_equal(loop, OWNER);
	return clock_ns;
}

struct tm {
	char tag;
	bool rearm;		/* re-arm for "now" from the callback */
	struct loop_timer *t;
	struct loop_timer *victim;	/* freed from the callback */
};

static char fired[32];

static void tag_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct tm *tm = arg;
	size_t n = strlen(fired);

	assert_ptr_equal(loop, OWNER);
	assert_ptr_equal(t, tm->t);
	assert_false(loop_timer_armed(t));	/* disarmed before its callback */
	if (n + 1 < sizeof(fired))
		fired[n] = tm->tag;
	if (tm->rearm)
		loop_timer_arm_at(t, clock_ns);
	if (tm->victim)
		loop_timer_free(tm->victim);
}

static void new_timers(struct timer_set *s, struct tm *tm, int n)
{
	timer_set_init(s, OWNER, test_clock);
	memset(fired, 0, sizeof(fired));
	clock_ns = 1000;
	for (int i = 0; i < n; i++) {
		tm[i] = (struct tm){ .tag = (char)('a' + i) };
		assert_int_equal(timer_set_add(s, tag_cb, &tm[i], &tm[i].t), 0);
		assert_false(loop_timer_armed(tm[i].t));
	}
}

static void test_set_run_pass(void **state)
{
	struct timer_set s;
	struct tm tm[5];
	uint64_t when;

	(void)state;
	new_timers(&s, tm, 5);
	assert_false(timer_set_next(&s, &when));
	tm[0].rearm = true;		/* waits for the next pass */
	tm[1].victim = tm[2].t;		/* b frees c, due at the same time */
	tm[3].victim = tm[3].t;		/* d frees itself */
	loop_timer_arm_at(tm[0].t, 900);
	loop_timer_arm_at(tm[1].t, 1000);
	loop_timer_arm_at(tm[2].t, 1000);
	loop_timer_arm_at(tm[3].t, 1000);
	loop_timer_arm_at(tm[4].t, 1001);
	assert_true(timer_set_next(&s, &when));
	assert_int_equal(when, 900);

	timer_set_run(&s, 1000);
	assert_string_equal(fired, "abd");
	assert_int_equal(timer_set_armed(&s), 2);	/* a again, and e */
	assert_int_equal(s.n, 3);
	timer_set_run(&s, 1000);
	assert_string_equal(fired, "abda");
	tm[0].rearm = false;
	timer_set_run(&s, 1001);
	assert_string_equal(fired, "abdaae");
	assert_false(timer_set_next(&s, &when));
	timer_set_fini(&s);
}

/* The virtual-time loop's step: one timer at a time, no pass limit. */
static void test_set_pop_due(void **state)
{
	struct timer_set s;
	struct tm tm[2];
	struct loop_timer *t;

	(void)state;
	new_timers(&s, tm, 2);
	loop_timer_arm_at(tm[0].t, 2000);
	loop_timer_arm_at(tm[1].t, 1500);
	assert_null(timer_set_pop_due(&s, 1499));
	t = timer_set_pop_due(&s, 3000);
	assert_ptr_equal(t, tm[1].t);
	assert_int_equal(t->node.when, 1500);
	assert_false(loop_timer_armed(t));
	timer_fire(t);
	assert_string_equal(fired, "b");
	loop_timer_disarm(tm[0].t);
	loop_timer_disarm(tm[0].t);	/* disarming twice is harmless */
	assert_null(timer_set_pop_due(&s, UINT64_MAX));
	timer_set_fini(&s);
}

static void test_set_arm_in_uses_clock(void **state)
{
	struct timer_set s;
	struct tm tm[1];
	uint64_t when;

	(void)state;
	new_timers(&s, tm, 1);
	clock_ns = 5000;
	loop_timer_arm_in(tm[0].t, 250);
	assert_true(timer_set_next(&s, &when));
	assert_int_equal(when, 5250);
	loop_timer_arm_in(tm[0].t, UINT64_MAX);	/* saturates instead of wrapping */
	assert_true(timer_set_next(&s, &when));
	assert_int_equal(when, UINT64_MAX);
	assert_int_equal(timer_set_armed(&s), 1);
	timer_set_fini(&s);
}

/* fini frees armed and idle timers alike (checked under ASan); loop_timer_free
 * takes NULL, and a timer needs a callback. */
static void test_set_fini_and_errors(void **state)
{
	struct timer_set s;
	struct tm tm[3];
	struct loop_timer *t = NULL;

	(void)state;
	new_timers(&s, tm, 3);
	assert_int_equal(timer_set_add(&s, NULL, NULL, &t), -EINVAL);
	assert_null(t);
	loop_timer_free(NULL);
	loop_timer_free(tm[1].t);
	loop_timer_arm_at(tm[2].t, 1);
	assert_int_equal(s.n, 2);
	timer_set_fini(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential_wide),
		cmocka_unit_test(test_differential_ties),
		cmocka_unit_test(test_same_deadline_arming_order),
		cmocka_unit_test(test_reserve_grows),
		cmocka_unit_test(test_set_run_pass),
		cmocka_unit_test(test_set_pop_due),
		cmocka_unit_test(test_set_arm_in_uses_clock),
		cmocka_unit_test(test_set_fini_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
