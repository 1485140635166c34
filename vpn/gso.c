/* Segmentation (TUN -> peers) and receive coalescing (peers -> TUN) of
 * TCP super-packets behind a virtio_net_hdr. The rules follow the kernel's
 * own TSO (tcp_gso_segment) and GRO (tcp_gro_receive): what we build must be
 * what the kernel would have built, and what we coalesce must be what the
 * kernel's GRO would have coalesced. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/cursor.h"
#include "vpn/gso.h"

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

_Static_assert(GRO_MAX_ITEMS <= 65535 && GSO_MAX_PACKET <= 65535, "16-bit lengths");

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- Internet checksum (RFC 1071) ----
 * Words are summed in host order, which the one's complement sum does not
 * mind; the folded result, stored back through memcpy, is the sum's bytes in
 * network order. */
static uint64_t csum_acc(uint64_t acc, const uint8_t *p, size_t n)
{
	uint32_t w;
	uint16_t h;

	while (n >= 4) {
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		acc += h;
	}
	return acc;
}

/* The folded sum as the number the checksum field holds in network order. */
static uint16_t csum_fold(uint64_t acc)
{
	uint16_t h;
	uint8_t b[2];

	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	h = (uint16_t)acc;
	memcpy(b, &h, 2);
	return get16(b);
}

/* The pseudo-header (addresses, protocol, L4 length) of IPv4 or IPv6; with
 * lengths below 64 KiB both reduce to the same four-byte tail. */
static uint64_t csum_pseudo(const uint8_t *ip, bool v6, uint8_t proto, size_t l4len)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };
	uint64_t acc;

	acc = v6 ? csum_acc(0, ip + 8, 32) : csum_acc(0, ip + 12, 8);
	return csum_acc(acc, tail, 4);
}

static void ipv4_set_csum(uint8_t *ip, size_t iphl)
{
	ip[10] = ip[11] = 0;
	put16(ip + 10, (uint16_t)~csum_fold(csum_acc(0, ip, iphl)));
}

/* Fills in the L4 checksum at ip + iphl + coff over ip + iphl .. ip + len. */
static void l4_set_csum(uint8_t *ip, size_t iphl, size_t len, bool v6, uint8_t proto,
			size_t coff)
{
	uint8_t *l4 = ip + iphl;
	uint16_t c;

	l4[coff] = l4[coff + 1] = 0;
	c = (uint16_t)~csum_fold(csum_acc(csum_pseudo(ip, v6, proto, len - iphl), l4, len - iphl));
	/* a computed UDP checksum of 0 is sent as all ones (RFC 768) */
	if (c == 0 && proto == IPPROTO_UDP_)
		c = 0xffff;
	put16(l4 + coff, c);
}

static bool l4_csum_ok(const uint8_t *ip, size_t iphl, size_t len, bool v6, uint8_t proto)
{
	return csum_fold(csum_acc(csum_pseudo(ip, v6, proto, len - iphl), ip + iphl,
				  len - iphl)) == 0xffff;
}

/* ---- the virtio header ---- */

int vnet_hdr_parse(const uint8_t *p, size_t len, struct vnet_hdr *h)
{
	struct rcur c = rcur_init(p, len);

	h->flags = rcur_u8(&c);
	h->gso_type = rcur_u8(&c);
	h->hdr_len = rcur_le16(&c);
	h->gso_size = rcur_le16(&c);
	h->csum_start = rcur_le16(&c);
	h->csum_offset = rcur_le16(&c);
	return c.err ? -EINVAL : 0;
}

void vnet_hdr_build(const struct vnet_hdr *h, uint8_t out[VNET_HDR_LEN])
{
	struct wcur c = wcur_init(out, VNET_HDR_LEN);

	wcur_u8(&c, h->flags);
	wcur_u8(&c, h->gso_type);
	wcur_le16(&c, h->hdr_len);
	wcur_le16(&c, h->gso_size);
	wcur_le16(&c, h->csum_start);
	wcur_le16(&c, h->csum_offset);
}

/* ---- splitting ---- */

struct l3 {
	bool v6;
	size_t iphl;
	uint8_t proto;
};

/* An unfragmented IPv4 packet or an IPv6 packet without extension headers
 * whose length fields say exactly len. */
