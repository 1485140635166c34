/* vpn/mesh/frame: control frames. Round trips of every type (padding
 * ignored), one encoding per frame, and every malformed case: header,
 * lengths, unknown types and kinds, bad labels, lists out of order, empty
 * where not allowed, truncations. */
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

#include "vpn/mesh/frame.h"
#include "testutil.h"

static void key(struct mesh_key *k, uint8_t kind, const char *name)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	strcpy(k->name, name);
}

static void entry(struct mesh_entry *e, uint8_t kind, const char *name, uint64_t seq)
{
	key(&e->key, kind, name);
	e->sequence = seq;
	for (size_t i = 0; i < MESH_DIGEST_LEN; i++)
		e->digest[i] = (uint8_t)(seq + i);
}

static size_t enc(const struct mesh_frame *f, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(mesh_frame_encode(f, buf, MESH_FRAME_MAX, &len), 0);
	assert_true(len <= MESH_FRAME_MAX);
	return len;
}

/* Decodes buf padded with zeros to a multiple of 16 (as WireGuard sends
 * it), then encodes again: the same bytes. */
static void round_trip_bytes(const uint8_t *buf, size_t len, struct mesh_frame *out)
{
	uint8_t padded[MESH_FRAME_MAX + 16], again[MESH_FRAME_MAX];
	size_t plen = (len + 15) / 16 * 16, alen;

	memset(padded, 0, sizeof(padded));
	memcpy(padded, buf, len);
	assert_int_equal(mesh_frame_decode(padded, plen, out), 0);
	assert_int_equal(mesh_frame_decode(buf, len, out), 0);
	alen = enc(out, again);
	assert_int_equal(alen, len);
	assert_memory_equal(again, buf, len);
}

static void hash_round_trip(void **state)
{
	struct mesh_frame f = { .type = MESH_FRAME_HASH }, g;
	uint8_t buf[MESH_FRAME_MAX];
	size_t len;

	(void)state;
	for (size_t i = 0; i < MESH_ROOT_LEN; i++)
		f.u.hash.root[i] = (uint8_t)(i * 7);
	f.u.hash.count = 0x01020304;
	len = enc(&f, buf);
	assert_int_equal(len, MESH_FRAME_HDR + MESH_HASH_BODY);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(buf[1], MESH_FRAME_HASH);
	assert_int_equal(rd16(buf + 2), MESH_HASH_BODY);
	assert_int_equal(rd32(buf + 4 + 32), 0x01020304);
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.type, MESH_FRAME_HASH);
	assert_memory_equal(g.u.hash.root, f.u.hash.root, MESH_ROOT_LEN);
	assert_int_equal(g.u.hash.count, 0x01020304);
	assert_true(mesh_frame_is_control(buf, len));
}

static void summary_round_trip(void **state)
{
	static struct mesh_frame f, g;
	uint8_t buf[MESH_FRAME_MAX];
	size_t len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = MESH_FRAME_SUMMARY;
	f.u.summary.flags = 0;
	key(&f.u.summary.after, MESH_KIND_REVOCATION, "zz");
	entry(&f.u.summary.e[0], MESH_KIND_RECORD, "a", 1);
	entry(&f.u.summary.e[1], MESH_KIND_RECORD, "b-2", UINT64_MAX);
	entry(&f.u.summary.e[2], MESH_KIND_ANNOUNCE, "a", 3);
	f.u.summary.n = 3;
	len = enc(&f, buf);
	assert_int_equal(len, MESH_FRAME_HDR + mesh_summary_body_size(&f.u.summary));
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.u.summary.n, 3);
	assert_int_equal(g.u.summary.flags, 0);
	assert_string_equal(g.u.summary.after.name, "zz");
	assert_string_equal(g.u.summary.e[1].key.name, "b-2");
	assert_int_equal(g.u.summary.e[1].sequence, UINT64_MAX);
	assert_memory_equal(g.u.summary.e[2].digest, f.u.summary.e[2].digest, MESH_DIGEST_LEN);

	/* from start, to end, and the empty whole-range chunk */
	f.u.summary.flags = MESH_SUMMARY_FROM_START | MESH_SUMMARY_TO_END;
	len = enc(&f, buf);
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.u.summary.flags, MESH_SUMMARY_FROM_START | MESH_SUMMARY_TO_END);
	f.u.summary.n = 0;
	len = enc(&f, buf);
	assert_int_equal(len, MESH_FRAME_HDR + 2);
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.u.summary.n, 0);
}

