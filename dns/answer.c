#include "config.h"

#include <string.h>

#include "dns/answer.h"
#include "lib/cursor.h"

size_t dns_answer_limit(const struct dns_query *q, bool tcp, uint16_t our_udp)
{
	size_t lim;

	if (tcp)
		return DNS_MSG_MAX;
	if (!q->edns.present)
		return DNS_UDP_MIN;
	lim = q->edns.udp_size < our_udp ? q->edns.udp_size : our_udp;
	return lim < DNS_UDP_MIN ? DNS_UDP_MIN : lim;
}

/* Header flags of every reply: opcode, RD and CD from the query. */
static uint16_t reply_flags(const struct dns_query *q, uint16_t rcode)
{
	return (uint16_t)(DNS_F_QR | DNS_F_RA | (q->hdr.flags & (DNS_F_OPCODE | DNS_F_RD | DNS_F_CD)) |
			  (rcode & DNS_F_RCODE));
}

static void put_question(struct wcur *w, const struct dns_query *q)
{
	wcur_bytes(w, q->qname, q->qname_len);
	wcur_be16(w, q->qtype);
	wcur_be16(w, q->qclass);
}

size_t dns_answer_error(const struct dns_query *q, uint8_t rcode, uint16_t our_udp, uint8_t *out,
			size_t cap)
{
	struct dns_hdr h = { .id = q->hdr.id, .flags = reply_flags(q, rcode) };
	struct wcur w = wcur_init(out, cap);

	h.qdcount = q->has_question;
	h.arcount = q->edns.present;
	wcur_reserve(&w, DNS_HDR_LEN);
	if (q->has_question)
		put_question(&w, q);
	if (w.err)
		return 0;
	dns_hdr_write(out, &h);
	if (q->edns.present &&
	    !dns_edns_write(out, cap, &w.off, our_udp, q->edns.do_bit, (uint8_t)(rcode >> 4)))
		return 0;
	return w.off;
}

/* ---- name compression (RFC 1035 4.1.4) ---- */

#define CDICT_MAX 16

struct cdict_ent {
	uint16_t off;
	uint8_t len;
	const uint8_t *name;
};

struct cdict {
	unsigned n;
	struct cdict_ent e[CDICT_MAX];
};

static void cdict_add(struct cdict *d, size_t off, const uint8_t *name, size_t len)
{
	if (d->n < CDICT_MAX && off < 0x4000)
		d->e[d->n++] = (struct cdict_ent){ .off = (uint16_t)off, .len = (uint8_t)len,
						   .name = name };
}

/* Where in the message the suffix of length slen of name can be pointed at,
 * or 0 if nowhere. */
static size_t cdict_find(const struct cdict *d, const uint8_t *suffix, size_t slen)
{
	for (unsigned i = 0; i < d->n; i++) {
		size_t pos = 0, start = d->e[i].len - slen;

		if (d->e[i].len < slen)
			continue;
		while (pos < start)
			pos += 1u + d->e[i].name[pos];
		if (pos == start && dns_name_eq(d->e[i].name + pos, slen, suffix, slen) &&
		    d->e[i].off + pos < 0x4000)
			return d->e[i].off + pos;
	}
	return 0;
}

static void put_name(struct wcur *w, struct cdict *d, const uint8_t *name, size_t len)
{
	size_t start = w->off;

	for (size_t s = 0; s + 1 < len; s += 1u + name[s]) {
		size_t at = cdict_find(d, name + s, len - s);

		if (at) {
			wcur_bytes(w, name, s);
			wcur_be16(w, (uint16_t)(0xc000 | at));
			return;
		}
	}
	wcur_bytes(w, name, len);
	if (!w->err)
		cdict_add(d, start, name, len);
}

static void put_rr(struct wcur *w, struct cdict *d, const struct zone_rr *rr)
{
	size_t rd;

	if (rr->owner)
		put_name(w, d, rr->owner, rr->owner_len);
	else
		wcur_be16(w, 0xc000 | DNS_HDR_LEN);
	wcur_be16(w, rr->type);
	wcur_be16(w, DNS_C_IN);
	wcur_be32(w, rr->ttl);
	wcur_be16(w, rr->rdlen);
	rd = w->off;
	wcur_bytes(w, rr->rdata, rr->rdlen);
	/* Names in these records' data are written whole; later owners can
	 * point at them (a CNAME's target, for one). */
	if (!w->err && (rr->type == DNS_T_CNAME || rr->type == DNS_T_PTR || rr->type == DNS_T_NS))
		cdict_add(d, rd, rr->rdata, rr->rdlen);
}

