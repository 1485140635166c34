#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "core/tun.h"

int tun_open(const char *name, struct tun *out)
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
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
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

void tun_close(struct tun *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
