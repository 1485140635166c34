/* The control socket: the pure request parser, then the server on the real
 * event loop in a temporary directory, with non-blocking clients driven by
 * the same loop. Every loop_run() has a failsafe timer so a broken server
 * fails a test instead of hanging it; nothing asserts how long anything took. */
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
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "core/control.h"
#include "core/loop.h"
#include "tools/ctl_client.h"

#define FAILSAFE_NS (10 * LOOP_NSEC_PER_SEC)
#define BIG_BODY (1u << 20)

/* ---- parser ---- */

struct parsed {
	int ret, json;
	char *argv[CONTROL_MAX_ARGS];
	char buf[CONTROL_MAX_REQUEST + 2];
	const char *why;
};

static struct parsed *parse(const char *line, size_t len, int max_args)
{
	static struct parsed p;

	memset(&p, 0, sizeof(p));
	p.json = -1;
	p.ret = control_parse_request(line, len, p.buf, p.argv, max_args, &p.json, &p.why);
	return &p;
}

#define PARSE(s, max) parse((s), sizeof(s) - 1, (max))

static void test_parse_ok(void **state)
{
	struct parsed *p;

	p = PARSE("status\n", CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 1);
	assert_string_equal(p->argv[0], "status");
	assert_int_equal(p->json, 0);

	p = PARSE("status\r\n", CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 1);
	assert_string_equal(p->argv[0], "status");

	p = PARSE("  peers   show x  --json \n", CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 3);
	assert_string_equal(p->argv[0], "peers");
	assert_string_equal(p->argv[1], "show");
	assert_string_equal(p->argv[2], "x");
	assert_int_equal(p->json, 1);

	p = PARSE("a --json b --json\n", CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 2);
	assert_string_equal(p->argv[0], "a");
	assert_string_equal(p->argv[1], "b");
	assert_int_equal(p->json, 1);

	/* Exactly max_args words, and --json does not take a slot. */
	p = PARSE("a b c --json\n", 3);
	assert_int_equal(p->ret, 3);
	assert_string_equal(p->argv[2], "c");

	/* Only the exact word counts. */
	p = PARSE("a --jsonx -json\n", CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 3);
	assert_int_equal(p->json, 0);
}

static void test_parse_longest(void **state)
{
	char line[CONTROL_MAX_REQUEST + 1];
	struct parsed *p;

	memset(line, 'a', CONTROL_MAX_REQUEST);
	line[CONTROL_MAX_REQUEST - 1] = '\n';
	p = parse(line, CONTROL_MAX_REQUEST, CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, 1);
	assert_int_equal(strlen(p->argv[0]), CONTROL_MAX_REQUEST - 1);

	line[CONTROL_MAX_REQUEST] = '\n';
	line[CONTROL_MAX_REQUEST - 1] = 'a';
	p = parse(line, CONTROL_MAX_REQUEST + 1, CONTROL_MAX_ARGS);
	assert_int_equal(p->ret, -EINVAL);
	assert_string_equal(p->why, "request too long");
}

static void expect_bad(const char *line, size_t len, int max_args, const char *why)
{
	struct parsed *p = parse(line, len, max_args);

	assert_int_equal(p->ret, -EINVAL);
	assert_non_null(p->why);
	assert_string_equal(p->why, why);
}

#define BAD(s, why) expect_bad((s), sizeof(s) - 1, CONTROL_MAX_ARGS, (why))

