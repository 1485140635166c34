/* RFC 5798 section 6.4: Initialize, Backup, Master. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/fsm.h"

void vrrp_fsm_conf_default(struct vrrp_fsm_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->priority = VRRP_PRIO_DEFAULT;
	conf->adver_int = VRRP_ADVER_INT_DEFAULT;
	conf->preempt = true;
	conf->announce_count = 5;
}

/* Skew_Time and Master_Down_Interval (RFC 5798 6.1), in centiseconds. */
static void recompute(struct vrrp_fsm *f)
{
	f->skew_cs = ((256u - f->priority) * f->master_adver_int) / 256u;
	f->master_down_cs = 3u * f->master_adver_int + f->skew_cs;
}

static void arm_at(struct vrrp_fsm *f, enum vrrp_timer t, uint64_t deadline)
{
	f->armed[t] = true;
	f->deadline[t] = deadline;
	f->ops->timer_arm(f->ctx, t, deadline);
}

static void arm(struct vrrp_fsm *f, enum vrrp_timer t, uint64_t now, uint32_t cs)
{
	arm_at(f, t, now + cs * VRRP_NS_PER_CS);
}

static void disarm(struct vrrp_fsm *f, enum vrrp_timer t)
{
	if (!f->armed[t])
		return;
	f->armed[t] = false;
	f->ops->timer_disarm(f->ctx, t);
}

static void set_master(struct vrrp_fsm *f, const struct mg_addr *addr, uint8_t priority)
{
	f->master_known = true;
	f->master_addr = *addr;
	f->master_priority = priority;
}

/* Records the transition, peer being the master that caused it (NULL if
 * none); the caller has already done the new state's actions. */
static void enter(struct vrrp_fsm *f, uint64_t now, enum vrrp_state to, enum vrrp_why why,
		  const struct mg_addr *peer, uint8_t peer_priority)
{
	struct vrrp_transition *tr;
	enum vrrp_state from = f->state;

	tr = &f->hist[(f->hist_head + f->hist_n) % VRRP_HISTORY];
	if (f->hist_n < VRRP_HISTORY)
		f->hist_n++;
	else
		f->hist_head = (f->hist_head + 1) % VRRP_HISTORY;
	memset(tr, 0, sizeof(*tr));
	tr->at_ns = now;
	tr->from = from;
	tr->to = to;
	tr->why = why;
	if (peer) {
		tr->peer = *peer;
		tr->peer_priority = peer_priority;
	}
	f->state = to;
	f->why = why;
	if (f->ops->transition)
		f->ops->transition(f->ctx, from, to, why);
}

/* Announcement rounds left: all now, or one now and the next on a timer. */
static void announce(struct vrrp_fsm *f, uint64_t now)
{
	while (f->announce_left) {
		f->ops->announce(f->ctx);
		f->announce_left--;
		if (f->announce_left && f->conf.announce_interval_cs) {
			arm(f, VRRP_TIMER_ANNOUNCE, now, f->conf.announce_interval_cs);
			break;
		}
	}
}

static void to_master(struct vrrp_fsm *f, uint64_t now, enum vrrp_why why)
{
	struct mg_addr prev = f->master_addr;
	bool prev_known = f->master_known;
	uint8_t prev_priority = f->master_priority;

	disarm(f, VRRP_TIMER_MASTER_DOWN);
	f->ops->become_master(f->ctx);
	f->ops->send_advert(f->ctx, f->priority);
	f->announce_left = f->conf.announce_count;
	announce(f, now);
	arm(f, VRRP_TIMER_ADVER, now, f->conf.adver_int);
	set_master(f, &f->conf.primary, f->priority);
	f->resigned = false;
	f->lower_seen = false;
	f->preempt_at = 0;
	enter(f, now, VRRP_STATE_MASTER, why, prev_known ? &prev : NULL, prev_priority);
}

/* Follow the master heard: learn its interval (the caller then waits a
 * master-down interval). */
static void follow(struct vrrp_fsm *f, uint16_t max_adver_int, const struct mg_addr *src,
		   uint8_t priority)
{
	f->master_adver_int = max_adver_int ? max_adver_int : VRRP_ADVER_INT_MIN;
	recompute(f);
	set_master(f, src, priority);
	f->resigned = false;
}

int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *conf,
		  const struct vrrp_fsm_ops *ops, void *ctx)
{
	if (!conf->vrid || !conf->priority || conf->adver_int < VRRP_ADVER_INT_MIN ||
	    conf->adver_int > VRRP_ADVER_INT_MAX ||
	    (conf->primary.family != AF_INET && conf->primary.family != AF_INET6))
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->conf = *conf;
	f->ops = ops;
	f->ctx = ctx;
	f->state = VRRP_STATE_INIT;
	f->priority = conf->priority;
	snprintf(f->priority_why, sizeof(f->priority_why), "%s",
		 conf->priority == VRRP_PRIO_OWNER ? "address owner" : "configured");
	f->master_adver_int = conf->adver_int;
	recompute(f);
	return 0;
}