static void want_object_round_trip(void **state)
{
	static struct mesh_frame f, g;
	uint8_t buf[MESH_FRAME_MAX], obj[WIRE_OBJECT_MAX];
	size_t len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = MESH_FRAME_WANT;
	f.u.want.n = MESH_LIST_MAX;
	for (size_t i = 0; i < MESH_LIST_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%03zu", i);
		key(&f.u.want.keys[i], MESH_KIND_RECORD, name);
	}
	len = enc(&f, buf);
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.u.want.n, MESH_LIST_MAX);
	assert_string_equal(g.u.want.keys[63].name, "n063");

	rnd_fill(obj, sizeof(obj));
	assert_int_equal(mesh_frame_object(MESH_KIND_ANNOUNCE, obj, sizeof(obj), buf, sizeof(buf),
	                                   &len), 0);
	assert_int_equal(len, MESH_FRAME_HDR + 1 + WIRE_OBJECT_MAX);
	round_trip_bytes(buf, len, &g);
	assert_int_equal(g.u.object.kind, MESH_KIND_ANNOUNCE);
	assert_int_equal(g.u.object.len, sizeof(obj));
	assert_memory_equal(g.u.object.bytes, obj, sizeof(obj));
	assert_ptr_equal(g.u.object.bytes, buf + MESH_FRAME_HDR + 1);
}

/* The longest names: a full chunk still fits, one entry more does not encode. */
static void summary_size_limit(void **state)
{
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX];
	char name[WIRE_LABEL_MAX + 1];
	size_t len, n = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = MESH_FRAME_SUMMARY;
	f.u.summary.flags = 0;
	memset(name, 'x', WIRE_LABEL_MAX);
	name[WIRE_LABEL_MAX] = '\0';
	key(&f.u.summary.after, MESH_KIND_REVOCATION, name);
	for (;;) {
		snprintf(name, sizeof(name), "%02zu%061d", n, 0);
		entry(&f.u.summary.e[n], MESH_KIND_RECORD, name, n);
		f.u.summary.n = (uint8_t)(n + 1);
		if (mesh_summary_body_size(&f.u.summary) > MESH_FRAME_BODY_MAX)
			break;
		n++;
	}
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	f.u.summary.n = (uint8_t)n;
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), 0);
	assert_true(len <= MESH_FRAME_MAX);
	assert_true(n >= 16);
	assert_int_equal(mesh_frame_encode(&f, buf, len - 1, &len), -ENOBUFS);
}

