/* The virtio header against the real kernel. Each test moves the process
 * into a network namespace of its own with two TUN devices:
 *
 *   local TCP socket         10.1.0.1  fd01::1              10.2.0.1  fd02::1
 *   (host side) -------- gsoA (IFF_VNET_HDR, offloads) ... gsoB (plain TUN)
 *                        "peer" 10.1.0.2 fd01::2            10.2.0.2 fd02::2
 *
 * - the kernel's TSO: a local socket connects to the peer behind gsoA; the
 *   test plays the peer, reads the super-packets the kernel hands out and
 *   splits them with gso_split();
 * - our GRO: coalesced segments written into gsoA reach the local socket
 *   in order, and, forwarded to gsoB (which has no offloads, so the kernel
 *   segments them in software from our header and checksum seed), come
 *   out as segments whose checksums verify.
 * Needs root; skipped without it (with CI=true it fails instead). Every
 * wait is bounded by poll timeouts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "tests/unit/testutil.h"
#include <linux/if_tun.h>

#include "core/netlink.h"
#include "lib/addr.h"
#include "vpn/gso.h"

#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10
#define MSS 1400
#define WAIT_MS 3000
#define PKT_CAP (VNET_HDR_LEN + GSO_MAX_PACKET + 64)

struct net {
	struct nl *nl;
	int fda, fdb;            /* gsoA with the virtio header, gsoB plain */
	bool v6;
	uint8_t local[16], peer[16], far[16];   /* host, gsoA's peer, behind gsoB */
};

static uint8_t pkt[PKT_CAP];

/* ---- packets (reference checksum in testutil.h) ---- */

static size_t iphl_of(const uint8_t *ip)
{
	return ip[0] >> 4 == 6 ? 40 : (size_t)(ip[0] & 15) * 4;
}

static uint32_t ref_pseudo(const uint8_t *ip, size_t l4len)
{
	uint32_t acc = ip[0] >> 4 == 6 ? ref_add(0, ip + 8, 32) : ref_add(0, ip + 12, 8);

	return acc + 6 + (uint32_t)l4len;
}

static bool ref_tcp_ok(const uint8_t *ip, size_t len)
{
	size_t hl = iphl_of(ip);

	if (ip[0] >> 4 == 4 && ref_fold(ref_add(0, ip, hl)) != 0xffff)
		return false;
	return ref_fold(ref_add(ref_pseudo(ip, len - hl), ip + hl, len - hl)) == 0xffff;
}

static uint8_t pattern(uint32_t off)
{
	return (uint8_t)(off * 13 + (off >> 9));
}

/* A TCP packet src -> dst with options opt and plen payload bytes of
 * pattern(poff + i); checksums complete. Returns its length. */
static size_t build_tcp(uint8_t *out, const struct net *n, const uint8_t *src,
			const uint8_t *dst, uint16_t sport, uint16_t dport, uint32_t seq,
			uint32_t ack, uint8_t flags, const uint8_t *opt, size_t optlen,
			uint32_t poff, size_t plen)
{
	size_t hl = n->v6 ? 40 : 20, thl = 20 + optlen, len = hl + thl + plen, i;
	uint8_t *t = out + hl;

	memset(out, 0, hl + thl);
	if (n->v6) {
		out[0] = 0x60;
		wr16(out + 4, (uint16_t)(len - 40));
		out[6] = 6;
		out[7] = 64;
		memcpy(out + 8, src, 16);
		memcpy(out + 24, dst, 16);
	} else {
		out[0] = 0x45;
		wr16(out + 2, (uint16_t)len);
		wr16(out + 4, 0x4242);
		wr16(out + 6, 0x4000);
		out[8] = 64;
		out[9] = 6;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		wr16(out + 10, (uint16_t)~ref_fold(ref_add(0, out, 20)));
	}
	wr16(t, sport);
	wr16(t + 2, dport);
	wr32(t + 4, seq);
	wr32(t + 8, ack);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = flags;
	wr16(t + 14, 65535);
	if (optlen)
		memcpy(t + 20, opt, optlen);
	for (i = 0; i < plen; i++)
		t[thl + i] = pattern(poff + (uint32_t)i);
	wr16(t + 16, (uint16_t)~ref_fold(ref_add(ref_pseudo(out, len - hl), t, len - hl)));
	return len;
}

/* ---- the namespace ---- */



static void sysctl_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static int tun_make(const char *name, bool vnet, int *ifindex, struct nl *nl)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	strcpy(ifr.ifr_name, name);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	if (vnet)
		assert_int_equal(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), 0);
	assert_int_equal(nl_link_index(nl, name, ifindex), 0);
	return fd;
}

