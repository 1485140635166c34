#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <ares.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/resolver.h"

#define HOST_MAX 253	/* longest DNS name in text, without the root dot */

enum q_state { Q_FREE = 0, Q_QUERY, Q_CANCELLED, Q_DONE };

struct resolver_query {
	struct resolver *r;
	enum q_state state;
	int family_pref;
	uint16_t port;
	resolver_cb cb;
	void *arg;
	int status;
	socklen_t len;
	struct sockaddr_storage sa;
	struct resolver_query *next;	/* free list or done list */
	struct resolver_query *prev;	/* done list */
};

/* One per socket c-ares has open. */
struct rwatch {
	int fd;
	struct loop_fd *w;
	struct rwatch *next;
};

struct resolver {
	struct loop *loop;
	ares_channel channel;
	bool channel_ok;
	bool closing;		/* in resolver_free(): c-ares' last callbacks are ignored */
	bool delivering;	/* in deliver_cb: resolver_free() leaves the rest to it */
	bool env_hosts;
	struct loop_timer *tmo;	/* c-ares' retransmissions and timeouts */
	struct loop_timer *deliver;	/* hands finished lookups to their callbacks */
	struct rwatch *watches;
	struct resolver_query *slots;
	struct resolver_query *free_head;
	struct resolver_query *done_head, *done_tail;
	unsigned int max, inflight;
};

static int map_status(int st)
{
	switch (st) {
	case ARES_SUCCESS:
		return 0;
	case ARES_ENOTFOUND:
		return -ENOENT;
	case ARES_ENODATA:
		return -ENODATA;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	/* c-ares 1.18 also ends a query that every server answered with
	 * SERVFAIL or REFUSED with ARES_ECONNREFUSED. */
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
		return -ECONNREFUSED;
	case ARES_EFORMERR:
	case ARES_EBADRESP:
	case ARES_ENOTIMP:
		return -EPROTO;
	case ARES_EBADNAME:
	case ARES_EBADFAMILY:
	case ARES_EBADFLAGS:
	case ARES_EBADQUERY:
	case ARES_ESERVICE:
		return -EINVAL;
	case ARES_ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

const char *resolver_strerror(int status)
{
	switch (status) {
	case 0:
		return "resolved";
	case -ENOENT:
		return "host name not found (no such domain)";
	case -ENODATA:
		return "host name has no IPv4 or IPv6 address";
	case -ETIMEDOUT:
		return "no answer from the DNS servers (timed out)";
	case -ECONNREFUSED:
		return "DNS servers refused or failed the query";
	case -EPROTO:
		return "malformed or unsupported answer from the DNS server";
	case -EINVAL:
		return "not a valid host name or IP address";
	case -ENOMEM:
		return "out of memory";
	case -EBUSY:
		return "too many host name lookups in flight";
	default:
		return "host name resolution failed";
	}
}

/* ---- slots ---- */

static struct resolver_query *slot_get(struct resolver *r)
{
	struct resolver_query *q = r->free_head;

	if (!q)
		return NULL;
	r->free_head = q->next;
	memset(q, 0, sizeof(*q));
	q->r = r;
	r->inflight++;
	return q;
}

static void slot_put(struct resolver *r, struct resolver_query *q)
{
	q->state = Q_FREE;
	q->cb = NULL;
	q->arg = NULL;
	q->next = r->free_head;
	r->free_head = q;
	r->inflight--;
}

static void done_unlink(struct resolver *r, struct resolver_query *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		r->done_head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		r->done_tail = q->prev;
	q->next = q->prev = NULL;
}

/* Results wait for the next loop iteration, so a callback never runs inside
 * resolver_lookup() nor inside c-ares (where freeing the resolver would pull
 * the channel from under it). */
static void done_push(struct resolver *r, struct resolver_query *q)
{
	q->state = Q_DONE;
	q->next = NULL;
	q->prev = r->done_tail;
	if (r->done_tail)
		r->done_tail->next = q;
	else
		r->done_head = q;
	r->done_tail = q;
	if (!loop_timer_armed(r->deliver))
		loop_timer_arm_in(r->deliver, 0);
}

static void resolver_release(struct resolver *r)
{
	if (r->deliver)
		loop_timer_free(r->deliver);
	free(r->slots);
	free(r);
	ares_library_cleanup();
}

static void deliver_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct resolver *r = arg;
	struct sockaddr_storage sa;
	struct resolver_query *q;

	r->delivering = true;
	while (!r->closing && (q = r->done_head)) {
		resolver_cb cb = q->cb;
		void *cb_arg = q->arg;
		int status = q->status;
		socklen_t len = q->len;

		done_unlink(r, q);
		memcpy(&sa, &q->sa, sizeof(sa));
		/* The slot is free before the callback, which may look up again. */
		slot_put(r, q);
		cb(cb_arg, status, status ? NULL : (const struct sockaddr *)&sa, status ? 0 : len);
	}
	r->delivering = false;
	if (r->closing)		/* freed from a callback */
		resolver_release(r);
}

/* ---- c-ares on the loop ---- */

static void timer_update(struct resolver *r)
{
	struct timeval tv;

	if (!ares_timeout(r->channel, NULL, &tv)) {
		loop_timer_disarm(r->tmo);
		return;
	}
	/* c-ares rounds the delay down to a millisecond: add one, or the
	 * timer fires early again and again until the query is due. */
	loop_timer_arm_in(r->tmo, (uint64_t)tv.tv_sec * LOOP_NSEC_PER_SEC +
			  (uint64_t)tv.tv_usec * 1000 + LOOP_NSEC_PER_MSEC);
}

static void tmo_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct resolver *r = arg;

	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	timer_update(r);
}

