/* The VRRP service: [vrrp] sections become running virtual routers, each
 * driven by the loop, its interface's state and its tracking. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "core/loop.h"
#include "core/nlmon.h"
#include "daemon/vrrp_impl.h"
#include "vrrp/vip.h"

#define RETRY_NS LOOP_NSEC_PER_SEC
#define RX_BATCH 32
#define TRACK_CMD "command"
/* Max Adver Int a resigning master announces (see stop_router), in cs. */
#define RESIGN_ADVER_INT 10

static void try_start(struct router *rt);
static void apply_tracking(struct router *rt);

/* ---- the state machine's callbacks ---- */

/* Removes the addresses, except an owner's own that were there before. */
static void vips_del(struct router *rt)
{
	for (uint32_t i = 0; i < rt->conf.virtual_address.n; i++) {
		char buf[MG_PREFIX_STRLEN];
		int r;

		if (rt->vip_found[i])
			continue;
		r = vrrp_vip_del(rt->svc->vip, rt->ifindex, &rt->conf.virtual_address.v[i]);
		if (r < 0 && r != -ENODEV) {
			rt->vip_errors++;
			log_err("vrrp %s: cannot remove %s from %s: %s", rt->name,
				mg_prefix_fmt(&rt->conf.virtual_address.v[i], buf, sizeof(buf)),
				rt->conf.interface, strerror(-r));
		}
	}
	rt->vips_held = false;
}

static void cb_send(void *ctx, uint8_t priority)
{
	struct router *rt = ctx;
	struct vrrp_advert_tx tx = {
		.vrid = (uint8_t)rt->conf.vrid,
		.priority = priority,
		.max_adver_int = (uint16_t)(rt->resigning &&
			rt->conf.advert_interval_ms / 10 > RESIGN_ADVER_INT ? RESIGN_ADVER_INT :
			rt->conf.advert_interval_ms / 10),
		.addrs = rt->vips,
		.count = rt->conf.virtual_address.n,
	};
	int r = vrrp_io_send(&rt->io, &tx);

	if (r < 0 && log_ratelimit_ok(&rt->rl, loop_now(rt->svc->loop)))
		log_warn("vrrp %s: cannot send an advertisement on %s: %s", rt->name,
			 rt->conf.interface, strerror(-r));
}

static void cb_master(void *ctx)
{
	struct router *rt = ctx;
	char buf[MG_PREFIX_STRLEN];

	for (uint32_t i = 0; i < rt->conf.virtual_address.n; i++) {
		int r = vrrp_vip_add(rt->svc->vip, rt->ifindex, &rt->conf.virtual_address.v[i]);

		/* An address owner's addresses are its own: never removed. */
		if (r == 1 && rt->conf.priority == VRRP_PRIO_OWNER)
			rt->vip_found[i] = true;
		if (r < 0) {
			rt->vip_errors++;
			log_err("vrrp %s: cannot add %s to %s: %s", rt->name,
				mg_prefix_fmt(&rt->conf.virtual_address.v[i], buf, sizeof(buf)),
				rt->conf.interface, strerror(-r));
		}
	}
	rt->vips_held = true;
}

static void cb_announce(void *ctx)
{
	struct router *rt = ctx;
	int r = vrrp_announce(&rt->ann, rt->conf.virtual_address.v, rt->conf.virtual_address.n,
			      rt->ipv6_router);

	if (r < 0 && log_ratelimit_ok(&rt->rl, loop_now(rt->svc->loop)))
		log_warn("vrrp %s: cannot announce the virtual addresses on %s: %s", rt->name,
			 rt->conf.interface, strerror(-r));
}

static void cb_release(void *ctx)
{
	vips_del(ctx);
}

static void cb_arm(void *ctx, enum vrrp_timer t, uint64_t deadline_ns)
{
	struct router *rt = ctx;

	loop_timer_arm_at(rt->timer[t], deadline_ns);
}

static void cb_disarm(void *ctx, enum vrrp_timer t)
{
	struct router *rt = ctx;

	loop_timer_disarm(rt->timer[t]);
}

static const char *notify_state(const struct router *rt, enum vrrp_state to)
{
	if (to == VRRP_STATE_MASTER)
		return "MASTER";
	if (to == VRRP_STATE_BACKUP)
		return "BACKUP";
	return rt->fault || rt->link_down ? "FAULT" : "STOP";
}

