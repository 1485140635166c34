/* dhcp/server on a fake clock: DORA, renew, rebind, release, decline,
 * INIT-REBOOT right and wrong, INFORM, relays, exhaustion, another
 * server chosen, names in and out of the DNS, the client's size limit,
 * batches under one commit, ACKs withheld when the commit fails, and
 * every ACKed lease back after a restart. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/options.h"
#include "dhcp/server.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define GW IP(192, 168, 1, 1)
#define T0 1700000000ULL

static const struct dhcp_range range_lan = { IP(192, 168, 1, 100), IP(192, 168, 1, 199) };
static const struct dhcp_range range_relay = { IP(10, 9, 0, 50), IP(10, 9, 0, 59) };
static const struct dhcp_range range_tiny = { IP(10, 8, 0, 10), IP(10, 8, 0, 11) };
static const uint32_t gw[1] = { GW };
static const char *const search[] = { "flat1.lan", "mesh.lan" };
static const struct dhcp_route site_routes[] = {
	{ IP(192, 168, 2, 0), 24, GW },
	{ IP(10, 99, 0, 0), 16, GW },
};
static const struct dhcp_reservation nas = {
	.mac = { 2, 0, 0, 0, 0, 0xaa }, .has_mac = true, .addr = IP(192, 168, 1, 10), .name = "nas",
};
static const struct dhcp_subnet_conf subnets[] = {
	{
		.network = IP(192, 168, 1, 0), .prefix_len = 24, .ranges = &range_lan, .nranges = 1,
		.reservations = &nas, .nreservations = 1, .lease_time = 3600,
		.routers = gw, .nrouters = 1, .dns = gw, .ndns = 1, .ntp = gw, .nntp = 1,
		.domain = "flat1.lan", .search = search, .nsearch = 2, .mtu = 1420,
		.routes = site_routes, .nroutes = 2,
	},
	{
		.network = IP(10, 9, 0, 0), .prefix_len = 24, .ranges = &range_relay, .nranges = 1,
		.lease_time = 600, .routers = (const uint32_t[]){ IP(10, 9, 0, 1) }, .nrouters = 1,
	},
	{
		.network = IP(10, 8, 0, 0), .prefix_len = 24, .ranges = &range_tiny, .nranges = 1,
		.lease_time = 600,
	},
};
static const struct dhcp_server_conf conf = {
	.subnets = subnets, .nsubnets = 3, .offer_hold = 30, .decline_hold = 1000,
};
static const struct dhcp_rx_info lan = { .ifindex = 2, .local_addr = GW };

/* ---- the DNS side, recorded ---- */

static char events[64][96];
static unsigned nevents;

static void on_name(void *ctx, const char *name, uint32_t addr, uint64_t expires)
{
	snprintf(events[nevents++ % 64], 96, "+%s %u.%u.%u.%u %llu", name, addr >> 24,
		 addr >> 16 & 255, addr >> 8 & 255, addr & 255, (unsigned long long)(expires - T0));
}

static void on_gone(void *ctx, const char *name, uint32_t addr)
{
	snprintf(events[nevents++ % 64], 96, "-%s %u.%u.%u.%u", name, addr >> 24,
		 addr >> 16 & 255, addr >> 8 & 255, addr & 255);
}

static const struct dhcp_name_ops names = { on_name, on_gone, NULL };

/* ---- requests ---- */

struct rq {
	uint8_t type;
	unsigned client;	/* MAC 02:00:00:00:00:client */
	bool cid;		/* send a client identifier */
	uint32_t ciaddr, giaddr, want, sid;
	uint16_t flags, mms;
	const char *hostname, *fqdn;
	const uint8_t *prl;
	size_t nprl;
	bool relay_info;
};

static const uint8_t prl_std[] = { 1, 3, 6, 15, 119, 121, 42, 26, 28, 12 };

static struct dhcp_server *srv;
static char path[64];
static struct dhcp_msg rmsg;		/* the last reply, parsed */
static const struct dhcp_reply *last;

