/* keys/token: invitation tokens as printed and pasted, and malformed
 * every way: text, framing, fields, versions.
 *
 * `test_token --write-seeds DIR` writes the fuzz seeds (lines and binary). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/record.h"
#include "keys/token.h"

#define NOW 1700000000ULL

static int setup(void **state)
{
	return sodium_init() < 0 ? -1 : 0;
}

static void make(struct token *t)
{
	memset(t, 0, sizeof(*t));
	t->version = TOKEN_VERSION;
	t->n_endpoints = 3;
	strcpy(t->endpoints[0].host, "vps.example.org");
	t->endpoints[0].port = 51820;
	strcpy(t->endpoints[1].host, "203.0.113.9");
	t->endpoints[1].port = 655;
	strcpy(t->endpoints[2].host, "2001:db8::1");
	t->endpoints[2].port = 51820;
	memset(t->network_id, 0x3c, sizeof(t->network_id));
	for (int i = 0; i < TOKEN_SECRET_LEN; i++)
		t->secret[i] = (uint8_t)(i * 7 + 1);
	strcpy(t->name, "pi");
	strcpy(t->site, "flat2");
	t->role = RECORD_ROLE_GATEWAY;
	t->expires_at = NOW + 3600;
}

static size_t binary(const struct token *t, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(token_encode(t, buf, TOKEN_WIRE_MAX, &len), 0);
	return len;
}

static void assert_tokens_equal(const struct token *a, const struct token *b)
{
	uint8_t ea[TOKEN_WIRE_MAX], eb[TOKEN_WIRE_MAX];
	size_t la = binary(a, ea), lb = binary(b, eb);

	assert_int_equal(la, lb);
	assert_memory_equal(ea, eb, la);
	assert_true(token_secret_equal(a->secret, b->secret));
}

static void round_trip(void **state)
{
	char line[TOKEN_TEXT_MAX + 1], pasted[TOKEN_TEXT_MAX + 16];
	struct token t, back;

	make(&t);
	assert_int_equal(token_format(&t, line, sizeof(line)), 0);
	assert_int_equal(strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                        "0123456789-_"), strlen(line));
	assert_int_equal(token_parse(line, &back), 0);
	assert_tokens_equal(&t, &back);
	assert_string_equal(back.endpoints[0].host, "vps.example.org");
	assert_int_equal(back.endpoints[1].port, 655);
	assert_string_equal(back.site, "flat2");

	/* as pasted into a terminal */
	snprintf(pasted, sizeof(pasted), " \t%s\r\n", line);
	assert_int_equal(token_parse(pasted, &back), 0);
	assert_tokens_equal(&t, &back);

	/* a client without a site, one endpoint */
	t.role = RECORD_ROLE_CLIENT;
	t.site[0] = '\0';
	t.n_endpoints = 1;
	assert_int_equal(token_format(&t, line, sizeof(line)), 0);
	assert_int_equal(token_parse(line, &back), 0);
	assert_tokens_equal(&t, &back);
	assert_string_equal(back.site, "");

	token_wipe(&back);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(((uint8_t *)&back)[i], 0);
}

static void largest(void **state)
{
	char line[TOKEN_TEXT_MAX + 1];
	struct token t, back;

	make(&t);
	t.n_endpoints = TOKEN_ENDPOINTS_MAX;
	for (int i = 0; i < TOKEN_ENDPOINTS_MAX; i++) {
		memset(t.endpoints[i].host, 'h', WIRE_HOST_MAX);
		for (int j = 62; j < WIRE_HOST_MAX; j += 63)
			t.endpoints[i].host[j] = '.';
		t.endpoints[i].host[0] = (char)('a' + i);
		t.endpoints[i].host[WIRE_HOST_MAX] = '\0';
		t.endpoints[i].port = 65535;
	}
	memset(t.name, 'n', 63);
	memset(t.site, 's', 63);
	t.expires_at = UINT64_MAX;
	assert_int_equal(token_format(&t, line, sizeof(line)), 0);
	assert_int_equal(strlen(line), TOKEN_TEXT_MAX);
	assert_int_equal(token_format(&t, line, sizeof(line) - 1), -ENOBUFS);
	assert_int_equal(token_parse(line, &back), 0);
	assert_tokens_equal(&t, &back);
}

