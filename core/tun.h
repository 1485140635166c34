/* The TUN device: created with /dev/net/tun (IFF_TUN | IFF_NO_PI), not
 * persistent, so the kernel removes it with its last descriptor even if the
 * daemon dies. */
#ifndef MG_CORE_TUN_H
#define MG_CORE_TUN_H

#include <net/if.h>

struct tun {
	int fd;                      /* non-blocking, close-on-exec */
	char name[IFNAMSIZ];
};

/* name may be a pattern like "mg%d". 0 or -errno (-EBUSY: name in use by a
 * device that is not a free TUN). */
int tun_open(const char *name, struct tun *out);
void tun_close(struct tun *t);

#endif
