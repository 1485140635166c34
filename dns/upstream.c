/* Forwarding through c-ares: one channel per server set, driven by the loop
 * as core/resolver.c drives its own (socket watches from c-ares' socket
 * state callback, a timer from ares_timeout()). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/time.h>
#include <ares.h>

#include "core/log.h"
#include "core/loop.h"
#include "dns/upstream.h"

struct rwatch {
	int fd;
	struct loop_fd *w;
	struct rwatch *next;
};

struct chan {
	struct dns_upstream *u;
	ares_channel ch;
	bool ok;
	bool is_default;
	struct mg_addr addr;		/* a rule server's */
	uint16_t port;
	struct loop_timer *tmo;
	struct rwatch *watches;
	unsigned inflight;
	uint64_t last_used;
};

struct dns_upstream_query {
	struct dns_upstream *u;
	struct chan *c;
	struct dns_request *req;
	dns_upstream_cb cb;
	void *arg;
	bool busy, cancelled, sync;
	int sync_status;
	struct dns_upstream_query *next_free;
};

struct dns_upstream {
	struct loop *loop;
	struct dns_engine *e;
	struct dns_upstream_conf conf;
	bool closing;
	struct chan def;
	size_t ndef;			/* default servers left after removing ourselves */
	struct mg_addr def_addr[DNS_UPSTREAM_MAX];
	uint16_t def_port[DNS_UPSTREAM_MAX];
	struct chan *rules[DNS_UPSTREAM_CHANNELS];
	struct chan *in_cb;		/* whose callback runs: never freed under it */
	struct dns_upstream_query *slots, *free_head;
	struct dns_upstream_stats st;
	uint8_t qbuf[DNS_MSG_MAX];
	uint8_t out[DNS_MSG_MAX];
	uint8_t rnd[256];
	size_t rnd_left;
	struct log_ratelimit rl;
};

void dns_upstream_conf_default(struct dns_upstream_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = 1000;
	c->tries = 2;
	c->max_inflight = 1024;
}

/* Query ids from the kernel's generator, fetched in blocks. c-ares picks
 * its own too; this one is what the query carries until it does. */
static uint16_t random_id(struct dns_upstream *u)
{
	uint16_t id;

	if (u->rnd_left < 2) {
		if (getrandom(u->rnd, sizeof(u->rnd), GRND_NONBLOCK) != (ssize_t)sizeof(u->rnd))
			memset(u->rnd, 0x5a, sizeof(u->rnd));
		u->rnd_left = sizeof(u->rnd);
	}
	u->rnd_left -= 2;
	memcpy(&id, u->rnd + u->rnd_left, 2);
	return id;
}

/* ---- c-ares on the loop ---- */

static void timer_update(struct chan *c)
{
	struct timeval tv;

	if (!ares_timeout(c->ch, NULL, &tv)) {
		loop_timer_disarm(c->tmo);
		return;
	}
	/* c-ares rounds down to a millisecond: one more, or it fires early. */
	loop_timer_arm_in(c->tmo, (uint64_t)tv.tv_sec * LOOP_NSEC_PER_SEC +
			  (uint64_t)tv.tv_usec * 1000 + LOOP_NSEC_PER_MSEC);
}

static void tmo_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct chan *c = arg;

	(void)loop;
	(void)t;
	ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	timer_update(c);
}

static void sock_io_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct chan *c = arg;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	(void)loop;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = fd;
	if (events & EPOLLOUT)
		wfd = fd;
	ares_process_fd(c->ch, rfd, wfd);
	timer_update(c);
}

static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct chan *c = data;
	uint32_t events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	struct rwatch **pp, *w;
	int err;

	for (pp = &c->watches; (w = *pp); pp = &w->next)
		if (w->fd == fd)
			break;
	if (!events) {
		if (w) {
			*pp = w->next;
			loop_fd_del(c->u->loop, w->w);
			free(w);
		}
		return;
	}
	if (w) {
		err = loop_fd_mod(c->u->loop, w->w, events);
		if (err)
			log_err("dns: cannot watch an upstream socket: %s", strerror(-err));
		return;
	}
	/* If this fails the socket's queries end by timing out. */
	w = calloc(1, sizeof(*w));
	err = w ? loop_fd_add(c->u->loop, fd, events, sock_io_cb, c, &w->w) : -ENOMEM;
	if (err) {
		log_err("dns: cannot watch an upstream socket: %s", strerror(-err));
		free(w);
		return;
	}
	w->fd = fd;
	w->next = c->watches;
	c->watches = w;
}

