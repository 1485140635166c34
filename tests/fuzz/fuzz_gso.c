/* Segmentation offload fuzz target. The first byte picks the mode:
 *  even: a virtio header and a packet into gso_split(); every segment it
 *        writes must carry a TCP/UDP checksum that verifies;
 *  odd:  a run of packets (2-byte little-endian length, 1 byte of spare
 *        room in 256-byte units, the bytes) into the GRO batch; packets
 *        that go out alone must be byte for byte what came in, and every
 *        coalesced one must split again cleanly.
 * Every buffer is allocated at its exact size so ASan sees any overrun. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/gso.h"

#define MAX_PKTS 128
#define SEG_CAP (16 + GSO_MAX_PACKET)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gso_seg segs[MAX_PKTS];

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* A segment gso_split() built from a GSO packet: its L4 checksum, over
 * the pseudo-header, must verify. */
static void check_l4(const uint8_t *ip, size_t len)
{
	bool v6 = ip[0] >> 4 == 6;
	size_t hl = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
	uint8_t proto = v6 ? ip[6] : ip[9];
	uint32_t acc = v6 ? sum16(0, ip + 8, 32) : sum16(0, ip + 12, 8);

	if (hl > len)
		abort();
	acc += proto + (uint32_t)(len - hl);
	if (sum16(acc, ip + hl, len - hl) != 0xffff)
		abort();
	if (!v6 && sum16(0, ip, hl) != 0xffff)
		abort();
}

static void init_segs(size_t cap)
{
	static uint8_t *mem;
	size_t i;

	if (!mem) {
		mem = malloc((size_t)MAX_PKTS * SEG_CAP);
		if (!mem)
			abort();
	}
	for (i = 0; i < MAX_PKTS; i++) {
		segs[i].buf = mem + i * SEG_CAP;
		segs[i].cap = cap;
	}
}

static void fuzz_split(const uint8_t *data, size_t size)
{
	struct vnet_hdr h;
	uint8_t *pkt;
	size_t len;
	int n, i;

	if (vnet_hdr_parse(data, size, &h) < 0)
		return;
	len = size - VNET_HDR_LEN;
	pkt = malloc(len ? len : 1);
	if (!pkt)
		abort();
	memcpy(pkt, data + VNET_HDR_LEN, len);
	init_segs(16 + 1500);
	n = gso_split(&h, pkt, len, segs, 64, 16);
	for (i = 0; i < n; i++) {
		if (segs[i].len > segs[i].cap - 16)
			abort();
		if ((h.gso_type & 0x7f) != VNET_GSO_NONE)
			check_l4(segs[i].buf + 16, segs[i].len);
	}
	if (n == 1 && h.gso_type == VNET_GSO_NONE && !(h.flags & VNET_F_NEEDS_CSUM) &&
	    (segs[0].len != len || memcmp(segs[0].buf + 16, pkt, len) != 0))
		abort();
	free(pkt);
}

struct rxpkt {
	uint8_t *buf;
	uint8_t *orig;
	size_t cap, len;
};

static void flush(struct gro_batch *b, struct rxpkt *p, size_t np)
{
	static struct gro_pkt out[GRO_MAX_ITEMS];
	struct vnet_hdr h;
	int n, i, k;
	size_t j;

	n = gro_finish(b, out, GRO_MAX_ITEMS);
	if (n < 0)
		abort();
	for (i = 0; i < n; i++) {
		for (j = 0; j < np && out[i].data != p[j].buf + 16 - VNET_HDR_LEN; j++)
			;
		if (j == np || out[i].len > p[j].cap - 16 + VNET_HDR_LEN)
			abort();
		if (vnet_hdr_parse(out[i].data, out[i].len, &h) < 0)
			abort();
		if (h.gso_type == VNET_GSO_NONE) {
			if (out[i].len != p[j].len + VNET_HDR_LEN ||
			    memcmp(out[i].data + VNET_HDR_LEN, p[j].orig, p[j].len) != 0)
				abort();
			continue;
		}
		init_segs(SEG_CAP);
		k = gso_split(&h, out[i].data + VNET_HDR_LEN, out[i].len - VNET_HDR_LEN, segs,
			      MAX_PKTS, 16);
		if (k < 1)
			abort();
		while (k-- > 0)
			check_l4(segs[k].buf + 16, segs[k].len);
	}
}

static void fuzz_gro(const uint8_t *data, size_t size)
{
	static struct gro_batch b;
	struct rxpkt p[MAX_PKTS];
	size_t np = 0, first = 0, i;

	gro_init(&b);
	while (size >= 3 && np < MAX_PKTS) {
		size_t len = (size_t)(data[0] | data[1] << 8), extra = (size_t)data[2] * 256;
		int r;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		p[np].len = len;
		p[np].cap = 16 + len + extra;
		p[np].buf = malloc(p[np].cap);
		p[np].orig = malloc(len ? len : 1);
		if (!p[np].buf || !p[np].orig)
			abort();
		memcpy(p[np].buf + 16, data, len);
		memcpy(p[np].orig, data, len);
		data += len;
		size -= len;
		r = gro_add(&b, p[np].buf, p[np].cap, 16, len);
		if (r == -ENOSPC) {
			flush(&b, p + first, np - first);
			first = np;
			r = gro_add(&b, p[np].buf, p[np].cap, 16, len);
		}
		if (r != 0 && r != 1)
			abort();
		np++;
	}
	flush(&b, p + first, np - first);
	for (i = 0; i < np; i++) {
		free(p[i].buf);
		free(p[i].orig);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_gro(data + 1, size - 1);
	else
		fuzz_split(data + 1, size - 1);
	return 0;
}
