/* Hostile and broken datagrams against a node with a live session: each is
 * dropped and counted under the right reason, none changes what it must
 * not, nothing crashes. The scene and the datagrams are the wg_rx fuzz
 * target's; with WG_RX_SEED_DIR set this program also writes its seeds. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/fake/wg_fixture.h"
#include "vpn/device.h"

#define MAX_SEEDS 16

struct seed {
	const char *name;
	size_t len;
	uint8_t buf[FNET_MAX_DGRAM];
};

struct fx {
	struct fnet *net;
	struct seed seeds[MAX_SEEDS];
	int n;
};

static void collect(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	struct fx *fx = ctx;
	struct seed *s = &fx->seeds[fx->n++];

	assert_true(fx->n <= MAX_SEEDS && len <= sizeof(s->buf));
	s->name = name;
	s->len = len;
	memcpy(s->buf, buf, len);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct fnet *seeder = wg_fixture_new();

	/* the seeds come from a twin scene, so this one is untouched */
	wg_fixture_seeds(seeder, collect, fx);
	fnet_free(seeder);
	fx->net = wg_fixture_new();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	fnet_free(fx->net);
	free(fx);
	return 0;
}

static const struct seed *seed(struct fx *fx, const char *name)
{
	int i;

	for (i = 0; i < fx->n; i++)
		if (!strcmp(fx->seeds[i].name, name))
			return &fx->seeds[i];
	fail_msg("no seed %s", name);
	return NULL;
}

static const struct wg_device_stats *stats1(struct fx *fx)
{
	return wg_device_stats(fnet_node(fx->net, 1)->dev);
}

/* Every drop counter of node 1, summed: each datagram lands in one. */
static uint64_t drops(struct fx *fx)
{
	const struct wg_device_stats *s = stats1(fx);

	return s->rx_bad_type + s->rx_bad_mac + s->rx_bad_cookie + s->rx_handshake_failed +
	       s->rx_unknown_index + s->rx_decrypt_failed + s->rx_replayed + s->rx_expired_key +
	       s->rx_bad_inner + s->rx_source_not_allowed + s->rx_ratelimited;
}

/* Feeds a seed changed by fn (NULL: as it is) and returns the new drops. */
static uint64_t feed(struct fx *fx, const char *name, long dlen,
		     void (*fn)(uint8_t *buf, size_t len))
{
	const struct seed *s = seed(fx, name);
	uint8_t buf[FNET_MAX_DGRAM + 1] = { 0 };
	size_t len = (size_t)((long)s->len + dlen);
	uint64_t before = drops(fx);

	memcpy(buf, s->buf, s->len);
	if (fn)
		fn(buf, len);
	wg_fixture_rx(fx->net, buf, len);
	return drops(fx) - before;
}

static const char *const all[] = {
	"data_ipv4", "data_ipv6", "keepalive", "data_not_ip", "initiation", "response",
	"cookie_reply",
};
#define N_ALL (sizeof(all) / sizeof(all[0]))

static void test_seeds_as_they_are(void **state)
{
	struct fx *fx = *state;
	struct fnet_node *n1 = fnet_node(fx->net, 1);

	assert_int_equal(fx->n, (int)N_ALL);
	/* the cookie reply answers node 1's last response: before anything
	 * makes node 1 send another */
	assert_int_equal(feed(fx, "cookie_reply", 0, NULL), 0);
	assert_int_equal(feed(fx, "data_ipv4", 0, NULL), 0);
	assert_int_equal(n1->delivered, 2);
	assert_int_equal(n1->last_len, 120);
	assert_int_equal(feed(fx, "data_ipv6", 0, NULL), 0);
	assert_int_equal(n1->last_len, 47);
	assert_int_equal(feed(fx, "keepalive", 0, NULL), 0);
	assert_int_equal(n1->delivered, 3);
	assert_int_equal(feed(fx, "data_not_ip", 0, NULL), 1);
	assert_int_equal(stats1(fx)->rx_bad_inner, 1);
	assert_int_equal(feed(fx, "initiation", 0, NULL), 0);
	assert_int_equal(n1->sent[WG_MSG_RESPONSE], 2);
	assert_int_equal(feed(fx, "response", 0, NULL), 1);
	assert_int_equal(stats1(fx)->rx_handshake_failed, 1);

	/* and each again: replays */
	assert_int_equal(feed(fx, "data_ipv4", 0, NULL), 1);
	assert_int_equal(feed(fx, "keepalive", 0, NULL), 1);
	assert_int_equal(stats1(fx)->rx_replayed, 2);
	assert_int_equal(feed(fx, "initiation", 0, NULL), 1);	/* stale timestamp */
	assert_int_equal(stats1(fx)->rx_handshake_failed, 2);
	assert_int_equal(feed(fx, "cookie_reply", 0, NULL), 1);
	assert_int_equal(stats1(fx)->rx_bad_cookie, 1);
	assert_int_equal(n1->delivered, 3);
}

