/* `meshgate leases`: every address that is offered, leased, declined or
 * reserved, in address order, with its client, name, expiry and state;
 * and the DHCP lines and counters of `meshgate status`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/control.h"
#include "core/report.h"
#include "daemon/dhcp_impl.h"
#include "dhcp/io.h"
#include "dhcp/leases.h"
#include "dhcp/pool.h"

static int by_addr(const void *a, const void *b)
{
	uint32_t x = (*(const struct dhcp_lease *const *)a)->b.addr;
	uint32_t y = (*(const struct dhcp_lease *const *)b)->b.addr;

	return x < y ? -1 : x > y;
}

static bool listed(const struct dhcp_lease *l)
{
	return l->b.state != DHCP_FREE;
}

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && off + 3 < cap; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s%02x", i ? ":" : "", p[i]);
}

static void report_lease(struct report *r, const struct dhcp_lease *l, uint64_t now)
{
	const struct dhcp_binding *b = &l->b;
	char buf[3 * DHCP_KEY_MAX + 1], a[16];
	bool timed = b->state == DHCP_OFFERED || b->state == DHCP_LEASED ||
		     b->state == DHCP_DECLINED;

	report_obj_begin(r, NULL);
	report_str(r, "address", dhcp_ip_fmt(b->addr, a));
	if (b->hlen) {
		hex(buf, sizeof(buf), b->hw, b->hlen);
		report_str(r, "mac", buf);
	} else {
		report_str(r, "mac", NULL);
	}
	if (b->key.len && b->key.b[0] == DHCP_KEY_CID) {
		hex(buf, sizeof(buf), b->key.b + 1, (size_t)b->key.len - 1);
		report_str(r, "client_id", buf);
	} else {
		report_str(r, "client_id", NULL);
	}
	report_str(r, "name", b->name[0] ? b->name : NULL);
	report_str(r, "state", dhcp_state_name((enum dhcp_state)b->state));
	if (timed) {
		report_uint(r, "expires", b->expires);
		report_uint(r, "expires_in_s", b->expires > now ? b->expires - now : 0);
	} else {
		report_str(r, "expires", NULL);
		report_str(r, "expires_in_s", NULL);
	}
	report_bool(r, "reserved", l->flags & DHCP_LEASE_RESERVED);
	report_obj_end(r);
}

static int cmd_leases(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct dhcp_service *s = *(struct dhcp_service **)arg;
	const struct dhcp_lease **v = NULL;
	const struct dhcp_pool *p;
	size_t n = 0, size;
	uint64_t now = dhcp_io_wall_now();

	(void)argv;
	if (argc > 1) {
		*err = "usage: leases";
		return -1;
	}
	report_str(r, "interface", s && s->in.dhcp.interface[0] ? s->in.dhcp.interface : NULL);
	report_str(r, "state", !s || !s->in.dhcp.interface[0] ? "off" :
			       s->srv ? "serving" : "waiting");
	report_arr_begin(r, "leases");
	if (s && s->srv) {
		p = dhcp_server_pool(s->srv);
		size = dhcp_pool_size(p);
		v = malloc((size ? size : 1) * sizeof(*v));
		if (!v) {
			*err = "out of memory";
			return -1;
		}
		for (size_t i = 0; i < size; i++)
			if (listed(dhcp_pool_at(p, i)))
				v[n++] = dhcp_pool_at(p, i);
		qsort(v, n, sizeof(*v), by_addr);
		for (size_t i = 0; i < n; i++)
			report_lease(r, v[i], now);
		free(v);
	}
	report_arr_end(r);
	return 0;
}

int dhcp_service_register(struct dhcp_service **s, struct control *ctl)
{
	return control_register(ctl, "leases", cmd_leases, s);
}

void dhcp_service_status_line(const struct dhcp_service *s, char *buf, size_t len)
{
	const struct dhcp_pool *p;
	char a[16];

	if (!s || !s->in.dhcp.interface[0]) {
		snprintf(buf, len, "off");
		return;
	}
	if (!s->srv) {
		snprintf(buf, len, "waiting: %s", s->waiting);
		return;
	}
	p = dhcp_server_pool(s->srv);
	snprintf(buf, len, "serving on %s as %s: %zu leased, %zu offered, %zu declined, %zu free",
		 s->in.dhcp.interface, dhcp_ip_fmt(s->build->gw, a),
		 dhcp_pool_count(p, DHCP_LEASED), dhcp_pool_count(p, DHCP_OFFERED),
		 dhcp_pool_count(p, DHCP_DECLINED), dhcp_pool_count(p, DHCP_FREE));
}

void dhcp_service_report(const struct dhcp_service *s, struct report *r)
{
	const struct dhcp_server_stats *st;
	const struct leases_stats *ls;
	const struct dhcp_io_stats *io;
	struct leases *store;
	static const char *const types[] = {
		"other", "discover", "offer", "request", "decline", "ack", "nak", "release",
		"inform",
	};

	if (!s || !s->srv)
		return;
	st = dhcp_server_stats(s->srv);
	store = dhcp_server_leases(s->srv);
	ls = leases_stats(store);
	io = dhcp_io_stats(s->io);
	report_obj_begin(r, "dhcp");
	report_str(r, "interface", s->in.dhcp.interface);
	report_str(r, "leases_file", s->in.leases_path);
	report_uint(r, "rebuilds", s->rebuilds);
	report_obj_begin(r, "received");
	report_uint(r, "datagrams", io->rx);
	for (size_t i = 0; i <= DHCPINFORM; i++)
		report_uint(r, types[i], st->rx[i]);
	report_uint(r, "truncated", io->rx_truncated);
	report_uint(r, "wrong_interface", io->rx_wrong_if);
	report_uint(r, "errors", io->rx_errors);
	report_obj_end(r);
	report_obj_begin(r, "dropped");
	for (int e = 1; e < DHCP_RX_NREASONS; e++)
		report_uint(r, dhcp_rx_error_name((enum dhcp_rx_error)e), st->rx_err[e]);
	report_uint(r, "no_subnet", st->no_subnet);
	report_uint(r, "no_client_id", st->no_client_id);
	report_obj_end(r);
	report_obj_begin(r, "sent");
	report_uint(r, "offers", st->offers);
	report_uint(r, "acks", st->acks);
	report_uint(r, "naks", st->naks);
	report_uint(r, "udp", io->tx);
	report_uint(r, "frames", io->tx_raw);
	report_uint(r, "errors", io->tx_errors);
	report_uint(r, "withheld", st->withheld);
	report_obj_end(r);
	report_uint(r, "exhausted", st->exhausted);
	report_uint(r, "not_ours", st->not_ours);
	report_uint(r, "silent", st->silent);
	report_uint(r, "name_conflicts", st->name_conflicts);
	report_uint(r, "options_dropped", st->options_dropped);
	report_obj_begin(r, "journal");
	report_uint(r, "records", leases_records(store));
	report_uint(r, "batches", io->rx_batches);
	report_uint(r, "commits", ls->commits);
	report_uint(r, "commit_failures", ls->commit_failures);
	report_uint(r, "rewrites", ls->rewrites);
	report_uint(r, "rewrites_failed", st->rewrites_failed);
	report_uint(r, "loaded", ls->loaded);
	report_uint(r, "corrupt_skipped", ls->corrupt_skipped);
	report_uint(r, "torn_dropped", ls->torn_dropped);
	report_uint(r, "skipped_unconfigured", st->journal_skipped);
	report_obj_end(r);
	report_obj_end(r);
}
