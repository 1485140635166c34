#include "config.h"

#include <errno.h>
#include <string.h>

#include "dns/rev.h"
#include "dns/wire.h"

static const uint8_t v4_suffix[] = "\007in-addr\004arpa";	/* + the root's 0 */
static const uint8_t v6_suffix[] = "\003ip6\004arpa";

static const char hexdig[] = "0123456789abcdef";

/* Labels for the first `units` octets (v4) or nibbles (v6) of bytes, most
 * specific first, then the suffix. */
static size_t build(const uint8_t *bytes, sa_family_t family, unsigned units, uint8_t *out)
{
	size_t n = 0;

	for (unsigned i = units; i-- > 0;) {
		if (family == AF_INET) {
			uint8_t b = bytes[i];
			char d[4];
			size_t l = 0;

			if (b >= 100)
				d[l++] = (char)('0' + b / 100);
			if (b >= 10)
				d[l++] = (char)('0' + b / 10 % 10);
			d[l++] = (char)('0' + b % 10);
			out[n++] = (uint8_t)l;
			memcpy(out + n, d, l);
			n += l;
		} else {
			uint8_t b = bytes[i / 2];

			out[n++] = 1;
			out[n++] = (uint8_t)hexdig[i % 2 ? b & 0xf : b >> 4];
		}
	}
	if (family == AF_INET) {
		memcpy(out + n, v4_suffix, sizeof(v4_suffix));
		n += sizeof(v4_suffix);
	} else {
		memcpy(out + n, v6_suffix, sizeof(v6_suffix));
		n += sizeof(v6_suffix);
	}
	return n;
}

size_t dns_rev_name(const struct mg_addr *a, uint8_t *out)
{
	return build(a->u.bytes, a->family, a->family == AF_INET ? 4 : 32, out);
}

int dns_rev_zones(const struct mg_prefix *p,
		  int (*cb)(void *arg, const uint8_t *name, size_t len), void *arg)
{
	unsigned step = p->addr.family == AF_INET ? 8 : 4;
	unsigned units = (p->len + step - 1) / step, extra = units * step - p->len;
	struct mg_prefix base = *p;
	uint8_t name[DNS_NAME_MAX];

	mg_prefix_mask(&base);
	for (unsigned v = 0; v < 1u << extra; v++) {
		uint8_t bytes[16];
		unsigned last = units - 1;
		int r;

		memcpy(bytes, base.addr.u.bytes, sizeof(bytes));
		/* The free bits are the low `extra` bits of the last unit. */
		if (extra) {
			if (step == 8)
				bytes[last] |= (uint8_t)v;
			else
				bytes[last / 2] |= (uint8_t)(last % 2 ? v : v << 4);
		}
		r = cb(arg, name, build(bytes, p->addr.family, units, name));
		if (r)
			return r;
	}
	return 0;
}

static int digit_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dns_rev_addr(const uint8_t *name, size_t len, struct mg_addr *a)
{
	size_t off = 0;

	memset(a, 0, sizeof(*a));
	if (dns_name_under(name, len, v4_suffix, sizeof(v4_suffix))) {
		if (dns_name_labels(name, len) != 6)
			return -EINVAL;
		a->family = AF_INET;
		for (int i = 3; i >= 0; i--) {
			uint8_t l = name[off];
			unsigned v = 0;

			if (l < 1 || l > 3 || (l > 1 && name[off + 1] == '0'))
				return -EINVAL;
			for (unsigned k = 1; k <= l; k++) {
				int d = digit_val(name[off + k]);

				if (d < 0 || d > 9)
					return -EINVAL;
				v = v * 10 + (unsigned)d;
			}
			if (v > 255)
				return -EINVAL;
			a->u.bytes[i] = (uint8_t)v;
			off += 1u + l;
		}
		return 0;
	}
	if (!dns_name_under(name, len, v6_suffix, sizeof(v6_suffix)) ||
	    len != 32 * 2 + sizeof(v6_suffix))
		return -EINVAL;
	a->family = AF_INET6;
	for (int i = 31; i >= 0; i--) {
		int d;

		if (name[off] != 1 || (d = digit_val(name[off + 1])) < 0)
			return -EINVAL;
		a->u.bytes[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
		off += 2;
	}
	return 0;
}
