/* Segmentation and coalescing of TCP super-packets. Packets are built here
 * byte by byte and every checksum is checked with a plain byte-wise
 * reference sum of this file's own, not with the code under test. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/testutil.h"
#include <linux/virtio_net.h>

#include "vpn/gso.h"

#define HEADROOM 16
#define SEG_CAP 2048
#define NSEGS 64
#define BIG (GSO_MAX_PACKET + 64)

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_CWR 0x80

static uint8_t segbuf[NSEGS][SEG_CAP];
static struct gso_seg segs[NSEGS];

/* ---- packet fields (reference checksum in testutil.h) ---- */

static bool v6_of(const uint8_t *ip)
{
	return ip[0] >> 4 == 6;
}

static size_t iphl_of(const uint8_t *ip)
{
	return v6_of(ip) ? 40 : (size_t)(ip[0] & 15) * 4;
}

static uint32_t ref_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t acc = v6_of(ip) ? ref_add(0, ip + 8, 32) : ref_add(0, ip + 12, 8);

	return acc + proto + (uint32_t)l4len;
}

static bool ref_ip_ok(const uint8_t *ip)
{
	return v6_of(ip) || ref_fold(ref_add(0, ip, iphl_of(ip))) == 0xffff;
}

static bool ref_l4_ok(const uint8_t *ip, size_t len, uint8_t proto)
{
	size_t hl = iphl_of(ip);

	return ref_fold(ref_add(ref_pseudo(ip, proto, len - hl), ip + hl, len - hl)) == 0xffff;
}

/* ---- building packets ---- */

struct flow {
	bool v6;
	uint16_t sport, dport;
	uint8_t ttl, tos;
	bool ts;                 /* NOP NOP timestamp */
	uint32_t tsval;
	size_t ipopt;            /* IPv4 option bytes (NOPs), multiple of 4 */
};

static const uint8_t a4[2][4] = { { 10, 1, 0, 2 }, { 10, 2, 0, 9 } };
static const uint8_t a6[2][16] = {
	{ 0xfd, 1, [15] = 2 }, { 0xfd, 2, [14] = 0x12, [15] = 0x34 }
};

static void fill_payload(uint8_t *p, size_t n, uint32_t seq)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((seq + i) * 7 + ((seq + i) >> 8));
}

/* An IP + TCP packet with plen bytes of payload (pattern by sequence
 * number) and correct checksums; returns its length. */
static size_t build_tcp(uint8_t *out, const struct flow *f, uint32_t seq, uint32_t ack,
			uint8_t flags, uint16_t win, size_t plen)
{
	size_t iphl = f->v6 ? 40 : 20 + f->ipopt, thl = f->ts ? 32 : 20;
	size_t len = iphl + thl + plen;
	uint8_t *t = out + iphl;

	memset(out, 0, iphl + thl);
	if (f->v6) {
		out[0] = 0x60 | (f->tos >> 4);
		out[1] = (uint8_t)(f->tos << 4) | 0x0a;
		out[2] = 0xbc;
		out[3] = 0xde;
		wr16(out + 4, (uint16_t)(len - 40));
		out[6] = 6;
		out[7] = f->ttl;
		memcpy(out + 8, a6[0], 16);
		memcpy(out + 24, a6[1], 16);
	} else {
		out[0] = (uint8_t)(0x40 | iphl / 4);
		out[1] = f->tos;
		wr16(out + 2, (uint16_t)len);
		wr16(out + 4, 0x1234);
		wr16(out + 6, 0x4000);                   /* DF */
		out[8] = f->ttl;
		out[9] = 6;
		memcpy(out + 12, a4[0], 4);
		memcpy(out + 16, a4[1], 4);
		memset(out + 20, 1, f->ipopt);
		wr16(out + 10, (uint16_t)~ref_fold(ref_add(0, out, iphl)));
	}
	wr16(t, f->sport);
	wr16(t + 2, f->dport);
	wr32(t + 4, seq);
	wr32(t + 8, ack);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = flags;
	wr16(t + 14, win);
	if (f->ts) {
		t[20] = 1;
		t[21] = 1;
		t[22] = 8;
		t[23] = 10;
		wr32(t + 24, f->tsval);
		wr32(t + 28, 0x01020304);
	}
	fill_payload(out + iphl + thl, plen, seq);
	wr16(t + 16, (uint16_t)~ref_fold(ref_add(ref_pseudo(out, 6, len - iphl), t, len - iphl)));
	return len;
}

/* Turns a built packet into what TSO hands over: the TCP checksum field
 * holding the pseudo-header sum, and the matching virtio header. */
static struct vnet_hdr make_super(uint8_t *ip, size_t len, uint16_t gso_size)
{
	size_t hl = iphl_of(ip), thl = (size_t)(ip[hl + 12] >> 4) * 4;
	struct vnet_hdr h = {
		.flags = VNET_F_NEEDS_CSUM,
		.gso_type = v6_of(ip) ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
		.hdr_len = (uint16_t)(hl + thl),
		.gso_size = gso_size,
		.csum_start = (uint16_t)hl,
		.csum_offset = 16,
	};

