/* The UAPI socket server on the real event loop, in a temporary directory,
 * with fake ops: requests whole, in pieces and pipelined, malformed and
 * cut-short streams, oversize lines, too many clients, idle clients, a
 * large answer to a client that reads late, and the socket's life cycle
 * (mode, stale socket replaced, live one refused, removed at the end).
 * A failsafe timer turns a hang into a failure; nothing asserts timing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/loop.h"
#include "daemon/uapi_server.h"

#define FAILSAFE_NS (10 * LOOP_NSEC_PER_SEC)
#define BIG_PEERS 4000

struct fake {
	int gets, sets;
	int set_ret;
	uint16_t last_port;
	bool had_port;
	size_t get_peers;       /* peers in the get answer */
};

struct env {
	char dir[64];
	char sockdir[80];
	struct loop *loop;
	struct uapi_server *srv;
	struct loop_timer *failsafe, *pause;
	bool timed_out;
	struct fake fake;
};

static struct env *E;

static int fake_get(void *ctx, struct uapi_buf *b)
{
	struct fake *f = ctx;
	struct uapi_device_info dev;
	struct uapi_peer_info *peers = NULL;
	int r;

	memset(&dev, 0, sizeof(dev));
	dev.listen_port = 51820;
	f->gets++;
	if (f->get_peers) {
		peers = calloc(f->get_peers, sizeof(*peers));
		assert_non_null(peers);
		for (size_t i = 0; i < f->get_peers; i++)
			memcpy(peers[i].public_key, &i, sizeof(i));
		dev.peers = peers;
		dev.n_peers = f->get_peers;
	}
	r = uapi_format_get(b, &dev);
	free(peers);
	return r;
}

static int fake_set(void *ctx, const struct uapi_set *set)
{
	struct fake *f = ctx;

	f->sets++;
	f->had_port = set->has_listen_port;
	f->last_port = set->listen_port;
	return f->set_ret;
}

static const struct uapi_server_ops fake_ops = { .get = fake_get, .set = fake_set };

static void failsafe_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	E->timed_out = true;
	loop_stop(loop);
}

static void pause_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	loop_stop(loop);
}

/* Runs the loop for about ms milliseconds. */
static void pump(unsigned ms)
{
	loop_timer_arm_in(E->pause, ms * LOOP_NSEC_PER_MSEC);
	assert_int_equal(loop_run(E->loop), 0);
}

static int setup(void **state)
{
	static struct env env;

	memset(&env, 0, sizeof(env));
	E = &env;
	snprintf(env.dir, sizeof(env.dir), "/tmp/test_uapi_server.XXXXXX");
	assert_non_null(mkdtemp(env.dir));
	snprintf(env.sockdir, sizeof(env.sockdir), "%s/wireguard", env.dir);
	assert_int_equal(loop_new(&env.loop), 0);
	assert_int_equal(loop_timer_new(env.loop, failsafe_cb, NULL, &env.failsafe), 0);
	assert_int_equal(loop_timer_new(env.loop, pause_cb, NULL, &env.pause), 0);
	assert_int_equal(uapi_server_new(env.loop, env.sockdir, "wgx0", &fake_ops, &env.fake,
	                                 &env.srv), 0);
	*state = &env;
	return 0;
}

