#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base64.h"
#include "tools/keys.h"

#define KEY_LEN 32

/* As wg genkey: a private key written where others can read it is a warning. */
static void warn_if_readable(FILE *out)
{
	struct stat st;

	if (fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fprintf(stderr, "meshgate: warning: writing a secret key to a world-readable file "
		        "(umask 077 first)\n");
}

static int print_key(FILE *out, const uint8_t key[KEY_LEN])
{
	char text[BASE64_LEN(KEY_LEN) + 1];

	base64_encode(text, key, KEY_LEN);
	if (fprintf(out, "%s\n", text) < 0 || fflush(out) != 0) {
		fprintf(stderr, "meshgate: cannot write the key: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int random_key(FILE *out, bool clamp)
{
	uint8_t key[KEY_LEN];
	int r;

	if (sodium_init() < 0) {
		fprintf(stderr, "meshgate: libsodium failed to initialise\n");
		return 1;
	}
	warn_if_readable(out);
	randombytes_buf(key, sizeof(key));
	if (clamp) {
		/* X25519 clamping, as wg genkey prints it */
		key[0] &= 248;
		key[31] = (uint8_t)((key[31] & 127) | 64);
	}
	r = print_key(out, key);
	sodium_memzero(key, sizeof(key));
	return r;
}

int keys_genkey(FILE *out)
{
	return random_key(out, true);
}

int keys_genpsk(FILE *out)
{
	return random_key(out, false);
}

int keys_pubkey(FILE *in, FILE *out)
{
	uint8_t priv[KEY_LEN], pub[KEY_LEN];
	char line[128];
	size_t n;
	int r = 1;

	if (sodium_init() < 0 || !fgets(line, sizeof(line), in)) {
		fprintf(stderr, "meshgate: pubkey reads a private key on standard input\n");
		return 1;
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (base64_decode_exact(priv, sizeof(priv), line) < 0) {
		fprintf(stderr, "meshgate: not a private key: expected 44 characters of base64\n");
		goto out;
	}
	if (crypto_scalarmult_curve25519_base(pub, priv) != 0) {
		fprintf(stderr, "meshgate: not a usable private key\n");
		goto out;
	}
	r = print_key(out, pub);
out:
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(line, sizeof(line));
	return r;
}