void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now)
{
	if (f->state != VRRP_STATE_INIT)
		return;
	f->master_known = false;
	f->resigned = false;
	f->lower_seen = false;
	f->preempt_at = 0;
	if (f->priority == VRRP_PRIO_OWNER) {
		to_master(f, now, VRRP_WHY_OWNER);
		return;
	}
	f->master_adver_int = f->conf.adver_int;
	recompute(f);
	arm(f, VRRP_TIMER_MASTER_DOWN, now, f->master_down_cs);
	f->ops->become_backup(f->ctx);
	enter(f, now, VRRP_STATE_BACKUP, VRRP_WHY_STARTUP, NULL, 0);
}

void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now)
{
	switch (f->state) {
	case VRRP_STATE_INIT:
		return;
	case VRRP_STATE_BACKUP:
		disarm(f, VRRP_TIMER_MASTER_DOWN);
		break;
	case VRRP_STATE_MASTER:
		disarm(f, VRRP_TIMER_ADVER);
		disarm(f, VRRP_TIMER_ANNOUNCE);
		f->ops->send_advert(f->ctx, VRRP_PRIO_STOP);
		break;
	}
	f->ops->become_init(f->ctx);
	f->master_known = false;
	f->preempt_at = 0;
	enter(f, now, VRRP_STATE_INIT, VRRP_WHY_SHUTDOWN, NULL, 0);
}

static bool addr_greater(const struct mg_addr *a, const struct mg_addr *b)
{
	size_t n = a->family == AF_INET ? VRRP_ADDR4_LEN : VRRP_ADDR6_LEN;

	return memcmp(a->u.bytes, b->u.bytes, n) > 0;
}

static enum vrrp_rx_verdict backup_rx(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
				      uint16_t max_adver_int, const struct mg_addr *src)
{
	uint64_t deadline;

	if (priority == VRRP_PRIO_STOP) {
		arm(f, VRRP_TIMER_MASTER_DOWN, now, f->skew_cs);
		f->resigned = true;
		f->lower_seen = false;
		return VRRP_ADV_RESIGN;
	}
	if (!f->conf.preempt || priority >= f->priority) {
		follow(f, max_adver_int, src, priority);
		arm(f, VRRP_TIMER_MASTER_DOWN, now, f->master_down_cs);
		f->lower_seen = false;
		if (priority >= f->priority)
			f->preempt_at = 0;
		return VRRP_ADV_ACCEPTED;
	}

	/* A lower-priority master: preempt it. Without a delay, by no longer
	 * following it: the master-down timer runs out. With one, follow it
	 * (so its failure is still seen in time) until the delay since it was
	 * first seen is over, but never take over sooner than without one. */
	f->lower_seen = true;
	f->resigned = false;
	if (!f->conf.preempt_delay_cs)
		return VRRP_ADV_LOWER;
	if (!f->preempt_at) {
		f->preempt_at = now + (uint64_t)f->conf.preempt_delay_cs * VRRP_NS_PER_CS;
		if (f->armed[VRRP_TIMER_MASTER_DOWN] &&
		    f->deadline[VRRP_TIMER_MASTER_DOWN] > f->preempt_at)
			f->preempt_at = f->deadline[VRRP_TIMER_MASTER_DOWN];
	}
	if (now >= f->preempt_at)
		return VRRP_ADV_LOWER;
	follow(f, max_adver_int, src, priority);
	deadline = now + (uint64_t)f->master_down_cs * VRRP_NS_PER_CS;
	arm_at(f, VRRP_TIMER_MASTER_DOWN, f->preempt_at < deadline ? f->preempt_at : deadline);
	return VRRP_ADV_LOWER;
}

static enum vrrp_rx_verdict master_rx(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
				      uint16_t max_adver_int, const struct mg_addr *src)
{
	enum vrrp_why why;

	if (priority == VRRP_PRIO_STOP) {
		/* Another master resigned: tell the backups we are here. */
		f->ops->send_advert(f->ctx, f->priority);
		arm(f, VRRP_TIMER_ADVER, now, f->conf.adver_int);
		return VRRP_ADV_RESIGN;
	}
	if (priority > f->priority)
		why = VRRP_WHY_HIGHER_PRIORITY;
	else if (priority == f->priority && addr_greater(src, &f->conf.primary))
		why = VRRP_WHY_HIGHER_ADDRESS;
	else
		return VRRP_ADV_LOWER;

	disarm(f, VRRP_TIMER_ADVER);
	disarm(f, VRRP_TIMER_ANNOUNCE);
	f->announce_left = 0;
	follow(f, max_adver_int, src, priority);
	arm(f, VRRP_TIMER_MASTER_DOWN, now, f->master_down_cs);
	f->lower_seen = false;
	f->preempt_at = 0;
	f->ops->become_backup(f->ctx);
	enter(f, now, VRRP_STATE_BACKUP, why, src, priority);
	return VRRP_ADV_ACCEPTED;
}

