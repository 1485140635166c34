/* vpn/mesh/join and join_client: the invitation exchange.
 *
 * Pure parts: key derivation checked against BLAKE2b itself, request and
 * reply round trips, every byte tampered with, strict reply fields, the
 * inviter's decision and its whole answer through callbacks, the joiner's
 * checks of a reply, and the joiner's state files.
 *
 * End to end on 127.0.0.1: a fake inviter (a child process running the
 * pure inviter code over the real invitation files) answers
 * join_client_run: accepted, wrong secret, expired token, invitation used
 * by another node, first reply lost, record signed by another network
 * key, no answer, and a silent first endpoint.
 *
 * `test_join --write-seeds DIR` writes the fuzz seeds (sealed with the
 * fuzz target's fixed secret). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "tests/unit/testutil.h"

#include "keys/announce.h"
#include "keys/invites.h"
#include "keys/keyfile.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/token.h"
#include "lib/atomicfile.h"
#include "lib/base64.h"
#include "vpn/mesh/alloc.h"
#include "vpn/mesh/join.h"
#include "vpn/mesh/join_client.h"

#define NOW 1700000000ULL
/* tests/fuzz/fuzz_join.c derives its keys from the same secret */
#define FUZZ_SECRET_BYTE 0x42

static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];
static uint8_t other_pub[NETKEY_PUB_LEN], other_sec[NETKEY_SECRET_LEN];
static uint8_t gw_pub[NETKEY_PUB_LEN], gw_sec[NETKEY_SECRET_LEN];
static uint8_t gw_record[RECORD_WIRE_MAX], gw_announce[ANNOUNCE_WIRE_MAX];
static size_t gw_record_len, gw_announce_len;
static char dir[64];

static void keys_from_byte(uint8_t *pub, uint8_t *sec, uint8_t b)
{
	uint8_t seed[NETKEY_SEED_LEN];

	memset(seed, b, sizeof(seed));
	netkey_from_seed(pub, sec, seed);
}

static void prefix(struct mg_prefix *p, const char *s)
{
	if (mg_prefix_parse(s, true, p) < 0)
		abort();
}

/* The inviter: gw1 of flat1, reachable at 127.0.0.1:51820. */
static int make_inviter(void)
{
	struct announce ann;
	struct record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.name, "gw1");
	strcpy(r.site, "flat1");
	r.role = RECORD_ROLE_GATEWAY;
	memset(r.wg_key, 0xa1, sizeof(r.wg_key));
	memcpy(r.node_key, gw_pub, sizeof(r.node_key));
	r.n_mesh = 2;
	prefix(&r.mesh[0], "10.77.0.1/16");
	prefix(&r.mesh[1], "fd77::1/48");
	r.sequence = 1;
	r.issued_at = NOW - 10;
	r.expires_at = NOW + RECORD_LIFETIME;
	if (record_sign(&r, net_sec) < 0 ||
	    record_encode(&r, gw_record, sizeof(gw_record), &gw_record_len) < 0)
		return -1;
	memset(&ann, 0, sizeof(ann));
	ann.version = ANNOUNCE_VERSION;
	strcpy(ann.name, "gw1");
	ann.sequence = 3;
	ann.timestamp = NOW - 5;
	ann.n_endpoints = 1;
	if (mg_addr_parse("127.0.0.1", &ann.endpoints[0].addr) < 0)
		return -1;
	ann.endpoints[0].port = 51820;
	if (announce_sign(&ann, gw_sec) < 0 ||
	    announce_encode(&ann, gw_announce, sizeof(gw_announce), &gw_announce_len) < 0)
		return -1;
	return 0;
}

static int setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	keys_from_byte(net_pub, net_sec, 0x4e);
	keys_from_byte(other_pub, other_sec, 0x4f);
	keys_from_byte(gw_pub, gw_sec, 0x17);
	return make_inviter();
}

static int fresh_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_join.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_token(struct token *t, uint16_t port)
{
	memset(t, 0, sizeof(*t));
	t->version = TOKEN_VERSION;
	t->n_endpoints = 1;
	strcpy(t->endpoints[0].host, "127.0.0.1");
	t->endpoints[0].port = port;
	netkey_fingerprint(t->network_id, net_pub);
	for (int i = 0; i < TOKEN_SECRET_LEN; i++)
		t->secret[i] = (uint8_t)(0x90 + i);
	strcpy(t->name, "pi");
	strcpy(t->site, "flat2");
	t->role = RECORD_ROLE_GATEWAY;
	t->expires_at = NOW + 3600;
}

static void make_invite(struct invite *inv, const struct token *t)
{
	struct join_keys k;

	memset(inv, 0, sizeof(*inv));
	join_keys_from_secret(t->secret, &k);
	memcpy(inv->id, k.id, sizeof(inv->id));
	inv->tok = *t;
	inv->created_at = NOW - 60;
	inv->state = INVITE_PENDING;
}

static void joiner_keys(struct join_request *req, uint8_t b)
{
	uint8_t sec[NETKEY_SECRET_LEN];

	memset(req->wg_pub, b, sizeof(req->wg_pub));
	keys_from_byte(req->node_pub, sec, b);
	req->timestamp = NOW;
}

/* What the daemon's issue step does: addresses, record, signature. */
static int issue_record(const struct invite *inv, const struct join_request *req, uint64_t now,
                        const uint8_t *signer, uint8_t *rec, size_t *rec_len)
{
	static const char *const ranges[] = { "10.77.0.0/16", "fd77::/48" };
	struct mg_addr in_use[2];
	struct record r;

	if (mg_addr_parse("10.77.0.1", &in_use[0]) < 0 || mg_addr_parse("fd77::1", &in_use[1]) < 0)
		return -EINVAL;
	join_record_init(&r, inv, req, now);
	for (size_t i = 0; i < 2; i++) {
		struct mg_prefix range;

		prefix(&range, ranges[i]);
		if (alloc_pick(&range, req->wg_pub, sizeof(req->wg_pub), in_use, 2, &r.mesh[i]) < 0)
			return -ENOSPC;
	}
	r.n_mesh = 2;
	if (record_sign(&r, signer) < 0)
		return -EINVAL;
	return record_encode(&r, rec, RECORD_WIRE_MAX, rec_len);
}

/* ---- key derivation and wire ---- */

static void test_kdf(void **state)
{
	uint8_t secret[TOKEN_SECRET_LEN], want[32], salt[16] = { 0 }, personal[16] = "mgjoin01";
	struct join_keys k, k2;

	for (int i = 0; i < TOKEN_SECRET_LEN; i++)
		secret[i] = (uint8_t)i;
	join_keys_from_secret(secret, &k);
	/* crypto_kdf is keyed BLAKE2b with the subkey id as salt and the
	 * context as personalisation: checked here without crypto_kdf */
	salt[0] = 1;
	crypto_generichash_blake2b_salt_personal(want, 16, NULL, 0, secret, 32, salt, personal);
	assert_memory_equal(k.id, want, 16);
	salt[0] = 2;
	crypto_generichash_blake2b_salt_personal(want, 32, NULL, 0, secret, 32, salt, personal);
	assert_memory_equal(k.key, want, 32);
	/* one bit of the secret changes both */
	secret[31] ^= 1;
	join_keys_from_secret(secret, &k2);
	assert_memory_not_equal(k.id, k2.id, JOIN_ID_LEN);
	assert_memory_not_equal(k.key, k2.key, JOIN_KEY_LEN);
	join_keys_wipe(&k2);
	assert_true(sodium_is_zero((uint8_t *)&k2, sizeof(k2)));
}

