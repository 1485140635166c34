/* `meshgate vrrp`: each virtual router's state and why, its priority and
 * why, the master it follows, its tracking, last transitions and counters. */
#include "config.h"

#include <string.h>

#include "core/control.h"
#include "core/loop.h"
#include "core/report.h"
#include "daemon/vrrp_impl.h"

const char *vrrp_router_state(const struct router *rt)
{
	if (rt->fault || (rt->link_down && !rt->running))
		return "FAULT";
	return vrrp_state_name(rt->running ? vrrp_fsm_state(&rt->fsm) : VRRP_STATE_INIT);
}

static const char *kind_name(enum vrrp_track_kind k)
{
	return k == VRRP_TRACK_IFACE ? "interface" : k == VRRP_TRACK_COMMAND ? "command" :
								       "health";
}

static void report_router(struct report *r, const struct router *rt, uint64_t now)
{
	static struct vrrp_status st;
	char buf[MG_PREFIX_STRLEN];

	memset(&st, 0, sizeof(st));
	if (rt->running)
		vrrp_fsm_status(&rt->fsm, &st);
	report_obj_begin(r, NULL);
	report_str(r, "name", rt->name);
	report_str(r, "interface", rt->conf.interface);
	report_uint(r, "vrid", rt->conf.vrid);
	report_str(r, "family", rt->family == AF_INET ? "ipv4" : "ipv6");
	report_str(r, "state", vrrp_router_state(rt));
	report_str(r, "why", rt->running ? vrrp_why_text(st.why) : rt->waiting);
	report_uint(r, "priority", rt->running ? st.priority : rt->tracked.priority);
	report_uint(r, "configured_priority", rt->conf.priority);
	report_str(r, "priority_why", rt->running ? st.priority_why : rt->tracked.why);
	if (rt->running && st.master_known) {
		report_obj_begin(r, "master");
		report_str(r, "address", mg_addr_fmt(&st.master_addr, buf, sizeof(buf)));
		report_uint(r, "priority", st.master_priority);
		report_bool(r, "self", st.state == VRRP_STATE_MASTER);
		report_obj_end(r);
	} else {
		report_str(r, "master", NULL);
	}
	report_str(r, "source", rt->running ? mg_addr_fmt(&rt->src, buf, sizeof(buf)) : NULL);
	report_arr_begin(r, "virtual_addresses");
	for (uint32_t i = 0; i < rt->conf.virtual_address.n; i++)
		report_str(r, NULL, mg_prefix_fmt(&rt->conf.virtual_address.v[i], buf, sizeof(buf)));
	report_arr_end(r);
	report_bool(r, "holds_addresses", rt->vips_held);
	report_arr_begin(r, "unicast_peers");
	for (uint32_t i = 0; i < rt->conf.unicast_peer.n; i++)
		report_str(r, NULL, mg_addr_fmt(&rt->conf.unicast_peer.v[i], buf, sizeof(buf)));
	report_arr_end(r);
	report_uint(r, "advert_interval_ms", rt->conf.advert_interval_ms);
	report_uint(r, "master_advert_interval_ms", (uint64_t)st.master_adver_int * 10);
	report_uint(r, "master_down_ms", (uint64_t)st.master_down_cs * 10);
	report_bool(r, "preempt", rt->conf.preempt);
	report_uint(r, "preempt_delay_ms", rt->conf.preempt_delay_ms);
	report_uint(r, "preempt_in_ms", st.preempt_at_ns > now ?
			(st.preempt_at_ns - now) / LOOP_NSEC_PER_MSEC : 0);
	report_arr_begin(r, "tracking");
	for (unsigned int i = 0; i < rt->track.n; i++) {
		const struct vrrp_track_item *it = &rt->track.item[i];

		report_obj_begin(r, NULL);
		report_str(r, "kind", kind_name(it->kind));
		report_str(r, "name", it->name);
		report_int(r, "weight", it->weight);
		report_bool(r, "ok", it->ok);
		report_obj_end(r);
	}
	report_arr_end(r);
	report_arr_begin(r, "transitions");
	for (unsigned int i = 0; i < st.n_history; i++) {
		const struct vrrp_transition *tr = &st.history[i];

		report_obj_begin(r, NULL);
		report_uint(r, "ago_ms", now > tr->at_ns ? (now - tr->at_ns) / LOOP_NSEC_PER_MSEC : 0);
		report_str(r, "from", vrrp_state_name(tr->from));
		report_str(r, "to", vrrp_state_name(tr->to));
		report_str(r, "why", vrrp_why_text(tr->why));
		if (tr->peer.family)
			report_strf(r, "peer", "%s priority %u",
				    mg_addr_fmt(&tr->peer, buf, sizeof(buf)), tr->peer_priority);
		report_obj_end(r);
	}
	report_arr_end(r);
	report_obj_begin(r, "adverts");
	report_uint(r, "sent", rt->io.stats.tx);
	report_uint(r, "send_errors", rt->io.stats.tx_errors);
	for (int v = 0; v < VRRP_ADV_COUNT; v++)
		report_uint(r, vrrp_verdict_name((enum vrrp_rx_verdict)v), st.rx[v]);
	report_obj_end(r);
	report_obj_begin(r, "dropped");
	for (int e = 1; e < VRRP_RX_NREASONS; e++)
		report_uint(r, vrrp_rx_error_name((enum vrrp_rx_error)e), rt->io.stats.rx_dropped[e]);
	report_uint(r, "bad_ip", rt->io.stats.rx_bad_ip);
	report_uint(r, "wrong_interface", rt->io.stats.rx_wrong_if);
	report_uint(r, "wrong_destination", rt->io.stats.rx_wrong_dst);
	report_uint(r, "not_a_peer", rt->io.stats.rx_not_peer);
	report_uint(r, "other_vrid", rt->io.stats.rx_other_vrid);
	report_obj_end(r);
	report_obj_begin(r, "commands");
	report_uint(r, "notify_runs", rt->notify_runs);
	report_uint(r, "notify_failed", rt->notify_failed);
	report_uint(r, "track_runs", rt->cmd_runs);
	report_uint(r, "track_failed", rt->cmd_failed);
	report_obj_end(r);
	report_uint(r, "address_errors", rt->vip_errors);
	report_obj_end(r);
}

static int cmd_vrrp(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct vrrp_service *s = *(struct vrrp_service **)arg;
	const char *only = argc > 1 ? argv[1] : NULL;
	bool found = false;
	uint64_t now;

	if (argc > 2) {
		*err = "usage: vrrp [NAME]";
		return -1;
	}
	for (struct router *rt = s ? s->routers : NULL; rt; rt = rt->next)
		found |= !only || strcmp(rt->name, only) == 0;
	if (only && !found) {
		*err = "no virtual router of that name (meshgate vrrp lists them)";
		return -1;
	}
	now = s ? loop_now(s->loop) : 0;
	report_arr_begin(r, "routers");
	for (struct router *rt = s ? s->routers : NULL; rt; rt = rt->next)
		if (!only || strcmp(rt->name, only) == 0)
			report_router(r, rt, now);
	report_arr_end(r);
	return 0;
}

int vrrp_service_register(struct vrrp_service **s, struct control *ctl)
{
	return control_register(ctl, "vrrp", cmd_vrrp, s);
}

void vrrp_service_status_line(const struct vrrp_service *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct router *rt = s ? s->routers : NULL; rt && off < len; rt = rt->next)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s", off ? ", " : "", rt->name,
					vrrp_router_state(rt));
	if (!off)
		snprintf(buf, len, "no virtual routers");
}
