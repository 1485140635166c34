#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/control.h"
#include "core/log.h"
#include "core/loop.h"

#define CONTROL_TIMEOUT_NS (5 * LOOP_NSEC_PER_SEC)
/* Above CONTROL_MAX_CLIENTS, so the excess hears ERR busy rather than EAGAIN. */
#define CONTROL_BACKLOG 64
#define CONTROL_ACCEPT_BURST 64
/* Pause before accepting again when out of descriptors, so a full fd table
 * does not spin the loop on a listening socket that stays readable. */
#define CONTROL_PAUSE_NS (100 * LOOP_NSEC_PER_MSEC)

struct command {
	char *name;
	control_handler h;
	void *arg;
};

struct client {
	struct control *ctl;
	struct client *prev, *next;
	int fd;
	struct loop_fd *w;
	struct loop_timer *timer;
	char *out;              /* response once the request is in; NULL while reading */
	bool out_owned;
	size_t outlen, outoff;
	size_t inlen;
	char in[CONTROL_MAX_REQUEST];
};

struct control {
	struct loop *loop;
	int fd;
	struct loop_fd *w;
	struct loop_timer *pause;
	char *path;
	bool bound;
	dev_t dev;
	ino_t ino;
	uint64_t timeout_ns;
	struct command *cmds;
	size_t ncmds;
	struct client *clients;
	unsigned nclients;
	struct control_stats stats;
	struct log_ratelimit rl;
};

static const char err_oom[] = "ERR out of memory\n";

int control_parse_request(const char *line, size_t len, char *buf, char **argv, int max_args,
                          int *json, const char **why)
{
	size_t end;
	int argc = 0;

	*json = 0;
	if (max_args < 1) {
		*why = "no room for arguments";
		return -EINVAL;
	}
	if (len > CONTROL_MAX_REQUEST) {
		*why = "request too long";
		return -EINVAL;
	}
	if (len == 0 || line[len - 1] != '\n') {
		*why = "request must end in a newline";
		return -EINVAL;
	}
	end = len - 1;
	if (end > 0 && line[end - 1] == '\r')
		end--;
	for (size_t i = 0; i < end; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e) {
			*why = "request must be printable ASCII";
			return -EINVAL;
		}
	}
	memmove(buf, line, end);
	buf[end] = '\0';

	for (size_t i = 0; i < end;) {
		char *word;

		while (i < end && buf[i] == ' ')
			buf[i++] = '\0';
		if (i == end)
			break;
		word = buf + i;
		while (i < end && buf[i] != ' ')
			i++;
		if (i < end)
			buf[i++] = '\0';
		if (argc > 0 && strcmp(word, "--json") == 0) {
			*json = 1;
			continue;
		}
		if (argc == max_args) {
			*why = "too many arguments";
			return -EINVAL;
		}
		argv[argc++] = word;
	}
	if (argc == 0) {
		*why = "empty request";
		return -EINVAL;
	}
	if (strcmp(argv[0], "--json") == 0) {
		*why = "--json needs a command before it";
		return -EINVAL;
	}
	return argc;
}

__attribute__((format(printf, 2, 3)))
static void client_log(struct control *c, const char *fmt, ...)
{
	va_list ap;

	if (!log_ratelimit_ok(&c->rl, loop_now(c->loop)))
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

static void client_close(struct client *cl)
{
	struct control *c = cl->ctl;

	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	c->nclients--;
	loop_fd_del(c->loop, cl->w);
	loop_timer_free(cl->timer);
	close(cl->fd);
	if (cl->out_owned)
		free(cl->out);
	free(cl);
}

/* Writes what the socket takes; the rest waits for EPOLLOUT. */
static void client_flush(struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (loop_fd_mod(cl->ctl->loop, cl->w, EPOLLOUT) < 0)
				break;
			return;
		}
		if (n < 0)
			break;
		cl->outoff += (size_t)n;
	}
	client_close(cl);
}