static void test_request_round_trip(void **state)
{
	uint8_t secret[32], msg[JOIN_MSG_MAX], msg2[JOIN_MSG_MAX], type, id[JOIN_ID_LEN];
	struct join_request req, back;
	struct join_keys k;
	size_t len, len2;

	memset(secret, 7, sizeof(secret));
	join_keys_from_secret(secret, &k);
	joiner_keys(&req, 0x21);
	req.timestamp = 0x0102030405060708ULL;
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	assert_int_equal(len, JOIN_REQUEST_LEN);
	assert_int_equal(msg[0], JOIN_T_REQUEST);
	assert_int_equal(join_peek(msg, len, &type, id), 0);
	assert_int_equal(type, JOIN_T_REQUEST);
	assert_memory_equal(id, k.id, JOIN_ID_LEN);
	assert_int_equal(join_request_open(&k, msg, len, &back), 0);
	assert_memory_equal(back.wg_pub, req.wg_pub, 32);
	assert_memory_equal(back.node_pub, req.node_pub, 32);
	assert_int_equal(back.timestamp, req.timestamp);
	/* a fresh nonce every time */
	assert_int_equal(join_request_build(&k, &req, msg2, sizeof(msg2), &len2), 0);
	assert_memory_not_equal(msg + 1 + JOIN_ID_LEN, msg2 + 1 + JOIN_ID_LEN, JOIN_NONCE_LEN);
	assert_int_equal(join_request_build(&k, &req, msg, JOIN_REQUEST_LEN - 1, &len), -ENOBUFS);
}

static void test_request_tampered(void **state)
{
	uint8_t secret[32], msg[JOIN_REQUEST_LEN + 1], bad[JOIN_REQUEST_LEN + 1];
	struct join_request req, back;
	struct join_keys k, wrong;
	size_t len;

	memset(secret, 7, sizeof(secret));
	join_keys_from_secret(secret, &k);
	joiner_keys(&req, 0x21);
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(bad, msg, len);
			bad[i] ^= (uint8_t)(1u << bit);
			int r = join_request_open(&k, bad, len, &back);
			/* the type and id are checked first; the rest is the AEAD's */
			assert_int_equal(r, i < 1 + JOIN_ID_LEN ? -EINVAL : -EBADMSG);
		}
	}
	for (size_t n = 0; n < len; n++)
		assert_int_equal(join_request_open(&k, msg, n, &back), -EINVAL);
	memcpy(bad, msg, len);
	bad[len] = 0;
	assert_int_equal(join_request_open(&k, bad, len + 1, &back), -EINVAL);
	/* the same id with another key does not open */
	wrong = k;
	wrong.key[0] ^= 1;
	assert_int_equal(join_request_open(&wrong, msg, len, &back), -EBADMSG);
}

static void test_request_unusable_keys(void **state)
{
	uint8_t secret[32] = { 1 }, msg[JOIN_MSG_MAX];
	struct join_request req, back;
	struct join_keys k;
	size_t len;

	join_keys_from_secret(secret, &k);
	joiner_keys(&req, 0x21);
	memset(req.wg_pub, 0, sizeof(req.wg_pub));
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_request_open(&k, msg, len, &back), -EINVAL);
	joiner_keys(&req, 0x21);
	memset(req.node_pub, 0, sizeof(req.node_pub));
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_request_open(&k, msg, len, &back), -EINVAL);
}

static void ok_reply(struct join_reply *rep)
{
	struct invite inv;
	struct join_request req;
	struct token t;

	memset(rep, 0, sizeof(*rep));
	make_token(&t, 51820);
	make_invite(&inv, &t);
	joiner_keys(&req, 0x21);
	rep->status = JOIN_OK;
	memcpy(rep->network_pub, net_pub, sizeof(rep->network_pub));
	assert_int_equal(issue_record(&inv, &req, NOW, net_sec, rep->record, &rep->record_len), 0);
	memcpy(rep->inviter_record, gw_record, gw_record_len);
	rep->inviter_record_len = gw_record_len;
	memcpy(rep->announce, gw_announce, gw_announce_len);
	rep->announce_len = gw_announce_len;
}

static void assert_replies_equal(const struct join_reply *a, const struct join_reply *b)
{
	assert_int_equal(a->status, b->status);
	assert_string_equal(a->message, b->message);
	if (a->status != JOIN_OK)
		return;
	assert_memory_equal(a->network_pub, b->network_pub, NETKEY_PUB_LEN);
	assert_int_equal(a->record_len, b->record_len);
	assert_memory_equal(a->record, b->record, a->record_len);
	assert_int_equal(a->inviter_record_len, b->inviter_record_len);
	assert_memory_equal(a->inviter_record, b->inviter_record, a->inviter_record_len);
	assert_int_equal(a->announce_len, b->announce_len);
	if (a->announce_len)
		assert_memory_equal(a->announce, b->announce, a->announce_len);
}

static void test_reply_round_trip(void **state)
{
	uint8_t secret[32] = { 9 }, msg[JOIN_MSG_MAX], type, id[JOIN_ID_LEN];
	struct join_reply rep, back;
	struct join_request req;
	struct join_keys k;
	size_t len;

	join_keys_from_secret(secret, &k);
	ok_reply(&rep);
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_peek(msg, len, &type, id), 0);
	assert_int_equal(type, JOIN_T_REPLY);
	assert_int_equal(join_reply_open(&k, msg, len, &back), 0);
	assert_replies_equal(&rep, &back);
	/* a reply is never taken for a request, whatever the key */
	assert_int_equal(join_request_open(&k, msg, len, &req), -EINVAL);
	assert_int_equal(join_reply_build(&k, &rep, msg, len - 1, &len), -ENOBUFS);

	rep.announce_len = 0;
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_reply_open(&k, msg, len, &back), 0);
	assert_replies_equal(&rep, &back);

	for (uint8_t st = 1; st < 6; st++) {
		memset(&rep, 0, sizeof(rep));
		rep.status = st;
		if (st & 1)
			snprintf(rep.message, sizeof(rep.message), "refused for reason %u", st);
		assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
		assert_int_equal(join_reply_open(&k, msg, len, &back), 0);
		assert_replies_equal(&rep, &back);
		assert_non_null(join_status_str(st));
	}
	assert_string_equal(join_status_str(JOIN_USED),
	                    "the invitation was already used by another node");
}

static void test_reply_tampered(void **state)
{
	uint8_t secret[32] = { 9 }, msg[JOIN_MSG_MAX], bad[JOIN_MSG_MAX + 1];
	struct join_reply rep, back;
	struct join_keys k;
	size_t len;

	join_keys_from_secret(secret, &k);
	memset(&rep, 0, sizeof(rep));
	rep.status = JOIN_USED;
	strcpy(rep.message, "no");
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, msg, len);
		bad[i] ^= 0x10;
		assert_true(join_reply_open(&k, bad, len, &back) < 0);
	}
	for (size_t n = 0; n < len; n++)
		assert_true(join_reply_open(&k, msg, n, &back) < 0);
}

