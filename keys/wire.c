#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "keys/wire.h"

int tlv_next(struct tlv_in *in, uint8_t *type, struct rcur *val)
{
	const uint8_t *v;
	uint16_t len;
	uint8_t t;

	if (in->c.err)
		return -EINVAL;
	if (rcur_left(&in->c) == 0)
		return 0;
	t = rcur_u8(&in->c);
	len = rcur_be16(&in->c);
	v = rcur_take(&in->c, len);
	if (!v || t == 0 || t <= in->last)
		return -EINVAL;
	in->last = t;
	*type = t;
	*val = rcur_init(v, len);
	return 1;
}

void tlv_put(struct wcur *w, uint8_t type, const void *v, size_t len)
{
	if (len > UINT16_MAX) {
		w->err = true;
		return;
	}
	wcur_u8(w, type);
	wcur_be16(w, (uint16_t)len);
	wcur_bytes(w, v, len);
}

void tlv_put_u8(struct wcur *w, uint8_t type, uint8_t v)
{
	tlv_put(w, type, &v, 1);
}

void tlv_put_u64(struct wcur *w, uint8_t type, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	tlv_put(w, type, b, sizeof(b));
}

size_t tlv_begin(struct wcur *w, uint8_t type)
{
	wcur_u8(w, type);
	wcur_be16(w, 0);
	return w->off;
}

void tlv_end(struct wcur *w, size_t start)
{
	size_t len = w->off - start;

	if (w->err)
		return;
	if (len > UINT16_MAX) {
		w->err = true;
		return;
	}
	w->p[start - 2] = (uint8_t)(len >> 8);
	w->p[start - 1] = (uint8_t)len;
}

int tlv_get_fixed(struct rcur *val, void *out, size_t n)
{
	if (rcur_left(val) != n)
		return -EINVAL;
	rcur_bytes(val, out, n);
	return val->err ? -EINVAL : 0;
}

int tlv_get_u8(struct rcur *val, uint8_t *out)
{
	return tlv_get_fixed(val, out, 1);
}

int tlv_get_u64(struct rcur *val, uint64_t *out)
{
	if (rcur_left(val) != 8)
		return -EINVAL;
	*out = rcur_be64(val);
	return val->err ? -EINVAL : 0;
}

/* Copies a value of 1..max bytes into a NUL-terminated string. */
static int get_string(struct rcur *val, char *out, size_t max)
{
	size_t n = rcur_left(val);

	if (n == 0 || n > max)
		return -EINVAL;
	rcur_bytes(val, out, n);
	out[n] = '\0';
	/* an embedded NUL would make the string shorter than its encoding */
	return !val->err && strlen(out) == n ? 0 : -EINVAL;
}

int tlv_get_label(struct rcur *val, char *out)
{
	int r = get_string(val, out, WIRE_LABEL_MAX);

	return r < 0 || !wire_label_valid(out) ? -EINVAL : 0;
}

int tlv_get_domain(struct rcur *val, char *out)
{
	int r = get_string(val, out, WIRE_DOMAIN_MAX);

	return r < 0 || !wire_domain_valid(out) ? -EINVAL : 0;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Checks one label of n characters; lower-case only unless any_case. */
static bool label_ok(const char *s, size_t n, bool any_case)
{
	if (n == 0 || n > WIRE_LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (any_case && c >= 'A' && c <= 'Z')
			continue;
		if (!is_lower_alnum(c) && c != '-')
			return false;
	}
	return true;
}

bool wire_label_valid(const char *s)
{
	size_t n = strnlen(s, WIRE_LABEL_MAX + 1);

	return n <= WIRE_LABEL_MAX && label_ok(s, n, false);
}

static bool name_ok(const char *s, bool any_case)
{
	size_t n = strnlen(s, WIRE_DOMAIN_MAX + 1);
	const char *p = s, *dot;

	if (n == 0 || n > WIRE_DOMAIN_MAX)
		return false;
	for (;;) {
		dot = strchr(p, '.');
		if (!label_ok(p, dot ? (size_t)(dot - p) : strlen(p), any_case))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

bool wire_domain_valid(const char *s)
{
	return name_ok(s, false);
}

bool wire_host_valid(const char *s)
{
	struct mg_addr a;

	if (strnlen(s, WIRE_HOST_MAX + 1) > WIRE_HOST_MAX)
		return false;
	return mg_addr_parse(s, &a) == 0 || name_ok(s, true);
}

void wire_put_prefix(struct wcur *w, const struct mg_prefix *p)
{
	wcur_u8(w, p->addr.family == AF_INET ? 4 : 6);
	wcur_u8(w, p->len);
	wcur_bytes(w, p->addr.u.bytes, mg_addr_len(&p->addr));
}

static bool prefix_valid(const struct mg_prefix *p, bool host_bits_ok)
{
	struct mg_prefix m = *p;

	if (p->addr.family == AF_INET) {
		if (p->len > 32)
			return false;
	} else if (p->addr.family == AF_INET6) {
		if (p->len > 128)
			return false;
	} else {
		return false;
	}
	mg_prefix_mask(&m);
	return host_bits_ok || mg_addr_eq(&m.addr, &p->addr);
}

bool wire_prefixes_valid(const struct mg_prefix *p, size_t n, bool host_bits_ok)
{
	for (size_t i = 0; i < n; i++) {
		if (!prefix_valid(&p[i], host_bits_ok))
			return false;
		for (size_t j = 0; j < i; j++)
			if (mg_prefix_eq(&p[i], &p[j]))
				return false;
	}
	return true;
}

int wire_get_prefixes(struct rcur *val, struct mg_prefix *out, uint8_t *n,
                      size_t max, bool host_bits_ok)
{
	size_t count = 0;

	while (rcur_left(val) > 0) {
		struct mg_prefix p;
		uint8_t fam;

		if (count == max)
			return -EINVAL;
		memset(&p, 0, sizeof(p));
		fam = rcur_u8(val);
		p.len = rcur_u8(val);
		if (fam == 4)
			p.addr.family = AF_INET;
		else if (fam == 6)
			p.addr.family = AF_INET6;
		else
			return -EINVAL;
		rcur_bytes(val, p.addr.u.bytes, mg_addr_len(&p.addr));
		if (val->err)
			return -EINVAL;
		out[count++] = p;
	}
	if (val->err || count == 0 || !wire_prefixes_valid(out, count, host_bits_ok))
		return -EINVAL;
	*n = (uint8_t)count;
	return 0;
}

int wire_signed_cmp(uint64_t seq_a, const uint8_t *sig_a, const void *a, uint64_t seq_b,
                    const uint8_t *sig_b, const void *b, size_t sig_len, wire_encode_fn encode)
{
	uint8_t ea[WIRE_OBJECT_MAX], eb[WIRE_OBJECT_MAX];
	size_t la = 0, lb = 0;
	int c;

	if (seq_a != seq_b)
		return seq_a > seq_b ? 1 : -1;
	c = memcmp(sig_a, sig_b, sig_len);
	if (c)
		return c > 0 ? 1 : -1;
	if (encode(a, ea, sizeof(ea), &la) < 0)
		la = 0;
	if (encode(b, eb, sizeof(eb), &lb) < 0)
		lb = 0;
	if (la != lb)
		return la > lb ? 1 : -1;
	c = memcmp(ea, eb, la);
	return c > 0 ? 1 : c < 0 ? -1 : 0;
}
