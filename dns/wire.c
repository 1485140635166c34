#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns/wire.h"
#include "lib/cursor.h"

int dns_hdr_parse(const uint8_t *msg, size_t len, struct dns_hdr *h)
{
	struct rcur c = rcur_init(msg, len);

	h->id = rcur_be16(&c);
	h->flags = rcur_be16(&c);
	h->qdcount = rcur_be16(&c);
	h->ancount = rcur_be16(&c);
	h->nscount = rcur_be16(&c);
	h->arcount = rcur_be16(&c);
	return c.err ? -EINVAL : 0;
}

void dns_hdr_write(uint8_t *p, const struct dns_hdr *h)
{
	dns_wr16(p, h->id);
	dns_wr16(p + 2, h->flags);
	dns_wr16(p + 4, h->qdcount);
	dns_wr16(p + 6, h->ancount);
	dns_wr16(p + 8, h->nscount);
	dns_wr16(p + 10, h->arcount);
}

/* Length bytes are at most 63, below 'A', so a name in wire form can be
 * lower-cased and compared byte by byte without finding the labels. */
static inline uint8_t lc(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b | 0x20) : b;
}

void dns_name_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = lc(src[i]);
}

bool dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lc(a[i]) != lc(b[i]))
			return false;
	return true;
}

int dns_name_check(const uint8_t *name, size_t max)
{
	size_t off = 0;

	if (max > DNS_NAME_MAX)
		max = DNS_NAME_MAX;
	while (off < max) {
		uint8_t l = name[off];

		if (l == 0)
			return (int)off + 1;
		if (l > DNS_LABEL_MAX || off + 1 + l >= max)
			return -EINVAL;
		off += 1u + l;
	}
	return -EINVAL;
}

unsigned dns_name_labels(const uint8_t *name, size_t len)
{
	unsigned n = 0;

	for (size_t off = 0; off < len && name[off]; off += 1u + name[off])
		n++;
	return n;
}

size_t dns_name_parent(const uint8_t *name, size_t len)
{
	return name[0] ? 1u + name[0] : len;
}

bool dns_name_under(const uint8_t *name, size_t len, const uint8_t *suffix, size_t slen)
{
	size_t off = 0;

	if (slen > len)
		return false;
	while (off < len - slen)
		off += 1u + name[off];
	return off == len - slen && dns_name_eq(name + off, slen, suffix, slen);
}

int dns_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len,
		  bool lower)
{
	size_t pos = *off, floor = *off, end = 0, n = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len || ++hops > DNS_PTR_HOPS_MAX)
				return -EINVAL;
			target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			/* Strictly below everything read so far: no loops. */
			if (target >= floor)
				return -EINVAL;
			if (!end)
				end = pos + 2;
			floor = target;
			pos = target;
			continue;
		}
		if (l > DNS_LABEL_MAX)
			return -EINVAL;	/* 0x40 and 0x80: obsolete label types */
		if (pos + 1 + l > len || n + 1 + l + (l ? 1 : 0) > DNS_NAME_MAX)
			return -EINVAL;
		out[n] = l;
		if (lower)
			dns_name_lower(out + n + 1, msg + pos + 1, l);
		else
			memcpy(out + n + 1, msg + pos + 1, l);
		n += 1u + l;
		pos += 1u + l;
		if (!l)
			break;
	}
	*off = end ? end : pos;
	*out_len = n;
	return 0;
}

int dns_name_skip(const uint8_t *msg, size_t len, size_t *off)
{
	size_t pos = *off, n = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ((size_t)(l & 0x3f) << 8 | msg[pos + 1]) >= *off)
				return -EINVAL;
			*off = pos + 2;
			return 0;
		}
		if (l > DNS_LABEL_MAX || pos + 1 + l > len)
			return -EINVAL;
		n += 1u + l;
		pos += 1u + l;
		if (n > DNS_NAME_MAX)
			return -EINVAL;
		if (!l)
			break;
	}
	*off = pos;
	return 0;
}