/* Plaintexts made by hand: every rule of the reply's fields. */
static size_t plain(uint8_t *buf, size_t cap, const char *spec)
{
	struct wcur w = wcur_init(buf, cap);
	uint8_t blob[RECORD_WIRE_MAX + 1];

	memset(blob, 0x5a, sizeof(blob));
	for (const char *p = spec; *p; p++) {
		switch (*p) {
		case 'S': tlv_put_u8(&w, 1, 0); break;               /* status ok */
		case 'E': tlv_put_u8(&w, 1, JOIN_EXPIRED); break;
		case 'M': tlv_put(&w, 2, "go away", 7); break;
		case 'C': tlv_put(&w, 2, "bell\a", 5); break;       /* a control character */
		case 'L': tlv_put(&w, 2, blob, JOIN_TEXT_MAX + 1); break;
		case 'Z': tlv_put(&w, 2, "", 0); break;
		case 'N': tlv_put(&w, 3, net_pub, 32); break;
		case 'n': tlv_put(&w, 3, net_pub, 31); break;
		case 'R': tlv_put(&w, 4, blob, 100); break;
		case 'r': tlv_put(&w, 4, blob, 0); break;
		case 'B': tlv_put(&w, 4, blob, RECORD_WIRE_MAX + 1); break;
		case 'I': tlv_put(&w, 5, blob, 100); break;
		case 'A': tlv_put(&w, 6, blob, 100); break;
		case 'X': tlv_put(&w, 7, blob, 1); break;
		case 's': tlv_put(&w, 1, blob, 2); break;            /* status of two bytes */
		case '!': wcur_u8(&w, 9); break;                    /* a field cut short */
		}
	}
	assert_false(w.err);
	return w.off;
}

static void test_reply_fields(void **state)
{
	static const struct {
		const char *spec;
		int want;
	} cases[] = {
		{ "SNRIA", 0 }, { "SNRI", 0 }, { "E", 0 }, { "EM", 0 },
		{ "", -EINVAL }, { "M", -EINVAL }, { "NRI", -EINVAL },
		{ "SRI", -EINVAL }, { "SNI", -EINVAL }, { "SNR", -EINVAL }, { "SNA", -EINVAL },
		{ "SMNRI", -EINVAL }, { "EN", -EINVAL }, { "ER", -EINVAL }, { "EMA", -EINVAL },
		{ "EC", -EINVAL }, { "EL", -EINVAL }, { "EZ", -EINVAL }, { "SnRI", -EINVAL },
		{ "SNrI", -EINVAL }, { "SNBI", -EINVAL }, { "SNRIX", -EINVAL }, { "SNRIA!", -EINVAL },
		{ "s", -EINVAL }, { "EE", -EINVAL }, { "SNRRI", -EINVAL },
	};
	uint8_t buf[8192];
	struct join_reply rep;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = plain(buf, sizeof(buf), cases[i].spec);

		if (join_reply_decode(buf, n, &rep) != cases[i].want)
			fail_msg("reply fields \"%s\": expected %d", cases[i].spec, cases[i].want);
	}
	/* what decodes encodes back to the same bytes */
	size_t n = plain(buf, sizeof(buf), "SNRIA"), m;
	uint8_t again[JOIN_REPLY_PLAIN_MAX];
	assert_int_equal(join_reply_decode(buf, n, &rep), 0);
	assert_int_equal(join_reply_encode(&rep, again, sizeof(again), &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(again, buf, n);
	/* the encoder refuses what the decoder would */
	rep.message[0] = 'x';
	assert_int_equal(join_reply_encode(&rep, again, sizeof(again), &m), -EINVAL);
	memset(&rep, 0, sizeof(rep));
	rep.status = JOIN_REFUSED;
	strcpy(rep.message, "two\nlines");
	assert_int_equal(join_reply_encode(&rep, again, sizeof(again), &m), -EINVAL);
	ok_reply(&rep);
	rep.record_len = 0;
	assert_int_equal(join_reply_encode(&rep, again, sizeof(again), &m), -EINVAL);
}

/* The largest reply is JOIN_MSG_MAX and one byte more is no reply. */
static void test_reply_largest(void **state)
{
	uint8_t secret[32] = { 9 }, msg[JOIN_MSG_MAX + 1], type, id[JOIN_ID_LEN];
	struct join_reply rep, back;
	struct join_keys k;
	size_t len;

	join_keys_from_secret(secret, &k);
	memset(&rep, 0, sizeof(rep));
	rep.record_len = RECORD_WIRE_MAX;
	rep.inviter_record_len = RECORD_WIRE_MAX;
	rep.announce_len = ANNOUNCE_WIRE_MAX;
	memset(rep.network_name, 'n', WIRE_LABEL_MAX);
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
	/* an ok reply has no message: the longest is short of JOIN_TEXT_MAX + 3 */
	assert_int_equal(len, JOIN_MSG_MAX - (JOIN_TEXT_MAX + WIRE_TLV_HDR));
	assert_int_equal(join_reply_open(&k, msg, len, &back), 0);
	assert_string_equal(back.network_name, rep.network_name);
	/* a name that is no label is refused */
	rep.network_name[0] = '-';
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), -EINVAL);
	rep.network_name[0] = 'n';
	assert_int_equal(join_peek(msg, JOIN_MSG_MAX, &type, id), 0);
	assert_int_equal(join_peek(msg, JOIN_MSG_MAX + 1, &type, id), -EINVAL);
	assert_int_equal(join_peek(msg, JOIN_REPLY_MIN - 1, &type, id), -EINVAL);
	memset(&rep, 0, sizeof(rep));
	rep.status = JOIN_REFUSED;
	memset(rep.message, 'x', JOIN_TEXT_MAX);
	assert_int_equal(join_reply_build(&k, &rep, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_reply_open(&k, msg, len, &back), 0);
	assert_int_equal(strlen(back.message), JOIN_TEXT_MAX);
}

static void test_unknown_and_peek(void **state)
{
	uint8_t id[JOIN_ID_LEN], back[JOIN_ID_LEN], msg[64], type;
	size_t len;

	memset(id, 0xcd, sizeof(id));
	assert_int_equal(join_unknown_build(id, msg, JOIN_UNKNOWN_LEN - 1, &len), -ENOBUFS);
	assert_int_equal(join_unknown_build(id, msg, sizeof(msg), &len), 0);
	assert_int_equal(len, JOIN_UNKNOWN_LEN);
	assert_int_equal(msg[0], JOIN_T_UNKNOWN);
	assert_int_equal(join_unknown_parse(msg, len, back), 0);
	assert_memory_equal(back, id, JOIN_ID_LEN);
	assert_int_equal(join_unknown_parse(msg, len - 1, back), -EINVAL);
	assert_int_equal(join_unknown_parse(msg, len + 1, back), -EINVAL);
	/* only the three join types, never a WireGuard message */
	memset(msg, 0, sizeof(msg));
	for (unsigned t = 0; t < 256; t++) {
		size_t n = t == JOIN_T_REQUEST ? JOIN_REQUEST_LEN : t == JOIN_T_REPLY ? JOIN_REPLY_MIN
		                                                                      : JOIN_UNKNOWN_LEN;
		uint8_t big[JOIN_REQUEST_LEN] = { (uint8_t)t };

		assert_int_equal(join_peek(big, n, &type, back) == 0,
		                 t >= JOIN_T_REQUEST && t <= JOIN_T_UNKNOWN);
	}
	msg[0] = JOIN_T_REQUEST;
	assert_int_equal(join_peek(msg, JOIN_REQUEST_LEN - 1, &type, back), -EINVAL);
	assert_int_equal(join_peek(msg, 0, &type, back), -EINVAL);
}

