#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/uapi.h"
#include "vpn/uapi_internal.h"

/* ---- values ---------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 64 hex digits; wireguard-go takes either case. */
static int parse_key(const char *s, uint8_t key[UAPI_KEY_LEN])
{
	uint8_t k[UAPI_KEY_LEN];
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * UAPI_KEY_LEN)
		return -EINVAL;
	for (i = 0; i < UAPI_KEY_LEN; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			sodium_memzero(k, sizeof(k));
			return -EINVAL;
		}
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, k, sizeof(k));
	sodium_memzero(k, sizeof(k));
	return 0;
}

bool uapi_key_is_zero(const uint8_t key[UAPI_KEY_LEN])
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < UAPI_KEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}

/* Decimal digits only, leading zeros allowed, like Go's ParseUint. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static bool is_true(const char *s)
{
	return strcmp(s, "true") == 0;
}

/* Numeric only: a host name would need a resolver, which this protocol
 * leaves to the client. A zone must be a number (an interface index). */
int uapi_parse_endpoint(const char *s, union uapi_sockaddr *out)
{
	char buf[INET6_ADDRSTRLEN + 24];
	union uapi_sockaddr ep;
	char *host, *port, *zone, *end;
	uint64_t v, scope = 0;
	size_t len = strlen(s);

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	memset(&ep, 0, sizeof(ep));
	if (buf[0] == '[') {
		host = buf + 1;
		end = strchr(host, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		*end = '\0';
		port = end + 2;
		zone = strchr(host, '%');
		if (zone) {
			*zone++ = '\0';
			if (parse_uint(zone, UINT32_MAX, &scope) < 0)
				return -EINVAL;
		}
		if (inet_pton(AF_INET6, host, &ep.sin6.sin6_addr) != 1)
			return -EINVAL;
		ep.sin6.sin6_family = AF_INET6;
		ep.sin6.sin6_scope_id = (uint32_t)scope;
	} else {
		host = buf;
		end = strrchr(buf, ':');
		if (!end)
			return -EINVAL;
		*end = '\0';
		port = end + 1;
		if (inet_pton(AF_INET, host, &ep.sin.sin_addr) != 1)
			return -EINVAL;
		ep.sin.sin_family = AF_INET;
	}
	/* wireguard-go takes port 0, but nothing can be sent there. */
	if (parse_uint(port, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	if (ep.sa.sa_family == AF_INET6)
		ep.sin6.sin6_port = htons((uint16_t)v);
	else
		ep.sin.sin_port = htons((uint16_t)v);
	*out = ep;
	return 0;
}

/* ---- the set transaction --------------------------------------------- */

int uapi_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 4;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = calloc(ncap, elem);
	if (!n)
		return -ENOMEM;
	if (*arr) {
		memcpy(n, *arr, *cap * elem);
		sodium_memzero(*arr, *cap * elem);
		free(*arr);
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

void uapi_set_clear(struct uapi_set *set)
{
	if (set->peers)
		sodium_memzero(set->peers, set->cap_peers * sizeof(*set->peers));
	free(set->peers);
	free(set->ips);
	sodium_memzero(set, sizeof(*set));
}

static int device_line(struct uapi_set *set, const char *key, const char *value)
{
	uint64_t v;

	if (!strcmp(key, "private_key")) {
		if (parse_key(value, set->private_key) < 0)
			return -EINVAL;
		set->has_private_key = true;
	} else if (!strcmp(key, "listen_port")) {
		if (parse_uint(value, UINT16_MAX, &v) < 0)
			return -EINVAL;
		set->listen_port = (uint16_t)v;
		set->has_listen_port = true;
	} else if (!strcmp(key, "fwmark")) {
		if (parse_uint(value, UINT32_MAX, &v) < 0)
			return -EINVAL;
		set->fwmark = (uint32_t)v;
		set->has_fwmark = true;
	} else if (!strcmp(key, "replace_peers")) {
		if (!is_true(value))
			return -EINVAL;
		set->replace_peers = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int begin_peer(struct uapi_set *set, const char *value)
{
	struct uapi_peer *peer;
	uint8_t key[UAPI_KEY_LEN];

	if (parse_key(value, key) < 0)
		return -EINVAL;
	if (uapi_grow((void **)&set->peers, &set->cap_peers, set->n_peers + 1,
		 sizeof(*set->peers)) < 0)
		return -ENOMEM;
	peer = &set->peers[set->n_peers++];
	memset(peer, 0, sizeof(*peer));
	memcpy(peer->public_key, key, sizeof(key));
	peer->first_ip = set->n_ips;
	return 0;
}

/* Every value is checked even after remove=true, as wireguard-go does
 * (it goes on with a placeholder peer); only what is kept differs. */
static int peer_line(struct uapi_set *set, struct uapi_peer *peer,
		     const char *key, const char *value)
{
	union uapi_sockaddr ep;
	struct mg_prefix pfx;
	uint8_t psk[UAPI_KEY_LEN];
	uint64_t v;

	if (!strcmp(key, "update_only")) {
		if (!is_true(value))
			return -EINVAL;
		peer->update_only = true;
	} else if (!strcmp(key, "remove")) {
		if (!is_true(value))
			return -EINVAL;
		peer->remove = true;
		set->n_ips = peer->first_ip;
		peer->n_allowed_ips = 0;
	} else if (!strcmp(key, "preshared_key")) {
		if (parse_key(value, psk) < 0)
			return -EINVAL;
		memcpy(peer->preshared_key, psk, sizeof(psk));
		sodium_memzero(psk, sizeof(psk));
		peer->has_preshared_key = true;
	} else if (!strcmp(key, "endpoint")) {
		if (uapi_parse_endpoint(value, &ep) < 0)
			return -EINVAL;
		peer->endpoint = ep;
		peer->has_endpoint = true;
	} else if (!strcmp(key, "persistent_keepalive_interval")) {
		if (parse_uint(value, UINT16_MAX, &v) < 0)
			return -EINVAL;
		peer->persistent_keepalive_interval = (uint16_t)v;
		peer->has_persistent_keepalive = true;
	} else if (!strcmp(key, "replace_allowed_ips")) {
		if (!is_true(value))
			return -EINVAL;
		peer->replace_allowed_ips = true;
		set->n_ips = peer->first_ip;
		peer->n_allowed_ips = 0;
	} else if (!strcmp(key, "allowed_ip")) {
		/* Host bits are accepted and cleared, as the trie does. */
		if (mg_prefix_parse(value, true, &pfx) < 0)
			return -EINVAL;
		mg_prefix_mask(&pfx);
		if (peer->remove)
			return 0;
		if (uapi_grow((void **)&set->ips, &set->cap_ips, set->n_ips + 1,
			 sizeof(*set->ips)) < 0)
			return -ENOMEM;
		set->ips[set->n_ips++] = pfx;
		peer->n_allowed_ips++;
	} else if (!strcmp(key, "protocol_version")) {
		if (strcmp(value, "1") != 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* One "key=value" line of a set. Keys before the first public_key are the
 * device's; after it, the current peer's. */
static int set_line(struct uapi_parser *p, char *line, size_t len)
{
	struct uapi_set *set = &p->req.set;
	char *value;

	if (strlen(line) != len)
		return -EINVAL;         /* a NUL byte */
	value = strchr(line, '=');
	if (!value)
		return -EPROTO;
	*value++ = '\0';
	if (!strcmp(line, "public_key")) {
		p->in_peer = true;
		return begin_peer(set, value);
	}
	if (!p->in_peer)
		return device_line(set, line, value);
	if (!set->n_peers)
		return 0;               /* its public_key line failed */
	return peer_line(set, &set->peers[set->n_peers - 1], line, value);
}

static void set_finish(struct uapi_set *set)
{
	size_t i;

	for (i = 0; i < set->n_peers; i++) {
		struct uapi_peer *peer = &set->peers[i];

		peer->allowed_ips = peer->n_allowed_ips ?
			&set->ips[peer->first_ip] : NULL;
	}
}

int uapi_set_apply(const struct uapi_set *set, const struct uapi_set_ops *ops,
		   void *ctx)
{
	size_t i;
	int ret;

	if ((set->has_listen_port && !ops->set_listen_port) ||
	    (set->has_fwmark && !ops->set_fwmark) ||
	    (set->has_private_key && !ops->set_private_key) ||
	    (set->replace_peers && !ops->replace_peers) ||
	    (set->n_peers && !ops->set_peer))
		return -EOPNOTSUPP;
	if (set->has_listen_port) {
		ret = ops->set_listen_port(ctx, set->listen_port);
		if (ret < 0)
			return ret;
	}
	if (set->has_fwmark) {
		ret = ops->set_fwmark(ctx, set->fwmark);
		if (ret < 0)
			return ret;
	}
	if (set->has_private_key) {
		ret = ops->set_private_key(ctx, uapi_key_is_zero(set->private_key) ?
					   NULL : set->private_key);
		if (ret < 0)
			return ret;
	}
	if (set->replace_peers) {
		ret = ops->replace_peers(ctx);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < set->n_peers; i++) {
		ret = ops->set_peer(ctx, &set->peers[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the streaming parser -------------------------------------------- */

static void request_reset(struct uapi_parser *p)
{
	uapi_set_clear(&p->req.set);
	p->req.op = UAPI_OP_NONE;
	p->req.error = 0;
	p->request_len = 0;
	p->line_len = 0;
	p->in_peer = false;
	p->state = UAPI_ST_OP;
}

void uapi_parser_init(struct uapi_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->max_request = UAPI_REQUEST_MAX;
	p->state = UAPI_ST_OP;
}

void uapi_parser_free(struct uapi_parser *p)
{
	uapi_set_clear(&p->req.set);
	sodium_memzero(p->line, sizeof(p->line));
}

static int broken(struct uapi_parser *p, int err)
{
	uapi_set_clear(&p->req.set);
	p->req.op = UAPI_OP_NONE;
	p->req.error = err;
	p->state = UAPI_ST_BROKEN;
	return err;
}

/* A whole line, without its '\n'. Returns 1 when the request is
 * complete, 0 to go on, or a framing error. */
static int end_of_line(struct uapi_parser *p)
{
	size_t len = p->line_len;
	char *line = p->line;
	int ret;

	line[len] = '\0';
	if (p->state == UAPI_ST_OP) {
		/* By length: a NUL byte must not end the comparison. */
		if (len == 5 && !memcmp(line, "get=1", 5)) {
			p->req.op = UAPI_OP_GET;
			p->state = UAPI_ST_GET_END;
			return 0;
		}
		if (len == 5 && !memcmp(line, "set=1", 5)) {
			p->req.op = UAPI_OP_SET;
			p->state = UAPI_ST_SET;
			return 0;
		}
		return broken(p, -EPROTO);
	}
	/* Go's line scanner drops a '\r' before the '\n'. */
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0) {
		if (p->req.error)
			uapi_set_clear(&p->req.set);
		else
			set_finish(&p->req.set);
		p->state = UAPI_ST_DONE;
		return 1;
	}
	if (p->req.error)
		return 0;               /* skip to the blank line */
	ret = set_line(p, line, len);
	if (ret < 0) {
		/* Nothing of this request will be applied: free it now. */
		p->req.error = ret;
		uapi_set_clear(&p->req.set);
	}
	return 0;
}

int uapi_parser_feed(struct uapi_parser *p, const void *buf, size_t len,
		     size_t *used)
{
	const char *s = buf;
	size_t i = 0;
	int ret = 0;

	if (p->state == UAPI_ST_BROKEN) {
		*used = 0;
		return p->req.error;
	}
	if (p->state == UAPI_ST_DONE)
		request_reset(p);
	while (i < len && ret == 0) {
		char c = s[i++];

		if (++p->request_len > p->max_request) {
			ret = broken(p, -EMSGSIZE);
		} else if (p->state == UAPI_ST_GET_END) {
			if (c == '\n') {
				p->state = UAPI_ST_DONE;
				ret = 1;
			} else {
				ret = broken(p, -EINVAL);
			}
		} else if (c != '\n') {
			if (p->line_len == UAPI_LINE_MAX)
				ret = broken(p, -EMSGSIZE);
			else
				p->line[p->line_len++] = c;
		} else {
			ret = end_of_line(p);
			/* Lines carry keys: wipe each one once read. */
			sodium_memzero(p->line, p->line_len + 1);
			p->line_len = 0;
		}
	}
	if (ret < 0)
		sodium_memzero(p->line, sizeof(p->line));
	*used = i;
	return ret;
}

int uapi_parser_eof(const struct uapi_parser *p)
{
	switch (p->state) {
	case UAPI_ST_DONE:
		return 0;
	case UAPI_ST_BROKEN:
		return p->req.error;
	case UAPI_ST_OP:
		if (p->request_len == 0)
			return 0;
		return -EPROTO;
	default:
		return -EPROTO;
	}
}

const struct uapi_request *uapi_parser_request(const struct uapi_parser *p)
{
	return p->state == UAPI_ST_DONE ? &p->req : NULL;
}