static void test_parse_malformed(void **state)
{
	const char *ascii = "request must be printable ASCII";

	expect_bad("", 0, CONTROL_MAX_ARGS, "request must end in a newline");
	BAD("status", "request must end in a newline");
	BAD("status\n\n", ascii);
	BAD("a\nb\n", ascii);
	BAD("\n", "empty request");
	BAD("\r\n", "empty request");
	BAD("    \n", "empty request");
	BAD("sta\0tus\n", ascii);
	BAD("status\0\n", ascii);
	BAD("a\tb\n", ascii);
	BAD("a\x01\n", ascii);
	BAD("a\x1b[2J\n", ascii);
	BAD("a\x7f\n", ascii);
	BAD("caf\xc3\xa9\n", ascii);
	BAD("a\rb\n", ascii);
	BAD("a\r\r\n", ascii);
	BAD("a\n\r", "request must end in a newline");
	BAD("--json\n", "--json needs a command before it");
	BAD("--json status\n", "--json needs a command before it");
	BAD(" --json  --json\n", "--json needs a command before it");
	expect_bad("a b c d\n", 8, 3, "too many arguments");
	expect_bad("a\n", 2, 0, "no room for arguments");
}

static void test_parse_too_many_default(void **state)
{
	char line[4 * (CONTROL_MAX_ARGS + 1) + 1];
	size_t n = 0;

	for (int i = 0; i <= CONTROL_MAX_ARGS; i++)
		n += (size_t)sprintf(line + n, "w%d ", i % 10);
	line[n - 1] = '\n';
	expect_bad(line, n, CONTROL_MAX_ARGS, "too many arguments");
}

/* ---- live server ---- */

struct fx {
	char dir[64];
	char path[128];
	struct loop *loop;
	struct control *ctl;
	struct loop_timer *failsafe;
	bool timed_out;
	uint64_t want_timeouts;     /* watch_stats stops the loop when reached */
	struct loop_timer *watch;
};

struct conn {
	struct fx *fx;
	int fd;
	struct loop_fd *w;
	char *buf;
	size_t len, cap;
	bool eof;
};

static void failsafe_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct fx *fx = arg;

	fx->timed_out = true;
	loop_stop(loop);
}

static int status_cmd(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	report_str(r, "name", "gw1");
	report_uint(r, "peers", 2);
	return 0;
}

static int echo_cmd(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	if (argv[argc] != NULL)
		return -EFAULT;
	report_arr_begin(r, "args");
	for (int i = 0; i < argc; i++)
		report_str(r, NULL, argv[i]);
	report_arr_end(r);
	return 0;
}

static int fail_cmd(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	report_obj_begin(r, "half");
	if (argc > 1)
		*err = "no such peer\nOK\n";
	return -ENOENT;
}

static int big_cmd(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	static char chunk[1025];

	memset(chunk, 'b', sizeof(chunk) - 1);
	report_arr_begin(r, "chunks");
	for (unsigned i = 0; i < BIG_BODY / 1024; i++)
		report_str(r, NULL, chunk);
	report_arr_end(r);
	return 0;
}

