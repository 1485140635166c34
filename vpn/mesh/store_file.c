#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lib/atomicfile.h"
#include "lib/cursor.h"
#include "vpn/mesh/store_file.h"

#define MAGIC "MGMESH"
#define MAGIC_LEN 6
#define HEAD (MAGIC_LEN + 2)
#define SUM_LEN 32
#define ENTRY_HDR 3
#define ENDPOINT_MAX (1 + WIRE_LABEL_MAX + 1 + 16 + 2 + 8)
#define READ_FIRST (64u << 10)

_Static_assert(WIRE_OBJECT_MAX <= UINT16_MAX && ENDPOINT_MAX <= UINT16_MAX,
               "entry lengths are u16");

static size_t endpoint_size(const struct mesh_node *n)
{
	if (n->endpoint.addr.family == 0)
		return 0;
	return ENTRY_HDR + 1 + strlen(n->name) + 1 + mg_addr_len(&n->endpoint.addr) + 2 + 8;
}

static size_t file_size(const struct mesh_store *s)
{
	size_t len = HEAD + SUM_LEN;

	for (size_t i = 0; i < mesh_store_revocation_count(s); i++)
		len += ENTRY_HDR + mesh_store_revocation_at(s, i)->len;
	for (size_t i = 0; i < mesh_store_count(s); i++) {
		const struct mesh_node *n = mesh_store_node_at(s, i);

		len += ENTRY_HDR + n->record_len + endpoint_size(n);
		if (n->announce)
			len += ENTRY_HDR + n->announce_len;
	}
	return len;
}

static void put_entry(struct wcur *w, uint8_t type, const uint8_t *p, size_t len)
{
	wcur_u8(w, type);
	wcur_be16(w, (uint16_t)len);
	wcur_bytes(w, p, len);
}

static void put_endpoint(struct wcur *w, const struct mesh_node *n)
{
	const struct mesh_endpoint *ep = &n->endpoint;
	size_t name = strlen(n->name);

	wcur_u8(w, MESH_FILE_ENDPOINT);
	wcur_be16(w, (uint16_t)(endpoint_size(n) - ENTRY_HDR));
	wcur_u8(w, (uint8_t)name);
	wcur_bytes(w, n->name, name);
	wcur_u8(w, ep->addr.family == AF_INET ? 4 : 6);
	wcur_bytes(w, ep->addr.u.bytes, mg_addr_len(&ep->addr));
	wcur_be16(w, ep->port);
	wcur_be64(w, ep->when);
}

