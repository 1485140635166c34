/* Bounded read and write cursors for every packet parser and builder.
 * Reads past the end and writes past the capacity do not happen: they set
 * `err` and return zeros, so a parser reads all fields and checks once.
 * Integers go through memcpy and explicit byte order, never a cast. */
#ifndef MG_LIB_CURSOR_H
#define MG_LIB_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rcur {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

struct wcur {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool err;
};

static inline struct rcur rcur_init(const void *p, size_t len)
{
	return (struct rcur){ .p = p, .len = len, .off = 0, .err = false };
}

static inline size_t rcur_left(const struct rcur *c)
{
	return c->err ? 0 : c->len - c->off;
}

/* Returns a pointer to n bytes and advances, or NULL (and err) if short. */
static inline const uint8_t *rcur_take(struct rcur *c, size_t n)
{
	const uint8_t *p;

	if (c->err || n > c->len - c->off) {
		c->err = true;
		return NULL;
	}
	p = c->p + c->off;
	c->off += n;
	return p;
}

static inline void rcur_bytes(struct rcur *c, void *out, size_t n)
{
	const uint8_t *p = rcur_take(c, n);

	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

static inline uint8_t rcur_u8(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 1);

	return p ? p[0] : 0;
}

static inline uint16_t rcur_be16(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t rcur_be32(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint16_t rcur_le16(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 2);

	return p ? (uint16_t)(p[1] << 8 | p[0]) : 0;
}

static inline uint32_t rcur_le32(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 4);

	return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

static inline uint64_t rcur_le64(struct rcur *c)
{
	uint64_t lo = rcur_le32(c);

	return lo | (uint64_t)rcur_le32(c) << 32;
}

static inline uint64_t rcur_be64(struct rcur *c)
{
	uint64_t hi = rcur_be32(c);

	return hi << 32 | rcur_be32(c);
}

static inline struct wcur wcur_init(void *p, size_t cap)
{
	return (struct wcur){ .p = p, .cap = cap, .off = 0, .err = false };
}

/* Reserves n bytes and returns them, or NULL (and err) if they do not fit. */
static inline uint8_t *wcur_reserve(struct wcur *c, size_t n)
{
	uint8_t *p;

	if (c->err || n > c->cap - c->off) {
		c->err = true;
		return NULL;
	}
	p = c->p + c->off;
	c->off += n;
	return p;
}

static inline void wcur_bytes(struct wcur *c, const void *src, size_t n)
{
	uint8_t *p = wcur_reserve(c, n);

	if (p && n)
		memcpy(p, src, n);
}

static inline void wcur_zeros(struct wcur *c, size_t n)
{
	uint8_t *p = wcur_reserve(c, n);

	if (p)
		memset(p, 0, n);
}

static inline void wcur_u8(struct wcur *c, uint8_t v)
{
	wcur_bytes(c, &v, 1);
}

static inline void wcur_be16(struct wcur *c, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wcur_bytes(c, b, 2);
}

static inline void wcur_be32(struct wcur *c, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	wcur_bytes(c, b, 4);
}

static inline void wcur_le16(struct wcur *c, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	wcur_bytes(c, b, 2);
}

static inline void wcur_le32(struct wcur *c, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	wcur_bytes(c, b, 4);
}

static inline void wcur_le64(struct wcur *c, uint64_t v)
{
	wcur_le32(c, (uint32_t)v);
	wcur_le32(c, (uint32_t)(v >> 32));
}

static inline void wcur_be64(struct wcur *c, uint64_t v)
{
	wcur_be32(c, (uint32_t)(v >> 32));
	wcur_be32(c, (uint32_t)v);
}

#endif