static void encoder_refuses(void **state)
{
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX], obj[8] = { 1 };
	size_t len;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = 9;
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	f.type = MESH_FRAME_WANT;                   /* empty */
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	f.u.want.n = 2;                             /* out of order */
	key(&f.u.want.keys[0], MESH_KIND_RECORD, "b");
	key(&f.u.want.keys[1], MESH_KIND_RECORD, "a");
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	key(&f.u.want.keys[1], MESH_KIND_RECORD, "B");  /* not a label */
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	f.type = MESH_FRAME_SUMMARY;                /* empty, not to end */
	f.u.summary.flags = MESH_SUMMARY_FROM_START;
	f.u.summary.n = 0;
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	f.u.summary.flags = 0x07;
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(mesh_frame_object(0, obj, sizeof(obj), buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(mesh_frame_object(MESH_KIND_RECORD, obj, 0, buf, sizeof(buf), &len),
	                 -EINVAL);
	assert_int_equal(mesh_frame_object(MESH_KIND_RECORD, obj, sizeof(obj), buf, 8, &len),
	                 -ENOBUFS);
}

/* Hand-made frames: header, then body. */
static size_t frame(uint8_t *buf, uint8_t type, const uint8_t *body, size_t blen)
{
	buf[0] = MESH_FRAME_MAGIC;
	buf[1] = type;
	wr16(buf + 2, (uint16_t)blen);
	memcpy(buf + 4, body, blen);
	return 4 + blen;
}

static void assert_bad(const uint8_t *buf, size_t len)
{
	static struct mesh_frame f;

	assert_int_equal(mesh_frame_decode(buf, len, &f), -EINVAL);
}

static void malformed_header(void **state)
{
	uint8_t buf[2 * MESH_FRAME_MAX], body[MESH_FRAME_MAX];
	size_t len;

	(void)state;
	memset(body, 0, sizeof(body));
	memset(buf, 0, sizeof(buf));
	assert_bad(buf, 0);
	len = frame(buf, MESH_FRAME_HASH, body, MESH_HASH_BODY);
	for (size_t i = 0; i < len; i++)             /* every truncation */
		assert_bad(buf, i);
	buf[0] = 0x10;                               /* version 0 */
	assert_bad(buf, len);
	buf[0] = 0x12;                               /* version 2 */
	assert_bad(buf, len);
	buf[0] = 0x45;                               /* an IPv4 packet */
	assert_false(mesh_frame_is_control(buf, len));
	assert_bad(buf, len);
	buf[0] = 0x60;
	assert_false(mesh_frame_is_control(buf, len));
	buf[0] = MESH_FRAME_MAGIC;
	for (unsigned t = 0; t < 256; t++) {         /* only types 1..4 */
		if (t >= MESH_FRAME_HASH && t <= MESH_FRAME_OBJECT)
			continue;
		buf[1] = (uint8_t)t;
		assert_bad(buf, len);
	}
	buf[1] = MESH_FRAME_HASH;
	wr16(buf + 2, MESH_HASH_BODY + 1);           /* beyond the buffer */
	assert_bad(buf, len);
	wr16(buf + 2, MESH_HASH_BODY - 1);           /* HASH body too short */
	assert_bad(buf, len);
	len = frame(buf, MESH_FRAME_HASH, body, MESH_HASH_BODY + 1);  /* too long */
	assert_bad(buf, len);
	/* a body over the 1400-byte frame, though the buffer holds it */
	len = frame(buf, MESH_FRAME_OBJECT, body, MESH_FRAME_BODY_MAX + 1);
	buf[4] = MESH_KIND_RECORD;
	assert_bad(buf, len);
	wr16(buf + 2, 0xffff);
	assert_bad(buf, sizeof(buf));
}

static void malformed_summary(void **state)
{
	uint8_t buf[MESH_FRAME_MAX];
	/* from start, one entry: record "ab", sequence 1, digest */
	uint8_t ok[] = { 0x01, 1, 2, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t b[sizeof(ok) + 100];
	static struct mesh_frame f;
	size_t len;

	(void)state;
	len = frame(buf, MESH_FRAME_SUMMARY, ok, sizeof(ok));
	assert_int_equal(mesh_frame_decode(buf, len, &f), 0);
	for (size_t i = 0; i < len; i++) {
		/* every shorter body, with its length field telling the truth */
		if (i >= 4) {
			size_t l = frame(buf, MESH_FRAME_SUMMARY, ok, i - 4);

			assert_bad(buf, l);
		}
	}
	memcpy(b, ok, sizeof(ok));
	b[0] = 0x05;                                 /* unknown flag */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	memcpy(b, ok, sizeof(ok));
	b[1] = 0;                                    /* no entries, not to end */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, 2));
	b[0] = 0x03;                                 /* ...to end: fine */
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_SUMMARY, b, 2), &f), 0);
	memcpy(b, ok, sizeof(ok));
	b[1] = 2;                                    /* count beyond the body */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	memcpy(b, ok, sizeof(ok));
	b[1] = MESH_LIST_MAX + 1;
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	memcpy(b, ok, sizeof(ok));
	b[2] = 0;                                    /* kind 0 */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	b[2] = 4;                                    /* kind 4 */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	memcpy(b, ok, sizeof(ok));
	b[4] = 'A';                                  /* upper case */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	b[4] = '-';                                  /* leading hyphen */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	b[4] = '\0';                                 /* embedded NUL */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	memcpy(b, ok, sizeof(ok));
	b[3] = 0;                                    /* empty name */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok)));
	b[3] = 64;                                   /* name too long */
	memset(b + 4, 'a', 64);
	memset(b + 68, 0, 16);
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, 84));
	memcpy(b, ok, sizeof(ok));                   /* a byte after the entries */
	b[sizeof(ok)] = 0;
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, sizeof(ok) + 1));
}

