/* Request handling: decide from the parsed request and the pool, change
 * the pool, queue the journal records and the reply. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/hostname.h"
#include "dhcp/options.h"
#include "dhcp/reply.h"
#include "dhcp/server.h"

struct subnet_state {
	struct dhcp_optset tmpl;
	struct dhcp_route *routes;
	size_t nroutes;
};

struct dhcp_server {
	struct dhcp_server_conf conf;
	struct dhcp_pool *pool;
	struct leases *store;
	struct dhcp_name_ops names;
	struct subnet_state *subnets;
	struct dhcp_reply *out;
	size_t nout, handled;
	bool flushed;
	struct dhcp_msg msg;		/* scratch for input */
	struct dhcp_optlist optlist;	/* scratch for replies */
	size_t rewrite_pos;
	struct dhcp_server_stats st;
};

/* One request being handled. */
struct req {
	const struct dhcp_msg *m;
	const struct dhcp_rx_info *rx;
	uint64_t now;
	struct dhcp_key key;
	unsigned subnet;
	const struct dhcp_subnet_conf *sc;
	uint32_t sid;
};

static const char *const state_names[DHCP_NSTATES] = {
	[DHCP_FREE] = "free", [DHCP_OFFERED] = "offered", [DHCP_LEASED] = "leased",
	[DHCP_DECLINED] = "declined", [DHCP_RESERVED] = "reserved",
};

const char *dhcp_state_name(enum dhcp_state st)
{
	return (unsigned)st < DHCP_NSTATES ? state_names[st] : "?";
}

/* ---- names ---- */

static void name_gone(struct dhcp_server *s, const struct dhcp_lease *l)
{
	if (l->b.state == DHCP_LEASED && l->b.name[0] && s->names.on_lease_name_gone)
		s->names.on_lease_name_gone(s->names.ctx, l->b.name, l->b.addr);
}

static void on_expire(void *ctx, const struct dhcp_lease *l)
{
	name_gone(ctx, l);
}

/* The name a leased address should carry: its reservation's, else what
 * the client asks for (option 81 over 12), else the one it has. */
static void settle_name(struct dhcp_server *s, const struct req *q, const struct dhcp_lease *l)
{
	char want[DHCP_LABEL_MAX + 1], old[DHCP_LABEL_MAX + 1];
	struct dhcp_fqdn f;
	const uint8_t *v;
	size_t len;
	int r;

	if (l->flags & DHCP_LEASE_FIXED_NAME)
		return;
	if (!dhcp_opt_fqdn(&q->m->opts, &f) && f.name[0])
		r = dhcp_hostname_sanitize((const uint8_t *)f.name, strlen(f.name), want);
	else if ((v = dhcp_opt_get(&q->m->opts, DHCP_OPT_HOST_NAME, &len)))
		r = dhcp_hostname_sanitize(v, len, want);
	else
		return;
	if (r || !strcmp(want, l->b.name))
		return;
	strcpy(old, l->b.name);
	r = dhcp_pool_set_name(s->pool, l, want);
	if (r) {
		s->st.name_conflicts += r == -EEXIST;
		return;
	}
	if (old[0] && s->names.on_lease_name_gone)
		s->names.on_lease_name_gone(s->names.ctx, old, l->b.addr);
}

/* ---- queueing ---- */

static void journal(struct dhcp_server *s, const struct dhcp_lease *l)
{
	/* Cannot fail: a batch has at most two records per request. */
	leases_append(s->store, &l->b);
}

