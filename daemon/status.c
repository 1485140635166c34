/* `meshgate status`: what this node is, how long it has run, and the state of
 * the interface and of each subsystem; `meshgate peers`: the WireGuard peers,
 * as wg show lists them, with their names. */
#include "config.h"

#include <unistd.h>

#include "core/control.h"
#include "core/loop.h"
#include "core/nlmon.h"
#include "daemon/daemon.h"
#include "daemon/dhcp.h"
#include "daemon/dns.h"
#include "daemon/member.h"
#include "daemon/uapi_server.h"
#include "daemon/vpn.h"
#include "daemon/vrrp.h"

static void prefix_array(struct report *r, const char *key, const struct cfg_prefix_list *l)
{
	char buf[MG_PREFIX_STRLEN];

	report_arr_begin(r, key);
	for (uint32_t i = 0; i < l->n; i++)
		report_str(r, NULL, mg_prefix_fmt(&l->v[i], buf, sizeof(buf)));
	report_arr_end(r);
}

static void report_interface(struct report *r, const struct iface *i)
{
	char buf[MG_PREFIX_STRLEN];

	report_obj_begin(r, "interface");
	report_str(r, "name", i->applied.interface);
	report_int(r, "ifindex", i->ifindex);
	report_bool(r, "present", i->present);
	report_uint(r, "mtu", i->mtu);
	report_bool(r, "up", i->up);
	prefix_array(r, "addresses", &i->applied.address);
	report_arr_begin(r, "routes");
	for (uint32_t k = 0; k < i->routes.n; k++)
		report_str(r, NULL, mg_prefix_fmt(&i->routes.v[k], buf, sizeof(buf)));
	report_arr_end(r);
	report_obj_end(r);
}

/* Each subsystem says how it runs. */
static void report_subsystems(struct report *r, const struct daemon *d)
{
	char line[160];

	vpn_status_line(d->vpn, line, sizeof(line));
	report_obj_begin(r, "subsystems");
	report_strf(r, "mesh", "interface %s, %s", d->iface.present && d->iface.up ? "up" : "down",
	            line);
	if (d->member) {
		member_status_line(d->member, line, sizeof(line));
		report_str(r, "membership", line);
	}
	if (d->vrrp) {
		vrrp_service_status_line(d->vrrp, line, sizeof(line));
		report_str(r, "vrrp", line);
	}
	if (d->conf.dhcp.interface[0]) {
		dhcp_service_status_line(d->dhcp, line, sizeof(line));
		report_str(r, "dhcp", line);
	}
	if (d->conf.dns.listen.n) {
		dns_service_status_line(d->dns, line, sizeof(line));
		report_str(r, "dns", line);
	}
	report_obj_end(r);
}

static int status(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct daemon *d = arg;
	const struct control_stats *cs = control_get_stats(d->ctl);
	const struct nlmon_stats *ns = nlmon_get_stats(d->mon);

	if (argc > 1) {
		*err = "status takes no arguments";
		return -1;
	}
	report_str(r, "version", PACKAGE_VERSION);
	report_str(r, "node", d->conf.node.name);
	report_int(r, "pid", (int64_t)getpid());
	report_uint(r, "uptime_s", (loop_now(d->loop) - d->started_ns) / LOOP_NSEC_PER_SEC);
	report_str(r, "config", d->conf_path);
	report_uint(r, "reloads", d->reloads);
	report_str(r, "last_reload", d->last_reload);
	report_interface(r, &d->iface);
	report_subsystems(r, d);
	vpn_report(d->vpn, r);
	if (d->member)
		member_report(d->member, r);
	dhcp_service_report(d->dhcp, r);
	report_obj_begin(r, "control");
	report_uint(r, "requests", cs->requests);
	report_uint(r, "refused", cs->refused);
	report_uint(r, "timeouts", cs->timeouts);
	report_obj_end(r);
	if (d->uapi) {
		const struct uapi_server_stats *us = uapi_server_stats(d->uapi);

		report_obj_begin(r, "uapi");
		report_str(r, "socket", uapi_server_path(d->uapi));
		report_uint(r, "gets", us->gets);
		report_uint(r, "sets", us->sets);
		report_uint(r, "failed", us->failed);
		report_uint(r, "malformed", us->malformed);
		report_uint(r, "refused", us->refused);
		report_uint(r, "timeouts", us->timeouts);
		report_obj_end(r);
	}
	report_obj_begin(r, "netlink");
	report_uint(r, "events", ns->events);
	report_uint(r, "malformed", ns->malformed);
	report_uint(r, "overruns", ns->overruns);
	report_obj_end(r);
	return 0;
}

static int peers(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct daemon *d = arg;

	(void)argv;
	if (argc > 1) {
		*err = "peers takes no arguments";
		return -1;
	}
	vpn_report_peers(d->vpn, r);
	return 0;
}

int daemon_register_status(struct daemon *d)
{
	int r = control_register(d->ctl, "status", status, d);

	if (r == 0)
		r = vrrp_service_register(&d->vrrp, d->ctl);
	if (r == 0)
		r = dhcp_service_register(&d->dhcp, d->ctl);
	if (r == 0)
		r = dns_service_register(&d->dns, d->ctl);
	return r < 0 ? r : control_register(d->ctl, "peers", peers, d);
}