	wr16(ip + hl + 16, ref_fold(ref_pseudo(ip, 6, len - hl)));
	return h;
}

static void reset_segs(void)
{
	size_t i;

	memset(segbuf, 0xaa, sizeof(segbuf));
	for (i = 0; i < NSEGS; i++) {
		segs[i].buf = segbuf[i];
		segs[i].cap = SEG_CAP;
		segs[i].len = 0;
	}
}

static struct flow flow_default(bool v6, bool ts)
{
	return (struct flow){ .v6 = v6, .sport = 40000, .dport = 443, .ttl = 64, .tos = 0,
			      .ts = ts, .tsval = 777 };
}

/* ---- the virtio header ---- */

static void test_constants(void **state)
{
	assert_int_equal(VNET_HDR_LEN, sizeof(struct virtio_net_hdr));
	assert_int_equal(VNET_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(VNET_F_DATA_VALID, VIRTIO_NET_HDR_F_DATA_VALID);
	assert_int_equal(VNET_GSO_NONE, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(VNET_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(VNET_GSO_TCPV6, VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(VNET_GSO_UDP, VIRTIO_NET_HDR_GSO_UDP);
	assert_int_equal(VNET_GSO_ECN, VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(offsetof(struct virtio_net_hdr, hdr_len), 2);
	assert_int_equal(offsetof(struct virtio_net_hdr, csum_offset), 8);
}

static void test_vnet_hdr(void **state)
{
	const struct vnet_hdr h = { .flags = 1, .gso_type = 4, .hdr_len = 0x1234,
				    .gso_size = 0x0578, .csum_start = 0x28, .csum_offset = 0x10 };
	const uint8_t want[VNET_HDR_LEN] = { 1, 4, 0x34, 0x12, 0x78, 0x05, 0x28, 0, 0x10, 0 };
	uint8_t b[VNET_HDR_LEN];
	struct vnet_hdr g;

	vnet_hdr_build(&h, b);
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(vnet_hdr_parse(b, sizeof(b), &g), 0);
	assert_memory_equal(&g, &h, sizeof(g));
	assert_int_equal(vnet_hdr_parse(b, 9, &g), -EINVAL);
	assert_int_equal(vnet_hdr_parse(b, 0, &g), -EINVAL);
}

/* ---- splitting ---- */

/* Splits a fresh super-packet of flow f and checks every segment against
 * the original, field by field. */
static void check_split(const struct flow *f, size_t payload, uint16_t mss, uint8_t flags)
{
	static uint8_t sp[BIG];
	const uint32_t seq0 = 0xfffff000u;         /* wraps within the packet */
	size_t len = build_tcp(sp, f, seq0, 99, flags, 501, payload);
	size_t hl = iphl_of(sp), thl = f->ts ? 32 : 20, want = (payload + mss - 1) / mss, i;
	struct vnet_hdr h = make_super(sp, len, mss);
	int n;

	reset_segs();
	n = gso_split(&h, sp, len, segs, NSEGS, HEADROOM);
	assert_int_equal(n, (int)want);
	for (i = 0; i < want; i++) {
		const uint8_t *o = segs[i].buf + HEADROOM, *t = o + hl;
		size_t plen = i + 1 < want ? mss : payload - i * mss;
		uint8_t wf = flags;
		size_t k;

		for (k = 0; k < HEADROOM; k++)
			assert_int_equal(segs[i].buf[k], 0xaa);
		assert_int_equal(segs[i].len, hl + thl + plen);
		if (f->v6) {
			assert_int_equal(rd16(o + 4), thl + plen);
			assert_memory_equal(o, sp, 4);
			assert_memory_equal(o + 6, sp + 6, 34);
		} else {
			assert_int_equal(rd16(o + 2), hl + thl + plen);
			assert_int_equal(rd16(o + 4), (uint16_t)(0x1234 + i));
			assert_memory_equal(o + 6, sp + 6, 4);
			assert_memory_equal(o + 12, sp + 12, hl - 12);
		}
		assert_true(ref_ip_ok(o));
		assert_memory_equal(t, sp + hl, 4);
		assert_int_equal(rd32(t + 4), (uint32_t)(seq0 + i * mss));
		assert_memory_equal(t + 8, sp + hl + 8, 5);
		if (i + 1 < want)
			wf &= (uint8_t)~(F_FIN | F_PSH);
		if (i > 0)
			wf &= (uint8_t)~F_CWR;
		assert_int_equal(t[13], wf);
		assert_memory_equal(t + 14, sp + hl + 14, 2);
		assert_memory_equal(t + 18, sp + hl + 18, thl - 18);
		assert_memory_equal(t + thl, sp + hl + thl + i * mss, plen);
		assert_true(ref_l4_ok(o, segs[i].len, 6));
	}
	/* the buffer after the last segment is untouched */
	assert_int_equal(segs[want].buf[0], 0xaa);
}

static void test_split_v4(void **state)
{
	struct flow f = flow_default(false, false);

	check_split(&f, 14000, 1400, F_ACK | F_PSH);          /* even */
	check_split(&f, 14001, 1400, F_ACK | F_PSH | F_FIN);  /* odd last */
	check_split(&f, 1, 1400, F_ACK | F_CWR);             /* one segment */
	check_split(&f, 5000, 1000, F_ACK | F_CWR | F_PSH);
	f.ts = true;
	check_split(&f, 9999, 1388, F_ACK | F_PSH);
	f.ipopt = 8;
	check_split(&f, 9999, 1380, F_ACK);
	f.ipopt = 40;                                      /* largest header */
	check_split(&f, 63000, 1200, F_ACK);
}

static void test_split_v6(void **state)
{
	struct flow f = flow_default(true, false);

	check_split(&f, 14000, 1380, F_ACK | F_PSH);
	check_split(&f, 14001, 1380, F_ACK | F_PSH | F_FIN);
	f.ts = true;
	f.tos = 0xb8;
	check_split(&f, 7777, 1368, F_ACK | F_CWR);
	check_split(&f, 65000, 1368, F_ACK);
}

static void test_split_ecn_flag(void **state)
{
	static uint8_t sp[BIG];
	struct flow f = flow_default(false, false);
	size_t len = build_tcp(sp, &f, 1, 1, F_ACK | F_CWR, 100, 3000);
	struct vnet_hdr h = make_super(sp, len, 1000);

	h.gso_type |= VNET_GSO_ECN;
	reset_segs();
	assert_int_equal(gso_split(&h, sp, len, segs, NSEGS, HEADROOM), 3);
	assert_int_equal(segs[0].buf[HEADROOM + 20 + 13], F_ACK | F_CWR);
	assert_int_equal(segs[1].buf[HEADROOM + 20 + 13], F_ACK);
}

/* UDP GSO: every datagram gets its own length and checksum. */
static void test_split_udp(void **state)
{
	static uint8_t sp[BIG];
	int v;

	for (v = 0; v < 2; v++) {
		size_t hl = v ? 40 : 20, payload = 4000, len = hl + 8 + payload, i;
		struct vnet_hdr h = { .flags = VNET_F_NEEDS_CSUM, .gso_type = VNET_GSO_UDP_L4,
				      .hdr_len = (uint16_t)(hl + 8), .gso_size = 1200,
				      .csum_start = (uint16_t)hl, .csum_offset = 6 };
		struct flow f = flow_default(v, false);

		/* a TCP packet of the right size, turned into UDP */
		build_tcp(sp, &f, 0, 0, F_ACK, 0, payload - 12);
		fill_payload(sp + hl + 8, payload, 5);
		if (v) {
			sp[6] = 17;
			wr16(sp + 4, (uint16_t)(len - 40));
		} else {
			sp[9] = 17;
			wr16(sp + 2, (uint16_t)len);
		}
		wr16(sp + hl + 4, (uint16_t)(len - hl));
		reset_segs();
		assert_int_equal(gso_split(&h, sp, len, segs, NSEGS, HEADROOM), 4);
		for (i = 0; i < 4; i++) {
			const uint8_t *o = segs[i].buf + HEADROOM;
			size_t plen = i < 3 ? 1200 : 400;

			assert_int_equal(segs[i].len, hl + 8 + plen);
			assert_int_equal(rd16(o + hl + 4), 8 + plen);
			assert_memory_equal(o + hl, sp + hl, 4);
			assert_memory_equal(o + hl + 8, sp + hl + 8 + i * 1200, plen);
			assert_true(ref_ip_ok(o));
			assert_true(ref_l4_ok(o, segs[i].len, 17));
			assert_int_not_equal(rd16(o + hl + 6), 0);
		}
	}
}

/* GSO_NONE: copied as is, or with the partial checksum completed. */
static void test_split_none(void **state)
{
	static uint8_t p[2000];
	struct flow f = flow_default(false, true);
	size_t len = build_tcp(p, &f, 5, 6, F_ACK | F_PSH, 7, 1001);
	struct vnet_hdr h = { 0 };

	reset_segs();
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), 1);
	assert_int_equal(segs[0].len, len);
	assert_memory_equal(segs[0].buf + HEADROOM, p, len);
	assert_int_equal(segs[1].buf[0], 0xaa);

	/* not even IP: still passed through */
	reset_segs();
	assert_int_equal(gso_split(&h, (const uint8_t *)"xyz", 3, segs, NSEGS, 0), 1);
	assert_memory_equal(segs[0].buf, "xyz", 3);

	/* CHECKSUM_PARTIAL: seeded with the pseudo-header sum, completed */
	h = make_super(p, len, 0);
	h.gso_type = VNET_GSO_NONE;
	h.gso_size = 0;
	assert_false(ref_l4_ok(p, len, 6));
	reset_segs();
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), 1);
	assert_true(ref_l4_ok(segs[0].buf + HEADROOM, len, 6));
	assert_memory_equal(segs[0].buf + HEADROOM, p, 36);
	assert_memory_equal(segs[0].buf + HEADROOM + 38, p + 38, len - 38);

	/* the checksum field must lie inside the packet */
	h.csum_offset = (uint16_t)(len - 20 - 1);
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), -EINVAL);
	h.csum_offset = 16;
	h.csum_start = 0xffff;
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), -EINVAL);
	h.csum_start = 20;
	h.csum_offset = 0xffff;
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), -EINVAL);
	h.csum_offset = 16;
	assert_int_equal(gso_split(&h, p, 37, segs, NSEGS, HEADROOM), -EINVAL);
	assert_int_equal(gso_split(&h, p, 38, segs, NSEGS, HEADROOM), 1);

	/* room */
	assert_int_equal(gso_split(&h, p, len, segs, 0, HEADROOM), -ENOBUFS);
	segs[0].cap = len + HEADROOM - 1;
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), -EMSGSIZE);
	segs[0].cap = 4;
	assert_int_equal(gso_split(&h, p, len, segs, NSEGS, HEADROOM), -EMSGSIZE);
}

