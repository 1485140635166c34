/* The UAPI socket: accepts wg(8)'s connections, feeds their bytes to the
 * parser and writes the answers. Bounded: UAPI_SERVER_MAX_CLIENTS clients,
 * a fixed input buffer each, one answer in flight each, the parser's own
 * bound on a request, and an idle timeout. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "core/loop.h"
#include "daemon/uapi_server.h"

#define UAPI_TIMEOUT_NS (10 * LOOP_NSEC_PER_SEC)
#define UAPI_IN_LEN 4096
#define UAPI_ACCEPT_BURST 32
#define UAPI_PAUSE_NS (100 * LOOP_NSEC_PER_MSEC)

struct uclient {
	struct uapi_server *srv;
	struct uclient *prev, *next;
	int fd;
	struct loop_fd *w;
	uint32_t events;         /* what w watches now */
	struct loop_timer *timer;
	struct uapi_parser parser;
	struct uapi_buf out;     /* the answer being written */
	size_t outoff;
	bool eof;                /* the client closed its side */
	bool closing;            /* close once out is written */
	size_t inoff, inlen;
	char in[UAPI_IN_LEN];
};

struct uapi_server {
	struct loop *loop;
	const struct uapi_server_ops *ops;
	void *ctx;
	int fd;
	struct loop_fd *w;
	struct loop_timer *pause;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool bound;
	dev_t dev;
	ino_t ino;
	uint64_t timeout_ns;
	struct uclient *clients;
	unsigned int nclients;
	struct uapi_server_stats stats;
	struct log_ratelimit rl;
};

__attribute__((format(printf, 2, 3)))
static void client_log(struct uapi_server *s, const char *fmt, ...)
{
	va_list ap;

	if (!log_ratelimit_ok(&s->rl, loop_now(s->loop)))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

static void client_close(struct uclient *c)
{
	struct uapi_server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nclients--;
	loop_fd_del(s->loop, c->w);
	loop_timer_free(c->timer);
	close(c->fd);
	uapi_parser_free(&c->parser);
	uapi_buf_free(&c->out);
	sodium_memzero(c->in, sizeof(c->in));
	free(c);
}

static int client_watch(struct uclient *c, uint32_t events)
{
	if (c->events == events)
		return 0;
	c->events = events;
	return loop_fd_mod(c->srv->loop, c->w, events);
}

/* One answer, appended to out. On no memory the client is dropped: wg
 * then says the device did not answer, which is the truth. */
static void answer_errno(struct uclient *c, int err)
{
	if (uapi_format_errno(&c->out, err) < 0)
		c->closing = true;
}

static void handle_request(struct uclient *c, const struct uapi_request *req)
{
	struct uapi_server *s = c->srv;
	int r;

	if (req->op == UAPI_OP_GET) {
		s->stats.gets++;
		r = s->ops->get(s->ctx, &c->out);
		if (r < 0)
			answer_errno(c, r);
		return;
	}
	s->stats.sets++;
	r = req->error ? req->error : s->ops->set(s->ctx, &req->set);
	if (r < 0)
		s->stats.failed++;
	answer_errno(c, r);
}

/* Feeds buffered input until a request is complete (its answer then waits
 * to be written) or the input is used up. */
static void client_parse(struct uclient *c)
{
	size_t used = 0;
	int r;

	r = uapi_parser_feed(&c->parser, c->in + c->inoff, c->inlen - c->inoff, &used);
	c->inoff += used;
	if (c->inoff == c->inlen) {
		sodium_memzero(c->in, c->inlen);    /* it held keys */
		c->inoff = c->inlen = 0;
	}
	if (r == 1) {
		handle_request(c, uapi_parser_request(&c->parser));
	} else if (r < 0) {
		c->srv->stats.malformed++;
		client_log(c->srv, "uapi: malformed request on %s: %s", c->srv->path,
		           strerror(-r));
		answer_errno(c, r);
		c->closing = true;
	}
}

/* 1 when everything is written, 0 when the socket is full, -1 on error. */
static int client_flush(struct uclient *c)
{
	while (c->outoff < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		c->outoff += (size_t)n;
		loop_timer_arm_in(c->timer, c->srv->timeout_ns);
	}
	if (c->out.len) {
		sodium_memzero(c->out.data, c->out.len);     /* a get holds the private key */
		c->out.len = 0;
		c->outoff = 0;
	}
	return 1;
}

/* 1 with bytes in c->in, 0 when nothing is there yet, -1 to close. */
static int client_recv(struct uclient *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->eof = true;
			return 1;
		}
		c->inoff = 0;
		c->inlen = (size_t)n;
		loop_timer_arm_in(c->timer, c->srv->timeout_ns);
		return 1;
	}
}

