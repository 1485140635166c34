/* What [site] and [dns] make: the zones (site domain, mesh domain, the
 * reverse zones, records, the hosts file, this gateway's own names), the
 * manual forwarding rules, the rebinding allow list and the source allow
 * list; and conf.c's check of the same keys. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "daemon/conf_where.h"
#include "daemon/dns_impl.h"
#include "dns/forward.h"
#include "dns/rebind.h"
#include "dns/zone.h"
#include "lib/atomicfile.h"

#define HOSTS_MAX (1u << 20)

int dns_list_each(const char *text, bool spaces, int (*cb)(void *arg, const char *item),
		  void *arg)
{
	char item[CONF_DNS_TEXT];
	const char *p = text;

	while (*p) {
		bool quoted = false;
		size_t n = 0;
		int r;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		for (; *p; p++) {
			if (*p == '"')
				quoted = !quoted;
			if (!quoted && (*p == ',' || (spaces && isspace((unsigned char)*p))))
				break;
			if (n + 1 < sizeof(item))
				item[n++] = *p;
		}
		while (n && isspace((unsigned char)item[n - 1]))
			n--;
		item[n] = '\0';
		r = cb(arg, item);
		if (r)
			return r;
	}
	return 0;
}

/* ---- zones ---- */

struct build {
	struct zone_db *db;
	const char *what;
	unsigned *errors;
	uint64_t now;
};

static int add_record(void *arg, const char *item)
{
	struct build *b = arg;
	char why[160] = "";

	if (zone_add_record(b->db, item, why, sizeof(why)) < 0) {
		log_err("dns: record '%s' left out: %s", item, why[0] ? why : "not valid");
		(*b->errors)++;
	}
	return 0;
}

/* /etc/hosts lines: an address, then names; '#' starts a comment. */
static void add_hosts(struct build *b, const char *path)
{
	char *text = malloc(HOSTS_MAX + 1), *line, *save = NULL;
	unsigned lineno = 0, skipped = 0;
	size_t len;
	int r;

	if (!text || (r = atomicfile_read(path, text, HOSTS_MAX, &len)) < 0) {
		log_err("dns: cannot read hosts-file %s: %s", path, strerror(text ? -r : ENOMEM));
		(*b->errors)++;
		free(text);
		return;
	}
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *tok, *ts = NULL;
		struct mg_addr a;

		lineno++;
		if (hash)
			*hash = '\0';
		tok = strtok_r(line, " \t\r", &ts);
		if (!tok)
			continue;
		if (mg_addr_parse(tok, &a) < 0) {
			log_warn("dns: %s:%u: '%s' is not an address", path, lineno, tok);
			(*b->errors)++;
			continue;
		}
		while ((tok = strtok_r(NULL, " \t\r", &ts))) {
			r = zone_add_addr(b->db, tok, &a);
			if (r == -ENOENT || r == -EINVAL)
				skipped++;	/* localhost, names of other domains */
			else if (r < 0 && r != -EEXIST)
				(*b->errors)++;
		}
	}
	if (skipped)
		log_info("dns: %s: %u names outside our zones left out", path, skipped);
	free(text);
}

/* Leases and members outlive a rebuild; names no longer in a zone go. */
static void copy_dyn(void *arg, const uint8_t *name, size_t len, const struct mg_addr *a,
		     uint64_t expires)
{
	char text[DNS_NAME_STRLEN];

	zone_dyn_set(arg, dns_name_to_str(name, len, text, sizeof(text)), a, expires);
}

static uint32_t serial_now(void)
{
	return (uint32_t)time(NULL);
}

/* This gateway: NODE.<site domain> at its listen addresses inside the
 * site, and NODE.<mesh domain> at its mesh addresses. */