int dns_question_parse(const uint8_t *msg, size_t len, size_t *off, uint8_t *name,
		       uint8_t *name_len, uint16_t *qtype, uint16_t *qclass)
{
	size_t start = *off;
	int n;

	if (start >= len)
		return -EINVAL;
	/* No pointers: in a question they could only point into the header. */
	n = dns_name_check(msg + start, len - start);
	if (n < 0 || len - start - (size_t)n < DNS_QFIX_LEN)
		return -EINVAL;
	memcpy(name, msg + start, (size_t)n);
	*name_len = (uint8_t)n;
	*qtype = dns_rd16(msg + start + (size_t)n);
	*qclass = dns_rd16(msg + start + (size_t)n + 2);
	*off = start + (size_t)n + DNS_QFIX_LEN;
	return 0;
}

static void iter_start(struct dns_rr_iter *it, const uint8_t *msg, size_t len, size_t off,
		       const struct dns_hdr *h)
{
	it->msg = msg;
	it->len = len;
	it->off = off;
	it->left[DNS_SEC_AN] = h->ancount;
	it->left[DNS_SEC_NS] = h->nscount;
	it->left[DNS_SEC_AR] = h->arcount;
	it->section = DNS_SEC_AN;
}

int dns_rr_iter_init(struct dns_rr_iter *it, const uint8_t *msg, size_t len)
{
	struct dns_hdr h;
	size_t off = DNS_HDR_LEN;

	if (dns_hdr_parse(msg, len, &h))
		return -EINVAL;
	for (unsigned i = 0; i < h.qdcount; i++) {
		int n = off < len ? dns_name_check(msg + off, len - off) : -EINVAL;

		if (n < 0 || len - off - (size_t)n < DNS_QFIX_LEN)
			return -EINVAL;
		off += (size_t)n + DNS_QFIX_LEN;
	}
	iter_start(it, msg, len, off, &h);
	return 0;
}

int dns_rr_next(struct dns_rr_iter *it, struct dns_rr *rr)
{
	size_t off = it->off;
	const uint8_t *p;

	while (it->section <= DNS_SEC_AR && !it->left[it->section])
		it->section++;
	if (it->section > DNS_SEC_AR)
		return 0;
	rr->section = (enum dns_section)it->section;
	rr->owner_off = off;
	if (dns_name_skip(it->msg, it->len, &off) || it->len - off < DNS_RRFIX_LEN)
		return -EINVAL;
	p = it->msg + off;
	rr->type = dns_rd16(p);
	rr->class_ = dns_rd16(p + 2);
	rr->ttl_off = off + DNS_RR_TTL_AT;
	rr->ttl = dns_rd32(p + DNS_RR_TTL_AT);
	rr->rdlen = dns_rd16(p + 8);
	rr->rdata_off = off + DNS_RRFIX_LEN;
	if (it->len - rr->rdata_off < rr->rdlen)
		return -EINVAL;
	rr->end = rr->rdata_off + rr->rdlen;
	it->off = rr->end;
	it->left[it->section]--;
	return 1;
}

void dns_edns_parse(const uint8_t *msg, const struct dns_rr *rr, struct dns_edns *e)
{
	e->present = true;
	e->udp_size = rr->class_;
	e->ext_rcode = (uint8_t)(rr->ttl >> 24);
	e->version = (uint8_t)(rr->ttl >> 16);
	e->do_bit = rr->ttl & DNS_EDNS_DO;
	e->off = rr->owner_off;
	e->len = rr->end - rr->owner_off;
}

bool dns_edns_write(uint8_t *out, size_t cap, size_t *off, uint16_t udp_size, bool do_bit,
		    uint8_t ext_rcode)
{
	struct wcur w = wcur_init(out, cap);

	w.off = *off;
	if (w.off > cap)
		return false;
	wcur_u8(&w, 0);
	wcur_be16(&w, DNS_T_OPT);
	wcur_be16(&w, udp_size);
	wcur_be32(&w, (uint32_t)ext_rcode << 24 | (do_bit ? DNS_EDNS_DO : 0));
	wcur_be16(&w, 0);
	if (w.err)
		return false;
	*off = w.off;
	return true;
}

