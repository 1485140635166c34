/* The resolver on the real event loop, against a small DNS responder that
 * runs on the same loop on 127.0.0.1 and answers from a fixed table. The
 * resolver is pointed at that responder only. Every loop_run() has a
 * failsafe timer so a broken resolver fails a test instead of hanging it;
 * nothing asserts how long anything took. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/loop.h"
#include "core/resolver.h"

#define FAILSAFE_NS (20 * LOOP_NSEC_PER_SEC)
#define MAX_HELD 8
#define BURST 16	/* queries answered per wakeup, so answers never flood c-ares' socket */

/* ---- a fixed-answer DNS responder ---- */

enum action { ANSWER, DROP, HOLD };

struct table_entry {
	const char *name;
	enum action action;
	int rcode;		/* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED */
	const char *a;		/* NULL: no A record */
	const char *aaaa;
};

static const struct table_entry table[] = {
	{ "v4.test", ANSWER, 0, "192.0.2.10", NULL },
	{ "v6.test", ANSWER, 0, NULL, "2001:db8::10" },
	{ "dual.test", ANSWER, 0, "192.0.2.20", "2001:db8::20" },
	{ "dual-lo.test", ANSWER, 0, "127.0.0.1", "::1" },
	{ "empty.test", ANSWER, 0, NULL, NULL },
	{ "fail.test", ANSWER, 2, NULL, NULL },
	{ "refused.test", ANSWER, 5, NULL, NULL },
	{ "drop.test", DROP, 0, NULL, NULL },
	{ "hold.test", HOLD, 0, "192.0.2.99", NULL },
};

struct held {
	uint8_t buf[512];
	size_t len;
	struct sockaddr_in from;
};

