/* The join exchange from arbitrary bytes: the header peek, the request
 * and reply openers with a fixed key (so sealed seeds get past the AEAD),
 * JOIN_UNKNOWN, the reply's plaintext fields, and the joiner's bootstrap
 * file. Whatever decodes must encode back to the same bytes.
 * Seeds: `test_join --write-seeds tests/fuzz/corpus/join`. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "vpn/mesh/join.h"
#include "vpn/mesh/join_client.h"

/* tests/unit/test_join.c seals its seeds with the same secret */
#define FUZZ_SECRET_BYTE 0x42

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct join_keys keys;
static struct join_reply rep;
static bool ready;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void init(void)
{
	uint8_t secret[TOKEN_SECRET_LEN];

	if (sodium_init() < 0)
		abort();
	memset(secret, FUZZ_SECRET_BYTE, sizeof(secret));
	join_keys_from_secret(secret, &keys);
}

static void sealed(const uint8_t *data, size_t size)
{
	uint8_t type, id[JOIN_ID_LEN];
	struct join_request req;
	int r;

	r = join_peek(data, size, &type, id);
	check(r == 0 || r == -EINVAL);
	r = join_request_open(&keys, data, size, &req);
	check(r == 0 || r == -EINVAL || r == -EBADMSG);
	if (r == 0)
		check(type == JOIN_T_REQUEST && size == JOIN_REQUEST_LEN);
	r = join_reply_open(&keys, data, size, &rep);
	check(r == 0 || r == -EINVAL || r == -EBADMSG);
	if (r == 0)
		check(type == JOIN_T_REPLY);
	r = join_unknown_parse(data, size, id);
	check(r == 0 || r == -EINVAL);
	if (r == 0)
		check(size == JOIN_UNKNOWN_LEN && memcmp(id, data + 1, JOIN_ID_LEN) == 0);
}

static void plain(const uint8_t *data, size_t size)
{
	uint8_t again[JOIN_REPLY_PLAIN_MAX];
	size_t len;
	int r = join_reply_decode(data, size, &rep);

	check(r == 0 || r == -EINVAL);
	if (r < 0)
		return;
	check(join_reply_encode(&rep, again, sizeof(again), &len) == 0);
	check(len == size && memcmp(again, data, size) == 0);
}

static void bootstrap(const uint8_t *data, size_t size)
{
	static uint8_t rec[RECORD_WIRE_MAX], ann[ANNOUNCE_WIRE_MAX];
	size_t rl, al;
	int r = join_bootstrap_decode(data, size, rec, &rl, ann, &al);

	check(r == 0 || r == -EINVAL);
	if (r == 0)
		check(rl + al + 4 == size && memcmp(rec, data + 2, rl) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (!ready) {
		init();
		ready = true;
	}
	/* an exact-size copy, so reading past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sealed(copy, size);
	plain(copy, size);
	bootstrap(copy, size);
	free(copy);
	return 0;
}