static int split_mutated(void (*mut)(uint8_t *sp, size_t *len, struct vnet_hdr *h), bool v6)
{
	static uint8_t sp[BIG];
	struct flow f = flow_default(v6, true);
	size_t len = build_tcp(sp, &f, 1, 2, F_ACK, 3, 1800);
	struct vnet_hdr h = make_super(sp, len, 400);

	mut(sp, &len, &h);
	reset_segs();
	return gso_split(&h, sp, len, segs, NSEGS, HEADROOM);
}

static void m_none(uint8_t *sp, size_t *len, struct vnet_hdr *h) { }
static void m_hdr_len(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->hdr_len = (uint16_t)(*len + 1); }
static void m_gso0(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->gso_size = 0; }
static void m_no_csum(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->flags = 0; }
static void m_cstart(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->csum_start += 4; }
static void m_cstart_far(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->csum_start = 0xfff0; }
static void m_coff(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->csum_offset = 6; }
static void m_coff_far(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->csum_offset = 0xfff0; }
static void m_ufo(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->gso_type = VNET_GSO_UDP; }
static void m_type9(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->gso_type = 9; }
static void m_swap_type(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	h->gso_type = h->gso_type == VNET_GSO_TCPV4 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
}
static void m_udp_type(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->gso_type = VNET_GSO_UDP_L4; }
static void m_trunc_ip(uint8_t *sp, size_t *len, struct vnet_hdr *h) { *len = 19; }
static void m_trunc_tcp(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	*len = iphl_of(sp) + 19;
	wr16(sp + (v6_of(sp) ? 4 : 2), (uint16_t)(v6_of(sp) ? *len - 40 : *len));
	if (!v6_of(sp))
		wr16(sp + 10, 0);
}
static void m_trunc_opts(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	*len = iphl_of(sp) + 31;
	wr16(sp + (v6_of(sp) ? 4 : 2), (uint16_t)(v6_of(sp) ? *len - 40 : *len));
}
static void m_no_payload(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	*len = iphl_of(sp) + 32;
	wr16(sp + (v6_of(sp) ? 4 : 2), (uint16_t)(v6_of(sp) ? *len - 40 : *len));
}
static void m_short_len(uint8_t *sp, size_t *len, struct vnet_hdr *h) { *len -= 1; }
static void m_iplen(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	uint8_t *l = sp + (v6_of(sp) ? 4 : 2);

	wr16(l, (uint16_t)(rd16(l) + 1));
}
static void m_version(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[0] = (uint8_t)(0x50 | (sp[0] & 15)); }
static void m_ihl_small(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[0] = 0x44; }
static void m_ihl_big(uint8_t *sp, size_t *len, struct vnet_hdr *h)
{
	sp[0] = 0x4f;
	*len = 40;
	wr16(sp + 2, 40);
	h->hdr_len = 0;
}
static void m_frag(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[6] |= 0x20; }
static void m_frag_off(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[7] = 1; }
static void m_proto(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[v6_of(sp) ? 6 : 9] = 17; }
static void m_v6_ext(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[6] = 0; }     /* hop-by-hop */
static void m_doff_small(uint8_t *sp, size_t *len, struct vnet_hdr *h) { sp[iphl_of(sp) + 12] = 0x40; }
static void m_gso_big(uint8_t *sp, size_t *len, struct vnet_hdr *h) { h->gso_size = 60000; }