struct dns_server {
	int fd;
	uint16_t port;
	struct loop_fd *w;
	unsigned int queries;
	unsigned int dropped;
	unsigned int moving;	/* A queries for moving.test so far */
	struct held held[MAX_HELD];
	unsigned int nheld;
	void (*on_hold)(void *arg);
	void *on_hold_arg;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The question's name (lower case, dotted), type and end; -1 if malformed. */
static int parse_question(const uint8_t *p, size_t n, char *name, size_t namesz,
			  uint16_t *qtype, size_t *qend)
{
	size_t off = 12, out = 0;

	if (n < 12 || get16(p + 4) != 1)
		return -1;
	for (;;) {
		uint8_t l;

		if (off >= n)
			return -1;
		l = p[off++];
		if (l == 0)
			break;
		if (l > 63 || off + l > n || out + l + 2 > namesz)
			return -1;
		if (out)
			name[out++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			char c = (char)p[off + i];

			name[out++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		off += l;
	}
	name[out] = '\0';
	if (off + 4 > n)
		return -1;
	*qtype = get16(p + off);
	*qend = off + 4;
	return 0;
}

static size_t add_rr(uint8_t *out, size_t off, uint16_t type, const void *rdata, uint16_t rdlen)
{
	out[off++] = 0xc0;	/* the name: a pointer to the question's */
	out[off++] = 12;
	put16(out + off, type);
	put16(out + off + 2, 1);	/* IN */
	put16(out + off + 4, 0);
	put16(out + off + 6, 60);	/* TTL */
	put16(out + off + 8, rdlen);
	memcpy(out + off + 10, rdata, rdlen);
	return off + 10 + rdlen;
}

/* A response to query q (question ending at qend) in out; its length. */
static size_t respond(struct dns_server *s, const uint8_t *q, size_t qend, const char *name,
		      uint16_t qtype, enum action *action, uint8_t *out)
{
	const struct table_entry *e = NULL;
	char a_buf[INET_ADDRSTRLEN];
	const char *a = NULL, *aaaa = NULL;
	int rcode = 3;
	uint16_t ancount = 0;
	size_t off;
	unsigned int num;
	char tail;

	*action = ANSWER;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			e = &table[i];
	if (e) {
		*action = e->action;
		rcode = e->rcode;
		a = e->a;
		aaaa = e->aaaa;
	} else if (sscanf(name, "h%u.tes%c", &num, &tail) == 2 && tail == 't' && num < 65536) {
		snprintf(a_buf, sizeof(a_buf), "10.0.%u.%u", num >> 8, num & 255);
		rcode = 0;
		a = a_buf;
	} else if (!strcmp(name, "moving.test")) {
		/* A dynamic DNS name whose address changes at every lookup. */
		if (qtype == 1)
			s->moving++;
		snprintf(a_buf, sizeof(a_buf), "198.51.100.%u", s->moving);
		rcode = 0;
		a = a_buf;
	}

	memcpy(out, q, qend);
	/* QR, the query's opcode and RD, RA, rcode; one question, no EDNS. */
	put16(out + 2, (uint16_t)(0x8000 | (get16(q + 2) & 0x7900) | 0x0080 | rcode));
	put16(out + 8, 0);
	put16(out + 10, 0);
	off = qend;
	if (qtype == 1 && a) {
		struct in_addr v4;

		assert_int_equal(inet_pton(AF_INET, a, &v4), 1);
		off = add_rr(out, off, 1, &v4, 4);
		ancount++;
	}
	if (qtype == 28 && aaaa) {
		struct in6_addr v6;

		assert_int_equal(inet_pton(AF_INET6, aaaa, &v6), 1);
		off = add_rr(out, off, 28, &v6, 16);
		ancount++;
	}
	put16(out + 6, ancount);
	return off;
}

static void send_answer(struct dns_server *s, const uint8_t *q, size_t n,
			const struct sockaddr_in *from, bool held)
{
	uint8_t out[600];
	char name[256];
	uint16_t qtype;
	size_t qend, len;
	enum action action;

	if (parse_question(q, n, name, sizeof(name), &qtype, &qend) < 0)
		return;
	len = respond(s, q, qend, name, qtype, &action, out);
	if (action == DROP) {
		s->dropped++;
		return;
	}
	if (action == HOLD && !held) {
		assert_true(s->nheld < MAX_HELD);
		memcpy(s->held[s->nheld].buf, q, n);
		s->held[s->nheld].len = n;
		s->held[s->nheld].from = *from;
		s->nheld++;
		if (s->on_hold)
			s->on_hold(s->on_hold_arg);
		return;
	}
	assert_int_equal(sendto(s->fd, out, len, 0, (const struct sockaddr *)from, sizeof(*from)),
			 (ssize_t)len);
}

static void server_release_held(struct dns_server *s)
{
	for (unsigned int i = 0; i < s->nheld; i++)
		send_answer(s, s->held[i].buf, s->held[i].len, &s->held[i].from, true);
	s->nheld = 0;
}

static void server_io(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct dns_server *s = arg;

	for (int i = 0; i < BURST; i++) {
		uint8_t q[512];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			return;
		}
		/* Everything must come from this host. */
		assert_int_equal(from.sin_family, AF_INET);
		assert_int_equal(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
		s->queries++;
		send_answer(s, q, (size_t)n, &from, false);
	}
}

static void server_start(struct dns_server *s, struct loop *loop)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int big = 4 << 20;

	memset(s, 0, sizeof(*s));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	/* Room for a burst of hundreds of queries (root may exceed rmem_max). */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(loop_fd_add(loop, s->fd, EPOLLIN, server_io, s, &s->w), 0);
}

static void server_stop(struct dns_server *s, struct loop *loop)
{
	loop_fd_del(loop, s->w);
	close(s->fd);
}

/* ---- fixture ---- */

struct ctx {
	struct loop *loop;
	struct loop_timer *failsafe, *stopper;
	struct resolver *r;
	struct dns_server dns;
	char servers[64];
	int done, want;
	bool timed_out;
};

struct result {
	struct ctx *c;
	int calls;
	int status;
	struct sockaddr_storage sa;
	socklen_t len;
};

static void failsafe_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct ctx *c = arg;

	c->timed_out = true;
	loop_stop(loop);
}

static void stopper_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	loop_stop(loop);
}

static void record(struct result *res, int status, const struct sockaddr *sa, socklen_t len)
{
	res->calls++;
	res->status = status;
	res->len = len;
	if (status) {
		assert_null(sa);
		assert_int_equal(len, 0);
	} else {
		assert_non_null(sa);
		assert_true(len <= sizeof(res->sa));
		memcpy(&res->sa, sa, len);
	}
}

