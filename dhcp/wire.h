/* BOOTP/DHCP messages (RFC 2131, 2132, 3396): the fixed header, the magic
 * cookie and the option areas, parsed into a struct and built from one.
 * Long options split over several instances are joined on parse and split
 * on build; the file and sname fields carry options when option 52 says
 * so. Nothing here touches a socket. */
#ifndef MG_DHCP_WIRE_H
#define MG_DHCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define DHCP_HTYPE_ETHER 1
#define DHCP_FLAG_BROADCAST 0x8000

#define DHCP_MAGIC 0x63825363u
#define DHCP_HDR_LEN 236		/* the BOOTP header */
#define DHCP_COOKIE_LEN 4
#define DHCP_OPTS_OFF (DHCP_HDR_LEN + DHCP_COOKIE_LEN)
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_BOOTP_MIN_LEN 300		/* replies are padded to this for old clients */
#define DHCP_IPUDP_LEN 28		/* IPv4 + UDP headers, no IP options */
#define DHCP_MIN_MMS 576		/* the smallest datagram every client takes */
#define DHCP_MAX_LEN 4096		/* longer requests are dropped */
#define DHCP_REPLY_MAX (1500 - DHCP_IPUDP_LEN)

/* The header as it sits on the wire; for sizes and offsets only: fields
 * are read through the cursor, never through this struct. */
struct dhcp_wire_hdr {
	uint8_t op, htype, hlen, hops;
	uint8_t xid[4];
	uint8_t secs[2], flags[2];
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t sname[DHCP_SNAME_LEN];
	uint8_t file[DHCP_FILE_LEN];
};
_Static_assert(sizeof(struct dhcp_wire_hdr) == DHCP_HDR_LEN, "BOOTP header is 236 bytes");
_Static_assert(offsetof(struct dhcp_wire_hdr, sname) == DHCP_SNAME_OFF, "sname offset");
_Static_assert(offsetof(struct dhcp_wire_hdr, file) == DHCP_FILE_OFF, "file offset");
_Static_assert(DHCP_OPTS_OFF == 240, "options follow the cookie");
_Static_assert(DHCP_MIN_MMS - DHCP_IPUDP_LEN - DHCP_OPTS_OFF == 308,
	       "RFC 2131: 312 option octets, cookie included, in a 576-byte datagram");

/* Message types (option 53). */
enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option codes used here. */
enum dhcp_opt_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOST_NAME = 12,
	DHCP_OPT_DOMAIN_NAME = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_NTP = 42,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PRL = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_MSG_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_FQDN = 81,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_DOMAIN_SEARCH = 119,
	DHCP_OPT_CLASSLESS_ROUTES = 121,
	DHCP_OPT_MS_CLASSLESS_ROUTES = 249,
	DHCP_OPT_END = 255,
};

/* Option 52 values. */
#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2
#define DHCP_OVERLOAD_BOTH 3

/* Options by code, each the concatenation of all its instances in the
 * order options, file, sname (RFC 3396). */
struct dhcp_optset {
	uint16_t off[256], len[256];
	uint8_t have[32];		/* bit per code: present (maybe empty) */
	uint16_t used;
	uint8_t data[DHCP_MAX_LEN];
};

/* The fixed header's fields, host byte order. */
struct dhcp_head {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
};

struct dhcp_msg {
	struct dhcp_head h;
	uint8_t overload;		/* option 52, 0 if absent */
	struct dhcp_optset opts;
};

/* Why a message was dropped: each its own counter. */
enum dhcp_rx_error {
	DHCP_RX_OK = 0,
	DHCP_RX_SHORT,		/* shorter than header and cookie */
	DHCP_RX_TOO_LONG,	/* longer than DHCP_MAX_LEN */
	DHCP_RX_BAD_OP,		/* not the op expected (BOOTREQUEST for a server) */
	DHCP_RX_BAD_HLEN,	/* hlen > 16 */
	DHCP_RX_BAD_COOKIE,	/* no magic cookie: BOOTP or garbage */
	DHCP_RX_OPT_OVERRUN,	/* an option runs past the end of its field */
	DHCP_RX_NO_END,		/* the options field has no end option */
	DHCP_RX_BAD_OVERLOAD,	/* option 52 malformed, or the fields it names are */
	DHCP_RX_BAD_OPT_LEN,	/* a known option of the wrong length */
	DHCP_RX_NO_TYPE,	/* no message type: BOOTP, which we do not serve */
	DHCP_RX_NREASONS
};

/* Short stable name for counters and logs ("opt_overrun"), "?" if out of range. */
const char *dhcp_rx_error_name(enum dhcp_rx_error e);

/* Parses a message whose op must be `op`. Returns 0, or -EINVAL with the
 * reason in *why (may be NULL). Never reads outside buf[0..len). */
int dhcp_parse(const uint8_t *buf, size_t len, uint8_t op, struct dhcp_msg *m,
	       enum dhcp_rx_error *why);

/* Options to send, in order; values longer than 255 are split on build. */
#define DHCP_OPTLIST_MAX 64
struct dhcp_optlist {
	uint16_t n, used;
	bool err;			/* something did not fit */
	struct { uint8_t code; uint16_t off, len; } ent[DHCP_OPTLIST_MAX];
	uint8_t data[DHCP_MAX_LEN];
};

/* Writes header, cookie and options into buf, never more than max_len
 * bytes (the client's limit) or cap. Options go in order into the options
 * field; when they do not all fit, the file and then the sname field carry
 * the rest (option 52). An option that fits nowhere is left out and counted
 * in *dropped (may be NULL); the later ones are still tried. The message is
 * padded to DHCP_BOOTP_MIN_LEN if room allows. Returns the length, or
 * -ENOSPC if not even the header fits. */
int dhcp_build(uint8_t *buf, size_t cap, size_t max_len, const struct dhcp_head *h,
	       const struct dhcp_optlist *o, unsigned *dropped);

#endif
