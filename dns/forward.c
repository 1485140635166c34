#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/forward.h"
#include "dns/nameset.h"
#include "dns/rev.h"

struct dns_fwd {
	struct dns_fwd_conf conf;
	struct dns_nameset set[2];	/* by origin */
	struct dns_fwd_rule **rules;
	unsigned n;
};

void dns_fwd_conf_default(struct dns_fwd_conf *c)
{
	c->fail_threshold = 2;
	c->backoff_min = 1000000000ULL;
	c->backoff_max = 60000000000ULL;
}

struct dns_fwd *dns_fwd_new(const struct dns_fwd_conf *conf, const uint8_t key[DNS_HASH_KEYLEN])
{
	struct dns_fwd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->conf = *conf;
	if (!f->conf.fail_threshold)
		f->conf.fail_threshold = 1;
	dns_nameset_init(&f->set[0], key);
	dns_nameset_init(&f->set[1], key);
	return f;
}

void dns_fwd_free(struct dns_fwd *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->n; i++)
		free(f->rules[i]);
	free(f->rules);
	dns_nameset_fini(&f->set[0]);
	dns_nameset_fini(&f->set[1]);
	free(f);
}

int dns_fwd_add(struct dns_fwd *f, const uint8_t *name, size_t len, const struct mg_addr *server,
		uint16_t port, enum dns_fwd_origin origin, const char *tag)
{
	struct dns_nameset *set = &f->set[origin == DNS_FWD_LEARNED];
	struct dns_fwd_rule *r, **rules;
	struct dns_fwd_server *s;
	uint8_t lname[DNS_NAME_MAX];

	if (len > DNS_NAME_MAX || dns_name_check(name, len) != (int)len ||
	    (server->family != AF_INET && server->family != AF_INET6) || !port)
		return -EINVAL;
	dns_name_lower(lname, name, len);
	name = lname;
	r = dns_nameset_get(set, name, len);
	if (!r) {
		r = calloc(1, sizeof(*r));
		rules = realloc(f->rules, (f->n + 1) * sizeof(*rules));
		if (!r || !rules) {
			free(r);
			if (rules)
				f->rules = rules;
			return -ENOMEM;
		}
		f->rules = rules;
		memcpy(r->name, name, len);
		r->len = (uint8_t)len;
		r->origin = origin;
		if (tag)
			snprintf(r->tag, sizeof(r->tag), "%s", tag);
		if (dns_nameset_add(set, r->name, len, r)) {
			free(r);
			return -ENOMEM;
		}
		f->rules[f->n++] = r;
	}
	for (unsigned i = 0; i < r->nservers; i++)
		if (mg_addr_eq(&r->servers[i].addr, server) && r->servers[i].port == port)
			return 0;
	if (r->nservers == DNS_FWD_MAX_SERVERS)
		return -ENOSPC;
	s = &r->servers[r->nservers++];
	memset(s, 0, sizeof(*s));
	s->addr = *server;
	s->port = port;
	return 0;
}

int dns_fwd_add_domain(struct dns_fwd *f, const char *domain, const struct mg_addr *server,
		       uint16_t port, enum dns_fwd_origin origin, const char *tag)
{
	uint8_t name[DNS_NAME_MAX];
	int n = dns_name_from_str(domain, name, sizeof(name));

	if (n < 0)
		return n;
	return dns_fwd_add(f, name, (size_t)n, server, port, origin, tag);
}

struct rev_arg {
	struct dns_fwd *f;
	const struct mg_addr *server;
	uint16_t port;
	enum dns_fwd_origin origin;
	const char *tag;
};

static int rev_cb(void *arg, const uint8_t *name, size_t len)
{
	struct rev_arg *a = arg;

	return dns_fwd_add(a->f, name, len, a->server, a->port, a->origin, a->tag);
}

int dns_fwd_add_rev(struct dns_fwd *f, const struct mg_prefix *cidr, const struct mg_addr *server,
		    uint16_t port, enum dns_fwd_origin origin, const char *tag)
{
	struct rev_arg a = { f, server, port, origin, tag };

	return dns_rev_zones(cidr, rev_cb, &a);
}

/* "ip" or "ip#port". */
static int parse_addr_port(const char *s, struct mg_addr *a, uint16_t *port)
{
	char buf[64];
	const char *hash = strchr(s, '#');
	size_t n = hash ? (size_t)(hash - s) : strlen(s);

	*port = 53;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (mg_addr_parse(buf, a))
		return -EINVAL;
	if (hash) {
		char *end;
		unsigned long p;

		if (hash[1] < '0' || hash[1] > '9')
			return -EINVAL;
		p = strtoul(hash + 1, &end, 10);
		if (*end || p == 0 || p > 65535)
			return -EINVAL;
		*port = (uint16_t)p;
	}
	return 0;
}