static void addr_add(struct nl *nl, int ifindex, const char *s)
{
	struct mg_prefix p;

	assert_int_equal(mg_prefix_parse(s, true, &p), 0);
	assert_int_equal(nl_addr_add(nl, ifindex, &p), 0);
}

static void parse_addr(bool v6, const char *s, uint8_t *out)
{
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, s, out), 1);
}

static socklen_t sockaddr_of(const struct net *n, const uint8_t *addr, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, addr, 16);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, addr, 4);
		return sizeof(*a);
	}
}

/* IPv6 inserts the local route of an address from a work queue, after the
 * address is already usable as a source: until then a reply to it would be
 * forwarded. Waits until a datagram to it is delivered locally. */
static void wait_local(const struct net *n)
{
	int af = n->v6 ? AF_INET6 : AF_INET, i;
	int rx = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = rx, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(n, n->local, 9, &ss);

	assert_true(rx >= 0 && tx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&ss, sl), 0);
	for (i = 0; i < 300; i++) {
		assert_int_equal(sendto(tx, "x", 1, 0, (struct sockaddr *)&ss, sl), 1);
		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	assert_true(i < 300);
	close(rx);
	close(tx);
}

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	n->fda = n->fdb = -1;
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct net *n = *state;

	if (n->fda >= 0)
		close(n->fda);
	if (n->fdb >= 0)
		close(n->fdb);
	nl_free(n->nl);
	free(n);
	return 0;
}

static void enter_netns(struct net *n, bool v6)
{
	int lo, ia, ib;

	if (geteuid() != 0)
		skip_or_fail("needs root for network namespaces and TUN");
	if (unshare(CLONE_NEWNET) < 0)
		skip_or_fail("unshare(CLONE_NEWNET) failed");
	n->v6 = v6;
	sysctl_set("/proc/sys/net/ipv4/ip_forward", "1");
	sysctl_set("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	sysctl_set("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	assert_int_equal(nl_open(&n->nl), 0);
	assert_int_equal(nl_link_index(n->nl, "lo", &lo), 0);
	assert_int_equal(nl_link_set_up(n->nl, lo, true), 0);
	n->fda = tun_make("gsoA", true, &ia, n->nl);
	n->fdb = tun_make("gsoB", false, &ib, n->nl);
	addr_add(n->nl, ia, v6 ? "fd01::1/64" : "10.1.0.1/24");
	addr_add(n->nl, ib, v6 ? "fd02::1/64" : "10.2.0.1/24");
	assert_int_equal(nl_link_set_up(n->nl, ia, true), 0);
	assert_int_equal(nl_link_set_up(n->nl, ib, true), 0);
	parse_addr(v6, v6 ? "fd01::1" : "10.1.0.1", n->local);
	parse_addr(v6, v6 ? "fd01::2" : "10.1.0.2", n->peer);
	parse_addr(v6, v6 ? "fd02::2" : "10.2.0.2", n->far);
	wait_local(n);
}

/* Reads the next TCP packet (skipping the kernel's own ICMPv6/MLD chatter)
 * into buf; returns its length, or 0 after WAIT_MS without one. */
static size_t read_tcp(int fd, uint8_t *buf, size_t cap, size_t skip)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	for (;;) {
		if (poll(&pfd, 1, WAIT_MS) <= 0)
			return 0;
		r = read(fd, buf, cap);
		if (r < 0 && errno == EAGAIN)
			continue;
		assert_true(r > 0);
		if ((size_t)r < skip + 40)
			continue;
		if ((buf[skip] >> 4 == 4 && buf[skip + 9] == 6) ||
		    (buf[skip] >> 4 == 6 && buf[skip + 6] == 6))
			return (size_t)r;
	}
}

