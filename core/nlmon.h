/* rtnetlink monitor (libmnl) in the event loop: link and address events for
 * the interfaces the daemon cares about. The parser of kernel messages is
 * pure (nlmon_parse) so it is unit-tested and fuzzed without a socket. */
#ifndef MG_CORE_NLMON_H
#define MG_CORE_NLMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "lib/addr.h"

struct loop;
struct nlmon;

enum nlmon_kind { NLMON_LINK_NEW, NLMON_LINK_DEL, NLMON_ADDR_NEW, NLMON_ADDR_DEL };

struct nlmon_event {
	enum nlmon_kind kind;
	int ifindex;
	char ifname[IFNAMSIZ];       /* links only; "" if the message had none */
	bool up;                     /* links: IFF_UP */
	bool running;                /* links: IFF_RUNNING (carrier) */
	uint32_t mtu;                /* links: 0 if absent */
	struct mg_prefix addr;       /* addresses only */
};

typedef void (*nlmon_cb)(const struct nlmon_event *ev, void *arg);

struct nlmon_stats {
	uint64_t events;
	uint64_t malformed;          /* messages dropped by the parser */
	uint64_t overruns;           /* ENOBUFS: the kernel dropped events */
};

/* Parses one datagram of netlink messages; calls cb for each link/address
 * message, skips other types. Returns the number of events, or -EINVAL if a
 * message was malformed (events before it are still delivered). buf must be
 * 4-byte aligned, as netlink buffers are; an unaligned one is -EINVAL. */
int nlmon_parse(const void *buf, size_t len, nlmon_cb cb, void *arg);

int nlmon_new(struct loop *loop, nlmon_cb cb, void *arg, struct nlmon **out);
void nlmon_free(struct nlmon *m);
const struct nlmon_stats *nlmon_get_stats(const struct nlmon *m);

#endif
