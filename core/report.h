/* Structured output for control commands, rendered either as JSON or as the
 * indented "key: value" text operators read. A handler writes one tree and
 * the caller picks the format, so every command gets --json for free. */
#ifndef MG_CORE_REPORT_H
#define MG_CORE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum report_format { REPORT_TEXT = 0, REPORT_JSON };

struct report;

struct report *report_new(enum report_format fmt);   /* NULL on ENOMEM */
void report_free(struct report *r);

/* Objects and arrays nest; key is NULL for elements of an array. The top
 * level is an implicit object. */
void report_obj_begin(struct report *r, const char *key);
void report_obj_end(struct report *r);
void report_arr_begin(struct report *r, const char *key);
void report_arr_end(struct report *r);

void report_str(struct report *r, const char *key, const char *val); /* val NULL: null */
void report_strf(struct report *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void report_int(struct report *r, const char *key, int64_t val);
void report_uint(struct report *r, const char *key, uint64_t val);
void report_bool(struct report *r, const char *key, bool val);

/* Finishes the tree (closing what is still open) and returns the rendered
 * bytes (NUL-terminated, ends in a newline; an empty text report is "");
 * NULL if memory ran out while building. Owned by r. Nesting deeper than 16,
 * unbalanced ends, a missing or extra key, or writing after finishing are
 * programming errors: fatal(). */
const char *report_finish(struct report *r, size_t *len);

#endif