static void record_cb(void *arg, int status, const struct sockaddr *sa, socklen_t len)
{
	struct result *res = arg;
	struct ctx *c = res->c;

	record(res, status, sa, len);
	if (++c->done >= c->want)
		loop_stop(c->loop);
}

/* Runs the loop until `want` more callbacks have come. */
static void run(struct ctx *c, int want)
{
	c->done = 0;
	c->want = want;
	loop_timer_arm_in(c->failsafe, FAILSAFE_NS);
	assert_int_equal(loop_run(c->loop), 0);
	loop_timer_disarm(c->failsafe);
	assert_false(c->timed_out);
	assert_int_equal(c->done, want);
}

/* One loop iteration: every delivery already due is made. */
static void spin(struct ctx *c)
{
	c->want = 1 << 30;
	loop_timer_arm_in(c->stopper, 0);
	assert_int_equal(loop_run(c->loop), 0);
}

static struct resolver_opts test_opts(struct ctx *c)
{
	struct resolver_opts o = {
		.servers = c->servers,
		.timeout_ms = 500,
		.tries = 3,
		.no_search = true,
	};
	return o;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct resolver_opts o;

	assert_non_null(c);
	assert_int_equal(loop_new(&c->loop), 0);
	assert_int_equal(loop_timer_new(c->loop, failsafe_cb, c, &c->failsafe), 0);
	assert_int_equal(loop_timer_new(c->loop, stopper_cb, c, &c->stopper), 0);
	server_start(&c->dns, c->loop);
	snprintf(c->servers, sizeof(c->servers), "127.0.0.1:%u", c->dns.port);
	o = test_opts(c);
	assert_int_equal(resolver_new_with(c->loop, &o, &c->r), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	resolver_free(c->r);
	server_stop(&c->dns, c->loop);
	loop_timer_free(c->failsafe);
	loop_timer_free(c->stopper);
	loop_free(c->loop);
	free(c);
	return 0;
}

/* Replaces the fixture's resolver with one made from o. */
static void reopen(struct ctx *c, const struct resolver_opts *o)
{
	resolver_free(c->r);
	c->r = NULL;
	assert_int_equal(resolver_new_with(c->loop, o, &c->r), 0);
}

static void expect_addr(const struct result *res, const char *addr, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(res->calls, 1);
	if (res->status)
		fail_msg("status %d: %s", res->status, resolver_strerror(res->status));
	if (strchr(addr, ':')) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&res->sa;

		assert_int_equal(res->len, sizeof(*sin6));
		assert_int_equal(sin6->sin6_family, AF_INET6);
		assert_int_equal(ntohs(sin6->sin6_port), port);
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&res->sa;

		assert_int_equal(res->len, sizeof(*sin));
		assert_int_equal(sin->sin_family, AF_INET);
		assert_int_equal(ntohs(sin->sin_port), port);
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	}
	assert_string_equal(buf, addr);
}

/* Looks host up and runs the loop until its answer. */
static void resolve(struct ctx *c, const char *host, uint16_t port, int pref, struct result *res)
{
	struct resolver_query *h;

	memset(res, 0, sizeof(*res));
	res->c = c;
	assert_int_equal(resolver_lookup(c->r, host, port, pref, record_cb, res, &h), 0);
	assert_non_null(h);
	assert_int_equal(res->calls, 0);	/* never from inside resolver_lookup() */
	run(c, 1);
	assert_int_equal(resolver_inflight(c->r), 0);
}

/* ---- literals ---- */

static void test_literal_v4(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "192.0.2.1", 51820, AF_UNSPEC, &res);
	expect_addr(&res, "192.0.2.1", 51820);
	resolve(c, "198.51.100.7", 1, AF_INET6, &res);	/* a literal is what it is */
	expect_addr(&res, "198.51.100.7", 1);
	assert_int_equal(c->dns.queries, 0);
}