/* Takes ownership of out when owned; reading stops and the timeout restarts
 * for the write. */
static void client_reply(struct client *cl, char *out, size_t len, bool owned)
{
	struct control *c = cl->ctl;

	cl->out = out;
	cl->outlen = len;
	cl->out_owned = owned;
	loop_timer_arm_in(cl->timer, c->timeout_ns);
	/* Stop watching EPOLLIN at once: unread input would wake us forever. */
	if (loop_fd_mod(c->loop, cl->w, EPOLLOUT) < 0) {
		client_close(cl);
		return;
	}
	client_flush(cl);
}

static void client_reply_static(struct client *cl, const char *msg)
{
	client_reply(cl, (char *)msg, strlen(msg), false);
}

__attribute__((format(printf, 2, 3)))
static void client_replyf(struct client *cl, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		client_reply_static(cl, err_oom);
	else
		client_reply(cl, s, (size_t)n, true);
}

/* "a, b, help": every command a client may send. */
static char *command_list(const struct control *c)
{
	size_t len = sizeof("help");
	char *s, *p;

	for (size_t i = 0; i < c->ncmds; i++)
		len += strlen(c->cmds[i].name) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (size_t i = 0; i < c->ncmds; i++)
		p += sprintf(p, "%s, ", c->cmds[i].name);
	strcpy(p, "help");
	return s;
}

static int help_cmd(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	const struct control *c = arg;

	report_arr_begin(r, "commands");
	for (size_t i = 0; i < c->ncmds; i++)
		report_str(r, NULL, c->cmds[i].name);
	report_str(r, NULL, "help");
	report_arr_end(r);
	return 0;
}

static const struct command *command_find(const struct control *c, const char *name)
{
	for (size_t i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].name, name) == 0)
			return &c->cmds[i];
	return NULL;
}

static void run_handler(struct client *cl, control_handler h, void *arg, int argc, char **argv,
                        int json)
{
	struct report *r = report_new(json ? REPORT_JSON : REPORT_TEXT);
	const char *err = NULL, *body;
	size_t blen;
	char *out;
	int ret;

	if (!r) {
		client_reply_static(cl, err_oom);
		return;
	}
	ret = h(r, argc, argv, &err, arg);
	if (ret < 0) {
		/* The message may come from the network (a peer's name): keep the
		 * response one printable line. */
		char msg[256];
		size_t i;

		snprintf(msg, sizeof(msg), "%s", err ? err : strerror(ret < -4095 ? EIO : -ret));
		for (i = 0; msg[i]; i++)
			if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
				msg[i] = '?';
		report_free(r);
		client_replyf(cl, "ERR %s\n", msg);
		return;
	}
	body = report_finish(r, &blen);
	out = body ? malloc(blen + 3) : NULL;
	if (!out) {
		report_free(r);
		client_reply_static(cl, err_oom);
		return;
	}
	memcpy(out, "OK\n", 3);
	memcpy(out + 3, body, blen);
	report_free(r);
	client_reply(cl, out, blen + 3, true);
}

static void client_request(struct client *cl, size_t len)
{
	struct control *c = cl->ctl;
	char buf[CONTROL_MAX_REQUEST + 1];
	char *argv[CONTROL_MAX_ARGS + 1];
	const struct command *cmd;
	const char *why = "";
	int argc, json;

	argc = control_parse_request(cl->in, len, buf, argv, CONTROL_MAX_ARGS, &json, &why);
	if (argc < 0) {
		c->stats.refused++;
		client_log(c, "control: malformed request: %s", why);
		client_replyf(cl, "ERR malformed request: %s\n", why);
		return;
	}
	argv[argc] = NULL;
	if (strcmp(argv[0], "help") == 0) {
		c->stats.requests++;
		run_handler(cl, help_cmd, c, argc, argv, json);
		return;
	}
	cmd = command_find(c, argv[0]);
	if (!cmd) {
		char *list = command_list(c);

		c->stats.refused++;
		client_log(c, "control: unknown command '%.64s'", argv[0]);
		if (!list) {
			client_reply_static(cl, err_oom);
			return;
		}
		client_replyf(cl, "ERR unknown command '%s' (try: %s)\n", argv[0], list);
		free(list);
		return;
	}
	c->stats.requests++;
	log_debug("control: %s", argv[0]);
	run_handler(cl, cmd->h, cmd->arg, argc, argv, json);
}