int mesh_store_file_build(const struct mesh_store *s, uint8_t **out, size_t *out_len)
{
	size_t len = file_size(s), n = mesh_store_count(s);
	uint8_t *buf = malloc(len);
	struct wcur w;

	if (!buf)
		return -ENOMEM;
	w = wcur_init(buf, len);
	wcur_bytes(&w, MAGIC, MAGIC_LEN);
	wcur_be16(&w, MESH_FILE_VERSION);
	for (size_t i = 0; i < mesh_store_revocation_count(s); i++) {
		const struct mesh_revocation *r = mesh_store_revocation_at(s, i);

		put_entry(&w, MESH_FILE_REVOCATION, r->bytes, r->len);
	}
	for (size_t i = 0; i < n; i++) {
		const struct mesh_node *nd = mesh_store_node_at(s, i);

		put_entry(&w, MESH_FILE_RECORD, nd->record, nd->record_len);
	}
	for (size_t i = 0; i < n; i++) {
		const struct mesh_node *nd = mesh_store_node_at(s, i);

		if (nd->announce)
			put_entry(&w, MESH_FILE_ANNOUNCE, nd->announce, nd->announce_len);
	}
	for (size_t i = 0; i < n; i++)
		if (endpoint_size(mesh_store_node_at(s, i)))
			put_endpoint(&w, mesh_store_node_at(s, i));
	crypto_generichash(buf + w.off, SUM_LEN, buf, w.off, NULL, 0);
	w.off += SUM_LEN;
	if (w.err || w.off != len) {         /* the sizes above disagree: a bug */
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* An endpoint entry's value into a name and an endpoint. 0 or -EINVAL. */
static int get_endpoint(struct rcur *v, char *name, struct mesh_endpoint *ep)
{
	uint8_t n = rcur_u8(v), fam;

	if (v->err || n == 0 || n > WIRE_LABEL_MAX)
		return -EINVAL;
	rcur_bytes(v, name, n);
	name[n] = '\0';
	memset(ep, 0, sizeof(*ep));
	fam = rcur_u8(v);
	if (fam != 4 && fam != 6)
		return -EINVAL;
	ep->addr.family = fam == 4 ? AF_INET : AF_INET6;
	rcur_bytes(v, ep->addr.u.bytes, mg_addr_len(&ep->addr));
	ep->port = rcur_be16(v);
	ep->when = rcur_be64(v);
	if (v->err || rcur_left(v) != 0 || strlen(name) != n || !wire_label_valid(name))
		return -EINVAL;
	return 0;
}

/* Checks every entry's framing (and endpoints' form). */
static int check_entries(const uint8_t *p, size_t len)
{
	struct rcur c = rcur_init(p, len);

	while (rcur_left(&c) > 0) {
		uint8_t type = rcur_u8(&c);
		uint16_t n = rcur_be16(&c);
		const uint8_t *v = rcur_take(&c, n);
		struct mesh_endpoint ep;
		char name[WIRE_LABEL_MAX + 1];
		struct rcur vc;

		if (!v)
			return -EBADMSG;
		switch (type) {
		case MESH_FILE_REVOCATION:
		case MESH_FILE_RECORD:
		case MESH_FILE_ANNOUNCE:
			if (n == 0 || n > WIRE_OBJECT_MAX)
				return -EBADMSG;
			break;
		case MESH_FILE_ENDPOINT:
			vc = rcur_init(v, n);
			if (get_endpoint(&vc, name, &ep) < 0)
				return -EBADMSG;
			break;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

/* Offers (or for endpoints, applies) the entries of one type. */
static void apply_entries(struct mesh_store *s, const uint8_t *p, size_t len, uint8_t want,
                          uint64_t now, struct mesh_file_stats *st)
{
	struct rcur c = rcur_init(p, len);

	while (rcur_left(&c) > 0) {
		uint8_t type = rcur_u8(&c);
		uint16_t n = rcur_be16(&c);
		const uint8_t *v = rcur_take(&c, n);
		struct mesh_endpoint ep;
		char name[WIRE_LABEL_MAX + 1];
		struct rcur vc;

		if (type != want)
			continue;
		if (type != MESH_FILE_ENDPOINT) {
			st->verdicts[mesh_store_offer(s, type, v, n, now)]++;
			continue;
		}
		vc = rcur_init(v, n);
		if (get_endpoint(&vc, name, &ep) == 0 && mesh_store_set_endpoint(s, name, &ep) == 0)
			st->endpoints++;
	}
}

int mesh_store_file_parse(struct mesh_store *s, const uint8_t *buf, size_t len, uint64_t now,
                          struct mesh_file_stats *st)
{
	static const uint8_t order[] = {
		MESH_FILE_REVOCATION, MESH_FILE_RECORD, MESH_FILE_ANNOUNCE, MESH_FILE_ENDPOINT,
	};
	uint8_t sum[SUM_LEN];
	struct mesh_file_stats local;
	size_t body;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (len < HEAD + SUM_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0 ||
	    buf[MAGIC_LEN] != 0 || buf[MAGIC_LEN + 1] != MESH_FILE_VERSION)
		return -EBADMSG;
	body = len - SUM_LEN;
	crypto_generichash(sum, SUM_LEN, buf, body, NULL, 0);
	if (sodium_memcmp(sum, buf + body, SUM_LEN) != 0)
		return -EBADMSG;
	if (check_entries(buf + HEAD, body - HEAD) < 0)
		return -EBADMSG;
	/* an announcement needs its record, a record is checked against the
	 * revocations: whatever order the file has */
	for (size_t i = 0; i < sizeof(order); i++)
		apply_entries(s, buf + HEAD, body - HEAD, order[i], now, st);
	return 0;
}

int mesh_store_save(const struct mesh_store *s, const char *path)
{
	uint8_t *buf;
	size_t len;
	int r = mesh_store_file_build(s, &buf, &len);

	if (r < 0)
		return r;
	r = atomicfile_write(path, buf, len, 0600, ATOMICFILE_REPLACE);
	free(buf);
	return r;
}

int mesh_store_load(struct mesh_store *s, const char *path, uint64_t now,
                    struct mesh_file_stats *st)
{
	size_t cap = READ_FIRST, len;
	uint8_t *buf = NULL;
	int r;

	for (;;) {
		uint8_t *p = realloc(buf, cap);

		if (!p) {
			r = -ENOMEM;
			goto out;
		}
		buf = p;
		r = atomicfile_read(path, buf, cap, &len);
		if (r != -EFBIG || cap >= MESH_FILE_MAX)
			break;
		cap *= 2;
	}
	if (r == 0)
		r = mesh_store_file_parse(s, buf, len, now, st);
out:
	free(buf);
	return r;
}
