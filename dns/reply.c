#include "config.h"

#include <errno.h>
#include <string.h>

#include "dns/reply.h"

/* Whether a name at off uses no pointer to opt_off or later. */
static bool name_before(const uint8_t *msg, size_t len, size_t off, size_t opt_off)
{
	while (off < len) {
		uint8_t l = msg[off];

		if ((l & 0xc0) == 0xc0)
			return off + 1 < len && ((size_t)(l & 0x3f) << 8 | msg[off + 1]) < opt_off;
		if (!l)
			return true;
		off += 1u + l;
	}
	return false;
}

static size_t stored_off(const struct dns_reply_info *ri, size_t off)
{
	return ri->edns.present && off > ri->edns.off ? off - ri->edns.len : off;
}

int dns_reply_scan(const uint8_t *msg, size_t len, struct dns_reply_info *ri,
		   uint16_t *ttl_offs, unsigned max)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	size_t off = DNS_HDR_LEN;
	uint8_t name[DNS_NAME_MAX];
	int r;

	memset(ri, 0, sizeof(*ri));
	ri->min_ttl = UINT32_MAX;
	if (dns_hdr_parse(msg, len, &ri->hdr) || ri->hdr.qdcount != 1 ||
	    dns_question_parse(msg, len, &off, name, &ri->qname_len, &ri->qtype, &ri->qclass) ||
	    dns_rr_iter_init(&it, msg, len))
		return -EINVAL;
	dns_name_lower(ri->qname, name, ri->qname_len);
	ri->ar_off = it.off;
	ri->opt_movable = true;
	while ((r = dns_rr_next(&it, &rr)) > 0) {
		if (rr.section != DNS_SEC_AR)
			ri->ar_off = rr.end;
		if (rr.type == DNS_T_OPT) {
			if (rr.section != DNS_SEC_AR || ri->edns.present || msg[rr.owner_off])
				return -EINVAL;
			dns_edns_parse(msg, &rr, &ri->edns);
			continue;
		}
		if (ri->edns.present &&
		    (!name_before(msg, len, rr.owner_off, ri->edns.off) ||
		     (rr.type != DNS_T_A && rr.type != DNS_T_AAAA)))
			ri->opt_movable = false;
		if (rr.type == DNS_T_RRSIG || rr.type == DNS_T_NSEC || rr.type == 50 ||
		    rr.type == DNS_T_DS)
			ri->has_dnssec = true;
		if (rr.section != DNS_SEC_AR && rr.ttl < ri->min_ttl)
			ri->min_ttl = rr.ttl;
		if (rr.section == DNS_SEC_NS && rr.type == DNS_T_SOA && !ri->has_soa) {
			size_t o = rr.rdata_off;

			/* MNAME, RNAME, then five 32-bit fields. */
			if (dns_name_skip(msg, rr.end, &o) || dns_name_skip(msg, rr.end, &o) ||
			    rr.end - o != 20)
				return -EINVAL;
			ri->has_soa = true;
			ri->neg_ttl = dns_rd32(msg + o + 16);
			if (rr.ttl < ri->neg_ttl)
				ri->neg_ttl = rr.ttl;
			ri->soa_ttl_off = rr.ttl_off;	/* made stored below */
		}
		if (rr.section == DNS_SEC_AR)
			ri->arcount++;
		if (ttl_offs && ri->nttl < max)
			ttl_offs[ri->nttl] = (uint16_t)rr.ttl_off;
		ri->nttl++;
	}
	if (r < 0)
		return -EINVAL;
	ri->end = it.off;
	if (ri->edns.present) {
		if (ri->edns.off + ri->edns.len == ri->end)
			ri->opt_movable = true;
		ri->stored_len = ri->end - ri->edns.len;
	} else {
		ri->stored_len = ri->end;
	}
	if (ri->has_soa)
		ri->soa_ttl_off = stored_off(ri, ri->soa_ttl_off);
	if (ttl_offs)
		for (unsigned i = 0; i < ri->nttl && i < max; i++)
			ttl_offs[i] = (uint16_t)stored_off(ri, ttl_offs[i]);
	return 0;
}

void dns_reply_copy(const uint8_t *msg, const struct dns_reply_info *ri, size_t from, size_t n,
		    uint8_t *dst)
{
	size_t cut = ri->edns.present ? ri->edns.off : ri->stored_len, f = from, left = n;
	uint8_t *d = dst;

	if (f < cut) {
		size_t k = left < cut - f ? left : cut - f;

		memcpy(d, msg + f, k);
		d += k;
		f += k;
		left -= k;
	}
	if (left)
		memcpy(d, msg + f + ri->edns.len, left);
	/* The header's ARCOUNT no longer counts the OPT. */
	if (from <= 10 && from + n > 10)
		dst[10 - from] = (uint8_t)(ri->arcount >> 8);
	if (from <= 11 && from + n > 11)
		dst[11 - from] = (uint8_t)ri->arcount;
}