static size_t build_rq(uint8_t *buf, size_t cap, const struct rq *q)
{
	static struct dhcp_optlist o;
	struct dhcp_head h = {
		.op = BOOTREQUEST, .htype = 1, .hlen = 6, .xid = 0x1000 + q->client,
		.flags = q->flags, .ciaddr = q->ciaddr, .giaddr = q->giaddr,
	};
	int n;

	h.chaddr[0] = 2;
	h.chaddr[5] = (uint8_t)q->client;
	dhcp_optlist_init(&o);
	dhcp_optlist_u8(&o, DHCP_OPT_MSG_TYPE, q->type);
	if (q->cid) {
		uint8_t id[7] = { 1 };

		memcpy(id + 1, h.chaddr, 6);
		dhcp_optlist_put(&o, DHCP_OPT_CLIENT_ID, id, 7);
	}
	if (q->want)
		dhcp_optlist_u32(&o, DHCP_OPT_REQUESTED_IP, q->want);
	if (q->sid)
		dhcp_optlist_u32(&o, DHCP_OPT_SERVER_ID, q->sid);
	if (q->mms)
		dhcp_optlist_u16(&o, DHCP_OPT_MAX_MSG_SIZE, q->mms);
	if (q->hostname)
		dhcp_optlist_str(&o, DHCP_OPT_HOST_NAME, q->hostname);
	if (q->fqdn)
		dhcp_optlist_fqdn(&o, DHCP_FQDN_E, q->fqdn);
	if (q->prl)
		dhcp_optlist_put(&o, DHCP_OPT_PRL, q->prl, q->nprl);
	if (q->relay_info)
		dhcp_optlist_put(&o, DHCP_OPT_RELAY_AGENT, "\x01\x04" "ge-1", 6);
	n = dhcp_build(buf, cap, cap, &h, &o, NULL);
	assert_true(n > 0);
	return (size_t)n;
}

/* One request, one flush: the reply parsed into rmsg, or NULL. */
static const struct dhcp_reply *ask(const struct rq *q, const struct dhcp_rx_info *rx,
				    uint64_t now)
{
	const struct dhcp_reply *out;
	uint8_t buf[1500];
	size_t len = build_rq(buf, sizeof(buf), q);

	assert_int_equal(dhcp_server_input(srv, buf, len, rx, now), 0);
	if (!dhcp_server_flush(srv, &out))
		return last = NULL;
	assert_int_equal(dhcp_parse(out->buf, out->len, BOOTREPLY, &rmsg, NULL), 0);
	assert_int_equal(rmsg.h.xid, 0x1000 + q->client);
	assert_int_equal(dhcp_msg_type(&rmsg), out->type);
	return last = out;
}

static uint32_t opt32(uint8_t code)
{
	uint32_t v = 0;

	assert_int_equal(dhcp_opt_u32(&rmsg.opts, code, &v), 0);
	return v;
}

static const struct dhcp_lease *lease_of(uint32_t a)
{
	return dhcp_pool_by_addr(dhcp_server_pool(srv), a);
}

static int setup(void **state)
{
	strcpy(path, "/tmp/test_dhcp_server.XXXXXX");
	if (mkstemp(path) < 0)
		return -1;
	unlink(path);
	nevents = 0;
	return dhcp_server_new(&conf, path, &names, T0, &srv, NULL);
}

static int teardown(void **state)
{
	dhcp_server_free(srv);
	srv = NULL;
	unlink(path);
	return 0;
}

static void restart(uint64_t now)
{
	dhcp_server_free(srv);
	assert_int_equal(dhcp_server_new(&conf, path, &names, now, &srv, NULL), 0);
}

/* DISCOVER, OFFER, REQUEST, ACK; returns the address. */
static uint32_t dora(unsigned client, const char *hostname, uint64_t now)
{
	struct rq q = { .type = DHCPDISCOVER, .client = client, .prl = prl_std,
			.nprl = sizeof(prl_std), .hostname = hostname };
	uint32_t a;

	assert_non_null(ask(&q, &lan, now));
	assert_int_equal(last->type, DHCPOFFER);
	a = rmsg.h.yiaddr;
	q.type = DHCPREQUEST;
	q.sid = GW;
	q.want = a;
	assert_non_null(ask(&q, &lan, now));
	assert_int_equal(last->type, DHCPACK);
	assert_int_equal(rmsg.h.yiaddr, a);
	return a;
}

/* ---- scenarios ---- */