static void cb_transition(void *ctx, enum vrrp_state from, enum vrrp_state to, enum vrrp_why why)
{
	struct router *rt = ctx;
	char prio[8];
	const char *extra[] = { "INSTANCE", rt->name, notify_state(rt, to), prio, NULL };
	struct child *c;

	log_notice("vrrp %s: %s -> %s (%s), priority %u", rt->name, vrrp_state_name(from),
		   extra[2], vrrp_why_text(why), rt->fsm.priority);
	if (!rt->conf.notify_command[0])
		return;
	snprintf(prio, sizeof(prio), "%u", rt->fsm.priority);
	rt->notify_runs++;
	c = vrrp_spawn(rt->svc, rt->name, rt->conf.notify_command, extra);
	if (!c) {
		rt->notify_failed++;
		return;
	}
	c->next = rt->svc->children;
	rt->svc->children = c;
}

static const struct vrrp_fsm_ops fsm_ops = {
	.send_advert = cb_send,
	.become_master = cb_master,
	.announce = cb_announce,
	.become_backup = cb_release,
	.become_init = cb_release,
	.timer_arm = cb_arm,
	.timer_disarm = cb_disarm,
	.transition = cb_transition,
};

/* ---- starting and stopping one router ---- */

static void on_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct timer_ref *ref = arg;

	(void)t;
	if (ref->rt->running)
		vrrp_fsm_timer(&ref->rt->fsm, loop_now(loop), ref->t);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct router *rt = arg;
	struct vrrp_io_rx rx;
	int r;

	(void)fd;
	(void)events;
	for (int i = 0; i < RX_BATCH && rt->running; i++) {
		r = vrrp_io_recv(&rt->io, (uint8_t)rt->conf.vrid, &rx);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			break;
		if (r < 0) {
			if (log_ratelimit_ok(&rt->rl, loop_now(loop)))
				log_warn("vrrp %s: receive: %s", rt->name, strerror(-r));
			break;
		}
		if (r == 1)
			vrrp_fsm_advert(&rt->fsm, loop_now(loop), rx.adv.priority,
					rx.adv.max_adver_int, &rx.ip.src);
	}
}

/* A master resigns with priority 0 and releases its addresses. Backups
 * then wait their skew time, (256 - priority) / 256 of the interval the
 * master advertised last: most of a second at the default 1 s. So first
 * one advertisement at our priority announcing 100 ms intervals, and the
 * resignation says the same: every backup (keepalived's too) has learned a
 * skew under 100 ms when the priority 0 arrives (or, if it is lost, a
 * master-down interval of 300 ms and the skew). 100 ms and not less keeps
 * the skews of different priorities tens of milliseconds apart, so the
 * highest backup still wins alone, as the RFC intends. */
static void stop_router(struct router *rt)
{
	if (!rt->running)
		return;
	if (vrrp_fsm_state(&rt->fsm) == VRRP_STATE_MASTER) {
		rt->resigning = true;
		cb_send(rt, rt->fsm.priority);
	}
	vrrp_fsm_shutdown(&rt->fsm, loop_now(rt->svc->loop));
	rt->resigning = false;
	rt->running = false;
	if (rt->watch)
		loop_fd_del(rt->svc->loop, rt->watch);
	rt->watch = NULL;
	vrrp_io_close(&rt->io);
	vrrp_announcer_close(&rt->ann);
	for (int t = 0; t < VRRP_TIMER_COUNT; t++)
		loop_timer_disarm(rt->timer[t]);
}