static void fill_node(struct ares_addr_port_node *n, const struct mg_addr *a, uint16_t port)
{
	memset(n, 0, sizeof(*n));
	n->family = a->family;
	if (a->family == AF_INET)
		n->addr.addr4 = a->u.v4;
	else
		memcpy(&n->addr.addr6, &a->u.v6, sizeof(a->u.v6));
	n->udp_port = port;
	n->tcp_port = port;
}

static void chan_close(struct chan *c)
{
	struct rwatch *w;

	/* Ends every query (their callbacks see u->closing or a cancelled
	 * slot) and closes the sockets through sock_state_cb. */
	if (c->ok)
		ares_destroy(c->ch);
	c->ok = false;
	while ((w = c->watches)) {
		c->watches = w->next;
		loop_fd_del(c->u->loop, w->w);
		free(w);
	}
	if (c->tmo)
		loop_timer_free(c->tmo);
	c->tmo = NULL;
}

static int chan_open(struct dns_upstream *u, struct chan *c, const char *resolv_conf)
{
	struct ares_options ao;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
	int st, r;

	c->u = u;
	r = loop_timer_new(u->loop, tmo_cb, c, &c->tmo);
	if (r < 0)
		return r;
	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = sock_state_cb;
	ao.sock_state_cb_data = c;
	ao.timeout = (int)u->conf.timeout_ms;
	ao.tries = (int)u->conf.tries;
	/* Raw queries: no search list, no hosts file; c-ares retries over
	 * TCP when an answer comes back truncated. */
	ao.flags = ARES_FLAG_NOSEARCH;
	if (resolv_conf) {
		ao.resolvconf_path = (char *)resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
#ifdef ARES_OPT_QUERY_CACHE
	/* Newer c-ares caches answers itself: ours is the one that counts. */
	ao.qcache_max_ttl = 0;
	mask |= ARES_OPT_QUERY_CACHE;
#endif
	st = ares_init_options(&c->ch, &ao, mask);
	if (st != ARES_SUCCESS) {
		log_err("dns: cannot set up c-ares: %s", ares_strerror(st));
		return st == ARES_ENOMEM ? -ENOMEM : -EIO;
	}
	c->ok = true;
	return 0;
}

static int chan_set_servers(struct chan *c, const struct mg_addr *a, const uint16_t *ports,
			    size_t n)
{
	struct ares_addr_port_node nodes[DNS_UPSTREAM_MAX];
	int st;

	for (size_t i = 0; i < n; i++) {
		fill_node(&nodes[i], &a[i], ports[i]);
		nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
	}
	st = ares_set_servers_ports(c->ch, n ? nodes : NULL);
	return st == ARES_SUCCESS ? 0 : st == ARES_ENOMEM ? -ENOMEM : -EINVAL;
}

static bool is_self(const struct dns_upstream *u, const struct mg_addr *a, uint16_t port)
{
	for (size_t i = 0; i < u->conf.nself; i++) {
		if (port != u->conf.self_port)
			continue;
		if (mg_addr_eq(a, &u->conf.self[i]))
			return true;
	}
	return false;
}

/* The configured servers, or resolv.conf's less our own listeners. */
static int default_servers(struct dns_upstream *u)
{
	struct ares_addr_port_node *list = NULL, *n;
	uint16_t port = u->conf.port ? u->conf.port : 53;
	char buf[MG_PREFIX_STRLEN];
	int st;

	u->ndef = 0;
	if (u->conf.nservers) {
		for (size_t i = 0; i < u->conf.nservers && u->ndef < DNS_UPSTREAM_MAX; i++) {
			u->def_addr[u->ndef] = u->conf.servers[i];
			u->def_port[u->ndef++] = port;
		}
		return chan_set_servers(&u->def, u->def_addr, u->def_port, u->ndef);
	}
	st = ares_get_servers_ports(u->def.ch, &list);
	if (st != ARES_SUCCESS)
		return -ENOMEM;
	for (n = list; n && u->ndef < DNS_UPSTREAM_MAX; n = n->next) {
		struct mg_addr a = { .family = (sa_family_t)n->family };
		uint16_t p = n->udp_port ? (uint16_t)n->udp_port : 53;

		if (n->family == AF_INET)
			a.u.v4 = n->addr.addr4;
		else if (n->family == AF_INET6)
			memcpy(&a.u.v6, &n->addr.addr6, sizeof(a.u.v6));
		else
			continue;
		if (is_self(u, &a, p)) {
			log_info("dns: not forwarding to %s: that is this resolver",
				 mg_addr_fmt(&a, buf, sizeof(buf)));
			continue;
		}
		u->def_addr[u->ndef] = a;
		u->def_port[u->ndef++] = p;
	}
	ares_free_data(list);
	if (!u->ndef)
		log_warn("dns: no upstream resolvers (resolv.conf names none but this one): "
			 "names outside our zones and rules get SERVFAIL");
	return chan_set_servers(&u->def, u->def_addr, u->def_port, u->ndef);
}

int dns_upstream_new(struct loop *loop, const struct dns_upstream_conf *c, struct dns_engine *e,
		     struct dns_upstream **out)
{
	struct dns_upstream *u;
	int r;

	*out = NULL;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return -ENOMEM;
	u = calloc(1, sizeof(*u));
	if (!u) {
		ares_library_cleanup();
		return -ENOMEM;
	}
	u->loop = loop;
	u->e = e;
	u->conf = *c;
	u->conf.servers = NULL;
	u->conf.self = NULL;
	u->conf.nself = 0;
	if (!u->conf.max_inflight)
		u->conf.max_inflight = 1024;
	if (!u->conf.tries)
		u->conf.tries = 2;
	if (!u->conf.timeout_ms)
		u->conf.timeout_ms = 1000;
	u->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * LOOP_NSEC_PER_SEC, 5);
	u->def.is_default = true;
	r = -ENOMEM;
	u->slots = calloc(u->conf.max_inflight, sizeof(*u->slots));
	if (!u->slots)
		goto fail;
	for (unsigned i = u->conf.max_inflight; i-- > 0;) {
		u->slots[i].next_free = u->free_head;
		u->free_head = &u->slots[i];
	}
	r = chan_open(u, &u->def, c->resolv_conf);
	if (r < 0)
		goto fail;
	/* The caller's arrays are read here, not kept. */
	u->conf.servers = c->servers;
	u->conf.self = c->self;
	u->conf.nself = c->nself;
	r = default_servers(u);
	u->conf.servers = NULL;
	u->conf.self = NULL;
	u->conf.nself = 0;
	if (r < 0)
		goto fail;
	*out = u;
	return 0;
fail:
	dns_upstream_free(u);
	return r;
}