size_t dns_answer_zone(const struct dns_query *q, const struct zone_result *r, uint16_t our_udp,
		       size_t limit, uint8_t *out, size_t cap)
{
	size_t opt = q->edns.present ? DNS_OPT_LEN : 0;
	uint16_t rcode = r->status == ZONE_NXDOMAIN ? DNS_RC_NXDOMAIN : DNS_RC_NOERROR;
	struct dns_hdr h = { .id = q->hdr.id, .qdcount = 1 };
	struct cdict d = { 0 };
	struct wcur w;

	if (limit > cap)
		limit = cap;
	if (limit < opt + DNS_HDR_LEN)
		return 0;
	w = wcur_init(out, limit - opt);
	h.flags = (uint16_t)(reply_flags(q, rcode) | DNS_F_AA);
	wcur_reserve(&w, DNS_HDR_LEN);
	put_question(&w, q);
	cdict_add(&d, DNS_HDR_LEN, q->qname, q->qname_len);
	for (unsigned i = 0; i < r->nan; i++)
		put_rr(&w, &d, &r->an[i]);
	for (unsigned i = 0; i < r->nns; i++)
		put_rr(&w, &d, &r->ns[i]);
	if (w.err) {
		/* Too big for this client: the question alone, with TC. */
		w = wcur_init(out, limit - opt);
		wcur_reserve(&w, DNS_HDR_LEN);
		put_question(&w, q);
		if (w.err)
			return 0;
		h.flags |= DNS_F_TC;
	} else {
		h.ancount = (uint16_t)r->nan;
		h.nscount = (uint16_t)r->nns;
	}
	h.arcount = q->edns.present;
	dns_hdr_write(out, &h);
	if (opt && !dns_edns_write(out, limit, &w.off, our_udp, q->edns.do_bit, 0))
		return 0;
	return w.off;
}

/* ---- relays ---- */

void dns_relay_plan(const struct dns_query *q, size_t stored_len, size_t ar_off, size_t limit,
		    struct dns_relay_plan *p)
{
	size_t opt = q->edns.present ? DNS_OPT_LEN : 0;

	p->tc = p->drop_ar = false;
	if (stored_len + opt <= limit) {
		p->copy_len = stored_len;
	} else if (ar_off + opt <= limit) {
		/* Additional data is optional (RFC 2181 9): no TC for it. */
		p->copy_len = ar_off;
		p->drop_ar = true;
	} else {
		p->copy_len = DNS_HDR_LEN + q->qname_len + DNS_QFIX_LEN;
		p->tc = true;
	}
}

size_t dns_relay_finish(const struct dns_query *q, const struct dns_relay_plan *p, uint8_t *out,
			uint16_t our_udp)
{
	uint16_t flags = dns_rd16(out + 2), ar = dns_rd16(out + 10);
	size_t off = p->copy_len;

	flags &= (uint16_t)~(DNS_F_RD | DNS_F_TC | DNS_F_OPCODE);
	flags |= (uint16_t)(DNS_F_QR | DNS_F_RA | (q->hdr.flags & (DNS_F_RD | DNS_F_OPCODE)));
	if (p->tc)
		flags |= DNS_F_TC;
	dns_wr16(out, q->hdr.id);
	dns_wr16(out + 2, flags);
	memcpy(out + DNS_HDR_LEN, q->qname, q->qname_len);
	if (p->tc) {
		dns_wr16(out + 6, 0);
		dns_wr16(out + 8, 0);
	}
	if (p->tc || p->drop_ar)
		ar = 0;
	if (q->edns.present) {
		/* The plan left room for it. */
		dns_edns_write(out, off + DNS_OPT_LEN, &off, our_udp, q->edns.do_bit, 0);
		ar++;
	}
	dns_wr16(out + 10, ar);
	return off;
}

size_t dns_answer_relay(const struct dns_query *q, const uint8_t *reply,
			const struct dns_reply_info *ri, uint16_t our_udp, size_t limit,
			uint8_t *out, size_t cap)
{
	struct dns_relay_plan p;

	if (limit > cap)
		limit = cap;
	if (ri->qname_len != q->qname_len || !ri->opt_movable)
		return 0;
	dns_relay_plan(q, ri->stored_len, ri->ar_off, limit, &p);
	if (ri->hdr.flags & DNS_F_TC) {
		/* Cut upstream already: the client should retry over TCP too. */
		p.copy_len = DNS_HDR_LEN + q->qname_len + DNS_QFIX_LEN;
		p.tc = true;
		p.drop_ar = false;
	}
	if (p.copy_len + (q->edns.present ? DNS_OPT_LEN : 0) > limit)
		return 0;
	dns_reply_copy(reply, ri, 0, p.copy_len, out);
	return dns_relay_finish(q, &p, out, our_udp);
}
