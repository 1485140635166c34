/* meshgated's DHCP service: [dhcp] made into a dhcp/server with its lease
 * journal, served on the LAN interface by dhcp/io.
 *
 * The service object lives as long as the daemon, idle while [dhcp] names
 * no interface, so the DNS hooks and the mesh's routes given to it stay
 * through reloads. A reload that changes [dhcp] rebuilds the server from
 * the same journal: every ACKed lease stays; offers in flight are asked
 * again. It waits (and retries every second) while its interface is
 * absent or has no address in a [dhcp] subnet.
 *
 * "This gateway's address" is the VIP of a [vrrp] router on the interface
 * when there is one inside a subnet, else the interface's own address
 * there: the default router, the default DNS server when [dns] listens,
 * and the gateway of the other sites' subnets in option 121. */
#ifndef MG_DAEMON_DHCP_H
#define MG_DAEMON_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "daemon/conf.h"

struct control;
struct loop;
struct nlmon_event;
struct report;
struct dhcp_service;

/* The DNS side of the leases (both may be NULL): name.<domain> and the
 * reverse point at addr (host byte order) until expires (wall-clock s),
 * and stop to. */
struct dhcp_service_names {
	void (*on_lease_name)(void *ctx, const char *name, uint32_t addr, uint64_t expires);
	void (*on_lease_name_gone)(void *ctx, const char *name, uint32_t addr);
	void *ctx;
};

/* Creates the service and starts serving c's [dhcp] if it names an
 * interface. 0 or -errno (a lease journal that cannot be read is an
 * error: the leases in it must not be given away). */
int dhcp_service_new(struct loop *loop, const struct mg_conf *c, struct dhcp_service **out);
void dhcp_service_free(struct dhcp_service *s);	/* NULL is fine */

/* Applies next's [dhcp] (and what it takes from [site], [dns], [vrrp],
 * [node]): unchanged, nothing happens. On error the server in force goes
 * on. */
int dhcp_service_reload(struct dhcp_service *s, const struct mg_conf *next);

/* Connects the DNS side; every named lease still valid is told at once. */
void dhcp_service_set_names(struct dhcp_service *s, const struct dhcp_service_names *names);

/* The other sites' subnets (IPv6 and this site's own are skipped): they
 * become option 121 routes through this gateway's address, beside the
 * static ones of [dhcp] route. Copied. 0, -E2BIG if the option would not
 * fit in a reply, or -errno; then the previous routes stay. */
int dhcp_service_set_routes(struct dhcp_service *s, const struct mg_prefix *subnets, size_t n);

/* Link events: the interface going away stops serving until it is back. */
void dhcp_service_netlink(struct dhcp_service *s, const struct nlmon_event *ev);

/* The `leases` control command, answering from *s. */
int dhcp_service_register(struct dhcp_service **s, struct control *ctl);
/* One line for `meshgate status`, and the counters under "dhcp". */
void dhcp_service_status_line(const struct dhcp_service *s, char *buf, size_t len);
void dhcp_service_report(const struct dhcp_service *s, struct report *r);

/* conf.c's checks of [dhcp] and [dhcp-reservation]: errors name the file
 * and line (text: the string parsed, NULL when reading file and conf.d).
 * Returns the number of errors. */
int dhcp_conf_check(const struct mg_conf *c, const char *file, const char *text,
		    cfg_error_fn err, void *arg);

#endif