static void bad_text(void **state)
{
	char line[TOKEN_TEXT_MAX + 1], bad[TOKEN_TEXT_MAX + 64];
	struct token t, back;
	size_t n;

	make(&t);
	assert_int_equal(token_format(&t, line, sizeof(line)), 0);
	n = strlen(line);

	assert_int_equal(token_parse("", &back), -EINVAL);
	assert_int_equal(token_parse(" \r\n", &back), -EINVAL);
	/* every prefix of the line */
	for (size_t k = 0; k < n; k++) {
		memcpy(bad, line, k);
		bad[k] = '\0';
		assert_int_equal(token_parse(bad, &back), -EINVAL);
	}
	/* padding, standard base64's letters, a space inside, a stray byte */
	snprintf(bad, sizeof(bad), "%s=", line);
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	snprintf(bad, sizeof(bad), "%s==", line);
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	snprintf(bad, sizeof(bad), "%s x", line);
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	static const char stray[] = "+/= .\xff\x01*";
	for (size_t i = 0; i < n; i += 7) {
		for (size_t s = 0; s < sizeof(stray) - 1; s++) {
			strcpy(bad, line);
			bad[i] = stray[s];
			if (token_parse(bad, &back) != -EINVAL)
				fail_msg("position %zu of %zu, char %d: %s", i, n, stray[s], bad);
		}
	}
	/* one character more: one too many for base64, or trailing bytes */
	snprintf(bad, sizeof(bad), "%sA", line);
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	snprintf(bad, sizeof(bad), "%sAA", line);
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	/* longer than any token */
	memset(bad, 'A', TOKEN_TEXT_MAX + 1);
	bad[TOKEN_TEXT_MAX + 1] = '\0';
	assert_int_equal(token_parse(bad, &back), -EINVAL);
	/* a line of zero bytes is not a token either */
	memset(bad, 'A', 400);
	bad[400] = '\0';
	assert_int_equal(token_parse(bad, &back), -EINVAL);
}

/* TLV surgery on the binary form. */
struct field {
	unsigned type;
	size_t len;
	const uint8_t *v;
};

static size_t split(const uint8_t *buf, size_t len, struct field *f)
{
	size_t n = 0, off = 0;

	while (off < len) {
		f[n].type = buf[off];
		f[n].len = (size_t)buf[off + 1] << 8 | buf[off + 2];
		f[n].v = buf + off + 3;
		off += 3 + f[n].len;
		n++;
	}
	return n;
}

static int decode_fields(const struct field *f, size_t n)
{
	uint8_t buf[4096];
	struct token t;
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		buf[off++] = (uint8_t)f[i].type;
		buf[off++] = (uint8_t)(f[i].len >> 8);
		buf[off++] = (uint8_t)f[i].len;
		memcpy(buf + off, f[i].v, f[i].len);
		off += f[i].len;
	}
	return token_decode(buf, off, &t);
}

static uint8_t good[TOKEN_WIRE_MAX];
static struct field f[10];
static size_t nf;

static void good_fields(void)
{
	struct token t;

	make(&t);
	nf = split(good, binary(&t, good), f);
	assert_int_equal(nf, 8);
	assert_int_equal(decode_fields(f, nf), 0);
}

static int decode_with(unsigned type, const void *v, size_t len)
{
	struct field g[10];

	good_fields();
	memcpy(g, f, sizeof(g));
	for (size_t i = 0; i < nf; i++)
		if (g[i].type == type)
			g[i] = (struct field){ type, len, v };
	return decode_fields(g, nf);
}

static void framing(void **state)
{
	static const uint8_t zero[64];
	struct field g[11];

	good_fields();
	for (size_t i = 0; i < nf; i++) {
		/* duplicated */
		memcpy(g, f, (i + 1) * sizeof(f[0]));
		memcpy(g + i + 1, f + i, (nf - i) * sizeof(f[0]));
		assert_int_equal(decode_fields(g, nf + 1), -EINVAL);
		/* dropped: only the site may go, and not from a gateway's token */
		memcpy(g, f, i * sizeof(f[0]));
		memcpy(g + i, f + i + 1, (nf - i - 1) * sizeof(f[0]));
		assert_int_equal(decode_fields(g, nf - 1), -EINVAL);
		/* emptied */
		memcpy(g, f, nf * sizeof(f[0]));
		g[i].len = 0;
		assert_int_equal(decode_fields(g, nf), -EINVAL);
		/* swapped with the next */
		if (i + 1 < nf) {
			memcpy(g, f, nf * sizeof(f[0]));
			g[i] = f[i + 1];
			g[i + 1] = f[i];
			assert_int_equal(decode_fields(g, nf), -EINVAL);
		}
	}
	/* unknown types, after the last known one */
	for (unsigned t = 9; t < 256; t++) {
		memcpy(g, f, nf * sizeof(f[0]));
		g[nf] = (struct field){ t, 1, zero };
		assert_int_equal(decode_fields(g, nf + 1), -EINVAL);
	}
	/* type 0 first, the version not first */
	memcpy(g + 1, f, nf * sizeof(f[0]));
	g[0] = (struct field){ 0, 1, zero };
	assert_int_equal(decode_fields(g, nf + 1), -EINVAL);
	assert_int_equal(decode_fields(f + 1, nf - 1), -EINVAL);
	/* fixed sizes off by one */
	assert_int_equal(decode_with(TOKEN_T_NETWORK, zero, 31), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_NETWORK, zero, 33), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_SECRET, zero, 31), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_SECRET, zero, 33), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_EXPIRES, zero, 7), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_EXPIRES, zero, 9), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ROLE, "\x01\x00", 2), -EINVAL);
	/* a trailing byte after the last field, and a length past the end */
	good_fields();
	{
		uint8_t buf[TOKEN_WIRE_MAX + 1];
		struct token t;
		size_t len;

		make(&t);
		len = binary(&t, buf);
		buf[len] = 0;
		assert_int_equal(token_decode(buf, len + 1, &t), -EINVAL);
		buf[len - 10] = 0xff;         /* expires' length byte */
		assert_int_equal(token_decode(buf, len, &t), -EINVAL);
		for (size_t k = 0; k < len; k++) {
			uint8_t *p = malloc(k ? k : 1);

			assert_non_null(p);
			memcpy(p, good, k);
			assert_int_equal(token_decode(p, k, &t), -EINVAL);
			free(p);
		}
	}
}

