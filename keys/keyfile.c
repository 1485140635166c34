#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "lib/base64.h"

#define KIND_MAX 64
#define FILE_MAX (KIND_MAX + 1 + BASE64_LEN(KEYFILE_SECRET_MAX) + 1)

static bool kind_ok(const char *kind)
{
	size_t n = strnlen(kind, KIND_MAX + 1);

	return n > 0 && n <= KIND_MAX && !strchr(kind, '\n');
}

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

static int write_all(int fd, const char *p, size_t n)
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

static int sync_dir(const char *dir)
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

int keyfile_write(const char *path, const char *kind, const uint8_t *secret, size_t len,
                  unsigned flags)
{
	char text[FILE_MAX + 1], dir[PATH_MAX], tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd = -1, r, n;
	size_t tlen;

	if (!kind_ok(kind) || len == 0 || len > KEYFILE_SECRET_MAX)
		return -EINVAL;
	r = dir_of(path, dir);
	if (r < 0)
		return r;
	base = base ? base + 1 : path;
	if (!*base)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;

	tlen = (size_t)snprintf(text, sizeof(text), "%s\n", kind);
	base64_encode(text + tlen, secret, len);
	tlen += BASE64_LEN(len);
	text[tlen++] = '\n';

	fd = mkostemp(tmp, O_CLOEXEC);          /* created 0600 */
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || (r = write_all(fd, text, tlen)) < 0 || fsync(fd) < 0) {
		r = r < 0 ? r : -errno;
		goto fail;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = -errno;
		goto fail;
	}
	/* link() refuses to replace, so an existing key is never lost by accident */
	if (flags & KEYFILE_REPLACE) {
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
	r = sync_dir(dir);
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	sodium_memzero(text, sizeof(text));
	return r;
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap)
			return -EINVAL;          /* longer than any key file */
	}
	*len = n;
	return 0;
}

int keyfile_read(const char *path, const char *kind, uint8_t *secret, size_t len)
{
	char text[FILE_MAX + 2];
	size_t klen, n = 0, b64 = BASE64_LEN(len);
	struct stat st;
	int fd, r;

	if (!kind_ok(kind) || len == 0 || len > KEYFILE_SECRET_MAX)
		return -EINVAL;
	/* O_NONBLOCK: a FIFO put in the key's place must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* checked on the open file, so the file checked is the file read */
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_mode & 077) {
		r = -EPERM;
		goto out;
	}
	r = read_all(fd, text, sizeof(text) - 1, &n);
	if (r < 0)
		goto out;
	text[n] = '\0';
	klen = strlen(kind);
	r = -EINVAL;
	if (n != klen + 1 + b64 + 1 || memcmp(text, kind, klen) != 0 || text[klen] != '\n' ||
	    text[n - 1] != '\n')
		goto out;
	text[n - 1] = '\0';
	r = base64_decode_exact(secret, len, text + klen + 1);
out:
	close(fd);
	sodium_memzero(text, sizeof(text));
	return r;
}

const char *keyfile_strerror(int err)
{
	switch (err) {
	case -EPERM:
		return "key file is accessible to group or others; chmod 600 it";
	case -EINVAL:
		return "not a key file of the expected kind";
	case -EEXIST:
		return "a key file already exists there; not replacing it";
	default:
		return strerror(-err);
	}
}