static void full_dora(void **state)
{
	struct rq q = { .type = DHCPDISCOVER, .client = 1, .prl = prl_std, .nprl = sizeof(prl_std),
			.hostname = "Laptop" };
	const uint8_t *v;
	size_t n;
	uint32_t a;

	assert_non_null(ask(&q, &lan, T0));
	assert_int_equal(last->type, DHCPOFFER);
	assert_false(last->durable);
	a = rmsg.h.yiaddr;
	assert_true(a >= range_lan.first && a <= range_lan.last);
	/* No address yet, no broadcast flag: link-layer unicast to chaddr. */
	assert_int_equal(last->dest, DHCP_DEST_HWADDR);
	assert_int_equal(last->dst, a);
	assert_int_equal(last->port, DHCP_CLIENT_PORT);
	assert_int_equal(last->src, GW);
	assert_int_equal(last->hw[5], 1);
	assert_int_equal(last->ifindex, 2);
	assert_int_equal(opt32(DHCP_OPT_SERVER_ID), GW);
	assert_int_equal(opt32(DHCP_OPT_LEASE_TIME), 3600);
	assert_int_equal(opt32(DHCP_OPT_T1), 1800);
	assert_int_equal(opt32(DHCP_OPT_T2), 3150);
	assert_int_equal(opt32(DHCP_OPT_SUBNET_MASK), 0xffffff00);
	assert_int_equal(opt32(DHCP_OPT_ROUTER), GW);
	assert_int_equal(opt32(DHCP_OPT_DNS), GW);
	assert_int_equal(opt32(DHCP_OPT_NTP), GW);
	assert_int_equal(opt32(DHCP_OPT_BROADCAST), IP(192, 168, 1, 255));
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_DOMAIN_NAME, &n);
	assert_int_equal(n, 9);
	assert_memory_equal(v, "flat1.lan", 9);
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_MTU, &n);
	assert_hex(v, "058c", 2);
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_DOMAIN_SEARCH, &n);
	assert_int_equal(n, 11 + 7);
	assert_hex(v, "05666c617431036c616e00" "046d657368c006", n);
	/* The other sites through the gateway, and the default route again
	 * (a client taking 121 ignores 3). */
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_CLASSLESS_ROUTES, &n);
	assert_int_equal(n, 8 + 7 + 5);
	assert_hex(v, "18c0a802" "c0a80101" "100a63" "c0a80101" "00" "c0a80101", n);
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_MS_CLASSLESS_ROUTES));
	/* Offers are not journaled. */
	assert_int_equal(leases_records(dhcp_server_leases(srv)), 0);
	assert_int_equal(lease_of(a)->b.state, DHCP_OFFERED);

	q.type = DHCPREQUEST;
	q.sid = GW;
	q.want = a;
	nevents = 0;
	assert_non_null(ask(&q, &lan, T0 + 1));
	assert_int_equal(last->type, DHCPACK);
	assert_true(last->durable);
	assert_int_equal(rmsg.h.yiaddr, a);
	assert_int_equal(opt32(DHCP_OPT_LEASE_TIME), 3600);
	assert_int_equal(leases_records(dhcp_server_leases(srv)), 1);
	assert_int_equal(lease_of(a)->b.state, DHCP_LEASED);
	assert_int_equal(lease_of(a)->b.expires, T0 + 1 + 3600);
	assert_int_equal(nevents, 1);
	assert_true(strncmp(events[0], "+laptop 192.168.1.", 18) == 0);
	assert_true(strstr(events[0], " 3601") != NULL);
	assert_int_equal(dhcp_server_stats(srv)->offers, 1);
	assert_int_equal(dhcp_server_stats(srv)->acks, 1);
}

static void option_choice(void **state)
{
	static const uint8_t prl_ms[] = { 249, 3, 1 };
	struct rq q = { .type = DHCPDISCOVER, .client = 2, .prl = prl_ms, .nprl = 3,
			.flags = DHCP_FLAG_BROADCAST };
	const uint8_t *a;
	size_t i, na, nb;

	assert_non_null(ask(&q, &lan, T0));
	assert_int_equal(last->dest, DHCP_DEST_BROADCAST);
	assert_int_equal(last->dst, 0xffffffffu);
	/* 249 is 121 under the Microsoft code; only what was asked for. */
	a = dhcp_opt_get(&rmsg.opts, DHCP_OPT_MS_CLASSLESS_ROUTES, &na);
	assert_non_null(a);
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_CLASSLESS_ROUTES));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_DNS));
	assert_true(dhcp_opt_has(&rmsg.opts, DHCP_OPT_ROUTER));
	/* In the order of the list, after the server's own. */
	for (i = DHCP_OPTS_OFF; last->buf[i] != DHCP_OPT_ROUTER; i += 2u + last->buf[i + 1])
		assert_int_not_equal(last->buf[i], DHCP_OPT_END);
	assert_true(i > DHCP_OPTS_OFF);
	/* Without a list: everything configured. */
	q.prl = NULL;
	q.client = 3;
	assert_non_null(ask(&q, &lan, T0));
	assert_non_null(dhcp_opt_get(&rmsg.opts, DHCP_OPT_CLASSLESS_ROUTES, &nb));
	assert_int_equal(na, nb);
	assert_true(dhcp_opt_has(&rmsg.opts, DHCP_OPT_DNS));
	assert_true(dhcp_opt_has(&rmsg.opts, DHCP_OPT_DOMAIN_SEARCH));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_MS_CLASSLESS_ROUTES));
	(void)a;
}

