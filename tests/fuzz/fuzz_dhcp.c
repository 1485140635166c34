/* DHCP fuzz target: arbitrary bytes through the parser and the server.
 * Input: one byte of flags, then datagrams each prefixed by a 16-bit
 * big-endian length (what is left after the last whole one is one more).
 *   bits 0-2: seconds the clock moves between datagrams (times 7)
 *   bit 3:    datagrams arrive on the relay-facing interface
 *   bit 4:    flush after every datagram, else every fourth
 * Every datagram the parser accepts must build back to the same options;
 * every reply must parse; the pool's indexes must stay consistent. The
 * seeds in corpus/dhcp are DISCOVER/REQUEST/RENEW/RELEASE/DECLINE/INFORM
 * exchanges made with dhcp_build, in this framing. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/options.h"
#include "dhcp/server.h"
#include "dhcp/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct dhcp_range lan_range = { IP(192, 168, 1, 100), IP(192, 168, 1, 107) };
static const struct dhcp_range relay_range = { IP(10, 9, 0, 50), IP(10, 9, 0, 52) };
static const uint32_t gw[1] = { IP(192, 168, 1, 1) };
static const char *const search[] = { "flat1.lan", "mesh.lan" };
static const struct dhcp_route routes[] = { { IP(192, 168, 2, 0), 24, IP(192, 168, 1, 1) } };
static const struct dhcp_reservation res[] = {
	{ .mac = { 0x52, 0x54, 0, 0, 0, 0xaa }, .has_mac = true, .addr = IP(192, 168, 1, 10),
	  .name = "nas" },
	{ .cid = { 1, 0x52, 0x54, 0, 0, 0, 0xbb }, .cid_len = 7, .addr = IP(192, 168, 1, 104) },
};
static const struct dhcp_subnet_conf subnets[] = {
	{ .network = IP(192, 168, 1, 0), .prefix_len = 24, .ranges = &lan_range, .nranges = 1,
	  .reservations = res, .nreservations = 2, .lease_time = 600, .routers = gw,
	  .nrouters = 1, .dns = gw, .ndns = 1, .domain = "flat1.lan", .search = search,
	  .nsearch = 2, .mtu = 1400, .routes = routes, .nroutes = 1 },
	{ .network = IP(10, 9, 0, 0), .prefix_len = 24, .ranges = &relay_range, .nranges = 1,
	  .lease_time = 300 },
};
static const struct dhcp_server_conf conf = {
	.subnets = subnets, .nsubnets = 2, .offer_hold = 20, .decline_hold = 100,
};

static struct dhcp_msg msg, again;
static struct dhcp_optlist list;

static void name_on(void *ctx, const char *name, uint32_t addr, uint64_t expires)
{
	if (!name[0] || strlen(name) > DHCP_LABEL_MAX)
		abort();
}

static void name_gone(void *ctx, const char *name, uint32_t addr)
{
	if (!name[0])
		abort();
}

static const struct dhcp_name_ops names = { name_on, name_gone, NULL };

/* Options parsed, written out again, parsed again: the same values. */
static void round_trip(const uint8_t *buf, size_t len)
{
	static uint8_t out[2 * DHCP_MAX_LEN];
	const uint8_t *v, *w;
	unsigned dropped;
	size_t n, m;
	int code, r;

	if (dhcp_parse(buf, len, BOOTREQUEST, &msg, NULL))
		return;
	dhcp_optlist_init(&list);
	for (code = 1; code < 255; code++)
		if (code != DHCP_OPT_OVERLOAD && (v = dhcp_opt_get(&msg.opts, (uint8_t)code, &n)))
			if (dhcp_optlist_put(&list, (uint8_t)code, v, n))
				return;		/* more codes than a list holds */
	r = dhcp_build(out, sizeof(out), sizeof(out), &msg.h, &list, &dropped);
	if (r < 0 || dropped)
		abort();
	if (r > DHCP_MAX_LEN)
		return;		/* the file and sname fields had carried some */
	if (dhcp_parse(out, (size_t)r, BOOTREQUEST, &again, NULL))
		abort();
	if (memcmp(&msg.h, &again.h, sizeof(msg.h)))
		abort();
	for (code = 1; code < 255; code++) {
		if (code == DHCP_OPT_OVERLOAD)
			continue;
		v = dhcp_opt_get(&msg.opts, (uint8_t)code, &n);
		w = dhcp_opt_get(&again.opts, (uint8_t)code, &m);
		if (!v != !w || (v && (n != m || memcmp(v, w, n))))
			abort();
	}
}

static void check_replies(struct dhcp_server *s)
{
	const struct dhcp_reply *out;
	size_t n = dhcp_server_flush(s, &out), i;

	for (i = 0; i < n; i++) {
		if (out[i].len > DHCP_REPLY_MAX || out[i].len < DHCP_OPTS_OFF + 1)
			abort();
		if (dhcp_parse(out[i].buf, out[i].len, BOOTREPLY, &again, NULL))
			abort();
		if (dhcp_msg_type(&again) != out[i].type)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dhcp_rx_info lan = { .ifindex = 2, .local_addr = gw[0] };
	const struct dhcp_rx_info relay = { .ifindex = 3, .local_addr = IP(172, 30, 0, 1),
					    .src_addr = IP(10, 9, 0, 1) };
	struct dhcp_server *s;
	uint64_t now = 1700000000;
	uint8_t flags;
	unsigned count = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (dhcp_server_new(&conf, NULL, &names, now, &s, NULL))
		abort();
	while (size) {
		size_t len = size;

		if (size >= 2 && 2 + ((size_t)data[0] << 8 | data[1]) <= size) {
			len = (size_t)data[0] << 8 | data[1];
			data += 2;
			size -= 2;
		}
		round_trip(data, len);
		if (dhcp_server_full(s))
			check_replies(s);
		dhcp_server_input(s, data, len, flags & 8 ? &relay : &lan, now);
		if (flags & 16 || ++count % 4 == 0)
			check_replies(s);
		now += 7u * (flags & 7);
		if (dhcp_server_tick(s, now) < now)
			abort();
		data += len;
		size -= len;
	}
	check_replies(s);
	if (dhcp_pool_check(dhcp_server_pool(s)))
		abort();
	dhcp_server_free(s);
	return 0;
}
