/* vrrp/fsm: elections on virtual time. Routers on a simulated link send
 * real advertisements to each other (built and parsed by vrrp/wire) with
 * no delay; time jumps from one timer deadline to the next. Every time
 * below is exact: RFC 5798's intervals are whole centiseconds. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "vrrp/fsm.h"
#include "vrrp/wire.h"

#define CS(x) ((uint64_t)(x) * VRRP_NS_PER_CS)
#define T0 (UINT64_C(1000) * 1000000000)	/* not 0, so 0 means nothing */
#define MAX_NODES 4
#define MAX_QUEUE 64
#define MAX_SENT 64

struct sim;

struct node {
	struct sim *sim;
	struct vrrp_fsm f;
	int host;			/* routers on one host share its links */
	bool running;			/* false: crashed, hears and says nothing */
	bool armed[VRRP_TIMER_COUNT];
	uint64_t deadline[VRRP_TIMER_COUNT];
	bool has_vips;
	unsigned int n_master, n_backup, n_init, n_announce, n_transitions;
	unsigned int n_sent;
	uint64_t sent_at[MAX_SENT];
	uint8_t sent_prio[MAX_SENT];
	uint64_t became_master_at;
};

struct packet {
	int from;
	uint8_t buf[VRRP_MAX_LEN];
	size_t len;
};

struct sim {
	uint64_t now;
	struct node n[MAX_NODES];
	int count;
	bool cut[MAX_NODES][MAX_NODES];	/* host i cannot hear host j */
	struct packet q[MAX_QUEUE];
	int qhead, qlen;
};

static struct sim sim;

static const char *const node_addrs[MAX_NODES] = {
	"192.168.1.2", "192.168.1.3", "192.168.1.4", "192.168.1.5",
};

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static void cb_send(void *ctx, uint8_t priority)
{
	struct node *n = ctx;
	const struct mg_addr vip = addr("192.168.1.1"), group = addr("224.0.0.18");
	struct vrrp_advert_tx tx = {
		.vrid = n->f.conf.vrid, .priority = priority, .max_adver_int = n->f.conf.adver_int,
		.addrs = &vip, .count = 1,
	};
	struct packet *p;
	int len;

	assert_true(n->running);
	if (n->n_sent < MAX_SENT) {
		n->sent_at[n->n_sent] = sim.now;
		n->sent_prio[n->n_sent] = priority;
	}
	n->n_sent++;
	assert_true(sim.qlen < MAX_QUEUE);
	p = &sim.q[(sim.qhead + sim.qlen++) % MAX_QUEUE];
	p->from = (int)(n - sim.n);
	len = vrrp_advert_build(p->buf, sizeof(p->buf), &tx, &n->f.conf.primary, &group);
	assert_true(len > 0);
	p->len = (size_t)len;
}

static void cb_master(void *ctx)
{
	struct node *n = ctx;

	n->has_vips = true;
	n->n_master++;
	n->became_master_at = sim.now;
}

static void cb_announce(void *ctx)
{
	struct node *n = ctx;

	assert_true(n->has_vips);
	n->n_announce++;
}

static void cb_backup(void *ctx)
{
	struct node *n = ctx;

	n->has_vips = false;
	n->n_backup++;
}

static void cb_init(void *ctx)
{
	struct node *n = ctx;

	n->has_vips = false;
	n->n_init++;
}

static void cb_arm(void *ctx, enum vrrp_timer t, uint64_t deadline)
{
	struct node *n = ctx;

	assert_true(deadline >= sim.now);
	n->armed[t] = true;
	n->deadline[t] = deadline;
}

static void cb_disarm(void *ctx, enum vrrp_timer t)
{
	struct node *n = ctx;

	assert_true(n->armed[t]);
	n->armed[t] = false;
}

static void cb_transition(void *ctx, enum vrrp_state from, enum vrrp_state to, enum vrrp_why why)
{
	struct node *n = ctx;

	assert_int_not_equal(from, to);
	assert_int_equal(vrrp_fsm_state(&n->f), to);
	n->n_transitions++;
}

static const struct vrrp_fsm_ops ops = {
	.send_advert = cb_send,
	.become_master = cb_master,
	.announce = cb_announce,
	.become_backup = cb_backup,
	.become_init = cb_init,
	.timer_arm = cb_arm,
	.timer_disarm = cb_disarm,
	.transition = cb_transition,
};