static void test_split_malformed(void **state)
{
	struct { void (*mut)(uint8_t *, size_t *, struct vnet_hdr *); int v4, v6; } cases[] = {
		{ m_none, 5, 5 },
		{ m_gso_big, 1, 1 },     /* consistent: one segment, the whole payload */
		{ m_hdr_len, -EINVAL, -EINVAL },
		{ m_gso0, -EINVAL, -EINVAL },
		{ m_no_csum, -EINVAL, -EINVAL },
		{ m_cstart, -EINVAL, -EINVAL },
		{ m_cstart_far, -EINVAL, -EINVAL },
		{ m_coff, -EINVAL, -EINVAL },
		{ m_coff_far, -EINVAL, -EINVAL },
		{ m_ufo, -EINVAL, -EINVAL },
		{ m_type9, -EINVAL, -EINVAL },
		{ m_swap_type, -EINVAL, -EINVAL },
		{ m_udp_type, -EINVAL, -EINVAL },
		{ m_trunc_ip, -EINVAL, -EINVAL },
		{ m_trunc_tcp, -EINVAL, -EINVAL },
		{ m_trunc_opts, -EINVAL, -EINVAL },
		{ m_no_payload, -EINVAL, -EINVAL },
		{ m_short_len, -EINVAL, -EINVAL },
		{ m_iplen, -EINVAL, -EINVAL },
		{ m_version, -EINVAL, -EINVAL },
		{ m_proto, -EINVAL, -EINVAL },
		{ m_doff_small, -EINVAL, -EINVAL },
	};
	void (*v4only[])(uint8_t *, size_t *, struct vnet_hdr *) = {
		m_ihl_small, m_ihl_big, m_frag, m_frag_off,
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(split_mutated(cases[i].mut, false), cases[i].v4);
		assert_int_equal(split_mutated(cases[i].mut, true), cases[i].v6);
	}
	for (i = 0; i < sizeof(v4only) / sizeof(v4only[0]); i++)
		assert_int_equal(split_mutated(v4only[i], false), -EINVAL);
	/* IPv6 extension headers are not supported */
	assert_int_equal(split_mutated(m_v6_ext, true), -EINVAL);
}

