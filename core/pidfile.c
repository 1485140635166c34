#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pidfile.h"

static int make_parent(const char *path)
{
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int pidfile_acquire(struct pidfile *p, const char *path, pid_t *holder)
{
	char buf[32];
	ssize_t n;
	int r;

	p->fd = -1;
	if (strlen(path) >= sizeof(p->path))
		return -ENAMETOOLONG;
	snprintf(p->path, sizeof(p->path), "%s", path);
	r = make_parent(path);
	if (r < 0)
		return r;
	p->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (p->fd < 0)
		return -errno;
	if (flock(p->fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EEXIST : -errno;
		n = pread(p->fd, buf, sizeof(buf) - 1, 0);
		*holder = n > 0 ? (buf[n] = '\0', (pid_t)atoi(buf)) : 0;
		close(p->fd);
		p->fd = -1;
		return r;
	}
	return pidfile_write(p);
}

int pidfile_write(struct pidfile *p)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(p->fd, 0) < 0 || pwrite(p->fd, buf, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

void pidfile_release(struct pidfile *p)
{
	if (p->fd < 0)
		return;
	unlink(p->path);
	close(p->fd);
	p->fd = -1;
}
