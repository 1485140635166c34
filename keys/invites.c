#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/invites.h"
#include "lib/atomicfile.h"

enum {
	INV_T_VERSION = 1,
	INV_T_ID = 2,
	INV_T_TOKEN = 3,
	INV_T_CREATED = 4,
	INV_T_STATE = 5,
	INV_T_JOINER_WG = 6,
	INV_T_JOINER_NODE = 7,
	INV_T_USED_AT = 8,
	INV_T_RECORD = 9,
	INV_T_SUBNETS = 10,
	INV_T_DOMAIN = 11,
};

#define PENDING_FIELDS (1u << INV_T_VERSION | 1u << INV_T_ID | 1u << INV_T_TOKEN | \
                        1u << INV_T_CREATED | 1u << INV_T_STATE)
#define USED_FIELDS (PENDING_FIELDS | 1u << INV_T_JOINER_WG | 1u << INV_T_JOINER_NODE | \
                     1u << INV_T_USED_AT | 1u << INV_T_RECORD)
#define OPTIONAL_FIELDS (1u << INV_T_SUBNETS | 1u << INV_T_DOMAIN)

_Static_assert(WIRE_TLV_HDR * 11 + 1 + INVITE_ID_LEN + TOKEN_WIRE_MAX + 8 + 1 + 32 +
               NETKEY_PUB_LEN + 8 + RECORD_WIRE_MAX + RECORD_SUBNETS_MAX * WIRE_PREFIX_MAX +
               WIRE_DOMAIN_MAX == INVITE_FILE_MAX,
               "INVITE_FILE_MAX is the largest invitation file");

/* Only a gateway's invitation carries its site's subnets and domain. */
static bool site_valid(const struct invite *inv)
{
	if (inv->n_subnets > RECORD_SUBNETS_MAX ||
	    !wire_prefixes_valid(inv->subnets, inv->n_subnets, false))
		return false;
	if (inv->domain[0] && !wire_domain_valid(inv->domain))
		return false;
	return inv->tok.role == RECORD_ROLE_GATEWAY || (!inv->n_subnets && !inv->domain[0]);
}

bool invite_expired(const struct invite *inv, uint64_t now)
{
	return token_expired(&inv->tok, now);
}

void invite_wipe(struct invite *inv)
{
	sodium_memzero(inv, sizeof(*inv));
}

void invite_id_hex(const uint8_t id[INVITE_ID_LEN], char out[INVITE_ID_HEX + 1])
{
	sodium_bin2hex(out, INVITE_ID_HEX + 1, id, INVITE_ID_LEN);
}

