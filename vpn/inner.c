#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "lib/cursor.h"
#include "vpn/inner.h"

int wg_inner_parse(struct wg_inner *out, const uint8_t *pkt, size_t len)
{
	struct rcur c = rcur_init(pkt, len);
	uint8_t version = pkt && len ? pkt[0] >> 4 : 0;

	if (version == 4) {
		rcur_take(&c, 2);		/* version, ihl, tos */
		out->len = rcur_be16(&c);	/* total length */
		rcur_take(&c, 8);		/* id, fragment, ttl, protocol, checksum */
		out->src = rcur_take(&c, 4);
		out->dst = rcur_take(&c, 4);
		out->family = AF_INET;
	} else if (version == 6) {
		rcur_take(&c, 4);		/* version, class, flow */
		out->len = (size_t)rcur_be16(&c) + WG_IPV6_HEADER_LEN;
		rcur_take(&c, 2);		/* next header, hop limit */
		out->src = rcur_take(&c, 16);
		out->dst = rcur_take(&c, 16);
		out->family = AF_INET6;
	} else {
		return -EPROTONOSUPPORT;
	}
	return c.err ? -EPROTONOSUPPORT : 0;
}
