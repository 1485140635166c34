/* Replies put together: a subnet's option values encoded once into a
 * template, and a reply built from a request, the template and what the
 * server decided, addressed as RFC 2131 4.1 says. Internal to the server. */
#ifndef MG_DHCP_REPLY_H
#define MG_DHCP_REPLY_H

#include <stdint.h>

#include "dhcp/dhcp.h"
#include "dhcp/server.h"
#include "dhcp/wire.h"

/* Encodes the subnet's options (mask, routers, DNS, domain, search, NTP,
 * MTU, broadcast, routes) into t. 0 or -EINVAL (a value that does not
 * encode), -ENOSPC. */
int dhcp_template_build(struct dhcp_optset *t, const struct dhcp_subnet_conf *sc,
			const struct dhcp_route *routes, size_t nroutes);

struct dhcp_reply_args {
	uint8_t type;			/* DHCPOFFER, DHCPACK, DHCPNAK */
	uint32_t yiaddr;		/* 0 for NAK and the ACK to INFORM */
	uint32_t sid;			/* our server identifier */
	uint32_t lease_time;		/* 0: no lease options (NAK, INFORM) */
	const char *fqdn;		/* the name to confirm in option 81, or NULL */
	const char *message;		/* option 56, or NULL */
	uint32_t ifindex, src_addr;	/* from the request's struct dhcp_rx_info */
};

/* Fills r (buffer, length, destination); o is scratch space. Options the
 * client's size limit leaves no room for are counted in *dropped. 0 or
 * -ENOSPC. */
int dhcp_reply_make(struct dhcp_reply *r, struct dhcp_optlist *o, const struct dhcp_msg *req,
		    const struct dhcp_optset *tmpl, const struct dhcp_reply_args *a,
		    unsigned *dropped);

#endif