int invite_id_parse(const char *hex, uint8_t id[INVITE_ID_LEN])
{
	size_t n;

	if (strlen(hex) != INVITE_ID_HEX)
		return -EINVAL;
	for (const char *p = hex; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -EINVAL;
	if (sodium_hex2bin(id, INVITE_ID_LEN, hex, INVITE_ID_HEX, NULL, &n, NULL) < 0 ||
	    n != INVITE_ID_LEN)
		return -EINVAL;
	return 0;
}

int invite_encode(const struct invite *inv, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t tok[TOKEN_WIRE_MAX];
	struct wcur w = wcur_init(buf, cap);
	size_t tlen;
	int r;

	if (inv->state != INVITE_PENDING && inv->state != INVITE_USED)
		return -EINVAL;
	if (inv->state == INVITE_USED && (inv->record_len == 0 || inv->record_len > RECORD_WIRE_MAX))
		return -EINVAL;
	if (!site_valid(inv))
		return -EINVAL;
	r = token_encode(&inv->tok, tok, sizeof(tok), &tlen);
	if (r < 0)
		return -EINVAL;
	tlv_put_u8(&w, INV_T_VERSION, INVITE_VERSION);
	tlv_put(&w, INV_T_ID, inv->id, INVITE_ID_LEN);
	tlv_put(&w, INV_T_TOKEN, tok, tlen);
	tlv_put_u64(&w, INV_T_CREATED, inv->created_at);
	tlv_put_u8(&w, INV_T_STATE, inv->state);
	if (inv->state == INVITE_USED) {
		tlv_put(&w, INV_T_JOINER_WG, inv->joiner_wg, sizeof(inv->joiner_wg));
		tlv_put(&w, INV_T_JOINER_NODE, inv->joiner_node, sizeof(inv->joiner_node));
		tlv_put_u64(&w, INV_T_USED_AT, inv->used_at);
		tlv_put(&w, INV_T_RECORD, inv->record, inv->record_len);
	}
	if (inv->n_subnets) {
		size_t at = tlv_begin(&w, INV_T_SUBNETS);

		for (int i = 0; i < inv->n_subnets; i++)
			wire_put_prefix(&w, &inv->subnets[i]);
		tlv_end(&w, at);
	}
	if (inv->domain[0])
		tlv_put(&w, INV_T_DOMAIN, inv->domain, strlen(inv->domain));
	sodium_memzero(tok, sizeof(tok));
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_field(struct invite *inv, uint8_t type, struct rcur *v)
{
	struct record rec;
	uint8_t version;
	size_t n;

	switch (type) {
	case INV_T_VERSION:
		return tlv_get_u8(v, &version) < 0 || version != INVITE_VERSION ? -EINVAL : 0;
	case INV_T_ID:
		return tlv_get_fixed(v, inv->id, INVITE_ID_LEN);
	case INV_T_TOKEN:
		return token_decode(v->p, rcur_left(v), &inv->tok) < 0 ? -EINVAL : 0;
	case INV_T_CREATED:
		return tlv_get_u64(v, &inv->created_at);
	case INV_T_STATE:
		if (tlv_get_u8(v, &inv->state) < 0)
			return -EINVAL;
		return inv->state == INVITE_PENDING || inv->state == INVITE_USED ? 0 : -EINVAL;
	case INV_T_JOINER_WG:
		return tlv_get_fixed(v, inv->joiner_wg, sizeof(inv->joiner_wg));
	case INV_T_JOINER_NODE:
		return tlv_get_fixed(v, inv->joiner_node, sizeof(inv->joiner_node));
	case INV_T_USED_AT:
		return tlv_get_u64(v, &inv->used_at);
	case INV_T_SUBNETS:
		return wire_get_prefixes(v, inv->subnets, &inv->n_subnets, RECORD_SUBNETS_MAX, false);
	case INV_T_DOMAIN:
		return tlv_get_domain(v, inv->domain);
	case INV_T_RECORD:
		n = rcur_left(v);
		/* kept to be sent again, so it must at least be a record */
		if (n == 0 || n > RECORD_WIRE_MAX || record_decode(v->p + v->off, n, &rec) < 0)
			return -EINVAL;
		rcur_bytes(v, inv->record, n);
		inv->record_len = n;
		return 0;
	default:
		return -EINVAL;
	}
}

int invite_decode(const uint8_t *buf, size_t len, struct invite *out)
{
	struct tlv_in in = tlv_in_init(buf, len);
	struct invite *inv;
	unsigned seen = 0;
	struct rcur v;
	uint8_t type;
	int n, r = -EINVAL;

	if (len > INVITE_FILE_MAX)
		return -EINVAL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		/* the version decides how the rest reads, so it comes first */
		if ((seen == 0) != (type == INV_T_VERSION) || get_field(inv, type, &v) < 0)
			goto out;
		seen |= 1u << type;
	}
	if (n < 0)
		goto out;
	if ((seen & ~OPTIONAL_FIELDS) != (inv->state == INVITE_USED ? USED_FIELDS : PENDING_FIELDS) ||
	    !site_valid(inv))
		goto out;
	*out = *inv;
	r = 0;
out:
	invite_wipe(inv);
	free(inv);
	return r;
}

static int path_of(char *path, const char *state_dir, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/" INVITES_DIR "%s%s", state_dir, name ? "/" : "",
	                 name ? name : "");

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Reads one file, refusing what others could have read or planted. */
static int read_file(const char *path, struct invite *inv)
{
	uint8_t buf[INVITE_FILE_MAX + 1];
	struct stat st;
	size_t n = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto out;
	r = -EPERM;
	if (st.st_mode & 077)
		goto out;
	r = 0;
	while (n < sizeof(buf)) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	/* one byte over the largest file is enough to know it is not one */
	r = n > INVITE_FILE_MAX ? -EINVAL : invite_decode(buf, n, inv);
out:
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	return r;
}

static int write_file(const char *state_dir, const struct invite *inv, unsigned flags)
{
	char path[PATH_MAX], hex[INVITE_ID_HEX + 1];
	uint8_t buf[INVITE_FILE_MAX];
	size_t len;
	int r;

	invite_id_hex(inv->id, hex);
	r = path_of(path, state_dir, hex);
	if (r < 0)
		return r;
	r = invite_encode(inv, buf, sizeof(buf), &len);
	if (r == 0)
		r = atomicfile_write(path, buf, len, 0600, flags);
	sodium_memzero(buf, sizeof(buf));
	return r;
}

int invites_find_by_id(const char *state_dir, const uint8_t id[INVITE_ID_LEN],
                       struct invite *inv)
{
	char path[PATH_MAX], hex[INVITE_ID_HEX + 1];
	int r;

	invite_id_hex(id, hex);
	r = path_of(path, state_dir, hex);
	if (r < 0)
		return r;
	r = read_file(path, inv);
	if (r == 0 && sodium_memcmp(inv->id, id, INVITE_ID_LEN) != 0) {
		/* a file copied under another name */
		invite_wipe(inv);
		r = -EINVAL;
	}
	return r;
}

static bool is_id_name(const char *name)
{
	uint8_t id[INVITE_ID_LEN];

	return invite_id_parse(name, id) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The invitation file names in the directory, sorted; *names is NULL when
 * there are none. */
static int list_names(const char *dir, char (**names)[INVITE_ID_HEX + 1], size_t *count)
{
	char (*v)[INVITE_ID_HEX + 1] = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*count = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!is_id_name(de->d_name))
			continue;
		if (n == cap) {
			void *nv = reallocarray(v, cap ? 2 * cap : 16, sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = cap ? 2 * cap : 16;
		}
		memcpy(v[n++], de->d_name, INVITE_ID_HEX + 1);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
}

int invites_list(const char *state_dir, invites_each_fn fn, void *ctx, size_t *bad)
{
	char (*names)[INVITE_ID_HEX + 1], dir[PATH_MAX], path[PATH_MAX];
	struct invite *inv;
	size_t n, nbad = 0;
	int r;

	r = path_of(dir, state_dir, NULL);
	if (r < 0)
		return r;
	r = list_names(dir, &names, &n);
	if (r < 0 || n == 0)
		goto out;
	inv = malloc(sizeof(*inv));
	if (!inv) {
		r = -ENOMEM;
		goto out_names;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		uint8_t id[INVITE_ID_LEN];

		invite_id_parse(names[i], id);
		if (path_of(path, state_dir, names[i]) < 0 || read_file(path, inv) < 0 ||
		    sodium_memcmp(inv->id, id, INVITE_ID_LEN) != 0)
			nbad++;
		else
			r = fn(ctx, inv);
		invite_wipe(inv);
	}
	free(inv);
out_names:
	free(names);
out:
	if (bad)
		*bad = nbad;
	return r;
}

struct busy_ctx {
	const char *name;
	uint64_t now;
};

static int name_busy(void *ctx, const struct invite *inv)
{
	const struct busy_ctx *b = ctx;

	if (inv->state == INVITE_PENDING && !invite_expired(inv, b->now) &&
	    strcmp(inv->tok.name, b->name) == 0)
		return -EBUSY;
	return 0;
}

int invites_create_site(const char *state_dir, const struct token *tok,
                        const uint8_t id[INVITE_ID_LEN], const struct mg_prefix *subnets,
                        size_t n_subnets, const char *domain, uint64_t now)
{
	struct busy_ctx busy = { .name = tok->name, .now = now };
	char dir[PATH_MAX];
	struct invite *inv;
	int r;

	if (!token_valid(tok) || n_subnets > RECORD_SUBNETS_MAX ||
	    (domain && strlen(domain) > WIRE_DOMAIN_MAX))
		return -EINVAL;
	r = path_of(dir, state_dir, NULL);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	r = invites_list(state_dir, name_busy, &busy, NULL);
	if (r < 0)
		return r;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	memcpy(inv->id, id, INVITE_ID_LEN);
	inv->tok = *tok;
	inv->created_at = now;
	inv->state = INVITE_PENDING;
	inv->n_subnets = (uint8_t)n_subnets;
	if (n_subnets)
		memcpy(inv->subnets, subnets, n_subnets * sizeof(*subnets));
	snprintf(inv->domain, sizeof(inv->domain), "%s", domain ? domain : "");
	r = site_valid(inv) ? write_file(state_dir, inv, 0) : -EINVAL;
	invite_wipe(inv);
	free(inv);
	return r;
}

int invites_create(const char *state_dir, const struct token *tok,
                   const uint8_t id[INVITE_ID_LEN], uint64_t now)
{
	return invites_create_site(state_dir, tok, id, NULL, 0, NULL, now);
}

int invites_mark_used(const char *state_dir, struct invite *inv,
                      const uint8_t joiner_wg[32], const uint8_t joiner_node[NETKEY_PUB_LEN],
                      const uint8_t *rec, size_t rec_len, uint64_t now)
{
	struct invite *next;
	int r;

	if (inv->state != INVITE_PENDING)
		return -EALREADY;
	if (rec_len == 0 || rec_len > RECORD_WIRE_MAX)
		return -EINVAL;
	next = malloc(sizeof(*next));
	if (!next)
		return -ENOMEM;
	*next = *inv;
	next->state = INVITE_USED;
	memcpy(next->joiner_wg, joiner_wg, sizeof(next->joiner_wg));
	memcpy(next->joiner_node, joiner_node, sizeof(next->joiner_node));
	next->used_at = now;
	memcpy(next->record, rec, rec_len);
	next->record_len = rec_len;
	/* the struct changes only once the file says so */
	r = write_file(state_dir, next, ATOMICFILE_REPLACE);
	if (r == 0)
		*inv = *next;
	invite_wipe(next);
	free(next);
	return r;
}

static bool long_expired(const struct invite *inv, uint64_t now)
{
	return now >= inv->tok.expires_at && now - inv->tok.expires_at >= INVITE_PRUNE_AFTER;
}

/* A temporary of atomicfile_write left by a crash: ".<id>.XXXXXX". It may
 * hold a secret; one a day old is no write in progress. */
static void prune_temporary(int dfd, const char *name, uint64_t now)
{
	char id[INVITE_ID_HEX + 1];
	struct stat st;

	if (name[0] != '.' || strlen(name) != 1 + INVITE_ID_HEX + 7 || name[1 + INVITE_ID_HEX] != '.')
		return;
	memcpy(id, name + 1, INVITE_ID_HEX);
	id[INVITE_ID_HEX] = '\0';
	if (!is_id_name(id) || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	if (st.st_mtime >= 0 && now >= (uint64_t)st.st_mtime &&
	    now - (uint64_t)st.st_mtime >= INVITE_PRUNE_AFTER)
		unlinkat(dfd, name, 0);
}

int invites_prune(const char *state_dir, uint64_t now, size_t *removed, size_t *bad)
{
	char dir[PATH_MAX], path[PATH_MAX];
	size_t nrm = 0, nbad = 0;
	struct invite *inv;
	struct dirent *de;
	DIR *d;
	int r;

	*removed = 0;
	*bad = 0;
	r = path_of(dir, state_dir, NULL);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	inv = malloc(sizeof(*inv));
	if (!inv) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		if (!is_id_name(de->d_name)) {
			prune_temporary(dirfd(d), de->d_name, now);
			continue;
		}
		if (path_of(path, state_dir, de->d_name) < 0 || read_file(path, inv) < 0) {
			nbad++;
			continue;
		}
		if (long_expired(inv, now) && unlinkat(dirfd(d), de->d_name, 0) == 0)
			nrm++;
		invite_wipe(inv);
	}
	invite_wipe(inv);
	free(inv);
	closedir(d);
	*removed = nrm;
	*bad = nbad;
	return nrm ? atomicfile_sync_dir(dir) : 0;
}
