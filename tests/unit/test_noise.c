/* vpn/noise and vpn/messages: a known-answer handshake, two in-process
 * identities completing handshakes, and every way a message can be wrong. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#define TU_RND_SEED 0x6e6f697365ULL
#include "tests/unit/testutil.h"

#include <sodium.h>

#include "vpn/blake2s.h"
#include "vpn/cookie.h"
#include "vpn/messages.h"
#include "vpn/noise.h"
#include "vpn/tai64n.h"

#define MS(x) ((uint64_t)(x) * 1000000ULL)



/* One identity with one peer: its handshake, its macs, its index table of
 * one entry. Not copyable (the handshake points at the local). */
struct side {
	struct noise_local local;
	struct noise_handshake hs;
	struct cookie_maker maker;
	struct cookie_checker checker;
	bool know_peer;
	uint32_t next_index;
	const uint8_t *fixed_ephemeral;
};

static void side_rng(void *arg, void *buf, size_t len)
{
	struct side *s = arg;

	if (s->fixed_ephemeral && len == WG_KEY_LEN)
		memcpy(buf, s->fixed_ephemeral, len);
	else
		rnd_fill(buf, len);
}

static int side_index(void *arg, struct noise_handshake *hs, uint32_t *idx)
{
	struct side *s = arg;

	assert_ptr_equal(hs, &s->hs);
	*idx = s->next_index++;
	return 0;
}

static struct noise_handshake *side_by_key(void *arg, const uint8_t key[WG_KEY_LEN])
{
	struct side *s = arg;

	return s->know_peer && memcmp(key, s->hs.remote_static, WG_KEY_LEN) == 0 ? &s->hs : NULL;
}

static struct noise_handshake *side_by_index(void *arg, uint32_t idx)
{
	struct side *s = arg;

	return s->hs.has_index && s->hs.local_index == idx ? &s->hs : NULL;
}

static const struct noise_ops side_ops = {
	.rng = side_rng,
	.index_assign = side_index,
	.peer_by_key = side_by_key,
	.handshake_by_index = side_by_index,
};

static void side_init(struct side *s, const uint8_t priv[WG_KEY_LEN],
		      const uint8_t remote_pub[WG_KEY_LEN], const uint8_t *psk,
		      uint32_t first_index)
{
	memset(s, 0, sizeof(*s));
	noise_local_init(&s->local, &side_ops, s);
	assert_int_equal(noise_local_set_private_key(&s->local, priv), 0);
	noise_handshake_init(&s->hs, &s->local, remote_pub, psk);
	cookie_maker_init(&s->maker, remote_pub);
	cookie_checker_init(&s->checker, s->local.public_key, side_rng, s);
	s->know_peer = true;
	s->next_index = first_index;
}

/* Two sides with random keys that know each other. */
static void pair_init(struct side *a, struct side *b, const uint8_t *psk_a, const uint8_t *psk_b)
{
	uint8_t pa[32], pb[32], puba[32], pubb[32];

	rnd_fill(pa, 32);
	rnd_fill(pb, 32);
	assert_int_equal(noise_public_key(puba, pa), 0);
	assert_int_equal(noise_public_key(pubb, pb), 0);
	side_init(a, pa, pubb, psk_a, 100);
	side_init(b, pb, puba, psk_b, 200);
}

static struct timespec wall(time_t sec, long nsec)
{
	return (struct timespec){ .tv_sec = sec, .tv_nsec = nsec };
}

static struct mg_addr addr4(uint8_t last)
{
	struct mg_addr a = { .family = AF_INET };

	a.u.bytes[0] = 192;
	a.u.bytes[1] = 0;
	a.u.bytes[2] = 2;
	a.u.bytes[3] = last;
	return a;
}

/* Initiator: create, pack, add macs. */
static int send_initiation(struct side *s, const struct timespec *t, uint64_t now,
			   uint8_t buf[WG_INITIATION_LEN])
{
	struct wg_initiation m;
	int ret = noise_create_initiation(&s->hs, t, &m);

	if (ret)
		return ret;
	assert_int_equal(wg_initiation_pack(&m, buf, WG_INITIATION_LEN), 0);
	cookie_add_macs(&s->maker, buf, WG_INITIATION_LEN, now);
	return 0;
}

/* Responder's receive path: parse, check mac1, consume. */
static int recv_initiation(struct side *s, const uint8_t *buf, size_t len, uint64_t now,
			   struct noise_handshake **peer)
{
	struct mg_addr src = addr4(1);
	struct wg_initiation m;

