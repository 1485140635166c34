/* The lease journal: records are written with pwrite at the known end of
 * the file so that a failed batch can be cut back exactly, and synced
 * with fdatasync (the size changes, so the metadata that matters goes
 * too). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dhcp/leases.h"
#include "lib/atomicfile.h"
#include "lib/cursor.h"

#define READ_CHUNK 256			/* records per read on open */

struct leases {
	char *path;			/* NULL: in memory */
	int fd;
	bool broken;			/* lost its file: every commit fails */
	off_t size;			/* bytes in the file, all good or skipped */
	size_t records;
	size_t max_batch, npending;
	uint8_t *pending;		/* encoded */
	struct dhcp_binding *pending_b;	/* the same, for the feed */
	leases_fn *feed;
	void *feed_ctx;
	struct leases_stats st;
};

/* ---- CRC-32C (Castagnoli), reflected, table-driven ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t i, c;
	int k;

	if (crc_table[1])
		return;
	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	crc_init();
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* ---- records ---- */

void leases_encode(uint8_t rec[LEASES_REC_LEN], const struct dhcp_binding *b)
{
	struct wcur c = wcur_init(rec, LEASES_REC_LEN);
	size_t nl = strnlen(b->name, DHCP_LABEL_MAX);

	wcur_be32(&c, LEASES_REC_MAGIC);
	wcur_be32(&c, b->addr);
	wcur_be64(&c, b->expires);
	wcur_u8(&c, b->state);
	wcur_u8(&c, b->key.len);
	wcur_u8(&c, b->htype);
	wcur_u8(&c, b->hlen);
	wcur_bytes(&c, b->key.b, DHCP_KEY_MAX);
	wcur_bytes(&c, b->hw, DHCP_CHADDR_LEN);
	wcur_bytes(&c, b->name, nl);
	wcur_zeros(&c, DHCP_LABEL_MAX + 1 - nl + 8);
	wcur_be32(&c, crc32c(rec, LEASES_OFF_CRC));
}

int leases_decode(const uint8_t rec[LEASES_REC_LEN], struct dhcp_binding *b)
{
	struct rcur c = rcur_init(rec, LEASES_REC_LEN);
	uint32_t magic;

	memset(b, 0, sizeof(*b));
	magic = rcur_be32(&c);
	b->addr = rcur_be32(&c);
	b->expires = rcur_be64(&c);
	b->state = rcur_u8(&c);
	b->key.len = rcur_u8(&c);
	b->htype = rcur_u8(&c);
	b->hlen = rcur_u8(&c);
	rcur_bytes(&c, b->key.b, DHCP_KEY_MAX);
	rcur_bytes(&c, b->hw, DHCP_CHADDR_LEN);
	rcur_bytes(&c, b->name, DHCP_LABEL_MAX + 1);
	rcur_take(&c, 8);
	if (magic != LEASES_REC_MAGIC || rcur_be32(&c) != crc32c(rec, LEASES_OFF_CRC) ||
	    b->state >= DHCP_NSTATES || b->key.len > DHCP_KEY_MAX ||
	    b->hlen > DHCP_CHADDR_LEN || b->name[DHCP_LABEL_MAX])
		return -EBADMSG;
	return 0;
}

static void encode_header(uint8_t h[LEASES_HDR_LEN])
{
	struct wcur c = wcur_init(h, LEASES_HDR_LEN);

	wcur_bytes(&c, LEASES_MAGIC, 8);
	wcur_be32(&c, LEASES_VERSION);
	wcur_be32(&c, LEASES_REC_LEN);
}

/* ---- file I/O ---- */