static void test_split_room(void **state)
{
	static uint8_t sp[BIG];
	struct flow f = flow_default(false, false);
	size_t len = build_tcp(sp, &f, 1, 2, F_ACK, 3, 5000);
	struct vnet_hdr h = make_super(sp, len, 1000);
	size_t l;

	reset_segs();
	assert_int_equal(gso_split(&h, sp, len, segs, 4, HEADROOM), -ENOBUFS);
	assert_int_equal(gso_split(&h, sp, len, segs, 5, HEADROOM), 5);
	segs[3].cap = HEADROOM + 1039;
	assert_int_equal(gso_split(&h, sp, len, segs, 5, HEADROOM), -EMSGSIZE);
	segs[3].cap = HEADROOM + 1040;
	assert_int_equal(gso_split(&h, sp, len, segs, 5, HEADROOM), 5);
	assert_int_equal(gso_split(&h, sp, len, segs, 5, SEG_CAP + 1), -EMSGSIZE);

	/* every truncation is refused, none is read past */
	for (l = 0; l < len; l++)
		assert_int_equal(gso_split(&h, sp, l, segs, NSEGS, HEADROOM), -EINVAL);
}

/* ---- coalescing ---- */

struct rx {
	uint8_t *buf[GRO_MAX_ITEMS + 8];
	size_t len[GRO_MAX_ITEMS + 8];
	size_t n;
	struct gro_batch b;
	struct gro_pkt out[GRO_MAX_ITEMS];
};

static struct rx *rx_new(void)
{
	struct rx *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	gro_init(&r->b);
	return r;
}

static void rx_free(struct rx *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->buf[i]);
	free(r);
}

/* Copies one decrypted packet into a buffer of cap bytes at offset 16 and
 * adds it; keeps a pristine copy in len/buf order for comparisons. */
static int rx_add_cap(struct rx *r, const uint8_t *p, size_t len, size_t cap)
{
	uint8_t *b = malloc(cap);

	assert_non_null(b);
	assert_true(r->n < sizeof(r->buf) / sizeof(r->buf[0]));
	memset(b, 0x55, cap);
	memcpy(b + 16, p, len);
	r->buf[r->n] = b;
	r->len[r->n++] = len;
	return gro_add(&r->b, b, cap, 16, len);
}

static int rx_add(struct rx *r, const uint8_t *p, size_t len)
{
	return rx_add_cap(r, p, len, 16 + GSO_MAX_PACKET);
}

static int rx_finish(struct rx *r)
{
	return gro_finish(&r->b, r->out, GRO_MAX_ITEMS);
}

static void assert_passthrough(const struct gro_pkt *o, const uint8_t *p, size_t len)
{
	static const uint8_t zero[VNET_HDR_LEN];

	assert_int_equal(o->len, len + VNET_HDR_LEN);
	assert_memory_equal(o->data, zero, VNET_HDR_LEN);
	assert_memory_equal(o->data + VNET_HDR_LEN, p, len);
}

