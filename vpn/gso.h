/* Segmentation offload for the TUN device opened with IFF_VNET_HDR.
 *
 * Outbound, the kernel hands the daemon TCP (or UDP) super-packets of up to
 * 64 KiB behind a struct virtio_net_hdr; gso_split() cuts one into
 * MTU-sized IP packets, each complete with lengths and checksums, ready to
 * be encrypted. Inbound, the GRO batch coalesces decrypted TCP segments of
 * one flow into a super-packet the kernel's stack takes in one go.
 *
 * Pure code: bytes in, bytes out, no allocation, no syscalls. The header's
 * fields are little-endian, as the TUN device uses them on little-endian
 * hosts (on a big-endian host the caller sets TUNSETVNETLE). */
#ifndef MG_VPN_GSO_H
#define MG_VPN_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* include/uapi/linux/virtio_net.h; the unit test checks they agree. */
#define VNET_HDR_LEN            10
#define VNET_F_NEEDS_CSUM       0x01    /* csum_start/csum_offset are set */
#define VNET_F_DATA_VALID       0x02
#define VNET_GSO_NONE           0
#define VNET_GSO_TCPV4          1
#define VNET_GSO_UDP            3       /* UFO: not supported */
#define VNET_GSO_TCPV6          4
#define VNET_GSO_UDP_L4         5
#define VNET_GSO_ECN            0x80    /* flag bit in gso_type */

/* The largest IP packet either direction produces or accepts. */
#define GSO_MAX_PACKET          65535

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;        /* a hint from the kernel; not trusted */
	uint16_t gso_size;       /* payload bytes per segment */
	uint16_t csum_start;     /* where the checksum's coverage begins */
	uint16_t csum_offset;    /* where, from csum_start, it is stored */
};

/* 0, or -EINVAL if len < VNET_HDR_LEN. */
int vnet_hdr_parse(const uint8_t *p, size_t len, struct vnet_hdr *h);
void vnet_hdr_build(const struct vnet_hdr *h, uint8_t out[VNET_HDR_LEN]);

/* One output segment: the IP packet goes to buf + headroom, and len is set
 * to its length. cap is all the room the packet and the headroom may take
 * (leave any tailroom the caller needs out of it). */
struct gso_seg {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* Splits the packet pkt (the bytes after the vnet header) as h says:
 *  - GSO_NONE without NEEDS_CSUM: copied as is into segs[0];
 *  - GSO_NONE with NEEDS_CSUM: copied, and the checksum at csum_start +
 *    csum_offset completed over csum_start..end (seeded with what is there);
 *  - GSO_TCPV4/TCPV6 (ECN bit allowed), GSO_UDP_L4: cut into segments of
 *    gso_size payload bytes; each gets its IP length, IPv4 id + i and
 *    header checksum, TCP sequence number, FIN/PSH on the last and CWR on
 *    the first only (UDP: its length), and a full L4 checksum.
 * Returns the number of segments written, or
 *  -EINVAL   inconsistent header or packet: GSO without NEEDS_CSUM,
 *            csum_start/offset not the L4 header's, hdr_len beyond the
 *            packet, gso_size 0, no payload, IP version or protocol not the
 *            GSO type's, IP length fields not the packet's, IPv4 fragment,
 *            IPv6 extension headers (not supported), UFO;
 *  -ENOBUFS  more segments than nsegs;
 *  -EMSGSIZE a segment does not fit its buffer's cap - headroom. */
int gso_split(const struct vnet_hdr *h, const uint8_t *pkt, size_t len,
	      struct gso_seg *segs, size_t nsegs, size_t headroom);

/* ---- receive coalescing ---- */

#define GRO_MAX_ITEMS 128

/* One output packet of a batch: the virtio header, then the IP packet. */
struct gro_pkt {
	uint8_t *data;
	size_t len;
};

struct gro_item {
	uint8_t *buf;            /* the caller's buffer holding the head packet */
	size_t cap;
	size_t off;              /* IP packet at buf + off, vnet header before */
	size_t len;
	uint32_t hash;           /* of the flow; 0 for no TCP flow */
	uint32_t next_seq;
	uint16_t gso_size;
	uint16_t nseg;
	uint8_t iphl, thl;
	bool v6;
	bool open;               /* further segments may be appended */
};

struct gro_batch {
	size_t n;
	struct gro_item items[GRO_MAX_ITEMS];
	uint64_t merged;         /* segments appended to another, ever */
};

void gro_init(struct gro_batch *b);

/* Adds the IP packet at buf + off (len bytes; off >= VNET_HDR_LEN leaves
 * room for the header). TCP segments that continue the newest packet of
 * their flow (same addresses, ports, ACK, window, TTL/hop limit, TOS/
 * traffic class, DF, TCP options — NOP and timestamps only — sequence
 * number next, payload no larger than the first's, flags ACK or ACK|PSH,
 * valid checksums) are appended to it while it has room in its cap and
 * stays within GSO_MAX_PACKET; after a short or PSH segment it takes no
 * more. Anything else, malformed packets included, becomes a packet of its
 * own, left untouched. Returns
 *  0         appended: the bytes were copied and buf is the caller's again;
 *  1         held: buf belongs to the batch until gro_finish();
 *  -ENOSPC   the batch is full: finish it and add the packet to a new one;
 *  -EINVAL   off < VNET_HDR_LEN or off + len > cap. */
int gro_add(struct gro_batch *b, uint8_t *buf, size_t cap, size_t off, size_t len);

/* Writes the virtio header in front of every held packet (GSO_TCPV4/6 with
 * NEEDS_CSUM and the pseudo-header sum in the TCP checksum for coalesced
 * ones, lengths fixed; zeros for the rest), fills out[] in arrival order
 * and empties the batch. Returns the packet count, or -ENOBUFS if nout is
 * smaller than it (nothing written then). */
int gro_finish(struct gro_batch *b, struct gro_pkt *out, size_t nout);

#endif
