/* meshgated's DNS service: [site] domain and subnets, [dns] records and a
 * hosts file become the site's zones (and their reverse zones); [dns] server
 * and rev-server, and the other sites learned from the mesh, become
 * forwarding rules; everything else goes upstream with a cache and
 * rebinding protection. Served by dns/server on the [dns] listen addresses
 * only; nothing listens while there are none.
 *
 * The service object lives as long as the daemon, so the sites and members
 * the mesh gives it, and the DHCP leases, stay through reloads. A reload
 * keeps the cache: it swaps the zones and the manual rules, and reopens
 * sockets or the upstream channel only when their keys changed. */
#ifndef MG_DAEMON_DNS_H
#define MG_DAEMON_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "daemon/conf.h"

struct control;
struct loop;
struct report;
struct dns_service;

/* Another site, as the mesh knows it: its domain and subnets are forwarded
 * to its resolver (a gateway's mesh address). Several entries of one
 * domain are that site's several gateways. */
struct dns_site {
	const char *name;
	const char *domain;		/* NULL or "": no domain rule */
	const struct mg_prefix *subnets;
	size_t nsubnets;
	struct mg_addr resolver;
	uint16_t port;			/* 0: 53 */
};

/* Creates the service and serves c's [dns] if it has listen addresses.
 * 0 or -errno (a listen address that cannot be bound is an error). */
int dns_service_new(struct loop *loop, const struct mg_conf *c, struct dns_service **out);
void dns_service_free(struct dns_service *s);		/* NULL is fine */

/* Applies next. On error what was serving goes on where it can. */
int dns_service_reload(struct dns_service *s, const struct mg_conf *next);

/* The learned forwarding rules: replaces the previous set (nothing happens
 * when it is the same). This site's own domain and subnets are skipped.
 * Copied. */
void dns_service_set_sites(struct dns_service *s, const struct dns_site *sites, size_t n);

/* A mesh member's names: NAME.<[dns] mesh-domain> with the first address of
 * each family (kept, and used, only while mesh-domain is set). */
void dns_service_set_member(struct dns_service *s, const char *name, const struct mg_addr *addrs,
			    size_t n);
void dns_service_remove_member(struct dns_service *s, const char *name);
/* Removes every member for which keep(name, arg) is false. */
void dns_service_prune_members(struct dns_service *s, bool (*keep)(const char *name, void *arg),
			       void *arg);

/* A name with an expiry (a DHCP lease): NAME.<[site] domain> until
 * expires_ns (loop_now() scale). 0, -ENOENT (no site domain), -EEXIST
 * (static data there), -EINVAL. */
int dns_service_set_host(struct dns_service *s, const char *name, const struct mg_addr *addr,
			 uint64_t expires_ns);
int dns_service_remove_host(struct dns_service *s, const char *name, int family);
/* The same, as dhcp_service_names' callbacks take them (ctx: the service;
 * addr in host byte order; expires in wall-clock seconds). */
void dns_service_lease_name(void *ctx, const char *name, uint32_t addr, uint64_t expires);
void dns_service_lease_name_gone(void *ctx, const char *name, uint32_t addr);

/* Whether it answers (for track-health "dns"). */
bool dns_service_serving(const struct dns_service *s);

/* The `dns` control command (and `dns flush`), answering from *s. */
int dns_service_register(struct dns_service **s, struct control *ctl);
/* One line for `meshgate status`. */
void dns_service_status_line(const struct dns_service *s, char *buf, size_t len);

/* conf.c's checks of [dns]: rules, records and domains as the service will
 * read them; errors name the file and line (text: the string parsed, NULL
 * when reading file and conf.d). Returns the number of errors. */
int dns_conf_check(const struct mg_conf *c, const char *file, const char *text,
		   cfg_error_fn err, void *arg);

#endif