	*peer = NULL;
	if (wg_initiation_unpack(&m, buf, len))
		return -EINVAL;
	if (cookie_check(&s->checker, buf, len, &src, 51820, false, now) != COOKIE_ACCEPT)
		return -EACCES;
	return noise_consume_initiation(&s->local, &m, now, peer);
}

static int send_response(struct side *s, uint64_t now, uint8_t buf[WG_RESPONSE_LEN])
{
	struct wg_response m;
	int ret = noise_create_response(&s->hs, &m);

	if (ret)
		return ret;
	assert_int_equal(wg_response_pack(&m, buf, WG_RESPONSE_LEN), 0);
	cookie_add_macs(&s->maker, buf, WG_RESPONSE_LEN, now);
	return 0;
}

static int recv_response(struct side *s, const uint8_t *buf, size_t len, uint64_t now,
			 struct noise_handshake **peer)
{
	struct mg_addr src = addr4(2);
	struct wg_response m;

	*peer = NULL;
	if (wg_response_unpack(&m, buf, len))
		return -EINVAL;
	if (cookie_check(&s->checker, buf, len, &src, 51820, false, now) != COOKIE_ACCEPT)
		return -EACCES;
	return noise_consume_response(&s->local, &m, peer);
}

/* A full exchange a -> b; both keypairs out. */
static void handshake(struct side *a, struct side *b, uint64_t now, struct noise_keypair *ka,
		      struct noise_keypair *kb)
{
	uint8_t init[WG_INITIATION_LEN], resp[WG_RESPONSE_LEN];
	struct timespec t = wall(1700000000 + (time_t)(now / WG_NSEC_PER_SEC), 0);
	struct noise_handshake *peer;

	assert_int_equal(send_initiation(a, &t, now, init), 0);
	assert_int_equal(recv_initiation(b, init, sizeof(init), now, &peer), 0);
	assert_ptr_equal(peer, &b->hs);
	assert_int_equal(send_response(b, now, resp), 0);
	assert_int_equal(noise_begin_session(&b->hs, now, kb), 0);
	assert_int_equal(recv_response(a, resp, sizeof(resp), now, &peer), 0);
	assert_ptr_equal(peer, &a->hs);
	assert_int_equal(noise_begin_session(&a->hs, now, ka), 0);
}

/* Seal with one side's sending key, open with the other's receiving key. */
static void assert_data_flows(const struct noise_keypair *from, const struct noise_keypair *to,
			      uint64_t counter)
{
	uint8_t plain[64], buf[WG_DATA_HEADER_LEN + sizeof(plain) + WG_AUTHTAG_LEN];
	uint8_t out[sizeof(plain)];
	struct wg_data d;

	rnd_fill(plain, sizeof(plain));
	assert_int_equal(wg_data_header_pack(from->remote_index, counter, buf, sizeof(buf)), 0);
	assert_int_equal(noise_data_seal(&from->sending, counter, buf + WG_DATA_HEADER_LEN, plain,
					 sizeof(plain)), 0);
	assert_int_equal(wg_data_unpack(&d, buf, sizeof(buf)), 0);
	assert_int_equal(d.receiver_index, to->local_index);
	assert_true(d.counter == counter);
	assert_int_equal(noise_data_open(&to->receiving, d.counter, out, d.ciphertext,
					 d.ciphertext_len), 0);
	assert_memory_equal(out, plain, sizeof(plain));
}

/* ---- known answer ------------------------------------------------------ */

