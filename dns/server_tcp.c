/* DNS over TCP (RFC 7766): two-byte length framing, several queries per
 * connection answered as they complete, a cap on connections, and an idle
 * timeout. A connection stops reading while it has TCP_PIPELINE queries in
 * flight or a backlog of unread replies. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/loop.h"
#include "dns/server_impl.h"

#define ACCEPT_BATCH 16

static void conn_update(struct conn *c);

static void conn_close(struct conn *c)
{
	struct dns_server *s = c->s;

	if (!c->used)
		return;
	if (c->w)
		loop_fd_del(s->loop, c->w);
	c->w = NULL;
	close(c->fd);
	c->fd = -1;
	loop_timer_disarm(c->timer);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->out_len = c->out_off = c->out_cap = 0;
	c->used = false;
	c->gen++;		/* answers still on their way find it gone */
	c->pending = 0;
	c->next_free = s->conn_free;
	s->conn_free = c;
	s->st.tcp_open--;
}

static bool conn_done(const struct conn *c)
{
	return c->rd_eof && !c->pending && c->out_off == c->out_len;
}

/* Writes what it can; false if the connection was closed. */
static bool conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			c->s->st.tcp_closed_errors++;
			conn_close(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (conn_done(c)) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Queues a reply with its length; false if the client reads too slowly. */
static bool conn_queue(struct conn *c, const uint8_t *msg, size_t len)
{
	size_t need = c->out_len + 2 + len;

	if (need > TCP_OUT_MAX)
		return false;
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		if (cap > TCP_OUT_MAX)
			cap = TCP_OUT_MAX;
		p = realloc(c->out, cap);
		if (!p)
			return false;
		c->out = p;
		c->out_cap = cap;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	c->s->st.replies++;
	if (msg[2] & (DNS_F_TC >> 8))
		c->s->st.truncated++;
	return true;
}

static bool conn_busy(const struct conn *c)
{
	return c->pending >= TCP_PIPELINE || c->out_len - c->out_off > TCP_OUT_MAX / 2;
}

/* One framed query. False if the connection was closed. */
static bool conn_query(struct conn *c, const uint8_t *msg, size_t len, uint64_t now)
{
	struct dns_server *s = c->s;
	enum dns_verdict v;
	struct pending *p;
	size_t n = 0;

	s->st.tcp_queries++;
	switch (srv_check_source(s, &c->peer, now)) {
	case SRC_LIMIT:
		return true;
	case SRC_REFUSE:	/* the list changed since it connected */
		conn_close(c);
		return false;
	default:
		break;
	}
	v = dns_engine_query(s->e, now, msg, len, true, &s->req, s->big, sizeof(s->big), &n);
	if (v == DNS_FORWARD) {
		p = srv_pending_get(s);
		if (p) {
			p->req = s->req;
			p->tcp = true;
			p->conn = c->idx;
			p->conn_gen = c->gen;
			c->pending++;
			if (srv_forward(s, p) == 0)
				return true;
			c->pending--;
			srv_pending_put(s, p);
		}
		v = dns_engine_fail(s->e, now, &s->req, s->big, sizeof(s->big), &n);
	}
	if (v != DNS_REPLY || !n) {
		s->st.dropped++;
		return true;
	}
	if (!conn_queue(c, s->big, n)) {
		s->st.tcp_closed_errors++;
		conn_close(c);
		return false;
	}
	return true;
}

/* Answers the complete queries in the buffer while the connection may
 * take more. False if it was closed. */
static bool conn_process(struct conn *c, uint64_t now)
{
	size_t off = 0;
	bool alive = true;

	while (c->in_len - off >= 2 && !conn_busy(c)) {
		size_t mlen = (size_t)c->in[off] << 8 | c->in[off + 1];

		if (mlen == 0) {	/* nothing can be asked in 0 bytes */
			c->s->st.tcp_closed_errors++;
			conn_close(c);
			return false;
		}
		if (c->in_len - off < 2 + mlen)
			break;
		alive = conn_query(c, c->in + off + 2, mlen, now);
		if (!alive)
			return false;
		off += 2 + mlen;
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return true;
}

static void conn_update(struct conn *c)
{
	uint32_t ev = 0;

	if (!c->rd_eof && !conn_busy(c))
		ev |= EPOLLIN;
	if (c->out_off < c->out_len)
		ev |= EPOLLOUT;
	if (ev != c->events && loop_fd_mod(c->s->loop, c->w, ev) == 0)
		c->events = ev;
}

static void conn_io(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	uint64_t now = loop_now(loop);

	(void)fd;
	c->last_active = now;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		while (!c->rd_eof && !conn_busy(c)) {
			ssize_t n = recv(c->fd, c->in + c->in_len, TCP_IN_CAP - c->in_len,
					 MSG_DONTWAIT);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0) {
				c->s->st.tcp_closed_errors++;
				conn_close(c);
				return;
			}
			if (n == 0) {	/* the client has asked all it will */
				c->rd_eof = true;
				break;
			}
			c->in_len += (size_t)n;
			if (!conn_process(c, now))
				return;
		}
	}
	/* Nobody is left to read the answers. */
	if ((events & EPOLLERR) || ((events & EPOLLHUP) && c->rd_eof)) {
		conn_close(c);
		return;
	}
	if (!conn_flush(c))
		return;
	conn_update(c);
}