static int setup(void **state)
{
	memset(&sim, 0, sizeof(sim));
	sim.now = T0;
	return 0;
}

/* A router on host (its primary address is the host's), not started. */
static struct node *add(int host, uint8_t vrid, uint8_t priority, uint16_t adver_int,
			void (*tweak)(struct vrrp_fsm_conf *))
{
	struct node *n = &sim.n[sim.count++];
	struct vrrp_fsm_conf c;

	vrrp_fsm_conf_default(&c);
	c.vrid = vrid;
	c.priority = priority;
	c.adver_int = adver_int;
	c.primary = addr(node_addrs[host]);
	if (tweak)
		tweak(&c);
	n->sim = &sim;
	n->host = host;
	assert_int_equal(vrrp_fsm_init(&n->f, &c, &ops, n), 0);
	return n;
}

static void start(struct node *n)
{
	n->running = true;
	vrrp_fsm_startup(&n->f, sim.now);
}

/* Killed: no resignation, no more packets or timers. */
static void crash(struct node *n)
{
	n->running = false;
	memset(n->armed, 0, sizeof(n->armed));
}

static void deliver(void)
{
	while (sim.qlen) {
		struct packet *p = &sim.q[sim.qhead];
		struct node *src = &sim.n[p->from];
		int i;

		sim.qhead = (sim.qhead + 1) % MAX_QUEUE;
		sim.qlen--;
		for (i = 0; i < sim.count; i++) {
			struct node *dst = &sim.n[i];
			struct vrrp_ip ip = {
				.src = src->f.conf.primary, .dst = addr("224.0.0.18"), .ttl = 255,
			};
			struct vrrp_advert a;

			if (dst == src || !dst->running || dst->host == src->host ||
			    sim.cut[dst->host][src->host])
				continue;
			assert_int_equal(vrrp_advert_parse(p->buf, p->len, &ip, &a), VRRP_RX_OK);
			if (a.vrid != dst->f.conf.vrid)
				continue;
			vrrp_fsm_advert(&dst->f, sim.now, a.priority, a.max_adver_int, &ip.src);
		}
	}
}

/* Delivers what is in flight, then fires timers in deadline order up to
 * and including until; time ends at until. Timers due at the same instant
 * all fire before any packet they send arrives, as on a real link. */
static void run_until(uint64_t until)
{
	for (;;) {
		uint64_t next = UINT64_MAX;
		int i, t;

		deliver();
		for (i = 0; i < sim.count; i++)
			for (t = 0; t < VRRP_TIMER_COUNT; t++)
				if (sim.n[i].running && sim.n[i].armed[t] &&
				    sim.n[i].deadline[t] < next)
					next = sim.n[i].deadline[t];
		if (next > until)
			break;
		sim.now = next;
		for (i = 0; i < sim.count; i++)
			for (t = 0; t < VRRP_TIMER_COUNT; t++) {
				struct node *n = &sim.n[i];

				if (n->running && n->armed[t] && n->deadline[t] == next) {
					n->armed[t] = false;
					vrrp_fsm_timer(&n->f, sim.now, t);
				}
			}
	}
	sim.now = until;
}

static void run_for(uint64_t ns)
{
	run_until(sim.now + ns);
}

static void cut(int a, int b, bool on)
{
	sim.cut[a][b] = sim.cut[b][a] = on;
}

static int masters(uint8_t vrid)
{
	int i, m = 0;

	for (i = 0; i < sim.count; i++)
		if (sim.n[i].running && sim.n[i].f.conf.vrid == vrid &&
		    vrrp_fsm_state(&sim.n[i].f) == VRRP_STATE_MASTER) {
			assert_true(sim.n[i].has_vips);
			m++;
		}
	return m;
}

static enum vrrp_why why(const struct node *n)
{
	struct vrrp_status st;

	vrrp_fsm_status(&n->f, &st);
	return st.why;
}

