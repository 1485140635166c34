/* vpn/cookie: mac1, mac2 under load, cookie replies, cookie and secret
 * lifetimes on a virtual clock. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#define TU_RND_SEED 0x636f6f6b6965ULL
#include "tests/unit/testutil.h"

#include <sodium.h>

#include "vpn/cookie.h"
#include "vpn/messages.h"
#include "vpn/noise.h"

#define SEC(x) WG_SEC_TO_NS(x)
#define MS(x) ((uint64_t)(x) * 1000000ULL)


static void test_rng(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;

	(void)arg;
	while (len--)
		*p++ = (uint8_t)rnd();
}

/* A responder (checker) and an initiator's maker aimed at it. */
struct fixture {
	uint8_t responder_priv[32], responder_pub[32];
	struct cookie_checker checker;
	struct cookie_maker maker;
	uint8_t msg[WG_INITIATION_LEN];
	struct mg_addr src;
	uint16_t port;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	test_rng(NULL, f->responder_priv, 32);
	assert_int_equal(noise_public_key(f->responder_pub, f->responder_priv), 0);
	cookie_checker_init(&f->checker, f->responder_pub, test_rng, NULL);
	cookie_maker_init(&f->maker, f->responder_pub);
	/* Any body will do: macs cover bytes, not meaning. */
	test_rng(NULL, f->msg, sizeof(f->msg));
	memcpy(f->msg, "\x01\x00\x00\x00", 4);
	f->src.family = AF_INET;
	memcpy(f->src.u.bytes, "\xc6\x33\x64\x07", 4);
	f->port = 40000;
}

static enum cookie_verdict check(struct fixture *f, bool under_load, uint64_t now)
{
	return cookie_check(&f->checker, f->msg, sizeof(f->msg), &f->src, f->port, under_load, now);
}

/* The responder answers f->msg with a cookie reply; the maker takes it. */
static int cookie_round_trip(struct fixture *f, uint64_t now)
{
	uint8_t buf[WG_COOKIE_REPLY_LEN];
	struct wg_cookie_reply r, parsed;

	assert_int_equal(cookie_reply_create(&f->checker, &r, f->msg, sizeof(f->msg), 0xabcd,
					     &f->src, f->port, now), 0);
	assert_int_equal(r.receiver_index, 0xabcd);
	assert_int_equal(wg_cookie_reply_pack(&r, buf, sizeof(buf)), 0);
	assert_int_equal(wg_cookie_reply_unpack(&parsed, buf, sizeof(buf)), 0);
	return cookie_reply_consume(&f->maker, &parsed, now);
}

static void mac1_valid_and_invalid(void **state)
{
	static struct fixture f;
	struct cookie_checker other;
	uint8_t other_pub[32];
	size_t i;

	(void)state;
	fixture_init(&f);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(check(&f, false, 0), COOKIE_ACCEPT);
	/* mac2 stays zero without a cookie */
	for (i = WG_INITIATION_LEN - WG_MAC_LEN; i < WG_INITIATION_LEN; i++)
		assert_int_equal(f.msg[i], 0);

	/* any change before mac1, or to mac1 */
	f.msg[50] ^= 0x10;
	assert_int_equal(check(&f, false, 0), COOKIE_DROP);
	f.msg[50] ^= 0x10;
	f.msg[WG_INITIATION_LEN - WG_MACS_LEN] ^= 1;
	assert_int_equal(check(&f, false, 0), COOKIE_DROP);
	f.msg[WG_INITIATION_LEN - WG_MACS_LEN] ^= 1;
	assert_int_equal(check(&f, false, 0), COOKIE_ACCEPT);

	/* another responder's key */
	test_rng(NULL, other_pub, 32);
	cookie_checker_init(&other, other_pub, test_rng, NULL);
	assert_int_equal(cookie_check(&other, f.msg, sizeof(f.msg), &f.src, f.port, false, 0),
			 COOKIE_DROP);
	/* no identity yet, and too short for macs */
	cookie_checker_init(&other, NULL, test_rng, NULL);
	assert_int_equal(cookie_check(&other, f.msg, sizeof(f.msg), &f.src, f.port, false, 0),
			 COOKIE_DROP);
	assert_int_equal(cookie_check(&f.checker, f.msg, WG_MACS_LEN, &f.src, f.port, false, 0),
			 COOKIE_DROP);
	cookie_checker_fini(&other);
}