/* ---- the inviter's decision ---- */

static void test_decide(void **state)
{
	struct join_request req, other;
	struct invite inv;
	struct token t;
	const char *why = NULL;

	make_token(&t, 51820);
	make_invite(&inv, &t);
	joiner_keys(&req, 0x21);
	joiner_keys(&other, 0x22);
	assert_int_equal(join_decide(&inv, &req, NOW, &why), JOIN_ACCEPT);
	assert_non_null(why);
	assert_int_equal(join_decide(&inv, &req, t.expires_at - 1, &why), JOIN_ACCEPT);
	assert_int_equal(join_decide(&inv, &req, t.expires_at, &why), JOIN_REFUSE_EXPIRED);
	assert_non_null(strstr(why, "expired"));

	inv.state = INVITE_USED;
	memcpy(inv.joiner_wg, req.wg_pub, 32);
	memcpy(inv.joiner_node, req.node_pub, 32);
	assert_int_equal(join_decide(&inv, &req, NOW, &why), JOIN_RESEND);
	/* the reply can be lost around the expiry too: still the same record */
	assert_int_equal(join_decide(&inv, &req, t.expires_at + 10, &why), JOIN_RESEND);
	assert_int_equal(join_decide(&inv, &other, NOW, &why), JOIN_REFUSE_USED);
	assert_non_null(strstr(why, "already used"));
	/* one of the two keys the same is another joiner all the same */
	memcpy(other.wg_pub, req.wg_pub, 32);
	assert_int_equal(join_decide(&inv, &other, NOW, &why), JOIN_REFUSE_USED);
	joiner_keys(&other, 0x22);
	memcpy(other.node_pub, req.node_pub, 32);
	assert_int_equal(join_decide(&inv, &other, NOW, &why), JOIN_REFUSE_USED);
}

static void test_record_init(void **state)
{
	struct join_request req;
	struct invite inv;
	struct record r;
	struct token t;

	make_token(&t, 51820);
	make_invite(&inv, &t);
	joiner_keys(&req, 0x21);
	join_record_init(&r, &inv, &req, NOW);
	assert_string_equal(r.name, "pi");
	assert_string_equal(r.site, "flat2");
	assert_int_equal(r.role, RECORD_ROLE_GATEWAY);
	assert_memory_equal(r.wg_key, req.wg_pub, 32);
	assert_memory_equal(r.node_key, req.node_pub, 32);
	assert_memory_equal(r.network_id, t.network_id, NETKEY_FP_LEN);
	assert_int_equal(r.sequence, 1);
	assert_int_equal(r.issued_at, NOW);
	assert_int_equal(r.expires_at, NOW + RECORD_LIFETIME);
	assert_int_equal(r.n_mesh, 0);
}

/* An inviter in memory, with failures on demand. */
struct mem {
	struct invite inv;
	bool have;
	const uint8_t *signer;
	int issue_err, mark_err, find_err;
	int issued, marked;
};

static int mem_find(void *ctx, const uint8_t id[JOIN_ID_LEN], struct invite *inv)
{
	struct mem *m = ctx;

	if (m->find_err)
		return m->find_err;
	if (!m->have || memcmp(id, m->inv.id, JOIN_ID_LEN) != 0)
		return -ENOENT;
	*inv = m->inv;
	return 0;
}

static int mem_issue(void *ctx, const struct invite *inv, const struct join_request *req,
                     uint64_t now, uint8_t *rec, size_t *rec_len)
{
	struct mem *m = ctx;

	m->issued++;
	if (m->issue_err)
		return m->issue_err;
	return issue_record(inv, req, now, m->signer, rec, rec_len);
}

static int mem_mark(void *ctx, struct invite *inv, const struct join_request *req,
                    const uint8_t *rec, size_t rec_len, uint64_t now)
{
	struct mem *m = ctx;

	m->marked++;
	if (m->mark_err)
		return m->mark_err;
	inv->state = INVITE_USED;
	memcpy(inv->joiner_wg, req->wg_pub, 32);
	memcpy(inv->joiner_node, req->node_pub, 32);
	memcpy(inv->record, rec, rec_len);
	inv->record_len = rec_len;
	inv->used_at = now;
	m->inv = *inv;
	return 0;
}

static struct join_inviter mem_inviter(struct mem *m)
{
	return (struct join_inviter){
		.ctx = m, .find = mem_find, .issue = mem_issue, .mark_used = mem_mark,
		.network_pub = net_pub, .own_record = gw_record, .own_record_len = gw_record_len,
		.own_announce = gw_announce, .own_announce_len = gw_announce_len,
	};
}

/* Sends req to the inviter and opens what comes back. */
static int ask(const struct join_inviter *iv, const struct token *t, const struct join_request *req,
               uint64_t now, struct join_reply *rep)
{
	uint8_t msg[JOIN_REQUEST_LEN], out[JOIN_MSG_MAX], type, id[JOIN_ID_LEN];
	struct join_keys k;
	const char *why = NULL;
	size_t len, olen;
	int r;

	join_keys_from_secret(t->secret, &k);
	assert_int_equal(join_request_build(&k, req, msg, sizeof(msg), &len), 0);
	r = join_inviter_answer(iv, msg, len, now, out, sizeof(out), &olen, &why);
	assert_non_null(why);
	if (r < 0)
		return r;
	assert_int_equal(join_peek(out, olen, &type, id), 0);
	assert_memory_equal(id, k.id, JOIN_ID_LEN);
	if (type == JOIN_T_UNKNOWN)
		return 1;
	assert_int_equal(type, JOIN_T_REPLY);
	assert_int_equal(join_reply_open(&k, out, olen, rep), 0);
	return 0;
}