static void sock_io_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct resolver *r = arg;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	/* An error or hangup is read so c-ares sees it and moves on. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = fd;
	if (events & EPOLLOUT)
		wfd = fd;
	ares_process_fd(r->channel, rfd, wfd);
	timer_update(r);
}

static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	uint32_t events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	struct rwatch **pp, *w;
	int err;

	for (pp = &r->watches; (w = *pp); pp = &w->next)
		if (w->fd == fd)
			break;
	if (!events) {		/* c-ares closes the socket next */
		if (w) {
			*pp = w->next;
			loop_fd_del(r->loop, w->w);
			free(w);
		}
		return;
	}
	if (w) {
		err = loop_fd_mod(r->loop, w->w, events);
		if (err)
			log_err("resolver: cannot watch DNS socket: %s", strerror(-err));
		return;
	}
	/* Only when c-ares opens a socket (one per server and transport). If
	 * this fails its queries end by timing out. */
	w = calloc(1, sizeof(*w));
	if (!w) {
		log_err("resolver: cannot watch DNS socket: %s", strerror(ENOMEM));
		return;
	}
	err = loop_fd_add(r->loop, fd, events, sock_io_cb, r, &w->w);
	if (err) {
		log_err("resolver: cannot watch DNS socket: %s", strerror(-err));
		free(w);
		return;
	}
	w->fd = fd;
	w->next = r->watches;
	r->watches = w;
}

/* ---- answers ---- */

static bool node_usable(const struct ares_addrinfo_node *n)
{
	return (n->ai_family == AF_INET && n->ai_addrlen == sizeof(struct sockaddr_in)) ||
	       (n->ai_family == AF_INET6 && n->ai_addrlen == sizeof(struct sockaddr_in6));
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Which address. wg(8) resolves an endpoint with getaddrinfo(AF_UNSPEC,
 * SOCK_DGRAM) and keeps the first result; glibc orders the results by RFC
 * 6724, and c-ares sorts its answers by the same rules (unless
 * ARES_AI_NOSORT), so the first one here is the one wg would pick: IPv4
 * first on a host with no route to the name's IPv6 address (most home
 * gateways), IPv6 first when this host can reach it. An explicit preference
 * takes the first address of that family and falls back to the other. */