/* Idle for too long, or a kick after its backlog cleared. */
static void conn_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct conn *c = arg;
	struct dns_server *s = c->s;
	uint64_t now = loop_now(loop);

	if (!c->used)
		return;
	if (!conn_busy(c) && c->in_len >= 2) {
		if (!conn_process(c, now) || !conn_flush(c))
			return;
		conn_update(c);
	}
	if (c->pending || c->out_off < c->out_len || now < c->last_active + s->conf.tcp_idle_ns) {
		loop_timer_arm_at(t, (c->pending || c->out_off < c->out_len ? now :
				      c->last_active) + s->conf.tcp_idle_ns);
		return;
	}
	s->st.tcp_timeouts++;
	conn_close(c);
}

void srv_tcp_deliver(struct dns_server *s, struct pending *p, const uint8_t *msg, size_t len)
{
	struct conn *c = &s->conns[p->conn];

	if (!c->used || c->gen != p->conn_gen)
		return;
	c->pending--;
	c->last_active = loop_now(s->loop);
	if (msg && !conn_queue(c, msg, len)) {
		s->st.tcp_closed_errors++;
		conn_close(c);
		return;
	}
	if (!conn_flush(c))
		return;
	conn_update(c);
	/* Queries it could not take while busy: read them from the loop. */
	if (c->in_len >= 2 && !conn_busy(c))
		loop_timer_arm_in(c->timer, 0);
}

static void conn_open(struct dns_server *s, int fd, const struct sockaddr_storage *ss)
{
	struct conn *c = s->conn_free;
	uint64_t now = loop_now(s->loop);
	struct mg_addr peer;

	srv_sockaddr_to_addr(ss, &peer);
	/* Strangers get no connection to hold. */
	if (srv_check_source(s, &peer, now) != SRC_OK || !c) {
		if (!c)
			s->st.tcp_rejected++;
		close(fd);
		return;
	}
	c->in = malloc(TCP_IN_CAP);
	if (!c->in || loop_fd_add(s->loop, fd, EPOLLIN, conn_io, c, &c->w) < 0) {
		free(c->in);
		c->in = NULL;
		s->st.tcp_rejected++;
		close(fd);
		return;
	}
	s->conn_free = c->next_free;
	c->used = true;
	c->rd_eof = false;
	c->fd = fd;
	c->peer = peer;
	c->events = EPOLLIN;
	c->last_active = now;
	c->pending = 0;
	s->st.tcp_accepted++;
	s->st.tcp_open++;
	loop_timer_arm_at(c->timer, now + s->conf.tcp_idle_ns);
}

void srv_tcp_accept(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct lsock *l = arg;

	(void)loop;
	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0)
			return;
		conn_open(l->s, cfd, &ss);
	}
}

int srv_tcp_init(struct dns_server *s)
{
	int r;

	s->conns = calloc(s->conf.tcp_max, sizeof(*s->conns));
	if (!s->conns)
		return -ENOMEM;
	for (unsigned i = s->conf.tcp_max; i-- > 0;) {
		struct conn *c = &s->conns[i];

		c->s = s;
		c->idx = i;
		c->fd = -1;
		r = loop_timer_new(s->loop, conn_timer, c, &c->timer);
		if (r < 0)
			return r;
		c->next_free = s->conn_free;
		s->conn_free = c;
	}
	return 0;
}

void srv_tcp_fini(struct dns_server *s)
{
	if (!s->conns)
		return;
	for (unsigned i = 0; i < s->conf.tcp_max; i++) {
		struct conn *c = &s->conns[i];

		conn_close(c);
		if (c->timer)
			loop_timer_free(c->timer);
	}
	free(s->conns);
	s->conns = NULL;
}