static void renew_and_rebind(void **state)
{
	struct rq q = { .type = DHCPREQUEST, .client = 4 };
	uint32_t a = dora(4, "box", T0);

	/* RENEWING at T1: unicast from its address, no server id, no 50. */
	q.ciaddr = a;
	nevents = 0;
	assert_non_null(ask(&q, &(struct dhcp_rx_info){ 2, GW, a }, T0 + 1800));
	assert_int_equal(last->type, DHCPACK);
	assert_int_equal(last->dest, DHCP_DEST_CIADDR);
	assert_int_equal(last->dst, a);
	assert_int_equal(rmsg.h.ciaddr, a);
	assert_int_equal(rmsg.h.yiaddr, a);
	assert_int_equal(lease_of(a)->b.expires, T0 + 1800 + 3600);
	/* The name is registered again with the new expiry. */
	assert_int_equal(nevents, 1);
	assert_true(strstr(events[0], "+box ") && strstr(events[0], " 5400"));
	/* REBINDING at T2, broadcast. */
	q.flags = DHCP_FLAG_BROADCAST;
	assert_non_null(ask(&q, &lan, T0 + 5000));
	assert_int_equal(last->type, DHCPACK);
	assert_int_equal(last->dest, DHCP_DEST_CIADDR);
	assert_int_equal(lease_of(a)->b.expires, T0 + 5000 + 3600);
	assert_int_equal(leases_records(dhcp_server_leases(srv)), 3);
	/* Someone else renewing that address is refused. */
	q.client = 5;
	assert_non_null(ask(&q, &lan, T0 + 5001));
	assert_int_equal(last->type, DHCPNAK);
	/* An address that is not ours at all: silence. */
	q.ciaddr = IP(172, 16, 0, 9);
	assert_null(ask(&q, &lan, T0 + 5002));
}

static void release(void **state)
{
	struct rq q = { .type = DHCPRELEASE, .client = 6, .sid = GW };
	uint32_t a = dora(6, "printer", T0);

	q.ciaddr = a;
	nevents = 0;
	assert_null(ask(&q, &lan, T0 + 10));
	assert_int_equal(lease_of(a)->b.state, DHCP_FREE);
	assert_int_equal(nevents, 1);
	assert_true(strncmp(events[0], "-printer ", 9) == 0);
	assert_int_equal(leases_records(dhcp_server_leases(srv)), 2);
	/* A release from someone else changes nothing. */
	assert_int_equal(dora(6, NULL, T0 + 20), a);
	q.client = 7;
	assert_null(ask(&q, &lan, T0 + 21));
	assert_int_equal(lease_of(a)->b.state, DHCP_LEASED);
	/* Coming back, it gets the same address. */
	q.client = 6;
	assert_null(ask(&q, &lan, T0 + 22));
	assert_int_equal(dora(6, NULL, T0 + 30), a);
}

static void decline(void **state)
{
	struct rq q = { .type = DHCPDECLINE, .client = 8, .sid = GW };
	uint32_t a = dora(8, "cam", T0), b;

	q.want = a;
	nevents = 0;
	assert_null(ask(&q, &lan, T0 + 5));
	assert_int_equal(lease_of(a)->b.state, DHCP_DECLINED);
	assert_int_equal(lease_of(a)->b.expires, T0 + 5 + 1000);
	assert_int_equal(nevents, 1);
	assert_true(strncmp(events[0], "-cam ", 5) == 0);
	/* It gets another address, even asking for the old one. */
	q.type = DHCPDISCOVER;
	q.sid = 0;
	assert_non_null(ask(&q, &lan, T0 + 6));
	b = rmsg.h.yiaddr;
	assert_int_not_equal(b, a);
	/* The quarantine ends with the clock. */
	assert_int_equal(dhcp_server_tick(srv, T0 + 20), T0 + 6 + 30);
	assert_int_equal(dhcp_server_tick(srv, T0 + 500), T0 + 5 + 1000);
	dhcp_server_tick(srv, T0 + 1005);
	assert_int_equal(lease_of(a)->b.state, DHCP_FREE);
	assert_int_equal(lease_of(a)->b.key.len, 0);
}

static void init_reboot(void **state)
{
	struct rq q = { .type = DHCPREQUEST, .client = 9 };
	uint32_t a = dora(9, "tv", T0), other = dora(10, NULL, T0);

	/* After a restart of the server, from the journal. */
	restart(T0 + 100);
	assert_int_equal(lease_of(a)->b.state, DHCP_LEASED);
	assert_string_equal(lease_of(a)->b.name, "tv");
	nevents = 0;
	dhcp_server_announce(srv, T0 + 100);
	assert_int_equal(nevents, 1);
	assert_true(strncmp(events[0], "+tv ", 4) == 0);

	/* Right address: ACK. */
	q.want = a;
	assert_non_null(ask(&q, &lan, T0 + 100));
	assert_int_equal(last->type, DHCPACK);
	assert_int_equal(rmsg.h.yiaddr, a);
	/* Another client's address: NAK, broadcast. */
	q.want = other;
	assert_non_null(ask(&q, &lan, T0 + 101));
	assert_int_equal(last->type, DHCPNAK);
	assert_int_equal(last->dest, DHCP_DEST_BROADCAST);
	assert_int_equal(rmsg.h.yiaddr, 0);
	assert_true(dhcp_opt_has(&rmsg.opts, DHCP_OPT_MESSAGE));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_LEASE_TIME));
	/* Back from another network: NAK. */
	q.want = IP(192, 168, 77, 5);
	assert_non_null(ask(&q, &lan, T0 + 102));
	assert_int_equal(last->type, DHCPNAK);
	/* A free address in the subnet that is not its own: NAK. */
	q.want = range_lan.last;
	assert_non_null(ask(&q, &lan, T0 + 103));
	assert_int_equal(last->type, DHCPNAK);
	/* A client we have no record of: silence, as RFC 2131 4.3.2 says. */
	q.client = 11;
	q.want = range_lan.last;
	assert_null(ask(&q, &lan, T0 + 104));
	assert_int_equal(dhcp_server_stats(srv)->silent, 1);
	/* Without the address it must carry: dropped. */
	q.want = 0;
	assert_null(ask(&q, &lan, T0 + 105));
	assert_int_equal(dhcp_server_stats(srv)->bad_request, 1);
}

