#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/control.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/netlink.h"
#include "core/nlmon.h"
#include "core/sdnotify.h"
#include "daemon/daemon.h"
#include "daemon/dhcp.h"
#include "daemon/dns.h"
#include "daemon/member.h"
#include "daemon/mesh_learn.h"
#include "daemon/uapi_server.h"
#include "daemon/vpn.h"
#include "daemon/vrrp.h"

struct reload_errors {
	char first[200];
	int n;
};

static void collect_error(void *arg, const char *file, unsigned line, const char *msg)
{
	struct reload_errors *e = arg;

	if (line)
		log_err("%s:%u: %s", file, line, msg);
	else
		log_err("%s: %s", file, msg);
	if (e->n++ == 0)
		snprintf(e->first, sizeof(e->first), "%s:%u: %s", file, line, msg);
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct daemon *d = arg;

	if (signo == SIGHUP) {
		daemon_reload(d);
		return;
	}
	log_notice("signal %s: shutting down", strsignal(signo));
	sdnotify("STOPPING=1");
	loop_stop(loop);
}

/* The kernel tells us about changes made behind our back (ip link set down,
 * a deleted address); status reports what is true, and the log says why. */
static void on_netlink(const struct nlmon_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct iface *i = &d->iface;
	char buf[MG_PREFIX_STRLEN];

	vrrp_service_netlink(d->vrrp, ev);
	dhcp_service_netlink(d->dhcp, ev);
	if (!i->present || ev->ifindex != i->ifindex)
		return;
	switch (ev->kind) {
	case NLMON_LINK_NEW:
		/* Our own set-up produces events too (created down, then up): only
		 * a down after the kernel said up was someone else's doing. */
		if (i->seen_up && !ev->up)
			log_warn("interface %s was set down outside meshgated", i->tun.name);
		i->seen_up = ev->up;
		i->up = ev->up;
		if (ev->mtu)
			i->mtu = ev->mtu;
		break;
	case NLMON_LINK_DEL:
		log_warn("interface %s was deleted outside meshgated", i->tun.name);
		i->present = false;
		i->up = false;
		break;
	case NLMON_ADDR_DEL:
		for (uint32_t k = 0; k < i->applied.address.n; k++)
			if (mg_prefix_eq(&i->applied.address.v[k], &ev->addr))
				log_warn("address %s was removed from %s outside meshgated",
				         mg_prefix_fmt(&ev->addr, buf, sizeof(buf)), i->tun.name);
		break;
	case NLMON_ADDR_NEW:
		break;
	}
}

/* wg(8) against meshgated: get and set go to the data plane; a set that
 * touched allowed IPs moves the routes with them, as a reload would. */
static int uapi_get(void *ctx, struct uapi_buf *b)
{
	struct daemon *d = ctx;

	return vpn_uapi_get(d->vpn, b);
}

/* The routes the peers in force need, after wg(8) or the mesh changed them. */
static void sync_routes(struct daemon *d, const char *who)
{
	int r;

	vpn_routes_live(d->vpn, &d->conf, &d->routes);
	r = iface_apply(&d->iface, d->nl, &d->conf.mesh, &d->routes);
	if (r < 0)
		log_err("%s: cannot move the routes of %s: %s", who, d->iface.tun.name,
		        strerror(-r));
}

/* What the site's DNS and DHCP learn from the members' records. */
static void learn_from_mesh(struct daemon *d)
{
	static struct mesh_learned learned;	/* large: not on the stack */
	struct record *recs;
	size_t n;
	int r;

	if (member_records(d->member, &recs, &n) < 0) {
		log_err("mesh: cannot read the members' records: %s", strerror(ENOMEM));
		return;
	}
	mesh_learn(recs, n, d->conf.site.name, &learned);
	if (learned.dropped)
		log_warn("mesh: %zu gateways or subnets of other sites are past what DNS (%d) and "
		         "DHCP (%d) take", learned.dropped, MESH_LEARN_SITES, MESH_LEARN_ROUTES);
	dns_service_set_sites(d->dns, learned.sites, learned.nsites);
	mesh_learn_names(recs, n, d->dns);
	r = dhcp_service_set_routes(d->dhcp, learned.routes, learned.nroutes);
	if (r < 0)
		log_err("dhcp: cannot route the other sites' subnets (option 121): %s%s",
		        strerror(-r), r == -E2BIG ? " (too many subnets for one reply)" : "");
	free(recs);
}