static void test_literal_v6(void **state)
{
	struct ctx *c = *state;
	const struct sockaddr_in6 *sin6;
	struct result res;
	unsigned int lo = if_nametoindex("lo");

	resolve(c, "2001:db8::1", 51820, AF_INET, &res);
	expect_addr(&res, "2001:db8::1", 51820);
	sin6 = (const struct sockaddr_in6 *)&res.sa;
	assert_int_equal(sin6->sin6_scope_id, 0);

	resolve(c, "fe80::1%7", 443, AF_UNSPEC, &res);
	expect_addr(&res, "fe80::1", 443);
	assert_int_equal(sin6->sin6_scope_id, 7);

	if (lo) {
		resolve(c, "fe80::2%lo", 443, AF_UNSPEC, &res);
		expect_addr(&res, "fe80::2", 443);
		assert_int_equal(sin6->sin6_scope_id, lo);
	}
	assert_int_equal(c->dns.queries, 0);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"", "bad name", "a..b", ".", "..", ".x", "x:y", "[::1]", "::1]", "2001:db8::1%",
		"2001:db8::1%no-such-if0", "h\xc3\xa9.test", "a/b", "a\nb",
	};
	struct ctx *c = *state;
	struct result res = { .c = c };
	struct resolver_query *h = (struct resolver_query *)&res;
	struct result sentinel;
	char name[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(resolver_lookup(c->r, bad[i], 1, AF_UNSPEC, record_cb, &res, &h),
				 -EINVAL);
		assert_null(h);
	}
	/* 64 characters in a label: one too many. */
	memset(name, 'a', 64);
	strcpy(name + 64, ".test");
	assert_int_equal(resolver_lookup(c->r, name, 1, AF_UNSPEC, record_cb, &res, NULL),
			 -EINVAL);
	/* 63 is the longest label: the name goes out (and is cancelled). */
	assert_int_equal(resolver_lookup(c->r, name + 1, 1, AF_UNSPEC, record_cb, &res, &h), 0);
	resolver_cancel(h);
	/* 253 characters is the longest name, 254 one too many. */
	for (int i = 0; i < 253; i++)
		name[i] = (i % 2) ? '.' : 'a';
	name[253] = '\0';
	assert_int_equal(resolver_lookup(c->r, name, 1, AF_UNSPEC, record_cb, &res, &h), 0);
	resolver_cancel(h);
	name[253] = '.';	/* the root dot does not count */
	name[254] = '\0';
	assert_int_equal(resolver_lookup(c->r, name, 1, AF_UNSPEC, record_cb, &res, &h), 0);
	resolver_cancel(h);
	name[253] = 'a';
	assert_int_equal(resolver_lookup(c->r, name, 1, AF_UNSPEC, record_cb, &res, NULL),
			 -EINVAL);
	assert_int_equal(resolver_lookup(c->r, NULL, 1, AF_UNSPEC, record_cb, &res, NULL), -EINVAL);
	assert_int_equal(resolver_lookup(c->r, "v4.test", 1, AF_UNSPEC, NULL, &res, NULL), -EINVAL);
	assert_int_equal(resolver_lookup(c->r, "v4.test", 1, AF_PACKET, record_cb, &res, NULL),
			 -EINVAL);
	assert_int_equal(resolver_lookup(c->r, "192.0.2.1", 1, 99, record_cb, &res, NULL),
			 -EINVAL);

	/* The cancelled lookups' answers (NXDOMAIN) come back before those of
	 * a lookup made after them; none of them reaches a callback. */
	resolve(c, "v4.test", 1, AF_UNSPEC, &sentinel);
	expect_addr(&sentinel, "192.0.2.10", 1);
	assert_int_equal(c->dns.queries, 8);
	assert_int_equal(res.calls, 0);
}

/* ---- names over DNS ---- */

static void test_a(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "v4.test", 51820, AF_UNSPEC, &res);
	expect_addr(&res, "192.0.2.10", 51820);
	assert_int_equal(c->dns.queries, 2);	/* A and AAAA */
	resolve(c, "V4.Test.", 51821, AF_INET6, &res);	/* no IPv6: falls back */
	expect_addr(&res, "192.0.2.10", 51821);
}

static void test_aaaa(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "v6.test", 51820, AF_UNSPEC, &res);
	expect_addr(&res, "2001:db8::10", 51820);
	resolve(c, "v6.test", 7, AF_INET, &res);	/* no IPv4: falls back */
	expect_addr(&res, "2001:db8::10", 7);
}

/* Whether this host has a source address for ::1, as RFC 6724's first rule
 * asks (IPv6 may be disabled in a container). */