static int pick(struct resolver_query *q, const struct ares_addrinfo *ai)
{
	const struct ares_addrinfo_node *n, *first = NULL;

	for (n = ai ? ai->nodes : NULL; n; n = n->ai_next) {
		if (!node_usable(n))
			continue;
		if (!first)
			first = n;
		if (n->ai_family == q->family_pref) {
			first = n;
			break;
		}
	}
	if (!first)
		return -ENODATA;
	memset(&q->sa, 0, sizeof(q->sa));
	memcpy(&q->sa, first->ai_addr, first->ai_addrlen);
	q->len = first->ai_addrlen;
	set_port(&q->sa, q->port);
	return 0;
}

static void addrinfo_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolver_query *q = arg;
	struct resolver *r = q->r;

	if (r->closing) {	/* ARES_EDESTRUCTION from resolver_free() */
		if (ai)
			ares_freeaddrinfo(ai);
		return;
	}
	q->status = status == ARES_SUCCESS ? pick(q, ai) : map_status(status);
	if (ai)
		ares_freeaddrinfo(ai);
	if (q->state == Q_CANCELLED) {
		slot_put(r, q);
		return;
	}
	done_push(r, q);
}

/* ---- literal addresses ---- */

/* 1 and the address when host is a literal, 0 when it is a name. */
static int parse_literal(const char *host, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE];
	char *scope;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 1;
	}
	if (!strchr(host, ':'))
		return 0;
	/* "fe80::1%eth0" or "fe80::1%2", as getaddrinfo takes it. */
	n = strlen(host);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, n + 1);
	scope = strchr(buf, '%');
	if (scope)
		*scope++ = '\0';
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		return -EINVAL;
	if (scope) {
		char *end;
		unsigned long id = strtoul(scope, &end, 10);

		if (!*scope || *end)
			id = if_nametoindex(scope);
		if (!*scope || !id || id > UINT32_MAX)
			return -EINVAL;
		sin6->sin6_scope_id = (uint32_t)id;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	return 1;
}

/* DNS host name syntax: letters, digits, '-' and '_' in labels of 1 to 63
 * characters, an optional root dot. Anything else would be sent as is. */