static void client_read(struct client *cl)
{
	for (;;) {
		size_t room = sizeof(cl->in) - cl->inlen;
		ssize_t n = recv(cl->fd, cl->in + cl->inlen, room, MSG_DONTWAIT);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 || (n == 0 && cl->inlen == 0)) {
			client_close(cl);
			return;
		}
		if (n == 0) {
			/* Closed its side mid-line: the parser says what is wrong. */
			client_request(cl, cl->inlen);
			return;
		}
		nl = memchr(cl->in + cl->inlen, '\n', (size_t)n);
		cl->inlen += (size_t)n;
		if (nl) {
			/* One request per connection: bytes after the line are ignored. */
			client_request(cl, (size_t)(nl - cl->in) + 1);
			return;
		}
		if (cl->inlen == sizeof(cl->in)) {
			cl->ctl->stats.refused++;
			client_log(cl->ctl, "control: request too long");
			client_reply_static(cl, "ERR request too long\n");
			return;
		}
	}
}

static void client_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;

	if (cl->out)
		client_flush(cl);
	else
		client_read(cl);
}

static void client_timeout(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct client *cl = arg;
	static const char msg[] = "ERR timeout\n";

	cl->ctl->stats.timeouts++;
	client_log(cl->ctl, "control: client timed out");
	/* Best effort: a client that has not sent its line may still read. */
	if (!cl->out)
		(void)!send(cl->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(cl);
}

static int client_new(struct control *c, int fd)
{
	struct client *cl = calloc(1, sizeof(*cl));
	int ret = -ENOMEM;

	if (!cl)
		return ret;
	cl->ctl = c;
	cl->fd = fd;
	ret = loop_timer_new(c->loop, client_timeout, cl, &cl->timer);
	if (ret < 0)
		goto fail;
	ret = loop_fd_add(c->loop, fd, EPOLLIN, client_cb, cl, &cl->w);
	if (ret < 0)
		goto fail;
	loop_timer_arm_in(cl->timer, c->timeout_ns);
	cl->next = c->clients;
	if (c->clients)
		c->clients->prev = cl;
	c->clients = cl;
	c->nclients++;
	return 0;
fail:
	if (cl->timer)
		loop_timer_free(cl->timer);
	free(cl);
	return ret;
}

static void accept_cb(struct loop *loop, int fd, uint32_t events, void *arg);

static void accept_resume(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct control *c = arg;

	if (!c->w && loop_fd_add(loop, c->fd, EPOLLIN, accept_cb, c, &c->w) < 0) {
		c->w = NULL;
		loop_timer_arm_in(c->pause, CONTROL_PAUSE_NS);
	}
}

static void accept_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	static const char busy[] = "ERR busy\n";
	struct control *c = arg;

	for (int i = 0; i < CONTROL_ACCEPT_BURST; i++) {
		int cfd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			client_log(c, "control: accept: %s", strerror(errno));
			loop_fd_del(loop, c->w);
			c->w = NULL;
			loop_timer_arm_in(c->pause, CONTROL_PAUSE_NS);
			return;
		}
		if (c->nclients >= CONTROL_MAX_CLIENTS) {
			c->stats.refused++;
			client_log(c, "control: too many clients");
			(void)!send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cfd);
			continue;
		}
		if (client_new(c, cfd) < 0)
			close(cfd);
	}
}