/* Moves the client as far as it can go: write the pending answer, then
 * parse what is buffered, then read more. Leaves it waiting on the socket
 * or closes it. */
static void client_run(struct uclient *c)
{
	int r;

	for (;;) {
		r = client_flush(c);
		if (r < 0)
			goto close;
		if (r == 0) {
			if (client_watch(c, EPOLLOUT) < 0)
				goto close;
			return;
		}
		if (c->closing)
			goto close;
		if (c->inoff < c->inlen) {
			client_parse(c);
			continue;
		}
		if (c->eof) {
			/* A set cut short applies nothing; say why, then close. */
			r = uapi_parser_eof(&c->parser);
			if (r < 0) {
				c->srv->stats.malformed++;
				answer_errno(c, r);
			}
			c->closing = true;
			continue;
		}
		r = client_recv(c);
		if (r < 0)
			goto close;
		if (r == 0) {
			if (client_watch(c, EPOLLIN) < 0)
				goto close;
			return;
		}
	}
close:
	client_close(c);
}

static void client_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	client_run(arg);
}

static void client_timeout(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct uclient *c = arg;

	(void)loop;
	(void)t;
	c->srv->stats.timeouts++;
	client_log(c->srv, "uapi: client of %s idle too long: closed", c->srv->path);
	client_close(c);
}

static int client_new(struct uapi_server *s, int fd)
{
	struct uclient *c = calloc(1, sizeof(*c));
	int r = -ENOMEM;

	if (!c)
		return r;
	c->srv = s;
	c->fd = fd;
	uapi_parser_init(&c->parser);
	uapi_buf_init(&c->out);
	r = loop_timer_new(s->loop, client_timeout, c, &c->timer);
	if (r < 0)
		goto fail;
	c->events = EPOLLIN;
	r = loop_fd_add(s->loop, fd, EPOLLIN, client_cb, c, &c->w);
	if (r < 0)
		goto fail;
	loop_timer_arm_in(c->timer, s->timeout_ns);
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->nclients++;
	return 0;
fail:
	if (c->timer)
		loop_timer_free(c->timer);
	free(c);
	return r;
}

static void accept_cb(struct loop *loop, int fd, uint32_t events, void *arg);

static void accept_resume(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct uapi_server *s = arg;

	(void)t;
	if (!s->w && loop_fd_add(loop, s->fd, EPOLLIN, accept_cb, s, &s->w) < 0) {
		s->w = NULL;
		loop_timer_arm_in(s->pause, UAPI_PAUSE_NS);
	}
}

static void accept_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	static const char busy[] = "errno=-16\n\n";      /* -EBUSY, as wg reads it */
	struct uapi_server *s = arg;

	(void)fd;
	(void)events;
	for (int i = 0; i < UAPI_ACCEPT_BURST; i++) {
		int cfd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Out of descriptors, say: pause rather than spin. */
			client_log(s, "uapi: accept on %s: %s", s->path, strerror(errno));
			loop_fd_del(loop, s->w);
			s->w = NULL;
			loop_timer_arm_in(s->pause, UAPI_PAUSE_NS);
			return;
		}
		if (s->nclients >= UAPI_SERVER_MAX_CLIENTS) {
			s->stats.refused++;
			client_log(s, "uapi: too many clients on %s", s->path);
			(void)!send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cfd);
			continue;
		}
		if (client_new(s, cfd) < 0)
			close(cfd);
	}
}

