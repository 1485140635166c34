/* The WireGuard cross-platform UAPI socket, so that the stock wg(8) works
 * against meshgated: /var/run/wireguard/<ifname>.sock, mode 0600, in the
 * event loop. Only the socket lives here; vpn/uapi.h parses and formats,
 * and the ops apply (daemon/vpn_uapi.c).
 *
 * Each connection carries any number of "get=1" and "set=1" requests; each
 * is answered in turn, one answer buffered at a time (input waits while an
 * answer is being written). A set the parser refused is answered with its
 * errno and applies nothing; a stream that cannot be framed any more gets
 * its errno and is closed, as vpn/uapi.h prescribes. */
#ifndef MG_DAEMON_UAPI_SERVER_H
#define MG_DAEMON_UAPI_SERVER_H

#include <stdint.h>

#include "vpn/uapi.h"

#define UAPI_SERVER_DIR "/var/run/wireguard"   /* where wg(8) looks */
#define UAPI_SERVER_MAX_CLIENTS 16

struct loop;
struct uapi_server;

struct uapi_server_ops {
	/* The whole answer to get=1 appended to b; 0 or -errno (then the
	 * answer is the errno alone). */
	int (*get)(void *ctx, struct uapi_buf *b);
	/* Applies a set; 0 or -errno, which becomes the answer. */
	int (*set)(void *ctx, const struct uapi_set *set);
};

struct uapi_server_stats {
	uint64_t gets, sets;     /* answered */
	uint64_t failed;         /* sets answered with an error */
	uint64_t malformed;      /* streams closed for a framing error */
	uint64_t refused;        /* connections over UAPI_SERVER_MAX_CLIENTS */
	uint64_t timeouts;       /* clients idle past the timeout */
};

/* Creates dir (0755) if missing and listens on dir/ifname.sock. A stale
 * socket is replaced; -EADDRINUSE when someone answers there (another
 * daemon has this interface name), -EEXIST when the path is not a socket,
 * -ENAMETOOLONG, -EINVAL for a name with '/'; other -errno as the system
 * says. Logs the reason. */
int uapi_server_new(struct loop *loop, const char *dir, const char *ifname,
                    const struct uapi_server_ops *ops, void *ctx, struct uapi_server **out);
/* Closes every client and unlinks the socket if it is still ours. */
void uapi_server_free(struct uapi_server *s);
const char *uapi_server_path(const struct uapi_server *s);
const struct uapi_server_stats *uapi_server_stats(const struct uapi_server *s);
/* How long a client may stay idle (default 10 s); for tests. */
void uapi_server_set_timeout(struct uapi_server *s, uint64_t ns);

#endif