static void test_inviter_answer(void **state)
{
	struct mem m = { .signer = net_sec };
	struct join_inviter iv = mem_inviter(&m);
	struct join_request req, other;
	struct join_reply rep, first;
	struct record own, inviter;
	const char *why;
	struct token t, wrong;

	make_token(&t, 51820);
	make_invite(&m.inv, &t);
	m.have = true;
	joiner_keys(&req, 0x21);
	joiner_keys(&other, 0x22);

	/* accepted: a record that checks out, and the invitation spent */
	assert_int_equal(ask(&iv, &t, &req, NOW, &first), 0);
	assert_int_equal(first.status, JOIN_OK);
	assert_int_equal(join_reply_verify(&first, &t, req.wg_pub, req.node_pub, NOW, &own,
	                                   &inviter, &why), 0);
	assert_string_equal(own.name, "pi");
	assert_string_equal(inviter.name, "gw1");
	assert_int_equal(own.n_mesh, 2);
	assert_int_equal(own.mesh[0].len, 16);
	assert_int_equal(own.mesh[1].len, 48);
	assert_int_equal(m.issued, 1);
	assert_int_equal(m.marked, 1);
	assert_int_equal(m.inv.state, INVITE_USED);

	/* the same joiner again: the same record, nothing issued */
	assert_int_equal(ask(&iv, &t, &req, NOW + 5, &rep), 0);
	assert_int_equal(rep.status, JOIN_OK);
	assert_int_equal(rep.record_len, first.record_len);
	assert_memory_equal(rep.record, first.record, first.record_len);
	assert_int_equal(m.issued, 1);

	/* another joiner with the same token */
	assert_int_equal(ask(&iv, &t, &other, NOW + 5, &rep), 0);
	assert_int_equal(rep.status, JOIN_USED);
	assert_non_null(strstr(rep.message, "already used"));

	/* a token the inviter does not have */
	wrong = t;
	wrong.secret[0] ^= 1;
	assert_int_equal(ask(&iv, &wrong, &req, NOW, &rep), 1);

	/* expired */
	make_invite(&m.inv, &t);
	assert_int_equal(ask(&iv, &t, &req, t.expires_at, &rep), 0);
	assert_int_equal(rep.status, JOIN_EXPIRED);

	/* no record could be made; the invitation could not be stored */
	m.issue_err = -ENOSPC;
	assert_int_equal(ask(&iv, &t, &req, NOW, &rep), 0);
	assert_int_equal(rep.status, JOIN_REFUSED);
	assert_int_equal(m.inv.state, INVITE_PENDING);
	m.issue_err = 0;
	m.mark_err = -EIO;
	assert_int_equal(ask(&iv, &t, &req, NOW, &rep), 0);
	assert_int_equal(rep.status, JOIN_REFUSED);
	assert_int_equal(rep.record_len, 0);
	assert_int_equal(m.inv.state, INVITE_PENDING);
	m.mark_err = 0;

	/* the store fails: nothing to send */
	m.find_err = -EIO;
	assert_int_equal(ask(&iv, &t, &req, NOW, &rep), -EIO);
	m.find_err = 0;

	/* an invitation whose stored secret does not give its id */
	m.inv.tok.secret[5] ^= 1;
	assert_int_equal(ask(&iv, &t, &req, NOW, &rep), -EINVAL);
}