static bool ipv6_loopback_usable(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	sin6.sin6_addr = in6addr_loopback;
	ok = connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

static void test_both_families(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "dual.test", 51820, AF_INET, &res);
	expect_addr(&res, "192.0.2.20", 51820);
	resolve(c, "dual.test", 51820, AF_INET6, &res);
	expect_addr(&res, "2001:db8::20", 51820);
	/* No preference: the first in RFC 6724 order, as getaddrinfo gives wg(8).
	 * ::1 goes before 127.0.0.1 (same scope, higher precedence) when it can
	 * be reached at all. */
	resolve(c, "dual-lo.test", 51820, AF_UNSPEC, &res);
	expect_addr(&res, ipv6_loopback_usable() ? "::1" : "127.0.0.1", 51820);
}

static void test_nxdomain(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "nx.test", 51820, AF_UNSPEC, &res);
	assert_int_equal(res.status, -ENOENT);
	assert_non_null(strstr(resolver_strerror(res.status), "not found"));
}

static void test_no_address(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "empty.test", 51820, AF_UNSPEC, &res);
	assert_int_equal(res.status, -ENODATA);
}

static void test_server_errors(void **state)
{
	struct ctx *c = *state;
	struct result res;

	/* Every try (3 each for A and AAAA) answered with an error. */
	resolve(c, "fail.test", 51820, AF_UNSPEC, &res);
	assert_int_equal(res.status, -ECONNREFUSED);
	assert_non_null(strstr(resolver_strerror(res.status), "refused or failed"));
	assert_int_equal(c->dns.queries, 6);
	resolve(c, "refused.test", 51820, AF_UNSPEC, &res);
	assert_int_equal(res.status, -ECONNREFUSED);
	assert_int_equal(c->dns.queries, 12);
}

static void test_timeout(void **state)
{
	struct ctx *c = *state;
	struct resolver_opts o = test_opts(c);
	struct result res;

	o.timeout_ms = 20;
	o.tries = 2;
	reopen(c, &o);
	resolve(c, "drop.test", 51820, AF_UNSPEC, &res);
	assert_int_equal(res.status, -ETIMEDOUT);
	assert_non_null(strstr(resolver_strerror(res.status), "timed out"));
	/* Each of A and AAAA was tried twice before giving up. */
	assert_int_equal(c->dns.dropped, 4);
}

static void test_connection_refused(void **state)
{
	struct ctx *c = *state;
	struct resolver_opts o = test_opts(c);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char servers[64];
	struct result res;
	int fd;

	/* A port nobody listens on: bound a moment ago, closed again. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", ntohs(sin.sin_port));
	o.servers = servers;
	o.tries = 1;
	reopen(c, &o);
	resolve(c, "v4.test", 51820, AF_UNSPEC, &res);
	/* The ICMP error reaches whichever of the A and AAAA queries is sent
	 * next; the other one times out, and c-ares reports the last to end. */
	if (res.status != -ECONNREFUSED && res.status != -ETIMEDOUT)
		fail_msg("status %d: %s", res.status, resolver_strerror(res.status));
}

static void test_bad_servers(void **state)
{
	struct ctx *c = *state;
	struct resolver_opts o = test_opts(c);
	struct resolver *r = (struct resolver *)c;

	o.servers = "not an address";
	assert_int_equal(resolver_new_with(c->loop, &o, &r), -EINVAL);
	assert_null(r);
}

/* A dynamic DNS name that moved: asking again gives the new address. */
static void test_reresolve(void **state)
{
	struct ctx *c = *state;
	struct result res;

	resolve(c, "moving.test", 51820, AF_INET, &res);
	expect_addr(&res, "198.51.100.1", 51820);
	resolve(c, "moving.test", 51820, AF_INET, &res);
	expect_addr(&res, "198.51.100.2", 51820);
}

/* ---- hosts file ---- */

