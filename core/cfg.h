/* Configuration as data: each section is a table of keys (name, type, range,
 * default, field offset) and one generic handler fills a plain struct from
 * INI text read by inih. Errors name file, line, section and key, say what was
 * expected, and suggest the nearest known key for a typo. */
#ifndef MG_CORE_CFG_H
#define MG_CORE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"

#define CFG_LIST_MAX 32

struct cfg_prefix_list {
	uint32_t n;
	struct mg_prefix v[CFG_LIST_MAX];
};

struct cfg_addr_list {
	uint32_t n;
	struct mg_addr v[CFG_LIST_MAX];
};

/* The same entries in the same order: what a reload compares. */
bool cfg_prefix_list_eq(const struct cfg_prefix_list *a, const struct cfg_prefix_list *b);
bool cfg_addr_list_eq(const struct cfg_addr_list *a, const struct cfg_addr_list *b);

enum cfg_type {
	CFG_STRING,        /* char[size]; printable, no surrounding spaces */
	CFG_PATH,          /* char[size]; absolute path */
	CFG_NAME,          /* char[size]; a host-name label: a-z 0-9 -, 1..63 */
	CFG_DOMAIN,        /* char[size]; a DNS name: labels of a-z 0-9 -, dots */
	CFG_IFNAME,        /* char[size]; a Linux interface name */
	CFG_BOOL,          /* bool */
	CFG_UINT,          /* uint32_t in [min, max] */
	CFG_PORT,          /* uint32_t in [1, 65535] */
	CFG_DURATION,      /* uint64_t milliseconds in [min, max]: 1500ms 30s 5m 12h 7d */
	CFG_ENUM,          /* int, index into enums[] */
	CFG_ADDR,          /* struct mg_addr */
	CFG_ADDR_LIST,     /* struct cfg_addr_list */
	CFG_NET_LIST,      /* struct cfg_prefix_list of networks (no host bits) */
	CFG_IFADDR_LIST,   /* struct cfg_prefix_list of interface addresses (host bits kept) */
	CFG_KEY32,         /* struct cfg_key32: 32 bytes written in base64, as wg(8) keys */
	CFG_HOSTPORT,      /* char[size]: host:port, [v6]:port or a.b.c.d:port */
};

struct cfg_key32 {
	bool set;
	uint8_t bytes[32];
};

/* Keys may be optional (an empty value is allowed and means unset). */
#define CFG_F_OPTIONAL 0x1
/* In a repeatable section: every instance must set this key. */
#define CFG_F_REQUIRED 0x2
/* A CFG_STRING that is a comma list: like the list types, it may be
 * repeated, each mention after the first appending ", value" (one rule a
 * line, as dnsmasq's server= lines are written). */
#define CFG_F_REPEAT 0x4

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t offset;             /* within the section's struct */
	size_t size;               /* strings: buffer size */
	uint64_t min, max;         /* UINT, DURATION */
	const char *def;           /* default in config syntax; NULL: empty */
	const char *const *enums;  /* ENUM: NULL-terminated */
	unsigned flags;
	const char *help;          /* what is expected, in words */
};

struct cfg_section {
	const char *name;
	const struct cfg_key *keys;
	size_t nkeys;
	size_t offset;             /* of the section's struct (the first one) in the config */
	/* Repeatable sections ([peer]): each header starts a new instance in an
	 * array of max_instances structs of instance_size bytes, counted by the
	 * uint32_t at count_offset. 0: a single section. */
	size_t max_instances;
	size_t instance_size;
	size_t count_offset;
};

struct cfg_schema {
	const struct cfg_section *sections;
	size_t nsections;
};

/* Called once per problem; file may be "(string)", line 0 when not tied to one. */
typedef void (*cfg_error_fn)(void *arg, const char *file, unsigned line, const char *msg);

/* Sets every key to its default. Returns the number of bad defaults (a bug). */
int cfg_defaults(const struct cfg_schema *s, void *conf, cfg_error_fn err, void *arg);

/* Parses INI text on top of what conf holds. Returns the number of errors. */
int cfg_parse_string(const struct cfg_schema *s, void *conf, const char *name, const char *text,
                     cfg_error_fn err, void *arg);

/* Defaults, then path, then dirname(path)/conf.d/ *.conf in name order.
 * Returns the number of errors (a missing main file is one). */
int cfg_load(const struct cfg_schema *s, void *conf, const char *path, cfg_error_fn err,
             void *arg);

/* Prints every key, defaults included, in a form cfg_parse_string reads back. */
void cfg_print(const struct cfg_schema *s, const void *conf, FILE *out);

/* Formats one key's value as it would be printed. */
void cfg_format_value(const struct cfg_key *k, const void *field, char *buf, size_t len);

/* Parses one value into field; on failure returns -EINVAL and writes why. */
int cfg_parse_value(const struct cfg_key *k, void *field, const char *value, char *why,
                    size_t whylen);

#endif
