/* Arbitrary datagrams into a WireGuard node that has a live session with a
 * known peer (tests/fake/wg_fixture.h). Input: one flags byte (bit 0: the
 * node is under load, so handshakes need cookies), then the datagram.
 *
 * Every input meets the same scene: it is kept only while inputs are turned
 * away by checks that change nothing (type and size, macs, unknown index,
 * failed authentication, replay, handshake and cookie rejections) and built
 * again after anything else. Seeds: tests/fuzz/corpus/wg_rx, written by
 * WG_RX_SEED_DIR=dir tests/unit/test_wg_malformed. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/fake/wg_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Drops that leave node 1 as it was. */
static uint64_t clean_drops(const struct wg_device_stats *s)
{
	return s->rx_bad_type + s->rx_bad_mac + s->rx_unknown_index + s->rx_decrypt_failed +
	       s->rx_replayed + s->rx_handshake_failed + s->rx_bad_cookie;
}

static uint64_t all_drops(const struct wg_device_stats *s)
{
	return clean_drops(s) + s->rx_expired_key + s->rx_bad_inner + s->rx_source_not_allowed +
	       s->rx_cookie_sent + s->rx_ratelimited;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fnet *net;
	const struct wg_device_stats *s;
	struct fnet_node *n1;
	uint64_t clean, all;
	unsigned int sent, delivered;

	if (!size || size > FNET_MAX_DGRAM + 1)
		return 0;
	if (!net)
		net = wg_fixture_new();
	n1 = fnet_node(net, 1);
	s = wg_device_stats(n1->dev);
	clean = clean_drops(s);
	all = all_drops(s);
	sent = n1->sent[0];
	delivered = n1->delivered;

	n1->under_load = data[0] & 1;
	wg_fixture_rx(net, data + 1, size - 1);

	if (clean_drops(s) != clean + 1 || all_drops(s) != all + 1 || n1->sent[0] != sent ||
	    n1->delivered != delivered) {
		fnet_free(net);
		net = NULL;
	}
	return 0;
}
