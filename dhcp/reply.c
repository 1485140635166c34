/* Building replies: what options, in what order, to where. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dhcp/options.h"
#include "dhcp/reply.h"
#include "lib/cursor.h"

static int put_addrs(struct dhcp_optset *t, uint8_t code, const uint32_t *a, size_t n)
{
	uint8_t buf[252];
	struct wcur c = wcur_init(buf, sizeof(buf));
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		wcur_be32(&c, a[i]);
	return c.err ? -ENOSPC : dhcp_optset_put(t, code, buf, c.off);
}

int dhcp_template_build(struct dhcp_optset *t, const struct dhcp_subnet_conf *sc,
			const struct dhcp_route *routes, size_t nroutes)
{
	uint32_t mask = ~0u << (32 - sc->prefix_len), bcast = sc->network | ~mask;
	uint8_t buf[DHCP_MAX_LEN];
	struct dhcp_route def = { .dest = 0, .len = 0 };
	size_t i;
	int r;

	dhcp_optset_init(t);
	put_addrs(t, DHCP_OPT_SUBNET_MASK, &mask, 1);
	r = put_addrs(t, DHCP_OPT_ROUTER, sc->routers, sc->nrouters);
	if (!r)
		r = put_addrs(t, DHCP_OPT_DNS, sc->dns, sc->ndns);
	if (!r)
		r = put_addrs(t, DHCP_OPT_NTP, sc->ntp, sc->nntp);
	if (!r)
		r = put_addrs(t, DHCP_OPT_BROADCAST, &bcast, 1);
	if (!r && sc->domain && *sc->domain)
		r = dhcp_optset_put(t, DHCP_OPT_DOMAIN_NAME, sc->domain, strlen(sc->domain));
	if (!r && sc->mtu) {
		uint8_t m[2] = { (uint8_t)(sc->mtu >> 8), (uint8_t)sc->mtu };

		r = dhcp_optset_put(t, DHCP_OPT_MTU, m, 2);
	}
	if (!r && sc->nsearch) {
		r = dhcp_search_encode(buf, sizeof(buf), sc->search, sc->nsearch);
		if (r >= 0)
			r = dhcp_optset_put(t, DHCP_OPT_DOMAIN_SEARCH, buf, (size_t)r);
	}
	if (!r && nroutes) {
		int n = dhcp_routes_encode(buf, sizeof(buf), routes, nroutes);

		/* Clients that take option 121 ignore option 3: say the
		 * default route again unless the list has one. */
		for (i = 0; i < nroutes && routes[i].len; i++)
			;
		if (n >= 0 && i == nroutes && sc->nrouters) {
			def.gw = sc->routers[0];
			r = dhcp_routes_encode(buf + n, sizeof(buf) - (size_t)n, &def, 1);
			n = r < 0 ? r : n + r;
		}
		r = n < 0 ? n : dhcp_optset_put(t, DHCP_OPT_CLASSLESS_ROUTES, buf, (size_t)n);
	}
	return r < 0 ? r : 0;
}

/* Options placed by the server itself, never copied from the template
 * because the client listed them. */
static bool own_option(uint8_t code)
{
	switch (code) {
	case DHCP_OPT_PAD: case DHCP_OPT_END: case DHCP_OPT_SUBNET_MASK:
	case DHCP_OPT_LEASE_TIME: case DHCP_OPT_OVERLOAD: case DHCP_OPT_MSG_TYPE:
	case DHCP_OPT_SERVER_ID: case DHCP_OPT_MESSAGE: case DHCP_OPT_T1: case DHCP_OPT_T2:
	case DHCP_OPT_FQDN: case DHCP_OPT_RELAY_AGENT:
		return true;
	default:
		return false;
	}
}

/* The template's options the client asked for, in its order; all of
 * them (but the 249 alias) if it sent no list. */
static void config_options(struct dhcp_optlist *o, const struct dhcp_msg *req,
			   const struct dhcp_optset *tmpl)
{
	uint8_t seen[32] = { 0 };
	const uint8_t *prl, *v;
	size_t n, i, len;

	v = dhcp_opt_get(tmpl, DHCP_OPT_SUBNET_MASK, &len);
	if (v)
		dhcp_optlist_put(o, DHCP_OPT_SUBNET_MASK, v, len);
	prl = dhcp_opt_get(&req->opts, DHCP_OPT_PRL, &n);
	if (!prl) {
		for (i = 1; i < 255; i++)
			if (!own_option((uint8_t)i) && (v = dhcp_opt_get(tmpl, (uint8_t)i, &len)))
				dhcp_optlist_put(o, (uint8_t)i, v, len);
		return;
	}
	for (i = 0; i < n; i++) {
		uint8_t code = prl[i];

		if (own_option(code) || seen[code >> 3] & (1u << (code & 7)))
			continue;
		seen[code >> 3] |= (uint8_t)(1u << (code & 7));
		v = dhcp_opt_get(tmpl, code == DHCP_OPT_MS_CLASSLESS_ROUTES ?
				       DHCP_OPT_CLASSLESS_ROUTES : code, &len);
		if (v)
			dhcp_optlist_put(o, code, v, len);
	}
}

