/* `meshgate dns`: where it listens and who may ask, the zones and the names
 * with an expiry, the forwarding rules (manual and learned, each server's
 * reachability), the upstream resolvers, the cache and the counters.
 * `meshgate dns flush` empties the cache. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/control.h"
#include "core/loop.h"
#include "core/report.h"
#include "daemon/dns_impl.h"
#include "dns/forward.h"
#include "dns/zone.h"

#define MAX_ALLOW DNS_SVC_MAX_ALLOW

static void report_listen(struct report *r, const struct dns_service *s)
{
	struct mg_prefix allow[MAX_ALLOW];
	char buf[MG_PREFIX_STRLEN];
	size_t n = dns_allow_list(&s->conf.allow, &s->site.subnet, &s->mesh_addr, allow,
				  MAX_ALLOW);

	report_arr_begin(r, "listen");
	for (uint32_t i = 0; i < s->conf.listen.n; i++)
		report_str(r, NULL, mg_addr_fmt(&s->conf.listen.v[i], buf, sizeof(buf)));
	report_arr_end(r);
	report_uint(r, "port", s->conf.port);
	report_arr_begin(r, "allow");
	for (size_t i = 0; i < n; i++)
		report_str(r, NULL, mg_prefix_fmt(&allow[i], buf, sizeof(buf)));
	report_arr_end(r);
	report_uint(r, "rate_limit", s->conf.rate_limit);
	report_uint(r, "edns_size", s->conf.edns_size);
	report_bool(r, "rebind_protection", s->conf.rebind_protection);
}

struct dyn_ctx {
	struct report *r;
	uint64_t now;
};

static void report_dyn(void *arg, const uint8_t *name, size_t len, const struct mg_addr *a,
		       uint64_t expires)
{
	struct dyn_ctx *dc = arg;
	char text[DNS_NAME_STRLEN], buf[MG_PREFIX_STRLEN];

	report_obj_begin(dc->r, NULL);
	report_str(dc->r, "name", dns_name_to_str(name, len, text, sizeof(text)));
	report_str(dc->r, "address", mg_addr_fmt(a, buf, sizeof(buf)));
	if (expires == UINT64_MAX)
		report_str(dc->r, "expires_in_s", NULL);
	else
		report_uint(dc->r, "expires_in_s", expires > dc->now ?
			    (expires - dc->now) / LOOP_NSEC_PER_SEC : 0);
	report_obj_end(dc->r);
}

static void report_zones(struct report *r, const struct dns_service *s, uint64_t now)
{
	char text[DNS_NAME_STRLEN];
	struct dyn_ctx dc = { .r = r, .now = now };

	report_arr_begin(r, "zones");
	for (unsigned i = 0; s->zones && i < zone_count(s->zones); i++) {
		size_t len;
		const uint8_t *apex = zone_apex(s->zones, i, &len);

		report_str(r, NULL, dns_name_to_str(apex, len, text, sizeof(text)));
	}
	report_arr_end(r);
	report_uint(r, "serial", s->zones ? zone_serial(s->zones) : 0);
	report_uint(r, "config_errors", s->zone_errors);
	report_arr_begin(r, "names");
	if (s->zones)
		zone_dyn_walk(s->zones, now, report_dyn, &dc);
	report_arr_end(r);
}

static void report_rules(struct report *r, const struct dns_service *s, uint64_t now)
{
	char text[DNS_NAME_STRLEN], buf[MG_PREFIX_STRLEN];

	report_arr_begin(r, "forwarding");
	for (unsigned i = 0; i < dns_fwd_count(s->fwd); i++) {
		const struct dns_fwd_rule *rule = dns_fwd_rule_at(s->fwd, i);

		report_obj_begin(r, NULL);
		report_str(r, "domain", dns_name_to_str(rule->name, rule->len, text, sizeof(text)));
		report_str(r, "origin", rule->origin == DNS_FWD_MANUAL ? "manual" : "learned");
		report_str(r, "site", rule->tag[0] ? rule->tag : NULL);
		report_arr_begin(r, "servers");
		for (unsigned k = 0; k < rule->nservers; k++) {
			const struct dns_fwd_server *sv = &rule->servers[k];

			report_obj_begin(r, NULL);
			report_strf(r, "address", "%s#%u", mg_addr_fmt(&sv->addr, buf, sizeof(buf)),
				    sv->port);
			report_bool(r, "up", !sv->down_until);
			report_uint(r, "failures", sv->fails);
			report_uint(r, "retry_in_ms", sv->down_until > now ?
				    (sv->down_until - now) / LOOP_NSEC_PER_MSEC : 0);
			report_obj_end(r);
		}
		report_arr_end(r);
		report_obj_end(r);
	}
	report_arr_end(r);
}

static void report_upstream(struct report *r, const struct dns_service *s)
{
	struct mg_addr addrs[DNS_UPSTREAM_MAX];
	uint16_t ports[DNS_UPSTREAM_MAX];
	struct dns_upstream_stats us;
	char buf[MG_PREFIX_STRLEN];
	size_t n = s->up ? dns_upstream_servers(s->up, addrs, ports, DNS_UPSTREAM_MAX) : 0;

	memset(&us, 0, sizeof(us));
	if (s->up)
		dns_upstream_get_stats(s->up, &us);
	report_obj_begin(r, "upstream");
	report_str(r, "from", s->conf.upstream.n ? "config" : "resolv.conf");
	report_arr_begin(r, "servers");
	for (size_t i = 0; i < n; i++)
		report_strf(r, NULL, "%s#%u", mg_addr_fmt(&addrs[i], buf, sizeof(buf)), ports[i]);
	report_arr_end(r);
	report_uint(r, "timeout_ms", s->conf.upstream_timeout_ms);
	report_uint(r, "sent", us.sent);
	report_uint(r, "answered", us.answered);
	report_uint(r, "failed", us.failed);
	report_uint(r, "timeouts", us.timeouts);
	report_uint(r, "refused", us.refused);
	report_uint(r, "in_flight", us.inflight);
	report_uint(r, "rule_channels", us.channels);
	report_obj_end(r);
}

static void report_cache(struct report *r, const struct dns_service *s)
{
	struct dns_cache_stats cs;

	memset(&cs, 0, sizeof(cs));
	if (s->cache)
		dns_cache_stats(s->cache, &cs);
	report_obj_begin(r, "cache");
	report_bool(r, "enabled", s->cache != NULL);
	report_uint(r, "max_entries", s->conf.cache_size);
	report_uint(r, "entries", cs.entries);
	report_uint(r, "bytes", cs.bytes);
	report_uint(r, "blocks_used", cs.blocks_used);
	report_uint(r, "blocks", cs.blocks);
	report_uint(r, "hits", cs.hits);
	report_uint(r, "misses", cs.misses);
	report_uint(r, "stale_served", cs.stale_served);
	report_uint(r, "insertions", cs.insertions);
	report_uint(r, "evictions", cs.evictions);
	report_uint(r, "expired", cs.expired);
	report_uint(r, "stale_window_s", s->conf.stale_window_ms / 1000);
	report_uint(r, "flushes", s->flushes);
	report_obj_end(r);
}

static void report_counters(struct report *r, const struct dns_service *s)
{
	const struct dns_engine_stats *e = &s->engine.st;
	struct dns_server_stats ss;

	memset(&ss, 0, sizeof(ss));
	if (s->srv)
		dns_server_get_stats(s->srv, &ss);
	report_obj_begin(r, "queries");
	report_uint(r, "udp", ss.udp_queries);
	report_uint(r, "tcp", ss.tcp_queries);
	report_uint(r, "replies", ss.replies);
	report_uint(r, "local", e->local);
	report_uint(r, "local_nxdomain", e->local_nxdomain);
	report_uint(r, "cache_hits", e->cache_hits);
	report_uint(r, "forwarded", e->forwarded);
	report_uint(r, "forwarded_by_rule", e->forwarded_rule);
	report_uint(r, "stale_served", e->stale_served);
	report_uint(r, "servfail_site_down", e->servfail_down);
	report_uint(r, "servfail_upstream", e->servfail_upstream);
	report_uint(r, "rebinding_blocked", e->rebind_blocked);
	report_uint(r, "truncated", ss.truncated);
	report_uint(r, "refused_source", ss.refused);
	report_uint(r, "rate_limited", ss.ratelimited);
	report_uint(r, "formerr", e->formerr);
	report_uint(r, "notimp", e->notimp);
	report_uint(r, "refused", e->refused);
	report_uint(r, "dropped", ss.dropped + e->dropped);
	report_uint(r, "oversize", ss.oversize);
	report_uint(r, "send_errors", ss.send_errors);
	report_uint(r, "waiting_upstream", ss.pending);
	report_uint(r, "waiting_full", ss.pending_full);
	report_obj_end(r);
	report_obj_begin(r, "tcp");
	report_uint(r, "open", ss.tcp_open);
	report_uint(r, "accepted", ss.tcp_accepted);
	report_uint(r, "rejected", ss.tcp_rejected);
	report_uint(r, "timeouts", ss.tcp_timeouts);
	report_uint(r, "errors", ss.tcp_closed_errors);
	report_obj_end(r);
}

static int cmd_dns(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct dns_service *s = *(struct dns_service **)arg;
	uint64_t now;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "flush") != 0)) {
		*err = "usage: dns [flush]";
		return -1;
	}
	if (argc == 2) {
		if (!s || !s->cache) {
			*err = "no DNS cache to flush ([dns] listen or cache-size is not set)";
			return -1;
		}
		dns_cache_flush(s->cache);
		s->flushes++;
		report_bool(r, "flushed", true);
		return 0;
	}
	report_bool(r, "serving", dns_service_serving(s));
	if (!s)
		return 0;
	now = loop_now(s->loop);
	report_listen(r, s);
	report_zones(r, s, now);
	report_rules(r, s, now);
	report_upstream(r, s);
	report_cache(r, s);
	report_counters(r, s);
	return 0;
}

int dns_service_register(struct dns_service **s, struct control *ctl)
{
	return control_register(ctl, "dns", cmd_dns, s);
}

void dns_service_status_line(const struct dns_service *s, char *buf, size_t len)
{
	struct dns_cache_stats cs;
	char a[MG_PREFIX_STRLEN];
	unsigned manual = 0, learned = 0;

	if (!s || !s->enabled) {
		snprintf(buf, len, "off ([dns] listen is not set)");
		return;
	}
	if (!s->srv) {
		snprintf(buf, len, "not serving: cannot listen (see the log)");
		return;
	}
	for (unsigned i = 0; i < dns_fwd_count(s->fwd); i++)
		if (dns_fwd_rule_at(s->fwd, i)->origin == DNS_FWD_MANUAL)
			manual++;
		else
			learned++;
	memset(&cs, 0, sizeof(cs));
	if (s->cache)
		dns_cache_stats(s->cache, &cs);
	snprintf(buf, len, "serving on %s%s port %u, %u zones, %u manual and %u learned rules, "
		 "%llu cached", mg_addr_fmt(&s->conf.listen.v[0], a, sizeof(a)),
		 s->conf.listen.n > 1 ? " and more" : "", s->conf.port,
		 s->zones ? zone_count(s->zones) : 0, manual, learned,
		 (unsigned long long)cs.entries);
}