static void test_hosts_file(void **state)
{
	struct ctx *c = *state;
	struct resolver_opts o = test_opts(c);
	char path[] = "/tmp/test_resolver_hosts.XXXXXX";
	static const char hosts[] =
		"# test\n"
		"192.0.2.77   peer.hosts.test peer\n"
		"2001:db8::77 peer.hosts.test\n";
	struct result res;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hosts, sizeof(hosts) - 1), (ssize_t)(sizeof(hosts) - 1));
	close(fd);
	assert_int_equal(setenv("CARES_HOSTS", path, 1), 0);
	o.env_hosts = true;
	reopen(c, &o);

	resolve(c, "peer.hosts.test", 51820, AF_INET, &res);
	expect_addr(&res, "192.0.2.77", 51820);
	resolve(c, "peer.hosts.test", 51820, AF_INET6, &res);
	expect_addr(&res, "2001:db8::77", 51820);
	assert_int_equal(c->dns.queries, 0);	/* no query left the host */
	/* Not in the file: DNS after it. */
	resolve(c, "v4.test", 51820, AF_UNSPEC, &res);
	expect_addr(&res, "192.0.2.10", 51820);

	unsetenv("CARES_HOSTS");
	unlink(path);
}

/* ---- cancel, free, many ---- */

struct cancel_ctx {
	struct ctx *c;
	struct resolver_query *h;
	struct result cancelled, sentinel;
};

/* Both queries for hold.test (A, AAAA) are at the server: cancel the lookup,
 * then let their answers go, then look up a name whose answers come after. */
static void cancel_on_hold(void *arg)
{
	struct cancel_ctx *cc = arg;
	struct ctx *c = cc->c;

	if (c->dns.nheld < 2)
		return;
	resolver_cancel(cc->h);
	cc->h = NULL;
	server_release_held(&c->dns);
	cc->sentinel.c = c;
	assert_int_equal(resolver_lookup(c->r, "v4.test", 9, AF_UNSPEC, record_cb,
					 &cc->sentinel, NULL), 0);
}

static void test_cancel_in_flight(void **state)
{
	struct ctx *c = *state;
	struct cancel_ctx cc = { .c = c };

	cc.cancelled.c = c;
	c->dns.on_hold = cancel_on_hold;
	c->dns.on_hold_arg = &cc;
	assert_int_equal(resolver_lookup(c->r, "hold.test", 1, AF_UNSPEC, record_cb,
					 &cc.cancelled, &cc.h), 0);
	assert_int_equal(resolver_inflight(c->r), 1);
	run(c, 1);
	expect_addr(&cc.sentinel, "192.0.2.10", 9);
	assert_int_equal(cc.cancelled.calls, 0);
	/* The answers for the cancelled lookup were read and its slot is back. */
	assert_int_equal(resolver_inflight(c->r), 0);
	spin(c);
	assert_int_equal(cc.cancelled.calls, 0);
}

static void test_cancel_literal(void **state)
{
	struct ctx *c = *state;
	struct result res = { .c = c };
	struct resolver_query *h;

	assert_int_equal(resolver_lookup(c->r, "192.0.2.1", 1, AF_UNSPEC, record_cb, &res, &h), 0);
	assert_int_equal(resolver_inflight(c->r), 1);
	resolver_cancel(h);
	resolver_cancel(NULL);
	assert_int_equal(resolver_inflight(c->r), 0);
	spin(c);
	assert_int_equal(res.calls, 0);
}

static void test_free_in_flight(void **state)
{
	struct ctx *c = *state;
	struct result held = { .c = c }, lit = { .c = c };

	assert_int_equal(resolver_lookup(c->r, "hold.test", 1, AF_UNSPEC, record_cb, &held, NULL),
			 0);
	/* Let the queries reach the server, then drop everything. */
	while (c->dns.nheld < 2)
		spin(c);
	assert_int_equal(resolver_lookup(c->r, "192.0.2.1", 1, AF_UNSPEC, record_cb, &lit, NULL),
			 0);
	resolver_free(c->r);
	c->r = NULL;
	server_release_held(&c->dns);
	spin(c);
	spin(c);
	assert_int_equal(held.calls, 0);
	assert_int_equal(lit.calls, 0);
}

struct reenter {
	struct ctx *c;
	int calls;
	struct result next;
};

static void free_from_cb(void *arg, int status, const struct sockaddr *sa, socklen_t len)
{
	struct reenter *re = arg;

	re->calls++;
	resolver_free(re->c->r);
	re->c->r = NULL;
}

static void test_free_from_callback(void **state)
{
	struct ctx *c = *state;
	struct reenter first = { .c = c }, second = { .c = c };

	assert_int_equal(resolver_lookup(c->r, "192.0.2.1", 1, AF_UNSPEC, free_from_cb, &first,
					 NULL), 0);
	assert_int_equal(resolver_lookup(c->r, "192.0.2.2", 1, AF_UNSPEC, free_from_cb, &second,
					 NULL), 0);
	spin(c);
	spin(c);
	assert_int_equal(first.calls, 1);
	assert_int_equal(second.calls, 0);
}

