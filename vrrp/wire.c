/* Parse and build VRRPv3 advertisements through the bounded cursor. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/cursor.h"
#include "vrrp/wire.h"

static const char *const rx_error_names[VRRP_RX_NREASONS] = {
	[VRRP_RX_OK] = "ok",
	[VRRP_RX_BAD_TTL] = "bad_ttl",
	[VRRP_RX_SHORT] = "short",
	[VRRP_RX_BAD_VERSION] = "bad_version",
	[VRRP_RX_BAD_TYPE] = "bad_type",
	[VRRP_RX_BAD_FAMILY] = "bad_family",
	[VRRP_RX_NO_ADDRS] = "no_addrs",
	[VRRP_RX_TRUNCATED] = "truncated",
	[VRRP_RX_COUNT_MISMATCH] = "count_mismatch",
	[VRRP_RX_BAD_CHECKSUM] = "bad_checksum",
	[VRRP_RX_BAD_VRID] = "bad_vrid",
	[VRRP_RX_BAD_INTERVAL] = "bad_interval",
};

const char *vrrp_rx_error_name(enum vrrp_rx_error e)
{
	return (unsigned)e < VRRP_RX_NREASONS ? rx_error_names[e] : "?";
}

static size_t family_addr_len(sa_family_t family)
{
	return family == AF_INET ? VRRP_ADDR4_LEN : family == AF_INET6 ? VRRP_ADDR6_LEN : 0;
}

/* One's complement sum of 16-bit big-endian words, not yet folded; an odd
 * last byte is padded with zero (RFC 1071). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the pseudo-header for a VRRP message of len bytes. */
static uint32_t pseudo_sum(const struct mg_addr *src, const struct mg_addr *dst, size_t len)
{
	size_t alen = family_addr_len(src->family);
	uint32_t sum = 0;

	sum = sum16(sum, src->u.bytes, alen);
	sum = sum16(sum, dst->u.bytes, alen);
	/* IPv4: zero, protocol, 16-bit length. IPv6: 32-bit length, three
	 * zeros, next header. Both add up to protocol + length. */
	sum += VRRP_IPPROTO;
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	return sum;
}

enum vrrp_rx_error vrrp_advert_parse(const uint8_t *buf, size_t len,
				     const struct vrrp_ip *ip, struct vrrp_advert *out)
{
	struct rcur c = rcur_init(buf, len);
	size_t alen, other, body;
	uint32_t msg_sum;
	uint8_t vt;

	if (ip->ttl != VRRP_TTL)
		return VRRP_RX_BAD_TTL;
	if (len < VRRP_HDR_LEN)
		return VRRP_RX_SHORT;
	vt = rcur_u8(&c);
	out->vrid = rcur_u8(&c);
	out->priority = rcur_u8(&c);
	out->count = rcur_u8(&c);
	out->max_adver_int = rcur_be16(&c) & VRRP_ADVER_INT_MASK;
	(void)rcur_be16(&c);		/* checksum: verified over the whole message */
	if (vt >> 4 != VRRP_VERSION)
		return VRRP_RX_BAD_VERSION;
	if ((vt & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_RX_BAD_TYPE;

	out->family = ip->src.family;
	alen = family_addr_len(out->family);
	if (!alen || ip->dst.family != out->family)
		return VRRP_RX_BAD_FAMILY;
	other = alen == VRRP_ADDR4_LEN ? VRRP_ADDR6_LEN : VRRP_ADDR4_LEN;
	body = rcur_left(&c);
	if (out->count && body != (size_t)out->count * alen &&
	    body == (size_t)out->count * other)
		return VRRP_RX_BAD_FAMILY;
	if (!out->count)
		return VRRP_RX_NO_ADDRS;
	if (body < (size_t)out->count * alen)
		return VRRP_RX_TRUNCATED;
	if (body > (size_t)out->count * alen)
		return VRRP_RX_COUNT_MISMATCH;
	out->addrs = rcur_take(&c, body);

	/* A correct message sums to 0xffff with its checksum included. Try
	 * the pseudo-header first: it is the RFC's reading for IPv6 and
	 * keepalived's for IPv4. */
	msg_sum = sum16(0, buf, len);
	if (fold(msg_sum + pseudo_sum(&ip->src, &ip->dst, len)) == 0xffff)
		out->csum = VRRP_CSUM_PSEUDO;
	else if (out->family == AF_INET && fold(msg_sum) == 0xffff)
		out->csum = VRRP_CSUM_PLAIN;
	else
		return VRRP_RX_BAD_CHECKSUM;

	if (!out->vrid)
		return VRRP_RX_BAD_VRID;
	if (!out->max_adver_int)
		return VRRP_RX_BAD_INTERVAL;
	return VRRP_RX_OK;
}

int vrrp_advert_addr(const struct vrrp_advert *a, unsigned int i, struct mg_addr *out)
{
	size_t alen = family_addr_len(a->family);

	if (i >= a->count || !alen)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = a->family;
	memcpy(out->u.bytes, a->addrs + i * alen, alen);
	return 0;
}

int vrrp_advert_build(uint8_t *buf, size_t cap, const struct vrrp_advert_tx *tx,
		      const struct mg_addr *src, const struct mg_addr *dst)
{
	size_t alen = family_addr_len(src->family), i;
	struct wcur c = wcur_init(buf, cap);
	uint32_t sum;
	uint16_t csum;

	if (!alen || dst->family != src->family || !tx->vrid ||
	    tx->max_adver_int < VRRP_ADVER_INT_MIN || tx->max_adver_int > VRRP_ADVER_INT_MAX ||
	    !tx->count || tx->count > VRRP_MAX_ADDRS)
		return -EINVAL;
	for (i = 0; i < tx->count; i++)
		if (tx->addrs[i].family != src->family)
			return -EINVAL;

	wcur_u8(&c, VRRP_VERSION << 4 | VRRP_TYPE_ADVERT);
	wcur_u8(&c, tx->vrid);
	wcur_u8(&c, tx->priority);
	wcur_u8(&c, (uint8_t)tx->count);
	wcur_be16(&c, tx->max_adver_int);	/* reserved bits stay zero */
	wcur_be16(&c, 0);
	for (i = 0; i < tx->count; i++)
		wcur_bytes(&c, tx->addrs[i].u.bytes, alen);
	if (c.err)
		return -ENOSPC;

	sum = sum16(0, buf, c.off);
	if (src->family == AF_INET6 || tx->csum == VRRP_CSUM_PSEUDO)
		sum += pseudo_sum(src, dst, c.off);
	csum = (uint16_t)~fold(sum);
	buf[VRRP_OFF_CSUM] = (uint8_t)(csum >> 8);
	buf[VRRP_OFF_CSUM + 1] = (uint8_t)csum;
	return (int)c.off;
}
