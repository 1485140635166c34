#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "lib/atomicfile.h"
#include "lib/base64.h"

#define KIND_MAX 64
#define FILE_MAX (KIND_MAX + 1 + BASE64_LEN(KEYFILE_SECRET_MAX) + 1)

static bool kind_ok(const char *kind)
{
	size_t n = strnlen(kind, KIND_MAX + 1);

	return n > 0 && n <= KIND_MAX && !strchr(kind, '\n');
}

int keyfile_write(const char *path, const char *kind, const uint8_t *secret, size_t len,
                  unsigned flags)
{
	char text[FILE_MAX + 1];
	size_t tlen;
	int r;

	if (!kind_ok(kind) || len == 0 || len > KEYFILE_SECRET_MAX)
		return -EINVAL;
	tlen = (size_t)snprintf(text, sizeof(text), "%s\n", kind);
	base64_encode(text + tlen, secret, len);
	tlen += BASE64_LEN(len);
	text[tlen++] = '\n';
	r = atomicfile_write(path, text, tlen, 0600,
	                     (flags & KEYFILE_REPLACE) ? ATOMICFILE_REPLACE : 0);
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
