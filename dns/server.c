/* Listeners, the UDP path and queries waiting for upstream. A cache hit or
 * a local name costs one slot of a recvmmsg batch, the engine, and one
 * slot of the sendmmsg that answers the batch: no allocation. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/loop.h"
#include "dns/answer.h"
#include "dns/server_impl.h"
#include "lib/trie.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

#define RCVBUF (1 << 20)

_Static_assert(SRV_BATCH <= UINT8_MAX, "reply slots are kept in bytes");

static int allow_mark;		/* the allow list's value: any non-NULL pointer */

void dns_server_conf_default(struct dns_server_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 53;
	c->tcp_max = 64;
	c->tcp_idle_ns = 10 * LOOP_NSEC_PER_SEC;
	c->max_pending = 1024;
}

void srv_sockaddr_to_addr(const struct sockaddr_storage *ss, struct mg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		a->u.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		a->family = AF_INET6;
		a->u.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
}

static socklen_t addr_to_sockaddr(const struct mg_addr *a, uint16_t port,
				  struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->u.v6;
	return sizeof(*sin6);
}

/* ---- policy ---- */

enum src_verdict srv_check_source(struct dns_server *s, const struct mg_addr *a, uint64_t now)
{
	if (!dns_rl_allow(&s->rl, a, now)) {
		s->st.ratelimited++;
		return SRC_LIMIT;
	}
	if (!a->family || !trie_lookup(s->allow, a)) {
		s->st.refused++;
		return SRC_REFUSE;
	}
	return SRC_OK;
}

int dns_server_set_policy(struct dns_server *s, const struct dns_server_policy *p)
{
	struct trie *t = trie_new();
	int r;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < p->nallow; i++) {
		r = trie_insert(t, &p->allow[i], &allow_mark);
		if (r < 0) {
			trie_free(t);
			return r;
		}
	}
	trie_free(s->allow);
	s->allow = t;
	dns_rl_set(&s->rl, p->rate, p->burst);
	return 0;
}

/* ---- queries waiting for upstream ---- */

struct pending *srv_pending_get(struct dns_server *s)
{
	struct pending *p = s->pend_free;

	if (!p) {
		s->st.pending_full++;
		return NULL;
	}
	s->pend_free = p->next_free;
	p->used = true;
	p->h = NULL;
	s->st.pending++;
	return p;
}

void srv_pending_put(struct dns_server *s, struct pending *p)
{
	p->used = false;
	p->h = NULL;
	p->next_free = s->pend_free;
	s->pend_free = p;
	s->st.pending--;
}

static void deliver(void *arg, enum dns_verdict v, const uint8_t *msg, size_t len)
{
	struct pending *p = arg;
	struct dns_server *s = p->s;

	p->h = NULL;
	if (v == DNS_REPLY && len) {
		if (p->tcp) {
			srv_tcp_deliver(s, p, msg, len);
		} else if (sendto(p->fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&p->peer,
				  p->peer_len) < 0) {
			s->st.send_errors++;
		} else {
			s->st.replies++;
			if (msg[2] & (DNS_F_TC >> 8))
				s->st.truncated++;
		}
	} else {
		s->st.dropped++;
		if (p->tcp)
			srv_tcp_deliver(s, p, NULL, 0);
	}
	srv_pending_put(s, p);
}

int srv_forward(struct dns_server *s, struct pending *p)
{
	int r = s->up ? dns_upstream_send(s->up, &p->req, deliver, p, &p->h) : -ENETUNREACH;

	if (r == 0)
		s->st.forwarded++;
	return r;
}

static void drop_pending(struct dns_server *s)
{
	for (unsigned i = 0; i < s->conf.max_pending; i++) {
		struct pending *p = &s->pend[i];

		if (!p->used)
			continue;
		dns_upstream_cancel(p->h);
		if (p->tcp)
			srv_tcp_deliver(s, p, NULL, 0);
		srv_pending_put(s, p);
	}
}

void dns_server_set_upstream(struct dns_server *s, struct dns_upstream *up)
{
	if (s->up == up)
		return;
	drop_pending(s);
	s->up = up;
}

/* ---- UDP ---- */