/* Not running, and why: logged when the reason changes; retried later. */
static void wait_for(struct router *rt, bool retry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void wait_for(struct router *rt, bool retry, const char *fmt, ...)
{
	char why[sizeof(rt->waiting)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strcmp(why, rt->waiting) != 0)
		log_notice("vrrp %s: waiting: %s", rt->name, why);
	snprintf(rt->waiting, sizeof(rt->waiting), "%s", why);
	if (retry)
		loop_timer_arm_in(rt->retry, RETRY_NS);
}

static int link_flags(struct vrrp_service *s, const char *ifname, short *flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s->ioctl_fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	*flags = ifr.ifr_flags;
	return 0;
}

static int start_fsm(struct router *rt)
{
	struct vrrp_fsm_conf fc;
	int r;

	vrrp_fsm_conf_default(&fc);
	fc.vrid = (uint8_t)rt->conf.vrid;
	fc.priority = (uint8_t)rt->conf.priority;
	fc.adver_int = (uint16_t)(rt->conf.advert_interval_ms / 10);
	fc.preempt = rt->conf.preempt;
	fc.preempt_delay_cs = (uint32_t)(rt->conf.preempt_delay_ms / 10);
	fc.announce_count = (uint16_t)rt->conf.garp_repeat;
	fc.announce_interval_cs = (uint32_t)(rt->conf.garp_interval_ms / 10);
	fc.primary = rt->src;
	r = vrrp_fsm_init(&rt->fsm, &fc, &fsm_ops, rt);
	if (r < 0)
		return r;
	vrrp_track_eval(&rt->track, &rt->tracked);
	vrrp_fsm_set_priority(&rt->fsm, loop_now(rt->svc->loop), rt->tracked.priority,
			      rt->tracked.why);
	return 0;
}

static void try_start(struct router *rt)
{
	struct vrrp_service *s = rt->svc;
	struct vrrp_io_conf ioc;
	const char *fam = rt->family == AF_INET ? "IPv4" : "IPv6 link-local";
	const char *ifn = rt->conf.interface;
	bool owner = rt->conf.priority == VRRP_PRIO_OWNER;
	short flags = 0;
	int r;

	if (rt->running || rt->fault)
		return;
	rt->ifindex = (int)if_nametoindex(ifn);
	if (!rt->ifindex || link_flags(s, ifn, &flags) < 0) {
		wait_for(rt, true, "interface %s does not exist", ifn);
		return;
	}
	if (!(flags & IFF_UP) || !(flags & IFF_RUNNING)) {
		wait_for(rt, true, "interface %s is %s", ifn,
			 !(flags & IFF_UP) ? "down" : "without carrier");
		return;
	}
	/* An owner speaks from the address it owns; others never from a VIP. */
	rt->src = rt->conf.unicast_src;
	if (!rt->src.family &&
	    vrrp_vip_primary(s->vip, rt->ifindex, rt->family, rt->conf.virtual_address.v,
			     owner ? 0 : rt->conf.virtual_address.n, &rt->src) < 0) {
		wait_for(rt, true, "interface %s has no %s address to speak from", ifn, fam);
		return;
	}
	memset(&ioc, 0, sizeof(ioc));
	ioc.ifindex = rt->ifindex;
	snprintf(ioc.ifname, sizeof(ioc.ifname), "%s", ifn);
	ioc.family = rt->family;
	ioc.src = rt->src;
	ioc.peers = rt->conf.unicast_peer.v;
	ioc.npeers = rt->conf.unicast_peer.n;
	ioc.csum = rt->conf.ipv4_checksum == CONF_VRRP_CSUM_PLAIN ? VRRP_CSUM_PLAIN :
								     VRRP_CSUM_PSEUDO;
	r = vrrp_io_open(&rt->io, &ioc);
	if (r == 0)
		r = vrrp_announcer_open(&rt->ann, rt->ifindex);
	if (r == 0)
		r = loop_fd_add(s->loop, rt->io.fd, EPOLLIN, on_readable, rt, &rt->watch);
	if (r == 0)
		r = start_fsm(rt);
	if (r < 0)
		goto fail;
	rt->running = true;
	rt->link_down = false;
	rt->waiting[0] = '\0';
	vrrp_fsm_startup(&rt->fsm, loop_now(s->loop));
	return;
fail:
	if (rt->watch)
		loop_fd_del(s->loop, rt->watch);
	rt->watch = NULL;
	vrrp_io_close(&rt->io);
	vrrp_announcer_close(&rt->ann);
	wait_for(rt, true, "cannot open VRRP sockets on %s: %s", ifn, strerror(-r));
}

static void on_retry(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	try_start(arg);
}

/* ---- tracking ---- */

static void apply_tracking(struct router *rt)
{
	vrrp_track_eval(&rt->track, &rt->tracked);
	if (rt->tracked.fault) {
		if (!rt->fault)
			log_warn("vrrp %s: fault: %s", rt->name, rt->tracked.why);
		rt->fault = true;
		stop_router(rt);
		loop_timer_disarm(rt->retry);
		wait_for(rt, false, "fault: %s", rt->tracked.why);
		return;
	}
	if (rt->fault) {
		rt->fault = false;
		log_notice("vrrp %s: fault cleared", rt->name);
		rt->waiting[0] = '\0';
		try_start(rt);
		return;
	}
	if (rt->running)
		vrrp_fsm_set_priority(&rt->fsm, loop_now(rt->svc->loop), rt->tracked.priority,
				      rt->tracked.why);
}

void vrrp_track_result(struct router *rt, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (!ok)
		rt->cmd_failed++;
	if (vrrp_track_set(&rt->track, VRRP_TRACK_COMMAND, TRACK_CMD, ok) == 1) {
		log_notice("vrrp %s: track-command %s", rt->name, ok ? "succeeds" : "fails");
		apply_tracking(rt);
	}
}

/* Runs the track command every interval; one still running then has
 * taken too long, which counts as a failure. */
static void on_cmd_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct router *rt = arg;

	(void)loop;
	loop_timer_arm_in(t, rt->conf.track_command_interval_ms * LOOP_NSEC_PER_MSEC);
	if (rt->cmd) {
		kill(rt->cmd->pid, SIGKILL);
		return;
	}
	rt->cmd_runs++;
	rt->cmd = vrrp_spawn(rt->svc, rt->name, rt->conf.track_command, NULL);
	if (rt->cmd)
		rt->cmd->rt = rt;
	else
		vrrp_track_result(rt, 127 << 8);
}