static struct dhcp_reply *reply(struct dhcp_server *s, const struct req *q, uint8_t type,
				const struct dhcp_lease *l, uint32_t lease_time)
{
	struct dhcp_reply *r = &s->out[s->nout];
	char fqdn[DHCP_DNAME_MAX + 1];
	struct dhcp_reply_args a = {
		.type = type, .yiaddr = l ? l->b.addr : 0, .sid = q->sid, .lease_time = lease_time,
		.ifindex = q->rx->ifindex, .src_addr = q->rx->src_addr,
	};
	unsigned dropped = 0;

	if (type == DHCPNAK)
		a.message = "address not available";
	if (l && l->b.name[0]) {
		if (q->sc->domain && *q->sc->domain)
			snprintf(fqdn, sizeof(fqdn), "%s.%s", l->b.name, q->sc->domain);
		else
			snprintf(fqdn, sizeof(fqdn), "%s", l->b.name);
		a.fqdn = fqdn;
	}
	if (dhcp_reply_make(r, &s->optlist, q->m, &s->subnets[q->subnet].tmpl, &a, &dropped))
		return NULL;
	s->st.options_dropped += dropped;
	r->durable = false;
	r->name[0] = '\0';
	s->nout++;
	switch (type) {
	case DHCPOFFER: s->st.offers++; break;
	case DHCPACK: s->st.acks++; break;
	case DHCPNAK: s->st.naks++; break;
	}
	return r;
}

static void nak(struct dhcp_server *s, const struct req *q)
{
	reply(s, q, DHCPNAK, NULL, 0);
}

/* Leases l to the client and queues the ACK behind its journal record. */
static void ack(struct dhcp_server *s, const struct req *q, const struct dhcp_lease *l)
{
	const struct dhcp_msg *m = q->m;
	const struct dhcp_lease *prev, *d;
	uint32_t lt = q->sc->lease_time;
	struct dhcp_reply *r;

	/* The address the client leaves, if any, loses its name. */
	prev = dhcp_pool_by_client(s->pool, q->subnet, &q->key);
	if (prev && prev != l)
		name_gone(s, prev);
	dhcp_pool_bind(s->pool, l, DHCP_LEASED, &q->key, m->h.htype, m->h.chaddr, m->h.hlen,
		       q->now + lt, &d);
	if (d)
		journal(s, d);
	settle_name(s, q, l);
	journal(s, l);
	r = reply(s, q, DHCPACK, l, lt);
	if (!r)
		return;
	r->durable = true;
	if (l->b.name[0]) {
		strcpy(r->name, l->b.name);
		r->name_addr = l->b.addr;
	}
}

/* ---- the messages ---- */

static void discover(struct dhcp_server *s, const struct req *q)
{
	const struct dhcp_msg *m = q->m;
	const struct dhcp_lease *l, *prev, *d;
	uint32_t want = 0;

	dhcp_opt_u32(&m->opts, DHCP_OPT_REQUESTED_IP, &want);
	if (dhcp_pool_pick(s->pool, q->subnet, &q->key, m->h.htype, m->h.chaddr, m->h.hlen,
			   want, &l)) {
		s->st.exhausted++;
		return;
	}
	/* A lease it holds stays a lease; anything else is held for it. */
	if (l->b.state != DHCP_LEASED) {
		prev = dhcp_pool_by_client(s->pool, q->subnet, &q->key);
		if (prev && prev != l)
			name_gone(s, prev);
		dhcp_pool_bind(s->pool, l, DHCP_OFFERED, &q->key, m->h.htype, m->h.chaddr,
			       m->h.hlen, q->now + s->conf.offer_hold, &d);
		if (d)
			journal(s, d);
	}
	reply(s, q, DHCPOFFER, l, q->sc->lease_time);
}

static bool in_subnet(const struct dhcp_subnet_conf *sc, uint32_t a)
{
	uint32_t mask = ~0u << (32 - sc->prefix_len);

	return (a & mask) == sc->network;
}

static bool takes(const struct dhcp_server *s, const struct req *q, const struct dhcp_lease *l)
{
	const struct dhcp_head *h = &q->m->h;

	return dhcp_pool_can_take(s->pool, l, &q->key, h->htype, h->chaddr, h->hlen);
}

