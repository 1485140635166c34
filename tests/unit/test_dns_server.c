/* dns/server and dns/upstream on the real loop over loopback sockets: a
 * server on 127.0.0.1 with a small zone, and a fake upstream on the same
 * loop (UDP and TCP) that the engine's forwarded queries reach through
 * c-ares. UDP and TCP queries, pipelined TCP, truncation then the TCP
 * retry, forwarding and the cache, c-ares' own TCP fallback, an upstream
 * that never answers, split-forwarding rules, the allow list, the rate
 * limit, malformed input, the connection cap and idle timeout. Every
 * loop_run() has a failsafe timer; nothing asserts how long anything took. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "core/loop.h"
#include "dns/server.h"
#include "dns/upstream.h"
#include "tests/unit/dns_query.h"
#include "tests/unit/testutil.h"

#define FAILSAFE_NS (10 * LOOP_NSEC_PER_SEC)
#define QUIET_NS (300 * LOOP_NSEC_PER_MSEC)

static const uint8_t key[16] = "server-test-key!";

/* ---- a fake upstream on the loop ---- */

struct upconn {
	int fd;
	struct loop_fd *w;
	uint8_t buf[1024];
	size_t len;
};

struct fake_up {
	int udp, tcp;
	uint16_t port;
	struct loop_fd *wu, *wt;
	struct upconn conns[4];
	unsigned udp_queries, tcp_queries;
};

struct fixture {
	struct loop *loop;
	struct zone_db *zones;
	struct dns_cache *cache;
	struct dns_fwd *fwd;
	struct dns_rebind *rb;
	struct dns_engine e;
	struct dns_upstream *up;
	struct dns_server *srv;
	struct fake_up fu;
	uint16_t port;
	uint8_t buf[65536];
};

static struct fixture *f;

static char big_txt[1400];	/* one TXT record of many strings */

/* The answer the fake upstream gives, built with ldns. */
static size_t up_answer(const uint8_t *q, size_t qn, bool tcp, uint8_t *out, size_t cap)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr = NULL;
	ldns_rr *question;
	uint8_t *wire = NULL;
	char name[300], text[1600];
	size_t n = 0;

	if (ldns_wire2pkt(&p, q, qn) != LDNS_STATUS_OK)
		return 0;
	question = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (!question) {
		ldns_pkt_free(p);
		return 0;
	}
	{
		char *s = ldns_rdf2str(ldns_rr_owner(question));

		snprintf(name, sizeof(name), "%s", s);
		free(s);
	}
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	if (strcmp(name, "drop.up.test.") == 0) {
		ldns_pkt_free(p);
		return 0;
	}
	if (strcmp(name, "www.up.test.") == 0) {
		snprintf(text, sizeof(text), "%s 300 IN A 198.51.100.7", name);
	} else if (strcmp(name, "x.rule.test.") == 0) {
		snprintf(text, sizeof(text), "%s 300 IN A 10.9.9.9", name);
	} else if (strcmp(name, "big.up.test.") == 0) {
		if (!tcp)
			ldns_pkt_set_tc(p, true);
		else
			snprintf(text, sizeof(text), "%s 300 IN TXT %s", name, big_txt);
	} else {
		ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
		text[0] = '\0';
		name[0] = '\0';
	}
	if (name[0] && !(strcmp(name, "big.up.test.") == 0 && !tcp)) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	if (n > cap) {
		free(wire);
		return 0;
	}
	memcpy(out, wire, n);
	free(wire);
	return n;
}

