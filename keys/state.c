#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "keys/state.h"
#include "lib/atomicfile.h"
#include "lib/base64.h"

int state_path(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, STATE_PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= STATE_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* A public key as one base64 line, readable by anyone. */
int state_write_network_pub(const char *dir, const uint8_t pub[NETKEY_PUB_LEN])
{
	char path[STATE_PATH_MAX], line[BASE64_LEN(NETKEY_PUB_LEN) + 2];
	int r = state_path(path, dir, STATE_NETWORK_PUB);

	if (r < 0)
		return r;
	base64_encode(line, pub, NETKEY_PUB_LEN);
	strcat(line, "\n");
	return atomicfile_write(path, line, strlen(line), 0644, 0);
}

static int read_network_pub(const char *dir, uint8_t pub[NETKEY_PUB_LEN])
{
	char path[STATE_PATH_MAX], line[BASE64_LEN(NETKEY_PUB_LEN) + 3];
	size_t len = 0;
	int r = state_path(path, dir, STATE_NETWORK_PUB);

	if (r < 0)
		return r;
	r = atomicfile_read(path, line, sizeof(line) - 1, &len);
	if (r < 0)
		return r == -EFBIG ? -EINVAL : r;
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	return base64_decode_exact(pub, NETKEY_PUB_LEN, line);
}

static int write_seed(const char *dir, const char *name, const char *kind,
                      const uint8_t secret[NETKEY_SECRET_LEN])
{
	char path[STATE_PATH_MAX];
	int r = state_path(path, dir, name);

	/* libsodium's secret is seed || public key: the seed is the key */
	return r < 0 ? r : keyfile_write(path, kind, secret, NETKEY_SEED_LEN, 0);
}

static int read_seed(const char *dir, const char *name, const char *kind,
                     uint8_t pub[NETKEY_PUB_LEN], uint8_t secret[NETKEY_SECRET_LEN])
{
	char path[STATE_PATH_MAX];
	uint8_t seed[NETKEY_SEED_LEN];
	int r = state_path(path, dir, name);

	if (r < 0)
		return r;
	r = keyfile_read(path, kind, seed, sizeof(seed));
	if (r == 0)
		netkey_from_seed(pub, secret, seed);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int state_write_network_key(const char *dir, const uint8_t secret[NETKEY_SECRET_LEN])
{
	return write_seed(dir, STATE_NETWORK_KEY, KEYFILE_NETWORK, secret);
}

int state_write_node_key(const char *dir, const uint8_t secret[NETKEY_SECRET_LEN])
{
	return write_seed(dir, STATE_NODE_KEY, KEYFILE_NODE, secret);
}

/* As wg genkey prints it, so [mesh] private-key-file and wg(8) read it. */
int state_write_wg_key(const char *dir, const uint8_t priv[32])
{
	char path[STATE_PATH_MAX], line[BASE64_LEN(32) + 2];
	int r = state_path(path, dir, STATE_WG_KEY);

	if (r < 0)
		return r;
	base64_encode(line, priv, 32);
	strcat(line, "\n");
	r = atomicfile_write(path, line, strlen(line), 0600, 0);
	sodium_memzero(line, sizeof(line));
	return r;
}

int state_write_record(const char *dir, const uint8_t *wire, size_t len)
{
	char path[STATE_PATH_MAX];
	int r = state_path(path, dir, STATE_RECORD);

	return r < 0 ? r : atomicfile_write(path, wire, len, 0644, ATOMICFILE_REPLACE);
}

bool state_exists(const char *dir)
{
	char path[STATE_PATH_MAX];

	if (state_path(path, dir, STATE_RECORD) == 0 && access(path, F_OK) == 0)
		return true;
	return state_path(path, dir, STATE_NODE_KEY) == 0 && access(path, F_OK) == 0;
}

#define WHY(...) snprintf(why, whylen, __VA_ARGS__)

int state_load(const char *dir, const uint8_t *wg_pub, uint64_t now,
               struct state_identity *id, char *why, size_t whylen)
{
	char path[STATE_PATH_MAX];
	uint8_t pub[NETKEY_PUB_LEN];
	int r;

	memset(id, 0, sizeof(*id));
	r = read_network_pub(dir, id->network_pub);
	if (r < 0) {
		WHY("%s/%s: %s (run meshgate init or meshgate join first)", dir, STATE_NETWORK_PUB,
		    r == -EINVAL ? "not a public key" : strerror(-r));
		return r;
	}
	r = read_seed(dir, STATE_NODE_KEY, KEYFILE_NODE, id->node_pub, id->node_secret);
	if (r < 0) {
		WHY("%s/%s: %s", dir, STATE_NODE_KEY, keyfile_strerror(r));
		goto fail;
	}
	r = state_path(path, dir, STATE_RECORD);
	if (r == 0)
		r = atomicfile_read(path, id->rec_wire, sizeof(id->rec_wire), &id->rec_len);
	if (r < 0) {
		WHY("%s/%s: %s", dir, STATE_RECORD, strerror(-r));
		goto fail;
	}
	r = record_verify(id->rec_wire, id->rec_len, id->network_pub, now, &id->rec);
	if (r < 0 && r != -EKEYEXPIRED) {
		WHY("%s/%s: %s", dir, STATE_RECORD, r == -EBADMSG ?
		    "not signed by the key in " STATE_NETWORK_PUB : "not a node record");
		goto fail;
	}
	if (memcmp(id->rec.node_key, id->node_pub, NETKEY_PUB_LEN) != 0) {
		WHY("%s/%s belongs to another node than %s", dir, STATE_RECORD, STATE_NODE_KEY);
		r = -EINVAL;
		goto fail;
	}
	if (wg_pub && memcmp(id->rec.wg_key, wg_pub, 32) != 0) {
		WHY("the record in %s is for another WireGuard key than [mesh] private-key-file's",
		    dir);
		r = -EINVAL;
		goto fail;
	}
	r = read_seed(dir, STATE_NETWORK_KEY, KEYFILE_NETWORK, pub, id->network_secret);
	if (r == 0 && memcmp(pub, id->network_pub, NETKEY_PUB_LEN) == 0)
		id->has_network_key = true;
	else if (r == 0 || (r != -ENOENT)) {
		WHY("%s/%s: %s", dir, STATE_NETWORK_KEY,
		    r == 0 ? "not the key of " STATE_NETWORK_PUB : keyfile_strerror(r));
		r = r == 0 ? -EINVAL : r;
		goto fail;
	}
	return 0;
fail:
	state_identity_wipe(id);
	return r;
}

void state_identity_wipe(struct state_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}