/* Skew time and master-down interval at priority 100 and 1 s: 60 and 360 cs. */
static void init_backup_master(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct vrrp_status st;

	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_INIT);
	start(a);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	assert_int_equal(a->n_backup, 1);	/* stale VIPs removed at startup */
	vrrp_fsm_status(&a->f, &st);
	assert_int_equal(st.skew_cs, 60);
	assert_int_equal(st.master_down_cs, 360);
	assert_int_equal(st.why, VRRP_WHY_STARTUP);
	assert_true(a->armed[VRRP_TIMER_MASTER_DOWN]);
	assert_true(a->deadline[VRRP_TIMER_MASTER_DOWN] == T0 + CS(360));

	run_until(T0 + CS(359));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	assert_int_equal(a->n_sent, 0);
	run_until(T0 + CS(360));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_true(a->became_master_at == T0 + CS(360));
	assert_int_equal(a->n_master, 1);
	assert_int_equal(a->n_sent, 1);
	assert_int_equal(a->sent_prio[0], 100);
	assert_int_equal(a->n_announce, 5);	/* default: five rounds at once */
	assert_false(a->armed[VRRP_TIMER_MASTER_DOWN]);
	assert_int_equal(why(a), VRRP_WHY_MASTER_DOWN);
	assert_false(vrrp_fsm_accepts(&a->f));	/* not owner, no accept mode */
}

static void master_advertises_every_interval(void **state)
{
	struct node *a = add(0, 1, 100, 25, NULL);
	unsigned int i;

	start(a);
	run_until(T0 + CS(3 * 25 + (156 * 25) / 256));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	run_for(CS(25 * 20));
	assert_int_equal(a->n_sent, 21);
	for (i = 1; i < a->n_sent; i++) {
		assert_true(a->sent_at[i] - a->sent_at[i - 1] == CS(25));
		assert_int_equal(a->sent_prio[i], 100);
	}
}

static void higher_priority_preempts(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, NULL);
	uint64_t t1;

	start(a);
	run_for(CS(500));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	t1 = sim.now;
	start(b);
	/* b ignores a's lower adverts; its startup master-down runs out:
	 * 3 * 100 + (56 * 100) / 256 = 321 cs. */
	run_until(t1 + CS(320));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(t1 + CS(321));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	assert_int_equal(why(b), VRRP_WHY_PREEMPT);
	assert_int_equal(why(a), VRRP_WHY_HIGHER_PRIORITY);
	assert_false(a->has_vips);
	run_for(CS(3000));
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(b->n_master, 1);
	assert_int_equal(a->n_master, 1);
}

static void no_preempt(struct vrrp_fsm_conf *c)
{
	c->preempt = false;
}

static void preempt_off(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, no_preempt);
	uint64_t t;

	start(a);
	run_for(CS(500));
	start(b);
	run_for(CS(6000));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	assert_int_equal(b->n_sent, 0);

	/* Without preemption b still takes over when a resigns: after its
	 * own skew time, (56 * 100) / 256 = 21 cs. */
	t = sim.now;
	vrrp_fsm_shutdown(&a->f, sim.now);
	a->running = false;
	run_until(t + CS(20));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(t + CS(21));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(why(b), VRRP_WHY_MASTER_RESIGNED);
}

static void delay_10s(struct vrrp_fsm_conf *c)
{
	c->preempt_delay_cs = 1000;
}

static void delay_1s(struct vrrp_fsm_conf *c)
{
	c->preempt_delay_cs = 100;
}

static void preempt_delay(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, delay_10s);
	struct vrrp_status st;
	uint64_t t1, seen;

	start(a);
	run_until(T0 + CS(360));		/* a is master, advertises at 360 + k * 100 */
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	run_until(T0 + CS(410));
	t1 = sim.now;
	start(b);
	run_until(T0 + CS(460));		/* b hears a for the first time */
	seen = sim.now;
	vrrp_fsm_status(&b->f, &st);
	assert_true(st.preempt_at_ns == seen + CS(1000));
	assert_true(st.master_known);
	assert_int_equal(st.master_priority, 100);

	/* Held past the 321 cs it would wait without the delay... */
	run_until(seen + CS(999));
	assert_true(sim.now > t1 + CS(321));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	assert_int_equal(b->n_sent, 0);
	/* ...and master exactly when the delay ends. */
	run_until(seen + CS(1000));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(why(b), VRRP_WHY_PREEMPT);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	run_for(CS(2000));
	assert_int_equal(masters(1), 1);
}