/* RFC 2131 4.3.2. */
static void request(struct dhcp_server *s, const struct req *q)
{
	const struct dhcp_msg *m = q->m;
	const struct dhcp_lease *l, *mine;
	uint32_t sid, want = 0;
	bool has_want = !dhcp_opt_u32(&m->opts, DHCP_OPT_REQUESTED_IP, &want);

	if (!dhcp_opt_u32(&m->opts, DHCP_OPT_SERVER_ID, &sid)) {
		/* SELECTING: the client chose an offer. */
		if (sid != q->sid) {
			l = dhcp_pool_by_client(s->pool, q->subnet, &q->key);
			if (l && l->b.state == DHCP_OFFERED)
				dhcp_pool_release(s->pool, l, false);
			s->st.not_ours++;
			return;
		}
		if (!has_want)
			want = m->h.ciaddr;
		if (!want) {
			s->st.bad_request++;
			return;
		}
		l = dhcp_pool_by_addr(s->pool, want);
		if (!l || l->subnet != q->subnet || !takes(s, q, l))
			nak(s, q);
		else
			ack(s, q, l);
		return;
	}
	if (!m->h.ciaddr) {
		/* INIT-REBOOT: the client checks the address it had. */
		if (!has_want) {
			s->st.bad_request++;
			return;
		}
		if (!in_subnet(q->sc, want)) {
			nak(s, q);
			return;
		}
		l = dhcp_pool_by_addr(s->pool, want);
		if (l && !takes(s, q, l)) {
			nak(s, q);
			return;
		}
		mine = dhcp_pool_reserved_for(s->pool, q->subnet, &q->key, m->h.htype,
					      m->h.chaddr, m->h.hlen);
		if (!mine || !takes(s, q, mine))
			mine = dhcp_pool_by_client(s->pool, q->subnet, &q->key);
		if (!mine) {
			s->st.silent++;		/* no record of it: not ours to judge */
			return;
		}
		if (mine != l)
			nak(s, q);
		else
			ack(s, q, l);
		return;
	}
	/* RENEWING (unicast) or REBINDING (broadcast): extend ciaddr. */
	l = dhcp_pool_by_addr(s->pool, m->h.ciaddr);
	if (!l || l->subnet != q->subnet) {
		s->st.silent++;
		return;
	}
	if (!takes(s, q, l))
		nak(s, q);
	else
		ack(s, q, l);
}

/* The address of a DECLINE or RELEASE, if it is the client's. */
static const struct dhcp_lease *clients(struct dhcp_server *s, const struct req *q, uint32_t a)
{
	const struct dhcp_lease *l = dhcp_pool_by_addr(s->pool, a);
	uint32_t sid;

	if (!dhcp_opt_u32(&q->m->opts, DHCP_OPT_SERVER_ID, &sid) && sid != q->sid) {
		s->st.not_ours++;
		return NULL;
	}
	if (!l || (l->b.state != DHCP_OFFERED && l->b.state != DHCP_LEASED) ||
	    !dhcp_key_eq(&l->b.key, &q->key)) {
		s->st.silent++;
		return NULL;
	}
	return l;
}

static void decline(struct dhcp_server *s, const struct req *q)
{
	const struct dhcp_lease *l;
	uint32_t a = 0;

	dhcp_opt_u32(&q->m->opts, DHCP_OPT_REQUESTED_IP, &a);
	l = clients(s, q, a);
	if (!l)
		return;
	name_gone(s, l);
	dhcp_pool_decline(s->pool, l, q->now + s->conf.decline_hold);
	journal(s, l);
}

static void release(struct dhcp_server *s, const struct req *q)
{
	const struct dhcp_lease *l = clients(s, q, q->m->h.ciaddr);

	if (!l)
		return;
	name_gone(s, l);
	dhcp_pool_release(s->pool, l, false);
	journal(s, l);
}

static void inform(struct dhcp_server *s, const struct req *q)
{
	reply(s, q, DHCPACK, NULL, 0);
}

/* ---- the batch ---- */

static void new_batch(struct dhcp_server *s)
{
	if (!s->flushed)
		return;
	s->nout = 0;
	s->handled = 0;
	s->flushed = false;
}

bool dhcp_server_full(const struct dhcp_server *s)
{
	return !s->flushed && s->handled >= DHCP_BATCH_MAX;
}

/* The subnet: the relay's, else that of the address the client has,
 * else the interface's. */
static int pick_subnet(const struct dhcp_server *s, const struct dhcp_msg *m,
		       const struct dhcp_rx_info *rx)
{
	int i;

	if (m->h.giaddr)
		return dhcp_pool_subnet_of(s->pool, m->h.giaddr);
	if (m->h.ciaddr && (i = dhcp_pool_subnet_of(s->pool, m->h.ciaddr)) >= 0)
		return i;
	return dhcp_pool_subnet_of(s->pool, rx->local_addr);
}

