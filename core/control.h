/* The control socket: a unix stream socket speaking one request line and one
 * response per connection.
 *
 * Request:  "<command> [arg ...] [--json]\n", printable ASCII, at most
 *           CONTROL_MAX_REQUEST bytes including the newline.
 * Response: "OK\n" or "ERR <message>\n", then the rendered body; then the
 *           daemon closes the connection.
 *
 * Malformed, oversize or slow requests are refused with ERR (or dropped) and
 * counted; the daemon goes on. */
#ifndef MG_CORE_CONTROL_H
#define MG_CORE_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/report.h"

#define CONTROL_MAX_REQUEST 1024
#define CONTROL_MAX_ARGS 16
#define CONTROL_MAX_CLIENTS 32

struct loop;
struct control;

/* Fill r, or return -errno / a negative value and set *err to a static or
 * r-owned message. argv[0] is the command name; --json is already removed. */
typedef int (*control_handler)(struct report *r, int argc, char **argv, const char **err,
                               void *arg);

struct control_stats {
	uint64_t requests;  /* passed to a command's handler (help included) */
	uint64_t refused;   /* malformed, too long, unknown command, too many clients */
	uint64_t timeouts;  /* client did not send its request, or read the answer, in time */
};

/* Pure request parser (fuzzed): splits line[0..len) into argv (pointers into
 * buf, which must hold len+1 bytes; argv holds max_args entries and is not
 * NULL-terminated). Every "--json" after the command sets *json and is removed.
 * Returns argc >= 1, or -EINVAL with *why set to a static message. */
int control_parse_request(const char *line, size_t len, char *buf, char **argv, int max_args,
                          int *json, const char **why);

/* Creates the socket at path (its directory is created 0750 if missing; a
 * stale socket is replaced, a live one is an error -EADDRINUSE, a file that
 * is not a socket -EEXIST), mode 0660, group gid unless gid == (gid_t)-1. */
int control_new(struct loop *loop, const char *path, gid_t gid, struct control **out);
/* Closes clients, unlinks the socket if it is still ours. Call before loop_free(). */
void control_free(struct control *c);
/* "help" is built in; -EEXIST for it or a duplicate, -EINVAL for a name that
 * is not one printable word. */
int control_register(struct control *c, const char *command, control_handler h, void *arg);
const struct control_stats *control_get_stats(const struct control *c);

/* How long a client may take to send its request, and again to read the
 * response (default 5 s); applies to timers armed from now on. For tests. */
void control_set_timeout(struct control *c, uint64_t timeout_ns);

#endif