static void test_inviter_answer_drops(void **state)
{
	struct mem m = { .signer = net_sec };
	struct join_inviter iv = mem_inviter(&m);
	uint8_t msg[JOIN_MSG_MAX], out[JOIN_MSG_MAX];
	struct join_request req;
	struct join_keys k;
	const char *why;
	struct token t;
	size_t len, olen;

	make_token(&t, 51820);
	make_invite(&m.inv, &t);
	m.have = true;
	joiner_keys(&req, 0x21);
	join_keys_from_secret(t.secret, &k);
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	/* sealed with another key under the right id: someone without the secret */
	msg[len - 1] ^= 1;
	assert_int_equal(join_inviter_answer(&iv, msg, len, NOW, out, sizeof(out), &olen, &why),
	                 -EBADMSG);
	msg[len - 1] ^= 1;
	assert_int_equal(join_inviter_answer(&iv, msg, len - 1, NOW, out, sizeof(out), &olen, &why),
	                 -EINVAL);
	assert_int_equal(join_inviter_answer(&iv, msg, len, NOW, out, JOIN_MSG_MAX - 1, &olen, &why),
	                 -ENOBUFS);
	/* a reply or JOIN_UNKNOWN sent to the inviter is no request */
	assert_int_equal(join_unknown_build(k.id, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_inviter_answer(&iv, msg, len, NOW, out, sizeof(out), &olen, &why),
	                 -EINVAL);
	/* a node without its own record cannot answer */
	iv.own_record_len = 0;
	assert_int_equal(join_request_build(&k, &req, msg, sizeof(msg), &len), 0);
	assert_int_equal(join_inviter_answer(&iv, msg, len, NOW, out, sizeof(out), &olen, &why),
	                 -EINVAL);
	assert_int_equal(m.issued, 0);
}

/* ---- the joiner's checks ---- */

static void test_reply_verify(void **state)
{
	struct join_request req;
	struct join_reply rep, bad;
	struct record own, inv_rec, r;
	struct invite inv;
	struct token t;
	const char *why;

	make_token(&t, 51820);
	make_invite(&inv, &t);
	joiner_keys(&req, 0x21);
	ok_reply(&rep);
	assert_int_equal(join_reply_verify(&rep, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), 0);

	/* the network key of another network */
	bad = rep;
	memcpy(bad.network_pub, other_pub, 32);
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	assert_non_null(strstr(why, "network"));
	/* our record signed by another key */
	bad = rep;
	assert_int_equal(issue_record(&inv, &req, NOW, other_sec, bad.record, &bad.record_len), 0);
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	assert_non_null(strstr(why, "not signed"));
	/* a record for other keys, or another name */
	struct join_request other;
	joiner_keys(&other, 0x22);
	assert_int_equal(join_reply_verify(&rep, &t, other.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	assert_int_equal(join_reply_verify(&rep, &t, req.wg_pub, other.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	struct token t2 = t;
	strcpy(t2.name, "pj");
	assert_int_equal(join_reply_verify(&rep, &t2, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	t2 = t;
	t2.role = RECORD_ROLE_CLIENT;
	assert_int_equal(join_reply_verify(&rep, &t2, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	/* expired by our clock */
	assert_int_equal(join_reply_verify(&rep, &t, req.wg_pub, req.node_pub,
	                                   NOW + RECORD_LIFETIME, &own, &inv_rec, &why), -EKEYEXPIRED);
	/* the inviter's record tampered with, or its announcement */
	bad = rep;
	bad.inviter_record[10] ^= 1;
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	bad = rep;
	bad.announce[bad.announce_len - 1] ^= 1;
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	assert_non_null(strstr(why, "announcement"));
	/* the announcement of another node than the inviter */
	bad = rep;
	assert_int_equal(record_decode(rep.record, rep.record_len, &r), 0);
	memcpy(bad.inviter_record, rep.record, rep.record_len);
	bad.inviter_record_len = rep.record_len;
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
	/* no announcement is fine */
	bad = rep;
	bad.announce_len = 0;
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), 0);
	bad.status = JOIN_USED;
	assert_int_equal(join_reply_verify(&bad, &t, req.wg_pub, req.node_pub, NOW, &own, &inv_rec,
	                                   &why), -EBADMSG);
}

/* ---- the joiner's state files ---- */

static void filled_result(struct join_result *res)
{
	struct join_request req;
	struct join_reply rep;
	struct token t;
	const char *why;

	memset(res, 0, sizeof(*res));
	randombytes_buf(res->wg_private, 32);
	res->wg_private[0] &= 248;
	res->wg_private[31] = (uint8_t)((res->wg_private[31] & 127) | 64);
	crypto_scalarmult_curve25519_base(res->wg_public, res->wg_private);
	netkey_generate(res->node_public, res->node_secret);
	memcpy(req.wg_pub, res->wg_public, 32);
	memcpy(req.node_pub, res->node_public, 32);
	make_token(&t, 51820);
	ok_reply(&rep);
	{
		struct invite inv;

		make_invite(&inv, &t);
		assert_int_equal(issue_record(&inv, &req, NOW, net_sec, rep.record, &rep.record_len), 0);
	}
	assert_int_equal(join_reply_verify(&rep, &t, res->wg_public, res->node_public, NOW,
	                                   &res->record, &res->inviter, &why), 0);
	memcpy(res->network_pub, net_pub, 32);
	memcpy(res->record_bytes, rep.record, rep.record_len);
	res->record_len = rep.record_len;
	memcpy(res->inviter_record, rep.inviter_record, rep.inviter_record_len);
	res->inviter_record_len = rep.inviter_record_len;
	memcpy(res->inviter_announce, rep.announce, rep.announce_len);
	res->inviter_announce_len = rep.announce_len;
}

static void assert_file(const char *name, mode_t mode, uint8_t *buf, size_t cap, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/state/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s has mode %o, not %o", name, st.st_mode & 07777, mode);
	assert_int_equal(atomicfile_read(path, buf, cap, len), 0);
}

static void test_write_state(void **state)
{
	uint8_t buf[4096], key[32], pub[32], rec[RECORD_WIRE_MAX], ann[ANNOUNCE_WIRE_MAX];
	char sdir[128], path[PATH_MAX], err[512];
	struct join_result *res = malloc(sizeof(*res));
	size_t len, rl, al;
	struct stat st;

	assert_non_null(res);
	filled_result(res);
	snprintf(sdir, sizeof(sdir), "%s/state", dir);
	assert_int_equal(join_client_write_state(sdir, res, err, sizeof(err)), 0);
	assert_int_equal(stat(sdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* private.key: what wg genkey prints, for the same public key */
	assert_file("private.key", 0600, buf, sizeof(buf), &len);
	assert_int_equal(len, 45);
	assert_int_equal(buf[44], '\n');
	buf[44] = '\0';
	assert_int_equal(base64_decode_exact(key, 32, (char *)buf), 0);
	assert_memory_equal(key, res->wg_private, 32);
	assert_int_equal(crypto_scalarmult_curve25519_base(pub, key), 0);
	assert_memory_equal(pub, res->wg_public, 32);
	/* node.key: a key file of the node's seed */
	snprintf(path, sizeof(path), "%s/node.key", sdir);
	assert_int_equal(keyfile_read(path, KEYFILE_NODE, key, NETKEY_SEED_LEN), 0);
	assert_memory_equal(key, res->node_secret, NETKEY_SEED_LEN);
	assert_file("node.key", 0600, buf, sizeof(buf), &len);
	/* network.pub */
	assert_file("network.pub", 0644, buf, sizeof(buf), &len);
	assert_int_equal(len, 45);
	buf[44] = '\0';
	assert_int_equal(base64_decode_exact(key, 32, (char *)buf), 0);
	assert_memory_equal(key, net_pub, 32);
	/* record, bootstrap */
	assert_file("record", 0644, buf, sizeof(buf), &len);
	assert_int_equal(len, res->record_len);
	assert_memory_equal(buf, res->record_bytes, len);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), 0);
	snprintf(path, sizeof(path), "%s/bootstrap", sdir);
	assert_int_equal(join_bootstrap_read(path, rec, &rl, ann, &al), 0);
	assert_int_equal(rl, gw_record_len);
	assert_memory_equal(rec, gw_record, rl);
	assert_int_equal(al, gw_announce_len);
	assert_memory_equal(ann, gw_announce, al);

	/* a second join never replaces the identity */
	struct join_result *again = malloc(sizeof(*again));
	assert_non_null(again);
	filled_result(again);
	assert_int_equal(join_client_write_state(sdir, again, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already has a node identity"));
	assert_file("private.key", 0600, buf, sizeof(buf), &len);
	buf[44] = '\0';
	assert_int_equal(base64_decode_exact(key, 32, (char *)buf), 0);
	assert_memory_equal(key, res->wg_private, 32);
	/* even when only one of the files is left */
	for (const char *const *f = (const char *const[]){ "network.pub", "node.key", "private.key",
	                                                   NULL }; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", sdir, *f);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(join_client_write_state(sdir, again, err, sizeof(err)), -EEXIST);
	snprintf(path, sizeof(path), "%s/record", sdir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(join_client_write_state(sdir, again, err, sizeof(err)), 0);
	/* a failed join has nothing to write */
	join_result_wipe(again);
	assert_int_equal(join_client_write_state(sdir, again, err, sizeof(err)), -EINVAL);
	join_result_wipe(res);
	free(res);
	free(again);
}

static void test_bootstrap_decode(void **state)
{
	uint8_t buf[JOIN_BOOTSTRAP_MAX + 2], rec[RECORD_WIRE_MAX], ann[ANNOUNCE_WIRE_MAX];
	size_t rl, al;

	/* record of 3 bytes, no announcement */
	const uint8_t ok[] = { 0, 3, 'a', 'b', 'c', 0, 0 };
	assert_int_equal(join_bootstrap_decode(ok, sizeof(ok), rec, &rl, ann, &al), 0);
	assert_int_equal(rl, 3);
	assert_int_equal(al, 0);
	for (size_t n = 0; n < sizeof(ok); n++)
		assert_int_equal(join_bootstrap_decode(ok, n, rec, &rl, ann, &al), -EINVAL);
	memcpy(buf, ok, sizeof(ok));
	buf[sizeof(ok)] = 0;
	assert_int_equal(join_bootstrap_decode(buf, sizeof(ok) + 1, rec, &rl, ann, &al), -EINVAL);
	const uint8_t empty[] = { 0, 0, 0, 0 };
	assert_int_equal(join_bootstrap_decode(empty, sizeof(empty), rec, &rl, ann, &al), -EINVAL);
	/* lengths over the objects' maximum */
	memset(buf, 0, sizeof(buf));
	buf[0] = (RECORD_WIRE_MAX + 1) >> 8;
	buf[1] = (RECORD_WIRE_MAX + 1) & 0xff;
	assert_int_equal(join_bootstrap_decode(buf, 2 + RECORD_WIRE_MAX + 1 + 2, rec, &rl, ann, &al),
	                 -EINVAL);
}

/* ---- end to end on 127.0.0.1 ---- */

enum fake_mode {
	FAKE_NORMAL = 0,
	FAKE_DROP_FIRST = 1,            /* the first answer is lost */
	FAKE_OTHER_SIGNER = 2,          /* records signed by another network key */
};

struct fake {
	int fd;
	uint16_t port;
	pid_t pid;
	struct token tok;
	uint8_t id[JOIN_ID_LEN];
};

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

struct file_ctx {
	const uint8_t *signer;
};

static int file_find(void *ctx, const uint8_t id[JOIN_ID_LEN], struct invite *inv)
{
	return invites_find_by_id(dir, id, inv);
}

static int file_issue(void *ctx, const struct invite *inv, const struct join_request *req,
                      uint64_t now, uint8_t *rec, size_t *rec_len)
{
	const struct file_ctx *f = ctx;

	return issue_record(inv, req, now, f->signer, rec, rec_len);
}

static int file_mark(void *ctx, struct invite *inv, const struct join_request *req,
                     const uint8_t *rec, size_t rec_len, uint64_t now)
{
	return invites_mark_used(dir, inv, req->wg_pub, req->node_pub, rec, rec_len, now);
}

/* The child: answers requests until it has sent one answer, then exits
 * with the number of requests it saw. No cmocka here. */
static void fake_serve(int fd, enum fake_mode mode)
{
	struct file_ctx f = { .signer = mode & FAKE_OTHER_SIGNER ? other_sec : net_sec };
	struct join_inviter iv = {
		.ctx = &f, .find = file_find, .issue = file_issue, .mark_used = file_mark,
		.network_pub = net_pub, .own_record = gw_record, .own_record_len = gw_record_len,
		.own_announce = gw_announce, .own_announce_len = gw_announce_len,
	};
	static uint8_t in[JOIN_MSG_MAX + 1], out[JOIN_MSG_MAX];
	int requests = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		const char *why;
		size_t olen;
		ssize_t n;

		if (poll(&p, 1, 20000) <= 0)
			_exit(200);
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			_exit(201);
		requests++;
		if (join_inviter_answer(&iv, in, (size_t)n, NOW, out, sizeof(out), &olen, &why) < 0)
			continue;
		if ((mode & FAKE_DROP_FIRST) && requests == 1)
			continue;
		if (sendto(fd, out, olen, 0, (struct sockaddr *)&from, flen) < 0)
			_exit(202);
		_exit(requests);
	}
}

static void fake_start(struct fake *fk, enum fake_mode mode)
{
	struct join_keys k;

	fk->fd = udp_socket(&fk->port);
	make_token(&fk->tok, fk->port);
	join_keys_from_secret(fk->tok.secret, &k);
	memcpy(fk->id, k.id, JOIN_ID_LEN);
	assert_int_equal(invites_create(dir, &fk->tok, fk->id, NOW - 60), 0);
	fk->pid = -1;
	(void)mode;
}

static void fake_fork(struct fake *fk, enum fake_mode mode)
{
	fk->pid = fork();
	assert_true(fk->pid >= 0);
	if (fk->pid == 0)
		fake_serve(fk->fd, mode);
}

/* The number of requests the fake inviter saw. */
static int fake_wait(struct fake *fk)
{
	int status;

	close(fk->fd);
	if (fk->pid < 0)
		return -1;
	assert_int_equal(waitpid(fk->pid, &status, 0), fk->pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int run_client(const struct token *t, unsigned timeout_ms, struct join_result *res)
{
	struct join_client_opts o = { .timeout_ms = timeout_ms, .retry_ms = 50, .now = NOW };
	char text[TOKEN_TEXT_MAX + 1];

	assert_int_equal(token_format(t, text, sizeof(text)), 0);
	return join_client_run_opts(text, &o, res);
}

static void test_e2e_ok(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct invite inv;
	struct fake fk;
	char want[64];

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	fake_fork(&fk, FAKE_NORMAL);
	int r = run_client(&fk.tok, 10000, res);
	if (r != 0)
		fail_msg("join failed: %s", res->error);
	assert_int_equal(fake_wait(&fk), 1);

	assert_string_equal(res->record.name, "pi");
	assert_string_equal(res->record.site, "flat2");
	assert_int_equal(res->record.role, RECORD_ROLE_GATEWAY);
	assert_memory_equal(res->record.wg_key, res->wg_public, 32);
	assert_memory_equal(res->record.node_key, res->node_public, 32);
	assert_int_equal(res->record.mesh[0].len, 16);
	assert_true(res->record.mesh[0].addr.u.bytes[0] == 10 && res->record.mesh[0].addr.u.bytes[1] == 77);
	assert_memory_equal(res->network_pub, net_pub, 32);
	assert_string_equal(res->inviter.name, "gw1");
	assert_int_equal(res->inviter_record_len, gw_record_len);
	assert_int_equal(res->inviter_announce_len, gw_announce_len);
	snprintf(want, sizeof(want), "127.0.0.1:%u", fk.port);
	assert_string_equal(res->endpoint, want);
	assert_string_equal(res->error, "");
	/* the private key is clamped and gives the public key */
	uint8_t pub[32];
	assert_int_equal(res->wg_private[0] & 7, 0);
	assert_int_equal(res->wg_private[31] & 0xc0, 0x40);
	assert_int_equal(crypto_scalarmult_curve25519_base(pub, res->wg_private), 0);
	assert_memory_equal(pub, res->wg_public, 32);
	/* the inviter stored the invitation as spent, with this record */
	assert_int_equal(invites_find_by_id(dir, fk.id, &inv), 0);
	assert_int_equal(inv.state, INVITE_USED);
	assert_int_equal(inv.record_len, res->record_len);
	assert_memory_equal(inv.record, res->record_bytes, res->record_len);
	assert_memory_equal(inv.joiner_wg, res->wg_public, 32);
	join_result_wipe(res);
	free(res);
}

static void test_e2e_wrong_secret(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct token t;
	struct fake fk;

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	fake_fork(&fk, FAKE_NORMAL);
	t = fk.tok;
	t.secret[3] ^= 0x40;
	assert_int_equal(run_client(&t, 10000, res), -ENOENT);
	assert_int_equal(fake_wait(&fk), 1);
	assert_non_null(strstr(res->error, "does not know this invitation: a wrong token, or one "
	                       "made by another node"));
	/* nothing of the failed join is kept but the message */
	assert_true(sodium_is_zero(res->wg_private, 32));
	assert_int_equal(res->record_len, 0);
	free(res);
}

static void test_e2e_expired_sends_nothing(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct fake fk;
	uint8_t b[64];

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	fk.tok.expires_at = NOW;
	assert_int_equal(run_client(&fk.tok, 10000, res), -EKEYEXPIRED);
	assert_non_null(strstr(res->error, "expired on 2023-11-14 22:13 UTC"));
	assert_int_equal(recv(fk.fd, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	fake_wait(&fk);
	free(res);
}

static void test_e2e_used_by_another(void **state)
{
	uint8_t rec[RECORD_WIRE_MAX];
	struct join_result *res = malloc(sizeof(*res));
	struct join_request other;
	struct invite inv;
	struct fake fk;
	size_t rl;

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	assert_int_equal(invites_find_by_id(dir, fk.id, &inv), 0);
	joiner_keys(&other, 0x33);
	assert_int_equal(issue_record(&inv, &other, NOW, net_sec, rec, &rl), 0);
	assert_int_equal(invites_mark_used(dir, &inv, other.wg_pub, other.node_pub, rec, rl, NOW), 0);
	fake_fork(&fk, FAKE_NORMAL);
	assert_int_equal(run_client(&fk.tok, 10000, res), -EACCES);
	assert_int_equal(fake_wait(&fk), 1);
	assert_non_null(strstr(res->error, "refused: this invitation was already used by another node"));
	free(res);
}

static void test_e2e_first_reply_lost(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct invite inv;
	struct fake fk;

	assert_non_null(res);
	fake_start(&fk, FAKE_DROP_FIRST);
	fake_fork(&fk, FAKE_DROP_FIRST);
	int r = run_client(&fk.tok, 10000, res);
	if (r != 0)
		fail_msg("join failed: %s", res->error);
	/* the resent request found the invitation spent by this very joiner */
	assert_int_equal(fake_wait(&fk), 2);
	assert_int_equal(invites_find_by_id(dir, fk.id, &inv), 0);
	assert_int_equal(inv.state, INVITE_USED);
	assert_int_equal(inv.record_len, res->record_len);
	assert_memory_equal(inv.record, res->record_bytes, res->record_len);
	join_result_wipe(res);
	free(res);
}

static void test_e2e_other_signer(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct fake fk;

	assert_non_null(res);
	fake_start(&fk, FAKE_OTHER_SIGNER);
	fake_fork(&fk, FAKE_OTHER_SIGNER);
	assert_int_equal(run_client(&fk.tok, 10000, res), -EBADMSG);
	assert_int_equal(fake_wait(&fk), 1);
	assert_non_null(strstr(res->error, "not signed by the network's key"));
	free(res);
}

static void test_e2e_no_answer(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct fake fk;
	uint8_t b[JOIN_MSG_MAX];

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	assert_int_equal(run_client(&fk.tok, 300, res), -ETIMEDOUT);
	assert_non_null(strstr(res->error, "no answer from 127.0.0.1:"));
	/* it did ask */
	assert_int_equal(recv(fk.fd, b, sizeof(b), MSG_DONTWAIT), JOIN_REQUEST_LEN);
	fake_wait(&fk);
	free(res);
}

/* Endpoints are tried in turn: a silent first one does not stop the join. */
static void test_e2e_second_endpoint(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct token t;
	struct fake fk;
	uint16_t silent_port;
	int silent = udp_socket(&silent_port);
	uint8_t b[JOIN_MSG_MAX];

	assert_non_null(res);
	fake_start(&fk, FAKE_NORMAL);
	fake_fork(&fk, FAKE_NORMAL);
	t = fk.tok;
	t.n_endpoints = 2;
	t.endpoints[1] = t.endpoints[0];
	t.endpoints[0].port = silent_port;
	int r = run_client(&t, 10000, res);
	if (r != 0)
		fail_msg("join failed: %s", res->error);
	assert_int_equal(fake_wait(&fk), 1);
	assert_int_equal(recv(silent, b, sizeof(b), MSG_DONTWAIT), JOIN_REQUEST_LEN);
	close(silent);
	join_result_wipe(res);
	free(res);
}

/* An address nothing can be sent to (broadcast, without SO_BROADCAST). */
static void test_e2e_cannot_send(void **state)
{
	struct join_result *res = malloc(sizeof(*res));
	struct token t;

	assert_non_null(res);
	make_token(&t, 9);
	strcpy(t.endpoints[0].host, "255.255.255.255");
	assert_int_equal(run_client(&t, 10000, res), -EHOSTUNREACH);
	assert_non_null(strstr(res->error, "cannot send to 255.255.255.255:9"));
	free(res);
}

static void test_client_bad_tokens(void **state)
{
	struct join_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	assert_int_equal(join_client_run("hello world", 1000, res), -EINVAL);
	assert_non_null(strstr(res->error, "not a meshgate invitation"));
	assert_int_equal(join_client_run("", 1000, res), -EINVAL);
	/* a token of version 2 */
	assert_int_equal(join_client_run("AQABAg", 1000, res), -EPROTONOSUPPORT);
	assert_non_null(strstr(res->error, "another version"));
	free(res);
}

/* ---- fuzz seeds ---- */

static int write_file(const char *d, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", d, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static int write_seeds(const char *d)
{
	uint8_t secret[TOKEN_SECRET_LEN], msg[JOIN_MSG_MAX], pl[JOIN_REPLY_PLAIN_MAX];
	struct join_request req;
	struct join_reply rep;
	struct join_keys k;
	size_t len;
	int bad = 0;

	if (sodium_init() < 0 || setup(NULL) < 0)
		return 1;
	memset(secret, FUZZ_SECRET_BYTE, sizeof(secret));
	join_keys_from_secret(secret, &k);
	joiner_keys(&req, 0x21);
	bad |= join_request_build(&k, &req, msg, sizeof(msg), &len) < 0;
	bad |= write_file(d, "request", msg, len);
	ok_reply(&rep);
	bad |= join_reply_build(&k, &rep, msg, sizeof(msg), &len) < 0;
	bad |= write_file(d, "reply-ok", msg, len);
	bad |= join_reply_encode(&rep, pl, sizeof(pl), &len) < 0;
	bad |= write_file(d, "reply-ok-plain", pl, len);
	memset(&rep, 0, sizeof(rep));
	rep.status = JOIN_USED;
	strcpy(rep.message, "this invitation was already used by another node");
	bad |= join_reply_build(&k, &rep, msg, sizeof(msg), &len) < 0;
	bad |= write_file(d, "reply-used", msg, len);
	bad |= join_reply_encode(&rep, pl, sizeof(pl), &len) < 0;
	bad |= write_file(d, "reply-used-plain", pl, len);
	bad |= join_unknown_build(k.id, msg, sizeof(msg), &len) < 0;
	bad |= write_file(d, "unknown", msg, len);
	/* the bootstrap file: u16 length | record | u16 length | announcement */
	struct wcur w = wcur_init(msg, sizeof(msg));
	wcur_be16(&w, (uint16_t)gw_record_len);
	wcur_bytes(&w, gw_record, gw_record_len);
	wcur_be16(&w, (uint16_t)gw_announce_len);
	wcur_bytes(&w, gw_announce, gw_announce_len);
	bad |= w.err;
	bad |= write_file(d, "bootstrap", msg, w.off);
	return bad;
}

#define T(f) cmocka_unit_test_setup_teardown(f, fresh_dir, remove_dir)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_tampered),
		cmocka_unit_test(test_request_unusable_keys),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_tampered),
		cmocka_unit_test(test_reply_fields),
		cmocka_unit_test(test_reply_largest),
		cmocka_unit_test(test_unknown_and_peek),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_record_init),
		cmocka_unit_test(test_inviter_answer),
		cmocka_unit_test(test_inviter_answer_drops),
		cmocka_unit_test(test_reply_verify),
		T(test_write_state),
		cmocka_unit_test(test_bootstrap_decode),
		T(test_e2e_ok),
		T(test_e2e_wrong_secret),
		T(test_e2e_expired_sends_nothing),
		T(test_e2e_used_by_another),
		T(test_e2e_first_reply_lost),
		T(test_e2e_other_signer),
		T(test_e2e_no_answer),
		T(test_e2e_second_endpoint),
		cmocka_unit_test(test_e2e_cannot_send),
		cmocka_unit_test(test_client_bad_tokens),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, setup, NULL);
}