static void test_truncated_and_extended(void **state)
{
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < N_ALL; i++) {
		assert_int_equal(feed(fx, all[i], -1, NULL), 1);
		assert_int_equal(feed(fx, all[i], +1, NULL), 1);
	}
	/* handshake messages have one size; a keepalive is the shortest data;
	 * other data just fails to authenticate */
	assert_int_equal(stats1(fx)->rx_bad_type, 3 * 2 + 1);
	assert_int_equal(stats1(fx)->rx_decrypt_failed, 4 * 2 - 1);
	assert_int_equal(fnet_node(fx->net, 1)->delivered, 1);
}

static void flip_mac1(uint8_t *buf, size_t len)
{
	buf[len - WG_MACS_LEN + 3] ^= 0x10;
}

static void flip_mac2(uint8_t *buf, size_t len)
{
	buf[len - 1] ^= 0x10;
}

static void test_bad_macs(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(feed(fx, "initiation", 0, flip_mac1), 1);
	assert_int_equal(feed(fx, "response", 0, flip_mac1), 1);
	assert_int_equal(stats1(fx)->rx_bad_mac, 2);
	/* mac2 is only looked at under load */
	assert_int_equal(feed(fx, "initiation", 0, flip_mac2), 0);
	fnet_node(fx->net, 1)->under_load = true;
	assert_int_equal(feed(fx, "initiation", 0, flip_mac2), 0);
	assert_int_equal(stats1(fx)->rx_cookie_sent, 1);
}

static void flip_index(uint8_t *buf, size_t len)
{
	(void)len;
	buf[5] ^= 0x5a;
}

static void flip_body(uint8_t *buf, size_t len)
{
	buf[len / 2 + 8] ^= 1;
}

static void flip_tag(uint8_t *buf, size_t len)
{
	buf[len - 1] ^= 0x80;
}

static void flip_counter(uint8_t *buf, size_t len)
{
	(void)len;
	buf[8] ^= 1;
}

static void test_unknown_index_and_forgeries(void **state)
{
	struct fx *fx = *state;
	const struct wg_device_stats *s = stats1(fx);

	assert_int_equal(feed(fx, "data_ipv4", 0, flip_index), 1);
	assert_int_equal(feed(fx, "keepalive", 0, flip_index), 1);
	assert_int_equal(feed(fx, "cookie_reply", 0, flip_index), 1);
	assert_int_equal(s->rx_unknown_index, 3);
	assert_int_equal(feed(fx, "response", 0, flip_index), 1);	/* mac1 covers it */
	assert_int_equal(s->rx_bad_mac, 1);

	assert_int_equal(feed(fx, "data_ipv4", 0, flip_body), 1);
	assert_int_equal(feed(fx, "data_ipv6", 0, flip_tag), 1);
	assert_int_equal(feed(fx, "keepalive", 0, flip_counter), 1);
	assert_int_equal(s->rx_decrypt_failed, 3);
	assert_int_equal(feed(fx, "cookie_reply", 0, flip_body), 1);
	assert_int_equal(s->rx_bad_cookie, 1);
	/* forgeries moved nothing: the real ones still go through */
	assert_int_equal(feed(fx, "cookie_reply", 0, NULL), 0);
	assert_int_equal(feed(fx, "data_ipv4", 0, NULL), 0);
	assert_int_equal(feed(fx, "keepalive", 0, NULL), 0);
}

static void set_reserved(uint8_t *buf, size_t len)
{
	(void)len;
	buf[2] = 1;
}

static void test_reserved_bytes(void **state)
{
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < N_ALL; i++)
		assert_int_equal(feed(fx, all[i], 0, set_reserved), 1);
	assert_int_equal(stats1(fx)->rx_bad_type, N_ALL);
}