static void add_self(struct build *b, const struct mg_conf *c)
{
	const char *node = c->node.name;
	char name[320];

	if (!node[0])
		return;
	for (uint32_t i = 0; c->site.domain[0] && i < c->dns.listen.n; i++) {
		for (uint32_t k = 0; k < c->site.subnet.n; k++) {
			if (!mg_prefix_contains(&c->site.subnet.v[k], &c->dns.listen.v[i]))
				continue;
			snprintf(name, sizeof(name), "%s.%s.", node, c->site.domain);
			zone_add_addr(b->db, name, &c->dns.listen.v[i]);
			break;
		}
	}
	for (uint32_t i = 0; c->dns.mesh_domain[0] && i < c->mesh.address.n; i++) {
		snprintf(name, sizeof(name), "%s.%s.", node, c->dns.mesh_domain);
		zone_add_addr(b->db, name, &c->mesh.address.v[i].addr);
	}
}

static void add_domains(struct build *b, const struct mg_conf *c)
{
	int r;

	if (c->site.domain[0] && (r = zone_add_domain(b->db, c->site.domain)) < 0) {
		log_err("dns: [site] domain %s: %s", c->site.domain, strerror(-r));
		(*b->errors)++;
	}
	if (c->dns.mesh_domain[0] && (r = zone_add_domain(b->db, c->dns.mesh_domain)) < 0) {
		log_err("dns: [dns] mesh-domain %s: %s", c->dns.mesh_domain, strerror(-r));
		(*b->errors)++;
	}
	for (uint32_t i = 0; i < c->site.subnet.n; i++)
		if (zone_add_subnet(b->db, &c->site.subnet.v[i]) < 0)
			(*b->errors)++;
	/* The mesh's reverse zone, for its members' names. */
	for (uint32_t i = 0; c->dns.mesh_domain[0] && i < c->mesh.address.n; i++) {
		struct mg_prefix p = c->mesh.address.v[i];

		mg_prefix_mask(&p);
		r = zone_add_subnet(b->db, &p);
		if (r < 0 && r != -EEXIST)
			(*b->errors)++;
	}
}

struct zone_db *dns_zones_build(const struct dns_service *s, const struct mg_conf *c,
				const struct zone_db *old, uint64_t now, unsigned *errors)
{
	struct zone_params zp;
	struct build b = { .errors = errors, .now = now };
	char ns[320], hm[320];

	zone_params_default(&zp);
	zp.serial = serial_now();
	if (c->site.domain[0] && c->node.name[0]) {
		snprintf(ns, sizeof(ns), "%s.%s.", c->node.name, c->site.domain);
		snprintf(hm, sizeof(hm), "hostmaster.%s.", c->site.domain);
		zp.ns_name = ns;
		zp.hostmaster = hm;
	}
	b.db = zone_db_new(&zp, s->key);
	if (!b.db && zp.ns_name) {	/* a node name DNS cannot hold */
		zp.ns_name = NULL;
		b.db = zone_db_new(&zp, s->key);
	}
	if (!b.db)
		return NULL;
	add_domains(&b, c);
	if (c->dns.record[0])
		dns_list_each(c->dns.record, false, add_record, &b);
	if (c->dns.hosts_file[0])
		add_hosts(&b, c->dns.hosts_file);
	add_self(&b, c);
	if (old)
		zone_dyn_walk(old, now, copy_dyn, b.db);
	return b.db;
}

/* ---- rules ---- */

static int add_server(void *arg, const char *item)
{
	int r = dns_fwd_parse_server(arg, item);

	if (r < 0)
		log_err("dns: server '%s' left out: %s", item, strerror(-r));
	return 0;
}

struct rev_pairs {
	struct dns_fwd *f;		/* NULL: only check */
	char cidr[MG_PREFIX_STRLEN];
	unsigned errors;
	char bad[CONF_DNS_TEXT];
};