/* Records in a query: only an OPT in the additional section means anything
 * to us, but all must be well-formed. */
static uint8_t query_records(const uint8_t *msg, size_t len, size_t off, struct dns_query *q)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	int r;

	iter_start(&it, msg, len, off, &q->hdr);
	while ((r = dns_rr_next(&it, &rr)) > 0) {
		if (rr.type != DNS_T_OPT)
			continue;
		if (rr.section != DNS_SEC_AR || q->edns.present || msg[rr.owner_off] != 0)
			return DNS_RC_FORMERR;
		dns_edns_parse(msg, &rr, &q->edns);
	}
	if (r < 0) {
		q->edns.present = false;
		return DNS_RC_FORMERR;
	}
	if (q->edns.present && q->edns.version > 0)
		return DNS_RC_BADVERS;
	return DNS_RC_NOERROR;
}

int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off = DNS_HDR_LEN;

	q->rcode = DNS_RC_NOERROR;
	q->has_question = false;
	q->qname_len = 0;
	q->edns.present = false;
	if (dns_hdr_parse(msg, len, &q->hdr) || q->hdr.flags & DNS_F_QR)
		return -EINVAL;
	if (q->hdr.qdcount == 1 &&
	    dns_question_parse(msg, len, &off, q->qname, &q->qname_len, &q->qtype,
			       &q->qclass) == 0) {
		q->has_question = true;
		dns_name_lower(q->lname, q->qname, q->qname_len);
	}
	if (DNS_OPCODE(q->hdr.flags) != DNS_OPCODE_QUERY) {
		q->rcode = DNS_RC_NOTIMP;
		return 0;
	}
	if (!q->has_question) {
		q->rcode = DNS_RC_FORMERR;
		return 0;
	}
	q->rcode = query_records(msg, len, off, q);
	if (q->rcode == DNS_RC_NOERROR && q->qtype == DNS_T_OPT)
		q->rcode = DNS_RC_FORMERR;
	return 0;
}

int dns_name_from_str(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (cap > DNS_NAME_MAX)
		cap = DNS_NAME_MAX;
	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, ".") == 0)
		goto root;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > DNS_LABEL_MAX || n + 1 + l + 1 > cap)
			return -EINVAL;
		out[n] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			uint8_t b = (uint8_t)s[i];

			if (b <= ' ' || b == 0x7f || b == '\\')
				return -EINVAL;
			out[n + 1 + i] = lc(b);
		}
		n += 1 + l;
		s += l;
		if (*s == '.')
			s++;
	}
root:
	if (n + 1 > cap)
		return -EINVAL;
	out[n++] = 0;
	return (int)n;
}

const char *dns_name_to_str(const uint8_t *name, size_t len, char *out, size_t cap)
{
	size_t off = 0, o = 0;

	if (!cap)
		return out;
	if (len == 0 || name[0] == 0) {
		snprintf(out, cap, ".");
		return out;
	}
	while (off < len && name[off]) {
		uint8_t l = name[off];

		for (size_t i = 1; i <= l && off + i < len; i++) {
			uint8_t b = name[off + i];
			char tmp[5];
			size_t tl;

			if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
			    (b >= '0' && b <= '9') || b == '-' || b == '_') {
				tmp[0] = (char)b;
				tl = 1;
			} else {
				snprintf(tmp, sizeof(tmp), "\\%03u", b);
				tl = 4;
			}
			if (o + tl + 2 > cap)
				goto out;
			memcpy(out + o, tmp, tl);
			o += tl;
		}
		if (o + 2 > cap)
			goto out;
		out[o++] = '.';
		off += 1u + l;
	}
out:
	out[o] = '\0';
	return out;
}