int dhcp_server_handle(struct dhcp_server *s, const struct dhcp_msg *m,
		       const struct dhcp_rx_info *rx, uint64_t now)
{
	struct req q = { .m = m, .rx = rx, .now = now };
	uint8_t type = dhcp_msg_type(m);
	int i;

	new_batch(s);
	s->st.rx[type <= DHCPINFORM ? type : 0]++;
	if (s->handled >= DHCP_BATCH_MAX) {
		s->st.batch_full++;
		return -ENOBUFS;
	}
	if (dhcp_msg_key(m, &q.key)) {
		s->st.no_client_id++;
		return -EINVAL;
	}
	i = pick_subnet(s, m, rx);
	if (i < 0) {
		s->st.no_subnet++;
		return -ENOENT;
	}
	q.subnet = (unsigned)i;
	q.sc = &s->conf.subnets[i];
	q.sid = q.sc->server_id ? q.sc->server_id : rx->local_addr;
	if (!q.sid) {
		s->st.no_subnet++;
		return -ENOENT;
	}
	s->handled++;
	dhcp_pool_sweep(s->pool, now, on_expire, s);
	switch (type) {
	case DHCPDISCOVER: discover(s, &q); break;
	case DHCPREQUEST: request(s, &q); break;
	case DHCPDECLINE: decline(s, &q); break;
	case DHCPRELEASE: release(s, &q); break;
	case DHCPINFORM: inform(s, &q); break;
	default: s->st.silent++; break;	/* OFFER, ACK, NAK or newer: not for a server */
	}
	return 0;
}

int dhcp_server_input(struct dhcp_server *s, const uint8_t *buf, size_t len,
		      const struct dhcp_rx_info *rx, uint64_t now)
{
	enum dhcp_rx_error why;

	if (dhcp_parse(buf, len, BOOTREQUEST, &s->msg, &why)) {
		s->st.rx_err[why]++;
		return -EINVAL;
	}
	return dhcp_server_handle(s, &s->msg, rx, now);
}

/* Walks the pool for the journal rewrite. */
static bool next_live(void *ctx, struct dhcp_binding *out)
{
	struct dhcp_server *s = ctx;
	const struct dhcp_lease *l;

	while ((l = dhcp_pool_at(s->pool, s->rewrite_pos++)))
		if (dhcp_pool_persistent(l)) {
			*out = l->b;
			return true;
		}
	return false;
}

size_t dhcp_server_flush(struct dhcp_server *s, const struct dhcp_reply **replies)
{
	size_t i, n = 0;

	new_batch(s);
	if (leases_commit(s->store)) {
		/* Keep what promises nothing; the clients of the rest ask
		 * again and get a fresh record and ACK. */
		s->st.commit_failed++;
		for (i = 0; i < s->nout; i++) {
			if (s->out[i].durable) {
				s->st.withheld++;
				continue;
			}
			if (i != n)
				s->out[n] = s->out[i];
			n++;
		}
		s->nout = n;
	} else {
		for (i = 0; i < s->nout && s->names.on_lease_name; i++) {
			const struct dhcp_reply *r = &s->out[i];
			const struct dhcp_lease *l;

			if (!r->durable || !r->name[0])
				continue;
			/* Unless a later request of the batch ended it. */
			l = dhcp_pool_by_addr(s->pool, r->name_addr);
			if (l && l->b.state == DHCP_LEASED && !strcmp(l->b.name, r->name))
				s->names.on_lease_name(s->names.ctx, r->name, r->name_addr,
						       l->b.expires);
		}
		if (leases_need_rewrite(s->store, dhcp_pool_live(s->pool))) {
			s->rewrite_pos = 0;
			if (leases_rewrite(s->store, next_live, s))
				s->st.rewrites_failed++;
		}
	}
	s->flushed = true;
	*replies = s->out;
	return s->nout;
}

uint64_t dhcp_server_tick(struct dhcp_server *s, uint64_t now)
{
	return dhcp_pool_sweep(s->pool, now, on_expire, s);
}