static int ip_parse(const uint8_t *p, size_t len, struct l3 *l)
{
	if (len < 20)
		return -EINVAL;
	switch (p[0] >> 4) {
	case 4:
		l->v6 = false;
		l->iphl = (size_t)(p[0] & 0x0f) * 4;
		l->proto = p[9];
		if (l->iphl < 20 || l->iphl > len || get16(p + 2) != len)
			return -EINVAL;
		if (get16(p + 6) & 0x3fff)              /* MF or an offset */
			return -EINVAL;
		return 0;
	case 6:
		l->v6 = true;
		l->iphl = 40;
		l->proto = p[6];
		if (len < 40 || get16(p + 4) != len - 40)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int split_none(const struct vnet_hdr *h, const uint8_t *pkt, size_t len,
		      struct gso_seg *segs, size_t nsegs, size_t headroom)
{
	size_t cs = h->csum_start, co = h->csum_offset;
	uint8_t *out;

	if (nsegs < 1)
		return -ENOBUFS;
	if (headroom > segs[0].cap || len > segs[0].cap - headroom)
		return -EMSGSIZE;
	if ((h->flags & VNET_F_NEEDS_CSUM) && cs + co + 2 > len)
		return -EINVAL;
	out = segs[0].buf + headroom;
	if (len)
		memcpy(out, pkt, len);
	segs[0].len = len;
	/* The field holds the pseudo-header sum: the sum over the range
	 * including it is the full one. */
	if (h->flags & VNET_F_NEEDS_CSUM)
		put16(out + cs + co, (uint16_t)~csum_fold(csum_acc(0, out + cs, len - cs)));
	return 1;
}

int gso_split(const struct vnet_hdr *h, const uint8_t *pkt, size_t len,
	      struct gso_seg *segs, size_t nsegs, size_t headroom)
{
	uint8_t type = h->gso_type & (uint8_t)~VNET_GSO_ECN;
	size_t hl, thl, payload, nseg, i, gso = h->gso_size;
	uint32_t seq = 0;
	uint16_t id = 0;
	struct l3 l;
	bool tcp;

	if (type == VNET_GSO_NONE)
		return split_none(h, pkt, len, segs, nsegs, headroom);
	if (type != VNET_GSO_TCPV4 && type != VNET_GSO_TCPV6 && type != VNET_GSO_UDP_L4)
		return -EINVAL;
	if (!(h->flags & VNET_F_NEEDS_CSUM) || gso == 0 || h->hdr_len > len)
		return -EINVAL;
	if (ip_parse(pkt, len, &l) < 0)
		return -EINVAL;
	tcp = type != VNET_GSO_UDP_L4;
	if ((type == VNET_GSO_TCPV4 && l.v6) || (type == VNET_GSO_TCPV6 && !l.v6))
		return -EINVAL;
	if (l.proto != (tcp ? IPPROTO_TCP_ : IPPROTO_UDP_))
		return -EINVAL;
	if (h->csum_start != l.iphl || h->csum_offset != (tcp ? TCP_CSUM_OFF : UDP_CSUM_OFF))
		return -EINVAL;
	if (tcp) {
		if (len < l.iphl + 20)
			return -EINVAL;
		thl = (size_t)(pkt[l.iphl + 12] >> 4) * 4;
		if (thl < 20 || thl > len - l.iphl)
			return -EINVAL;
		seq = get32(pkt + l.iphl + 4);
	} else {
		thl = 8;
		if (thl > len - l.iphl)
			return -EINVAL;
	}
	/* hdr_len is not used: the kernel may count payload in it */
	hl = l.iphl + thl;
	payload = len - hl;
	if (payload == 0)
		return -EINVAL;
	nseg = (payload + gso - 1) / gso;
	if (nseg > nsegs)
		return -ENOBUFS;
	if (!l.v6)
		id = get16(pkt + 4);

	for (i = 0; i < nseg; i++) {
		size_t at = hl + i * gso;
		size_t plen = payload - i * gso < gso ? payload - i * gso : gso;
		size_t seglen = hl + plen;
		uint8_t *out, *l4;

		if (headroom > segs[i].cap || seglen > segs[i].cap - headroom)
			return -EMSGSIZE;
		out = segs[i].buf + headroom;
		l4 = out + l.iphl;
		memcpy(out, pkt, hl);
		memcpy(out + hl, pkt + at, plen);
		if (l.v6) {
			put16(out + 4, (uint16_t)(seglen - 40));
		} else {
			put16(out + 2, (uint16_t)seglen);
			put16(out + 4, (uint16_t)(id + i));
			ipv4_set_csum(out, l.iphl);
		}
		if (tcp) {
			put32(l4 + 4, seq + (uint32_t)(i * gso));
			if (i + 1 < nseg)
				l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (i > 0)
				l4[13] &= (uint8_t)~TCP_CWR;
			l4_set_csum(out, l.iphl, seglen, l.v6, IPPROTO_TCP_, TCP_CSUM_OFF);
		} else {
			put16(l4 + 4, (uint16_t)(seglen - l.iphl));
			l4_set_csum(out, l.iphl, seglen, l.v6, IPPROTO_UDP_, UDP_CSUM_OFF);
		}
		segs[i].len = seglen;
	}
	return (int)nseg;
}

/* ---- coalescing ---- */

enum gro_kind {
	GRO_OTHER,       /* not a TCP segment we can name the flow of */
	GRO_FLOW,        /* a TCP segment that must not be coalesced */
	GRO_CAND,        /* may start or continue a coalesced packet */
};

struct gro_meta {
	bool v6;
	uint8_t iphl, thl;
	uint8_t flags;
	size_t plen;
	uint32_t seq;
	uint32_t hash;
};

/* Options made of NOP, EOL padding and one timestamp only: the kernel's
 * GRO compares the option bytes and nothing else may differ per segment. */
static bool tcp_opts_ok(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == 0)
			return true;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i] != 8 || n - i < 10 || o[i + 1] != 10)
			return false;
		i += 10;
	}
	return true;
}