static void inform(void **state)
{
	struct rq q = { .type = DHCPINFORM, .client = 12, .ciaddr = IP(192, 168, 1, 77),
			.prl = prl_std, .nprl = sizeof(prl_std) };

	assert_non_null(ask(&q, &(struct dhcp_rx_info){ 2, GW, IP(192, 168, 1, 77) }, T0));
	assert_int_equal(last->type, DHCPACK);
	assert_false(last->durable);
	assert_int_equal(last->dest, DHCP_DEST_CIADDR);
	assert_int_equal(last->dst, IP(192, 168, 1, 77));
	assert_int_equal(rmsg.h.yiaddr, 0);
	assert_int_equal(rmsg.h.ciaddr, IP(192, 168, 1, 77));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_LEASE_TIME));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_T1));
	assert_int_equal(opt32(DHCP_OPT_DNS), GW);
	assert_int_equal(leases_records(dhcp_server_leases(srv)), 0);
}

static void relay(void **state)
{
	const struct dhcp_rx_info via = { .ifindex = 3, .local_addr = IP(172, 30, 0, 1),
					  .src_addr = IP(10, 9, 0, 1) };
	struct rq q = { .type = DHCPDISCOVER, .client = 13, .giaddr = IP(10, 9, 0, 1),
			.relay_info = true };
	const uint8_t *v;
	size_t n, i, lastopt = 0;
	uint32_t a;

	assert_non_null(ask(&q, &via, T0));
	a = rmsg.h.yiaddr;
	assert_true(a >= range_relay.first && a <= range_relay.last);
	assert_int_equal(last->dest, DHCP_DEST_RELAY);
	assert_int_equal(last->dst, IP(10, 9, 0, 1));
	assert_int_equal(last->port, DHCP_SERVER_PORT);
	assert_int_equal(rmsg.h.giaddr, IP(10, 9, 0, 1));
	/* Our address on the interface it came in by is the server id. */
	assert_int_equal(opt32(DHCP_OPT_SERVER_ID), IP(172, 30, 0, 1));
	assert_int_equal(opt32(DHCP_OPT_LEASE_TIME), 600);
	assert_int_equal(opt32(DHCP_OPT_ROUTER), IP(10, 9, 0, 1));
	/* Option 82 back as it came, last. */
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_RELAY_AGENT, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(v, "\x01\x04" "ge-1", 6);
	for (i = DHCP_OPTS_OFF; last->buf[i] != DHCP_OPT_END; i += 2u + last->buf[i + 1])
		lastopt = last->buf[i];
	assert_int_equal(lastopt, DHCP_OPT_RELAY_AGENT);

	q.type = DHCPREQUEST;
	q.sid = IP(172, 30, 0, 1);
	q.want = a;
	assert_non_null(ask(&q, &via, T0 + 1));
	assert_int_equal(last->type, DHCPACK);
	assert_int_equal(last->dest, DHCP_DEST_RELAY);
	/* A NAK through the relay sets the broadcast bit for it. */
	q.sid = 0;
	q.want = IP(10, 9, 0, 200);
	assert_non_null(ask(&q, &via, T0 + 2));
	assert_int_equal(last->type, DHCPNAK);
	assert_int_equal(last->dest, DHCP_DEST_RELAY);
	assert_true(rmsg.h.flags & DHCP_FLAG_BROADCAST);
	/* A relay for a subnet we do not serve: dropped, counted. */
	{
		uint8_t buf[600];
		const struct dhcp_reply *out;

		q.giaddr = IP(10, 77, 0, 1);
		q.type = DHCPDISCOVER;
		assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &via,
						   T0 + 3), -ENOENT);
		assert_int_equal(dhcp_server_flush(srv, &out), 0);
		assert_int_equal(dhcp_server_stats(srv)->no_subnet, 1);
	}
}