/* One datagram: the reply, if any, goes into tx slot *ntx. */
static void udp_query(struct dns_server *s, int fd, unsigned i, unsigned *ntx, uint64_t now)
{
	struct mmsghdr *m = &s->rx[i];
	const uint8_t *msg = s->rxbuf[i];
	size_t len = m->msg_len, n = 0;
	uint8_t *out = s->txbuf[*ntx];
	struct mg_addr src;
	enum dns_verdict v;
	struct pending *p;

	s->st.udp_queries++;
	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		s->st.oversize++;
		return;
	}
	srv_sockaddr_to_addr(&s->rxname[i], &src);
	switch (srv_check_source(s, &src, now)) {
	case SRC_LIMIT:
		return;
	case SRC_REFUSE:
		if (dns_query_parse(msg, len, &s->req.q) < 0)
			return;
		n = dns_answer_error(&s->req.q, DNS_RC_REFUSED, s->e->conf.udp_size, out,
				     SRV_UDP_MAX);
		v = n ? DNS_REPLY : DNS_DROP;
		break;
	default:
		v = dns_engine_query(s->e, now, msg, len, false, &s->req, out, SRV_UDP_MAX, &n);
		break;
	}
	if (v == DNS_FORWARD) {
		p = srv_pending_get(s);
		if (p) {
			p->req = s->req;
			p->tcp = false;
			p->fd = fd;
			memcpy(&p->peer, &s->rxname[i], m->msg_hdr.msg_namelen);
			p->peer_len = m->msg_hdr.msg_namelen;
			if (srv_forward(s, p) == 0)
				return;
			srv_pending_put(s, p);
		}
		v = dns_engine_fail(s->e, now, &s->req, out, SRV_UDP_MAX, &n);
	}
	if (v != DNS_REPLY || !n) {
		s->st.dropped++;
		return;
	}
	if (out[2] & (DNS_F_TC >> 8))
		s->st.truncated++;
	s->txiov[*ntx].iov_base = out;
	s->txiov[*ntx].iov_len = n;
	s->tx[*ntx].msg_hdr.msg_name = &s->rxname[i];
	s->tx[*ntx].msg_hdr.msg_namelen = m->msg_hdr.msg_namelen;
	(*ntx)++;
}

static bool same_peer(const struct msghdr *a, const struct msghdr *b)
{
	return a->msg_namelen == b->msg_namelen && !memcmp(a->msg_name, b->msg_name, a->msg_namelen);
}

/* Orders the batch's replies as runs for one client and one size (the last
 * of a run may be shorter), each client's replies in the order they were
 * made; without gso every reply is a run of its own. */
static void udp_order(struct dns_server *s, unsigned ntx, bool gso)
{
	bool taken[SRV_BATCH] = { false };
	unsigned k = 0;

	for (unsigned i = 0; i < ntx; i++) {
		size_t seg = s->txiov[i].iov_len;

		if (taken[i])
			continue;
		s->order[k++] = (uint8_t)i;
		if (!gso || seg > SRV_GSO_MAX)
			continue;
		for (unsigned j = i + 1; j < ntx; j++) {
			size_t len = s->txiov[j].iov_len;

			if (taken[j] || !same_peer(&s->tx[i].msg_hdr, &s->tx[j].msg_hdr))
				continue;
			if (len > seg)
				break;
			taken[j] = true;
			s->order[k++] = (uint8_t)j;
			if (len < seg)
				break;
		}
	}
}

/* Messages for the replies order[from..ntx): a run of two or more is one
 * send with UDP_SEGMENT, which the kernel cuts back into the same
 * datagrams after one pass down the stack (one per reply otherwise). */