static bool link_ok(struct vrrp_service *s, const char *ifname)
{
	short flags = 0;

	return link_flags(s, ifname, &flags) == 0 && (flags & IFF_UP) && (flags & IFF_RUNNING);
}

/* ---- the service ---- */

static bool ipv6_forwarding(const char *ifname)
{
	char path[96], v = '0';
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &v, 1) != 1)
		v = '0';
	close(fd);
	return v == '1';
}

static void router_free(struct router *rt)
{
	if (!rt)
		return;
	stop_router(rt);
	if (rt->cmd) {
		kill(rt->cmd->pid, SIGKILL);
		waitpid(rt->cmd->pid, NULL, 0);
		vrrp_child_free(rt->cmd);
	}
	for (int t = 0; t < VRRP_TIMER_COUNT; t++)
		if (rt->timer[t])
			loop_timer_free(rt->timer[t]);
	if (rt->retry)
		loop_timer_free(rt->retry);
	if (rt->cmd_timer)
		loop_timer_free(rt->cmd_timer);
	free(rt);
}

static int router_new(struct vrrp_service *s, const struct vrrp_conf *c, struct router **out)
{
	struct router *rt = calloc(1, sizeof(*rt));
	char why[160];
	int weight = 0, r = 0;

	*out = NULL;
	if (!rt)
		return -ENOMEM;
	rt->svc = s;
	rt->conf = *c;
	rt->io.fd = -1;
	rt->ann.fd = -1;
	rt->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * LOOP_NSEC_PER_SEC, 5);
	if (c->name[0])
		snprintf(rt->name, sizeof(rt->name), "%s", c->name);
	else
		snprintf(rt->name, sizeof(rt->name), "%s-%u", c->interface, c->vrid);
	rt->family = c->virtual_address.n ? c->virtual_address.v[0].addr.family : AF_INET;
	for (uint32_t i = 0; i < c->virtual_address.n; i++)
		rt->vips[i] = c->virtual_address.v[i].addr;
	for (int t = 0; t < VRRP_TIMER_COUNT && r == 0; t++) {
		rt->tref[t].rt = rt;
		rt->tref[t].t = (enum vrrp_timer)t;
		r = loop_timer_new(s->loop, on_timer, &rt->tref[t], &rt->timer[t]);
	}
	if (r == 0)
		r = loop_timer_new(s->loop, on_retry, rt, &rt->retry);
	if (r == 0)
		r = loop_timer_new(s->loop, on_cmd_timer, rt, &rt->cmd_timer);
	if (r < 0)
		goto fail;

	/* conf.c checked these texts; a failure here is a bug, not a typo. */
	vrrp_track_init(&rt->track, (uint8_t)c->priority);
	r = vrrp_track_parse(&rt->track, VRRP_TRACK_IFACE, c->track_interface, why, sizeof(why));
	if (r == 0)
		r = vrrp_track_parse(&rt->track, VRRP_TRACK_HEALTH, c->track_health, why,
				     sizeof(why));
	if (r == 0 && c->track_command[0]) {
		r = vrrp_track_parse_weight(c->track_command_weight, &weight);
		if (r == 0)
			r = vrrp_track_add(&rt->track, VRRP_TRACK_COMMAND, TRACK_CMD, weight);
	}
	if (r < 0) {
		log_err("vrrp %s: tracking: %s", rt->name, why);
		goto fail;
	}
	for (unsigned int i = 0; i < rt->track.n; i++) {
		struct vrrp_track_item *it = &rt->track.item[i];

		if (it->kind != VRRP_TRACK_IFACE)
			continue;
		rt->track_ifindex[i] = (int)if_nametoindex(it->name);
		it->ok = link_ok(s, it->name);
	}
	rt->ipv6_router = rt->family == AF_INET6 && ipv6_forwarding(c->interface);
	if (c->track_command[0])
		loop_timer_arm_in(rt->cmd_timer, 0);
	*out = rt;
	apply_tracking(rt);
	try_start(rt);
	return 0;
