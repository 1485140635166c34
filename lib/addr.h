/* IPv4/IPv6 addresses and prefixes: parse, format, compare. Pure. */
#ifndef MG_LIB_ADDR_H
#define MG_LIB_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct mg_addr {
	sa_family_t family;          /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

struct mg_prefix {
	struct mg_addr addr;
	uint8_t len;                 /* 0..32 or 0..128 */
};

/* INET6_ADDRSTRLEN + "/128" */
#define MG_PREFIX_STRLEN 52

int mg_addr_parse(const char *s, struct mg_addr *out);                /* 0 or -EINVAL */
/* "a.b.c.d/n" or "x::/n". With host_bits_ok false, bits set past the prefix
 * length are -EINVAL (a route); with true they are kept (an interface address). */
int mg_prefix_parse(const char *s, bool host_bits_ok, struct mg_prefix *out);
const char *mg_addr_fmt(const struct mg_addr *a, char *buf, size_t len);
const char *mg_prefix_fmt(const struct mg_prefix *p, char *buf, size_t len);
size_t mg_addr_len(const struct mg_addr *a);                           /* 4 or 16 */
bool mg_addr_eq(const struct mg_addr *a, const struct mg_addr *b);
bool mg_prefix_eq(const struct mg_prefix *a, const struct mg_prefix *b);
/* Clears the host bits (turns an interface address into its network). */
void mg_prefix_mask(struct mg_prefix *p);
bool mg_prefix_contains(const struct mg_prefix *p, const struct mg_addr *a);

#endif
