/* Parse and build BOOTP/DHCP messages through the bounded cursor. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dhcp/wire.h"
#include "lib/cursor.h"

static const char *const rx_error_names[DHCP_RX_NREASONS] = {
	[DHCP_RX_OK] = "ok",
	[DHCP_RX_SHORT] = "short",
	[DHCP_RX_TOO_LONG] = "too_long",
	[DHCP_RX_BAD_OP] = "bad_op",
	[DHCP_RX_BAD_HLEN] = "bad_hlen",
	[DHCP_RX_BAD_COOKIE] = "bad_cookie",
	[DHCP_RX_OPT_OVERRUN] = "opt_overrun",
	[DHCP_RX_NO_END] = "no_end",
	[DHCP_RX_BAD_OVERLOAD] = "bad_overload",
	[DHCP_RX_BAD_OPT_LEN] = "bad_opt_len",
	[DHCP_RX_NO_TYPE] = "no_type",
};

const char *dhcp_rx_error_name(enum dhcp_rx_error e)
{
	return (unsigned)e < DHCP_RX_NREASONS ? rx_error_names[e] : "?";
}

static bool have(const struct dhcp_optset *s, uint8_t code)
{
	return s->have[code >> 3] & (1u << (code & 7));
}

/* Walks one option field. The first pass checks it and adds up each
 * code's length; the second copies the values to their places. Option 52
 * counts only in the options field (RFC 2131 4.1). */
static enum dhcp_rx_error walk(struct dhcp_optset *s, const uint8_t *p, size_t n,
			       uint8_t *overload, bool copy, uint16_t *fill)
{
	bool main_field = overload != NULL;
	enum dhcp_rx_error bad = main_field ? DHCP_RX_OPT_OVERRUN : DHCP_RX_BAD_OVERLOAD;
	struct rcur c = rcur_init(p, n);
	const uint8_t *v;
	uint8_t code, len;

	for (;;) {
		if (!rcur_left(&c))
			return main_field ? DHCP_RX_NO_END : DHCP_RX_BAD_OVERLOAD;
		code = rcur_u8(&c);
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return DHCP_RX_OK;
		len = rcur_u8(&c);
		v = rcur_take(&c, len);
		if (c.err)
			return bad;
		if (code == DHCP_OPT_OVERLOAD) {
			if (!main_field)
				continue;
			*overload = len == 1 ? v[0] : 0;
		}
		if (copy) {
			memcpy(s->data + s->off[code] + fill[code], v, len);
			fill[code] = (uint16_t)(fill[code] + len);
		} else {
			s->len[code] = (uint16_t)(s->len[code] + len);
			s->have[code >> 3] |= (uint8_t)(1u << (code & 7));
		}
	}
}

/* The options field, then file, then sname, as option 52 says. */
static enum dhcp_rx_error walk_all(struct dhcp_msg *m, const uint8_t *buf, size_t len,
				   bool copy, uint16_t *fill)
{
	enum dhcp_rx_error e;
	uint8_t ovl = 0;

	e = walk(&m->opts, buf + DHCP_OPTS_OFF, len - DHCP_OPTS_OFF, &ovl, copy, fill);
	if (e)
		return e;
	if (!copy && have(&m->opts, DHCP_OPT_OVERLOAD)) {
		/* Exactly one instance of one byte, 1..3. */
		if (m->opts.len[DHCP_OPT_OVERLOAD] != 1 || ovl < 1 || ovl > 3)
			return DHCP_RX_BAD_OVERLOAD;
		m->overload = ovl;
	}
	if (m->overload & DHCP_OVERLOAD_FILE) {
		e = walk(&m->opts, buf + DHCP_FILE_OFF, DHCP_FILE_LEN, NULL, copy, fill);
		if (e)
			return e;
	}
	if (m->overload & DHCP_OVERLOAD_SNAME) {
		e = walk(&m->opts, buf + DHCP_SNAME_OFF, DHCP_SNAME_LEN, NULL, copy, fill);
		if (e)
			return e;
	}
	return DHCP_RX_OK;
}

/* Lengths the RFCs fix for the options we read: 0 means any, else
 * exact (or a minimum where marked). */