/* A delay shorter than the startup wait does not make preemption sooner. */
static void preempt_delay_short(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, delay_1s);
	uint64_t t1;

	start(a);
	run_until(T0 + CS(410));
	t1 = sim.now;
	start(b);
	run_until(t1 + CS(320));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(t1 + CS(321));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
}

/* During the delay b still follows a: if a dies, b takes over after the
 * usual master-down interval, not at the end of the delay. */
static void preempt_delay_master_dies(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, delay_10s);
	uint64_t last;

	start(a);
	run_until(T0 + CS(410));
	start(b);
	run_until(T0 + CS(660));		/* a advertised at 460, 560, 660 */
	last = sim.now;
	crash(a);
	run_until(last + CS(320));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(last + CS(321));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
}

/* A master that resigns hands over after the backup's skew time only:
 * the higher of two backups wins, (106 * 100) / 256 = 41 cs. */
static void priority_zero_on_shutdown(void **state)
{
	struct node *a = add(0, 1, 200, 100, NULL);
	struct node *b = add(1, 1, 150, 100, NULL);
	struct node *c = add(2, 1, 100, 100, NULL);
	uint64_t t;

	start(a);
	start(b);
	start(c);
	run_for(CS(1000));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_int_equal(masters(1), 1);
	t = sim.now;
	vrrp_fsm_shutdown(&a->f, sim.now);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_INIT);
	assert_int_equal(a->sent_prio[a->n_sent - 1], 0);
	assert_int_equal(a->n_init, 1);
	assert_false(a->has_vips);
	assert_false(a->armed[VRRP_TIMER_ADVER]);
	run_until(t + CS(40));
	assert_int_equal(masters(1), 0);
	run_until(t + CS(41));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(why(b), VRRP_WHY_MASTER_RESIGNED);
	run_for(CS(3000));
	assert_int_equal(vrrp_fsm_state(&c->f), VRRP_STATE_BACKUP);
	assert_int_equal(masters(1), 1);

	/* Stopped routers ignore adverts; shutting down twice is harmless. */
	vrrp_fsm_shutdown(&a->f, sim.now);
	assert_int_equal(a->n_init, 1);
	assert_int_equal(vrrp_fsm_advert(&a->f, sim.now, 50, 100, &b->f.conf.primary),
			 VRRP_ADV_STOPPED);
}

/* A backup shutting down just stops; nothing is sent. */
static void backup_shutdown(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);

	start(a);
	vrrp_fsm_shutdown(&a->f, sim.now);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_INIT);
	assert_false(a->armed[VRRP_TIMER_MASTER_DOWN]);
	assert_int_equal(a->n_sent, 0);
	assert_int_equal(a->n_init, 1);
	run_for(CS(10000));
	assert_int_equal(a->n_sent, 0);
	start(a);			/* and starts again */
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
}

static void accept_mode(struct vrrp_fsm_conf *c)
{
	c->accept_mode = true;
}

static void owner(void **state)
{
	struct node *a = add(0, 1, 254, 100, accept_mode);
	struct node *o = add(1, 1, VRRP_PRIO_OWNER, 100, NULL);
	uint64_t t;

	start(a);
	run_for(CS(1000));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_true(vrrp_fsm_accepts(&a->f));	/* accept mode */

	/* The owner is master at once, without the startup wait. */
	t = sim.now;
	start(o);
	assert_int_equal(vrrp_fsm_state(&o->f), VRRP_STATE_MASTER);
	assert_true(o->became_master_at == t);
	assert_int_equal(o->n_sent, 1);
	assert_int_equal(o->n_backup, 0);
	assert_int_equal(why(o), VRRP_WHY_OWNER);
	assert_true(vrrp_fsm_accepts(&o->f));
	run_for(0);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);

	/* It ignores every advertisement, even one claiming 255. */
	assert_int_equal(vrrp_fsm_advert(&o->f, sim.now, 255, 100, &a->f.conf.primary),
			 VRRP_ADV_OWNER);
	assert_int_equal(vrrp_fsm_advert(&o->f, sim.now, 0, 100, &a->f.conf.primary),
			 VRRP_ADV_OWNER);
	assert_int_equal(vrrp_fsm_state(&o->f), VRRP_STATE_MASTER);
	run_for(CS(3000));
	assert_int_equal(masters(1), 1);

	/* When it stops, the backup takes over after skew time: 2 * 100 / 256 = 0. */
	t = sim.now;
	vrrp_fsm_shutdown(&o->f, sim.now);
	o->running = false;
	run_until(t);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_int_equal(why(a), VRRP_WHY_MASTER_RESIGNED);
}

