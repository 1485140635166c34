/* The UAPI's answers: a get as wireguard-go writes it, and errno replies. */
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

void uapi_buf_init(struct uapi_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void uapi_buf_init_fixed(struct uapi_buf *b, void *mem, size_t size)
{
	b->data = mem;
	b->len = 0;
	b->cap = size;
	b->fixed = true;
}

void uapi_buf_free(struct uapi_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	if (!b->fixed)
		free(b->data);
	memset(b, 0, sizeof(*b));
}

static int buf_put(struct uapi_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n) {
		if (b->fixed)
			return -ENOSPC;
		if (uapi_grow((void **)&b->data, &b->cap, b->len + n, 1) < 0)
			return -ENOMEM;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static int buf_putf(struct uapi_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int buf_putf(struct uapi_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return buf_put(b, tmp, (size_t)n);
}

static int buf_put_key(struct uapi_buf *b, const char *name,
		       const uint8_t key[UAPI_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char line[32 + 2 * UAPI_KEY_LEN + 2];
	size_t n = strlen(name), i;
	int ret;

	memcpy(line, name, n);
	line[n++] = '=';
	for (i = 0; i < UAPI_KEY_LEN; i++) {
		line[n++] = hex[key[i] >> 4];
		line[n++] = hex[key[i] & 0xf];
	}
	line[n++] = '\n';
	ret = buf_put(b, line, n);
	sodium_memzero(line, sizeof(line));
	return ret;
}

/* IPv6 text as Go's netip writes it: RFC 5952, and "::ffff:a.b.c.d" for
 * a mapped IPv4 address only (glibc also dots "::a.b.c.d"). */
static void fmt_ip6(char *out, size_t size, const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned zs = 8, ze = 8, i, j;
	uint16_t w[8];
	size_t n = 0;

	if (!memcmp(a, mapped, sizeof(mapped))) {
		snprintf(out, size, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (i = 0; i < 8; i++) {
		for (j = i; j < 8 && w[j] == 0; j++)
			;
		if (j - i >= 2 && j - i > ze - zs) {
			zs = i;
			ze = j;
		}
	}
	out[0] = '\0';
	for (i = 0; i < 8 && n < size; ) {
		if (i == zs) {
			n += (size_t)snprintf(out + n, size - n, "::");
			i = ze;
			continue;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%x",
				      i && i != ze ? ":" : "", w[i]);
		i++;
	}
}

static void fmt_ip(char *out, size_t size, const struct mg_addr *a)
{
	if (a->family == AF_INET6)
		fmt_ip6(out, size, a->u.bytes);
	else
		inet_ntop(AF_INET, &a->u.v4, out, (socklen_t)size);
}

int uapi_format_endpoint(char *buf, size_t size, const union uapi_sockaddr *ep)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (ep->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->sin.sin_addr, ip, sizeof(ip));
		n = snprintf(buf, size, "%s:%u", ip, ntohs(ep->sin.sin_port));
	} else if (ep->sa.sa_family == AF_INET6) {
		fmt_ip6(ip, sizeof(ip), ep->sin6.sin6_addr.s6_addr);
		if (ep->sin6.sin6_scope_id)
			n = snprintf(buf, size, "[%s%%%" PRIu32 "]:%u", ip,
				     ep->sin6.sin6_scope_id,
				     ntohs(ep->sin6.sin6_port));
		else
			n = snprintf(buf, size, "[%s]:%u", ip,
				     ntohs(ep->sin6.sin6_port));
	} else {
		return -EAFNOSUPPORT;
	}
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

static int put_peer(struct uapi_buf *b, const struct uapi_peer_info *peer)
{
	char text[INET6_ADDRSTRLEN + 32];
	size_t i;
	int ret;

	if ((ret = buf_put_key(b, "public_key", peer->public_key)) < 0 ||
	    (ret = buf_put_key(b, "preshared_key", peer->preshared_key)) < 0 ||
	    (ret = buf_putf(b, "protocol_version=1\n")) < 0)
		return ret;
	if (uapi_format_endpoint(text, sizeof(text), &peer->endpoint) == 0 &&
	    (ret = buf_putf(b, "endpoint=%s\n", text)) < 0)
		return ret;
	if ((ret = buf_putf(b, "last_handshake_time_sec=%" PRId64 "\n"
			    "last_handshake_time_nsec=%" PRId64 "\n",
			    peer->last_handshake_sec,
			    peer->last_handshake_nsec)) < 0 ||
	    (ret = buf_putf(b, "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n",
			    peer->tx_bytes, peer->rx_bytes)) < 0 ||
	    (ret = buf_putf(b, "persistent_keepalive_interval=%u\n",
			    peer->persistent_keepalive_interval)) < 0)
		return ret;
	for (i = 0; i < peer->n_allowed_ips; i++) {
		struct mg_prefix pfx = peer->allowed_ips[i];

		if (pfx.addr.family != AF_INET && pfx.addr.family != AF_INET6)
			continue;
		mg_prefix_mask(&pfx);
		fmt_ip(text, sizeof(text), &pfx.addr);
		ret = buf_putf(b, "allowed_ip=%s/%u\n", text, pfx.len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Keys in the order of wireguard-go's IpcGetOperation. */
int uapi_format_get(struct uapi_buf *b, const struct uapi_device_info *dev)
{
	size_t old = b->len, i;
	int ret = 0;

	if (!uapi_key_is_zero(dev->private_key))
		ret = buf_put_key(b, "private_key", dev->private_key);
	if (!ret && dev->listen_port)
		ret = buf_putf(b, "listen_port=%u\n", dev->listen_port);
	if (!ret && dev->fwmark)
		ret = buf_putf(b, "fwmark=%" PRIu32 "\n", dev->fwmark);
	for (i = 0; !ret && i < dev->n_peers; i++)
		ret = put_peer(b, &dev->peers[i]);
	if (!ret)
		ret = uapi_format_errno(b, 0);
	if (ret < 0) {
		if (b->data)
			sodium_memzero(b->data + old, b->len - old);
		b->len = old;
	}
	return ret;
}

int uapi_format_errno(struct uapi_buf *b, int err)
{
	return buf_putf(b, "errno=%d\n\n", err);
}