/* The published precomputed values of other implementations. */
static void kat_initial_chaining_key_and_hash(void **state)
{
	uint8_t ck[32], h[32];
	struct blake2s_state s;

	(void)state;
	blake2s(ck, 32, NULL, 0, WG_CONSTRUCTION, WG_STRLEN(WG_CONSTRUCTION));
	assert_hex(ck, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36", 32);
	blake2s_init(&s, 32);
	blake2s_update(&s, ck, 32);
	blake2s_update(&s, WG_IDENTIFIER, WG_STRLEN(WG_IDENTIFIER));
	blake2s_final(&s, h);
	assert_hex(h, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3", 32);
}

/* Fixed statics, ephemerals, psk, indices and clock. The expected bytes
 * come from an independent computation of the whitepaper's equations
 * (Python: hashlib BLAKE2s, hmac, and the cryptography package's X25519
 * and ChaCha20-Poly1305: tests/unit/wg_kat.py), not from this code. */
static const char kat_initiation[] =
	"0100000044332211"
	"79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a"
	"f0225eb421886af8f54fb31289d49dcd82b0f6f3279d40d7cff913fece0c64ad"
	"226eef3320755b393b72f16842c8d7ee"
	"78a74e937e3f2a8288f4ecc1497e7a82cd9af09985477636df84c362"
	"9a4bdb66b8cbe55ba2ba1645a577a3ef"
	"00000000000000000000000000000000";
static const char kat_response[] =
	"020000008877665544332211"
	"675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
	"a89d37361ef7266427173427abbeccd0"
	"6dfc5b10f27e32ae9578cab93bd6abfb"
	"00000000000000000000000000000000";
static const char kat_i_send[] = "f26d13be8f8fe7fe36805b47503285e73bcb2fc6fe3ef37834e5f6128ad8cf50";
static const char kat_i_recv[] = "083bdab92ffb8da7ab5063bb2d96de2b7e09008d8e07bcf96ac25c340a778665";
static const char kat_data[] =
	"04000000" "88776655" "0700000000000000"
	"ce43bd19f423db79858f29db844c4d57037a9658ba53278ea57d43157885e548"
	"849e1208de758e35433d06b4efb24af8";
static const char kat_mac2[] = "a24cdf991d175784f97b0051d04bafda";

static void seq_bytes(uint8_t *p, uint8_t first)
{
	int i;

	for (i = 0; i < 32; i++)
		p[i] = (uint8_t)(first + i);
}

static void kat_handshake(void **state)
{
	static struct side a, b;
	uint8_t s_i[32], s_r[32], e_i[32], e_r[32], q[32], pub_i[32], pub_r[32];
	uint8_t init[WG_INITIATION_LEN], resp[WG_RESPONSE_LEN], data[WG_DATA_HEADER_LEN + 48];
	static const char payload[] = "meshgate data path test vector!!";
	struct timespec t = wall(1700000000, 123456789);
	struct noise_keypair ka, kb;
	struct noise_handshake *peer;
	size_t i;

	(void)state;
	seq_bytes(s_i, 0x00);
	seq_bytes(s_r, 0x20);
	seq_bytes(e_i, 0x40);
	seq_bytes(e_r, 0x60);
	seq_bytes(q, 0x80);
	assert_int_equal(noise_public_key(pub_i, s_i), 0);
	assert_int_equal(noise_public_key(pub_r, s_r), 0);
	side_init(&a, s_i, pub_r, q, 0x11223344);
	side_init(&b, s_r, pub_i, q, 0x55667788);
	a.fixed_ephemeral = e_i;
	b.fixed_ephemeral = e_r;

	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_hex(init, kat_initiation, WG_INITIATION_LEN);

	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
	assert_int_equal(send_response(&b, 0, resp), 0);
	assert_hex(resp, kat_response, WG_RESPONSE_LEN);
	assert_int_equal(noise_begin_session(&b.hs, 0, &kb), 0);

	assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), 0);
	assert_int_equal(noise_begin_session(&a.hs, 0, &ka), 0);
	assert_hex(ka.sending.key, kat_i_send, 32);
	assert_hex(ka.receiving.key, kat_i_recv, 32);
	assert_memory_equal(kb.receiving.key, ka.sending.key, 32);
	assert_memory_equal(kb.sending.key, ka.receiving.key, 32);
	assert_true(ka.is_initiator);
	assert_false(kb.is_initiator);
	assert_int_equal(ka.local_index, 0x11223344);
	assert_int_equal(ka.remote_index, 0x55667788);
	assert_int_equal(kb.local_index, 0x55667788);
	assert_int_equal(kb.remote_index, 0x11223344);

	assert_int_equal(wg_data_header_pack(ka.remote_index, 7, data, sizeof(data)), 0);
	assert_int_equal(noise_data_seal(&ka.sending, 7, data + WG_DATA_HEADER_LEN,
					 (const uint8_t *)payload, 32), 0);
	assert_hex(data, kat_data, sizeof(data));

	/* mac2 under a known cookie. */
	a.maker.is_cookie_valid = true;
	a.maker.cookie_birth = 0;
	for (i = 0; i < WG_COOKIE_LEN; i++)
		a.maker.cookie[i] = (uint8_t)(0xc0 + i);
	cookie_add_macs(&a.maker, init, sizeof(init), 0);
	assert_hex(init + WG_INITIATION_LEN - WG_MAC_LEN, kat_mac2, WG_MAC_LEN);
}