/* Same priority: the higher primary address wins (192.168.1.3 > .2). */
static void equal_priority_tie(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 100, 100, NULL);
	struct node *c;

	start(a);
	start(b);
	run_until(T0 + CS(360));
	/* Both woke at the same instant and both claimed mastership. */
	assert_int_equal(a->n_master, 1);
	assert_int_equal(b->n_master, 1);
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(why(a), VRRP_WHY_HIGHER_ADDRESS);
	run_for(CS(3000));
	assert_int_equal(masters(1), 1);

	/* An equal backup with a higher address does not preempt. */
	c = add(2, 1, 100, 100, NULL);
	start(c);
	run_for(CS(3000));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&c->f), VRRP_STATE_BACKUP);
	assert_int_equal(c->n_master, 0);
}

/* A backup uses the master's interval, not its own, for master-down. */
static void backup_learns_interval(void **state)
{
	struct node *a = add(0, 1, 200, 50, NULL);
	struct node *b = add(1, 1, 100, 200, NULL);
	struct vrrp_status st;
	uint64_t last;

	start(a);
	run_until(T0 + CS(3 * 50 + (56 * 50) / 256));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	start(b);
	vrrp_fsm_status(&b->f, &st);
	assert_int_equal(st.master_adver_int, 200);
	run_for(CS(1000));
	vrrp_fsm_status(&b->f, &st);
	assert_int_equal(st.master_adver_int, 50);
	assert_int_equal(st.skew_cs, (156 * 50) / 256);
	assert_int_equal(st.master_down_cs, 150 + (156 * 50) / 256);
	assert_true(st.master_known);
	assert_true(mg_addr_eq(&st.master_addr, &a->f.conf.primary));
	assert_int_equal(st.master_priority, 200);

	last = a->sent_at[(a->n_sent - 1) % MAX_SENT];
	assert_true(a->n_sent <= MAX_SENT);
	crash(a);
	run_until(last + CS(179));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(last + CS(180));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(why(b), VRRP_WHY_MASTER_DOWN);
	/* As master it advertises at its own interval. */
	run_for(CS(1000));
	assert_true(b->sent_at[b->n_sent - 1] - b->sent_at[b->n_sent - 2] == CS(200));
}

static void split_brain_heals(void **state)
{
	struct node *a = add(0, 1, 150, 100, NULL);
	struct node *b = add(1, 1, 100, 100, NULL);
	struct node *c = add(2, 1, 100, 100, no_preempt);

	start(a);
	start(b);
	start(c);
	run_for(CS(1000));
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);

	/* a is cut off from b and c: two masters. */
	cut(0, 1, true);
	cut(0, 2, true);
	run_for(CS(1000));
	assert_int_equal(masters(1), 2);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);

	/* The link heals: exactly one master, a, at its next advertisement. */
	cut(0, 1, false);
	cut(0, 2, false);
	run_for(CS(100));
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	run_for(CS(5000));
	assert_int_equal(masters(1), 1);

	/* A partition between the two equal backups as well, then heal. */
	cut(0, 1, true);
	cut(0, 2, true);
	cut(1, 2, true);
	run_for(CS(1000));
	assert_int_equal(masters(1), 3);
	cut(0, 1, false);
	cut(0, 2, false);
	cut(1, 2, false);
	run_for(CS(100));
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	run_for(CS(5000));
	assert_int_equal(masters(1), 1);

	/* Without a: b and c tie at 100, the higher address (c) stays. */
	crash(a);
	run_for(CS(1000));
	assert_int_equal(masters(1), 1);
	cut(1, 2, true);
	run_for(CS(1000));
	assert_int_equal(masters(1), 2);
	cut(1, 2, false);
	run_for(CS(100));
	assert_int_equal(masters(1), 1);
	assert_int_equal(vrrp_fsm_state(&c->f), VRRP_STATE_MASTER);
}

/* Tracking lowers the master's priority: it says so at once, and a
 * preempting backup takes over when the master-down timer it no longer
 * resets runs out. */