/* Text: "chunks: " + n chunks joined by ", " + "\n". */
static size_t big_text_len(void)
{
	size_t n = BIG_BODY / 1024;

	return 8 + n * 1024 + (n - 1) * 2 + 1;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/test_control.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/run/control.sock", fx->dir);
	if (loop_new(&fx->loop) < 0 || loop_timer_new(fx->loop, failsafe_cb, fx, &fx->failsafe) < 0)
		return -1;
	if (control_new(fx->loop, fx->path, (gid_t)-1, &fx->ctl) < 0)
		return -1;
	if (control_register(fx->ctl, "status", status_cmd, NULL) < 0 ||
	    control_register(fx->ctl, "echo", echo_cmd, NULL) < 0 ||
	    control_register(fx->ctl, "fail", fail_cmd, NULL) < 0 ||
	    control_register(fx->ctl, "big", big_cmd, NULL) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char sub[160];

	control_free(fx->ctl);
	if (fx->watch)
		loop_timer_free(fx->watch);
	loop_free(fx->loop);
	unlink(fx->path);
	snprintf(sub, sizeof(sub), "%s/run", fx->dir);
	rmdir(sub);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void run(struct fx *fx)
{
	loop_timer_arm_in(fx->failsafe, FAILSAFE_NS);
	assert_int_equal(loop_run(fx->loop), 0);
	assert_false(fx->timed_out);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static struct conn *conn_open(struct fx *fx, const char *req, size_t len)
{
	struct conn *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fx = fx;
	c->fd = connect_to(fx->path);
	if (len > 0)
		assert_int_equal(send(c->fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	return c;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

static void conn_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;

	for (;;) {
		ssize_t n;

		if (c->cap - c->len < 4096) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = realloc(c->buf, c->cap + 1);
			assert_non_null(c->buf);
		}
		n = read(fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EAGAIN)
			return;
		/* A server closing on unread input resets the connection after
		 * the response: that is the end too. */
		if (n <= 0) {
			assert_true(n == 0 || errno == ECONNRESET);
			break;
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	if (c->buf)
		c->buf[c->len] = '\0';
	c->eof = true;
	loop_fd_del(loop, c->w);
	loop_stop(loop);
}

/* Runs the loop until the server closes c; returns the whole response. */
static const char *conn_wait(struct conn *c)
{
	assert_int_equal(loop_fd_add(c->fx->loop, c->fd, EPOLLIN, conn_cb, c, &c->w), 0);
	run(c->fx);
	assert_true(c->eof);
	return c->buf ? c->buf : "";
}

/* One request, one response. */
static void roundtrip(struct fx *fx, const char *req, size_t len, const char *want)
{
	struct conn *c = conn_open(fx, req, len);

	assert_string_equal(conn_wait(c), want);
	conn_close(c);
}

#define RT(fx, req, want) roundtrip((fx), (req), sizeof(req) - 1, (want))

static void test_live_status(void **state)
{
	struct fx *fx = *state;

	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
	RT(fx, "status --json\r\n", "OK\n{\"name\":\"gw1\",\"peers\":2}\n");
	RT(fx, "echo  a b --json c\n", "OK\n{\"args\":[\"echo\",\"a\",\"b\",\"c\"]}\n");
	RT(fx, "help\n", "OK\ncommands: status, echo, fail, big, help\n");
	assert_int_equal(control_get_stats(fx->ctl)->requests, 4);
	assert_int_equal(control_get_stats(fx->ctl)->refused, 0);
}

static void test_live_errors(void **state)
{
	struct fx *fx = *state;

	RT(fx, "nope --json\n", "ERR unknown command 'nope' (try: status, echo, fail, big, help)\n");
	/* The handler's message stays on one line whatever it holds. */
	RT(fx, "fail peer\n", "ERR no such peer?OK?\n");
	RT(fx, "fail\n", "ERR No such file or directory\n");
	RT(fx, "sta\0tus\n", "ERR malformed request: request must be printable ASCII\n");
	RT(fx, "\n", "ERR malformed request: empty request\n");
	RT(fx, "--json\n", "ERR malformed request: --json needs a command before it\n");
	/* Bytes after the line are not a second request. */
	RT(fx, "status\nstatus\n", "OK\nname: gw1\npeers: 2\n");
	assert_int_equal(control_get_stats(fx->ctl)->refused, 4);
	assert_int_equal(control_get_stats(fx->ctl)->requests, 3);
}

static void test_live_half_close(void **state)
{
	struct fx *fx = *state;
	struct conn *c = conn_open(fx, "status", 6);

	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	assert_string_equal(conn_wait(c), "ERR malformed request: request must end in a newline\n");
	conn_close(c);

	/* Connect and close at once: nothing to answer, nothing counted. */
	c = conn_open(fx, NULL, 0);
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	assert_string_equal(conn_wait(c), "");
	conn_close(c);
	assert_int_equal(control_get_stats(fx->ctl)->refused, 1);
}

static void test_live_oversize(void **state)
{
	struct fx *fx = *state;
	static char req[3 * CONTROL_MAX_REQUEST];
	char want[CONTROL_MAX_REQUEST + 128];

	memset(req, 'a', sizeof(req));
	roundtrip(fx, req, CONTROL_MAX_REQUEST, "ERR request too long\n");
	/* More than the buffer, and a newline far too late. */
	req[sizeof(req) - 1] = '\n';
	roundtrip(fx, req, sizeof(req), "ERR request too long\n");
	/* The longest request that fits is still a request. */
	req[CONTROL_MAX_REQUEST - 1] = '\n';
	snprintf(want, sizeof(want), "ERR unknown command '%.*s' (try: status, echo, fail, big, help)\n",
	         CONTROL_MAX_REQUEST - 1, req);
	roundtrip(fx, req, CONTROL_MAX_REQUEST, want);
	assert_int_equal(control_get_stats(fx->ctl)->refused, 3);
	/* The daemon goes on. */
	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
}

static void test_live_big_response(void **state)
{
	struct fx *fx = *state;
	struct conn *c = conn_open(fx, "big\n", 4);
	const char *resp = conn_wait(c);

	/* Far more than a socket buffer: the rest went out on EPOLLOUT. */
	assert_int_equal(c->len, 3 + big_text_len());
	assert_memory_equal(resp, "OK\nchunks: bbbb", 15);
	assert_memory_equal(resp + c->len - 6, "bbbbb\n", 6);
	conn_close(c);
}

static void watch_stats_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct fx *fx = arg;

	if (control_get_stats(fx->ctl)->timeouts >= fx->want_timeouts)
		loop_stop(loop);
	else
		loop_timer_arm_in(t, LOOP_NSEC_PER_MSEC);
}

static void test_live_timeouts(void **state)
{
	struct fx *fx = *state;
	struct conn *c;

	control_set_timeout(fx->ctl, 50 * LOOP_NSEC_PER_MSEC);

	/* Half a line, then silence. */
	c = conn_open(fx, "stat", 4);
	assert_string_equal(conn_wait(c), "ERR timeout\n");
	conn_close(c);
	assert_int_equal(control_get_stats(fx->ctl)->timeouts, 1);

	/* A client that never reads its response. */
	c = conn_open(fx, "big\n", 4);
	fx->want_timeouts = 2;
	assert_int_equal(loop_timer_new(fx->loop, watch_stats_cb, fx, &fx->watch), 0);
	loop_timer_arm_in(fx->watch, LOOP_NSEC_PER_MSEC);
	run(fx);
	assert_int_equal(control_get_stats(fx->ctl)->timeouts, 2);
	conn_close(c);

	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
}

static void stop_cb(struct loop *loop, struct loop_timer *t, void *arg)
{
	loop_stop(loop);
}

static void test_live_busy(void **state)
{
	struct fx *fx = *state;
	struct conn *idle[CONTROL_MAX_CLIENTS], *c;
	struct loop_timer *t;

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		idle[i] = conn_open(fx, "sta", 3);
	c = conn_open(fx, "status\n", 7);
	assert_string_equal(conn_wait(c), "ERR busy\n");
	conn_close(c);
	assert_int_equal(control_get_stats(fx->ctl)->refused, 1);

	/* Every hang-up is ready before the loop runs, so one pass frees them. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		conn_close(idle[i]);
	assert_int_equal(loop_timer_new(fx->loop, stop_cb, NULL, &t), 0);
	loop_timer_arm_in(t, 0);
	run(fx);
	loop_timer_free(t);
	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
	assert_int_equal(control_get_stats(fx->ctl)->timeouts, 0);
}

/* The real tool against the real server: runs it with args and returns
 * what it printed on stdout, after checking its exit code. */
static const char *run_tool(struct fx *fx, struct conn **out, int want_rc, const char *arg)
{
	const char *top = getenv("top_builddir");
	char tool[512];
	struct conn *c;
	int p[2], st;
	pid_t pid;

	snprintf(tool, sizeof(tool), "%s/tools/meshgate", top ? top : ".");
	if (access(tool, X_OK) != 0)
		return NULL;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(tool, "meshgate", "-s", fx->path, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fx = fx;
	c->fd = p[0];
	conn_wait(c);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), want_rc);
	*out = c;
	return c->buf ? c->buf : "";
}

static void test_live_tool(void **state)
{
	struct fx *fx = *state;
	struct conn *c;
	const char *out;

	out = run_tool(fx, &c, 0, "--json");
	if (!out)
		skip();
	assert_string_equal(out, "{\"name\":\"gw1\",\"peers\":2}\n");
	conn_close(c);
	out = run_tool(fx, &c, 0, "status");
	assert_string_equal(out, "name: gw1\npeers: 2\n");
	conn_close(c);
	assert_int_equal(control_get_stats(fx->ctl)->requests, 2);
}

static void test_register(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(control_register(fx->ctl, "status", status_cmd, NULL), -EEXIST);
	assert_int_equal(control_register(fx->ctl, "help", status_cmd, NULL), -EEXIST);
	assert_int_equal(control_register(fx->ctl, "", status_cmd, NULL), -EINVAL);
	assert_int_equal(control_register(fx->ctl, "two words", status_cmd, NULL), -EINVAL);
	assert_int_equal(control_register(fx->ctl, "--json", status_cmd, NULL), -EINVAL);
	assert_int_equal(control_register(fx->ctl, "caf\xc3\xa9", status_cmd, NULL), -EINVAL);
}

static void test_socket_modes(void **state)
{
	struct fx *fx = *state;
	char dir[160];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/run", fx->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
}

static void test_socket_in_use(void **state)
{
	struct fx *fx = *state;
	struct control *other = NULL;

	assert_int_equal(control_new(fx->loop, fx->path, (gid_t)-1, &other), -EADDRINUSE);
	assert_null(other);
	/* The first one is untouched and still answers. */
	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
}

static void test_socket_stale(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	control_free(fx->ctl);
	fx->ctl = NULL;
	/* A crashed daemon leaves its socket file with nobody listening. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	strcpy(sa.sun_path, fx->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);

	assert_int_equal(control_new(fx->loop, fx->path, getgid(), &fx->ctl), 0);
	assert_int_equal(control_register(fx->ctl, "status", status_cmd, NULL), 0);
	RT(fx, "status\n", "OK\nname: gw1\npeers: 2\n");
}

static void test_socket_not_a_socket(void **state)
{
	struct fx *fx = *state;
	struct control *other = NULL;
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/run/file", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(control_new(fx->loop, path, (gid_t)-1, &other), -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

static void test_free_unlinks(void **state)
{
	struct fx *fx = *state;

	control_free(fx->ctl);
	fx->ctl = NULL;
	assert_int_equal(access(fx->path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

/* The tool's client: a daemon that accepts nothing and says nothing. */
static void test_client_errors(void **state)
{
	char dir[] = "/tmp/test_control.XXXXXX", path[64], *resp = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_int_equal(ctl_request(path, "status\n", 50, &resp, &len), -ENOENT);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(ctl_request(path, "status\n", 50, &resp, &len), -ECONNREFUSED);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(ctl_request(path, "status\n", 50, &resp, &len), -ETIMEDOUT);
	assert_null(resp);
	close(fd);
	unlink(path);
	rmdir(dir);
}

#define LIVE(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_longest),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_too_many_default),
		cmocka_unit_test(test_client_errors),
		LIVE(test_live_status),
		LIVE(test_live_errors),
		LIVE(test_live_half_close),
		LIVE(test_live_oversize),
		LIVE(test_live_big_response),
		LIVE(test_live_timeouts),
		LIVE(test_live_busy),
		LIVE(test_live_tool),
		LIVE(test_register),
		LIVE(test_socket_modes),
		LIVE(test_socket_in_use),
		LIVE(test_socket_stale),
		LIVE(test_socket_not_a_socket),
		LIVE(test_free_unlinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
