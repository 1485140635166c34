#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/nlmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the parser hands out must be sane whatever it was fed. */
static void check(const struct nlmon_event *ev, void *arg)
{
	size_t *n = arg;

	if (ev->ifindex <= 0 || memchr(ev->ifname, '\0', sizeof(ev->ifname)) == NULL)
		__builtin_trap();
	if (ev->kind == NLMON_ADDR_NEW || ev->kind == NLMON_ADDR_DEL) {
		if (ev->addr.addr.family == AF_INET ? ev->addr.len > 32 :
		    ev->addr.addr.family == AF_INET6 ? ev->addr.len > 128 : 1)
			__builtin_trap();
	} else if (ev->kind != NLMON_LINK_NEW && ev->kind != NLMON_LINK_DEL) {
		__builtin_trap();
	}
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int r;

	/* libFuzzer hands a heap copy of exactly size bytes, aligned as the
	 * kernel's buffers are, so ASan catches any read past its end */
	r = nlmon_parse(data, size, check, &n);
	if (r >= 0 && (size_t)r != n)
		__builtin_trap();
	return 0;
}