fail:
	router_free(rt);
	return r;
}

/* Addresses a crash left behind, before any router adds its own. */
static void flush_stale(struct vrrp_service *s, const struct mg_conf *c)
{
	struct mg_prefix gone[8];
	char list[200], buf[MG_PREFIX_STRLEN];

	for (uint32_t i = 0; i < c->nvrrp; i++) {
		int ifindex = (int)if_nametoindex(c->vrrp[i].interface), n;
		bool seen = false;
		size_t off = 0;

		for (uint32_t j = 0; j < i; j++)
			seen |= strcmp(c->vrrp[j].interface, c->vrrp[i].interface) == 0;
		if (!ifindex || seen)
			continue;
		n = vrrp_vip_flush(s->vip, ifindex, gone, 8);
		if (n < 0) {
			log_warn("vrrp: cannot look for stale virtual addresses on %s: %s",
				 c->vrrp[i].interface, strerror(-n));
			continue;
		}
		if (!n)
			continue;
		list[0] = '\0';
		for (int k = 0; k < n && k < 8 && off < sizeof(list); k++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", k ? " " : "",
						mg_prefix_fmt(&gone[k], buf, sizeof(buf)));
		log_notice("vrrp: removed %d virtual address%s an earlier run left on %s: %s", n,
			   n == 1 ? "" : "es", c->vrrp[i].interface, list);
	}
}

int vrrp_service_new(struct loop *loop, const struct mg_conf *c, struct vrrp_service **out)
{
	struct vrrp_service *s;
	struct router **tail;
	int r;

	*out = NULL;
	if (!c->nvrrp)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->ioctl_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = vrrp_vip_open(&s->vip);
	if (r < 0) {
		log_err("vrrp: cannot open rtnetlink: %s", strerror(-r));
		goto fail;
	}
	flush_stale(s, c);
	tail = &s->routers;
	for (uint32_t i = 0; i < c->nvrrp; i++) {
		r = router_new(s, &c->vrrp[i], tail);
		if (r < 0)
			goto fail;
		tail = &(*tail)->next;
	}
	*out = s;
	return 0;
fail:
	vrrp_service_free(s);
	return r;
}

void vrrp_service_free(struct vrrp_service *s)
{
	struct router *rt, *next;
	struct child *c, *cn;

	if (!s)
		return;
	for (rt = s->routers; rt; rt = next) {
		next = rt->next;
		router_free(rt);
	}
	/* Notify commands go on; init reaps them once we are gone. */
	for (c = s->children; c; c = cn) {
		cn = c->next;
		vrrp_child_free(c);
	}
	vrrp_vip_close(s->vip);
	if (s->ioctl_fd >= 0)
		close(s->ioctl_fd);
	free(s);
}

