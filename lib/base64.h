/* Standard base64 (RFC 4648, with padding), strict: what wg(8) prints for
 * keys and accepts back. Pure. */
#ifndef MG_LIB_BASE64_H
#define MG_LIB_BASE64_H

#include <stddef.h>
#include <stdint.h>

#define BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* Writes BASE64_LEN(len) characters and a NUL; out needs one more byte. */
void base64_encode(char *out, const uint8_t *in, size_t len);
/* Decodes exactly `len` bytes from s (which must be exactly BASE64_LEN(len)
 * characters with canonical padding). 0 or -EINVAL. */
int base64_decode_exact(uint8_t *out, size_t len, const char *s);

#endif