static void tai64n_labels(void **state)
{
	uint8_t a[12], b[12];
	struct timespec t = wall(0, 999999999);

	(void)state;
	tai64n_encode(a, &t);
	assert_hex(a, "400000000000000a3b9ac9ff", 12);
	tai64n_stamp(b, &t);
	assert_hex(b, "400000000000000a3b000000", 12);	/* ns rounded down to 2^24 */
	assert_true(tai64n_cmp(b, a) < 0);
	t = wall(1, 0);
	tai64n_encode(b, &t);
	assert_true(tai64n_cmp(a, b) < 0);
	assert_int_equal(tai64n_cmp(b, b), 0);
}

/* ---- handshakes between two identities --------------------------------- */

static void handshake_derives_matching_keys(void **state)
{
	static struct side a, b;
	struct noise_keypair ka, kb;
	static const uint8_t zero[32];

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	handshake(&a, &b, WG_SEC_TO_NS(5), &ka, &kb);
	assert_memory_equal(ka.sending.key, kb.receiving.key, 32);
	assert_memory_equal(ka.receiving.key, kb.sending.key, 32);
	assert_memory_not_equal(ka.sending.key, ka.receiving.key, 32);
	assert_true(ka.birth == WG_SEC_TO_NS(5));
	assert_int_equal(ka.remote_index, kb.local_index);
	assert_int_equal(kb.remote_index, ka.local_index);
	assert_data_flows(&ka, &kb, 0);
	assert_data_flows(&kb, &ka, 0);
	assert_data_flows(&ka, &kb, 12345);

	/* The handshakes gave up their secrets and their indices. */
	assert_int_equal(a.hs.state, NOISE_HS_ZEROED);
	assert_false(a.hs.has_index);
	assert_false(b.hs.has_index);
	assert_memory_equal(a.hs.ephemeral_private, zero, 32);
	assert_memory_equal(a.hs.chaining_key, zero, 32);
	assert_memory_equal(b.hs.chaining_key, zero, 32);
	assert_memory_equal(b.hs.hash, zero, 32);

	/* A second handshake, now the other way, gives new keys. */
	{
		struct noise_keypair ka2, kb2;

		handshake(&b, &a, WG_SEC_TO_NS(10), &kb2, &ka2);
		assert_true(kb2.is_initiator);
		assert_memory_not_equal(ka2.sending.key, ka.sending.key, 32);
		assert_data_flows(&ka2, &kb2, 1);
		assert_data_flows(&kb2, &ka2, 1);
		noise_keypair_clear(&ka2);
		noise_keypair_clear(&kb2);
	}
	noise_keypair_clear(&ka);
	assert_false(ka.sending.is_valid);
}

static void data_tampering_fails(void **state)
{
	static struct side a, b;
	struct noise_keypair ka, kb;
	uint8_t plain[16] = "sixteen bytes!!", buf[32], out[16];

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	handshake(&a, &b, 0, &ka, &kb);
	assert_int_equal(noise_data_seal(&ka.sending, 3, buf, plain, 16), 0);
	assert_int_equal(noise_data_open(&kb.receiving, 4, out, buf, 32), -EBADMSG);
	assert_int_equal(noise_data_open(&kb.sending, 3, out, buf, 32), -EBADMSG);
	buf[31] ^= 1;
	assert_int_equal(noise_data_open(&kb.receiving, 3, out, buf, 32), -EBADMSG);
	buf[31] ^= 1;
	assert_int_equal(noise_data_open(&kb.receiving, 3, out, buf, 15), -EBADMSG);
	assert_int_equal(noise_data_open(&kb.receiving, 3, out, buf, 32), 0);
	assert_memory_equal(out, plain, 16);
}

static void psk_on_both_sides(void **state)
{
	static struct side a, b;
	struct noise_keypair ka, kb, ka0, kb0;
	uint8_t psk[32];

	(void)state;
	rnd_fill(psk, 32);
	pair_init(&a, &b, psk, psk);
	handshake(&a, &b, 0, &ka, &kb);
	assert_data_flows(&ka, &kb, 0);
	assert_data_flows(&kb, &ka, 0);

	/* The same identities without the psk derive other keys. */
	noise_handshake_set_psk(&a.hs, NULL);
	noise_handshake_set_psk(&b.hs, NULL);
	handshake(&a, &b, WG_SEC_TO_NS(1), &ka0, &kb0);
	assert_memory_not_equal(ka.sending.key, ka0.sending.key, 32);
}

