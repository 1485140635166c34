#include "config.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "keys/record.h"
#include "keys/token.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(WIRE_TLV_HDR * 8 + 1 + TOKEN_ENDPOINTS_MAX * (1 + WIRE_HOST_MAX + 2) +
               NETKEY_FP_LEN + TOKEN_SECRET_LEN + 2 * WIRE_LABEL_MAX + 1 + 8 ==
               TOKEN_WIRE_MAX, "TOKEN_WIRE_MAX is the largest token");

bool token_valid(const struct token *tok)
{
	if (tok->version != TOKEN_VERSION || !wire_label_valid(tok->name))
		return false;
	if (tok->site[0] && !wire_label_valid(tok->site))
		return false;
	if (tok->role != RECORD_ROLE_GATEWAY && tok->role != RECORD_ROLE_CLIENT)
		return false;
	if (tok->role == RECORD_ROLE_GATEWAY && !tok->site[0])
		return false;
	if (tok->n_endpoints < 1 || tok->n_endpoints > TOKEN_ENDPOINTS_MAX)
		return false;
	for (size_t i = 0; i < tok->n_endpoints; i++)
		if (!wire_host_valid(tok->endpoints[i].host) || tok->endpoints[i].port == 0)
			return false;
	return true;
}

int token_encode(const struct token *tok, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);
	size_t at;

	if (!token_valid(tok))
		return -EINVAL;
	tlv_put_u8(&w, TOKEN_T_VERSION, tok->version);
	at = tlv_begin(&w, TOKEN_T_ENDPOINTS);
	for (size_t i = 0; i < tok->n_endpoints; i++) {
		size_t n = strlen(tok->endpoints[i].host);

		wcur_u8(&w, (uint8_t)n);
		wcur_bytes(&w, tok->endpoints[i].host, n);
		wcur_be16(&w, tok->endpoints[i].port);
	}
	tlv_end(&w, at);
	tlv_put(&w, TOKEN_T_NETWORK, tok->network_id, NETKEY_FP_LEN);
	tlv_put(&w, TOKEN_T_SECRET, tok->secret, TOKEN_SECRET_LEN);
	tlv_put(&w, TOKEN_T_NAME, tok->name, strlen(tok->name));
	if (tok->site[0])
		tlv_put(&w, TOKEN_T_SITE, tok->site, strlen(tok->site));
	tlv_put_u8(&w, TOKEN_T_ROLE, tok->role);
	tlv_put_u64(&w, TOKEN_T_EXPIRES, tok->expires_at);
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_endpoints(struct rcur *v, struct token *tok)
{
	size_t n = 0;

	while (rcur_left(v) > 0) {
		struct token_endpoint *e;
		uint8_t hlen;

		if (n == TOKEN_ENDPOINTS_MAX)
			return -EINVAL;
		e = &tok->endpoints[n++];
		hlen = rcur_u8(v);
		if (hlen == 0 || hlen > WIRE_HOST_MAX)
			return -EINVAL;
		rcur_bytes(v, e->host, hlen);
		e->host[hlen] = '\0';
		e->port = rcur_be16(v);
		/* a NUL inside the host would end it early */
		if (v->err || strlen(e->host) != hlen)
			return -EINVAL;
	}
	if (v->err || n == 0)
		return -EINVAL;
	tok->n_endpoints = (uint8_t)n;
	return 0;
}

static int get_field(struct token *tok, uint8_t type, struct rcur *v)
{
	switch (type) {
	case TOKEN_T_VERSION:
		return tlv_get_u8(v, &tok->version);
	case TOKEN_T_ENDPOINTS:
		return get_endpoints(v, tok);
	case TOKEN_T_NETWORK:
		return tlv_get_fixed(v, tok->network_id, NETKEY_FP_LEN);
	case TOKEN_T_SECRET:
		return tlv_get_fixed(v, tok->secret, TOKEN_SECRET_LEN);
	case TOKEN_T_NAME:
		return tlv_get_label(v, tok->name);
	case TOKEN_T_SITE:
		return tlv_get_label(v, tok->site);
	case TOKEN_T_ROLE:
		return tlv_get_u8(v, &tok->role);
	case TOKEN_T_EXPIRES:
		return tlv_get_u64(v, &tok->expires_at);
	default:
		return -EINVAL;
	}
}

#define REQUIRED (1u << TOKEN_T_VERSION | 1u << TOKEN_T_ENDPOINTS | 1u << TOKEN_T_NETWORK | \
                  1u << TOKEN_T_SECRET | 1u << TOKEN_T_NAME | 1u << TOKEN_T_ROLE | \
                  1u << TOKEN_T_EXPIRES)

int token_decode(const uint8_t *buf, size_t len, struct token *out)
{
	struct tlv_in in = tlv_in_init(buf, len);
	struct token tok;
	unsigned seen = 0;
	struct rcur v;
	uint8_t type;
	int n, r = -EINVAL;

	memset(&tok, 0, sizeof(tok));
	if (len > TOKEN_WIRE_MAX)
		goto out;
	/* the version comes first and decides how the rest reads */
	n = tlv_next(&in, &type, &v);
	if (n <= 0 || type != TOKEN_T_VERSION || tlv_get_u8(&v, &tok.version) < 0)
		goto out;
	if (tok.version != TOKEN_VERSION) {
		r = -EPROTONOSUPPORT;
		goto out;
	}
	seen = 1u << TOKEN_T_VERSION;
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		if (get_field(&tok, type, &v) < 0)
			goto out;
		seen |= 1u << type;
	}
	if (n < 0 || (seen & REQUIRED) != REQUIRED || !token_valid(&tok))
		goto out;
	*out = tok;
	r = 0;
out:
	sodium_memzero(&tok, sizeof(tok));
	return r;
}

int token_format(const struct token *tok, char *text, size_t cap)
{
	uint8_t buf[TOKEN_WIRE_MAX];
	size_t len;
	int r;

	r = token_encode(tok, buf, sizeof(buf), &len);
	if (r < 0)
		goto out;
	if (cap < sodium_base64_ENCODED_LEN(len, B64_VARIANT)) {
		r = -ENOBUFS;
		goto out;
	}
	sodium_bin2base64(text, cap, buf, len, B64_VARIANT);
out:
	sodium_memzero(buf, sizeof(buf));
	return r;
}

/* libsodium 1.0.18 decodes bytes above 0x7f as if they were '_', so
 * the alphabet is checked here first. */
static bool is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int token_parse(const char *text, struct token *tok)
{
	uint8_t buf[TOKEN_WIRE_MAX];
	size_t n, len;
	int r = -EINVAL;

	while (is_blank(*text))
		text++;
	n = strlen(text);
	while (n && is_blank(text[n - 1]))
		n--;
	if (n == 0 || n > TOKEN_TEXT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!is_b64url(text[i]))
			return -EINVAL;
	if (sodium_base642bin(buf, sizeof(buf), text, n, NULL, &len, NULL, B64_VARIANT) == 0)
		r = token_decode(buf, len, tok);
	sodium_memzero(buf, sizeof(buf));
	return r;
}

void token_new_secret(struct token *tok)
{
	randombytes_buf(tok->secret, sizeof(tok->secret));
}

bool token_expired(const struct token *tok, uint64_t now)
{
	return now >= tok->expires_at;
}

bool token_secret_equal(const uint8_t a[TOKEN_SECRET_LEN], const uint8_t b[TOKEN_SECRET_LEN])
{
	return sodium_memcmp(a, b, TOKEN_SECRET_LEN) == 0;
}

void token_wipe(struct token *tok)
{
	sodium_memzero(tok, sizeof(*tok));
}