/* Items alternate: a CIDR, then its server. */
static int add_rev(void *arg, const char *item)
{
	struct rev_pairs *rp = arg;
	char spec[MG_PREFIX_STRLEN + CONF_DNS_TEXT + 2];
	struct dns_fwd_conf fc;
	struct dns_fwd *scratch = NULL;
	int r;

	if (!rp->cidr[0]) {
		if (strlen(item) >= sizeof(rp->cidr) || !strchr(item, '/')) {
			rp->errors++;
			snprintf(rp->bad, sizeof(rp->bad), "%s", item);
			return 0;
		}
		snprintf(rp->cidr, sizeof(rp->cidr), "%s", item);
		return 0;
	}
	snprintf(spec, sizeof(spec), "%s,%s", rp->cidr, item);
	rp->cidr[0] = '\0';
	if (!rp->f) {
		static const uint8_t zero[DNS_HASH_KEYLEN];

		dns_fwd_conf_default(&fc);
		scratch = dns_fwd_new(&fc, zero);
		if (!scratch)
			return -ENOMEM;
	}
	r = dns_fwd_parse_rev_server(rp->f ? rp->f : scratch, spec);
	dns_fwd_free(scratch);
	if (r < 0) {
		rp->errors++;
		snprintf(rp->bad, sizeof(rp->bad), "%.200s", spec);
		if (rp->f)
			log_err("dns: rev-server '%s' left out: %s", spec, strerror(-r));
	}
	return 0;
}

int dns_rules_manual(struct dns_fwd *f, const struct dns_conf *dc)
{
	struct rev_pairs rp = { .f = f };

	dns_fwd_clear(f, DNS_FWD_MANUAL);
	dns_list_each(dc->server, true, add_server, f);
	dns_list_each(dc->rev_server, true, add_rev, &rp);
	if (rp.cidr[0])
		log_err("dns: rev-server '%s' has no server", rp.cidr);
	return 0;
}

static int allow_rebind(void *arg, const char *item)
{
	if (dns_rebind_allow(arg, item) < 0)
		log_err("dns: rebind-allow '%s' left out: not a domain", item);
	return 0;
}

struct dns_rebind *dns_rebind_build(const uint8_t *key, const struct dns_conf *dc)
{
	struct dns_rebind *rb = dns_rebind_new(key);

	if (rb)
		dns_list_each(dc->rebind_allow, true, allow_rebind, rb);
	return rb;
}

size_t dns_allow_list(const struct cfg_prefix_list *allow, const struct cfg_prefix_list *subnets,
		      const struct cfg_prefix_list *mesh, struct mg_prefix *out, size_t max)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1/128" };
	size_t n = 0;

	if (allow->n) {
		for (uint32_t i = 0; i < allow->n && n < max; i++)
			out[n++] = allow->v[i];
		return n;
	}
	for (uint32_t i = 0; i < subnets->n && n < max; i++)
		out[n++] = subnets->v[i];
	for (uint32_t i = 0; i < mesh->n && n < max; i++) {
		out[n] = mesh->v[i];
		mg_prefix_mask(&out[n++]);
	}
	for (size_t i = 0; i < 2 && n < max; i++) {
		bool dup = false;

		if (mg_prefix_parse(loopback[i], false, &out[n]) < 0)
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			dup = mg_prefix_eq(&out[k], &out[n]);
		n += !dup;
	}
	return n;
}

/* ---- conf.c's check ---- */

struct check {
	struct conf_where at;
	cfg_error_fn err;
	void *arg;
	int errors;
	struct dns_fwd *f;
	struct zone_db *db;
};

static void check_fail(struct check *ck, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_fail(struct check *ck, const char *key, const char *fmt, ...)
{
	const char *file;
	unsigned line;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck->errors++;
	if (!ck->err)
		return;
	line = conf_where_line(&ck->at, "dns", false, 0, key, &file);
	ck->err(ck->arg, file, line, msg);
}

/* An error about one rule of a key that may be written on several lines:
 * the line named is the one holding that rule. */
#define check_fail_at(ck_, key_, text_, ...) do {		\
		(ck_)->at.item = (text_);			\
		check_fail((ck_), (key_), __VA_ARGS__);		\
		(ck_)->at.item = NULL;				\
	} while (0)

static int check_server(void *arg, const char *item)
{
	struct check *ck = arg;

	if (dns_fwd_parse_server(ck->f, item) < 0)
		check_fail_at(ck, "server", item, "[dns] server: '%.64s' is not "
			      "/domain/.../address[#port] or address[#port]", item);
	return 0;
}

