/* Invitation tokens from arbitrary bytes, both as a pasted line and as
 * the decoded binary. A binary that decodes must encode back to itself;
 * a line that parses must format to a line that parses to the same token.
 * Seeds: `test_token --write-seeds tests/fuzz/corpus/token`. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void binary(const uint8_t *data, size_t size)
{
	uint8_t out[TOKEN_WIRE_MAX];
	struct token t;
	size_t len;
	int r = token_decode(data, size, &t);

	check(r == 0 || r == -EINVAL || r == -EPROTONOSUPPORT);
	if (r < 0)
		return;
	check(token_encode(&t, out, sizeof(out), &len) == 0);
	check(len == size && memcmp(out, data, size) == 0);
}

static void line(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), again[TOKEN_TEXT_MAX + 1];
	uint8_t a[TOKEN_WIRE_MAX], b[TOKEN_WIRE_MAX];
	struct token t, u;
	size_t la, lb;
	int r;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	r = token_parse(text, &t);
	check(r == 0 || r == -EINVAL || r == -EPROTONOSUPPORT);
	if (r == 0) {
		check(token_format(&t, again, sizeof(again)) == 0);
		check(token_parse(again, &u) == 0);
		check(token_encode(&t, a, sizeof(a), &la) == 0);
		check(token_encode(&u, b, sizeof(b), &lb) == 0);
		check(la == lb && memcmp(a, b, la) == 0);
		check(token_secret_equal(t.secret, u.secret));
		/* the line that parsed is the formatted one, give or take blanks */
		check(strstr(text, again) != NULL);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	binary(copy, size);
	line(copy, size);
	free(copy);
	return 0;
}