static void psk_mismatch_fails(void **state)
{
	static struct side a, b;
	uint8_t psk1[32], psk2[32], init[WG_INITIATION_LEN], resp[WG_RESPONSE_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	int i;

	(void)state;
	rnd_fill(psk1, 32);
	rnd_fill(psk2, 32);
	for (i = 0; i < 2; i++) {
		/* different psks, then a psk on one side only */
		pair_init(&a, &b, psk1, i == 0 ? psk2 : NULL);
		assert_int_equal(send_initiation(&a, &t, 0, init), 0);
		assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
		assert_int_equal(send_response(&b, 0, resp), 0);
		assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), -EBADMSG);
		assert_null(peer);
		assert_int_equal(a.hs.state, NOISE_HS_CREATED_INITIATION);
	}
}

static void wrong_responder_key_fails(void **state)
{
	static struct side a, b;
	uint8_t other[32], other_pub[32], init[WG_INITIATION_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	struct wg_initiation m;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	/* a believes b's key is someone else's */
	rnd_fill(other, 32);
	assert_int_equal(noise_public_key(other_pub, other), 0);
	noise_handshake_init(&a.hs, &a.local, other_pub, NULL);
	cookie_maker_init(&a.maker, other_pub);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), -EACCES);
	/* and without the mac1 check, noise itself refuses it */
	assert_int_equal(wg_initiation_unpack(&m, init, sizeof(init)), 0);
	assert_int_equal(noise_consume_initiation(&b.local, &m, 0, &peer), -EBADMSG);
	assert_null(peer);
	assert_int_equal(b.hs.state, NOISE_HS_ZEROED);
}

static void unknown_peer_rejected(void **state)
{
	static struct side a, b;
	uint8_t init[WG_INITIATION_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	b.know_peer = false;
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), -ENOENT);
	assert_null(peer);
	b.know_peer = true;
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
}

static void replayed_initiation_rejected(void **state)
{
	static struct side a, b;
	uint8_t old[WG_INITIATION_LEN], init[WG_INITIATION_LEN], again[WG_INITIATION_LEN];
	struct timespec t_old = wall(1700000000, 0), t = wall(1700000100, 0);
	struct noise_handshake *peer;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t_old, 0, old), 0);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), WG_SEC_TO_NS(1), &peer), 0);
	/* the same message again, long after the flood window */
	assert_int_equal(recv_initiation(&b, init, sizeof(init), WG_SEC_TO_NS(10), &peer), -ESTALE);
	/* an older timestamp */
	assert_int_equal(recv_initiation(&b, old, sizeof(old), WG_SEC_TO_NS(20), &peer), -ESTALE);
	/* the same timestamp in a fresh message */
	assert_int_equal(send_initiation(&a, &t, 0, again), 0);
	assert_int_equal(recv_initiation(&b, again, sizeof(again), WG_SEC_TO_NS(30), &peer),
			 -ESTALE);
	assert_null(peer);
	/* b still answers the accepted one */
	assert_int_equal(b.hs.state, NOISE_HS_CONSUMED_INITIATION);
}

/* More than 50 a second from one peer: the kernel's flood rule. */
static void initiation_flood_rejected(void **state)
{
	static struct side a, b;
	uint8_t m1[WG_INITIATION_LEN], m2[WG_INITIATION_LEN];
	struct timespec t1 = wall(1700000000, 0), t2 = wall(1700000001, 0);
	struct noise_handshake *peer;
	uint64_t now = WG_SEC_TO_NS(100);

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t1, 0, m1), 0);
	assert_int_equal(send_initiation(&a, &t2, 0, m2), 0);
	assert_int_equal(recv_initiation(&b, m1, sizeof(m1), now, &peer), 0);
	assert_int_equal(recv_initiation(&b, m2, sizeof(m2), now + MS(19), &peer), -EBUSY);
	assert_int_equal(recv_initiation(&b, m2, sizeof(m2), now + MS(20), &peer), 0);
}

static void response_needs_our_initiation(void **state)
{
	static struct side a, b;
	uint8_t init[WG_INITIATION_LEN], resp[WG_RESPONSE_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	struct noise_keypair ka, kb;
	struct wg_response r;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(noise_create_response(&b.hs, &r), -EPROTO);
	assert_int_equal(noise_begin_session(&b.hs, 0, &kb), -EPROTO);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(noise_begin_session(&a.hs, 0, &ka), -EPROTO);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
	assert_int_equal(send_response(&b, 0, resp), 0);
	assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), 0);
	/* the same response twice */
	assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), -EPROTO);
	assert_int_equal(noise_begin_session(&a.hs, 0, &ka), 0);
	/* once the index passed to the keypair it no longer finds a handshake */
	assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), -ENOENT);
}

