#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

static int value_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

int base64_decode_exact(uint8_t *out, size_t len, const char *s)
{
	size_t n = strlen(s), o = 0;

	if (n != BASE64_LEN(len))
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		uint32_t w;
		size_t take = len - o < 3 ? len - o : 3;

		for (int j = 0; j < 4; j++) {
			/* '=' only where the length says padding goes */
			if (s[i + j] == '=' && (size_t)j > take) {
				v[j] = 0;
				continue;
			}
			v[j] = value_of(s[i + j]);
			if (v[j] < 0)
				return -EINVAL;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* Bits past the data must be zero, or two texts would mean one key. */
		if ((take == 1 && (w & 0xffff)) || (take == 2 && (w & 0xff)))
			return -EINVAL;
		out[o++] = (uint8_t)(w >> 16);
		if (take > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (take > 2)
			out[o++] = (uint8_t)w;
	}
	return 0;
}
