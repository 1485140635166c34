/* WireGuard's cross-platform configuration protocol (the text that `wg`
 * speaks over /var/run/wireguard/<ifname>.sock), without the socket:
 * a streaming request parser that turns "set=1" into a transaction applied
 * all at once, and the formatter of the "get=1" answer. Pure.
 *
 * Replies follow wireguard-go byte for byte, including the sign of errno:
 * "errno=-22\n\n" for EINVAL, which is the form wg(8) decodes. */
#ifndef MG_VPN_UAPI_H
#define MG_VPN_UAPI_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/addr.h"

#define UAPI_KEY_LEN 32
#define UAPI_LINE_MAX 4096              /* bytes of one line, '\n' excluded */
#define UAPI_REQUEST_MAX (1u << 20)     /* default bound on one request */
#define UAPI_ERRNO_REPLY_MAX 24         /* "errno=-2147483648\n\n" + NUL */

union uapi_sockaddr {
	struct sockaddr sa;             /* sa_family AF_UNSPEC: none */
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* One peer of a set transaction, as the request left it once every line
 * was read: later lines override earlier ones, replace_allowed_ips drops
 * the allowed IPs listed before it. */
struct uapi_peer {
	uint8_t public_key[UAPI_KEY_LEN];
	bool remove;                    /* drop the peer; nothing else applies */
	bool update_only;               /* skip it if it does not exist yet */
	bool replace_allowed_ips;
	bool has_preshared_key;         /* all zero: no preshared key */
	uint8_t preshared_key[UAPI_KEY_LEN];
	bool has_endpoint;
	union uapi_sockaddr endpoint;
	bool has_persistent_keepalive;
	uint16_t persistent_keepalive_interval;   /* seconds, 0: off */
	const struct mg_prefix *allowed_ips;      /* masked to their length */
	size_t n_allowed_ips;
	size_t first_ip;                /* internal: index in uapi_set.ips */
};

struct uapi_set {
	bool has_private_key;           /* all zero: remove the key */
	uint8_t private_key[UAPI_KEY_LEN];
	bool has_listen_port;
	uint16_t listen_port;
	bool has_fwmark;
	uint32_t fwmark;
	bool replace_peers;
	struct uapi_peer *peers;
	size_t n_peers, cap_peers;
	struct mg_prefix *ips;          /* every peer's allowed IPs, in order */
	size_t n_ips, cap_ips;
};

/* What the device does with a parsed transaction. Each returns 0 or
 * -errno; the first error stops the apply and becomes the reply. An op
 * left NULL answers -EOPNOTSUPP for a request that needs it, before
 * anything is applied. */
struct uapi_set_ops {
	int (*set_listen_port)(void *ctx, uint16_t port);
	int (*set_fwmark)(void *ctx, uint32_t mark);  /* may be -EOPNOTSUPP */
	int (*set_private_key)(void *ctx, const uint8_t *key);  /* NULL: remove */
	int (*replace_peers)(void *ctx);
	/* Create or update the peer, or remove it; with update_only an
	 * unknown peer is skipped (return 0). A peer whose key is the
	 * device's own public key is ignored, as wireguard-go does. */
	int (*set_peer)(void *ctx, const struct uapi_peer *peer);
};

/* The device settings that can fail (port, fwmark) go first, so that
 * their failure leaves the key and the peers as they were; then the
 * private key, the replace_peers flush and the peers in request order. */
int uapi_set_apply(const struct uapi_set *set, const struct uapi_set_ops *ops,
		   void *ctx);
void uapi_set_clear(struct uapi_set *set);      /* frees, wipes the keys */

enum uapi_op {
	UAPI_OP_NONE,
	UAPI_OP_GET,
	UAPI_OP_SET,
};

enum uapi_state {
	UAPI_ST_OP,             /* before the operation line */
	UAPI_ST_GET_END,        /* after "get=1\n": the blank line's '\n' */
	UAPI_ST_SET,            /* key=value lines of a set */
	UAPI_ST_DONE,           /* a request is complete */
	UAPI_ST_BROKEN,         /* framing lost: the connection must close */
};

/* A complete request, valid until the next uapi_parser_feed() or
 * uapi_parser_free(). A set whose error is non-zero applies nothing:
 * answer it with uapi_format_errno(error). */
struct uapi_request {
	enum uapi_op op;
	int error;
	struct uapi_set set;
};

struct uapi_parser {
	enum uapi_state state;
	size_t max_request;     /* UAPI_REQUEST_MAX unless changed after init */
	size_t request_len;     /* bytes of the current request so far */
	size_t line_len;
	bool in_peer;           /* a public_key line was seen */
	struct uapi_request req;
	char line[UAPI_LINE_MAX + 1];
};

void uapi_parser_init(struct uapi_parser *p);
void uapi_parser_free(struct uapi_parser *p);
/* Takes bytes as they arrive. Returns 0 when all len bytes were used and
 * the request is not complete yet; 1 when a request is complete (then
 * *used says how many bytes it took: feed the rest afterwards, which
 * starts the next request); or a negative errno when the stream cannot be
 * framed any more (-EPROTO: not "get=1"/"set=1"; -EMSGSIZE: a line or the
 * request is too long; -EINVAL: "get=1" not followed by a blank line).
 * After an error every feed fails the same: reply and close. */
int uapi_parser_feed(struct uapi_parser *p, const void *buf, size_t len,
		     size_t *used);
/* At end of input: 0 between requests, -EPROTO inside one (a set without
 * its blank line applies nothing), or the framing error. */
int uapi_parser_eof(const struct uapi_parser *p);
const struct uapi_request *uapi_parser_request(const struct uapi_parser *p);

/* Output: growable (data NULL at first) or fixed over caller memory, in
 * which case running out of room is -ENOSPC. */
struct uapi_buf {
	char *data;
	size_t len, cap;
	bool fixed;
};

void uapi_buf_init(struct uapi_buf *b);
void uapi_buf_init_fixed(struct uapi_buf *b, void *mem, size_t size);
void uapi_buf_free(struct uapi_buf *b);         /* wipes: it held keys */

struct uapi_peer_info {
	uint8_t public_key[UAPI_KEY_LEN];
	uint8_t preshared_key[UAPI_KEY_LEN];
	union uapi_sockaddr endpoint;
	int64_t last_handshake_sec;     /* wall clock; 0/0: never */
	int64_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive_interval;
	const struct mg_prefix *allowed_ips;
	size_t n_allowed_ips;
};

struct uapi_device_info {
	uint8_t private_key[UAPI_KEY_LEN];      /* all zero: none */
	uint16_t listen_port;                   /* the bound one; 0: none */
	uint32_t fwmark;
	const struct uapi_peer_info *peers;
	size_t n_peers;
};

/* The whole answer to "get=1", ending in "errno=0\n\n". On error the
 * buffer is left at its old length. */
int uapi_format_get(struct uapi_buf *b, const struct uapi_device_info *dev);
/* "errno=<err>\n\n" with err 0 or -errno, as wireguard-go writes it. */
int uapi_format_errno(struct uapi_buf *b, int err);
/* Endpoint text as wireguard-go prints it: "a.b.c.d:p", "[v6]:p". */
int uapi_format_endpoint(char *buf, size_t size, const union uapi_sockaddr *ep);
/* "ip:port" or "[ip6]:port" (numeric zone "%n" allowed), never a name;
 * port 1..65535. 0 or -EINVAL. */
int uapi_parse_endpoint(const char *s, union uapi_sockaddr *out);

#endif
