/* keys/state: a member's identity files, written and read back, and each
 * way they can disagree refused with what is wrong. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/state.h"

#define NOW 1800000000ULL

static char dir[256];
static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];
static uint8_t node_sec[NETKEY_SECRET_LEN], wg_priv[32];
static struct record rec;

static int fresh(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/test_state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	memset(&rec, 0, sizeof(rec));
	netkey_generate(net_pub, net_sec);
	netkey_generate(rec.node_key, node_sec);
	randombytes_buf(wg_priv, sizeof(wg_priv));
	crypto_scalarmult_curve25519_base(rec.wg_key, wg_priv);
	strcpy(rec.name, "pi");
	rec.role = RECORD_ROLE_CLIENT;
	rec.n_mesh = 1;
	mg_prefix_parse("10.77.0.9/16", true, &rec.mesh[0]);
	rec.sequence = 1;
	rec.issued_at = NOW;
	rec.expires_at = NOW + RECORD_LIFETIME;
	return 0;
}

static int cleanup(void **state)
{
	struct dirent *e;
	char p[600];
	DIR *d = opendir(dir);

	(void)state;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* Writes the identity, with rec signed by sign_with. */
static void write_all(const uint8_t *sign_with, bool network_key)
{
	uint8_t wire[RECORD_WIRE_MAX];
	size_t len;

	assert_int_equal(record_sign(&rec, sign_with), 0);
	assert_int_equal(record_encode(&rec, wire, sizeof(wire), &len), 0);
	assert_int_equal(state_write_network_pub(dir, net_pub), 0);
	assert_int_equal(state_write_node_key(dir, node_sec), 0);
	assert_int_equal(state_write_wg_key(dir, wg_priv), 0);
	assert_int_equal(state_write_record(dir, wire, len), 0);
	if (network_key)
		assert_int_equal(state_write_network_key(dir, net_sec), 0);
}

static void test_round_trip(void **state)
{
	struct state_identity id;
	char why[300] = "";

	(void)state;
	assert_false(state_exists(dir));
	write_all(net_sec, true);
	assert_true(state_exists(dir));
	assert_int_equal(state_load(dir, rec.wg_key, NOW, &id, why, sizeof(why)), 0);
	assert_true(id.has_network_key);
	assert_memory_equal(id.network_pub, net_pub, sizeof(net_pub));
	assert_memory_equal(id.network_secret, net_sec, sizeof(net_sec));
	assert_memory_equal(id.node_pub, rec.node_key, NETKEY_PUB_LEN);
	assert_string_equal(id.rec.name, "pi");
	state_identity_wipe(&id);

	/* a member without the network key */
	char p[STATE_PATH_MAX];
	state_path(p, dir, STATE_NETWORK_KEY);
	unlink(p);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), 0);
	assert_false(id.has_network_key);
	/* an identity is never replaced */
	assert_int_equal(state_write_node_key(dir, node_sec), -EEXIST);
}

static void test_expired_record_still_loads(void **state)
{
	struct state_identity id;
	char why[300];

	(void)state;
	write_all(net_sec, false);
	assert_int_equal(state_load(dir, NULL, NOW + RECORD_LIFETIME + 1, &id, why, sizeof(why)),
	                 0);
}

static void test_disagreements(void **state)
{
	uint8_t other_pub[NETKEY_PUB_LEN], other_sec[NETKEY_SECRET_LEN], wrong_wg[32];
	struct state_identity id;
	char why[300], p[STATE_PATH_MAX];

	(void)state;
	/* nothing there */
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "meshgate init or meshgate join"));

	/* a record signed by another network */
	netkey_generate(other_pub, other_sec);
	write_all(other_sec, false);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "not signed"));
	cleanup(NULL);
	fresh(NULL);

	/* for another WireGuard key */
	write_all(net_sec, false);
	memset(wrong_wg, 7, sizeof(wrong_wg));
	assert_int_equal(state_load(dir, wrong_wg, NOW, &id, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "WireGuard key"));

	/* a node key the record does not certify */
	state_path(p, dir, STATE_NODE_KEY);
	unlink(p);
	netkey_generate(other_pub, other_sec);
	assert_int_equal(state_write_node_key(dir, other_sec), 0);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "another node"));
	unlink(p);
	assert_int_equal(state_write_node_key(dir, node_sec), 0);

	/* a network key that is not the network's */
	assert_int_equal(state_write_network_key(dir, other_sec), 0);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not the key of"));
	state_path(p, dir, STATE_NETWORK_KEY);
	unlink(p);

	/* a key file others can read */
	state_path(p, dir, STATE_NODE_KEY);
	chmod(p, 0644);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EPERM);
	chmod(p, 0600);

	/* a garbled public key, and a record cut short */
	state_path(p, dir, STATE_NETWORK_PUB);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("not base64\n", f);
	fclose(f);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EINVAL);
	unlink(p);
	assert_int_equal(state_write_network_pub(dir, net_pub), 0);
	state_path(p, dir, STATE_RECORD);
	assert_int_equal(truncate(p, 20), 0);
	assert_int_equal(state_load(dir, NULL, NOW, &id, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a node record"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, fresh, cleanup),
		cmocka_unit_test_setup_teardown(test_expired_record_still_loads, fresh, cleanup),
		cmocka_unit_test_setup_teardown(test_disagreements, fresh, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
