#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "core/tun.h"

/* Linux 6.2's UDP segmentation offload; older headers lack the names. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

#define TUN_VNET_HDR_LEN 10          /* struct virtio_net_hdr */

static int tun_create(const char *name, short flags, struct tun *out)
{
	struct ifreq ifr;
	int fd, err;

	out->fd = -1;
	out->name[0] = '\0';
	if (!name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		/* the node exists but the tun module is missing */
		if (err == ENODEV || err == ENXIO)
			err = ENOENT;
		return -err;
	}

	/* No IFF_PERSIST: the device goes with its last descriptor. A device
	 * an administrator made persistent beforehand is left as it was. */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | flags);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		/* The kernel says EINVAL when the name belongs to a device of
		 * another kind (or a TAP); to the caller that name is taken. */
		if (err == EINVAL && !strchr(name, '%') && if_nametoindex(name))
			err = EBUSY;
		close(fd);
		return -err;
	}
	out->fd = fd;
	memcpy(out->name, ifr.ifr_name, IFNAMSIZ);
	out->name[IFNAMSIZ - 1] = '\0';
	return 0;
}

int tun_open(const char *name, struct tun *out)
{
	out->vnet_hdr = false;
	out->uso = false;
	out->offload_err = 0;
	return tun_create(name, 0, out);
}

/* Header size and byte order, then the offloads: with UDP's first, without
 * them on a kernel older than 6.2. */
static int tun_offload(struct tun *t)
{
	const unsigned int tcp = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdrsz = TUN_VNET_HDR_LEN;

	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		return -errno;
#if __BYTE_ORDER == __BIG_ENDIAN
	{
		int le = 1;

		/* vpn/gso.c reads the header little-endian */
		if (ioctl(t->fd, TUNSETVNETLE, &le) < 0)
			return -errno;
	}
#endif
	if (ioctl(t->fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0) {
		t->uso = true;
		return 0;
	}
	if (ioctl(t->fd, TUNSETOFFLOAD, tcp) == 0)
		return 0;
	return -errno;
}

int tun_open_offload(const char *name, struct tun *out)
{
	int r;

	out->vnet_hdr = false;
	out->uso = false;
	out->offload_err = 0;
	r = tun_create(name, IFF_VNET_HDR, out);
	if (r == -EINVAL || r == -EOPNOTSUPP) {
		/* a kernel or a persistent device that will not have the header */
		out->offload_err = r;
		return tun_create(name, 0, out);
	}
	if (r < 0)
		return r;
	r = tun_offload(out);
	if (r == 0) {
		out->vnet_hdr = true;
		return 0;
	}
	/* Closing the last descriptor removes the device: make it again. */
	tun_close(out);
	out->uso = false;
	out->offload_err = r;
	return tun_create(name, 0, out);
}

void tun_close(struct tun *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