static void exhaustion(void **state)
{
	const struct dhcp_rx_info via = { .ifindex = 3, .local_addr = IP(172, 30, 0, 1) };
	struct rq q = { .type = DHCPDISCOVER, .giaddr = IP(10, 8, 0, 1) };
	unsigned c;

	for (c = 20; c < 22; c++) {
		q.client = c;
		q.type = DHCPDISCOVER;
		q.sid = 0;
		assert_non_null(ask(&q, &via, T0));
		q.type = DHCPREQUEST;
		q.sid = IP(172, 30, 0, 1);
		q.want = rmsg.h.yiaddr;
		assert_non_null(ask(&q, &via, T0));
		assert_int_equal(last->type, DHCPACK);
		q.want = 0;
	}
	q.client = 22;
	q.type = DHCPDISCOVER;
	q.sid = 0;
	assert_null(ask(&q, &via, T0 + 1));
	assert_int_equal(dhcp_server_stats(srv)->exhausted, 1);
	/* When a lease expires there is room again. */
	dhcp_server_tick(srv, T0 + 601);
	assert_non_null(ask(&q, &via, T0 + 601));
	assert_int_equal(last->type, DHCPOFFER);
}

/* REQUEST naming another server: the client took its offer, ours goes. */
static void selected_elsewhere(void **state)
{
	struct rq q = { .type = DHCPDISCOVER, .client = 15 };
	uint32_t a;

	assert_non_null(ask(&q, &lan, T0));
	a = rmsg.h.yiaddr;
	assert_int_equal(lease_of(a)->b.state, DHCP_OFFERED);
	q.type = DHCPREQUEST;
	q.sid = IP(192, 168, 1, 2);
	q.want = IP(192, 168, 1, 240);
	assert_null(ask(&q, &lan, T0 + 1));
	assert_int_equal(lease_of(a)->b.state, DHCP_FREE);
	assert_int_equal(dhcp_server_stats(srv)->not_ours, 1);
	/* Asking our server for an address it never offered. */
	q.sid = GW;
	q.want = IP(192, 168, 1, 10);	/* reserved for the NAS */
	assert_non_null(ask(&q, &lan, T0 + 2));
	assert_int_equal(last->type, DHCPNAK);
}

static void names_and_reservations(void **state)
{
	struct rq q = { .type = DHCPDISCOVER, .client = 0xaa, .hostname = "whatever" };
	uint32_t a, b;

	/* The reservation: its address, its name, whatever the client says. */
	nevents = 0;
	a = dora(0xaa, "whatever", T0);
	assert_int_equal(a, IP(192, 168, 1, 10));
	assert_int_equal(nevents, 1);
	assert_string_equal(events[0], "+nas 192.168.1.10 3600");
	/* First holder of a name keeps it; the second gets none. */
	nevents = 0;
	a = dora(30, "box", T0);
	b = dora(31, "box", T0);
	assert_string_equal(lease_of(a)->b.name, "box");
	assert_string_equal(lease_of(b)->b.name, "");
	assert_int_equal(nevents, 1);
	assert_int_equal(dhcp_server_stats(srv)->name_conflicts, 1);
	/* And nobody takes the reservation's. */
	dora(32, "NAS", T0);
	assert_int_equal(dhcp_server_stats(srv)->name_conflicts, 2);
	/* FQDN (option 81) is answered with the name given and S set. */
	q.client = 33;
	q.hostname = NULL;
	q.fqdn = "Study-PC.example.";
	q.type = DHCPDISCOVER;
	assert_non_null(ask(&q, &lan, T0));
	q.type = DHCPREQUEST;
	q.sid = GW;
	q.want = rmsg.h.yiaddr;
	assert_non_null(ask(&q, &lan, T0));
	{
		struct dhcp_fqdn f;

		assert_int_equal(dhcp_opt_fqdn(&rmsg.opts, &f), 0);
		assert_string_equal(f.name, "study-pc.flat1.lan");
		assert_int_equal(f.flags, DHCP_FQDN_S | DHCP_FQDN_O | DHCP_FQDN_E);
		assert_int_equal(f.rcode1, 255);
	}
	/* A lease that runs out takes its name out of the DNS. */
	nevents = 0;
	assert_int_equal(dhcp_server_tick(srv, T0 + 3599), T0 + 3600);
	assert_int_equal(nevents, 0);
	dhcp_server_tick(srv, T0 + 3600);
	assert_int_equal(nevents, 3);		/* nas, box, study-pc */
	assert_int_equal(lease_of(a)->b.state, DHCP_FREE);
	assert_string_equal(lease_of(a)->b.name, "");
	assert_int_equal(lease_of(IP(192, 168, 1, 10))->b.state, DHCP_RESERVED);
}