/* The same macs check on a response (92 bytes) as on an initiation. */
static void mac1_on_response_size(void **state)
{
	static struct fixture f;
	uint8_t resp[WG_RESPONSE_LEN];

	(void)state;
	fixture_init(&f);
	test_rng(NULL, resp, sizeof(resp));
	cookie_add_macs(&f.maker, resp, sizeof(resp), 0);
	assert_int_equal(cookie_check(&f.checker, resp, sizeof(resp), &f.src, f.port, false, 0),
			 COOKIE_ACCEPT);
	assert_int_equal(cookie_check(&f.checker, resp, sizeof(resp) - 1, &f.src, f.port, false, 0),
			 COOKIE_DROP);
}

static void mac2_required_under_load(void **state)
{
	static struct fixture f;
	struct mg_addr other;

	(void)state;
	fixture_init(&f);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(check(&f, true, 0), COOKIE_SEND_REPLY);
	assert_int_equal(cookie_round_trip(&f, 0), 0);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), MS(10));
	assert_int_equal(check(&f, true, MS(10)), COOKIE_ACCEPT_COOKIE);
	/* not under load, mac2 does not matter */
	assert_int_equal(check(&f, false, MS(10)), COOKIE_ACCEPT);

	/* the cookie is bound to the address and the port */
	f.port++;
	assert_int_equal(check(&f, true, MS(10)), COOKIE_SEND_REPLY);
	f.port--;
	other = f.src;
	other.u.bytes[3] ^= 1;
	assert_int_equal(cookie_check(&f.checker, f.msg, sizeof(f.msg), &other, f.port, true,
				      MS(10)), COOKIE_SEND_REPLY);
	/* and a bad mac1 is dropped even with a good mac2 */
	f.msg[WG_INITIATION_LEN - WG_MACS_LEN] ^= 1;
	assert_int_equal(check(&f, true, MS(10)), COOKIE_DROP);
}

static void ipv6_source(void **state)
{
	static struct fixture f;

	(void)state;
	fixture_init(&f);
	f.src.family = AF_INET6;
	memset(f.src.u.bytes, 0, 16);
	memcpy(f.src.u.bytes, "\x20\x01\x0d\xb8", 4);
	f.src.u.bytes[15] = 1;
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(cookie_round_trip(&f, 0), 0);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(check(&f, true, 0), COOKIE_ACCEPT_COOKIE);
	f.src.u.bytes[15] = 2;
	assert_int_equal(check(&f, true, 0), COOKIE_SEND_REPLY);
}

static void cookie_reply_rules(void **state)
{
	static struct fixture f, g;
	struct wg_cookie_reply r, bad;
	size_t bit;

	(void)state;
	fixture_init(&f);
	/* no message sent yet: nothing to take a cookie for */
	assert_int_equal(cookie_round_trip(&f, 0), -EPROTO);

	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(cookie_reply_create(&f.checker, &r, f.msg, sizeof(f.msg), 7, &f.src,
					     f.port, 0), 0);
	/* every bit of nonce and sealed cookie matters */
	for (bit = 0; bit < 8 * (sizeof(r.nonce) + sizeof(r.encrypted_cookie)); bit++) {
		bad = r;
		if (bit < 8 * sizeof(r.nonce))
			bad.nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		else
			bad.encrypted_cookie[bit / 8 - sizeof(r.nonce)] ^=
				(uint8_t)(1u << (bit % 8));
		assert_int_equal(cookie_reply_consume(&f.maker, &bad, 0), -EBADMSG);
	}
	assert_false(f.maker.is_cookie_valid);
	assert_int_equal(cookie_reply_consume(&f.maker, &r, 0), 0);
	assert_true(f.maker.is_cookie_valid);
	/* one reply per message sent */
	assert_int_equal(cookie_reply_consume(&f.maker, &r, 0), -EPROTO);

	/* a reply to another message: its mac1 is the AD */
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	f.msg[WG_INITIATION_LEN - WG_MACS_LEN] ^= 1;
	assert_int_equal(cookie_reply_create(&f.checker, &r, f.msg, sizeof(f.msg), 7, &f.src,
					     f.port, 0), 0);
	assert_int_equal(cookie_reply_consume(&f.maker, &r, 0), -EBADMSG);
	f.msg[WG_INITIATION_LEN - WG_MACS_LEN] ^= 1;

	/* a reply sealed by another responder */
	fixture_init(&g);
	assert_int_equal(cookie_reply_create(&g.checker, &r, f.msg, sizeof(f.msg), 7, &f.src,
					     f.port, 0), 0);
	assert_int_equal(cookie_reply_consume(&f.maker, &r, 0), -EBADMSG);
}