static void versions(void **state)
{
	struct token t;

	assert_int_equal(decode_with(TOKEN_T_VERSION, "\x02", 1), -EPROTONOSUPPORT);
	assert_int_equal(decode_with(TOKEN_T_VERSION, "\x00", 1), -EPROTONOSUPPORT);
	assert_int_equal(decode_with(TOKEN_T_VERSION, "\x01\x01", 2), -EINVAL);
	/* a later version may lay out the rest as it likes */
	assert_int_equal(token_decode((const uint8_t *)"\x01\x00\x01\x02garbage", 11, &t),
	                 -EPROTONOSUPPORT);
	assert_int_equal(token_parse("AQABAg", &t), -EPROTONOSUPPORT);
	assert_int_equal(token_parse("AQABAQ", &t), -EINVAL);
	make(&t);
	t.version = 2;
	assert_int_equal(token_encode(&t, good, sizeof(good), &nf), -EINVAL);
}

static int decode_endpoints(const char *const *host, const uint16_t *port, size_t n)
{
	static uint8_t v[2048];
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		size_t h = strlen(host[i]);

		v[off++] = (uint8_t)h;
		memcpy(v + off, host[i], h);
		off += h;
		v[off++] = (uint8_t)(port[i] >> 8);
		v[off++] = (uint8_t)port[i];
	}
	return decode_with(TOKEN_T_ENDPOINTS, v, off);
}

static void endpoints(void **state)
{
	static const char *const good_hosts[] = {
		"vps", "VPS.Example.ORG", "192.0.2.1", "::1", "fe80::1:2", "a-b.c-d", "1.2.3",
	};
	static const char *const bad_hosts[] = {
		"bad host", "-vps.example", "vps-.example", "vps..example", "vps.example.",
		".vps", "vps_1", "vps:51820", "[::1]", "vps/x", "v\xc3\xa9",
	};
	static const uint16_t port[5] = { 1, 2, 3, 4, 5 };
	const char *five[5] = { "a", "b", "c", "d", "e" };
	const char *one[1];
	char host[300];
	struct token t;
	uint8_t v[8];

	for (size_t i = 0; i < sizeof(good_hosts) / sizeof(good_hosts[0]); i++) {
		one[0] = good_hosts[i];
		assert_int_equal(decode_endpoints(one, port, 1), 0);
	}
	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		one[0] = bad_hosts[i];
		assert_int_equal(decode_endpoints(one, port, 1), -EINVAL);
		make(&t);
		strcpy(t.endpoints[0].host, bad_hosts[i]);
		assert_int_equal(token_encode(&t, good, sizeof(good), &nf), -EINVAL);
	}
	assert_int_equal(decode_endpoints(five, port, 4), 0);
	assert_int_equal(decode_endpoints(five, port, 5), -EINVAL);
	/* port 0 */
	assert_int_equal(decode_endpoints(five, (const uint16_t[]){ 0 }, 1), -EINVAL);
	/* host of 253 and 254 characters (labels of 63 or fewer) */
	memset(host, 'h', sizeof(host));
	for (int j = 50; j < 300; j += 51)
		host[j] = '.';
	host[253] = '\0';
	one[0] = host;
	assert_int_equal(decode_endpoints(one, port, 1), 0);
	host[253] = 'h';
	host[254] = '\0';
	assert_int_equal(decode_endpoints(one, port, 1), -EINVAL);
	/* empty host, host with a NUL, host length past the field, half an entry */
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, "\x00\x00\x01", 3), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, "\x02" "a\0\x00\x01", 5), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, "\x09" "a\x00\x01", 4), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, "\x01" "a\x00\x01\x01", 5), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, "\x01" "a\x00", 3), -EINVAL);
	memcpy(v, "\x01" "a\x00\x01", 4);
	assert_int_equal(decode_with(TOKEN_T_ENDPOINTS, v, 4), 0);
	make(&t);
	t.n_endpoints = 0;
	assert_int_equal(token_encode(&t, good, sizeof(good), &nf), -EINVAL);
	make(&t);
	t.endpoints[0].port = 0;
	assert_int_equal(token_encode(&t, good, sizeof(good), &nf), -EINVAL);
}