static void summary_order(void **state)
{
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX], b[64];
	/* an entry: kind, "x" + c, sequence, digest */
	uint8_t e1[] = { 2, 2, 'x', 'b', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t e2[sizeof(e1)];
	size_t n;

	(void)state;
	memcpy(e2, e1, sizeof(e1));
	/* after record "xb": an entry equal to it is refused, above it is fine */
	b[0] = 0;
	memcpy(b + 1, e1, 4);
	b[5] = 1;
	memcpy(b + 6, e1, sizeof(e1));
	n = 6 + sizeof(e1);
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n));
	b[6 + 3] = 'c';
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_SUMMARY, b, n), &f), 0);
	b[6 + 3] = 'a';                              /* below `after` */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n));
	b[6] = 3;                                    /* a higher kind: above */
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_SUMMARY, b, n), &f), 0);

	/* two entries from start: equal, decreasing, increasing by kind and by name */
	b[0] = MESH_SUMMARY_FROM_START;
	b[1] = 2;
	memcpy(b + 2, e1, sizeof(e1));
	memcpy(b + 2 + sizeof(e1), e2, sizeof(e2));
	n = 2 + 2 * sizeof(e1);
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n));      /* duplicate */
	b[2 + sizeof(e1) + 3] = 'a';
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n));      /* decreasing */
	b[2 + sizeof(e1)] = 3;
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_SUMMARY, b, n), &f), 0);
	b[2 + sizeof(e1)] = 1;                                      /* lower kind */
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n));
	b[2 + sizeof(e1)] = 2;
	b[2 + sizeof(e1) + 3] = 'c';
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_SUMMARY, b, n), &f), 0);
	b[2 + sizeof(e1) + 1] = 1;                   /* "x" < "xb": a prefix sorts first */
	b[2 + sizeof(e1) + 2] = 'x';
	memmove(b + 2 + sizeof(e1) + 3, b + 2 + sizeof(e1) + 4, sizeof(e1) - 4);
	assert_bad(buf, frame(buf, MESH_FRAME_SUMMARY, b, n - 1));
}