/* Split a super-packet, coalesce its segments, and get it back: same
 * headers and payload, the header the kernel expects, and a second split
 * identical to the first. */
static void check_roundtrip(const struct flow *f, size_t payload, uint16_t mss)
{
	static uint8_t sp[BIG], seg_copy[NSEGS][SEG_CAP];
	size_t seg_len[NSEGS];
	size_t len = build_tcp(sp, f, 0x7ffffc00u, 4242, F_ACK | F_PSH, 900, payload);
	size_t hl = iphl_of(sp), thl = f->ts ? 32 : 20;
	struct vnet_hdr h = make_super(sp, len, mss), g;
	struct rx *r = rx_new();
	const uint8_t *o;
	int n, i;

	reset_segs();
	n = gso_split(&h, sp, len, segs, NSEGS, HEADROOM);
	assert_true(n > 1);
	for (i = 0; i < n; i++) {
		memcpy(seg_copy[i], segs[i].buf + HEADROOM, segs[i].len);
		seg_len[i] = segs[i].len;
		assert_int_equal(rx_add(r, seg_copy[i], seg_len[i]), i == 0 ? 1 : 0);
	}
	assert_int_equal(r->b.merged, (uint64_t)n - 1);
	assert_int_equal(rx_finish(r), 1);
	o = r->out[0].data;
	assert_ptr_equal(o, r->buf[0] + 16 - VNET_HDR_LEN);
	assert_int_equal(r->out[0].len, VNET_HDR_LEN + len);
	assert_int_equal(vnet_hdr_parse(o, VNET_HDR_LEN, &g), 0);
	assert_int_equal(g.flags, VNET_F_NEEDS_CSUM);
	assert_int_equal(g.gso_type, f->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(g.gso_size, mss);
	assert_int_equal(g.hdr_len, hl + thl);
	assert_int_equal(g.csum_start, hl);
	assert_int_equal(g.csum_offset, 16);
	o += VNET_HDR_LEN;
	/* the original super-packet, its seeded checksum field included */
	assert_memory_equal(o, sp, len);
	assert_true(ref_ip_ok(o));
	assert_int_equal(rd16(o + hl + 16), ref_fold(ref_pseudo(o, 6, len - hl)));

	reset_segs();
	assert_int_equal(gso_split(&g, o, len, segs, NSEGS, HEADROOM), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(segs[i].len, seg_len[i]);
		assert_memory_equal(segs[i].buf + HEADROOM, seg_copy[i], seg_len[i]);
	}
	rx_free(r);
}

static void test_gro_roundtrip(void **state)
{
	struct flow f = flow_default(false, false);

	check_roundtrip(&f, 14000, 1400);
	check_roundtrip(&f, 14001, 1400);
	check_roundtrip(&f, 2 * 1400 + 1, 1400);
	f.ts = true;
	check_roundtrip(&f, 12345, 1388);
	check_roundtrip(&f, 65535 - 52, 1448);           /* the largest */
	f = flow_default(true, false);
	check_roundtrip(&f, 14000, 1380);
	f.ts = true;
	f.tos = 0x28;
	check_roundtrip(&f, 9001, 1368);
	check_roundtrip(&f, 65535 - 72, 1208);
}

/* Two flows interleaved coalesce separately; packets keep the order of
 * their first segments. */
static void test_gro_interleaved(void **state)
{
	static uint8_t p[2000];
	struct flow f1 = flow_default(false, true), f2 = f1, f3 = flow_default(true, false);
	struct rx *r = rx_new();
	size_t i, len;

	f2.sport = 40001;
	f3.sport = 40001;
	for (i = 0; i < 6; i++) {
		len = build_tcp(p, &f1, 1000 + (uint32_t)i * 1000, 1, F_ACK, 9, 1000);
		assert_int_equal(rx_add(r, p, len), i == 0);
		len = build_tcp(p, &f2, 9000 + (uint32_t)i * 500, 1, F_ACK, 9, 500);
		assert_int_equal(rx_add(r, p, len), i == 0);
		len = build_tcp(p, &f3, 5 + (uint32_t)i * 1200, 1, F_ACK, 9, 1200);
		assert_int_equal(rx_add(r, p, len), i == 0);
	}
	assert_int_equal(rx_finish(r), 3);
	assert_int_equal(r->out[0].len, VNET_HDR_LEN + 52 + 6000);
	assert_int_equal(r->out[1].len, VNET_HDR_LEN + 52 + 3000);
	assert_int_equal(r->out[2].len, VNET_HDR_LEN + 60 + 7200);
	assert_int_equal(rd16(r->out[1].data + VNET_HDR_LEN + 20), 40001);
	assert_int_equal(r->out[2].data[1], VNET_GSO_TCPV6);
	/* the batch is empty again and reusable */
	assert_int_equal(r->b.n, 0);
	assert_int_equal(rx_finish(r), 0);
	rx_free(r);
}

/* A packet p2 that breaks one rule after p1: both go out as they came. */
static void expect_apart(const uint8_t *p1, size_t l1, const uint8_t *p2, size_t l2)
{
	struct rx *r = rx_new();

	assert_int_equal(rx_add(r, p1, l1), 1);
	assert_int_equal(rx_add(r, p2, l2), 1);
	assert_int_equal(rx_finish(r), 2);
	assert_passthrough(&r->out[0], p1, l1);
	assert_passthrough(&r->out[1], p2, l2);
	rx_free(r);
}

static void expect_together(const uint8_t *p1, size_t l1, const uint8_t *p2, size_t l2)
{
	struct rx *r = rx_new();

	assert_int_equal(rx_add(r, p1, l1), 1);
	assert_int_equal(rx_add(r, p2, l2), 0);
	assert_int_equal(rx_finish(r), 1);
	assert_int_equal(r->out[0].data[1] & 0x7f, v6_of(p1) ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4);
	rx_free(r);
}

static void test_gro_rules(void **state)
{
	static uint8_t a[2000], b[2000];
	int v;

	for (v = 0; v < 2; v++) {
		struct flow f = flow_default(v, true), g;
		size_t la = build_tcp(a, &f, 100, 7, F_ACK, 9, 1000), lb;

#define SECOND(expr) do { g = f; expr; } while (0)
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
		expect_together(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK | F_PSH, 9, 999);
		expect_together(a, la, b, lb);
		lb = build_tcp(b, &f, 1101, 7, F_ACK, 9, 1000);          /* gap */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 99, 7, F_ACK, 9, 1000);            /* before: no prepend */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 8, F_ACK, 9, 1000);          /* ACK */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 10, 1000);         /* window */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1001);          /* bigger */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK | F_FIN, 9, 1000);
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK | F_RST, 9, 1000);
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK | F_CWR, 9, 1000);
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK | 0x20, 9, 1000);   /* URG */
		expect_apart(a, la, b, lb);
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 0);             /* pure ACK */
		expect_apart(a, la, b, lb);
		SECOND(g.sport++);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		SECOND(g.dport++);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		SECOND(g.ttl--);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		SECOND(g.tos = 4);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		SECOND(g.tsval++);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		SECOND(g.ts = false);
		lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb);
		/* a bad TCP checksum on either side */
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
		b[lb - 1] ^= 1;
		expect_apart(a, la, b, lb);
		b[lb - 1] ^= 1;
		a[la - 1] ^= 1;
		expect_apart(a, la, b, lb);
		a[la - 1] ^= 1;
		/* a different address */
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
		b[v ? 39 : 19] ^= 1;
		expect_apart(a, la, b, lb);
		/* trailing bytes beyond the IP length */
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
		expect_apart(a, la, b, lb + 1);
		/* a SACK block instead of the timestamp */
		lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
		b[(v ? 40 : 20) + 22] = 5;
		expect_apart(a, la, b, lb);
		if (!v) {
			lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
			b[6] = 0;                                 /* DF off */
			wr16(b + 10, 0);
			wr16(b + 10, (uint16_t)~ref_fold(ref_add(0, b, 20)));
			expect_apart(a, la, b, lb);
			lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
			b[10] ^= 1;                               /* IP checksum */
			expect_apart(a, la, b, lb);
			SECOND(g.ipopt = 4);                     /* IP options */
			lb = build_tcp(b, &g, 1100, 7, F_ACK, 9, 1000);
			expect_apart(a, la, b, lb);
			expect_apart(b, lb, a, la);
		} else {
			lb = build_tcp(b, &f, 1100, 7, F_ACK, 9, 1000);
			b[3] ^= 1;                                /* flow label */
			expect_apart(a, la, b, lb);
		}