static void names_and_roles(void **state)
{
	struct token t;
	char line[TOKEN_TEXT_MAX + 1];

	assert_int_equal(decode_with(TOKEN_T_NAME, "Pi", 2), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_NAME, "pi.lan", 6), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_NAME, "p\0i", 3), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_NAME,
	                 "0123456789012345678901234567890123456789012345678901234567890123",
	                 64), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_SITE, "flat 2", 6), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ROLE, "\x00", 1), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ROLE, "\x03", 1), -EINVAL);
	assert_int_equal(decode_with(TOKEN_T_ROLE, "\x02", 1), 0);
	make(&t);
	t.site[0] = '\0';                      /* a gateway must have a site */
	assert_int_equal(token_format(&t, line, sizeof(line)), -EINVAL);
	t.role = RECORD_ROLE_CLIENT;
	assert_int_equal(token_format(&t, line, sizeof(line)), 0);
	memset(t.name, 'a', sizeof(t.name));   /* not NUL-terminated */
	assert_int_equal(token_format(&t, line, sizeof(line)), -EINVAL);
}

static void expiry_and_secrets(void **state)
{
	uint8_t a[TOKEN_SECRET_LEN], b[TOKEN_SECRET_LEN];
	struct token t, u;

	make(&t);
	assert_false(token_expired(&t, NOW));
	assert_false(token_expired(&t, t.expires_at - 1));
	assert_true(token_expired(&t, t.expires_at));
	assert_true(token_expired(&t, UINT64_MAX));

	memcpy(a, t.secret, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(token_secret_equal(a, b));
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		assert_false(token_secret_equal(a, b));
		b[i] ^= 0x80;
	}
	u = t;
	token_new_secret(&t);
	token_new_secret(&u);
	assert_false(token_secret_equal(t.secret, u.secret));
	assert_false(token_secret_equal(t.secret, a));
}

/* Random bytes, and random changes to a good token: no crash, and what
 * decodes encodes back to the same bytes. */
static void random_bytes(void **state)
{
	uint8_t buf[TOKEN_WIRE_MAX], again[TOKEN_WIRE_MAX];
	uint32_t s = 12345;
	struct token t;
	size_t len, len2;

	for (int round = 0; round < 20000; round++) {
		s = s * 1103515245 + 12345;
		good_fields();
		make(&t);
		len = binary(&t, buf);
		for (int k = 0; k <= (int)(s >> 28); k++) {
			s = s * 1103515245 + 12345;
			buf[(s >> 8) % len] = (uint8_t)(s >> 20);
		}
		if (token_decode(buf, len, &t) == 0) {
			assert_int_equal(token_encode(&t, again, sizeof(again), &len2), 0);
			assert_int_equal(len2, len);
			assert_memory_equal(again, buf, len);
		}
	}
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static int write_seeds(const char *dir)
{
	char line[TOKEN_TEXT_MAX + 2];
	uint8_t buf[TOKEN_WIRE_MAX];
	struct token t;
	size_t len;
	int bad = 0;

	make(&t);
	if (token_format(&t, line, sizeof(line)) < 0 || token_encode(&t, buf, sizeof(buf), &len) < 0)
		return 1;
	strcat(line, "\n");
	bad |= write_file(dir, "gateway-line", line, strlen(line));
	bad |= write_file(dir, "gateway-binary", buf, len);
	t.role = RECORD_ROLE_CLIENT;
	t.site[0] = '\0';
	t.n_endpoints = 1;
	strcpy(t.endpoints[0].host, "::1");
	if (token_format(&t, line, sizeof(line)) < 0 || token_encode(&t, buf, sizeof(buf), &len) < 0)
		return 1;
	bad |= write_file(dir, "client-line", line, strlen(line));
	bad |= write_file(dir, "client-binary", buf, len);
	bad |= write_file(dir, "version-2-line", "AQABAg", 6);
	return bad;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(largest),
		cmocka_unit_test(bad_text),
		cmocka_unit_test(framing),
		cmocka_unit_test(versions),
		cmocka_unit_test(endpoints),
		cmocka_unit_test(names_and_roles),
		cmocka_unit_test(expiry_and_secrets),
		cmocka_unit_test(random_bytes),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, setup, NULL);
}