/* Field by field: padding makes memcmp unreliable. */
static bool conf_same(const struct vrrp_conf *a, const struct vrrp_conf *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->interface, b->interface) &&
	       a->vrid == b->vrid && a->priority == b->priority &&
	       a->advert_interval_ms == b->advert_interval_ms && a->preempt == b->preempt &&
	       a->preempt_delay_ms == b->preempt_delay_ms &&
	       cfg_prefix_list_eq(&a->virtual_address, &b->virtual_address) &&
	       cfg_addr_list_eq(&a->unicast_peer, &b->unicast_peer) &&
	       a->unicast_src.family == b->unicast_src.family &&
	       (!a->unicast_src.family || mg_addr_eq(&a->unicast_src, &b->unicast_src)) &&
	       a->garp_repeat == b->garp_repeat && a->garp_interval_ms == b->garp_interval_ms &&
	       a->ipv4_checksum == b->ipv4_checksum &&
	       !strcmp(a->track_interface, b->track_interface) &&
	       !strcmp(a->track_command, b->track_command) &&
	       !strcmp(a->track_command_weight, b->track_command_weight) &&
	       a->track_command_interval_ms == b->track_command_interval_ms &&
	       !strcmp(a->track_health, b->track_health) &&
	       !strcmp(a->notify_command, b->notify_command);
}

int vrrp_service_reload(struct vrrp_service **sp, struct loop *loop, const struct mg_conf *next)
{
	struct vrrp_service *s = *sp;
	struct router *keep[CONF_MAX_VRRP] = { NULL }, *rt, *rn, **tail;
	int r, ret = 0;

	if (!s)
		return vrrp_service_new(loop, next, sp);
	if (!next->nvrrp) {
		vrrp_service_free(s);
		*sp = NULL;
		return 0;
	}
	/* Stop what changed or went first: its addresses and VRID are free
	 * before a replacement claims them. */
	for (rt = s->routers; rt; rt = rn) {
		bool kept = false;

		rn = rt->next;
		rt->next = NULL;
		for (uint32_t i = 0; i < next->nvrrp && !kept; i++) {
			if (!keep[i] && conf_same(&rt->conf, &next->vrrp[i])) {
				keep[i] = rt;
				kept = true;
			}
		}
		if (!kept)
			router_free(rt);
	}
	s->routers = NULL;
	tail = &s->routers;
	for (uint32_t i = 0; i < next->nvrrp; i++) {
		if (keep[i]) {
			*tail = keep[i];
		} else {
			r = router_new(s, &next->vrrp[i], tail);
			if (r < 0) {
				log_err("vrrp: cannot start [vrrp] %u: %s", i + 1, strerror(-r));
				ret = r;
				continue;
			}
		}
		tail = &(*tail)->next;
	}
	return ret;
}

void vrrp_service_netlink(struct vrrp_service *s, const struct nlmon_event *ev)
{
	bool ok;

	if (!s || (ev->kind != NLMON_LINK_NEW && ev->kind != NLMON_LINK_DEL))
		return;
	ok = ev->kind == NLMON_LINK_NEW && ev->up && ev->running;
	for (struct router *rt = s->routers; rt; rt = rt->next) {
		bool changed = false;

		for (unsigned int i = 0; i < rt->track.n; i++) {
			struct vrrp_track_item *it = &rt->track.item[i];

			if (it->kind != VRRP_TRACK_IFACE)
				continue;
			if (ev->ifname[0] && strcmp(ev->ifname, it->name) == 0)
				rt->track_ifindex[i] = ev->ifindex;
			else if (rt->track_ifindex[i] != ev->ifindex)
				continue;
			if (it->ok != ok) {
				it->ok = ok;
				changed = true;
			}
		}
		if (changed)
			apply_tracking(rt);
		if (rt->running && ev->ifindex == rt->ifindex && !ok) {
			log_warn("vrrp %s: interface %s is %s", rt->name, rt->conf.interface,
				 ev->kind == NLMON_LINK_DEL ? "gone" : "down");
			rt->link_down = true;
			stop_router(rt);
			wait_for(rt, true, "interface %s is %s", rt->conf.interface,
				 ev->kind == NLMON_LINK_DEL ? "gone" : "down");
		} else if (!rt->running && !rt->fault && ok &&
			   strcmp(ev->ifname, rt->conf.interface) == 0) {
			try_start(rt);
		}
	}
}

bool vrrp_service_master(const struct vrrp_service *s)
{
	for (const struct router *rt = s ? s->routers : NULL; rt; rt = rt->next)
		if (rt->running && vrrp_fsm_state(&rt->fsm) == VRRP_STATE_MASTER)
			return true;
	return false;
}

void vrrp_service_health(struct vrrp_service *s, const char *hook, bool ok)
{
	if (!s)
		return;
	for (struct router *rt = s->routers; rt; rt = rt->next)
		if (vrrp_track_set(&rt->track, VRRP_TRACK_HEALTH, hook, ok) == 1)
			apply_tracking(rt);
}