#undef SECOND
	}
}

/* Nothing follows a short segment, a PSH segment, or a packet that broke
 * the flow; and a packet only grows while its buffer and 64 KiB allow. */
static void test_gro_closing(void **state)
{
	static uint8_t p[2000];
	struct flow f = flow_default(false, false);
	struct rx *r;
	size_t len;

	r = rx_new();
	len = build_tcp(p, &f, 0, 1, F_ACK, 9, 1000);
	assert_int_equal(rx_add(r, p, len), 1);
	len = build_tcp(p, &f, 1000, 1, F_ACK, 9, 500);
	assert_int_equal(rx_add(r, p, len), 0);
	len = build_tcp(p, &f, 1500, 1, F_ACK, 9, 500);
	assert_int_equal(rx_add(r, p, len), 1);
	len = build_tcp(p, &f, 2000, 1, F_ACK | F_PSH, 9, 500);
	assert_int_equal(rx_add(r, p, len), 0);
	len = build_tcp(p, &f, 2500, 1, F_ACK, 9, 500);
	assert_int_equal(rx_add(r, p, len), 1);
	/* a FIN in the middle: what follows must not jump ahead of it */
	len = build_tcp(p, &f, 3000, 1, F_ACK | F_FIN, 9, 500);
	assert_int_equal(rx_add(r, p, len), 1);
	len = build_tcp(p, &f, 3000, 1, F_ACK, 9, 500);
	assert_int_equal(rx_add(r, p, len), 1);
	assert_int_equal(rx_finish(r), 5);
	assert_int_equal(r->out[0].len, VNET_HDR_LEN + 40 + 1500);
	assert_int_equal(r->out[1].len, VNET_HDR_LEN + 40 + 1000);
	assert_int_equal(r->out[1].data[VNET_HDR_LEN + 33], F_ACK | F_PSH);
	assert_int_equal(r->out[2].len, VNET_HDR_LEN + 40 + 500);
	assert_int_equal(r->out[2].data[1], VNET_GSO_NONE);
	rx_free(r);

	/* the buffer's capacity bounds the growth */
	r = rx_new();
	len = build_tcp(p, &f, 0, 1, F_ACK, 9, 1000);
	assert_int_equal(rx_add_cap(r, p, len, 16 + 2040), 1);
	len = build_tcp(p, &f, 1000, 1, F_ACK, 9, 1000);
	assert_int_equal(rx_add_cap(r, p, len, 16 + 1040), 0);
	len = build_tcp(p, &f, 2000, 1, F_ACK, 9, 1000);
	assert_int_equal(rx_add_cap(r, p, len, 16 + 1040), 1);
	assert_int_equal(rx_finish(r), 2);
	assert_int_equal(r->out[0].len, VNET_HDR_LEN + 2040);
	rx_free(r);

	/* and so does 64 KiB: 65 segments of 1000 go out as 64 + 1 */
	r = rx_new();
	for (size_t i = 0; i < 66; i++) {
		len = build_tcp(p, &f, (uint32_t)i * 1000, 1, F_ACK, 9, 1000);
		rx_add(r, p, len);
	}
	assert_int_equal(rx_finish(r), 2);
	assert_int_equal(r->out[0].len, VNET_HDR_LEN + 40 + 65 * 1000);
	assert_int_equal(r->out[1].len, VNET_HDR_LEN + 40 + 1000);
	rx_free(r);
}