static void lookup_from_cb(void *arg, int status, const struct sockaddr *sa, socklen_t len)
{
	struct reenter *re = arg;

	re->calls++;
	assert_int_equal(status, 0);
	re->next.c = re->c;
	assert_int_equal(resolver_lookup(re->c->r, "v6.test", 2, AF_UNSPEC, record_cb, &re->next,
					 NULL), 0);
	assert_int_equal(re->next.calls, 0);
}

static void test_lookup_from_callback(void **state)
{
	struct ctx *c = *state;
	struct reenter re = { .c = c };
	struct resolver_opts o = test_opts(c);

	o.max_inflight = 1;	/* the first slot is free again when its callback runs */
	reopen(c, &o);
	assert_int_equal(resolver_lookup(c->r, "v4.test", 1, AF_UNSPEC, lookup_from_cb, &re, NULL),
			 0);
	assert_int_equal(resolver_lookup(c->r, "v4.test", 1, AF_UNSPEC, lookup_from_cb, &re, NULL),
			 -EBUSY);
	run(c, 1);
	assert_int_equal(re.calls, 1);
	expect_addr(&re.next, "2001:db8::10", 2);
}

static void test_many(void **state)
{
	struct ctx *c = *state;
	struct result *res = calloc(RESOLVER_MAX_INFLIGHT, sizeof(*res));
	struct result extra = { .c = c };
	char name[32], addr[32];

	assert_non_null(res);
	for (unsigned int i = 0; i < RESOLVER_MAX_INFLIGHT; i++) {
		snprintf(name, sizeof(name), "h%u.test", i + 300);
		res[i].c = c;
		assert_int_equal(resolver_lookup(c->r, name, (uint16_t)(1000 + i), AF_INET,
						 record_cb, &res[i], NULL), 0);
	}
	assert_int_equal(resolver_inflight(c->r), RESOLVER_MAX_INFLIGHT);
	assert_int_equal(resolver_lookup(c->r, "v4.test", 1, AF_UNSPEC, record_cb, &extra, NULL),
			 -EBUSY);
	assert_int_equal(resolver_lookup(c->r, "192.0.2.1", 1, AF_UNSPEC, record_cb, &extra, NULL),
			 -EBUSY);
	run(c, RESOLVER_MAX_INFLIGHT);
	for (unsigned int i = 0; i < RESOLVER_MAX_INFLIGHT; i++) {
		snprintf(addr, sizeof(addr), "10.0.%u.%u", (i + 300) >> 8, (i + 300) & 255);
		expect_addr(&res[i], addr, (uint16_t)(1000 + i));
	}
	assert_int_equal(resolver_inflight(c->r), 0);
	assert_int_equal(extra.calls, 0);
	resolve(c, "v4.test", 1, AF_UNSPEC, &extra);
	expect_addr(&extra, "192.0.2.10", 1);
	free(res);
}

static void test_strerror(void **state)
{
	static const int codes[] = {
		-ENOENT, -ENODATA, -ETIMEDOUT, -ECONNREFUSED, -EPROTO, -EINVAL, -ENOMEM,
		-EBUSY,
	};
	const char *generic = resolver_strerror(-EIO);

	assert_non_null(generic);
	assert_string_equal(resolver_strerror(-12345), generic);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_string_not_equal(resolver_strerror(codes[i]), generic);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(resolver_strerror(codes[i]),
						resolver_strerror(codes[j]));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_literal_v4),
		T(test_literal_v6),
		T(test_invalid),
		T(test_a),
		T(test_aaaa),
		T(test_both_families),
		T(test_nxdomain),
		T(test_no_address),
		T(test_server_errors),
		T(test_timeout),
		T(test_connection_refused),
		T(test_bad_servers),
		T(test_reresolve),
		T(test_hosts_file),
		T(test_cancel_in_flight),
		T(test_cancel_literal),
		T(test_free_in_flight),
		T(test_free_from_callback),
		T(test_lookup_from_callback),
		T(test_many),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