static void priority_change(void **state)
{
	struct node *a = add(0, 1, 150, 100, NULL);
	struct node *b = add(1, 1, 100, 100, NULL);
	struct vrrp_status st;
	unsigned int sent;
	uint64_t t, last;

	start(a);
	start(b);
	run_for(CS(1050));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	last = a->sent_at[a->n_sent - 1];
	sent = a->n_sent;
	t = sim.now;
	vrrp_fsm_set_priority(&a->f, sim.now, 50, "interface eth1 down -100");
	assert_int_equal(a->n_sent, sent + 1);
	assert_int_equal(a->sent_prio[sent], 50);
	assert_true(a->sent_at[sent] == t);
	vrrp_fsm_status(&a->f, &st);
	assert_int_equal(st.priority, 50);
	assert_string_equal(st.priority_why, "interface eth1 down -100");
	run_until(last + CS(359));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_BACKUP);
	run_until(last + CS(360));
	assert_int_equal(vrrp_fsm_state(&b->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	assert_int_equal(why(b), VRRP_WHY_PREEMPT);

	/* Back up: a preempts b again. */
	vrrp_fsm_set_priority(&a->f, sim.now, 150, "configured");
	run_for(CS(1000));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_int_equal(masters(1), 1);
	/* 0 from tracking is clamped to 1: only a resignation sends 0. */
	vrrp_fsm_set_priority(&a->f, sim.now, 0, "all tracks down");
	vrrp_fsm_status(&a->f, &st);
	assert_int_equal(st.priority, 1);
}

/* Two virtual routers on the same two hosts, each master of one. */
static void several_routers(void **state)
{
	struct node *a1 = add(0, 10, 200, 100, NULL);
	struct node *a2 = add(0, 20, 100, 100, NULL);
	struct node *b1 = add(1, 10, 100, 100, NULL);
	struct node *b2 = add(1, 20, 200, 100, NULL);

	start(a1);
	start(a2);
	start(b1);
	start(b2);
	run_for(CS(2000));
	assert_int_equal(masters(10), 1);
	assert_int_equal(masters(20), 1);
	assert_int_equal(vrrp_fsm_state(&a1->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&b2->f), VRRP_STATE_MASTER);
	crash(a1);
	run_for(CS(2000));
	assert_int_equal(vrrp_fsm_state(&b1->f), VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_state(&a2->f), VRRP_STATE_BACKUP);
}

static void announce_spaced(struct vrrp_fsm_conf *c)
{
	c->announce_count = 3;
	c->announce_interval_cs = 100;
}

static void announcements(void **state)
{
	struct node *a = add(0, 1, 100, 100, announce_spaced);
	struct node *b;

	start(a);
	run_until(T0 + CS(360));
	assert_int_equal(a->n_announce, 1);
	run_until(T0 + CS(459));
	assert_int_equal(a->n_announce, 1);
	run_until(T0 + CS(460));
	assert_int_equal(a->n_announce, 2);
	run_until(T0 + CS(560));
	assert_int_equal(a->n_announce, 3);
	run_for(CS(1000));
	assert_int_equal(a->n_announce, 3);

	/* Losing mastership stops the rounds left. */
	vrrp_fsm_shutdown(&a->f, sim.now);
	start(a);
	run_for(CS(360));
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_MASTER);
	assert_int_equal(a->n_announce, 4);
	assert_true(a->armed[VRRP_TIMER_ANNOUNCE]);
	b = add(1, 1, VRRP_PRIO_OWNER, 100, NULL);
	start(b);
	run_for(0);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	assert_false(a->armed[VRRP_TIMER_ANNOUNCE]);
	run_for(CS(1000));
	assert_int_equal(a->n_announce, 4);
}