static void test_gro_malformed(void **state)
{
	static uint8_t p[2000], junk[100];
	struct flow f = flow_default(false, true);
	size_t len = build_tcp(p, &f, 0, 1, F_ACK, 9, 1000), l, i;
	struct gro_batch *b = calloc(1, sizeof(*b));
	struct gro_pkt out[2];
	uint8_t buf[64] = { 0 };
	struct rx *r;

	/* every truncation of a good segment, after that segment, and after
	 * a copy of each: all go out as they came */
	for (l = 0; l < len; l++) {
		r = rx_new();
		assert_int_equal(rx_add(r, p, len), 1);
		assert_int_equal(rx_add(r, p, l), 1);
		assert_int_equal(rx_finish(r), 2);
		assert_passthrough(&r->out[1], p, l);
		rx_free(r);
	}
	/* header fields that point beyond the packet */
	for (i = 0; i < 60; i++) {
		static uint8_t q[2000];

		memcpy(q, p, len);
		q[i] = 0xff;
		r = rx_new();
		assert_int_equal(rx_add(r, q, len), 1);
		rx_add(r, p, len);
		assert_true(rx_finish(r) >= 1);
		assert_passthrough(&r->out[0], q, len);
		rx_free(r);
	}
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 0x45);
	r = rx_new();
	assert_int_equal(rx_add(r, junk, sizeof(junk)), 1);
	assert_int_equal(rx_finish(r), 1);
	assert_passthrough(&r->out[0], junk, sizeof(junk));
	rx_free(r);

	/* the caller's mistakes */
	gro_init(b);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 9, 10), -EINVAL);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 10, 55), -EINVAL);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 65, 0), -EINVAL);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 10, 54), 1);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 10, 54), 1);
	assert_int_equal(gro_finish(b, out, 1), -ENOBUFS);
	assert_int_equal(b->n, 2);
	for (i = 2; i < GRO_MAX_ITEMS; i++)
		assert_int_equal(gro_add(b, buf, sizeof(buf), 10, 0), 1);
	assert_int_equal(gro_add(b, buf, sizeof(buf), 10, 0), -ENOSPC);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_vnet_hdr),
		cmocka_unit_test(test_split_v4),
		cmocka_unit_test(test_split_v6),
		cmocka_unit_test(test_split_ecn_flag),
		cmocka_unit_test(test_split_udp),
		cmocka_unit_test(test_split_none),
		cmocka_unit_test(test_split_malformed),
		cmocka_unit_test(test_split_room),
		cmocka_unit_test(test_gro_roundtrip),
		cmocka_unit_test(test_gro_interleaved),
		cmocka_unit_test(test_gro_rules),
		cmocka_unit_test(test_gro_closing),
		cmocka_unit_test(test_gro_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