static uint32_t flow_hash(const uint8_t *p, const struct gro_meta *m)
{
	const uint8_t *a = p + (m->v6 ? 8 : 12);
	size_t alen = m->v6 ? 32 : 8, i;
	uint32_t h = 2166136261u;

	for (i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ p[m->iphl + i]) * 16777619u;
	return h ? h : 1;
}

static enum gro_kind gro_parse(const uint8_t *p, size_t len, struct gro_meta *m)
{
	size_t thl;
	struct l3 l;

	if (ip_parse(p, len, &l) < 0 || l.proto != IPPROTO_TCP_)
		return GRO_OTHER;
	if (len < l.iphl + 20)
		return GRO_OTHER;
	thl = (size_t)(p[l.iphl + 12] >> 4) * 4;
	if (thl < 20 || thl > len - l.iphl)
		return GRO_OTHER;
	m->v6 = l.v6;
	m->iphl = (uint8_t)l.iphl;
	m->thl = (uint8_t)thl;
	m->flags = p[l.iphl + 13];
	m->plen = len - l.iphl - thl;
	m->seq = get32(p + l.iphl + 4);
	m->hash = flow_hash(p, m);

	if (!l.v6 && (l.iphl != 20 || csum_fold(csum_acc(0, p, 20)) != 0xffff))
		return GRO_FLOW;
	if ((m->flags & (uint8_t)~TCP_PSH) != TCP_ACK || m->plen == 0)
		return GRO_FLOW;
	if (!tcp_opts_ok(p + l.iphl + 20, thl - 20))
		return GRO_FLOW;
	return GRO_CAND;
}

static inline uint8_t *item_pkt(const struct gro_item *it)
{
	return it->buf + it->off;
}

static bool same_flow(const struct gro_item *it, const uint8_t *p, const struct gro_meta *m)
{
	const uint8_t *h = item_pkt(it);
	size_t a = m->v6 ? 8 : 12, alen = m->v6 ? 32 : 8;

	return it->hash == m->hash && it->v6 == m->v6 &&
	       memcmp(h + a, p + a, alen) == 0 &&
	       memcmp(h + it->iphl, p + m->iphl, 4) == 0;
}

/* Whether p continues the coalesced packet of it, checksums aside. */
static bool can_append(const struct gro_item *it, const uint8_t *p, const struct gro_meta *m)
{
	const uint8_t *h = item_pkt(it);
	const uint8_t *ht = h + it->iphl, *pt = p + m->iphl;

	if (!it->open || m->thl != it->thl || m->seq != it->next_seq || m->plen > it->gso_size)
		return false;
	if (m->plen > GSO_MAX_PACKET - it->len || m->plen > it->cap - it->off - it->len)
		return false;
	if (m->v6) {
		/* version, traffic class, flow label; hop limit */
		if (memcmp(h, p, 4) != 0 || h[7] != p[7])
			return false;
	} else {
		/* TOS; DF and the reserved bit; TTL */
		if (h[1] != p[1] || (h[6] >> 5) != (p[6] >> 5) || h[8] != p[8])
			return false;
	}
	/* ACK number, then window; then the options */
	return memcmp(ht + 8, pt + 8, 4) == 0 && memcmp(ht + 14, pt + 14, 2) == 0 &&
	       memcmp(ht + 20, pt + 20, m->thl - 20) == 0;
}