static int teardown(void **state)
{
	char path[100];

	uapi_server_free(E->srv);
	loop_timer_free(E->failsafe);
	loop_timer_free(E->pause);
	loop_free(E->loop);
	snprintf(path, sizeof(path), "%s/wgx0.sock", E->sockdir);
	unlink(path);
	rmdir(E->sockdir);
	rmdir(E->dir);
	return 0;
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", uapi_server_path(E->srv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

#define SEND(fd, s) send_all((fd), (s), sizeof(s) - 1)

/* What a client reads until it has `answers` answers (each ends in a blank
 * line) or the server closes. */
struct reader {
	char *buf;
	size_t len, cap;
	int answers;
	int want;
	bool eof;
};

static int count_answers(const char *buf, size_t len)
{
	int n = 0;

	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			n++;
	return n;
}

static void reader_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct reader *r = arg;

	for (;;) {
		ssize_t n;

		if (r->len == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4096;
			r->buf = realloc(r->buf, r->cap + 1);
			assert_non_null(r->buf);
		}
		n = recv(fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (n < 0)
			break;
		if (n == 0) {
			r->eof = true;
			break;
		}
		r->len += (size_t)n;
	}
	r->buf[r->len] = '\0';
	r->answers = count_answers(r->buf, r->len);
	if (r->eof || (r->want && r->answers >= r->want))
		loop_stop(loop);
}

/* Reads from fd on the loop until `want` answers (0: until EOF). */
static void read_answers(int fd, struct reader *r, int want)
{
	struct loop_fd *w;

	memset(r, 0, sizeof(*r));
	r->want = want;
	E->timed_out = false;
	assert_int_equal(loop_fd_add(E->loop, fd, EPOLLIN, reader_cb, r, &w), 0);
	loop_timer_arm_in(E->failsafe, FAILSAFE_NS);
	assert_int_equal(loop_run(E->loop), 0);
	loop_timer_disarm(E->failsafe);
	loop_fd_del(E->loop, w);
	assert_false(E->timed_out);
	if (!r->buf)
		r->buf = calloc(1, 1);
}

/* Reads once more; true when the server has closed the connection. */
static bool closed_by_server(int fd)
{
	struct reader r;

	read_answers(fd, &r, 0);
	free(r.buf);
	return r.eof;
}

/* ---- requests ---- */

static void test_get(void **state)
{
	struct reader r;
	int fd = client();

	SEND(fd, "get=1\n\n");
	read_answers(fd, &r, 1);
	assert_string_equal(r.buf, "listen_port=51820\nerrno=0\n\n");
	assert_int_equal(E->fake.gets, 1);
	assert_int_equal(uapi_server_stats(E->srv)->gets, 1);
	free(r.buf);
	close(fd);
}

static void test_set_and_errors_from_ops(void **state)
{
	struct reader r;
	int fd = client();

	SEND(fd, "set=1\nlisten_port=5\n\n");
	read_answers(fd, &r, 1);
	assert_string_equal(r.buf, "errno=0\n\n");
	assert_int_equal(E->fake.sets, 1);
	assert_true(E->fake.had_port);
	assert_int_equal(E->fake.last_port, 5);
	free(r.buf);

	/* The same connection, a failing apply: its errno, negative. */
	E->fake.set_ret = -EADDRINUSE;
	SEND(fd, "set=1\nlisten_port=6\n\n");
	read_answers(fd, &r, 1);
	assert_string_equal(r.buf, "errno=-98\n\n");
	assert_int_equal(E->fake.sets, 2);
	assert_int_equal(uapi_server_stats(E->srv)->failed, 1);
	free(r.buf);
	close(fd);
}

/* A set the parser refused applies nothing; the connection goes on. */
static void test_bad_set_keeps_connection(void **state)
{
	struct reader r;
	int fd = client();

	SEND(fd, "set=1\nbogus=1\nlisten_port=7\n\nget=1\n\n");
	read_answers(fd, &r, 2);
	assert_string_equal(r.buf, "errno=-22\n\nlisten_port=51820\nerrno=0\n\n");
	assert_int_equal(E->fake.sets, 0);
	assert_int_equal(E->fake.gets, 1);
	free(r.buf);
	close(fd);
}

static void test_pipelined_in_order(void **state)
{
	struct reader r;
	int fd = client();

	SEND(fd, "get=1\n\nset=1\nlisten_port=9\n\nget=1\n\nset=1\nfwmark=1\n\n");
	read_answers(fd, &r, 4);
	assert_string_equal(r.buf, "listen_port=51820\nerrno=0\n\nerrno=0\n\n"
	                           "listen_port=51820\nerrno=0\n\nerrno=0\n\n");
	assert_int_equal(E->fake.gets, 2);
	assert_int_equal(E->fake.sets, 2);
	free(r.buf);
	close(fd);
}

/* One byte at a time, the loop running between them. */
static void test_byte_by_byte(void **state)
{
	static const char req[] = "set=1\nlisten_port=11\n\n";
	struct reader r;
	int fd = client();

	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		send_all(fd, req + i, 1);
		pump(1);
		assert_int_equal(E->fake.sets, i + 2 == sizeof(req) ? 1 : 0);
	}
	read_answers(fd, &r, 1);
	assert_string_equal(r.buf, "errno=0\n\n");
	assert_int_equal(E->fake.last_port, 11);
	free(r.buf);
	close(fd);
}

/* ---- malformed streams: the errno, then the connection closes ---- */

static void expect_closed_with(const char *req, size_t len, const char *answer)
{
	struct reader r;
	int fd = client();

	send_all(fd, req, len);
	read_answers(fd, &r, 0);
	assert_true(r.eof);
	assert_string_equal(r.buf, answer);
	free(r.buf);
	close(fd);
}

static void test_unknown_operation(void **state)
{
	expect_closed_with("put=1\n\n", 7, "errno=-71\n\n");
	/* Even after a good request on the same connection. */
	expect_closed_with("get=1\n\nget=2\n\n", 14,
	                   "listen_port=51820\nerrno=0\n\nerrno=-71\n\n");
	expect_closed_with("get=1\nx", 7, "errno=-22\n\n");
	assert_int_equal(uapi_server_stats(E->srv)->malformed, 3);
	assert_int_equal(E->fake.sets, 0);
}

static void test_cut_short(void **state)
{
	struct reader r;
	int fd = client();

	SEND(fd, "set=1\nlisten_port=12\n");
	shutdown(fd, SHUT_WR);
	read_answers(fd, &r, 0);
	assert_true(r.eof);
	assert_string_equal(r.buf, "errno=-71\n\n");
	assert_int_equal(E->fake.sets, 0);
	free(r.buf);
	close(fd);

	/* Between requests, EOF is a plain goodbye. */
	fd = client();
	SEND(fd, "get=1\n\n");
	shutdown(fd, SHUT_WR);
	read_answers(fd, &r, 0);
	assert_true(r.eof);
	assert_string_equal(r.buf, "listen_port=51820\nerrno=0\n\n");
	free(r.buf);
	close(fd);
}