/* RFC 4702 4: S set (we update the A record), O set if the client had
 * asked to do it itself, E as the client sent it, RCODEs 255. */
static void fqdn_option(struct dhcp_optlist *o, const struct dhcp_msg *req, const char *name)
{
	const uint8_t *v;
	uint8_t flags;
	size_t len;

	v = dhcp_opt_get(&req->opts, DHCP_OPT_FQDN, &len);
	if (!v || !len)
		return;
	flags = (uint8_t)(DHCP_FQDN_S | (v[0] & DHCP_FQDN_E) | (v[0] & DHCP_FQDN_S ? 0 : DHCP_FQDN_O));
	dhcp_optlist_fqdn(o, flags, name);
}

static void address(struct dhcp_reply *r, const struct dhcp_msg *req,
		    const struct dhcp_reply_args *a)
{
	const struct dhcp_head *h = &req->h;

	r->port = DHCP_CLIENT_PORT;
	if (h->giaddr) {
		r->dest = DHCP_DEST_RELAY;
		r->dst = h->giaddr;
		r->port = DHCP_SERVER_PORT;
	} else if (a->type == DHCPNAK) {
		r->dest = DHCP_DEST_BROADCAST;
		r->dst = 0xffffffffu;
	} else if (h->ciaddr) {
		r->dest = DHCP_DEST_CIADDR;
		r->dst = h->ciaddr;
	} else if (!a->yiaddr && a->src_addr) {
		/* INFORM without ciaddr: answer where it came from. */
		r->dest = DHCP_DEST_CIADDR;
		r->dst = a->src_addr;
	} else if (h->flags & DHCP_FLAG_BROADCAST || !a->yiaddr ||
		   h->htype != DHCP_HTYPE_ETHER || h->hlen != 6) {
		r->dest = DHCP_DEST_BROADCAST;
		r->dst = 0xffffffffu;
	} else {
		r->dest = DHCP_DEST_HWADDR;
		r->dst = a->yiaddr;
	}
	r->htype = h->htype;
	r->hlen = h->hlen;
	memcpy(r->hw, h->chaddr, DHCP_CHADDR_LEN);
}

int dhcp_reply_make(struct dhcp_reply *r, struct dhcp_optlist *o, const struct dhcp_msg *req,
		    const struct dhcp_optset *tmpl, const struct dhcp_reply_args *a,
		    unsigned *dropped)
{
	struct dhcp_head h = { 0 };
	const uint8_t *v;
	size_t len;
	int n;

	h.op = BOOTREPLY;
	h.htype = req->h.htype;
	h.hlen = req->h.hlen;
	h.xid = req->h.xid;
	h.flags = req->h.flags;
	h.giaddr = req->h.giaddr;
	memcpy(h.chaddr, req->h.chaddr, DHCP_CHADDR_LEN);
	if (a->type == DHCPACK)
		h.ciaddr = req->h.ciaddr;
	if (a->type == DHCPNAK && req->h.giaddr)
		h.flags |= DHCP_FLAG_BROADCAST;		/* RFC 2131 4.3.2 */
	h.yiaddr = a->yiaddr;

	dhcp_optlist_init(o);
	dhcp_optlist_u8(o, DHCP_OPT_MSG_TYPE, a->type);
	dhcp_optlist_u32(o, DHCP_OPT_SERVER_ID, a->sid);
	if (a->lease_time) {
		dhcp_optlist_u32(o, DHCP_OPT_LEASE_TIME, a->lease_time);
		dhcp_optlist_u32(o, DHCP_OPT_T1, a->lease_time / 2);
		dhcp_optlist_u32(o, DHCP_OPT_T2, (uint32_t)((uint64_t)a->lease_time * 7 / 8));
	}
	if (a->message)
		dhcp_optlist_str(o, DHCP_OPT_MESSAGE, a->message);
	if (a->type != DHCPNAK) {
		config_options(o, req, tmpl);
		if (a->fqdn)
			fqdn_option(o, req, a->fqdn);
	}
	/* Relay agent information goes back as it came, last (RFC 3046). */
	v = dhcp_opt_get(&req->opts, DHCP_OPT_RELAY_AGENT, &len);
	if (v && h.giaddr)
		dhcp_optlist_put(o, DHCP_OPT_RELAY_AGENT, v, len);

	n = dhcp_build(r->buf, sizeof(r->buf), dhcp_msg_max_reply(req), &h, o, dropped);
	if (n < 0)
		return n;
	r->len = (uint16_t)n;
	r->type = a->type;
	r->ifindex = a->ifindex;
	r->src = a->sid;
	address(r, req, a);
	return 0;
}