enum vrrp_rx_verdict vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
				     uint16_t max_adver_int, const struct mg_addr *src)
{
	enum vrrp_rx_verdict v;

	if (f->state == VRRP_STATE_INIT)
		v = VRRP_ADV_STOPPED;
	else if (src->family != f->conf.primary.family)
		v = VRRP_ADV_FAMILY;
	else if (mg_addr_eq(src, &f->conf.primary))
		v = VRRP_ADV_SELF;
	else if (f->priority == VRRP_PRIO_OWNER)
		v = VRRP_ADV_OWNER;
	else if (f->state == VRRP_STATE_BACKUP)
		v = backup_rx(f, now, priority, max_adver_int, src);
	else
		v = master_rx(f, now, priority, max_adver_int, src);
	f->rx[v]++;
	return v;
}

void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now, enum vrrp_timer t)
{
	if ((unsigned)t >= VRRP_TIMER_COUNT || !f->armed[t])
		return;
	f->armed[t] = false;
	switch (t) {
	case VRRP_TIMER_MASTER_DOWN:
		if (f->state == VRRP_STATE_BACKUP)
			to_master(f, now, f->resigned ? VRRP_WHY_MASTER_RESIGNED :
				  f->lower_seen ? VRRP_WHY_PREEMPT : VRRP_WHY_MASTER_DOWN);
		break;
	case VRRP_TIMER_ADVER:
		if (f->state == VRRP_STATE_MASTER) {
			f->ops->send_advert(f->ctx, f->priority);
			arm(f, VRRP_TIMER_ADVER, now, f->conf.adver_int);
		}
		break;
	case VRRP_TIMER_ANNOUNCE:
		if (f->state == VRRP_STATE_MASTER)
			announce(f, now);
		break;
	default:
		break;
	}
}

void vrrp_fsm_set_priority(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
			   const char *why)
{
	if (!priority)
		priority = 1;
	snprintf(f->priority_why, sizeof(f->priority_why), "%s", why ? why : "");
	if (priority == f->priority)
		return;
	f->priority = priority;
	recompute(f);
	/* A Master tells the backups at once, so one with preemption
	 * learns it now outranks us instead of an interval later. */
	if (f->state == VRRP_STATE_MASTER) {
		f->master_priority = priority;
		f->ops->send_advert(f->ctx, priority);
		arm(f, VRRP_TIMER_ADVER, now, f->conf.adver_int);
	}
}

bool vrrp_fsm_accepts(const struct vrrp_fsm *f)
{
	return f->state == VRRP_STATE_MASTER &&
	       (f->priority == VRRP_PRIO_OWNER || f->conf.accept_mode);
}

void vrrp_fsm_status(const struct vrrp_fsm *f, struct vrrp_status *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	out->state = f->state;
	out->why = f->why;
	out->priority = f->priority;
	memcpy(out->priority_why, f->priority_why, sizeof(out->priority_why));
	out->owner = f->priority == VRRP_PRIO_OWNER;
	out->accepts = vrrp_fsm_accepts(f);
	out->master_adver_int = f->master_adver_int;
	out->skew_cs = f->skew_cs;
	out->master_down_cs = f->master_down_cs;
	out->master_known = f->master_known;
	out->master_addr = f->master_addr;
	out->master_priority = f->master_priority;
	out->preempt_at_ns = f->preempt_at;
	out->n_history = f->hist_n;
	for (i = 0; i < f->hist_n; i++)
		out->history[i] = f->hist[(f->hist_head + i) % VRRP_HISTORY];
	memcpy(out->rx, f->rx, sizeof(out->rx));
}

const char *vrrp_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_INIT:
		return "INIT";
	case VRRP_STATE_BACKUP:
		return "BACKUP";
	case VRRP_STATE_MASTER:
		return "MASTER";
	}
	return "?";
}

static const char *const why_texts[VRRP_WHY_COUNT] = {
	[VRRP_WHY_NONE] = "not started",
	[VRRP_WHY_STARTUP] = "started, listening for a master",
	[VRRP_WHY_OWNER] = "address owner (priority 255)",
	[VRRP_WHY_MASTER_DOWN] = "no advertisement within the master-down interval",
	[VRRP_WHY_MASTER_RESIGNED] = "master resigned (priority 0)",
	[VRRP_WHY_PREEMPT] = "preempted a lower-priority master",
	[VRRP_WHY_HIGHER_PRIORITY] = "a master with a higher priority",
	[VRRP_WHY_HIGHER_ADDRESS] = "a master with the same priority and a higher address",
	[VRRP_WHY_SHUTDOWN] = "shut down",
};

const char *vrrp_why_text(enum vrrp_why w)
{
	return (unsigned)w < VRRP_WHY_COUNT ? why_texts[w] : "?";
}

static const char *const verdict_names[VRRP_ADV_COUNT] = {
	[VRRP_ADV_ACCEPTED] = "accepted",
	[VRRP_ADV_RESIGN] = "resign",
	[VRRP_ADV_LOWER] = "lower_priority",
	[VRRP_ADV_OWNER] = "owner_ignored",
	[VRRP_ADV_STOPPED] = "stopped",
	[VRRP_ADV_SELF] = "self",
	[VRRP_ADV_FAMILY] = "bad_family",
};

const char *vrrp_verdict_name(enum vrrp_rx_verdict v)
{
	return (unsigned)v < VRRP_ADV_COUNT ? verdict_names[v] : "?";
}
