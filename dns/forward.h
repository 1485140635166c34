/* Split forwarding: domain -> servers, like dnsmasq's server=/domain/ip,
 * and rev-server=cidr,ip turned into the reverse zones of the CIDR. Rules
 * are manual (config) or learned (the other sites' domains and subnets from
 * the mesh); the longest suffix wins, a manual rule over a learned one for
 * the same domain. Each server has a reachability state so that queries
 * for a site that is down get SERVFAIL at once instead of a timeout. Times
 * are nanoseconds on the loop's monotonic scale. */
#ifndef MG_DNS_FORWARD_H
#define MG_DNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/hash.h"
#include "dns/wire.h"
#include "lib/addr.h"

#define DNS_FWD_MAX_SERVERS	4
#define DNS_FWD_TAG_LEN		64

enum dns_fwd_origin { DNS_FWD_MANUAL, DNS_FWD_LEARNED };

struct dns_fwd_server {
	struct mg_addr addr;
	uint16_t port;
	unsigned fails;		/* in a row */
	uint64_t down_until;	/* 0: up; else down, retried from then on */
	uint64_t backoff;
};

struct dns_fwd_rule {
	uint8_t name[DNS_NAME_MAX];	/* lower-case wire */
	uint8_t len;
	enum dns_fwd_origin origin;
	char tag[DNS_FWD_TAG_LEN];	/* the site a learned rule came from */
	unsigned nservers;
	struct dns_fwd_server servers[DNS_FWD_MAX_SERVERS];
};

struct dns_fwd_conf {
	unsigned fail_threshold;	/* failures in a row that mark a server down */
	uint64_t backoff_min, backoff_max;	/* first and longest wait before a retry */
};

struct dns_fwd;

void dns_fwd_conf_default(struct dns_fwd_conf *c);
struct dns_fwd *dns_fwd_new(const struct dns_fwd_conf *conf, const uint8_t key[DNS_HASH_KEYLEN]);
void dns_fwd_free(struct dns_fwd *f);

/* Adds a server to the rule for name (lower-case wire). tag may be NULL.
 * -EINVAL, -ENOSPC (DNS_FWD_MAX_SERVERS), -ENOMEM; a server that is there
 * already is 0. */
int dns_fwd_add(struct dns_fwd *f, const uint8_t *name, size_t len, const struct mg_addr *server,
		uint16_t port, enum dns_fwd_origin origin, const char *tag);
int dns_fwd_add_domain(struct dns_fwd *f, const char *domain, const struct mg_addr *server,
		       uint16_t port, enum dns_fwd_origin origin, const char *tag);
/* One rule per reverse zone of the CIDR (a /22: four /24 zones). */
int dns_fwd_add_rev(struct dns_fwd *f, const struct mg_prefix *cidr, const struct mg_addr *server,
		    uint16_t port, enum dns_fwd_origin origin, const char *tag);
/* dnsmasq syntax, manual rules: "/dom1/dom2/ip[#port]" (a bare "ip[#port]"
 * is the root: every name without a better rule) and "cidr,ip[#port]". */
int dns_fwd_parse_server(struct dns_fwd *f, const char *spec);
int dns_fwd_parse_rev_server(struct dns_fwd *f, const char *spec);
/* Drops every rule of that origin (before the mesh's rules are learned
 * again). */
void dns_fwd_clear(struct dns_fwd *f, enum dns_fwd_origin origin);

/* The rule for a lower-case name, or NULL: ask the default upstream. */
struct dns_fwd_rule *dns_fwd_match(const struct dns_fwd *f, const uint8_t *name, size_t len);
/* The server to ask now, or NULL when all are down (answer SERVFAIL). A
 * down server whose wait is over is handed out once as a probe. */
const struct dns_fwd_server *dns_fwd_pick(struct dns_fwd_rule *r, uint64_t now);
/* Whether a query to that server got an answer; applies to that server in
 * every rule. */
void dns_fwd_report(struct dns_fwd *f, const struct mg_addr *addr, uint16_t port, uint64_t now,
		    bool ok);

unsigned dns_fwd_count(const struct dns_fwd *f);
const struct dns_fwd_rule *dns_fwd_rule_at(const struct dns_fwd *f, unsigned i);

#endif