static unsigned udp_pack(struct dns_server *s, unsigned from, unsigned ntx, bool gso)
{
	unsigned nout = 0, k = from;

	while (k < ntx) {
		const struct msghdr *first = &s->tx[s->order[k]].msg_hdr;
		struct msghdr *h = &s->out[nout].msg_hdr;
		size_t seg = s->txiov[s->order[k]].iov_len;
		unsigned n = 0;

		do {
			s->outiov[k + n] = s->txiov[s->order[k + n]];
			n++;
		} while (gso && seg <= SRV_GSO_MAX && k + n < ntx &&
			 s->txiov[s->order[k + n - 1]].iov_len == seg &&
			 s->txiov[s->order[k + n]].iov_len <= seg &&
			 same_peer(first, &s->tx[s->order[k + n]].msg_hdr));
		h->msg_name = first->msg_name;
		h->msg_namelen = first->msg_namelen;
		h->msg_iov = &s->outiov[k];
		h->msg_iovlen = n;
		h->msg_control = NULL;
		h->msg_controllen = 0;
		h->msg_flags = 0;
		if (n > 1) {
			struct cmsghdr *c = &s->outctl[nout].h;
			uint16_t size = (uint16_t)seg;

			h->msg_control = s->outctl[nout].b;
			h->msg_controllen = sizeof(s->outctl[nout].b);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(size));
			memcpy(CMSG_DATA(c), &size, sizeof(size));
		}
		s->outfirst[nout++] = (uint8_t)k;
		k += n;
	}
	return nout;
}

static bool gso_refused(int err)
{
	return err == EINVAL || err == EMSGSIZE || err == EIO || err == EOPNOTSUPP ||
	       err == ENOPROTOOPT;
}

static void udp_send(struct dns_server *s, struct lsock *l, unsigned ntx)
{
	unsigned nout, done = 0;

	udp_order(s, ntx, l->gso);
	nout = udp_pack(s, 0, ntx, l->gso);
	while (done < nout) {
		int r = sendmmsg(l->fd, s->out + done, nout - done, MSG_DONTWAIT);
		unsigned from = s->outfirst[done];
		unsigned next = done + 1 < nout ? s->outfirst[done + 1] : ntx;

		if (r > 0) {
			done += (unsigned)r;
			s->st.replies += (done < nout ? s->outfirst[done] : ntx) - from;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && s->out[done].msg_hdr.msg_iovlen > 1 && gso_refused(errno)) {
			/* The kernel would not segment this (a route MTU below
			 * the size, IPsec, no checksum offload): this socket
			 * sends one reply at a time from now on, starting with
			 * the rest of this batch. */
			l->gso = false;
			nout = udp_pack(s, from, ntx, false);
			done = 0;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
			/* One client's route: only its message is lost. Runs
			 * moved other clients' replies after this one, so
			 * giving up here would lose replies that sending in
			 * arrival order delivers. */
			s->st.send_errors += next - from;
			done++;
			continue;
		}
		/* A full socket buffer: the rest of the batch is lost, the
		 * clients retry. */
		s->st.send_errors += ntx - from;
		return;
	}
}

static void udp_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct lsock *l = arg;
	struct dns_server *s = l->s;

	(void)events;
	for (int b = 0; b < SRV_BATCHES; b++) {
		unsigned ntx = 0;
		uint64_t now;
		int n;

		for (unsigned i = 0; i < SRV_BATCH; i++) {
			s->rx[i].msg_hdr.msg_namelen = sizeof(s->rxname[i]);
			s->rx[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, s->rx, SRV_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				s->st.recv_errors++;
			return;
		}
		now = loop_now(loop);
		for (unsigned i = 0; i < (unsigned)n; i++)
			udp_query(s, fd, i, &ntx, now);
		if (ntx)
			udp_send(s, l, ntx);
		if (n < SRV_BATCH)
			return;
	}
}

/* ---- listeners ---- */

