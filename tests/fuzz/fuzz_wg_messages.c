/* WireGuard messages fuzz target: every unpacker sees the bytes; what parses
 * goes on to a fixed identity's mac check and handshake consumers (and, if
 * a handshake completes, to key derivation), with the handshake state put
 * back before each input. Beyond "no crash": a parsed message packs back to
 * the same bytes. The seeds in corpus/wg_messages were made by this code
 * with the keys below, so they reach the deep paths. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/cookie.h"
#include "vpn/messages.h"
#include "vpn/noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state, saved_rng_state;

static void fuzz_rng(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;

	(void)arg;
	while (len--) {
		rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
		*p++ = (uint8_t)(rng_state >> 56);
	}
}

/* "Us" (the identity under test) and the one peer we know. */
static struct noise_local us;
static struct noise_handshake peer_hs, saved_hs;
static struct cookie_checker checker;
static struct cookie_maker maker, saved_maker;
static struct noise_symmetric_key data_key;
static uint8_t us_priv[32], us_pub[32], peer_priv[32], peer_pub[32];
static uint8_t our_initiation[WG_INITIATION_LEN];
static uint32_t next_index;

static int fuzz_index(void *arg, struct noise_handshake *hs, uint32_t *idx)
{
	(void)arg;
	(void)hs;
	*idx = next_index++;
	return 0;
}

static struct noise_handshake *fuzz_by_key(void *arg, const uint8_t key[WG_KEY_LEN])
{
	(void)arg;
	return memcmp(key, peer_hs.remote_static, WG_KEY_LEN) ? NULL : &peer_hs;
}

static struct noise_handshake *fuzz_by_index(void *arg, uint32_t idx)
{
	(void)arg;
	return peer_hs.has_index && peer_hs.local_index == idx ? &peer_hs : NULL;
}

static const struct noise_ops fuzz_ops = {
	.rng = fuzz_rng,
	.index_assign = fuzz_index,
	.peer_by_key = fuzz_by_key,
	.handshake_by_index = fuzz_by_index,
};

static void fill(uint8_t *p, uint8_t first)
{
	int i;

	for (i = 0; i < 32; i++)
		p[i] = (uint8_t)(first + i);
}

/* Deterministic: the seed generator replays it to build matching seeds. */
static void setup(void)
{
	struct timespec t = { .tv_sec = 1700000000, .tv_nsec = 0 };
	struct wg_initiation m;

	rng_state = 1;
	next_index = 0x1000;
	fill(us_priv, 0x20);
	fill(peer_priv, 0x00);
	if (noise_public_key(us_pub, us_priv) || noise_public_key(peer_pub, peer_priv))
		abort();
	noise_local_init(&us, &fuzz_ops, NULL);
	if (noise_local_set_private_key(&us, us_priv))
		abort();
	noise_handshake_init(&peer_hs, &us, peer_pub, NULL);
	cookie_checker_init(&checker, us_pub, fuzz_rng, NULL);
	cookie_maker_init(&maker, peer_pub);

	/* An initiation of ours is in flight, so responses have a target. */
	if (noise_create_initiation(&peer_hs, &t, &m) ||
	    wg_initiation_pack(&m, our_initiation, sizeof(our_initiation)))
		abort();
	cookie_add_macs(&maker, our_initiation, sizeof(our_initiation), 0);
	saved_hs = peer_hs;
	saved_maker = maker;
	saved_rng_state = rng_state;

	fill(data_key.key, 0x40);
	data_key.is_valid = true;
}

static void check_repack(const uint8_t *data, size_t size, int type, const void *m)
{
	uint8_t buf[WG_INITIATION_LEN];
	int ret;

	switch (type) {
	case WG_MSG_INITIATION: ret = wg_initiation_pack(m, buf, sizeof(buf)); break;
	case WG_MSG_RESPONSE: ret = wg_response_pack(m, buf, sizeof(buf)); break;
	default: ret = wg_cookie_reply_pack(m, buf, sizeof(buf)); break;
	}
	if (ret || memcmp(buf, data, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint8_t plain[2048];
	struct mg_addr src = { .family = AF_INET, .u.bytes = { 192, 0, 2, 1 } };
	struct noise_handshake *peer;
	struct noise_keypair kp;
	struct wg_initiation init;
	struct wg_response resp;
	struct wg_cookie_reply reply;
	struct wg_data d;
	bool under_load = size & 1;

	if (!ready) {
		setup();
		ready = true;
	}
	peer_hs = saved_hs;
	maker = saved_maker;
	rng_state = saved_rng_state;

	if (wg_initiation_unpack(&init, data, size) == 0) {
		check_repack(data, size, WG_MSG_INITIATION, &init);
		cookie_check(&checker, data, size, &src, 51820, under_load, 0);
		if (noise_consume_initiation(&us, &init, 0, &peer) == 0) {
			if (noise_create_response(peer, &resp) ||
			    noise_begin_session(peer, 0, &kp))
				abort();
			noise_keypair_clear(&kp);
		}
	}
	if (wg_response_unpack(&resp, data, size) == 0) {
		check_repack(data, size, WG_MSG_RESPONSE, &resp);
		cookie_check(&checker, data, size, &src, 51820, under_load, 0);
		if (noise_consume_response(&us, &resp, &peer) == 0) {
			if (noise_begin_session(peer, 0, &kp))
				abort();
			noise_keypair_clear(&kp);
		}
	}
	if (wg_cookie_reply_unpack(&reply, data, size) == 0) {
		check_repack(data, size, WG_MSG_COOKIE_REPLY, &reply);
		cookie_reply_consume(&maker, &reply, 0);
	}
	if (wg_data_unpack(&d, data, size) == 0 &&
	    d.ciphertext_len <= sizeof(plain) + WG_AUTHTAG_LEN)
		noise_data_open(&data_key, d.counter, plain, d.ciphertext, d.ciphertext_len);
	if (size >= 4 && wg_message_type(data, size) < 0 && data[0] >= 1 && data[0] <= 4 &&
	    (data[1] | data[2] | data[3]) == 0)
		abort();	/* a well-formed header must be recognised */
	return 0;
}