static void test_garbage(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[FNET_MAX_DGRAM];
	uint64_t before = drops(fx), r = 12345;
	unsigned int sent = fnet_node(fx->net, 1)->sent[0];
	size_t len, i, n = 0;

	wg_fixture_rx(fx->net, buf, 0);
	n++;
	for (i = 0; i < 8; i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = (uint8_t)i;
		for (len = 1; len <= WG_INITIATION_LEN + 1; len++, n++)
			wg_fixture_rx(fx->net, buf, len);
	}
	for (i = 0; i < 2000; i++, n++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (size_t)(r >> 33) % 300;
		memset(buf, (int)(r >> 20), len);
		if (len)
			buf[0] = (uint8_t)(1 + (r >> 40) % 4);
		if (len > 4 && (r >> 50) % 2) {
			buf[1] = buf[2] = buf[3] = 0;
		}
		wg_fixture_rx(fx->net, buf, len);
	}
	assert_int_equal(drops(fx) - before, n);
	assert_int_equal(fnet_node(fx->net, 1)->delivered, 1);
	assert_int_equal(fnet_node(fx->net, 1)->sent[0], sent);	/* no answer to any */
}

/* Sealed by node 0 with the live session, so only the inner packet is wrong. */
static void sealed(struct fx *fx, const uint8_t *pkt, size_t len)
{
	struct fnet_node *n0 = fnet_node(fx->net, 0);
	struct wg_peer *p = wg_peer_find(n0->dev, fnet_node(fx->net, 1)->pub);
	uint8_t buf[WG_TX_HEADROOM + 256 + WG_TX_TAILROOM];
	const struct fnet_dgram *d;

	memcpy(buf + WG_TX_HEADROOM, pkt, len);
	wg_peer_tx(p, buf, len, fnet_now(fx->net));
	d = fnet_sent(fx->net, 0, WG_MSG_DATA, 0);
	wg_fixture_rx(fx->net, d->buf, d->len);
}

static void test_inner_packet_checks(void **state)
{
	struct fx *fx = *state;
	struct fnet_node *n1 = fnet_node(fx->net, 1);
	const struct wg_device_stats *s = stats1(fx);
	uint8_t buf[WG_TX_HEADROOM + 256 + WG_TX_TAILROOM], *pkt = buf + WG_TX_HEADROOM;
	size_t len;

	/* IPv4 claiming 200 bytes in 40, or less than its own header */
	len = fnet_build_ip(buf, sizeof(buf), "10.0.0.1", "10.0.0.2", 20, 1);
	pkt[2] = 0, pkt[3] = 200;
	sealed(fx, pkt, len);
	pkt[3] = 19;
	sealed(fx, pkt, len);
	sealed(fx, pkt, 12);				/* a header cut short */
	/* IPv6 claiming a 100-byte payload in 10, or cut short */
	len = fnet_build_ip(buf, sizeof(buf), "fd00::1", "fd00::2", 10, 2);
	pkt[5] = 100;
	sealed(fx, pkt, len);
	sealed(fx, pkt, 39);
	assert_int_equal(s->rx_bad_inner, 5);
	assert_int_equal(n1->delivered, 1);

	/* claiming less than arrived: the rest is padding, cut off */
	len = fnet_build_ip(buf, sizeof(buf), "10.0.0.1", "10.0.0.2", 25, 3);
	pkt[3] = 30;
	sealed(fx, pkt, len);
	assert_int_equal(n1->delivered, 2);
	assert_int_equal(n1->last_len, 30);
	assert_memory_equal(n1->last, pkt, 30);
	len = fnet_build_ip(buf, sizeof(buf), "fd00::1", "fd00::2", 20, 4);
	pkt[5] = 5;
	sealed(fx, pkt, len);
	assert_int_equal(n1->delivered, 3);
	assert_int_equal(n1->last_len, 45);
	assert_int_equal(s->rx_bad_inner, 5);
}

/* The fuzz target's seeds: a flags byte (bit 0: node 1 under load), then
 * the datagram. */
static int write_seeds(const char *dir)
{
	struct fx fx = { 0 };
	struct fnet *net = wg_fixture_new();
	char path[512];
	FILE *f;
	int i, load;

	wg_fixture_seeds(net, collect, &fx);
	fnet_free(net);
	for (i = 0; i < fx.n; i++) {
		for (load = 0; load < 2; load++) {
			if (load && strcmp(fx.seeds[i].name, "initiation"))
				continue;
			snprintf(path, sizeof(path), "%s/%s%s", dir, fx.seeds[i].name,
				 load ? "_under_load" : "");
			f = fopen(path, "wb");
			if (!f || fputc(load, f) == EOF ||
			    fwrite(fx.seeds[i].buf, 1, fx.seeds[i].len, f) != fx.seeds[i].len ||
			    fclose(f)) {
				perror(path);
				return 1;
			}
		}
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seeds_as_they_are, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_extended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_macs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_index_and_forgeries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_packet_checks, setup, teardown),
	};
	const char *dir = getenv("WG_RX_SEED_DIR");

	if (dir && write_seeds(dir))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