void dns_upstream_free(struct dns_upstream *u)
{
	if (!u)
		return;
	u->closing = true;
	for (size_t i = 0; i < DNS_UPSTREAM_CHANNELS; i++) {
		if (!u->rules[i])
			continue;
		chan_close(u->rules[i]);
		free(u->rules[i]);
	}
	chan_close(&u->def);
	free(u->slots);
	free(u);
	ares_library_cleanup();
}

/* ---- queries ---- */

static void slot_put(struct dns_upstream *u, struct dns_upstream_query *q)
{
	q->busy = false;
	q->cb = NULL;
	q->arg = NULL;
	q->req = NULL;
	q->next_free = u->free_head;
	u->free_head = q;
	u->st.inflight--;
}

static void answer_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_upstream_query *q = arg;
	struct dns_upstream *u = q->u;
	struct chan *c = q->c, *outer;
	enum dns_verdict v;
	size_t n = 0;
	uint64_t now;

	(void)timeouts;
	if (u->closing)		/* ARES_EDESTRUCTION while everything goes */
		return;
	c->inflight--;
	if (q->sync) {		/* inside ares_send(): the caller learns it there */
		q->sync_status = status == ARES_SUCCESS ? ARES_EBADRESP : status;
		return;
	}
	if (q->cancelled) {
		slot_put(u, q);
		return;
	}
	now = loop_now(u->loop);
	if (status == ARES_SUCCESS && abuf && alen > 0) {
		u->st.answered++;
		v = dns_engine_reply(u->e, now, q->req, abuf, (size_t)alen, u->out, sizeof(u->out),
				     &n);
	} else {
		u->st.failed++;
		if (status == ARES_ETIMEOUT)
			u->st.timeouts++;
		else if (status == ARES_ESERVFAIL || status == ARES_EREFUSED ||
			 status == ARES_ECONNREFUSED)
			u->st.refused++;
		v = dns_engine_fail(u->e, now, q->req, u->out, sizeof(u->out), &n);
	}
	outer = u->in_cb;
	u->in_cb = c;
	q->cb(q->arg, v, u->out, n);
	u->in_cb = outer;
	slot_put(u, q);
}

