#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/report.h"

#define REPORT_MAX_DEPTH 16
#define REPORT_INDENT 2

enum frame_kind { FRAME_OBJ, FRAME_ARR };

/* How a text array lays out its elements, fixed by its first element. */
enum arr_mode { ARR_EMPTY, ARR_INLINE, ARR_BLOCK };

struct frame {
	enum frame_kind kind;
	enum arr_mode mode;     /* text arrays */
	bool has_key;           /* text: a "key:" head was written */
	unsigned indent;        /* text: indentation of the children's lines */
	size_t count;           /* elements or members written so far */
};

struct report {
	enum report_format fmt;
	bool oom;
	bool finished;
	char *buf;
	size_t len, cap;
	unsigned depth;         /* frames in use; frame[0] is the implicit top object */
	struct frame frame[REPORT_MAX_DEPTH + 1];
};

struct report *report_new(enum report_format fmt)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cap = 256;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	r->fmt = fmt;
	r->depth = 1;
	r->frame[0].kind = FRAME_OBJ;
	if (fmt == REPORT_JSON)
		r->buf[r->len++] = '{';
	r->buf[r->len] = '\0';
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

/* Keeps room for a terminating NUL after len + n bytes. */
static bool reserve(struct report *r, size_t n)
{
	if (r->oom)
		return false;
	if (n < r->cap - r->len)
		return true;
	size_t cap = r->cap;

	while (n >= cap - r->len) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	char *p = realloc(r->buf, cap);

	if (!p)
		goto fail;
	r->buf = p;
	r->cap = cap;
	return true;
fail:
	r->oom = true;
	return false;
}