static void member_routes_changed(void *arg)
{
	struct daemon *d = arg;

	sync_routes(d, "mesh");
	learn_from_mesh(d);
}

/* Once a second, what the services tell each other: [vrrp] track-health =
 * mesh (a gateway that reaches none of its peers should not hold the
 * site's address; not judged before the first handshakes had their
 * chance), and whether this gateway is its site's VRRP master, which the
 * mesh is told so that it routes the site's subnets here. */
#define HEALTH_GRACE_NS (10ULL * LOOP_NSEC_PER_SEC)
#define TICK_NS (1ULL * LOOP_NSEC_PER_SEC)

static void on_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct daemon *d = arg;

	if (loop_now(loop) - d->started_ns >= HEALTH_GRACE_NS)
		vrrp_service_health(d->vrrp, "mesh", vpn_mesh_healthy(d->vpn));
	member_set_active(d->member, vrrp_service_master(d->vrrp));
	loop_timer_arm_in(t, TICK_NS);
}

static int uapi_set(void *ctx, const struct uapi_set *set)
{
	struct daemon *d = ctx;
	bool routes = false;
	int r;

	r = vpn_uapi_set(d->vpn, set, &routes);
	if (routes)
		sync_routes(d, "uapi");
	return r;
}

static const struct uapi_server_ops uapi_ops = {
	.get = uapi_get,
	.set = uapi_set,
};

static gid_t control_gid(const char *group)
{
	struct group *g;

	if (!*group)
		return (gid_t)-1;
	g = getgrnam(group);
	if (!g) {
		log_notice("group '%s' does not exist: the control socket is for root only "
		           "(create it with: groupadd --system %s)", group, group);
		return (gid_t)-1;
	}
	return g->gr_gid;
}