static enum dhcp_rx_error check_lengths(const struct dhcp_optset *s)
{
	static const struct { uint8_t code, len; bool min; } rules[] = {
		{ DHCP_OPT_MSG_TYPE, 1, false },
		{ DHCP_OPT_REQUESTED_IP, 4, false },
		{ DHCP_OPT_SERVER_ID, 4, false },
		{ DHCP_OPT_LEASE_TIME, 4, false },
		{ DHCP_OPT_MAX_MSG_SIZE, 2, false },
		{ DHCP_OPT_CLIENT_ID, 2, true },
		{ DHCP_OPT_HOST_NAME, 1, true },
		{ DHCP_OPT_PRL, 1, true },
		{ DHCP_OPT_FQDN, 3, true },
	};
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		uint8_t code = rules[i].code;

		if (!have(s, code))
			continue;
		if (rules[i].min ? s->len[code] < rules[i].len : s->len[code] != rules[i].len)
			return DHCP_RX_BAD_OPT_LEN;
	}
	return DHCP_RX_OK;
}

static enum dhcp_rx_error parse(const uint8_t *buf, size_t len, uint8_t op, struct dhcp_msg *m)
{
	struct rcur c = rcur_init(buf, len);
	struct dhcp_head *h = &m->h;
	uint16_t fill[256];
	enum dhcp_rx_error e;
	unsigned i, off;

	if (len < DHCP_OPTS_OFF)
		return DHCP_RX_SHORT;
	if (len > DHCP_MAX_LEN)
		return DHCP_RX_TOO_LONG;
	memset(h, 0, sizeof(*h));
	h->op = rcur_u8(&c);
	h->htype = rcur_u8(&c);
	h->hlen = rcur_u8(&c);
	h->hops = rcur_u8(&c);
	h->xid = rcur_be32(&c);
	h->secs = rcur_be16(&c);
	h->flags = rcur_be16(&c);
	h->ciaddr = rcur_be32(&c);
	h->yiaddr = rcur_be32(&c);
	h->siaddr = rcur_be32(&c);
	h->giaddr = rcur_be32(&c);
	rcur_bytes(&c, h->chaddr, DHCP_CHADDR_LEN);
	rcur_take(&c, DHCP_SNAME_LEN + DHCP_FILE_LEN);
	if (rcur_be32(&c) != DHCP_MAGIC)
		return DHCP_RX_BAD_COOKIE;
	if (h->op != op)
		return DHCP_RX_BAD_OP;
	if (h->hlen > DHCP_CHADDR_LEN)
		return DHCP_RX_BAD_HLEN;

	m->overload = 0;
	memset(m->opts.have, 0, sizeof(m->opts.have));
	memset(m->opts.len, 0, sizeof(m->opts.len));
	e = walk_all(m, buf, len, false, NULL);
	if (e)
		return e;
	/* Values add up to less than the message, so they fit in data. */
	for (i = 0, off = 0; i < 256; i++) {
		m->opts.off[i] = (uint16_t)off;
		off += m->opts.len[i];
	}
	m->opts.used = (uint16_t)off;
	memset(fill, 0, sizeof(fill));
	e = walk_all(m, buf, len, true, fill);
	if (e)
		return e;
	e = check_lengths(&m->opts);
	if (e)
		return e;
	if (!have(&m->opts, DHCP_OPT_MSG_TYPE))
		return DHCP_RX_NO_TYPE;
	return DHCP_RX_OK;
}

int dhcp_parse(const uint8_t *buf, size_t len, uint8_t op, struct dhcp_msg *m,
	       enum dhcp_rx_error *why)
{
	enum dhcp_rx_error e = parse(buf, len, op, m);

	if (why)
		*why = e;
	return e == DHCP_RX_OK ? 0 : -EINVAL;
}

/* ---- build ---- */

/* Where options are being written: one field at a time, each keeping a
 * byte for its end option. */
struct field {
	uint8_t *p;
	size_t cap, off;		/* cap excludes the end option */
};

/* Bytes an option takes in one piece of up to 255 bytes each. */
static size_t encoded_len(size_t len)
{
	return len ? len + 2 * ((len + 254) / 255) : 2;
}

/* Writes one option's pieces from field *fi on, moving to later fields as
 * they fill; a piece is cut short to fill a field. False (nothing to undo:
 * the caller restores the offsets) if it does not fit. */