/* The socket's directory, so that group members can reach the socket. */
static int make_dir(const char *path, gid_t gid)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ret = 0;

	if (!slash || slash == path)
		return 0;
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	if (mkdir(dir, 0750) == 0) {
		/* The umask may have cut bits off. */
		if (chmod(dir, 0750) < 0 ||
		    (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) < 0))
			ret = -errno;
	} else if (errno != EEXIST) {
		ret = -errno;
	}
	if (ret < 0)
		log_err("control: directory %s: %s", dir, strerror(-ret));
	free(dir);
	return ret;
}

/* Binds, replacing a socket that nobody listens on any more. */
static int bind_socket(struct control *c, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, ret, err;

	if (bind(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(c->path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control: %s exists and is not a socket", c->path);
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	ret = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(probe);
	if (ret == 0 || err == EAGAIN) {
		log_err("control: %s: another meshgated is listening", c->path);
		return -EADDRINUSE;
	}
	if (err != ECONNREFUSED)
		return -err;
	log_notice("control: replacing stale socket %s", c->path);
	if (unlink(c->path) < 0 && errno != ENOENT)
		return -errno;
	if (bind(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	return 0;
}

int control_new(struct loop *loop, const char *path, gid_t gid, struct control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	struct stat st;
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->fd = -1;
	c->timeout_ns = CONTROL_TIMEOUT_NS;
	c->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOOP_NSEC_PER_SEC, 5);
	c->path = strdup(path);
	ret = -ENOMEM;
	if (!c->path)
		goto fail;
	ret = make_dir(path, gid);
	if (ret < 0)
		goto fail;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = bind_socket(c, &sa);
	if (ret < 0)
		goto fail;
	if (stat(path, &st) < 0) {
		ret = -errno;
		unlink(path);
		goto fail;
	}
	c->bound = true;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	/* Nobody can connect before listen(), so the mode is right in time. */
	if (chmod(path, 0660) < 0 || (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    listen(c->fd, CONTROL_BACKLOG) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = loop_timer_new(loop, accept_resume, c, &c->pause);
	if (ret < 0)
		goto fail;
	ret = loop_fd_add(loop, c->fd, EPOLLIN, accept_cb, c, &c->w);
	if (ret < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	if (ret != -EADDRINUSE && ret != -EEXIST)
		log_err("control: %s: %s", path, strerror(-ret));
	control_free(c);
	return ret;
}

void control_free(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	while (c->clients)
		client_close(c->clients);
	if (c->w)
		loop_fd_del(c->loop, c->w);
	if (c->pause)
		loop_timer_free(c->pause);
	if (c->fd >= 0)
		close(c->fd);
	/* Only our own socket: a newer daemon may have taken the path over. */
	if (c->bound && stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	for (size_t i = 0; i < c->ncmds; i++)
		free(c->cmds[i].name);
	free(c->cmds);
	free(c->path);
	free(c);
}

int control_register(struct control *c, const char *command, control_handler h, void *arg)
{
	struct command *cmds;
	char *name;

	if (!command[0] || command[0] == '-' || strlen(command) > 64)
		return -EINVAL;
	for (const char *p = command; *p; p++)
		if (*p <= ' ' || *p > '~')
			return -EINVAL;
	if (strcmp(command, "help") == 0 || command_find(c, command))
		return -EEXIST;
	name = strdup(command);
	if (!name)
		return -ENOMEM;
	cmds = realloc(c->cmds, (c->ncmds + 1) * sizeof(*cmds));
	if (!cmds) {
		free(name);
		return -ENOMEM;
	}
	c->cmds = cmds;
	c->cmds[c->ncmds++] = (struct command){ .name = name, .h = h, .arg = arg };
	return 0;
}

void control_set_timeout(struct control *c, uint64_t timeout_ns)
{
	c->timeout_ns = timeout_ns;
}

const struct control_stats *control_get_stats(const struct control *c)
{
	return &c->stats;
}