static void malformed_want_object(void **state)
{
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX + 16], b[MESH_FRAME_MAX];
	uint8_t ok[] = { 2, 2, 1, 'a', 2, 1, 'b' };
	size_t n;

	(void)state;
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_WANT, ok, sizeof(ok)), &f), 0);
	assert_int_equal(f.u.want.n, 2);
	for (size_t i = 0; i < sizeof(ok); i++)
		assert_bad(buf, frame(buf, MESH_FRAME_WANT, ok, i));
	memcpy(b, ok, sizeof(ok));
	b[0] = 0;                                    /* empty */
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, 1));
	b[0] = 1;                                    /* count below the keys */
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, sizeof(ok)));
	b[0] = 2;
	b[6] = 'a';                                  /* duplicate */
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, sizeof(ok)));
	b[6] = '9';                                  /* '9' < 'a': decreasing */
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, sizeof(ok)));
	b[6] = 'b';
	b[4] = 7;                                    /* kind */
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, sizeof(ok)));
	/* more keys than a list holds */
	b[0] = MESH_LIST_MAX + 1;
	n = 1;
	for (size_t i = 0; i <= MESH_LIST_MAX; i++) {
		b[n++] = MESH_KIND_RECORD;
		b[n++] = 2;
		b[n++] = (uint8_t)('a' + i / 26);
		b[n++] = (uint8_t)('a' + i % 26);
	}
	assert_bad(buf, frame(buf, MESH_FRAME_WANT, b, n));
	b[0] = MESH_LIST_MAX;
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_WANT, b, n - 4), &f), 0);

	/* OBJECT: needs a known kind and 1..1200 bytes */
	b[0] = MESH_KIND_RECORD;
	assert_bad(buf, frame(buf, MESH_FRAME_OBJECT, b, 0));
	assert_bad(buf, frame(buf, MESH_FRAME_OBJECT, b, 1));
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_OBJECT, b, 2), &f), 0);
	assert_int_equal(f.u.object.len, 1);
	memset(b + 1, 0xaa, WIRE_OBJECT_MAX + 1);
	assert_int_equal(mesh_frame_decode(buf, frame(buf, MESH_FRAME_OBJECT, b,
	                                              1 + WIRE_OBJECT_MAX), &f), 0);
	assert_bad(buf, frame(buf, MESH_FRAME_OBJECT, b, 2 + WIRE_OBJECT_MAX));
	b[0] = 0;
	assert_bad(buf, frame(buf, MESH_FRAME_OBJECT, b, 10));
	b[0] = MESH_KIND_ANNOUNCE + 1;
	assert_bad(buf, frame(buf, MESH_FRAME_OBJECT, b, 10));
}

static void key_order(void **state)
{
	struct mesh_key a, b;

	(void)state;
	key(&a, MESH_KIND_REVOCATION, "zz");
	key(&b, MESH_KIND_RECORD, "a");
	assert_true(mesh_key_cmp(&a, &b) < 0);       /* kind first */
	key(&a, MESH_KIND_RECORD, "a");
	assert_int_equal(mesh_key_cmp(&a, &b), 0);
	key(&a, MESH_KIND_RECORD, "a-b");
	assert_true(mesh_key_cmp(&a, &b) > 0);       /* a prefix sorts first */
	key(&b, MESH_KIND_RECORD, "a9");
	assert_true(mesh_key_cmp(&a, &b) < 0);       /* '-' < '9' as bytes */
	key(&a, 0, "a");
	assert_false(mesh_key_valid(&a));
	key(&a, MESH_KIND_ANNOUNCE, "a");
	assert_true(mesh_key_valid(&a));
}

/* Random bytes behind a valid header never crash the decoder, and what
 * decodes encodes back to itself. */
static void random_bodies(void **state)
{
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX], again[MESH_FRAME_MAX];
	size_t alen;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t blen = rnd() % 80;

		buf[0] = MESH_FRAME_MAGIC;
		buf[1] = (uint8_t)(1 + rnd() % 4);
		wr16(buf + 2, (uint16_t)blen);
		rnd_fill(buf + 4, blen);
		if (buf[1] == MESH_FRAME_SUMMARY)    /* make some decode */
			buf[4] &= 3;
		if (mesh_frame_decode(buf, 4 + blen, &f) == 0) {
			assert_int_equal(mesh_frame_encode(&f, again, sizeof(again), &alen), 0);
			assert_int_equal(alen, 4 + blen);
			assert_memory_equal(again, buf, alen);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_round_trip),
		cmocka_unit_test(summary_round_trip),
		cmocka_unit_test(want_object_round_trip),
		cmocka_unit_test(summary_size_limit),
		cmocka_unit_test(encoder_refuses),
		cmocka_unit_test(malformed_header),
		cmocka_unit_test(malformed_summary),
		cmocka_unit_test(summary_order),
		cmocka_unit_test(malformed_want_object),
		cmocka_unit_test(key_order),
		cmocka_unit_test(random_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