static bool place(struct field *f, size_t nf, size_t *fi, uint8_t code,
		  const uint8_t *v, size_t len)
{
	bool first = true;

	while (first || len) {
		struct field *cur;
		size_t room, n;

		if (*fi >= nf)
			return false;
		cur = &f[*fi];
		room = cur->cap - cur->off;
		if (room < 2 || (len && room < 3)) {
			(*fi)++;
			continue;
		}
		n = len < 255 ? len : 255;
		if (n > room - 2)
			n = room - 2;
		cur->p[cur->off] = code;
		cur->p[cur->off + 1] = (uint8_t)n;
		memcpy(cur->p + cur->off + 2, v, n);
		cur->off += 2 + n;
		v += n;
		len -= n;
		first = false;
	}
	return true;
}

int dhcp_build(uint8_t *buf, size_t cap, size_t max_len, const struct dhcp_head *h,
	       const struct dhcp_optlist *o, unsigned *dropped)
{
	struct wcur c = wcur_init(buf, cap < max_len ? cap : max_len);
	struct field f[3];
	size_t total = 0, nf, fi = 0, i, end;
	unsigned lost = 0;
	bool overload;

	wcur_u8(&c, h->op);
	wcur_u8(&c, h->htype);
	wcur_u8(&c, h->hlen);
	wcur_u8(&c, h->hops);
	wcur_be32(&c, h->xid);
	wcur_be16(&c, h->secs);
	wcur_be16(&c, h->flags);
	wcur_be32(&c, h->ciaddr);
	wcur_be32(&c, h->yiaddr);
	wcur_be32(&c, h->siaddr);
	wcur_be32(&c, h->giaddr);
	wcur_bytes(&c, h->chaddr, DHCP_CHADDR_LEN);
	wcur_zeros(&c, DHCP_SNAME_LEN + DHCP_FILE_LEN);
	wcur_be32(&c, DHCP_MAGIC);
	if (c.err || c.cap - c.off < 1)
		return -ENOSPC;

	for (i = 0; i < o->n; i++)
		total += encoded_len(o->ent[i].len);
	/* The options field, less its end option (and option 52's three
	 * bytes when the other fields are needed). */
	end = c.cap - c.off - 1;
	overload = total > end && end >= 3;
	f[0] = (struct field){ .p = buf + c.off, .cap = end, .off = overload ? 3 : 0 };
	nf = 1;
	if (overload) {
		f[1] = (struct field){ .p = buf + DHCP_FILE_OFF, .cap = DHCP_FILE_LEN - 1 };
		f[2] = (struct field){ .p = buf + DHCP_SNAME_OFF, .cap = DHCP_SNAME_LEN - 1 };
		nf = 3;
	}
	for (i = 0; i < o->n; i++) {
		size_t save[3] = { f[0].off, f[1].off, f[2].off }, sfi = fi;

		if (place(f, nf, &fi, o->ent[i].code, o->data + o->ent[i].off, o->ent[i].len))
			continue;
		lost++;
		f[0].off = save[0];
		if (overload) {
			f[1].off = save[1];
			f[2].off = save[2];
		}
		fi = sfi;
	}
	if (overload) {
		uint8_t which = f[2].off ? DHCP_OVERLOAD_BOTH : DHCP_OVERLOAD_FILE;

		f[0].p[0] = DHCP_OPT_OVERLOAD;
		f[0].p[1] = 1;
		f[0].p[2] = which;
		for (i = 1; i < 3; i++) {
			if (i == 2 && which != DHCP_OVERLOAD_BOTH)
				break;
			f[i].p[f[i].off] = DHCP_OPT_END;
			memset(f[i].p + f[i].off + 1, 0, f[i].cap - f[i].off);
		}
	}
	f[0].p[f[0].off++] = DHCP_OPT_END;
	c.off += f[0].off;
	if (c.off < DHCP_BOOTP_MIN_LEN && c.cap >= DHCP_BOOTP_MIN_LEN)
		wcur_zeros(&c, DHCP_BOOTP_MIN_LEN - c.off);
	if (dropped)
		*dropped = lost;
	return (int)c.off;
}
