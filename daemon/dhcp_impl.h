/* The DHCP service's insides, shared by daemon/dhcp.c (life cycle),
 * daemon/dhcp_conf.c ([dhcp] texts parsed, the server's configuration
 * built), daemon/dhcp_check.c (--check-config's errors on their lines)
 * and daemon/dhcp_report.c (`meshgate leases`, status). */
#ifndef MG_DAEMON_DHCP_IMPL_H
#define MG_DAEMON_DHCP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>

#include "core/log.h"
#include "daemon/conf.h"
#include "daemon/dhcp.h"
#include "dhcp/dhcp.h"
#include "dhcp/server.h"

#define DHCP_MAX_RANGES 64
#define DHCP_MAX_STATIC_ROUTES 64
#define DHCP_MAX_MESH_ROUTES 256
#define DHCP_MAX_SEARCH 16

/* Everything the server is built from, in a canonical form (zeroed, then
 * filled field by field) so two can be compared with memcmp. */
struct dhcp_inputs {
	struct dhcp_conf dhcp;
	uint32_t nres;
	struct dhcp_reservation_conf res[CONF_MAX_DHCP_RESERVATIONS];
	char site_domain[254];
	bool dns_serves;		/* [dns] listens: the default DNS server is us */
	uint32_t vip;			/* a [vrrp] IPv4 VIP on the interface, in a subnet */
	char leases_path[CONF_PATH_MAX + 16];
};

/* The server's configuration, which must outlive the server. */
struct dhcp_build {
	struct dhcp_server_conf sc;
	struct dhcp_subnet_conf subnets[CFG_LIST_MAX];
	int local;			/* the subnet holding gw, or -1 */
	uint32_t gw;			/* this gateway's address, 0 if unknown */
	struct dhcp_range ranges[DHCP_MAX_RANGES];
	struct dhcp_reservation res[CONF_MAX_DHCP_RESERVATIONS];
	uint32_t routers[CFG_LIST_MAX + 1];
	uint32_t dns[CFG_LIST_MAX], ntp[CFG_LIST_MAX];
	char domain[254];
	char search_buf[CONF_DHCP_TEXT];
	const char *search[DHCP_MAX_SEARCH];
	struct dhcp_route statics[DHCP_MAX_STATIC_ROUTES];	/* gw 0: ours */
	size_t nstatics;
	struct dhcp_route routes[DHCP_MAX_STATIC_ROUTES];	/* grouped by subnet */
};

struct loop_timer;
struct dhcp_io;

struct dhcp_service {
	struct loop *loop;
	struct dhcp_inputs in;
	struct dhcp_build *build;
	struct dhcp_server *srv;
	struct dhcp_io *io;
	struct loop_timer *retry;
	char waiting[160];		/* why it does not serve; "" when it does */
	bool broken;			/* an error a retry will not fix */
	struct dhcp_service_names names;
	struct mg_prefix *mesh;		/* the other sites' subnets */
	size_t nmesh;
	struct dhcp_route route_scratch[DHCP_MAX_STATIC_ROUTES + DHCP_MAX_MESH_ROUTES + 1];
	uint64_t rebuilds;
};

/* ---- daemon/dhcp_conf.c ---- */

/* The [dhcp] texts. Each returns 0 or -EINVAL with what is wrong in why. */
int dhcp_parse_ranges(const char *text, struct dhcp_range *out, size_t max, size_t *n,
		      char *why, size_t len);
int dhcp_parse_routes(const char *text, struct dhcp_route *out, size_t max, size_t *n,
		      char *why, size_t len);
int dhcp_parse_search(const char *text, char *buf, size_t cap, const char **names, size_t max,
		      size_t *n, char *why, size_t len);
int dhcp_parse_mac(const char *text, uint8_t mac[6]);
int dhcp_parse_cid(const char *text, uint8_t *cid, size_t max, size_t *n);

/* Fills in from c, canonically. */
void dhcp_inputs_from_conf(struct dhcp_inputs *in, const struct mg_conf *c);

/* Builds the server's configuration from in, with gw as this gateway's
 * address (0: unknown; then no defaults that need it). 0, or -EINVAL with
 * why (the texts were checked by conf.c: this is a bug or a race). */
int dhcp_build_conf(struct dhcp_build *b, const struct dhcp_inputs *in, uint32_t gw,
		    char *why, size_t len);

/* The routes of subnet i: its static ones, and for the local subnet the
 * mesh's through gw. Returns how many were written to out[0..max). */
size_t dhcp_build_routes(const struct dhcp_build *b, unsigned i, const struct mg_prefix *mesh,
			 size_t nmesh, struct dhcp_route *out, size_t max);

/* "a.b.c.d", host byte order. */
const char *dhcp_ip_fmt(uint32_t a, char buf[16]);

static inline uint32_t dhcp_v4(const struct mg_addr *a)
{
	return ntohl(a->u.v4.s_addr);
}

static inline uint32_t dhcp_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static inline bool dhcp_in_net(uint32_t net, uint8_t len, uint32_t a)
{
	return (a & dhcp_mask(len)) == net;
}

/* ---- daemon/dhcp_check.c ---- */

/* dhcp_conf_check (daemon/dhcp.h) is there. */

#endif