static int tcp_connect(const struct net *n, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(n, n->peer, port, &ss);
	int s, one = 1;

	s = socket(n->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(connect(s, (struct sockaddr *)&ss, sl), -1);
	assert_int_equal(errno, EINPROGRESS);
	return s;
}

/* Splits what the kernel handed over and checks each segment. Returns the
 * segment count; *gso says whether it was a real super-packet. */
static int split_and_check(const uint8_t *raw, size_t rlen, uint32_t isn, uint32_t *seen_max,
			   bool *gso)
{
	static uint8_t segbuf[64][16 + 1500];
	struct gso_seg segs[64];
	struct vnet_hdr h;
	int k, cnt;

	assert_int_equal(vnet_hdr_parse(raw, rlen, &h), 0);
	*gso = h.gso_type != VNET_GSO_NONE;
	if (*gso) {
		assert_true(h.flags & VNET_F_NEEDS_CSUM);
		assert_int_equal(h.gso_size, MSS);
	}
	for (k = 0; k < 64; k++) {
		segs[k].buf = segbuf[k];
		segs[k].cap = sizeof(segbuf[k]);
	}
	cnt = gso_split(&h, raw + VNET_HDR_LEN, rlen - VNET_HDR_LEN, segs, 64, 16);
	assert_true(cnt >= 1);
	for (k = 0; k < cnt; k++) {
		const uint8_t *ip = segs[k].buf + 16;
		size_t hl = iphl_of(ip), thl = (size_t)(ip[hl + 12] >> 4) * 4, plen, i;
		uint32_t off = rd32(ip + hl + 4) - isn - 1;

		assert_true(ref_tcp_ok(ip, segs[k].len));
		assert_true(segs[k].len <= hl + 20 + MSS);
		plen = segs[k].len - hl - thl;
		if (*gso && k + 1 < cnt)
			assert_int_equal(plen, MSS);
		for (i = 0; i < plen; i++)
			assert_int_equal(ip[hl + thl + i], pattern(off + (uint32_t)i));
		if (off + plen > *seen_max)
			*seen_max = off + (uint32_t)plen;
	}
	return cnt;
}

/* The kernel's TSO output through gso_split, then a coalesced write back
 * that the local socket reads in order. */
static void tcp_through_tun(struct net *n)
{
	static uint8_t data[40000], got[8000];
	const uint8_t mss_opt[4] = { 2, 4, MSS >> 8, MSS & 0xff };
	struct pollfd pfd;
	uint32_t isn, peer_isn = 1000000, seen = 0, seq;
	uint16_t lport;
	size_t len, hl = n->v6 ? 40 : 20, i;
	ssize_t sent;
	bool any_gso = false, gso;
	int s, nseg, rounds;
	struct gro_batch *b = calloc(1, sizeof(*b));
	static uint8_t rxbuf[8][16 + GSO_MAX_PACKET];
	struct gro_pkt out[8];

	assert_non_null(b);
	s = tcp_connect(n, 80);
	/* the SYN: maybe with a partial checksum the split completes */
	len = read_tcp(n->fda, pkt, sizeof(pkt), VNET_HDR_LEN);
	assert_true(len > 0);
	{
		struct gso_seg seg = { .buf = got, .cap = sizeof(got) };
		struct vnet_hdr h;

		assert_int_equal(vnet_hdr_parse(pkt, len, &h), 0);
		assert_int_equal(h.gso_type, VNET_GSO_NONE);
		assert_int_equal(gso_split(&h, pkt + VNET_HDR_LEN, len - VNET_HDR_LEN, &seg, 1, 0), 1);
		assert_true(ref_tcp_ok(got, seg.len));
		assert_int_equal(got[hl + 13], F_SYN);
		lport = rd16(got + hl);
		isn = rd32(got + hl + 4);
	}
	/* SYN-ACK from the peer, MSS 1400, no timestamps */
	memset(pkt, 0, VNET_HDR_LEN);
	len = build_tcp(pkt + VNET_HDR_LEN, n, n->peer, n->local, 80, lport, peer_isn, isn + 1,
			F_SYN | F_ACK, mss_opt, sizeof(mss_opt), 0, 0);
	assert_int_equal(write(n->fda, pkt, len + VNET_HDR_LEN), (ssize_t)(len + VNET_HDR_LEN));
	pfd = (struct pollfd){ .fd = s, .events = POLLOUT };
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern((uint32_t)i);
	sent = send(s, data, sizeof(data), MSG_NOSIGNAL);
	assert_true(sent >= 2 * MSS);
	/* Data until a real super-packet came (the handshake's ACK first). */
	for (rounds = 0; rounds < 50 && !any_gso; rounds++) {
		len = read_tcp(n->fda, pkt, sizeof(pkt), VNET_HDR_LEN);
		assert_true(len > 0);
		if (len - VNET_HDR_LEN <= hl + 20)
			continue;
		nseg = split_and_check(pkt, len, isn, &seen, &gso);
		if (gso) {
			assert_true(nseg >= 2);
			any_gso = true;
		}
	}
	assert_true(any_gso);
	assert_true(seen >= 2 * MSS);

	/* The peer answers with 6 segments of 1000 bytes, coalesced. */
	gro_init(b);
	seq = peer_isn + 1;
	for (i = 0; i < 6; i++) {
		len = build_tcp(rxbuf[i] + 16, n, n->peer, n->local, 80, lport, seq, isn + 1 + seen,
				i == 5 ? F_ACK | F_PSH : F_ACK, NULL, 0, (uint32_t)i * 1000, 1000);
		assert_int_equal(gro_add(b, rxbuf[i], sizeof(rxbuf[i]), 16, len), i == 0);
		seq += 1000;
	}
	assert_int_equal(gro_finish(b, out, 8), 1);
	assert_int_equal(out[0].data[1], n->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4);
	assert_int_equal(write(n->fda, out[0].data, out[0].len), (ssize_t)out[0].len);
	for (len = 0; len < 6000;) {
		ssize_t r;

		pfd = (struct pollfd){ .fd = s, .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
		r = recv(s, got + len, sizeof(got) - len, 0);
		assert_true(r > 0);
		len += (size_t)r;
	}
	assert_int_equal(len, 6000);
	for (i = 0; i < len; i++)
		assert_int_equal(got[i], pattern((uint32_t)i));
	close(s);
	free(b);
}

/* A coalesced packet forwarded out of the plain TUN: the kernel segments
 * it in software, from our header and pseudo-header seed. */
static void forward_coalesced(struct net *n)
{
	static uint8_t rxbuf[8][16 + GSO_MAX_PACKET];
	const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	struct gro_batch *b = calloc(1, sizeof(*b));
	size_t hl = n->v6 ? 40 : 20, len, i, total = 0, nseg = 0;
	uint32_t seq0 = 0xfffffa00u;     /* wraps */
	struct gro_pkt out[8];

	assert_non_null(b);
	gro_init(b);
	for (i = 0; i < 8; i++) {
		size_t plen = i == 7 ? 333 : 1200;

		len = build_tcp(rxbuf[i] + 16, n, n->peer, n->far, 5555, 80,
				seq0 + (uint32_t)i * 1200, 77, i == 7 ? F_ACK | F_PSH : F_ACK,
				ts, sizeof(ts), (uint32_t)i * 1200, plen);
		assert_int_equal(gro_add(b, rxbuf[i], sizeof(rxbuf[i]), 16, len), i == 0);
	}
	assert_int_equal(gro_finish(b, out, 8), 1);
	assert_int_equal(out[0].len, VNET_HDR_LEN + hl + 32 + 7 * 1200 + 333);
	assert_int_equal(write(n->fda, out[0].data, out[0].len), (ssize_t)out[0].len);

	while (total < 7 * 1200 + 333) {
		size_t plen, k;
		uint32_t off;

		len = read_tcp(n->fdb, pkt, sizeof(pkt), 0);
		assert_true(len > 0);
		assert_true(ref_tcp_ok(pkt, len));
		assert_int_equal(pkt[n->v6 ? 7 : 8], 63);     /* forwarded */
		assert_int_equal(rd16(pkt + hl), 5555);
		assert_memory_equal(pkt + hl + 20, ts, sizeof(ts));
		plen = len - hl - 32;
		off = rd32(pkt + hl + 4) - seq0;
		assert_int_equal(off, nseg * 1200);
		assert_int_equal(plen, nseg == 7 ? 333 : 1200);
		assert_int_equal(pkt[hl + 13], nseg == 7 ? F_ACK | F_PSH : F_ACK);
		for (k = 0; k < plen; k++)
			assert_int_equal(pkt[hl + 32 + k], pattern(off + (uint32_t)k));
		total += plen;
		nseg++;
	}
	assert_int_equal(nseg, 8);
	free(b);
}

static void test_tcp_v4(void **state)
{
	struct net *n = *state;

	enter_netns(n, false);
	tcp_through_tun(n);
}

static void test_tcp_v6(void **state)
{
	struct net *n = *state;

	enter_netns(n, true);
	tcp_through_tun(n);
}

static void test_forward_v4(void **state)
{
	struct net *n = *state;

	enter_netns(n, false);
	forward_coalesced(n);
}

static void test_forward_v6(void **state)
{
	struct net *n = *state;

	enter_netns(n, true);
	forward_coalesced(n);
}

int main(void)
{
	const char *ci = getenv("CI"), *why = cannot_enter_netns();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_v6, setup, teardown),
	};

	/* automake's TAP driver counts cmocka's per-test SKIP as a failure:
	 * skip the whole program instead, unless CI=true. */
	if (why && !(ci && strcmp(ci, "true") == 0)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