static void up_udp(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct fake_up *u = arg;
	uint8_t q[1500], a[4096];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
		size_t an = up_answer(q, (size_t)n, false, a, sizeof(a));

		u->udp_queries++;
		if (an)
			sendto(fd, a, an, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

static void up_conn_io(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct upconn *c = arg;
	uint8_t a[4096 + 2];
	ssize_t n = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	size_t mlen, an;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		loop_fd_del(loop, c->w);
		close(fd);
		c->fd = -1;
		return;
	}
	c->len += (size_t)n;
	while (c->len >= 2 && c->len >= 2 + (mlen = (size_t)(c->buf[0] << 8 | c->buf[1]))) {
		f->fu.tcp_queries++;
		an = up_answer(c->buf + 2, mlen, true, a + 2, sizeof(a) - 2);
		if (an) {
			a[0] = (uint8_t)(an >> 8);
			a[1] = (uint8_t)an;
			assert_int_equal(send(fd, a, an + 2, 0), (ssize_t)(an + 2));
		}
		memmove(c->buf, c->buf + 2 + mlen, c->len - 2 - mlen);
		c->len -= 2 + mlen;
	}
}

static void up_accept(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct fake_up *u = arg;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	for (unsigned i = 0; i < 4; i++) {
		if (u->conns[i].fd >= 0)
			continue;
		u->conns[i].fd = cfd;
		u->conns[i].len = 0;
		assert_int_equal(loop_fd_add(loop, cfd, EPOLLIN, up_conn_io, &u->conns[i],
					     &u->conns[i].w), 0);
		return;
	}
	close(cfd);
}

static void fake_up_start(struct fake_up *u)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int one = 1;

	for (unsigned i = 0; i < 4; i++)
		u->conns[i].fd = -1;
	u->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(u->udp >= 0);
	assert_int_equal(bind(u->udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(u->udp, (struct sockaddr *)&sin, &len), 0);
	u->port = ntohs(sin.sin_port);
	u->tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(u->tcp >= 0);
	setsockopt(u->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(u->tcp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(u->tcp, 8), 0);
	assert_int_equal(loop_fd_add(f->loop, u->udp, EPOLLIN, up_udp, u, &u->wu), 0);
	assert_int_equal(loop_fd_add(f->loop, u->tcp, EPOLLIN, up_accept, u, &u->wt), 0);
}

static void fake_up_stop(struct fake_up *u)
{
	for (unsigned i = 0; i < 4; i++) {
		if (u->conns[i].fd < 0)
			continue;
		loop_fd_del(f->loop, u->conns[i].w);
		close(u->conns[i].fd);
	}
	loop_fd_del(f->loop, u->wu);
	loop_fd_del(f->loop, u->wt);
	close(u->udp);
	close(u->tcp);
}

/* ---- the server under test ---- */

static struct mg_prefix prefix(const char *s)
{
	struct mg_prefix p;

	assert_int_equal(mg_prefix_parse(s, false, &p), 0);
	return p;
}

static int setup(void **state)
{
	struct zone_params zp;
	struct dns_cache_conf cc;
	struct dns_fwd_conf fc;
	struct dns_engine_conf ec;
	struct dns_upstream_conf uc;
	struct dns_server_conf sc;
	struct mg_addr lo;
	struct mg_prefix allow[2] = { prefix("127.0.0.1/32"), prefix("127.0.0.3/32") };
	char rule[64], rec[sizeof(big_txt) + 32];
	size_t off = 0;

	f = calloc(1, sizeof(*f));
	assert_int_equal(loop_new(&f->loop), 0);
	fake_up_start(&f->fu);

	/* 20 strings of 60 bytes: 1220 bytes of TXT data, past 512 and 1232
	 * with the rest of the message. */
	for (int i = 0; i < 20; i++) {
		off += (size_t)snprintf(big_txt + off, sizeof(big_txt) - off, "\"%02d-", i);
		for (int k = 0; k < 57; k++)
			big_txt[off++] = (char)('a' + (i + k) % 26);
		off += (size_t)snprintf(big_txt + off, sizeof(big_txt) - off, "\" ");
	}
	zone_params_default(&zp);
	f->zones = zone_db_new(&zp, key);
	assert_int_equal(zone_add_domain(f->zones, "site.test"), 0);
	assert_int_equal(zone_add_record(f->zones, "host A 192.0.2.1", NULL, 0), 0);
	snprintf(rec, sizeof(rec), "big TXT %s", big_txt);
	assert_int_equal(zone_add_record(f->zones, rec, NULL, 0), 0);
	dns_cache_conf_default(&cc);
	memcpy(cc.hash_key, key, 16);
	f->cache = dns_cache_new(&cc);
	dns_fwd_conf_default(&fc);
	f->fwd = dns_fwd_new(&fc, key);
	snprintf(rule, sizeof(rule), "/rule.test/127.0.0.1#%u", f->fu.port);
	assert_int_equal(dns_fwd_parse_server(f->fwd, rule), 0);
	f->rb = dns_rebind_new(key);
	dns_engine_conf_default(&ec);
	dns_engine_init(&f->e, &ec);
	f->e.zones = f->zones;
	f->e.cache = f->cache;
	f->e.fwd = f->fwd;
	f->e.rebind = f->rb;

	assert_int_equal(mg_addr_parse("127.0.0.1", &lo), 0);
	dns_upstream_conf_default(&uc);
	uc.servers = &lo;
	uc.nservers = 1;
	uc.port = f->fu.port;
	uc.timeout_ms = 200;
	uc.tries = 1;
	assert_int_equal(dns_upstream_new(f->loop, &uc, &f->e, &f->up), 0);

	dns_server_conf_default(&sc);
	sc.listen = &lo;
	sc.nlisten = 1;
	sc.port = 0;
	sc.policy.allow = allow;
	sc.policy.nallow = 2;
	sc.tcp_max = 3;
	assert_int_equal(dns_server_new(f->loop, &sc, &f->e, f->up, &f->srv), 0);
	f->port = dns_server_port(f->srv);
	assert_true(f->port > 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	dns_server_free(f->srv);
	dns_upstream_free(f->up);
	fake_up_stop(&f->fu);
	loop_free(f->loop);
	zone_db_free(f->zones);
	dns_cache_free(f->cache);
	dns_fwd_free(f->fwd);
	dns_rebind_free(f->rb);
	free(f);
	return 0;
}

/* ---- running the loop until a client has its answer ---- */

static void stop_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	loop_stop(loop);
}

static void stop_timer(struct loop *loop, struct loop_timer *t, void *arg)
{
	*(bool *)arg = true;
	loop_stop(loop);
}

/* Runs the loop until fd is readable or timeout_ns passes; true if
 * readable. */
static bool run_until(int fd, uint64_t timeout_ns)
{
	struct loop_timer *t;
	struct loop_fd *w;
	bool timed_out = false;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1)
		return true;
	assert_int_equal(loop_timer_new(f->loop, stop_timer, &timed_out, &t), 0);
	loop_timer_arm_in(t, timeout_ns);
	assert_int_equal(loop_fd_add(f->loop, fd, EPOLLIN, stop_cb, NULL, &w), 0);
	assert_int_equal(loop_run(f->loop), 0);
	loop_fd_del(f->loop, w);
	loop_timer_free(t);
	return poll(&pfd, 1, 0) == 1;
}

static void run_for(uint64_t ns)
{
	struct loop_timer *t;
	bool done = false;

	assert_int_equal(loop_timer_new(f->loop, stop_timer, &done, &t), 0);
	loop_timer_arm_in(t, ns);
	assert_int_equal(loop_run(f->loop), 0);
	loop_timer_free(t);
}

static size_t mkquery(uint8_t *buf, const char *name, ldns_rr_type type, uint16_t id,
		      uint16_t edns)
{
	return dns_test_query(buf, 512, name, type, id, edns, false, LDNS_RD);
}

static int client_udp(const char *src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static struct sockaddr_in server_addr(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(f->port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return sin;
}

static void send_udp(int fd, const uint8_t *q, size_t n)
{
	struct sockaddr_in to = server_addr();

	assert_int_equal(sendto(fd, q, n, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)n);
}

/* One UDP exchange from src; the parsed answer, or NULL if none came. */
static ldns_pkt *ask_udp_from(const char *src, const char *name, ldns_rr_type type,
			      uint16_t edns)
{
	uint8_t q[512];
	ldns_pkt *p = NULL;
	int fd = client_udp(src);
	ssize_t n;

	send_udp(fd, q, mkquery(q, name, type, 0x1234, edns));
	if (!run_until(fd, FAILSAFE_NS)) {
		close(fd);
		return NULL;
	}
	n = recv(fd, f->buf, sizeof(f->buf), 0);
	close(fd);
	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&p, f->buf, (size_t)n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	return p;
}

static ldns_pkt *ask_udp(const char *name, ldns_rr_type type, uint16_t edns)
{
	return ask_udp_from("127.0.0.1", name, type, edns);
}

static int client_tcp(const char *src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET }, to = server_addr();
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	return fd;
}

static void send_tcp(int fd, const uint8_t *q, size_t n)
{
	uint8_t buf[600];

	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, q, n);
	assert_int_equal(send(fd, buf, n + 2, 0), (ssize_t)(n + 2));
}

/* Reads one framed reply; NULL if the server closed the connection. */
static ldns_pkt *read_tcp(int fd)
{
	size_t have = 0, want = 2;
	ldns_pkt *p = NULL;

	while (have < want) {
		ssize_t n;

		assert_true(run_until(fd, FAILSAFE_NS));
		n = recv(fd, f->buf + have, want - have, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return NULL;
		have += (size_t)n;
		if (have == 2 && want == 2)
			want = 2 + ((size_t)f->buf[0] << 8 | f->buf[1]);
	}
	assert_int_equal(ldns_wire2pkt(&p, f->buf + 2, want - 2), LDNS_STATUS_OK);
	return p;
}

static ldns_pkt *ask_tcp(const char *name, ldns_rr_type type)
{
	uint8_t q[512];
	int fd = client_tcp("127.0.0.1");
	ldns_pkt *p;

	send_tcp(fd, q, mkquery(q, name, type, 0x1234, 0));
	p = read_tcp(fd);
	close(fd);
	assert_non_null(p);
	return p;
}

static void assert_a(ldns_pkt *p, const char *want)
{
	ldns_rr *rr;
	char *s;

	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	assert_string_equal(s, want);
	free(s);
}

static struct dns_server_stats stats(void)
{
	struct dns_server_stats st;

	dns_server_get_stats(f->srv, &st);
	return st;
}

/* ---- tests ---- */

static void test_udp_local(void **state)
{
	ldns_pkt *p = ask_udp("HoSt.SiTe.TeSt", LDNS_RR_TYPE_A, 1232);
	char *owner;

	assert_non_null(p);
	assert_true(ldns_pkt_aa(p));
	assert_a(p, "192.0.2.1");
	/* The question's case comes back as it was asked. */
	owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
	assert_string_equal(owner, "HoSt.SiTe.TeSt.");
	free(owner);
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);

	p = ask_udp("nothere.site.test", LDNS_RR_TYPE_A, 0);
	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	assert_true(stats().udp_queries >= 2);
}

static void test_tcp_pipelined(void **state)
{
	uint8_t q[512];
	int fd = client_tcp("127.0.0.1");
	ldns_pkt *p;

	/* Two queries in one write, answered on the same connection. */
	{
		uint8_t both[1024];
		size_t n1 = mkquery(q, "host.site.test", LDNS_RR_TYPE_A, 1, 0), n2, off = 0;

		both[off++] = (uint8_t)(n1 >> 8);
		both[off++] = (uint8_t)n1;
		memcpy(both + off, q, n1);
		off += n1;
		n2 = mkquery(q, "nothere.site.test", LDNS_RR_TYPE_A, 2, 0);
		both[off++] = (uint8_t)(n2 >> 8);
		both[off++] = (uint8_t)n2;
		memcpy(both + off, q, n2);
		off += n2;
		assert_int_equal(send(fd, both, off, 0), (ssize_t)off);
	}
	p = read_tcp(fd);
	assert_non_null(p);
	assert_int_equal(ldns_pkt_id(p), 1);
	assert_a(p, "192.0.2.1");
	ldns_pkt_free(p);
	p = read_tcp(fd);
	assert_non_null(p);
	assert_int_equal(ldns_pkt_id(p), 2);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	/* A third, later, on the same connection. */
	send_tcp(fd, q, mkquery(q, "host.site.test", LDNS_RR_TYPE_A, 3, 0));
	p = read_tcp(fd);
	assert_non_null(p);
	assert_int_equal(ldns_pkt_id(p), 3);
	ldns_pkt_free(p);
	close(fd);
	assert_true(stats().tcp_queries >= 3);
}

static void test_truncation_then_tcp(void **state)
{
	ldns_pkt *p = ask_udp("big.site.test", LDNS_RR_TYPE_TXT, 0);

	/* 512 bytes without EDNS: cut to the question, TC set. */
	assert_non_null(p);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	/* 1232 with EDNS is still too small for 1240 bytes of text. */
	p = ask_udp("big.site.test", LDNS_RR_TYPE_TXT, 4096);
	assert_non_null(p);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	p = ask_tcp("big.site.test", LDNS_RR_TYPE_TXT);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(ldns_rr_rd_count(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), 20);
	ldns_pkt_free(p);
	assert_true(stats().truncated >= 2);
}

static void test_forward_and_cache(void **state)
{
	unsigned before = f->fu.udp_queries;
	ldns_pkt *p = ask_udp("www.up.test", LDNS_RR_TYPE_A, 1232);

	assert_non_null(p);
	assert_a(p, "198.51.100.7");
	assert_false(ldns_pkt_aa(p));
	ldns_pkt_free(p);
	assert_int_equal(f->fu.udp_queries, before + 1);
	/* Again, from the cache: upstream is not asked. */
	p = ask_udp("WWW.up.test", LDNS_RR_TYPE_A, 1232);
	assert_non_null(p);
	assert_a(p, "198.51.100.7");
	ldns_pkt_free(p);
	assert_int_equal(f->fu.udp_queries, before + 1);
	assert_true(stats().forwarded >= 1);
	assert_int_equal(stats().pending, 0);
	/* And over TCP, also from the cache. */
	p = ask_tcp("www.up.test", LDNS_RR_TYPE_A);
	assert_a(p, "198.51.100.7");
	ldns_pkt_free(p);
	assert_int_equal(f->fu.udp_queries, before + 1);
}

static void test_upstream_tcp_fallback(void **state)
{
	unsigned tcp_before = f->fu.tcp_queries;
	ldns_pkt *p;

	/* Upstream truncates over UDP; c-ares asks again over TCP. */
	p = ask_tcp("big.up.test", LDNS_RR_TYPE_TXT);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	assert_int_equal(f->fu.tcp_queries, tcp_before + 1);
	/* A UDP client then gets TC from the cache and comes back over TCP. */
	p = ask_udp("big.up.test", LDNS_RR_TYPE_TXT, 0);
	assert_non_null(p);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
}

static void test_upstream_silent(void **state)
{
	ldns_pkt *p = ask_udp("drop.up.test", LDNS_RR_TYPE_A, 1232);
	struct dns_upstream_stats us;

	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	dns_upstream_get_stats(f->up, &us);
	assert_true(us.timeouts >= 1);
	assert_int_equal(stats().pending, 0);
}

static void test_rule_server(void **state)
{
	struct dns_upstream_stats us;
	ldns_pkt *p = ask_udp("x.rule.test", LDNS_RR_TYPE_A, 1232);

	/* A private address is fine for a forwarded domain. */
	assert_non_null(p);
	assert_a(p, "10.9.9.9");
	ldns_pkt_free(p);
	dns_upstream_get_stats(f->up, &us);
	assert_int_equal(us.channels, 1);
}

static void test_acl(void **state)
{
	ldns_pkt *p = ask_udp_from("127.0.0.2", "host.site.test", LDNS_RR_TYPE_A, 1232);
	uint64_t refused = stats().refused;
	uint8_t q[512];
	int fd;

	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	assert_true(refused >= 1);
	/* Over TCP a stranger's connection is closed at once. */
	fd = client_tcp("127.0.0.2");
	send_tcp(fd, q, mkquery(q, "host.site.test", LDNS_RR_TYPE_A, 7, 0));
	assert_null(read_tcp(fd));
	close(fd);
	assert_true(stats().refused > refused);
	/* The allow list changes without touching the sockets. */
	{
		struct mg_prefix all = prefix("127.0.0.0/8");
		struct dns_server_policy pol = { .allow = &all, .nallow = 1 };

		assert_int_equal(dns_server_set_policy(f->srv, &pol), 0);
	}
	p = ask_udp_from("127.0.0.2", "host.site.test", LDNS_RR_TYPE_A, 1232);
	assert_non_null(p);
	assert_a(p, "192.0.2.1");
	ldns_pkt_free(p);
}

static void test_rate_limit(void **state)
{
	struct mg_prefix allow = prefix("127.0.0.0/8");
	struct dns_server_policy pol = { .allow = &allow, .nallow = 1, .rate = 1, .burst = 3 };
	uint64_t limited = stats().ratelimited;
	unsigned answered = 0;
	uint8_t q[512];
	int fd;

	assert_int_equal(dns_server_set_policy(f->srv, &pol), 0);
	fd = client_udp("127.0.0.3");
	for (int i = 0; i < 10; i++)
		send_udp(fd, q, mkquery(q, "host.site.test", LDNS_RR_TYPE_A, (uint16_t)i, 0));
	run_for(QUIET_NS);
	while (recv(fd, f->buf, sizeof(f->buf), MSG_DONTWAIT) > 0)
		answered++;
	close(fd);
	/* A burst of 3 and one query a second: most of the 10 are dropped. */
	assert_true(answered >= 3);
	assert_true(answered < 10);
	assert_int_equal(stats().ratelimited - limited, 10 - answered);
	/* Another client has its own bucket. */
	{
		ldns_pkt *p = ask_udp_from("127.0.0.1", "host.site.test", LDNS_RR_TYPE_A, 0);

		assert_non_null(p);
		ldns_pkt_free(p);
	}
	pol.rate = 0;
	assert_int_equal(dns_server_set_policy(f->srv, &pol), 0);
}

static void test_malformed(void **state)
{
	static const uint8_t junk[][16] = {
		{ 0x12 },					/* short */
		{ 0x12, 0x34, 0x81, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 },	/* a response */
		{ 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1 }, /* loop */
	};
	uint8_t q[512], frame[2] = { 0, 0 };
	uint64_t dropped = stats().dropped;
	ldns_pkt *p;
	int fd = client_udp("127.0.0.1");

	send_udp(fd, junk[0], 1);
	send_udp(fd, junk[1], 12);
	send_udp(fd, junk[2], 16);
	/* FORMERR for the pointer loop, nothing for the others. */
	assert_true(run_until(fd, FAILSAFE_NS));
	assert_true(recv(fd, f->buf, sizeof(f->buf), 0) >= 12);
	assert_int_equal(f->buf[3] & 0x0f, LDNS_RCODE_FORMERR);
	run_for(QUIET_NS);
	assert_int_equal(recv(fd, f->buf, sizeof(f->buf), MSG_DONTWAIT), -1);
	close(fd);
	assert_true(stats().dropped >= dropped + 2);
	/* A zero-length TCP frame ends the connection. */
	fd = client_tcp("127.0.0.1");
	assert_int_equal(send(fd, frame, 2, 0), 2);
	assert_null(read_tcp(fd));
	close(fd);
	/* The server goes on. */
	p = ask_udp("host.site.test", LDNS_RR_TYPE_A, 0);
	assert_non_null(p);
	assert_a(p, "192.0.2.1");
	ldns_pkt_free(p);
	fd = client_tcp("127.0.0.1");
	send_tcp(fd, q, mkquery(q, "host.site.test", LDNS_RR_TYPE_A, 9, 0));
	p = read_tcp(fd);
	assert_non_null(p);
	ldns_pkt_free(p);
	close(fd);
}

static void test_tcp_cap(void **state)
{
	uint64_t rejected = stats().tcp_rejected;
	int fds[4];

	/* tcp_max is 3: a fourth connection is closed without an answer. */
	for (int i = 0; i < 4; i++) {
		fds[i] = client_tcp("127.0.0.1");
		run_for(20 * LOOP_NSEC_PER_MSEC);
	}
	assert_null(read_tcp(fds[3]));
	assert_int_equal(stats().tcp_rejected, rejected + 1);
	assert_int_equal(stats().tcp_open, 3);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	run_for(20 * LOOP_NSEC_PER_MSEC);
	assert_int_equal(stats().tcp_open, 0);
}

static void test_tcp_idle(void **state)
{
	struct dns_server_conf sc;
	struct dns_server *srv;
	struct mg_addr lo;
	struct mg_prefix all = prefix("127.0.0.0/8");
	struct dns_server_stats st;
	uint16_t saved = f->port;
	int fd;

	/* A second server with a short idle timeout. */
	assert_int_equal(mg_addr_parse("127.0.0.1", &lo), 0);
	dns_server_conf_default(&sc);
	sc.listen = &lo;
	sc.nlisten = 1;
	sc.port = 0;
	sc.policy.allow = &all;
	sc.policy.nallow = 1;
	sc.tcp_idle_ns = 100 * LOOP_NSEC_PER_MSEC;
	assert_int_equal(dns_server_new(f->loop, &sc, &f->e, f->up, &srv), 0);
	f->port = dns_server_port(srv);
	fd = client_tcp("127.0.0.1");
	assert_null(read_tcp(fd));
	close(fd);
	dns_server_get_stats(srv, &st);
	assert_int_equal(st.tcp_timeouts, 1);
	dns_server_free(srv);
	f->port = saved;
}

static void test_bind_in_use(void **state)
{
	struct dns_server_conf sc;
	struct dns_server *srv = NULL;
	struct mg_addr lo;

	/* Our own port is taken: the second server opens nothing. */
	assert_int_equal(mg_addr_parse("127.0.0.1", &lo), 0);
	dns_server_conf_default(&sc);
	sc.listen = &lo;
	sc.nlisten = 1;
	sc.port = f->port;
	assert_int_equal(dns_server_new(f->loop, &sc, &f->e, f->up, &srv), -EADDRINUSE);
	assert_null(srv);
}

/* ---- a burst answered in one batch ---- */

struct burst_q {
	int client;		/* index into the burst's client sockets */
	const char *name;
	ldns_rr_type type;
	uint16_t edns;
};

/* Two clients, queries interleaved: runs of equal-sized answers (the case
 * of the question is echoed, so equal sizes differ in content), shorter
 * ones after them, an NXDOMAIN, a truncation and one answer past 1232. */
static const struct burst_q burst[] = {
	{ 0, "host.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "HOST.site.test", LDNS_RR_TYPE_A, 0 },
	{ 1, "host.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "Host.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "nothere.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "hOst.site.test", LDNS_RR_TYPE_A, 0 },
	{ 1, "big.site.test", LDNS_RR_TYPE_TXT, 4096 },
	{ 0, "big.site.test", LDNS_RR_TYPE_TXT, 4096 },
	{ 0, "hoSt.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "hosT.site.test", LDNS_RR_TYPE_A, 1232 },
	{ 1, "nothere.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "HOst.site.test", LDNS_RR_TYPE_A, 1232 },
	{ 0, "big.site.test", LDNS_RR_TYPE_TXT, 0 },
	{ 1, "HOST.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "hoST.site.test", LDNS_RR_TYPE_A, 1232 },
	{ 1, "Host.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "nothere.site.test", LDNS_RR_TYPE_A, 1232 },
	{ 0, "nothere.site.test", LDNS_RR_TYPE_A, 1232 },
	{ 1, "big.site.test", LDNS_RR_TYPE_TXT, 0 },
	{ 0, "HoSt.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "big.site.test", LDNS_RR_TYPE_TXT, 4096 },
	{ 1, "hOST.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "hOsT.site.test", LDNS_RR_TYPE_A, 0 },
	{ 0, "x.site.test", LDNS_RR_TYPE_A, 0 },
};
#define NBURST (sizeof(burst) / sizeof(burst[0]))

struct burst_ref {
	uint8_t wire[2048];
	size_t len;
};

/* Every query of the burst sent before the server reads any, so they
 * arrive in one batch; each client must get every answer, byte for byte
 * the one a lone query gets, in the order it asked. */
static void udp_burst(void)
{
	static const char *const src[2] = { "127.0.0.1", "127.0.0.3" };
	static struct burst_ref ref[NBURST];
	struct mg_prefix allow = prefix("127.0.0.0/8");
	struct dns_server_policy pol = { .allow = &allow, .nallow = 1 };
	uint16_t udp_size = f->e.conf.udp_size;
	size_t lens[NBURST], bigs = 0;
	uint8_t q[NBURST][512];
	int fd[2];

	_Static_assert(NBURST <= 32, "one recvmmsg batch");
	assert_int_equal(dns_server_set_policy(f->srv, &pol), 0);
	/* Room for the TXT answer over UDP, so one reply exceeds 1232. */
	f->e.conf.udp_size = 4096;
	for (size_t i = 0; i < NBURST; i++)
		lens[i] = mkquery(q[i], burst[i].name, burst[i].type, (uint16_t)(0x100 + i),
				  burst[i].edns);

	/* The answers one query at a time. */
	for (size_t i = 0; i < NBURST; i++) {
		ssize_t n;

		fd[0] = client_udp(src[burst[i].client]);
		send_udp(fd[0], q[i], lens[i]);
		assert_true(run_until(fd[0], FAILSAFE_NS));
		n = recv(fd[0], ref[i].wire, sizeof(ref[i].wire), 0);
		close(fd[0]);
		assert_true(n > 12);
		assert_int_equal(rd16(ref[i].wire), 0x100 + i);
		ref[i].len = (size_t)n;
		if (ref[i].len > 1232)
			bigs++;
	}
	assert_true(bigs >= 3);
	assert_int_equal(ref[0].len, ref[1].len);
	assert_memory_not_equal(ref[0].wire, ref[1].wire, ref[0].len);

	/* The burst, then every reply in order. */
	for (int c = 0; c < 2; c++)
		fd[c] = client_udp(src[c]);
	for (size_t i = 0; i < NBURST; i++)
		send_udp(fd[burst[i].client], q[i], lens[i]);
	for (int c = 0; c < 2; c++) {
		for (size_t i = 0; i < NBURST; i++) {
			ssize_t n;

			if (burst[i].client != c)
				continue;
			if (!run_until(fd[c], FAILSAFE_NS))
				fail_msg("client %d: no reply %#zx (%s)", c, 0x100 + i,
					 burst[i].name);
			n = recv(fd[c], f->buf, sizeof(f->buf), MSG_DONTWAIT);
			assert_true(n > 12);
			if (rd16(f->buf) != 0x100 + i)
				fail_msg("client %d: reply %#x where %#zx was due", c,
					 rd16(f->buf), 0x100 + i);
			assert_int_equal(n, ref[i].len);
			assert_memory_equal(f->buf, ref[i].wire, ref[i].len);
		}
		assert_int_equal(recv(fd[c], f->buf, sizeof(f->buf), MSG_DONTWAIT), -1);
		close(fd[c]);
	}
	f->e.conf.udp_size = udp_size;
}

static void test_udp_burst(void **state)
{
	udp_burst();
}

/* The same where the route to the clients has a locked MTU of 80: the
 * kernel refuses to segment the runs (59 and 103 byte answers), the server
 * falls back to one reply at a time, and nothing may be lost on the way.
 * A namespace of its own, left again at the end. */
static void test_udp_burst_tiny_mtu(void **state)
{
	struct fixture *outer = f;
	const char *why = cannot_enter_netns();
	int home;

	if (!why && system("ip -V >/dev/null 2>&1") != 0)
		why = "no ip(8)";
	if (why)
		skip_or_fail(why);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(system("ip link set lo up && for a in 127.0.0.1 127.0.0.3; do "
				"ip route replace table local local $a dev lo mtu lock 80 || exit 1; "
				"done"), 0);
	assert_int_equal(setup(state), 0);
	udp_burst();
	assert_int_equal(stats().send_errors, 0);
	teardown(state);
	f = outer;
	*state = f;
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_local),
		cmocka_unit_test(test_tcp_pipelined),
		cmocka_unit_test(test_truncation_then_tcp),
		cmocka_unit_test(test_forward_and_cache),
		cmocka_unit_test(test_upstream_tcp_fallback),
		cmocka_unit_test(test_upstream_silent),
		cmocka_unit_test(test_rule_server),
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tcp_cap),
		cmocka_unit_test(test_tcp_idle),
		cmocka_unit_test(test_bind_in_use),
		cmocka_unit_test(test_udp_burst),
		cmocka_unit_test(test_udp_burst_tiny_mtu),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