int dns_fwd_parse_server(struct dns_fwd *f, const char *spec)
{
	const char *last, *p;
	struct mg_addr a;
	uint16_t port;
	int r;

	if (!spec || !*spec)
		return -EINVAL;
	if (spec[0] != '/') {
		if (parse_addr_port(spec, &a, &port))
			return -EINVAL;
		return dns_fwd_add(f, (const uint8_t *)"", 1, &a, port, DNS_FWD_MANUAL, NULL);
	}
	last = strrchr(spec, '/');
	if (last <= spec + 1 || parse_addr_port(last + 1, &a, &port))
		return -EINVAL;
	/* Check every domain before adding any. */
	for (int pass = 0; pass < 2; pass++) {
		for (p = spec + 1; p < last;) {
			const char *slash = strchr(p, '/');
			char dom[DNS_NAME_STRLEN];
			uint8_t name[DNS_NAME_MAX];
			size_t n = (size_t)(slash - p);
			int len;

			if (n == 0 || n >= sizeof(dom))
				return -EINVAL;
			memcpy(dom, p, n);
			dom[n] = '\0';
			len = dns_name_from_str(dom, name, sizeof(name));
			if (len < 0)
				return -EINVAL;
			if (pass) {
				r = dns_fwd_add(f, name, (size_t)len, &a, port, DNS_FWD_MANUAL, NULL);
				if (r)
					return r;
			}
			p = slash + 1;
		}
	}
	return 0;
}

int dns_fwd_parse_rev_server(struct dns_fwd *f, const char *spec)
{
	const char *comma = spec ? strchr(spec, ',') : NULL;
	char buf[MG_PREFIX_STRLEN];
	struct mg_prefix p;
	struct mg_addr a;
	uint16_t port;
	size_t n;

	if (!comma)
		return -EINVAL;
	n = (size_t)(comma - spec);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, n);
	buf[n] = '\0';
	if (mg_prefix_parse(buf, true, &p) || parse_addr_port(comma + 1, &a, &port))
		return -EINVAL;
	mg_prefix_mask(&p);
	return dns_fwd_add_rev(f, &p, &a, port, DNS_FWD_MANUAL, NULL);
}

void dns_fwd_clear(struct dns_fwd *f, enum dns_fwd_origin origin)
{
	unsigned j = 0;

	for (unsigned i = 0; i < f->n; i++) {
		struct dns_fwd_rule *r = f->rules[i];

		if (r->origin != origin) {
			f->rules[j++] = r;
			continue;
		}
		dns_nameset_del(&f->set[origin == DNS_FWD_LEARNED], r->name, r->len);
		free(r);
	}
	f->n = j;
}

struct dns_fwd_rule *dns_fwd_match(const struct dns_fwd *f, const uint8_t *name, size_t len)
{
	size_t m0, m1;
	struct dns_fwd_rule *r0 = dns_nameset_longest(&f->set[0], name, len, &m0);
	struct dns_fwd_rule *r1 = dns_nameset_longest(&f->set[1], name, len, &m1);

	if (r0 && (!r1 || m0 >= m1))
		return r0;
	return r1;
}

const struct dns_fwd_server *dns_fwd_pick(struct dns_fwd_rule *r, uint64_t now)
{
	for (unsigned i = 0; i < r->nservers; i++) {
		struct dns_fwd_server *s = &r->servers[i];

		if (!s->down_until)
			return s;
		if (s->down_until <= now) {
			/* One probe; others keep failing fast until it is back. */
			s->down_until = now + (s->backoff ? s->backoff : 1);
			return s;
		}
	}
	return NULL;
}

static void server_report(const struct dns_fwd_conf *c, struct dns_fwd_server *s, uint64_t now,
			  bool ok)
{
	if (ok) {
		s->fails = 0;
		s->down_until = 0;
		s->backoff = 0;
		return;
	}
	if (++s->fails < c->fail_threshold)
		return;
	s->backoff = s->backoff ? s->backoff * 2 : c->backoff_min;
	if (s->backoff > c->backoff_max)
		s->backoff = c->backoff_max;
	s->down_until = now + s->backoff;
}

void dns_fwd_report(struct dns_fwd *f, const struct mg_addr *addr, uint16_t port, uint64_t now,
		    bool ok)
{
	for (unsigned i = 0; i < f->n; i++)
		for (unsigned k = 0; k < f->rules[i]->nservers; k++) {
			struct dns_fwd_server *s = &f->rules[i]->servers[k];

			if (s->port == port && mg_addr_eq(&s->addr, addr))
				server_report(&f->conf, s, now, ok);
		}
}

unsigned dns_fwd_count(const struct dns_fwd *f)
{
	return f->n;
}

const struct dns_fwd_rule *dns_fwd_rule_at(const struct dns_fwd *f, unsigned i)
{
	return i < f->n ? f->rules[i] : NULL;
}
