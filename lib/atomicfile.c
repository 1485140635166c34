#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"

/* The directory part of path into dir[PATH_MAX]; "." for a bare name. */
static int dir_of(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		strcpy(dir, ".");
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int atomicfile_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode,
                     unsigned flags)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, r, n;

	r = dir_of(path, dir);
	if (r < 0)
		return r;
	base = base ? base + 1 : path;
	if (!*base)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);          /* created 0600 */
	if (fd < 0)
		return -errno;
	r = 0;
	if (fchmod(fd, mode) < 0 || (r = write_all(fd, buf, len)) < 0 || fsync(fd) < 0) {
		r = r < 0 ? r : -errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		r = -errno;
		goto fail;
	}
	/* link() refuses to replace, so an existing file is never lost by accident */
	if (flags & ATOMICFILE_REPLACE) {
		if (rename(tmp, path) < 0) {
			r = -errno;
			goto fail;
		}
	} else {
		if (link(tmp, path) < 0) {
			r = -errno;
			goto fail;
		}
		unlink(tmp);
	}
	return atomicfile_sync_dir(dir);
fail:
	unlink(tmp);
	return r;
}

int atomicfile_read(const char *path, void *buf, size_t cap, size_t *len)
{
	uint8_t *p = buf;
	struct stat st;
	size_t n = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			uint8_t extra;

			/* a file exactly cap long is fine; one byte more is not */
			got = read(fd, &extra, 1);
			if (got < 0 && errno == EINTR)
				continue;
			r = got > 0 ? -EFBIG : got < 0 ? -errno : 0;
			break;
		}
		got = read(fd, p + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*len = n;
out:
	close(fd);
	return r;
}