void gro_init(struct gro_batch *b)
{
	b->n = 0;
	b->merged = 0;
}

static void item_hold(struct gro_batch *b, uint8_t *buf, size_t cap, size_t off, size_t len,
		      enum gro_kind kind, const struct gro_meta *m)
{
	struct gro_item *it = &b->items[b->n++];

	*it = (struct gro_item){ .buf = buf, .cap = cap, .off = off, .len = len, .nseg = 1 };
	if (kind == GRO_OTHER)
		return;
	it->hash = m->hash;
	it->open = kind == GRO_CAND && m->flags == TCP_ACK;
	it->v6 = m->v6;
	it->iphl = m->iphl;
	it->thl = m->thl;
	it->gso_size = (uint16_t)m->plen;
	it->next_seq = m->seq + (uint32_t)m->plen;
}

int gro_add(struct gro_batch *b, uint8_t *buf, size_t cap, size_t off, size_t len)
{
	struct gro_item *it = NULL;
	struct gro_meta m;
	enum gro_kind kind;
	const uint8_t *p;
	size_t i;

	if (off < VNET_HDR_LEN || off > cap || len > cap - off)
		return -EINVAL;
	if (b->n >= GRO_MAX_ITEMS)
		return -ENOSPC;
	p = buf + off;
	kind = gro_parse(p, len, &m);
	if (kind == GRO_OTHER)
		goto hold;
	/* Only the newest packet of the flow may grow: appending to an older
	 * one would put data ahead of what arrived between them. */
	for (i = b->n; i-- > 0;) {
		if (b->items[i].hash && same_flow(&b->items[i], p, &m)) {
			it = &b->items[i];
			break;
		}
	}
	if (kind != GRO_CAND || !it || !can_append(it, p, &m))
		goto hold;
	/* The kernel will not check the checksum of a CHECKSUM_PARTIAL
	 * packet: check every part before it is merged. */
	if (it->nseg == 1 && !l4_csum_ok(item_pkt(it), it->iphl, it->len, it->v6, IPPROTO_TCP_)) {
		it->open = false;
		goto hold;
	}
	if (!l4_csum_ok(p, m.iphl, len, m.v6, IPPROTO_TCP_)) {
		kind = GRO_FLOW;
		goto hold;
	}
	memcpy(item_pkt(it) + it->len, p + m.iphl + m.thl, m.plen);
	it->len += m.plen;
	it->next_seq += (uint32_t)m.plen;
	it->nseg++;
	b->merged++;
	if (m.flags & TCP_PSH) {
		item_pkt(it)[it->iphl + 13] |= TCP_PSH;
		it->open = false;
	}
	if (m.plen < it->gso_size)
		it->open = false;
	return 0;
hold:
	item_hold(b, buf, cap, off, len, kind, &m);
	return 1;
}

static void item_seal(struct gro_item *it)
{
	uint8_t *h = item_pkt(it);
	struct vnet_hdr vh = { 0 };

	if (it->nseg > 1) {
		if (it->v6) {
			put16(h + 4, (uint16_t)(it->len - 40));
		} else {
			put16(h + 2, (uint16_t)it->len);
			ipv4_set_csum(h, it->iphl);
		}
		/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum,
		 * not complemented, over the whole super-packet's length */
		put16(h + it->iphl + TCP_CSUM_OFF,
		      csum_fold(csum_pseudo(h, it->v6, IPPROTO_TCP_, it->len - it->iphl)));
		vh.flags = VNET_F_NEEDS_CSUM;
		vh.gso_type = it->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
		vh.hdr_len = (uint16_t)(it->iphl + it->thl);
		vh.gso_size = it->gso_size;
		vh.csum_start = it->iphl;
		vh.csum_offset = TCP_CSUM_OFF;
	}
	vnet_hdr_build(&vh, h - VNET_HDR_LEN);
}

int gro_finish(struct gro_batch *b, struct gro_pkt *out, size_t nout)
{
	size_t i;

	if (nout < b->n)
		return -ENOBUFS;
	for (i = 0; i < b->n; i++) {
		struct gro_item *it = &b->items[i];

		item_seal(it);
		out[i].data = item_pkt(it) - VNET_HDR_LEN;
		out[i].len = it->len + VNET_HDR_LEN;
	}
	i = b->n;
	b->n = 0;
	return (int)i;
}
