/* The TUN device: created with /dev/net/tun (IFF_TUN | IFF_NO_PI), not
 * persistent, so the kernel removes it with its last descriptor even if the
 * daemon dies. */
#ifndef MG_CORE_TUN_H
#define MG_CORE_TUN_H

#include <net/if.h>
#include <stdbool.h>

struct tun {
	int fd;                      /* non-blocking, close-on-exec */
	char name[IFNAMSIZ];
	bool vnet_hdr;               /* packets carry a virtio_net_hdr (TSO on) */
	bool uso;                    /* UDP segmentation offload too */
	int offload_err;             /* why offloads are off: 0 or -errno */
};

/* name may be a pattern like "mg%d". 0 or -errno (-EBUSY: name in use by a
 * device that is not a free TUN). Plain packets, no virtio header. */
int tun_open(const char *name, struct tun *out);

/* The same, asking for IFF_VNET_HDR and checksum and TCP segmentation
 * offloads (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, plus UDP's where the
 * kernel has it), so reads may be 64 KiB super-packets and writes may be
 * coalesced ones. When the kernel refuses, the device is opened plain:
 * vnet_hdr is false and offload_err says why. Errors as tun_open(). */
int tun_open_offload(const char *name, struct tun *out);

void tun_close(struct tun *t);

#endif