/* A new initiation replaces the previous one; the old index is stale. */
static void new_initiation_replaces_old(void **state)
{
	static struct side a, b;
	uint8_t i1[WG_INITIATION_LEN], i2[WG_INITIATION_LEN], r1[WG_RESPONSE_LEN];
	struct timespec t1 = wall(1700000000, 0), t2 = wall(1700000005, 0);
	struct noise_handshake *peer;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t1, 0, i1), 0);
	assert_int_equal(a.hs.local_index, 100);
	assert_int_equal(recv_initiation(&b, i1, sizeof(i1), 0, &peer), 0);
	assert_int_equal(send_response(&b, 0, r1), 0);
	assert_int_equal(send_initiation(&a, &t2, 0, i2), 0);
	assert_int_equal(a.hs.local_index, 101);
	/* the response to the first goes to an index nobody holds */
	assert_int_equal(recv_response(&a, r1, sizeof(r1), 0, &peer), -ENOENT);
}

/* Both sides initiate at once: consuming the peer's drops our own. */
static void simultaneous_initiations(void **state)
{
	static struct side a, b;
	uint8_t ia[WG_INITIATION_LEN], ib[WG_INITIATION_LEN], rb[WG_RESPONSE_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	struct noise_keypair ka, kb;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t, 0, ia), 0);
	assert_int_equal(send_initiation(&b, &t, 0, ib), 0);
	assert_int_equal(recv_initiation(&b, ia, sizeof(ia), 0, &peer), 0);
	assert_int_equal(send_response(&b, 0, rb), 0);
	assert_int_equal(noise_begin_session(&b.hs, 0, &kb), 0);
	assert_int_equal(recv_response(&a, rb, sizeof(rb), 0, &peer), 0);
	assert_int_equal(noise_begin_session(&a.hs, 0, &ka), 0);
	assert_data_flows(&ka, &kb, 0);
	assert_data_flows(&kb, &ka, 0);
}

static void unusable_keys_refused(void **state)
{
	static struct side a;
	static const uint8_t low_order[32];	/* the zero point */
	uint8_t priv[32], init[WG_INITIATION_LEN];
	struct timespec t = wall(1700000000, 0);
	struct wg_initiation m;
	struct noise_handshake *peer;

	(void)state;
	rnd_fill(priv, 32);
	side_init(&a, priv, low_order, NULL, 1);
	assert_int_equal(send_initiation(&a, &t, 0, init), -ENOKEY);
	assert_false(a.hs.has_index);
	/* a local without identity neither initiates nor answers */
	noise_local_clear(&a.local);
	memset(&m, 0, sizeof(m));
	assert_int_equal(noise_consume_initiation(&a.local, &m, 0, &peer), -ENOKEY);
}

/* ---- malformed messages ------------------------------------------------ */

static void wg_type_and_sizes(void **state)
{
	uint8_t buf[200];
	struct wg_initiation i;
	struct wg_response r;
	struct wg_cookie_reply c;
	struct wg_data d;
	size_t n;

	(void)state;
	memset(buf, 0, sizeof(buf));
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	assert_int_equal(wg_message_type(buf, 4), -EINVAL);
	buf[0] = 5;
	assert_int_equal(wg_message_type(buf, 4), -EINVAL);
	buf[0] = 4;
	assert_int_equal(wg_message_type(buf, 3), -EINVAL);
	assert_int_equal(wg_message_type(buf, 4), WG_MSG_DATA);
	buf[2] = 1;
	assert_int_equal(wg_message_type(buf, 4), -EINVAL);
	buf[2] = 0;

	/* every length but the right one */
	for (n = 0; n < sizeof(buf); n++) {
		buf[0] = WG_MSG_INITIATION;
		assert_int_equal(wg_initiation_unpack(&i, buf, n), n == 148 ? 0 : -EINVAL);
		buf[0] = WG_MSG_RESPONSE;
		assert_int_equal(wg_response_unpack(&r, buf, n), n == 92 ? 0 : -EINVAL);
		buf[0] = WG_MSG_COOKIE_REPLY;
		assert_int_equal(wg_cookie_reply_unpack(&c, buf, n), n == 64 ? 0 : -EINVAL);
		buf[0] = WG_MSG_DATA;
		assert_int_equal(wg_data_unpack(&d, buf, n), n >= 32 ? 0 : -EINVAL);
	}
	assert_int_equal(d.ciphertext_len, sizeof(buf) - 1 - 16);
	assert_ptr_equal(d.ciphertext, buf + 16);
	/* a type the unpacker does not take */
	buf[0] = WG_MSG_RESPONSE;
	assert_int_equal(wg_initiation_unpack(&i, buf, 148), -EINVAL);
	assert_int_equal(wg_data_unpack(&d, buf, 148), -EINVAL);
	/* packers need room */
	memset(&i, 0, sizeof(i));
	assert_int_equal(wg_initiation_pack(&i, buf, 147), -ENOSPC);
	assert_int_equal(wg_response_pack(&r, buf, 91), -ENOSPC);
	assert_int_equal(wg_cookie_reply_pack(&c, buf, 63), -ENOSPC);
	assert_int_equal(wg_data_header_pack(1, 2, buf, 15), -ENOSPC);
}

