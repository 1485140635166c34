/* keys/invites: the inviter's invitation files. Round trips through the
 * files, one live invitation per name, used invitations, pruning, listing,
 * and files that are not what they should be: wrong mode, truncated,
 * renamed, oversized, a symlink, every field broken. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "tests/unit/testutil.h"

#include "keys/invites.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/token.h"
#include "lib/atomicfile.h"

#define NOW 1700000000ULL
#define DAY 86400ULL

static char dir[64];

static int setup(void **state)
{
	return sodium_init() < 0 ? -1 : 0;
}

static int fresh_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_invites.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_token(struct token *t, const char *name, uint64_t expires, uint8_t secret_byte)
{
	memset(t, 0, sizeof(*t));
	t->version = TOKEN_VERSION;
	t->n_endpoints = 2;
	strcpy(t->endpoints[0].host, "vps.example.org");
	t->endpoints[0].port = 51820;
	strcpy(t->endpoints[1].host, "2001:db8::1");
	t->endpoints[1].port = 51821;
	memset(t->network_id, 0x3c, sizeof(t->network_id));
	memset(t->secret, secret_byte, sizeof(t->secret));
	strcpy(t->name, name);
	strcpy(t->site, "flat2");
	t->role = RECORD_ROLE_GATEWAY;
	t->expires_at = expires;
}

static void id_of(uint8_t id[INVITE_ID_LEN], uint8_t b)
{
	memset(id, b, INVITE_ID_LEN);
}

static const char *file_of(const uint8_t id[INVITE_ID_LEN])
{
	static char path[PATH_MAX];
	char hex[INVITE_ID_HEX + 1];

	invite_id_hex(id, hex);
	snprintf(path, sizeof(path), "%s/" INVITES_DIR "/%s", dir, hex);
	return path;
}

/* A record that decodes, for the used state. */
static size_t some_record(uint8_t *buf)
{
	uint8_t pub[NETKEY_PUB_LEN], sec[NETKEY_SECRET_LEN], seed[NETKEY_SEED_LEN];
	struct record r;
	size_t len;

	memset(seed, 0x42, sizeof(seed));
	netkey_from_seed(pub, sec, seed);
	memset(&r, 0, sizeof(r));
	strcpy(r.name, "pi");
	strcpy(r.site, "flat2");
	r.role = RECORD_ROLE_GATEWAY;
	memset(r.wg_key, 0xa1, sizeof(r.wg_key));
	memset(r.node_key, 0xb2, sizeof(r.node_key));
	r.n_mesh = 1;
	assert_int_equal(mg_prefix_parse("10.77.3.9/16", true, &r.mesh[0]), 0);
	r.sequence = 1;
	r.issued_at = NOW;
	r.expires_at = NOW + RECORD_LIFETIME;
	assert_int_equal(record_sign(&r, sec), 0);
	assert_int_equal(record_encode(&r, buf, RECORD_WIRE_MAX, &len), 0);
	return len;
}

