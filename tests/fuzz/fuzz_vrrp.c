/* VRRP fuzz target. The first byte picks the IP header around the rest:
 *   bit 0: IPv6 (fe80::d4cd:2bff:fe42:6ad -> ff02::12), else IPv4
 *          (10.99.0.1 -> 224.0.0.18): the sources of the keepalived seeds
 *   bit 1: TTL / hop limit 254 instead of 255
 *   bit 2: fill in the checksum with the pseudo-header, bit 3: without it,
 *          so the fuzzer gets past the checksum to the later checks
 * The whole input also goes through the raw socket's IPv4 header check.
 * A message the parser accepts must be consistent, rebuild to the same
 * bytes and drive a state machine without harm. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp/fsm.h"
#include "vrrp/io.h"
#include "vrrp/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mg_addr make(sa_family_t family, const uint8_t *bytes)
{
	struct mg_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	memcpy(a.u.bytes, bytes, family == AF_INET ? 4 : 16);
	return a;
}

static void fill_csum(uint8_t *m, size_t len, const struct vrrp_ip *ip, bool pseudo)
{
	size_t alen = ip->src.family == AF_INET ? 4 : 16, i;
	uint32_t sum = 0;

	m[6] = m[7] = 0;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(m[i] << 8 | m[i + 1]);
	if (len & 1)
		sum += (uint32_t)m[len - 1] << 8;
	if (pseudo) {
		for (i = 0; i < alen; i += 2)
			sum += (uint32_t)(ip->src.u.bytes[i] << 8 | ip->src.u.bytes[i + 1]) +
			       (uint32_t)(ip->dst.u.bytes[i] << 8 | ip->dst.u.bytes[i + 1]);
		sum += VRRP_IPPROTO + (uint32_t)len;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	m[6] = (uint8_t)(~sum >> 8);
	m[7] = (uint8_t)~sum;
}

static void nop_send(void *ctx, uint8_t p) { }
static void nop(void *ctx) { }
static void nop_arm(void *ctx, enum vrrp_timer t, uint64_t d) { }
static void nop_disarm(void *ctx, enum vrrp_timer t) { }

static const struct vrrp_fsm_ops ops = {
	.send_advert = nop_send, .become_master = nop, .announce = nop,
	.become_backup = nop, .become_init = nop,
	.timer_arm = nop_arm, .timer_disarm = nop_disarm,
};

static void check_accepted(const uint8_t *msg, size_t len, const struct vrrp_ip *ip,
			   const struct vrrp_advert *a)
{
	static struct mg_addr addrs[VRRP_MAX_ADDRS];
	static uint8_t out[VRRP_MAX_LEN];
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct vrrp_advert_tx tx = {
		.vrid = a->vrid, .priority = a->priority, .max_adver_int = a->max_adver_int,
		.addrs = addrs, .count = a->count, .csum = a->csum,
	};
	struct vrrp_fsm_conf conf;
	struct vrrp_fsm f;
	unsigned int i;
	int n;

	if (!a->count || !a->vrid || !a->max_adver_int || a->max_adver_int > 4095 ||
	    len != VRRP_HDR_LEN + a->count * alen || a->family != ip->src.family ||
	    a->addrs != msg + VRRP_HDR_LEN || (a->csum == VRRP_CSUM_PLAIN && alen != 4))
		abort();
	for (i = 0; i < a->count; i++)
		if (vrrp_advert_addr(a, i, &addrs[i]) || addrs[i].family != a->family)
			abort();
	if (vrrp_advert_addr(a, a->count, &addrs[0]) == 0)
		abort();
	vrrp_advert_addr(a, 0, &addrs[0]);

	/* Same bytes back, but for the reserved bits and the two spellings
	 * of a zero checksum. */
	n = vrrp_advert_build(out, sizeof(out), &tx, &ip->src, &ip->dst);
	if (n != (int)len || out[4] != (msg[4] & 0x0f) || memcmp(out, msg, 4) ||
	    out[5] != msg[5] || memcmp(out + 8, msg + 8, len - 8))
		abort();

	vrrp_fsm_conf_default(&conf);
	conf.vrid = a->vrid;
	conf.primary = make(a->family, (const uint8_t[16]){ 0x0a, 0, 0, 2 });
	conf.preempt_delay_cs = msg[2] & 1 ? 300 : 0;
	if (vrrp_fsm_init(&f, &conf, &ops, NULL))
		abort();
	vrrp_fsm_startup(&f, 1);
	vrrp_fsm_advert(&f, 2, a->priority, a->max_adver_int, &ip->src);
	vrrp_fsm_timer(&f, 3, VRRP_TIMER_MASTER_DOWN);
	vrrp_fsm_advert(&f, 4, a->priority, a->max_adver_int, &ip->src);
	vrrp_fsm_shutdown(&f, 5);
	if (vrrp_fsm_state(&f) != VRRP_STATE_INIT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t v4src[4] = { 10, 99, 0, 1 }, v4dst[4] = VRRP_MCAST_V4;
	static const uint8_t v6src[16] = {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xd4, 0xcd, 0x2b, 0xff, 0xfe, 0x42, 0x06, 0xad,
	};
	static const uint8_t v6dst[16] = VRRP_MCAST_V6;
	static uint8_t msg[VRRP_MAX_LEN + 64];
	struct vrrp_advert a;
	enum vrrp_rx_error e;
	struct vrrp_ip ip, raw;
	size_t len, raw_len;
	int off;

	/* The whole input as a raw socket's IPv4 datagram too: an accepted
	 * header must leave a message inside the input. */
	off = vrrp_io_parse_ipv4(data, size, &raw, &raw_len);
	if (off >= 0 && ((size_t)off < 20 || (size_t)off + raw_len > size))
		abort();
	if (size < 1 || size - 1 > sizeof(msg))
		return 0;
	len = size - 1;
	memcpy(msg, data + 1, len);
	if (data[0] & 1) {
		ip.src = make(AF_INET6, v6src);
		ip.dst = make(AF_INET6, v6dst);
	} else {
		ip.src = make(AF_INET, v4src);
		ip.dst = make(AF_INET, v4dst);
	}
	ip.ttl = data[0] & 2 ? 254 : 255;
	if (len >= VRRP_HDR_LEN && data[0] & 0x0c)
		fill_csum(msg, len, &ip, data[0] & 4);

	e = vrrp_advert_parse(msg, len, &ip, &a);
	if ((unsigned)e >= VRRP_RX_NREASONS || !strcmp(vrrp_rx_error_name(e), "?"))
		abort();
	if (ip.ttl != 255 && e != VRRP_RX_BAD_TTL)
		abort();
	if (e == VRRP_RX_OK)
		check_accepted(msg, len, &ip, &a);
	return 0;
}