int daemon_start(struct daemon *d, const struct mg_conf *conf, const char *conf_path)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	pid_t holder = 0;
	int r;

	d->conf = *conf;
	d->pid.fd = -1;
	d->iface.tun.fd = -1;
	snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_path);
	snprintf(d->last_reload, sizeof(d->last_reload), "ok");
	signal(SIGPIPE, SIG_IGN);

	if (conf->node.pid_file[0]) {
		r = pidfile_acquire(&d->pid, conf->node.pid_file, &holder);
		if (r == -EEXIST) {
			log_err("meshgated is already running (pid %ld, pid file %s)", (long)holder,
			        conf->node.pid_file);
			return r;
		}
		if (r < 0) {
			log_err("cannot write pid file %s: %s", conf->node.pid_file, strerror(-r));
			return r;
		}
	}
	if (mkdir(conf->node.state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		log_err("cannot create state directory %s: %s", conf->node.state_dir, strerror(errno));
		return r;
	}
	r = loop_new(&d->loop);
	if (r < 0)
		return r;
	d->started_ns = loop_now(d->loop);
	for (size_t k = 0; k < sizeof(signals) / sizeof(signals[0]); k++) {
		r = loop_signal_add(d->loop, signals[k], on_signal, d);
		if (r < 0)
			return r;
	}
	r = nl_open(&d->nl);
	if (r < 0) {
		log_err("cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	/* Monitor first, so no change between creation and monitoring is missed. */
	r = nlmon_new(d->loop, on_netlink, d, &d->mon);
	if (r < 0) {
		log_err("cannot monitor rtnetlink: %s", strerror(-r));
		return r;
	}
	/* The keys first: without them there is nothing to set up. A member
	 * takes its mesh addresses from its record. */
	r = member_new(&d->conf, &d->member);
	if (r < 0)
		return r;
	conf = &d->conf;
	r = vpn_new(conf, &d->vpn);
	if (r < 0)
		return r;
	vpn_routes(conf, &d->routes, true);
	r = iface_create(&d->iface, d->nl, &conf->mesh, &d->routes);
	if (r < 0)
		return r;
	r = vpn_start(d->vpn, d->loop, &d->iface.tun, conf);
	if (r < 0)
		return r;
	/* Under the interface's real name, where wg(8) looks for it. Someone
	 * else answering there stops the start; a directory we may not write
	 * (a sandbox) only costs wg(8) its view. */
	r = uapi_server_new(d->loop, UAPI_SERVER_DIR, d->iface.tun.name, &uapi_ops, d, &d->uapi);
	if (r == -EADDRINUSE || r == -EEXIST)
		return r;
	if (r < 0)
		log_warn("going on without the WireGuard UAPI socket: wg(8) will not see %s",
		         d->iface.tun.name);
	r = vrrp_service_new(d->loop, conf, &d->vrrp);
	if (r < 0) {
		log_err("cannot start VRRP: %s", strerror(-r));
		return r;
	}
	r = dhcp_service_new(d->loop, conf, &d->dhcp);
	if (r < 0) {
		log_err("cannot start DHCP: %s", strerror(-r));
		return r;
	}
	r = dns_service_new(d->loop, conf, &d->dns);
	if (r < 0)
		return r;
	{	/* Leases with a host name get one in the site's zone. */
		struct dhcp_service_names names = {
			dns_service_lease_name, dns_service_lease_name_gone, d->dns,
		};

		dhcp_service_set_names(d->dhcp, &names);
	}
	vrrp_service_health(d->vrrp, "dns", dns_service_serving(d->dns));
	r = control_new(d->loop, conf->node.control_socket, control_gid(conf->node.control_group),
	                &d->ctl);
	if (r < 0) {
		log_err("cannot create control socket %s: %s%s", conf->node.control_socket,
		        strerror(-r), r == -EADDRINUSE ? " (another meshgated answers there)" : "");
		return r;
	}
	r = daemon_register_status(d);
	if (r < 0)
		return r;
	if (d->member) {
		r = member_start(d->member, d->loop, d->vpn, d->ctl, conf, member_routes_changed, d);
		if (r < 0) {
			log_err("cannot start mesh membership: %s", strerror(-r));
			return r;
		}
	}
	r = loop_timer_new(d->loop, on_tick, d, &d->tick);
	if (r < 0)
		return r;
	loop_timer_arm_in(d->tick, TICK_NS);
	log_notice("meshgated %s started as node %s (config %s)", PACKAGE_VERSION,
	           conf->node.name, conf_path);
	return 0;
}

int daemon_run(struct daemon *d)
{
	sdnotify("READY=1");
	return loop_run(d->loop);
}

void daemon_stop(struct daemon *d)
{
	if (d->tick)
		loop_timer_free(d->tick);
	d->tick = NULL;
	/* First: a master resigns (priority 0) before anything else stops. */
	vrrp_service_free(d->vrrp);
	d->vrrp = NULL;
	dhcp_service_free(d->dhcp);
	d->dhcp = NULL;
	dns_service_free(d->dns);
	d->dns = NULL;
	if (d->ctl)
		control_free(d->ctl);
	d->ctl = NULL;
	uapi_server_free(d->uapi);
	d->uapi = NULL;
	/* Saves what it knows; its peers go with the data plane. */
	member_free(d->member);
	d->member = NULL;
	/* Before the TUN closes: the data plane watches its descriptor. */
	vpn_free(d->vpn);
	d->vpn = NULL;
	if (d->nl)
		iface_destroy(&d->iface, d->nl);
	if (d->mon)
		nlmon_free(d->mon);
	d->mon = NULL;
	if (d->nl)
		nl_free(d->nl);
	d->nl = NULL;
	if (d->loop)
		loop_free(d->loop);
	d->loop = NULL;
	pidfile_release(&d->pid);
}

/* What cannot change without a restart is refused by name, keeping the rest. */
static int check_restart_only(const struct mg_conf *old, const struct mg_conf *new,
                              char *why, size_t len)
{
	if (strcmp(old->node.control_socket, new->node.control_socket) != 0)
		snprintf(why, len, "[node] control-socket changed: restart meshgated to move it");
	else if (strcmp(old->node.pid_file, new->node.pid_file) != 0)
		snprintf(why, len, "[node] pid-file changed: restart meshgated to move it");
	else if (strcmp(old->mesh.interface, new->mesh.interface) != 0)
		snprintf(why, len, "[mesh] interface changed: restart meshgated to rename it");
	else if (strcmp(old->mesh.network, new->mesh.network) != 0 ||
	         strcmp(old->node.state_dir, new->node.state_dir) != 0)
		snprintf(why, len, "[mesh] network or [node] state-dir changed: restart "
		         "meshgated to change networks");
	else
		return 0;
	return -EINVAL;
}

int daemon_reload(struct daemon *d)
{
	struct reload_errors e = { .n = 0 };
	static struct mg_conf next;   /* large: not on the stack */
	static struct iface_routes routes;
	char why[200];
	enum log_level lvl;
	int r;

	sdnotify("RELOADING=1");
	d->reloads++;
	log_notice("reloading %s", d->conf_path);
	if (conf_load(&next, d->conf_path, collect_error, &e) > 0) {
		snprintf(d->last_reload, sizeof(d->last_reload),
		         "error: %s (%d error%s; previous configuration kept)", e.first, e.n,
		         e.n == 1 ? "" : "s");
		log_err("reload failed: keeping the previous configuration");
		r = -EINVAL;
		goto out;
	}
	if (d->member)
		member_fill_conf(d->member, &next);
	r = check_restart_only(&d->conf, &next, why, sizeof(why));
	if (r < 0) {
		snprintf(d->last_reload, sizeof(d->last_reload), "error: %s", why);
		log_err("reload refused: %s", why);
		goto out;
	}
	r = vpn_reload(d->vpn, &next);
	if (r < 0) {
		snprintf(d->last_reload, sizeof(d->last_reload),
		         "error: applying [mesh] and [peer]s: %s (see the log; previous "
		         "configuration kept)", strerror(-r));
		goto out;
	}
	vpn_routes(&next, &routes, true);
	if (d->member)          /* members' routes too, said when they came */
		vpn_routes_live(d->vpn, &next, &routes);
	r = iface_apply(&d->iface, d->nl, &next.mesh, &routes);
	if (r < 0) {
		snprintf(d->last_reload, sizeof(d->last_reload),
		         "error: applying [mesh] to %s: %s", d->iface.tun.name, strerror(-r));
		goto out;
	}
	if (vrrp_service_reload(&d->vrrp, d->loop, &next) < 0)
		log_err("reload: some [vrrp] routers could not start (see above)");
	if (dhcp_service_reload(d->dhcp, &next) < 0)
		log_err("reload: [dhcp] not applied, the server in force goes on (see above)");
	if (dns_service_reload(d->dns, &next) < 0)
		log_err("reload: [dns] not fully applied (see above)");
	vrrp_service_health(d->vrrp, "dns", dns_service_serving(d->dns));
	lvl = (enum log_level)next.node.log_level;
	if (!d->log_level_forced)
		log_set_level(lvl);
	d->conf = next;
	if (d->member) {
		member_reload(d->member, &d->conf);
		learn_from_mesh(d);   /* [site] may have changed which sites are others */
	}
	snprintf(d->last_reload, sizeof(d->last_reload), "ok");
	log_notice("reloaded %s", d->conf_path);
out:
	sdnotify("READY=1");
	return r;
}