void dhcp_server_announce(struct dhcp_server *s, uint64_t now)
{
	size_t i;

	for (i = 0; i < dhcp_pool_size(s->pool) && s->names.on_lease_name; i++) {
		const struct dhcp_lease *l = dhcp_pool_at(s->pool, i);

		if (l->b.state == DHCP_LEASED && l->b.name[0] && l->b.expires > now)
			s->names.on_lease_name(s->names.ctx, l->b.name, l->b.addr, l->b.expires);
	}
}

/* ---- lifecycle ---- */

int dhcp_server_set_routes(struct dhcp_server *s, unsigned subnet,
			   const struct dhcp_route *routes, size_t n)
{
	struct subnet_state *ss;
	struct dhcp_optset *t;
	struct dhcp_route *copy = NULL;
	int r;

	if (subnet >= s->conf.nsubnets)
		return -EINVAL;
	ss = &s->subnets[subnet];
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, routes, n * sizeof(*copy));
	}
	/* Build aside so a bad list leaves the old options in place. */
	t = malloc(sizeof(*t));
	if (!t) {
		free(copy);
		return -ENOMEM;
	}
	r = dhcp_template_build(t, &s->conf.subnets[subnet], copy, n);
	if (r) {
		free(copy);
		free(t);
		return r;
	}
	ss->tmpl = *t;
	free(t);
	free(ss->routes);
	ss->routes = copy;
	ss->nroutes = n;
	return 0;
}

static void restore(void *ctx, const struct dhcp_binding *b)
{
	struct dhcp_server *s = ctx;

	if (dhcp_pool_restore(s->pool, b))
		s->st.journal_skipped++;
}

int dhcp_server_new(const struct dhcp_server_conf *conf, const char *lease_path,
		    const struct dhcp_name_ops *names, uint64_t now,
		    struct dhcp_server **out, const char **why)
{
	struct dhcp_server *s = calloc(1, sizeof(*s));
	const char *dummy;
	size_t i;
	int r = -ENOMEM;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!s)
		return -ENOMEM;
	s->conf = *conf;
	if (!s->conf.offer_hold)
		s->conf.offer_hold = DHCP_OFFER_HOLD;
	if (!s->conf.decline_hold)
		s->conf.decline_hold = DHCP_DECLINE_HOLD;
	if (names)
		s->names = *names;
	s->flushed = true;
	s->subnets = calloc(conf->nsubnets ? conf->nsubnets : 1, sizeof(*s->subnets));
	s->out = calloc(DHCP_BATCH_MAX, sizeof(*s->out));
	if (!s->subnets || !s->out)
		goto fail;
	r = dhcp_pool_new(conf->subnets, conf->nsubnets, &s->pool, why);
	if (r)
		goto fail;
	for (i = 0; i < conf->nsubnets; i++) {
		r = dhcp_server_set_routes(s, (unsigned)i, conf->subnets[i].routes,
					   conf->subnets[i].nroutes);
		if (r) {
			*why = "subnet options do not encode (a name or route list too long, or malformed)";
			goto fail;
		}
	}
	r = leases_open(lease_path, 2 * DHCP_BATCH_MAX, restore, s, &s->store);
	if (r) {
		if (r == -EPROTO)
			*why = "not a lease journal";
		goto fail;
	}
	dhcp_pool_sweep(s->pool, now, NULL, NULL);
	*out = s;
	return 0;
fail:
	dhcp_server_free(s);
	return r;
}

void dhcp_server_free(struct dhcp_server *s)
{
	size_t i;

	if (!s)
		return;
	leases_close(s->store);
	dhcp_pool_free(s->pool);
	for (i = 0; s->subnets && i < s->conf.nsubnets; i++)
		free(s->subnets[i].routes);
	free(s->subnets);
	free(s->out);
	free(s);
}

const struct dhcp_pool *dhcp_server_pool(const struct dhcp_server *s)
{
	return s->pool;
}

struct leases *dhcp_server_leases(struct dhcp_server *s)
{
	return s->store;
}

const struct dhcp_server_stats *dhcp_server_stats(const struct dhcp_server *s)
{
	return &s->st;
}