static void test_create_and_find(void **state)
{
	struct token t;
	struct invite inv;
	uint8_t id[INVITE_ID_LEN];
	struct stat st;
	char d[PATH_MAX];

	make_token(&t, "pi", NOW + 3600, 0x11);
	id_of(id, 0xa0);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	assert_int_equal(stat(file_of(id), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(d, sizeof(d), "%s/" INVITES_DIR, dir);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_memory_equal(inv.id, id, INVITE_ID_LEN);
	assert_int_equal(inv.state, INVITE_PENDING);
	assert_int_equal(inv.created_at, NOW);
	assert_string_equal(inv.tok.name, "pi");
	assert_string_equal(inv.tok.site, "flat2");
	assert_int_equal(inv.tok.role, RECORD_ROLE_GATEWAY);
	assert_int_equal(inv.tok.expires_at, NOW + 3600);
	assert_int_equal(inv.tok.n_endpoints, 2);
	assert_string_equal(inv.tok.endpoints[1].host, "2001:db8::1");
	assert_int_equal(inv.tok.endpoints[1].port, 51821);
	assert_true(token_secret_equal(inv.tok.secret, t.secret));
	assert_int_equal(inv.record_len, 0);
	assert_false(invite_expired(&inv, NOW + 3599));
	assert_true(invite_expired(&inv, NOW + 3600));

	/* another id is not there; the same id cannot be made twice */
	id_of(id, 0xa1);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -ENOENT);
	id_of(id, 0xa0);
	t.name[0] = 'q';
	assert_int_equal(invites_create(dir, &t, id, NOW), -EEXIST);
	t.role = 9;
	id_of(id, 0xa2);
	assert_int_equal(invites_create(dir, &t, id, NOW), -EINVAL);
}

/* A gateway's invitation carries its site's subnets and domain into the
 * record; a client's may not. */
static void test_site_fields(void **state)
{
	struct mg_prefix sub[2];
	struct token t;
	struct invite inv;
	uint8_t id[INVITE_ID_LEN];

	(void)state;
	assert_int_equal(mg_prefix_parse("192.168.21.0/24", false, &sub[0]), 0);
	assert_int_equal(mg_prefix_parse("fd21::/64", false, &sub[1]), 0);
	make_token(&t, "gwb", NOW + 3600, 0x21);
	id_of(id, 0xb0);
	assert_int_equal(invites_create_site(dir, &t, id, sub, 2, "b.lab.example", NOW), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_int_equal(inv.n_subnets, 2);
	assert_true(mg_prefix_eq(&inv.subnets[1], &sub[1]));
	assert_string_equal(inv.domain, "b.lab.example");

	make_token(&t, "client", NOW + 3600, 0x22);
	t.role = RECORD_ROLE_CLIENT;
	t.site[0] = '\0';
	id_of(id, 0xb1);
	assert_int_equal(invites_create_site(dir, &t, id, sub, 1, NULL, NOW), -EINVAL);
	assert_int_equal(invites_create_site(dir, &t, id, NULL, 0, "x.example", NOW), -EINVAL);
	assert_int_equal(invites_create_site(dir, &t, id, NULL, 0, NULL, NOW), 0);
	/* a subnet with host bits is no route */
	sub[0].addr.u.bytes[3] = 1;
	make_token(&t, "gwc", NOW + 3600, 0x23);
	id_of(id, 0xb2);
	assert_int_equal(invites_create_site(dir, &t, id, sub, 1, NULL, NOW), -EINVAL);
}

static void test_one_live_invitation_per_name(void **state)
{
	struct token t;
	uint8_t id[INVITE_ID_LEN], rec[RECORD_WIRE_MAX], k[32] = { 1 };
	struct invite inv;
	size_t rlen = some_record(rec);

	make_token(&t, "pi", NOW + 3600, 0x11);
	id_of(id, 1);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	id_of(id, 2);
	assert_int_equal(invites_create(dir, &t, id, NOW + 10), -EBUSY);
	/* another name is fine */
	strcpy(t.name, "laptop");
	assert_int_equal(invites_create(dir, &t, id, NOW + 10), 0);
	/* once the first has expired, the name is free again */
	strcpy(t.name, "pi");
	t.expires_at = NOW + 7200;
	id_of(id, 3);
	assert_int_equal(invites_create(dir, &t, id, NOW + 3600), 0);
	/* and once used */
	id_of(id, 3);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_int_equal(invites_mark_used(dir, &inv, k, k, rec, rlen, NOW + 3700), 0);
	id_of(id, 4);
	assert_int_equal(invites_create(dir, &t, id, NOW + 3700), 0);
}

static void test_mark_used(void **state)
{
	uint8_t id[INVITE_ID_LEN], rec[RECORD_WIRE_MAX], wg[32], node[32];
	size_t rlen = some_record(rec);
	struct invite inv, back;
	struct stat st;
	struct token t;

	memset(wg, 0x55, sizeof(wg));
	memset(node, 0x66, sizeof(node));
	make_token(&t, "pi", NOW + 3600, 0x11);
	id_of(id, 7);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_int_equal(invites_mark_used(dir, &inv, wg, node, rec, 0, NOW + 5), -EINVAL);
	assert_int_equal(inv.state, INVITE_PENDING);
	assert_int_equal(invites_mark_used(dir, &inv, wg, node, rec, rlen, NOW + 5), 0);
	assert_int_equal(inv.state, INVITE_USED);
	assert_int_equal(invites_find_by_id(dir, id, &back), 0);
	assert_int_equal(back.state, INVITE_USED);
	assert_memory_equal(back.joiner_wg, wg, 32);
	assert_memory_equal(back.joiner_node, node, 32);
	assert_int_equal(back.used_at, NOW + 5);
	assert_int_equal(back.record_len, rlen);
	assert_memory_equal(back.record, rec, rlen);
	assert_true(token_secret_equal(back.tok.secret, t.secret));
	assert_int_equal(stat(file_of(id), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(invites_mark_used(dir, &back, wg, node, rec, rlen, NOW + 6), -EALREADY);
}

static void write_raw(const uint8_t id[INVITE_ID_LEN], const void *buf, size_t len, mode_t mode)
{
	assert_int_equal(atomicfile_write(file_of(id), buf, len, mode, ATOMICFILE_REPLACE), 0);
}

static size_t read_raw(const uint8_t id[INVITE_ID_LEN], uint8_t *buf)
{
	size_t n;

	assert_int_equal(atomicfile_read(file_of(id), buf, INVITE_FILE_MAX, &n), 0);
	return n;
}

static void test_bad_files(void **state)
{
	uint8_t id[INVITE_ID_LEN], other[INVITE_ID_LEN], buf[INVITE_FILE_MAX + 16];
	struct invite inv;
	struct token t;
	size_t n;

	make_token(&t, "pi", NOW + 3600, 0x11);
	id_of(id, 9);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	n = read_raw(id, buf);

	/* readable by others: refused like a key file */
	assert_int_equal(chmod(file_of(id), 0640), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -EPERM);
	assert_int_equal(chmod(file_of(id), 0600), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);

	/* every truncation */
	for (size_t cut = 0; cut < n; cut++) {
		write_raw(id, buf, cut, 0600);
		assert_int_equal(invites_find_by_id(dir, id, &inv), -EINVAL);
	}
	/* trailing bytes, oversize */
	buf[n] = 0;
	write_raw(id, buf, n + 1, 0600);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -EINVAL);
	memset(buf + n, 0xee, sizeof(buf) - n);
	write_raw(id, buf, sizeof(buf), 0600);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -EINVAL);

	/* copied under another id's name */
	write_raw(id, buf, n, 0600);
	id_of(other, 10);
	write_raw(other, buf, n, 0600);
	assert_int_equal(invites_find_by_id(dir, other, &inv), -EINVAL);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);

	/* a symlink in its place */
	char target[PATH_MAX];

	snprintf(target, sizeof(target), "%s", file_of(id));
	assert_int_equal(unlink(file_of(other)), 0);
	assert_int_equal(symlink(target, file_of(other)), 0);
	assert_int_equal(invites_find_by_id(dir, other, &inv), -EINVAL);
	/* a directory */
	assert_int_equal(unlink(file_of(other)), 0);
	assert_int_equal(mkdir(file_of(other), 0700), 0);
	assert_int_equal(invites_find_by_id(dir, other, &inv), -EINVAL);
}

/* The pure codec: every field's rules. */
static void test_codec(void **state)
{
	uint8_t buf[INVITE_FILE_MAX], bad[INVITE_FILE_MAX + 8];
	struct invite inv, back;
	struct token t;
	size_t n;

	memset(&inv, 0, sizeof(inv));
	make_token(&t, "pi", NOW + 3600, 0x11);
	inv.tok = t;
	id_of(inv.id, 3);
	inv.created_at = NOW;
	inv.state = INVITE_USED;
	memset(inv.joiner_wg, 1, 32);
	memset(inv.joiner_node, 2, 32);
	inv.used_at = NOW + 1;
	inv.record_len = some_record(inv.record);
	assert_int_equal(invite_encode(&inv, buf, sizeof(buf), &n), 0);
	assert_int_equal(invite_decode(buf, n, &back), 0);
	assert_memory_equal(back.record, inv.record, inv.record_len);
	assert_int_equal(invite_encode(&inv, buf, n - 1, &n), -ENOBUFS);
	assert_int_equal(invite_encode(&inv, buf, sizeof(buf), &n), 0);

	/* any byte changed in the framing or a value with rules breaks it;
	 * a change inside opaque values (keys, secret) may not, but must not
	 * crash and, when it decodes, must encode back to the same bytes */
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, buf, n);
		bad[i] ^= 0x80;
		if (invite_decode(bad, n, &back) == 0) {
			uint8_t again[INVITE_FILE_MAX];
			size_t m;

			assert_int_equal(invite_encode(&back, again, sizeof(again), &m), 0);
			assert_int_equal(m, n);
			assert_memory_equal(again, bad, n);
		}
	}
	/* a used invitation without its record; a pending one with one */
	inv.record_len = 0;
	assert_int_equal(invite_encode(&inv, buf, sizeof(buf), &n), -EINVAL);
	inv.state = INVITE_PENDING;
	assert_int_equal(invite_encode(&inv, buf, sizeof(buf), &n), 0);
	assert_int_equal(invite_decode(buf, n, &back), 0);
	assert_int_equal(back.state, INVITE_PENDING);
	memcpy(bad, buf, n);
	/* state byte says used, but the used fields are missing */
	for (size_t i = 0; i + 3 < n; i++)
		if (bad[i] == 5 && bad[i + 1] == 0 && bad[i + 2] == 1 && bad[i + 3] == INVITE_PENDING) {
			bad[i + 3] = INVITE_USED;
			break;
		}
	assert_int_equal(invite_decode(bad, n, &back), -EINVAL);
	/* an unknown field after the rest */
	memcpy(bad, buf, n);
	bad[n] = 200;
	bad[n + 1] = 0;
	bad[n + 2] = 0;
	assert_int_equal(invite_decode(bad, n + 3, &back), -EINVAL);
	/* another version */
	memcpy(bad, buf, n);
	assert_int_equal(bad[0], 1);
	bad[3] = 2;
	assert_int_equal(invite_decode(bad, n, &back), -EINVAL);
	inv.state = 3;
	assert_int_equal(invite_encode(&inv, buf, sizeof(buf), &n), -EINVAL);
}