static bool same_server(const struct chan *c, const struct mg_addr *a, uint16_t port)
{
	return c->port == port && mg_addr_eq(&c->addr, a);
}

/* The channel for a rule's server: found, made, or made in place of the
 * least recently used idle one. NULL if none can be had. */
static struct chan *rule_chan(struct dns_upstream *u, const struct mg_addr *a, uint16_t port)
{
	struct chan *c, *victim = NULL;
	size_t free_at = DNS_UPSTREAM_CHANNELS, vi = 0;
	uint16_t p = port ? port : 53;

	for (size_t i = 0; i < DNS_UPSTREAM_CHANNELS; i++) {
		c = u->rules[i];
		if (!c) {
			if (free_at == DNS_UPSTREAM_CHANNELS)
				free_at = i;
			continue;
		}
		if (same_server(c, a, p))
			return c;
		if (!c->inflight && c != u->in_cb && (!victim || c->last_used < victim->last_used)) {
			victim = c;
			vi = i;
		}
	}
	if (free_at == DNS_UPSTREAM_CHANNELS) {
		if (!victim)
			return NULL;
		chan_close(victim);
		free(victim);
		u->rules[vi] = NULL;
		u->st.channels_evicted++;
		u->st.channels--;
		free_at = vi;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->addr = *a;
	c->port = p;
	if (chan_open(u, c, u->conf.resolv_conf) < 0 || chan_set_servers(c, a, &p, 1) < 0) {
		chan_close(c);
		free(c);
		return NULL;
	}
	u->rules[free_at] = c;
	u->st.channels++;
	return c;
}

int dns_upstream_send(struct dns_upstream *u, struct dns_request *req, dns_upstream_cb cb,
		      void *arg, struct dns_upstream_query **handle)
{
	struct dns_upstream_query *q;
	struct chan *c;
	size_t len;

	if (handle)
		*handle = NULL;
	if (!req->has_server && !u->ndef)
		return -ENETUNREACH;
	q = u->free_head;
	if (!q) {
		u->st.busy++;
		return -EBUSY;
	}
	c = req->has_server ? rule_chan(u, &req->server, req->port) : &u->def;
	if (!c) {
		u->st.busy++;
		return -EBUSY;
	}
	len = dns_request_upstream(u->e, req, random_id(u), u->qbuf, sizeof(u->qbuf));
	if (!len)
		return -EINVAL;
	u->free_head = q->next_free;
	memset(q, 0, sizeof(*q));
	q->u = u;
	q->c = c;
	q->req = req;
	q->cb = cb;
	q->arg = arg;
	q->busy = true;
	q->sync = true;
	u->st.inflight++;
	c->inflight++;
	c->last_used = loop_now(u->loop);
	ares_send(c->ch, u->qbuf, (int)len, answer_cb, q);
	q->sync = false;
	if (q->sync_status) {
		if (log_ratelimit_ok(&u->rl, c->last_used))
			log_warn("dns: cannot ask upstream: %s", ares_strerror(q->sync_status));
		slot_put(u, q);
		return -EIO;
	}
	u->st.sent++;
	timer_update(c);
	if (handle)
		*handle = q;
	return 0;
}

void dns_upstream_cancel(struct dns_upstream_query *q)
{
	if (!q || !q->busy || q->cancelled)
		return;
	/* c-ares cannot drop one query: the slot waits for its end. */
	q->cancelled = true;
	q->u->st.cancelled++;
	q->cb = NULL;
	q->arg = NULL;
	q->req = NULL;
}

void dns_upstream_get_stats(const struct dns_upstream *u, struct dns_upstream_stats *st)
{
	*st = u->st;
}

size_t dns_upstream_servers(const struct dns_upstream *u, struct mg_addr *addrs,
			    uint16_t *ports, size_t max)
{
	size_t n = u->ndef < max ? u->ndef : max;

	for (size_t i = 0; i < n; i++) {
		addrs[i] = u->def_addr[i];
		ports[i] = u->def_port[i];
	}
	return n;
}