static void reserved_bytes_rejected(void **state)
{
	static const size_t len[] = { 0, WG_INITIATION_LEN, WG_RESPONSE_LEN, WG_COOKIE_REPLY_LEN,
				      WG_DATA_MIN_LEN };
	uint8_t buf[WG_INITIATION_LEN];
	struct wg_initiation i;
	struct wg_response r;
	struct wg_cookie_reply c;
	struct wg_data d;
	int type, byte, ret;

	(void)state;
	for (type = 1; type <= 4; type++) {
		for (byte = 1; byte <= 3; byte++) {
			memset(buf, 0, sizeof(buf));
			buf[0] = (uint8_t)type;
			buf[byte] = 0x80;
			assert_int_equal(wg_message_type(buf, len[type]), -EINVAL);
			switch (type) {
			case 1: ret = wg_initiation_unpack(&i, buf, len[type]); break;
			case 2: ret = wg_response_unpack(&r, buf, len[type]); break;
			case 3: ret = wg_cookie_reply_unpack(&c, buf, len[type]); break;
			default: ret = wg_data_unpack(&d, buf, len[type]); break;
			}
			assert_int_equal(ret, -EINVAL);
		}
	}
}

static void pack_unpack_round_trip(void **state)
{
	struct wg_initiation i, i2;
	struct wg_response r, r2;
	struct wg_cookie_reply c, c2;
	uint8_t buf[WG_INITIATION_LEN];

	(void)state;
	rnd_fill((uint8_t *)&i, sizeof(i));
	rnd_fill((uint8_t *)&r, sizeof(r));
	rnd_fill((uint8_t *)&c, sizeof(c));
	assert_int_equal(wg_initiation_pack(&i, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[4], (uint8_t)i.sender_index);	/* little endian */
	assert_int_equal(wg_initiation_unpack(&i2, buf, WG_INITIATION_LEN), 0);
	assert_memory_equal(&i, &i2, sizeof(i));
	assert_int_equal(wg_response_pack(&r, buf, sizeof(buf)), 0);
	assert_int_equal(wg_response_unpack(&r2, buf, WG_RESPONSE_LEN), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	assert_int_equal(wg_cookie_reply_pack(&c, buf, sizeof(buf)), 0);
	assert_int_equal(wg_cookie_reply_unpack(&c2, buf, WG_COOKIE_REPLY_LEN), 0);
	assert_memory_equal(&c, &c2, sizeof(c));
}

/* Every bit of an initiation: each flip is refused (header by the parser,
 * the body by mac1), the Noise fields by Noise itself too, and afterwards
 * the untouched message still goes through: failures leave no state. */
static void initiation_bit_flips_rejected(void **state)
{
	static struct side a, b;
	uint8_t init[WG_INITIATION_LEN], bad[WG_INITIATION_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	struct wg_initiation m;
	size_t bit;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	for (bit = 0; bit < 8 * (WG_INITIATION_LEN - WG_MAC_LEN); bit++) {
		memcpy(bad, init, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(recv_initiation(&b, bad, sizeof(bad), 0, &peer), 0);
		assert_null(peer);
		/* ephemeral, static, timestamp: Noise's own authentication */
		if (bit / 8 >= 8 && bit / 8 < 116) {
			assert_int_equal(wg_initiation_unpack(&m, bad, sizeof(bad)), 0);
			assert_int_not_equal(noise_consume_initiation(&b.local, &m, 0, &peer), 0);
		}
	}
	assert_int_equal(b.hs.state, NOISE_HS_ZEROED);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
}

static void response_bit_flips_rejected(void **state)
{
	static struct side a, b;
	uint8_t init[WG_INITIATION_LEN], resp[WG_RESPONSE_LEN], bad[WG_RESPONSE_LEN];
	struct timespec t = wall(1700000000, 0);
	struct noise_handshake *peer;
	struct wg_response m;
	size_t bit;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(recv_initiation(&b, init, sizeof(init), 0, &peer), 0);
	assert_int_equal(send_response(&b, 0, resp), 0);
	for (bit = 0; bit < 8 * (WG_RESPONSE_LEN - WG_MAC_LEN); bit++) {
		memcpy(bad, resp, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(recv_response(&a, bad, sizeof(bad), 0, &peer), 0);
		assert_null(peer);
		/* ephemeral, empty: Noise's own authentication */
		if (bit / 8 >= 12 && bit / 8 < 60) {
			assert_int_equal(wg_response_unpack(&m, bad, sizeof(bad)), 0);
			assert_int_not_equal(noise_consume_response(&a.local, &m, &peer), 0);
		}
	}
	assert_int_equal(a.hs.state, NOISE_HS_CREATED_INITIATION);
	assert_int_equal(recv_response(&a, resp, sizeof(resp), 0, &peer), 0);
}

/* mac2 is what proves a cookie: a flipped bit there fails under load. */
static void mac2_bit_flips_need_cookie(void **state)
{
	static struct side a, b;
	uint8_t init[WG_INITIATION_LEN], bad[WG_INITIATION_LEN];
	struct timespec t = wall(1700000000, 0);
	struct mg_addr src = addr4(1);
	struct wg_cookie_reply c;
	size_t bit;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(cookie_reply_create(&b.checker, &c, init, sizeof(init), 1, &src, 9, 0), 0);
	assert_int_equal(cookie_reply_consume(&a.maker, &c, 0), 0);
	assert_int_equal(send_initiation(&a, &t, 0, init), 0);
	assert_int_equal(cookie_check(&b.checker, init, sizeof(init), &src, 9, true, 0),
			 COOKIE_ACCEPT_COOKIE);
	for (bit = 8 * (WG_INITIATION_LEN - WG_MAC_LEN); bit < 8 * WG_INITIATION_LEN; bit++) {
		memcpy(bad, init, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(cookie_check(&b.checker, bad, sizeof(bad), &src, 9, true, 0),
				 COOKIE_SEND_REPLY);
	}
}

static void data_bit_flips_rejected(void **state)
{
	static struct side a, b;
	struct noise_keypair ka, kb;
	uint8_t plain[16] = "0123456789abcde", msg[48], bad[48], out[16];
	struct wg_data d;
	size_t bit;
	int ret;

	(void)state;
	pair_init(&a, &b, NULL, NULL);
	handshake(&a, &b, 0, &ka, &kb);
	assert_int_equal(wg_data_header_pack(ka.remote_index, 9, msg, sizeof(msg)), 0);
	assert_int_equal(noise_data_seal(&ka.sending, 9, msg + 16, plain, 16), 0);
	for (bit = 0; bit < 8 * sizeof(msg); bit++) {
		memcpy(bad, msg, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ret = wg_data_unpack(&d, bad, sizeof(bad));
		if (ret == 0 && d.receiver_index == kb.local_index)
			ret = noise_data_open(&kb.receiving, d.counter, out, d.ciphertext,
					      d.ciphertext_len);
		else if (ret == 0)
			ret = -ENOENT;	/* no keypair has that index */
		assert_int_not_equal(ret, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kat_initial_chaining_key_and_hash),
		cmocka_unit_test(kat_handshake),
		cmocka_unit_test(tai64n_labels),
		cmocka_unit_test(handshake_derives_matching_keys),
		cmocka_unit_test(data_tampering_fails),
		cmocka_unit_test(psk_on_both_sides),
		cmocka_unit_test(psk_mismatch_fails),
		cmocka_unit_test(wrong_responder_key_fails),
		cmocka_unit_test(unknown_peer_rejected),
		cmocka_unit_test(replayed_initiation_rejected),
		cmocka_unit_test(initiation_flood_rejected),
		cmocka_unit_test(response_needs_our_initiation),
		cmocka_unit_test(new_initiation_replaces_old),
		cmocka_unit_test(simultaneous_initiations),
		cmocka_unit_test(unusable_keys_refused),
		cmocka_unit_test(wg_type_and_sizes),
		cmocka_unit_test(reserved_bytes_rejected),
		cmocka_unit_test(pack_unpack_round_trip),
		cmocka_unit_test(initiation_bit_flips_rejected),
		cmocka_unit_test(response_bit_flips_rejected),
		cmocka_unit_test(mac2_bit_flips_need_cookie),
		cmocka_unit_test(data_bit_flips_rejected),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