/* wg(8) and wireguard-go expect the directory world-readable. */
static int make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return chmod(dir, 0755) < 0 ? -errno : 0;     /* past the umask */
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Binds, replacing a socket nobody listens on any more (a daemon that
 * crashed); refuses one that answers. */
static int bind_socket(struct uapi_server *s, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, r, err;

	if (bind(s->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(s->path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	r = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(probe);
	if (r == 0 || err == EAGAIN)
		return -EADDRINUSE;
	if (err != ECONNREFUSED)
		return -err;
	log_notice("uapi: replacing stale socket %s", s->path);
	if (unlink(s->path) < 0 && errno != ENOENT)
		return -errno;
	if (bind(s->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	return 0;
}

static void log_new_error(const struct uapi_server *s, int r)
{
	if (r == -EADDRINUSE)
		log_err("WireGuard UAPI socket %s is in use: another meshgated or wireguard-go "
		        "already serves this interface name", s->path);
	else if (r == -EEXIST)
		log_err("WireGuard UAPI socket %s: the path exists and is not a socket", s->path);
	else
		log_err("cannot create WireGuard UAPI socket %s: %s", s->path, strerror(-r));
}

int uapi_server_new(struct loop *loop, const char *dir, const char *ifname,
                    const struct uapi_server_ops *ops, void *ctx, struct uapi_server **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct uapi_server *s;
	struct stat st;
	int r, n;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->ops = ops;
	s->ctx = ctx;
	s->fd = -1;
	s->timeout_ns = UAPI_TIMEOUT_NS;
	s->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOOP_NSEC_PER_SEC, 5);
	n = snprintf(s->path, sizeof(s->path), "%s/%s.sock", dir, ifname);
	if (n < 0 || (size_t)n >= sizeof(s->path) || !ifname[0] || strchr(ifname, '/')) {
		r = n > 0 && (size_t)n >= sizeof(s->path) ? -ENAMETOOLONG : -EINVAL;
		log_err("no WireGuard UAPI socket for interface '%s' in %s: %s", ifname, dir,
		        strerror(-r));
		goto fail;
	}
	memcpy(sa.sun_path, s->path, (size_t)n + 1);
	r = make_dir(dir);
	if (r < 0) {
		log_err("cannot create directory %s for the WireGuard UAPI socket: %s", dir,
		        strerror(-r));
		goto fail;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = -errno;
		log_new_error(s, r);
		goto fail;
	}
	r = bind_socket(s, &sa);
	if (r < 0) {
		log_new_error(s, r);
		goto fail;
	}
	s->bound = true;
	if (stat(s->path, &st) < 0) {
		r = -errno;
		log_new_error(s, r);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	/* Before listen(): nobody can connect while the mode is wider. It
	 * carries private keys, so root only, as wireguard-go makes it. */
	if (chmod(s->path, 0600) < 0 || listen(s->fd, UAPI_SERVER_MAX_CLIENTS * 2) < 0) {
		r = -errno;
		log_new_error(s, r);
		goto fail;
	}
	r = loop_timer_new(loop, accept_resume, s, &s->pause);
	if (r < 0)
		goto fail;
	r = loop_fd_add(loop, s->fd, EPOLLIN, accept_cb, s, &s->w);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	uapi_server_free(s);
	return r;
}

void uapi_server_free(struct uapi_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	if (s->w)
		loop_fd_del(s->loop, s->w);
	if (s->pause)
		loop_timer_free(s->pause);
	if (s->fd >= 0)
		close(s->fd);
	/* Only our own: a newer daemon may have replaced it. */
	if (s->bound && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s);
}

const char *uapi_server_path(const struct uapi_server *s)
{
	return s->path;
}

const struct uapi_server_stats *uapi_server_stats(const struct uapi_server *s)
{
	return &s->stats;
}

void uapi_server_set_timeout(struct uapi_server *s, uint64_t ns)
{
	s->timeout_ns = ns;
}