static int open_socket(struct dns_server *s, const struct mg_addr *a, bool tcp, int *out,
		       bool *gso)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_to_sockaddr(a, s->port, &ss);
	int fd, one = 1, zero = 0, rcv = RCVBUF, r;

	fd = socket(a->family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Never the other family's wildcard by accident; addresses that come
	 * later (the VIP on a backup) can be bound now. */
	if (a->family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			goto fail;
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	}
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (!tcp) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		/* Kernels that know UDP_SEGMENT take a size of 0 (off). */
		*gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero)) == 0;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	if (tcp && listen(fd, 64) < 0)
		goto fail;
	if (!s->port) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			goto fail;
		s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
				((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	*out = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

static int add_listener(struct dns_server *s, const struct mg_addr *a, bool tcp)
{
	struct lsock *l = &s->ls[s->nls];
	char buf[MG_PREFIX_STRLEN];
	int r;

	l->s = s;
	l->fd = -1;
	l->tcp = tcp;
	l->addr = *a;
	l->gso = false;
	r = open_socket(s, a, tcp, &l->fd, &l->gso);
	if (r == 0)
		r = loop_fd_add(s->loop, l->fd, EPOLLIN, tcp ? srv_tcp_accept : udp_readable, l,
				&l->w);
	if (r < 0) {
		log_err("dns: cannot listen on %s port %u/%s: %s", mg_addr_fmt(a, buf, sizeof(buf)),
			s->port, tcp ? "tcp" : "udp", strerror(-r));
		if (l->fd >= 0)
			close(l->fd);
		return r;
	}
	s->nls++;
	return 0;
}

static int alloc_buffers(struct dns_server *s)
{
	uint8_t key[DNS_HASH_KEYLEN];

	s->rxbuf = calloc(SRV_BATCH, sizeof(*s->rxbuf));
	s->txbuf = calloc(SRV_BATCH, sizeof(*s->txbuf));
	s->pend = calloc(s->conf.max_pending, sizeof(*s->pend));
	if (!s->rxbuf || !s->txbuf || !s->pend)
		return -ENOMEM;
	for (unsigned i = s->conf.max_pending; i-- > 0;) {
		s->pend[i].s = s;
		s->pend[i].next_free = s->pend_free;
		s->pend_free = &s->pend[i];
	}
	for (unsigned i = 0; i < SRV_BATCH; i++) {
		s->rxiov[i].iov_base = s->rxbuf[i];
		s->rxiov[i].iov_len = SRV_UDP_MAX;
		s->rx[i].msg_hdr.msg_iov = &s->rxiov[i];
		s->rx[i].msg_hdr.msg_iovlen = 1;
		s->rx[i].msg_hdr.msg_name = &s->rxname[i];
		s->tx[i].msg_hdr.msg_iov = &s->txiov[i];
		s->tx[i].msg_hdr.msg_iovlen = 1;
	}
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -EIO;
	return dns_rl_init(&s->rl, SRV_RL_SLOTS, key);
}

int dns_server_new(struct loop *loop, const struct dns_server_conf *c, struct dns_engine *e,
		   struct dns_upstream *up, struct dns_server **out)
{
	struct dns_server *s;
	int r = -EINVAL;

	*out = NULL;
	if (!c->nlisten || c->nlisten > DNS_SERVER_MAX_LISTEN || e->conf.udp_size > SRV_UDP_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->e = e;
	s->up = up;
	s->conf = *c;
	s->conf.listen = NULL;
	s->conf.nlisten = 0;
	s->conf.policy.allow = NULL;
	s->conf.policy.nallow = 0;
	if (!s->conf.max_pending)
		s->conf.max_pending = 1024;
	if (!s->conf.tcp_max)
		s->conf.tcp_max = 64;
	if (!s->conf.tcp_idle_ns)
		s->conf.tcp_idle_ns = 10 * LOOP_NSEC_PER_SEC;
	s->port = c->port;
	s->lrl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * LOOP_NSEC_PER_SEC, 5);
	r = alloc_buffers(s);
	if (r == 0)
		r = dns_server_set_policy(s, &c->policy);
	if (r == 0)
		r = srv_tcp_init(s);
	for (size_t i = 0; r == 0 && i < c->nlisten; i++) {
		r = add_listener(s, &c->listen[i], false);
		if (r == 0)
			r = add_listener(s, &c->listen[i], true);
	}
	if (r < 0) {
		dns_server_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void dns_server_free(struct dns_server *s)
{
	if (!s)
		return;
	if (s->pend)
		drop_pending(s);
	srv_tcp_fini(s);
	for (unsigned i = 0; i < s->nls; i++) {
		loop_fd_del(s->loop, s->ls[i].w);
		close(s->ls[i].fd);
	}
	trie_free(s->allow);
	dns_rl_fini(&s->rl);
	free(s->rxbuf);
	free(s->txbuf);
	free(s->pend);
	free(s);
}

uint16_t dns_server_port(const struct dns_server *s)
{
	return s->port;
}

void dns_server_get_stats(const struct dns_server *s, struct dns_server_stats *st)
{
	*st = s->st;
}