static void put(struct report *r, const char *s, size_t n)
{
	if (!reserve(r, n))
		return;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void puts_(struct report *r, const char *s)
{
	put(r, s, strlen(s));
}

static void putc_(struct report *r, char c)
{
	put(r, &c, 1);
}

static void indent(struct report *r, unsigned n)
{
	static const char spaces[] = "                                  ";

	while (n > 0) {
		unsigned k = n < sizeof(spaces) - 1 ? n : (unsigned)sizeof(spaces) - 1;

		put(r, spaces, k);
		n -= k;
	}
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* JSON: RFC 8259 escapes. Text: control bytes as \xNN so a value cannot
 * fake extra lines. Both: invalid UTF-8 becomes U+FFFD. */
static void put_escaped(struct report *r, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	bool json = r->fmt == REPORT_JSON;

	while (n > 0) {
		size_t run = 0;

		/* Copy runs that need no escaping in one go. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f &&
		       !(json && (s[run] == '"' || s[run] == '\\')))
			run++;
		put(r, (const char *)s, run);
		s += run;
		n -= run;
		if (n == 0)
			break;

		unsigned char c = *s;
		size_t k = c >= 0x80 ? utf8_len(s, n) : 0;

		if (k > 0) {
			put(r, (const char *)s, k);
		} else if (c >= 0x80) {
			k = 1;
			puts_(r, json ? "\\ufffd" : "\xef\xbf\xbd");
		} else if (json && (c == '"' || c == '\\')) {
			k = 1;
			char e[2] = { '\\', (char)c };

			put(r, e, 2);
		} else if (json && c == 0x7f) {
			k = 1;
			putc_(r, (char)c);
		} else {
			k = 1;
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			if (json)
				put(r, e, 6);
			else
				put(r, (char[]){ '\\', 'x', hex[c >> 4], hex[c & 15] }, 4);
		}
		s += k;
		n -= k;
	}
}

static struct frame *top(struct report *r)
{
	return &r->frame[r->depth - 1];
}

static void check_writable(struct report *r, const char *key)
{
	struct frame *f = top(r);

	if (r->finished)
		fatal("report: write after report_finish");
	if (f->kind == FRAME_OBJ && !key)
		fatal("report: member of an object without a key");
	if (f->kind == FRAME_ARR && key)
		fatal("report: array element '%s' with a key", key);
}

/* JSON: separator and "key":. */
static void json_head(struct report *r, const char *key)
{
	struct frame *f = top(r);

	if (f->count++ > 0)
		putc_(r, ',');
	if (key) {
		putc_(r, '"');
		put_escaped(r, key);
		puts_(r, "\":");
	}
}

/* Text, before a scalar: "key: " in an object, ", " between the elements of
 * an inline array, its own indented line in a block array. */
static void text_scalar_head(struct report *r, const char *key)
{
	struct frame *f = top(r);

	if (f->kind == FRAME_OBJ) {
		indent(r, f->indent);
		put_escaped(r, key);
		puts_(r, ": ");
	} else if (f->mode == ARR_EMPTY) {
		f->mode = ARR_INLINE;
		if (f->has_key)
			putc_(r, ' ');
		else
			indent(r, f->indent);
	} else if (f->mode == ARR_INLINE) {
		puts_(r, ", ");
	} else {
		putc_(r, '\n');
		indent(r, f->indent);
	}
	f->count++;
}

static void text_scalar_tail(struct report *r)
{
	if (top(r)->kind == FRAME_OBJ || top(r)->mode == ARR_BLOCK)
		putc_(r, '\n');
}

/* Text, before a nested object or array: a "key:" head in an object, a
 * blank line between the blocks of an array. Returns the children's indent. */
static unsigned text_container_head(struct report *r, const char *key, bool arr)
{
	struct frame *f = top(r);

	if (f->kind == FRAME_OBJ) {
		indent(r, f->indent);
		put_escaped(r, key);
		putc_(r, ':');
		if (!arr)
			putc_(r, '\n');
		f->count++;
		return f->indent + REPORT_INDENT;
	}
	if (f->mode == ARR_EMPTY) {
		if (f->has_key)
			putc_(r, '\n');
	} else {
		/* An inline line ends, and blocks are set apart by a blank line. */
		if (f->mode == ARR_INLINE)
			putc_(r, '\n');
		putc_(r, '\n');
	}
	f->mode = ARR_BLOCK;
	f->count++;
	return f->indent;
}

static void push(struct report *r, const char *key, enum frame_kind kind)
{
	check_writable(r, key);
	if (r->depth > REPORT_MAX_DEPTH)
		fatal("report: nesting deeper than %d", REPORT_MAX_DEPTH);

	struct frame nf = { .kind = kind, .has_key = key != NULL };

	if (r->fmt == REPORT_JSON) {
		json_head(r, key);
		putc_(r, kind == FRAME_OBJ ? '{' : '[');
	} else {
		nf.indent = text_container_head(r, key, kind == FRAME_ARR);
	}
	r->frame[r->depth++] = nf;
}

static void pop(struct report *r, enum frame_kind kind)
{
	struct frame *f = top(r);

	if (r->finished)
		fatal("report: write after report_finish");
	if (r->depth <= 1 || f->kind != kind)
		fatal("report: unbalanced %s end", kind == FRAME_OBJ ? "object" : "array");
	if (r->fmt == REPORT_JSON) {
		putc_(r, kind == FRAME_OBJ ? '}' : ']');
	} else if (kind == FRAME_ARR) {
		if (f->mode == ARR_INLINE) {
			putc_(r, '\n');
		} else if (f->mode == ARR_EMPTY) {
			if (!f->has_key)
				indent(r, f->indent);
			puts_(r, f->has_key ? " (none)\n" : "(none)\n");
		}
	}
	r->depth--;
}

void report_obj_begin(struct report *r, const char *key)
{
	push(r, key, FRAME_OBJ);
}

void report_obj_end(struct report *r)
{
	pop(r, FRAME_OBJ);
}

void report_arr_begin(struct report *r, const char *key)
{
	push(r, key, FRAME_ARR);
}

void report_arr_end(struct report *r)
{
	pop(r, FRAME_ARR);
}

/* A scalar: quoted is for strings (JSON quotes and escapes them). */
static void scalar(struct report *r, const char *key, const char *val, bool quoted)
{
	check_writable(r, key);
	if (r->fmt == REPORT_JSON) {
		json_head(r, key);
		if (quoted) {
			putc_(r, '"');
			put_escaped(r, val);
			putc_(r, '"');
		} else {
			puts_(r, val);
		}
		return;
	}
	text_scalar_head(r, key);
	put_escaped(r, val);
	text_scalar_tail(r);
}

void report_str(struct report *r, const char *key, const char *val)
{
	if (val)
		scalar(r, key, val, true);
	else
		scalar(r, key, r->fmt == REPORT_JSON ? "null" : "(none)", false);
}

void report_strf(struct report *r, const char *key, const char *fmt, ...)
{
	char small[256];
	char *s = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->oom = true;
		return;
	}
	if ((size_t)n >= sizeof(small)) {
		s = malloc((size_t)n + 1);
		if (!s) {
			r->oom = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	scalar(r, key, s, true);
	if (s != small)
		free(s);
}

void report_int(struct report *r, const char *key, int64_t val)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, val);
	scalar(r, key, s, false);
}

void report_uint(struct report *r, const char *key, uint64_t val)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, val);
	scalar(r, key, s, false);
}

void report_bool(struct report *r, const char *key, bool val)
{
	if (r->fmt == REPORT_JSON)
		scalar(r, key, val ? "true" : "false", false);
	else
		scalar(r, key, val ? "yes" : "no", false);
}

const char *report_finish(struct report *r, size_t *len)
{
	if (!r->finished) {
		/* A handler that bailed out may leave containers open: close them. */
		while (r->depth > 1)
			pop(r, top(r)->kind);
		if (r->fmt == REPORT_JSON)
			puts_(r, "}\n");
		r->finished = true;
	}
	if (r->oom)
		return NULL;
	if (len)
		*len = r->len;
	return r->buf;
}