/* 576 bytes unless the client says more: overflow goes into file/sname. */
static void size_limit(void **state)
{
	static const char *const many[] = {
		"a-rather-long-domain-label-number-one.flat1.example.org",
		"another-quite-long-label-for-the-search.flat2.example.net",
		"and-a-third-one-that-makes-it-overflow.flat3.example.com",
		"fourth-search-domain-with-no-shared-suffix.example.de",
		"fifth-search-domain-to-fill-things-up-well.example.fr",
	};
	struct dhcp_subnet_conf big = subnets[0];
	struct dhcp_server_conf c = { .subnets = &big, .nsubnets = 1 };
	struct rq q = { .type = DHCPDISCOVER, .client = 40, .prl = prl_std, .nprl = sizeof(prl_std) };
	size_t n;

	big.search = many;
	big.nsearch = 5;
	dhcp_server_free(srv);
	assert_int_equal(dhcp_server_new(&c, NULL, NULL, T0, &srv, NULL), 0);
	assert_non_null(ask(&q, &lan, T0));
	assert_true(last->len <= DHCP_MIN_MMS - DHCP_IPUDP_LEN);
	assert_int_not_equal(rmsg.overload, 0);
	assert_non_null(dhcp_opt_get(&rmsg.opts, DHCP_OPT_DOMAIN_SEARCH, &n));
	q.mms = 1500;
	assert_non_null(ask(&q, &lan, T0));
	assert_true(last->len > DHCP_MIN_MMS - DHCP_IPUDP_LEN);
	assert_int_equal(rmsg.overload, 0);
}

/* Many requests, one commit; the batch refuses more until flushed. */
static void batch(void **state)
{
	const struct dhcp_reply *out;
	uint8_t buf[600];
	unsigned i, acks = 0;
	size_t n;

	for (i = 0; i < DHCP_BATCH_MAX; i++) {
		struct rq q = { .type = DHCPDISCOVER, .client = 100 + i };

		assert_false(dhcp_server_full(srv));
		assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &lan, T0), 0);
	}
	assert_true(dhcp_server_full(srv));
	n = dhcp_server_flush(srv, &out);
	assert_int_equal(n, DHCP_BATCH_MAX);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i].type, DHCPOFFER);
	/* Each client requests what it was offered. */
	for (i = 0; i < DHCP_BATCH_MAX; i++) {
		struct rq q = { .type = DHCPREQUEST, .client = 100 + i, .sid = GW };
		const struct dhcp_lease *l;
		struct dhcp_key k;
		uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)(100 + i) };

		dhcp_key_from_hw(&k, 1, mac, 6);
		l = dhcp_pool_by_client(dhcp_server_pool(srv), 0, &k);
		q.want = l->b.addr;
		assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &lan, T0), 0);
	}
	{
		struct rq q = { .type = DHCPDISCOVER, .client = 250 };

		assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &lan, T0),
				 -ENOBUFS);
	}
	assert_int_equal(leases_pending(dhcp_server_leases(srv)), DHCP_BATCH_MAX);
	assert_int_equal(leases_stats(dhcp_server_leases(srv))->commits, 0);
	n = dhcp_server_flush(srv, &out);
	assert_int_equal(n, DHCP_BATCH_MAX);
	for (i = 0; i < n; i++)
		acks += out[i].type == DHCPACK && out[i].durable;
	assert_int_equal(acks, DHCP_BATCH_MAX);
	assert_int_equal(leases_stats(dhcp_server_leases(srv))->commits, 1);
	assert_int_equal(leases_records(dhcp_server_leases(srv)), DHCP_BATCH_MAX);
	assert_int_equal(dhcp_server_stats(srv)->batch_full, 1);
	/* A second flush has nothing more to send. */
	assert_int_equal(dhcp_server_flush(srv, &out), 0);
}

/* The journal cannot be written: ACKs stay behind, OFFERs go, and no name
 * is registered. Then every lease that was ACKed survives a restart. */
