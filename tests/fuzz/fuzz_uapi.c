/* UAPI fuzz target: arbitrary bytes through the streaming parser twice,
 * all at once and in pieces of sizes drawn from the input. Both runs
 * must see the same requests, errors and applied operations. Every
 * applied set is also checked (prefixes masked and in range, endpoints
 * that survive format and parse) and turned into a get answer. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	uint64_t hash;          /* of every op called, with its arguments */
	unsigned requests;
	int fatal;
	int eof;
};

static void mix(struct run *r, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		r->hash = (r->hash ^ b[i]) * 0x100000001b3ull;
}

static int r_port(void *ctx, uint16_t port)
{
	mix(ctx, "P", 1);
	mix(ctx, &port, sizeof(port));
	return 0;
}

static int r_fwmark(void *ctx, uint32_t mark)
{
	mix(ctx, "F", 1);
	mix(ctx, &mark, sizeof(mark));
	return mark & 1 ? -EOPNOTSUPP : 0;
}

static int r_key(void *ctx, const uint8_t *key)
{
	mix(ctx, "K", 1);
	if (key)
		mix(ctx, key, UAPI_KEY_LEN);
	return 0;
}

static int r_replace(void *ctx)
{
	mix(ctx, "R", 1);
	return 0;
}

static void check_endpoint(const union uapi_sockaddr *ep)
{
	union uapi_sockaddr back;
	char text[INET6_ADDRSTRLEN + 32];

	if (uapi_format_endpoint(text, sizeof(text), ep) < 0 ||
	    uapi_parse_endpoint(text, &back) < 0 ||
	    memcmp(&back, ep, sizeof(back)) != 0)
		abort();
}

static void check_prefix(const struct mg_prefix *p)
{
	struct mg_prefix m = *p;

	if (p->addr.family == AF_INET ? p->len > 32 :
	    p->addr.family == AF_INET6 ? p->len > 128 : true)
		abort();
	mg_prefix_mask(&m);
	if (!mg_prefix_eq(&m, p))
		abort();
}

static int r_peer(void *ctx, const struct uapi_peer *peer)
{
	size_t i;

	mix(ctx, "E", 1);
	mix(ctx, peer->public_key, UAPI_KEY_LEN);
	mix(ctx, &peer->remove, 1);
	mix(ctx, &peer->update_only, 1);
	mix(ctx, &peer->replace_allowed_ips, 1);
	if (peer->has_preshared_key)
		mix(ctx, peer->preshared_key, UAPI_KEY_LEN);
	if (peer->has_endpoint) {
		check_endpoint(&peer->endpoint);
		mix(ctx, &peer->endpoint, sizeof(peer->endpoint));
	}
	if (peer->has_persistent_keepalive)
		mix(ctx, &peer->persistent_keepalive_interval, 2);
	if (peer->remove && peer->n_allowed_ips)
		abort();
	if (!peer->allowed_ips != !peer->n_allowed_ips)
		abort();
	for (i = 0; i < peer->n_allowed_ips; i++) {
		check_prefix(&peer->allowed_ips[i]);
		mix(ctx, &peer->allowed_ips[i].len, 1);
		mix(ctx, peer->allowed_ips[i].addr.u.bytes, 16);
	}
	return 0;
}

static const struct uapi_set_ops ops = {
	.set_listen_port = r_port,
	.set_fwmark = r_fwmark,
	.set_private_key = r_key,
	.replace_peers = r_replace,
	.set_peer = r_peer,
};

/* The set's peers as a device would show them; the answer must be the
 * same text whether it grows or is cut at -ENOSPC in a small buffer. */
static void answer_get(const struct uapi_set *set)
{
	struct uapi_peer_info *infos = calloc(set->n_peers + 1, sizeof(*infos));
	struct uapi_device_info dev = { 0 };
	struct uapi_buf b, f;
	char small[256];
	size_t i;
	int ret;

	if (!infos)
		abort();
	memcpy(dev.private_key, set->private_key, UAPI_KEY_LEN);
	dev.listen_port = set->listen_port;
	dev.fwmark = set->fwmark;
	for (i = 0; i < set->n_peers; i++) {
		const struct uapi_peer *p = &set->peers[i];

		memcpy(infos[i].public_key, p->public_key, UAPI_KEY_LEN);
		memcpy(infos[i].preshared_key, p->preshared_key, UAPI_KEY_LEN);
		infos[i].endpoint = p->endpoint;
		infos[i].persistent_keepalive_interval = p->persistent_keepalive_interval;
		infos[i].allowed_ips = p->allowed_ips;
		infos[i].n_allowed_ips = p->n_allowed_ips;
	}
	dev.peers = infos;
	dev.n_peers = set->n_peers;
	uapi_buf_init(&b);
	if (uapi_format_get(&b, &dev) < 0 || b.len < 9 ||
	    memcmp(b.data + b.len - 9, "errno=0\n\n", 9) != 0)
		abort();
	uapi_buf_init_fixed(&f, small, sizeof(small));
	ret = uapi_format_get(&f, &dev);
	if (ret == 0 ? f.len != b.len || memcmp(small, b.data, b.len) :
	    ret != -ENOSPC || f.len != 0 || b.len <= sizeof(small))
		abort();
	uapi_buf_free(&b);
	free(infos);
}

static void run(const uint8_t *data, size_t size, unsigned step, struct run *r)
{
	static struct uapi_parser p;
	size_t off = 0, piece = 0;

	memset(r, 0, sizeof(*r));
	r->hash = 0xcbf29ce484222325ull;
	uapi_parser_init(&p);
	while (off < size && !r->fatal) {
		size_t n = size - off, used;
		const struct uapi_request *req;
		int ret;

		if (step && n > 1 + (piece + step) % (4 * step))
			n = 1 + (piece + step) % (4 * step);
		piece++;
		ret = uapi_parser_feed(&p, data + off, n, &used);
		if (used > n || (ret == 0 && used != n))
			abort();
		off += used;
		if (ret < 0) {
			r->fatal = ret;
			break;
		}
		if (ret == 0)
			continue;
		req = uapi_parser_request(&p);
		if (!req)
			abort();
		r->requests++;
		mix(r, &req->op, sizeof(req->op));
		mix(r, &req->error, sizeof(req->error));
		if (req->op == UAPI_OP_SET && !req->error) {
			ret = uapi_set_apply(&req->set, &ops, r);
			mix(r, &ret, sizeof(ret));
			answer_get(&req->set);
		}
	}
	r->eof = uapi_parser_eof(&p);
	uapi_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, pieces;
	unsigned step = (unsigned)size;
	size_t i;

	/* The piece size comes from the bytes, so that the seeds stay
	 * requests exactly as wg(8) sends them. */
	for (i = 0; i < size; i++)
		step = step * 31 + data[i];
	run(data, size, 0, &whole);
	run(data, size, 1 + step % 32, &pieces);
	if (whole.hash != pieces.hash || whole.requests != pieces.requests ||
	    whole.fatal != pieces.fatal || whole.eof != pieces.eof)
		abort();
	return 0;
}