static void test_line_too_long(void **state)
{
	size_t len = 6 + UAPI_LINE_MAX + 10;
	char *req = malloc(len);

	assert_non_null(req);
	memcpy(req, "set=1\n", 6);
	memset(req + 6, 'a', len - 6);
	expect_closed_with(req, len, "errno=-90\n\n");
	assert_int_equal(E->fake.sets, 0);
	free(req);
}

/* ---- bounds ---- */

static void test_too_many_clients(void **state)
{
	int fds[UAPI_SERVER_MAX_CLIENTS + 1];
	struct reader r;

	for (int i = 0; i < UAPI_SERVER_MAX_CLIENTS; i++) {
		fds[i] = client();
		pump(2);
	}
	fds[UAPI_SERVER_MAX_CLIENTS] = client();
	read_answers(fds[UAPI_SERVER_MAX_CLIENTS], &r, 0);
	assert_true(r.eof);
	assert_string_equal(r.buf, "errno=-16\n\n");
	assert_int_equal(uapi_server_stats(E->srv)->refused, 1);
	free(r.buf);
	/* The others are still served. */
	SEND(fds[0], "get=1\n\n");
	read_answers(fds[0], &r, 1);
	assert_string_equal(r.buf, "listen_port=51820\nerrno=0\n\n");
	free(r.buf);
	for (int i = 0; i <= UAPI_SERVER_MAX_CLIENTS; i++)
		close(fds[i]);
}

static void test_idle_client_closed(void **state)
{
	int fd;

	uapi_server_set_timeout(E->srv, 50 * LOOP_NSEC_PER_MSEC);
	fd = client();
	SEND(fd, "set=1\n");            /* and nothing more */
	assert_true(closed_by_server(fd));
	assert_int_equal(uapi_server_stats(E->srv)->timeouts, 1);
	assert_int_equal(E->fake.sets, 0);
	close(fd);
}

/* An answer far larger than the socket buffer, to a client that reads
 * only later: it arrives whole, and the daemon did not wait for it. */
static void test_big_answer_late_reader(void **state)
{
	struct reader r;
	int fd = client();
	int other;

	E->fake.get_peers = BIG_PEERS;
	SEND(fd, "get=1\n\n");
	pump(20);
	assert_int_equal(E->fake.gets, 1);
	other = client();
	E->fake.get_peers = 0;
	SEND(other, "get=1\n\n");
	read_answers(other, &r, 1);
	assert_string_equal(r.buf, "listen_port=51820\nerrno=0\n\n");
	free(r.buf);
	close(other);

	read_answers(fd, &r, 1);
	assert_int_equal(r.answers, 1);
	assert_true(r.len > (size_t)BIG_PEERS * 100);
	assert_non_null(strstr(r.buf, "protocol_version=1\n"));
	assert_string_equal(r.buf + r.len - 10, "\nerrno=0\n\n");
	free(r.buf);
	close(fd);
}

/* ---- the socket ---- */

static void test_socket_mode_and_dir(void **state)
{
	struct stat st;

	assert_int_equal(stat(E->sockdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(uapi_server_path(E->srv), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_live_socket_refused(void **state)
{
	struct uapi_server *s2 = NULL;

	assert_int_equal(uapi_server_new(E->loop, E->sockdir, "wgx0", &fake_ops, &E->fake, &s2),
	                 -EADDRINUSE);
	assert_null(s2);
	/* The first one still answers. */
	expect_closed_with("get=2\n\n", 7, "errno=-71\n\n");
}

static void test_stale_replaced_and_removed(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct uapi_server *s2 = NULL;
	char path[100];
	struct stat st;
	int fd;

	/* A socket nobody listens on, as a crashed daemon leaves it. */
	snprintf(path, sizeof(path), "%s/wgy0.sock", E->sockdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(uapi_server_new(E->loop, E->sockdir, "wgy0", &fake_ops, &E->fake, &s2), 0);
	assert_string_equal(uapi_server_path(s2), path);
	uapi_server_free(s2);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* A file that is not a socket is left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(uapi_server_new(E->loop, E->sockdir, "wgy0", &fake_ops, &E->fake, &s2),
	                 -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);

	/* A name that cannot be a file name. */
	assert_int_equal(uapi_server_new(E->loop, E->sockdir, "a/b", &fake_ops, &E->fake, &s2),
	                 -EINVAL);
}

/* Freed while another daemon's socket took the path: that one stays. */
static void test_free_leaves_foreign_socket(void **state)
{
	const char *path = uapi_server_path(E->srv);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char copy[100];
	struct stat st;
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	assert_int_equal(unlink(copy), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", copy);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	uapi_server_free(E->srv);
	E->srv = NULL;
	assert_int_equal(lstat(copy, &st), 0);
	close(fd);
	unlink(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_errors_from_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_set_keeps_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_client_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_answer_late_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_mode_and_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_replaced_and_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_leaves_foreign_socket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