static int pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Reads exactly n bytes at off, or fewer at the end of the file. */
static ssize_t pread_full(int fd, uint8_t *p, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Opens the journal, creating it (whole, header and all, crash-safe) if
 * it is not there. */
static int open_file(const char *path, int *fd)
{
	uint8_t h[LEASES_HDR_LEN];
	int r;

	*fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (*fd >= 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	encode_header(h);
	r = atomicfile_write(path, h, sizeof(h), 0600, 0);
	if (r && r != -EEXIST)
		return r;
	*fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	return *fd < 0 ? -errno : 0;
}

/* Reads the records back; cuts a torn tail off. */
static int recover(struct leases *s, leases_fn *load, void *ctx)
{
	uint8_t h[LEASES_HDR_LEN], want[LEASES_HDR_LEN];
	uint8_t *buf = NULL;
	size_t i, n, bad_run = 0, good_end = 0, k;
	struct dhcp_binding b;
	struct stat sb;
	off_t tail;
	ssize_t got;
	int r = 0;

	if (fstat(s->fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	encode_header(want);
	if (sb.st_size < LEASES_HDR_LEN) {
		/* Only a file made by hand can be this short: nothing in it
		 * to keep. */
		if (ftruncate(s->fd, 0) < 0)
			return -errno;
		r = pwrite_all(s->fd, want, sizeof(want), 0);
		if (!r && fdatasync(s->fd) < 0)
			r = -errno;
		s->size = LEASES_HDR_LEN;
		return r;
	}
	got = pread_full(s->fd, h, sizeof(h), 0);
	if (got < 0)
		return (int)got;
	if (got != LEASES_HDR_LEN || memcmp(h, want, sizeof(h)))
		return -EPROTO;
	n = (size_t)((sb.st_size - LEASES_HDR_LEN) / LEASES_REC_LEN);
	buf = malloc((size_t)READ_CHUNK * LEASES_REC_LEN);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i += k) {
		size_t want_n = n - i < READ_CHUNK ? n - i : READ_CHUNK, j;

		got = pread_full(s->fd, buf, want_n * LEASES_REC_LEN,
				 LEASES_HDR_LEN + (off_t)i * LEASES_REC_LEN);
		if (got < 0) {
			r = (int)got;
			goto out;
		}
		k = (size_t)got / LEASES_REC_LEN;
		if (!k)
			break;
		for (j = 0; j < k; j++) {
			if (leases_decode(buf + j * LEASES_REC_LEN, &b)) {
				bad_run++;
				continue;
			}
			/* Bad records with a good one after them were not
			 * torn by a crash: skip them, keep them. */
			s->st.corrupt_skipped += bad_run;
			bad_run = 0;
			s->st.loaded++;
			good_end = i + j + 1;
			if (load)
				load(ctx, &b);
		}
	}
	s->records = good_end;
	s->size = LEASES_HDR_LEN + (off_t)good_end * LEASES_REC_LEN;
	tail = sb.st_size - s->size;
	if (tail) {
		s->st.torn_dropped += bad_run + (tail % LEASES_REC_LEN ? 1 : 0);
		if (ftruncate(s->fd, s->size) < 0 || fdatasync(s->fd) < 0)
			r = -errno;
	}
out:
	free(buf);
	return r;
}

int leases_open(const char *path, size_t max_batch, leases_fn *load, void *ctx,
		struct leases **out)
{
	struct leases *s = calloc(1, sizeof(*s));
	int r = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->max_batch = max_batch ? max_batch : 1;
	s->pending = malloc(s->max_batch * LEASES_REC_LEN);
	s->pending_b = malloc(s->max_batch * sizeof(*s->pending_b));
	if (!s->pending || !s->pending_b)
		goto fail;
	if (path) {
		s->path = strdup(path);
		if (!s->path)
			goto fail;
		r = open_file(path, &s->fd);
		if (r)
			goto fail;
		r = recover(s, load, ctx);
		if (r)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	leases_close(s);
	return r;
}

void leases_close(struct leases *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->pending);
	free(s->pending_b);
	free(s);
}

void leases_set_feed(struct leases *s, leases_fn *feed, void *ctx)
{
	s->feed = feed;
	s->feed_ctx = ctx;
}

int leases_append(struct leases *s, const struct dhcp_binding *b)
{
	if (s->npending >= s->max_batch)
		return -ENOBUFS;
	leases_encode(s->pending + s->npending * LEASES_REC_LEN, b);
	s->pending_b[s->npending++] = *b;
	return 0;
}

size_t leases_pending(const struct leases *s)
{
	return s->npending;
}

int leases_commit(struct leases *s)
{
	size_t n = s->npending, i;
	int r = 0;

	if (!n)
		return 0;
	s->npending = 0;
	if (s->broken) {
		s->st.commit_failures++;
		return -EIO;
	}
	if (s->fd >= 0) {
		r = pwrite_all(s->fd, s->pending, n * LEASES_REC_LEN, s->size);
		if (!r && fdatasync(s->fd) < 0)
			r = -errno;
		if (r) {
			/* Leave the file as it was; if even that fails, the
			 * next open sees a torn tail. */
			if (ftruncate(s->fd, s->size) == 0)
				(void)fdatasync(s->fd);
			s->st.commit_failures++;
			return r;
		}
		s->size += (off_t)(n * LEASES_REC_LEN);
	}
	s->records += n;
	s->st.commits++;
	s->st.records_written += n;
	for (i = 0; i < n && s->feed; i++)
		s->feed(s->feed_ctx, &s->pending_b[i]);
	return 0;
}

bool leases_need_rewrite(const struct leases *s, size_t live)
{
	return s->records > 4 * live + 1024;
}

int leases_rewrite(struct leases *s, leases_next_fn *next, void *ctx)
{
	size_t cap = 64, n = 0;
	uint8_t *buf, *nbuf;
	struct dhcp_binding b;
	int fd, r;

	if (s->npending)
		return -EBUSY;
	buf = malloc(LEASES_HDR_LEN + cap * LEASES_REC_LEN);
	if (!buf)
		return -ENOMEM;
	encode_header(buf);
	while (next(ctx, &b)) {
		if (n == cap) {
			cap *= 2;
			nbuf = realloc(buf, LEASES_HDR_LEN + cap * LEASES_REC_LEN);
			if (!nbuf) {
				r = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		leases_encode(buf + LEASES_HDR_LEN + n * LEASES_REC_LEN, &b);
		n++;
	}
	if (s->path) {
		r = atomicfile_write(s->path, buf, LEASES_HDR_LEN + n * LEASES_REC_LEN, 0600,
				     ATOMICFILE_REPLACE);
		if (r)
			goto out;
		/* The name now holds the new file; appends go there. If it
		 * cannot be opened, appending to the old one would write to a
		 * file nobody reads again: fail every commit instead. */
		fd = open(s->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			r = -errno;
			s->broken = true;
			goto out;
		}
		close(s->fd);
		s->fd = fd;
		s->size = LEASES_HDR_LEN + (off_t)(n * LEASES_REC_LEN);
	}
	s->records = n;
	s->st.rewrites++;
	r = 0;
out:
	free(buf);
	return r;
}

size_t leases_records(const struct leases *s)
{
	return s->records;
}

const struct leases_stats *leases_stats(const struct leases *s)
{
	return &s->st;
}
