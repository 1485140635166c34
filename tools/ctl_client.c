#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "tools/ctl_client.h"

#define CTL_MAX_RESPONSE (64u << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_all(int fd, int64_t deadline, char **resp, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *p;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			goto timeout;
		ret = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			goto fail_errno;
		if (ret == 0)
			continue;
		if (n == cap) {
			if (cap >= CTL_MAX_RESPONSE) {
				free(buf);
				return -EMSGSIZE;
			}
			cap *= 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		r = recv(fd, buf + n, cap - n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* A reset after the answer (the daemon dropped our unread
		 * bytes) still ends it. */
		if (r == 0 || (r < 0 && errno == ECONNRESET && n > 0))
			break;
		if (r < 0)
			goto fail_errno;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*resp = buf;
	*len = n;
	return 0;
timeout:
	free(buf);
	return -ETIMEDOUT;
fail_errno:
	ret = -errno;
	free(buf);
	return ret;
}

int ctl_request(const char *path, const char *req, int timeout_ms, char **resp, size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Also bounds connect(), which waits while the daemon's backlog is full. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int64_t deadline = now_ms() + timeout_ms;
	size_t off = 0, reqlen = strlen(req);
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_errno;
	while (off < reqlen) {
		ssize_t r = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail_errno;
		off += (size_t)r;
	}
	ret = read_all(fd, deadline, resp, len);
	close(fd);
	return ret;
fail_errno:
	ret = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	close(fd);
	return ret;
}