static void status_and_history(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct node *b = add(1, 1, 200, 100, NULL);
	struct vrrp_status st;
	unsigned int i;

	start(a);
	run_for(CS(500));
	start(b);
	run_for(CS(500));
	vrrp_fsm_status(&a->f, &st);
	assert_int_equal(st.state, VRRP_STATE_BACKUP);
	assert_int_equal(st.n_history, 3);
	assert_int_equal(st.history[0].to, VRRP_STATE_BACKUP);
	assert_int_equal(st.history[0].why, VRRP_WHY_STARTUP);
	assert_int_equal(st.history[1].to, VRRP_STATE_MASTER);
	assert_true(st.history[1].at_ns == T0 + CS(360));
	assert_int_equal(st.history[2].from, VRRP_STATE_MASTER);
	assert_int_equal(st.history[2].why, VRRP_WHY_HIGHER_PRIORITY);
	assert_true(mg_addr_eq(&st.history[2].peer, &b->f.conf.primary));
	assert_int_equal(st.history[2].peer_priority, 200);
	assert_true(st.master_known);
	assert_true(mg_addr_eq(&st.master_addr, &b->f.conf.primary));
	assert_string_equal(st.priority_why, "configured");
	assert_true(st.rx[VRRP_ADV_ACCEPTED] >= 1);
	assert_int_equal(a->n_transitions, 3);

	/* The ring keeps the last VRRP_HISTORY, oldest first. */
	for (i = 0; i < 10; i++) {
		vrrp_fsm_shutdown(&a->f, sim.now);
		start(a);
		run_for(CS(10));
	}
	vrrp_fsm_status(&a->f, &st);
	assert_int_equal(st.n_history, VRRP_HISTORY);
	for (i = 1; i < VRRP_HISTORY; i++) {
		assert_true(st.history[i].at_ns >= st.history[i - 1].at_ns);
		assert_int_equal(st.history[i].from, st.history[i - 1].to);
	}
	assert_int_equal(st.history[VRRP_HISTORY - 1].why, VRRP_WHY_STARTUP);

	for (i = 0; i < VRRP_WHY_COUNT; i++)
		assert_string_not_equal(vrrp_why_text(i), "?");
	for (i = 0; i < VRRP_ADV_COUNT; i++)
		assert_string_not_equal(vrrp_verdict_name(i), "?");
	assert_string_equal(vrrp_state_name(VRRP_STATE_MASTER), "MASTER");
}

static void odd_inputs(void **state)
{
	struct node *a = add(0, 1, 100, 100, NULL);
	struct mg_addr v6 = addr("fe80::1");
	struct vrrp_fsm_conf c;
	struct vrrp_fsm f;

	/* Adverts before startup, from ourselves, of another family. */
	assert_int_equal(vrrp_fsm_advert(&a->f, sim.now, 100, 100, &a->f.conf.primary),
			 VRRP_ADV_STOPPED);
	start(a);
	assert_int_equal(vrrp_fsm_advert(&a->f, sim.now, 200, 100, &a->f.conf.primary),
			 VRRP_ADV_SELF);
	assert_int_equal(vrrp_fsm_advert(&a->f, sim.now, 200, 100, &v6), VRRP_ADV_FAMILY);
	/* A timer that is not armed does nothing. */
	vrrp_fsm_timer(&a->f, sim.now, VRRP_TIMER_ADVER);
	vrrp_fsm_timer(&a->f, sim.now, VRRP_TIMER_ANNOUNCE);
	vrrp_fsm_timer(&a->f, sim.now, VRRP_TIMER_COUNT);
	assert_int_equal(a->n_sent, 0);
	assert_int_equal(vrrp_fsm_state(&a->f), VRRP_STATE_BACKUP);
	/* Startup twice is a no-op. */
	start(a);
	assert_int_equal(a->n_backup, 1);

	vrrp_fsm_conf_default(&c);
	c.primary = addr("10.0.0.1");
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), -EINVAL);	/* VRID 0 */
	c.vrid = 1;
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), 0);
	c.adver_int = 0;
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), -EINVAL);
	c.adver_int = 4096;
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), -EINVAL);
	c.adver_int = 4095;
	c.priority = 0;
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), -EINVAL);
	c.priority = 1;
	c.primary.family = AF_UNSPEC;
	assert_int_equal(vrrp_fsm_init(&f, &c, &ops, NULL), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(init_backup_master),
		T(master_advertises_every_interval),
		T(higher_priority_preempts),
		T(preempt_off),
		T(preempt_delay),
		T(preempt_delay_short),
		T(preempt_delay_master_dies),
		T(priority_zero_on_shutdown),
		T(backup_shutdown),
		T(owner),
		T(equal_priority_tie),
		T(backup_learns_interval),
		T(split_brain_heals),
		T(priority_change),
		T(several_routers),
		T(announcements),
		T(status_and_history),
		T(odd_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