static int check_record(void *arg, const char *item)
{
	struct check *ck = arg;
	char why[160] = "";

	if (ck->db && zone_add_record(ck->db, item, why, sizeof(why)) < 0)
		check_fail_at(ck, "record", item, "[dns] record: '%.64s': %s", item,
			      why[0] ? why : "not valid");
	return 0;
}

static int check_domain(void *arg, const char *item)
{
	struct check *ck = arg;
	uint8_t wire[DNS_NAME_MAX];

	if (dns_name_from_str(item, wire, sizeof(wire)) < 0)
		check_fail_at(ck, "rebind-allow", item, "[dns] rebind-allow: '%.64s' is not a "
			      "domain", item);
	return 0;
}

static void check_records(struct check *ck, const struct mg_conf *c)
{
	static const uint8_t zero[DNS_HASH_KEYLEN];
	const struct dns_conf *d = &c->dns;
	struct zone_params zp;

	if (!c->site.domain[0] && !d->mesh_domain[0]) {
		check_fail(ck, "record", "[dns] record needs [site] domain: records live in the "
			   "site's zone");
		return;
	}
	zone_params_default(&zp);
	ck->db = zone_db_new(&zp, zero);
	if (!ck->db)
		return;
	if (c->site.domain[0])
		zone_add_domain(ck->db, c->site.domain);
	if (d->mesh_domain[0])
		zone_add_domain(ck->db, d->mesh_domain);
	for (uint32_t i = 0; i < c->site.subnet.n; i++)
		zone_add_subnet(ck->db, &c->site.subnet.v[i]);
	dns_list_each(d->record, false, check_record, ck);
	zone_db_free(ck->db);
	ck->db = NULL;
}

int dns_conf_check(const struct mg_conf *c, const char *file, const char *text,
		   cfg_error_fn err, void *arg)
{
	static const uint8_t zero[DNS_HASH_KEYLEN];
	const struct dns_conf *d = &c->dns;
	struct rev_pairs rp = { .f = NULL };
	struct dns_fwd_conf fc;
	char buf[MG_PREFIX_STRLEN];
	struct check *ck = calloc(1, sizeof(*ck));
	int errors;

	if (!ck)
		return 1;
	ck->err = err;
	ck->arg = arg;
	ck->at.file = file;
	ck->at.text = text;
	if (d->listen.n && d->port == 0)
		check_fail(ck, "port", "[dns] port must be set when listen is");
	for (uint32_t i = 0; i < d->listen.n; i++) {
		static const uint8_t any[16];

		if (memcmp(d->listen.v[i].u.bytes, any, mg_addr_len(&d->listen.v[i])) == 0)
			check_fail(ck, "listen", "[dns] listen = %s: not the wildcard; list this "
				   "gateway's LAN, mesh and VIP addresses (an open resolver on "
				   "the WAN side gets abused)",
				   mg_addr_fmt(&d->listen.v[i], buf, sizeof(buf)));
	}
	if (d->mesh_domain[0] && strcmp(d->mesh_domain, c->site.domain) == 0)
		check_fail(ck, "mesh-domain", "[dns] mesh-domain is [site] domain: give the mesh "
			   "its own, like mesh.%s", c->site.domain);
	dns_fwd_conf_default(&fc);
	ck->f = dns_fwd_new(&fc, zero);
	if (ck->f)
		dns_list_each(d->server, true, check_server, ck);
	dns_fwd_free(ck->f);
	dns_list_each(d->rev_server, true, add_rev, &rp);
	if (rp.errors)
		check_fail_at(ck, "rev-server", rp.bad, "[dns] rev-server: '%.64s' is not "
			      "network,address[#port], like 10.2.0.0/24,10.2.0.53", rp.bad);
	else if (rp.cidr[0])
		check_fail_at(ck, "rev-server", rp.cidr, "[dns] rev-server: %s has no server "
			      "after it", rp.cidr);
	if (d->record[0])
		check_records(ck, c);
	dns_list_each(d->rebind_allow, true, check_domain, ck);
	errors = ck->errors;
	free(ck);
	return errors;
}