static void durability(void **state)
{
	struct rlimit old, lim;
	const struct dhcp_reply *out;
	struct rq q = { .type = DHCPDISCOVER, .client = 50 };
	uint8_t buf[600];
	uint32_t acked[3];
	unsigned i;
	size_t n;

	for (i = 0; i < 3; i++)
		acked[i] = dora(60 + i, i ? NULL : "keep", T0);
	/* An OFFER and an ACK in one batch, and a disk that says no. */
	assert_non_null(ask(&q, &lan, T0));
	q.type = DHCPREQUEST;
	q.sid = GW;
	q.want = rmsg.h.yiaddr;
	assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &lan, T0), 0);
	q = (struct rq){ .type = DHCPDISCOVER, .client = 51 };
	assert_int_equal(dhcp_server_input(srv, buf, build_rq(buf, sizeof(buf), &q), &lan, T0), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = LEASES_HDR_LEN + 3 * LEASES_REC_LEN;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	nevents = 0;
	n = dhcp_server_flush(srv, &out);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].type, DHCPOFFER);
	assert_int_equal(dhcp_server_stats(srv)->withheld, 1);
	assert_int_equal(dhcp_server_stats(srv)->commit_failed, 1);
	assert_int_equal(nevents, 0);
	/* The client asks again and this time it is written. */
	q = (struct rq){ .type = DHCPREQUEST, .client = 50, .sid = GW, .want = q.want };
	{
		struct dhcp_key k;
		uint8_t mac[6] = { 2, 0, 0, 0, 0, 50 };

		dhcp_key_from_hw(&k, 1, mac, 6);
		q.want = dhcp_pool_by_client(dhcp_server_pool(srv), 0, &k)->b.addr;
	}
	assert_non_null(ask(&q, &lan, T0 + 1));
	assert_int_equal(last->type, DHCPACK);

	/* kill -9: nothing but the file survives. */
	restart(T0 + 2);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lease_of(acked[i])->b.state, DHCP_LEASED);
		assert_int_equal(lease_of(acked[i])->b.hw[5], 60 + i);
	}
	assert_string_equal(lease_of(acked[0])->b.name, "keep");
	assert_int_equal(lease_of(q.want)->b.state, DHCP_LEASED);
	/* Each client renews the same address. */
	for (i = 0; i < 3; i++)
		assert_int_equal(dora(60 + i, NULL, T0 + 3), acked[i]);
	assert_int_equal(dhcp_pool_check(dhcp_server_pool(srv)), 0);
}

static void malformed_counted(void **state)
{
	uint8_t buf[600];
	struct rq q = { .type = DHCPDISCOVER, .client = 70 };
	size_t len = build_rq(buf, sizeof(buf), &q);

	assert_int_equal(dhcp_server_input(srv, buf, 100, &lan, T0), -EINVAL);
	assert_int_equal(dhcp_server_stats(srv)->rx_err[DHCP_RX_SHORT], 1);
	buf[2] = 20;
	assert_int_equal(dhcp_server_input(srv, buf, len, &lan, T0), -EINVAL);
	assert_int_equal(dhcp_server_stats(srv)->rx_err[DHCP_RX_BAD_HLEN], 1);
	buf[2] = 6;
	buf[DHCP_OPTS_OFF + 1] = 200;		/* option 53 runs past the end */
	assert_int_equal(dhcp_server_input(srv, buf, len, &lan, T0), -EINVAL);
	assert_int_equal(dhcp_server_stats(srv)->rx_err[DHCP_RX_OPT_OVERRUN], 1);
	buf[DHCP_OPTS_OFF + 1] = 1;
	/* The end option replaced by padding. */
	{
		size_t i;

		for (i = DHCP_OPTS_OFF; buf[i] != DHCP_OPT_END; i += 2u + buf[i + 1])
			;
		buf[i] = 0;
		assert_int_equal(dhcp_server_input(srv, buf, i + 1, &lan, T0), -EINVAL);
		assert_int_equal(dhcp_server_stats(srv)->rx_err[DHCP_RX_NO_END], 1);
	}
	/* A client's reply type sent to the server: ignored. */
	q.type = DHCPOFFER;
	assert_null(ask(&q, &lan, T0));
}

static void set_routes(void **state)
{
	const struct dhcp_route r[] = { { IP(192, 168, 3, 0), 24, GW }, { 0, 0, IP(192, 168, 1, 254) } };
	struct rq q = { .type = DHCPDISCOVER, .client = 80, .prl = prl_std, .nprl = sizeof(prl_std) };
	const struct dhcp_route bad = { IP(192, 168, 3, 1), 24, GW };
	const uint8_t *v;
	size_t n;

	assert_int_equal(dhcp_server_set_routes(srv, 0, r, 2), 0);
	assert_non_null(ask(&q, &lan, T0));
	v = dhcp_opt_get(&rmsg.opts, DHCP_OPT_CLASSLESS_ROUTES, &n);
	/* A list with its own default route gets no second one. */
	assert_int_equal(n, 8 + 5);
	assert_hex(v, "18c0a803c0a80101" "00c0a801fe", n);
	assert_int_equal(dhcp_server_set_routes(srv, 0, &bad, 1), -EINVAL);
	assert_int_equal(dhcp_server_set_routes(srv, 9, r, 1), -EINVAL);
	/* Emptied: no option 121 at all. */
	assert_int_equal(dhcp_server_set_routes(srv, 0, NULL, 0), 0);
	q.client = 81;
	assert_non_null(ask(&q, &lan, T0));
	assert_false(dhcp_opt_has(&rmsg.opts, DHCP_OPT_CLASSLESS_ROUTES));
	assert_string_equal(dhcp_state_name(DHCP_DECLINED), "declined");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(full_dora), T(option_choice), T(renew_and_rebind), T(release), T(decline),
		T(init_reboot), T(inform), T(relay), T(exhaustion), T(selected_elsewhere),
		T(names_and_reservations), T(size_limit), T(batch), T(durability),
		T(malformed_counted), T(set_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