/* The initiator uses a cookie for 120 - 5 seconds. */
static void expired_cookie_not_used(void **state)
{
	static struct fixture f;
	uint64_t t0 = SEC(1000);
	static const uint8_t zero[WG_MAC_LEN];
	uint8_t *mac2;

	(void)state;
	fixture_init(&f);
	mac2 = f.msg + WG_INITIATION_LEN - WG_MAC_LEN;
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), t0);
	assert_int_equal(cookie_round_trip(&f, t0), 0);

	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), t0 + SEC(115) - 1);
	assert_memory_not_equal(mac2, zero, WG_MAC_LEN);
	assert_int_equal(check(&f, true, t0 + SEC(115) - 1), COOKIE_ACCEPT_COOKIE);

	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), t0 + SEC(115));
	assert_memory_equal(mac2, zero, WG_MAC_LEN);
	assert_int_equal(check(&f, true, t0 + SEC(115)), COOKIE_SEND_REPLY);

	/* a fresh reply makes it usable again */
	assert_int_equal(cookie_round_trip(&f, t0 + SEC(116)), 0);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), t0 + SEC(116));
	assert_int_equal(check(&f, true, t0 + SEC(116)), COOKIE_ACCEPT_COOKIE);
	cookie_maker_fini(&f.maker);
	assert_false(f.maker.is_cookie_valid);
}

/* The responder's secret lives 120 s; cookies made under it die with it. */
static void secret_rotation(void **state)
{
	static struct fixture f;
	uint8_t first_secret[WG_HASH_LEN];

	(void)state;
	fixture_init(&f);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), 0);
	assert_int_equal(check(&f, true, 0), COOKIE_SEND_REPLY);	/* secret born at 0 */
	assert_true(f.checker.has_secret);
	memcpy(first_secret, f.checker.secret, sizeof(first_secret));

	/* a cookie made at 100 s, still fresh for the maker at 120 s */
	assert_int_equal(cookie_round_trip(&f, SEC(100)), 0);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), SEC(100));
	assert_int_equal(check(&f, true, SEC(120) - 1), COOKIE_ACCEPT_COOKIE);
	assert_memory_equal(f.checker.secret, first_secret, sizeof(first_secret));

	assert_int_equal(check(&f, true, SEC(120)), COOKIE_SEND_REPLY);
	assert_memory_not_equal(f.checker.secret, first_secret, sizeof(first_secret));
	assert_true(f.checker.secret_birth == SEC(120));

	/* the new secret's cookies work */
	assert_int_equal(cookie_round_trip(&f, SEC(121)), 0);
	cookie_add_macs(&f.maker, f.msg, sizeof(f.msg), SEC(121));
	assert_int_equal(check(&f, true, SEC(121)), COOKIE_ACCEPT_COOKIE);
	cookie_checker_fini(&f.checker);
	assert_false(f.checker.has_secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mac1_valid_and_invalid),
		cmocka_unit_test(mac1_on_response_size),
		cmocka_unit_test(mac2_required_under_load),
		cmocka_unit_test(ipv6_source),
		cmocka_unit_test(cookie_reply_rules),
		cmocka_unit_test(expired_cookie_not_used),
		cmocka_unit_test(secret_rotation),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
