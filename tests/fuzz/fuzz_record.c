/* Records, revocations and announcements from arbitrary bytes. Whatever
 * decodes must encode back to exactly the input (one encoding per
 * object), and verification must agree with decoding. The network key
 * is fixed (seed of 0x42 bytes, as in test_record, which writes the
 * seeds: `test_record --write-seeds tests/fuzz/corpus/record`), so the
 * seeds verify and mutations of them reach every check. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"

#define NOW 1700000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t net_pub[NETKEY_PUB_LEN];
static struct record laptop;         /* the announcing node of the seeds */

static void init(void)
{
	uint8_t seed[NETKEY_SEED_LEN], sec[NETKEY_SECRET_LEN];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	netkey_from_seed(net_pub, sec, seed);
	memset(seed, 0x17, sizeof(seed));
	netkey_from_seed(laptop.node_key, sec, seed);
	strcpy(laptop.name, "laptop");
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void records(const uint8_t *data, size_t size)
{
	uint8_t out[RECORD_WIRE_MAX];
	struct record r, v;
	size_t len;
	int d = record_decode(data, size, &r), ver = record_verify(data, size, net_pub, NOW, &v);

	check(d == 0 || d == -EINVAL);
	if (d < 0) {
		check(ver == -EINVAL);
		return;
	}
	check(ver == 0 || ver == -EBADMSG || ver == -EKEYEXPIRED);
	check(record_encode(&r, out, sizeof(out), &len) == 0);
	check(len == size && memcmp(out, data, size) == 0);
	check(record_cmp(&r, &v) == 0 && !record_newer(&r, &v));
	check(record_expired(&r, NOW) == (r.expires_at <= NOW));
}

static void revocations(const uint8_t *data, size_t size)
{
	uint8_t out[REVOCATION_WIRE_MAX];
	struct revocation r;
	size_t len;
	int d = revocation_decode(data, size, &r), ver = revocation_verify(data, size, net_pub, NULL);

	check(d == 0 || d == -EINVAL);
	if (d < 0) {
		check(ver == -EINVAL);
		return;
	}
	check(ver == 0 || ver == -EBADMSG);
	check(revocation_encode(&r, out, sizeof(out), &len) == 0);
	check(len == size && memcmp(out, data, size) == 0);
}

static void announcements(const uint8_t *data, size_t size)
{
	uint8_t out[ANNOUNCE_WIRE_MAX];
	struct announce a;
	size_t len;
	int d = announce_decode(data, size, &a), ver = announce_verify(data, size, &laptop, NULL);

	check(d == 0 || d == -EINVAL);
	if (d < 0) {
		check(ver == -EINVAL);
		return;
	}
	check(ver == 0 || ver == -EBADMSG);
	check(announce_encode(&a, out, sizeof(out), &len) == 0);
	check(len == size && memcmp(out, data, size) == 0);
	check(announce_cmp(&a, &a) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t *copy;

	if (!ready) {
		init();
		ready = true;
	}
	/* an exact-size copy, so any read past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	records(copy, size);
	revocations(copy, size);
	announcements(copy, size);
	free(copy);
	return 0;
}
