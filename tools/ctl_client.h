/* The client side of the control socket: one request, the whole response. */
#ifndef MG_TOOLS_CTL_CLIENT_H
#define MG_TOOLS_CTL_CLIENT_H

#include <stddef.h>

/* Connects to path, sends req and reads until the daemon closes. *resp is
 * malloc'd and NUL-terminated. Returns 0 or -errno: connect()'s own error
 * (-ENOENT, -ECONNREFUSED, -EACCES...), -ETIMEDOUT when no full answer came
 * within timeout_ms, -EMSGSIZE for an absurdly long one. */
int ctl_request(const char *path, const char *req, int timeout_ms, char **resp, size_t *len);

#endif