static bool name_valid(const char *host)
{
	size_t n = strlen(host), label = 0;

	if (host[n - 1] == '.')
		n--;
	if (n == 0 || n > HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* ---- API ---- */

int resolver_lookup(struct resolver *r, const char *host, uint16_t port, int family_pref,
		    resolver_cb cb, void *arg, struct resolver_query **handle)
{
	struct ares_addrinfo_hints hints = {
		.ai_family = AF_UNSPEC,	/* both, for the preference to choose from */
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	struct sockaddr_storage ss;
	struct resolver_query *q;
	socklen_t len = 0;
	int lit;

	if (handle)
		*handle = NULL;
	if (!r || !cb || !host || !*host)
		return -EINVAL;
	if (family_pref != AF_UNSPEC && family_pref != AF_INET && family_pref != AF_INET6)
		return -EINVAL;
	lit = parse_literal(host, port, &ss, &len);
	if (lit < 0 || (!lit && !name_valid(host)))
		return -EINVAL;
	q = slot_get(r);
	if (!q)
		return -EBUSY;
	q->family_pref = family_pref;
	q->port = port;
	q->cb = cb;
	q->arg = arg;
	if (handle)
		*handle = q;
	if (lit) {
		memcpy(&q->sa, &ss, sizeof(ss));
		q->len = len;
		done_push(r, q);
		return 0;
	}
	q->state = Q_QUERY;
	if (r->env_hosts)
		hints.ai_flags |= ARES_AI_ENVHOSTS;
	/* Service NULL: the port is set on the chosen address, no services
	 * database is read. The callback may run in here (hosts file, errors);
	 * addrinfo_cb defers it. */
	ares_getaddrinfo(r->channel, host, NULL, &hints, addrinfo_cb, q);
	timer_update(r);
	return 0;
}

void resolver_cancel(struct resolver_query *q)
{
	if (!q)
		return;
	switch (q->state) {
	case Q_QUERY:		/* c-ares cannot drop one query: forget it when it ends */
		q->state = Q_CANCELLED;
		q->cb = NULL;
		q->arg = NULL;
		break;
	case Q_DONE:
		done_unlink(q->r, q);
		slot_put(q->r, q);
		break;
	default:
		break;
	}
}

unsigned int resolver_inflight(const struct resolver *r)
{
	return r->inflight;
}

static int init_channel(struct resolver *r, const struct resolver_opts *o)
{
	struct ares_options ao;
	int mask = ARES_OPT_SOCK_STATE_CB;
	int st;

	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = sock_state_cb;
	ao.sock_state_cb_data = r;
	if (o->timeout_ms) {
		ao.timeout = (int)o->timeout_ms;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (o->tries) {
		ao.tries = (int)o->tries;
		mask |= ARES_OPT_TRIES;
	}
	if (o->no_search) {
		ao.domains = NULL;
		ao.ndomains = 0;
		mask |= ARES_OPT_DOMAINS;
	}
	st = ares_init_options(&r->channel, &ao, mask);
	if (st != ARES_SUCCESS) {
		log_err("resolver: cannot set up c-ares: %s", ares_strerror(st));
		return st == ARES_ENOMEM ? -ENOMEM : -EIO;
	}
	r->channel_ok = true;
	/* Before any query, so none goes to resolv.conf's servers. */
	if (o->servers) {
		st = ares_set_servers_ports_csv(r->channel, o->servers);
		if (st != ARES_SUCCESS) {
			log_err("resolver: bad DNS server list '%s': %s", o->servers,
				ares_strerror(st));
			return st == ARES_ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

int resolver_new_with(struct loop *loop, const struct resolver_opts *opts,
		      struct resolver **out)
{
	static const struct resolver_opts defaults;
	const struct resolver_opts *o = opts ? opts : &defaults;
	struct resolver *r;
	int err, st;

	*out = NULL;
	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS)
		return -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ares_library_cleanup();
		return -ENOMEM;
	}
	r->loop = loop;
	r->env_hosts = o->env_hosts;
	r->max = o->max_inflight ? o->max_inflight : RESOLVER_MAX_INFLIGHT;
	r->slots = calloc(r->max, sizeof(*r->slots));
	err = -ENOMEM;
	if (!r->slots)
		goto fail;
	for (unsigned int i = r->max; i-- > 0;) {
		r->slots[i].next = r->free_head;
		r->free_head = &r->slots[i];
	}
	err = loop_timer_new(loop, tmo_cb, r, &r->tmo);
	if (err)
		goto fail;
	err = loop_timer_new(loop, deliver_cb, r, &r->deliver);
	if (err)
		goto fail;
	err = init_channel(r, o);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	resolver_free(r);
	return err;
}

int resolver_new(struct loop *loop, struct resolver **out)
{
	return resolver_new_with(loop, NULL, out);
}

void resolver_free(struct resolver *r)
{
	struct rwatch *w;

	if (!r || r->closing)
		return;
	r->closing = true;
	/* Ends every query (addrinfo_cb ignores them) and closes the sockets
	 * through sock_state_cb, which drops their watches. */
	if (r->channel_ok)
		ares_destroy(r->channel);
	while ((w = r->watches)) {
		r->watches = w->next;
		loop_fd_del(r->loop, w->w);
		free(w);
	}
	if (r->tmo)
		loop_timer_free(r->tmo);
	r->tmo = NULL;
	if (!r->delivering)
		resolver_release(r);
}