struct seen {
	char names[8][WIRE_LABEL_MAX + 1];
	size_t n;
};

static int collect(void *ctx, const struct invite *inv)
{
	struct seen *s = ctx;

	if (s->n < 8)
		strcpy(s->names[s->n++], inv->tok.name);
	return 0;
}

static int stop_at_second(void *ctx, const struct invite *inv)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_list(void **state)
{
	const char *names[] = { "c", "a", "b" };
	uint8_t id[INVITE_ID_LEN];
	struct seen s = { .n = 0 };
	struct token t;
	size_t bad = 99;
	char junk[PATH_MAX];
	int calls = 0;

	/* no directory yet: nothing, no error */
	assert_int_equal(invites_list(dir, collect, &s, &bad), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(bad, 0);
	for (int i = 0; i < 3; i++) {
		make_token(&t, names[i], NOW + 3600, (uint8_t)i);
		id_of(id, (uint8_t)(0x30 - i));         /* ids descending: c, a, b sort as b a c */
		assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	}
	/* one unreadable file and one that is no invitation at all */
	id_of(id, 0x01);
	write_raw(id, "junk", 4, 0600);
	snprintf(junk, sizeof(junk), "%s/" INVITES_DIR "/README", dir);
	assert_int_equal(atomicfile_write(junk, "x", 1, 0644, 0), 0);
	assert_int_equal(invites_list(dir, collect, &s, &bad), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "b");
	assert_string_equal(s.names[1], "a");
	assert_string_equal(s.names[2], "c");
	assert_int_equal(bad, 1);
	assert_int_equal(invites_list(dir, stop_at_second, &calls, NULL), 42);
	assert_int_equal(calls, 2);
}

static void test_prune(void **state)
{
	uint8_t id[INVITE_ID_LEN], rec[RECORD_WIRE_MAX], k[32] = { 1 };
	size_t rlen = some_record(rec), removed, bad;
	char tmp[PATH_MAX], hex[INVITE_ID_HEX + 1];
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	struct invite inv;
	struct token t;

	/* 1: expired two days ago; 2: used, expired two days ago;
	 * 3: expired an hour ago; 4: not expired; 5: not an invitation */
	make_token(&t, "one", NOW - 2 * DAY, 1);
	id_of(id, 1);
	assert_int_equal(invites_create(dir, &t, id, NOW - 3 * DAY), 0);
	make_token(&t, "two", NOW - 2 * DAY, 2);
	id_of(id, 2);
	assert_int_equal(invites_create(dir, &t, id, NOW - 3 * DAY), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_int_equal(invites_mark_used(dir, &inv, k, k, rec, rlen, NOW - 3 * DAY), 0);
	make_token(&t, "three", NOW - 3600, 3);
	id_of(id, 3);
	assert_int_equal(invites_create(dir, &t, id, NOW - DAY), 0);
	make_token(&t, "four", NOW + 3600, 4);
	id_of(id, 4);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);
	id_of(id, 5);
	write_raw(id, "junk", 4, 0600);
	/* a temporary left by a crash long ago, and one being written now */
	invite_id_hex(id, hex);
	snprintf(tmp, sizeof(tmp), "%s/" INVITES_DIR "/.%s.Ab3dE9", dir, hex);
	assert_int_equal(atomicfile_write(tmp, "s", 1, 0600, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, tmp, old, 0), 0);
	snprintf(tmp, sizeof(tmp), "%s/" INVITES_DIR "/.%s.Zz9zZ9", dir, hex);
	assert_int_equal(atomicfile_write(tmp, "s", 1, 0600, 0), 0);

	assert_int_equal(invites_prune(dir, (uint64_t)time(NULL), &removed, &bad), 0);
	/* by the real clock every token above is long expired */
	assert_int_equal(removed, 4);
	assert_int_equal(bad, 1);
	id_of(id, 5);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -EINVAL);
	assert_int_equal(access(tmp, F_OK), 0);
	snprintf(tmp, sizeof(tmp), "%s/" INVITES_DIR "/.%s.Ab3dE9", dir, hex);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_prune_by_age(void **state)
{
	uint8_t id[INVITE_ID_LEN], rec[RECORD_WIRE_MAX], k[32] = { 1 };
	size_t rlen = some_record(rec), removed, bad;
	struct invite inv;
	struct token t;

	make_token(&t, "one", NOW - 2 * DAY, 1);
	id_of(id, 1);
	assert_int_equal(invites_create(dir, &t, id, NOW - 3 * DAY), 0);
	make_token(&t, "two", NOW - 2 * DAY, 2);
	id_of(id, 2);
	assert_int_equal(invites_create(dir, &t, id, NOW - 3 * DAY), 0);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	assert_int_equal(invites_mark_used(dir, &inv, k, k, rec, rlen, NOW - 3 * DAY), 0);
	make_token(&t, "three", NOW - 3600, 3);
	id_of(id, 3);
	assert_int_equal(invites_create(dir, &t, id, NOW - DAY), 0);
	make_token(&t, "four", NOW + 3600, 4);
	id_of(id, 4);
	assert_int_equal(invites_create(dir, &t, id, NOW), 0);

	assert_int_equal(invites_prune(dir, NOW, &removed, &bad), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(bad, 0);
	id_of(id, 1);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -ENOENT);
	id_of(id, 2);
	assert_int_equal(invites_find_by_id(dir, id, &inv), -ENOENT);
	id_of(id, 3);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	id_of(id, 4);
	assert_int_equal(invites_find_by_id(dir, id, &inv), 0);
	/* exactly a day after expiry it goes */
	assert_int_equal(invites_prune(dir, NOW - 3600 + DAY - 1, &removed, &bad), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(invites_prune(dir, NOW - 3600 + DAY, &removed, &bad), 0);
	assert_int_equal(removed, 1);
	/* no directory at all */
	assert_int_equal(invites_prune("/nonexistent/meshgate", NOW, &removed, &bad), 0);
}

static void test_id_hex(void **state)
{
	uint8_t id[INVITE_ID_LEN], back[INVITE_ID_LEN];
	char hex[INVITE_ID_HEX + 1];

	for (int i = 0; i < INVITE_ID_LEN; i++)
		id[i] = (uint8_t)(i * 17);
	invite_id_hex(id, hex);
	assert_string_equal(hex, "00112233445566778899aabbccddeeff");
	assert_int_equal(invite_id_parse(hex, back), 0);
	assert_memory_equal(id, back, INVITE_ID_LEN);
	assert_int_equal(invite_id_parse("00112233445566778899AABBCCDDEEFF", back), -EINVAL);
	assert_int_equal(invite_id_parse("00112233445566778899aabbccddeef", back), -EINVAL);
	assert_int_equal(invite_id_parse("00112233445566778899aabbccddeeff0", back), -EINVAL);
	assert_int_equal(invite_id_parse("0011223344556677 899aabbccddeeff", back), -EINVAL);
	assert_int_equal(invite_id_parse("", back), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fresh_dir, remove_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_and_find),
		T(test_site_fields),
		T(test_one_live_invitation_per_name),
		T(test_mark_used),
		T(test_bad_files),
		cmocka_unit_test(test_codec),
		T(test_list),
		T(test_prune),
		T(test_prune_by_age),
		cmocka_unit_test(test_id_hex),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
