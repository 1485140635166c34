/* The server's insides, shared by dns/server.c (listeners, UDP, queries
 * waiting for upstream) and dns/server_tcp.c (connections). */
#ifndef MG_DNS_SERVER_IMPL_H
#define MG_DNS_SERVER_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/log.h"
#include "dns/ratelimit.h"
#include "dns/server.h"

struct loop_fd;
struct loop_timer;
struct trie;

#define SRV_BATCH	32		/* datagrams per recvmmsg/sendmmsg */
#define SRV_BATCHES	8		/* batches per wakeup before others get a turn */
#define SRV_UDP_MAX	4096		/* largest query read, largest reply sent */
/* Larger replies leave one at a time: 512 + headers fits any path MTU the
 * kernel learns from ICMP (552 at least; 1280 for IPv6), so only a route
 * with a smaller MTU set by hand makes it refuse a run. */
#define SRV_GSO_MAX	512
#define SRV_RL_SLOTS	4096
#define TCP_IN_CAP	(2 + DNS_MSG_MAX)
#define TCP_OUT_MAX	(4 * (2 + DNS_MSG_MAX))	/* unread replies before we give up */
#define TCP_PIPELINE	16		/* queries of one connection in flight */

struct lsock {
	struct dns_server *s;
	int fd;
	bool tcp;
	bool gso;			/* UDP: runs of replies go as one segmented send */
	struct mg_addr addr;
	struct loop_fd *w;
};

struct conn {
	struct dns_server *s;
	unsigned idx, gen;
	bool used, rd_eof;
	int fd;
	struct mg_addr peer;
	struct loop_fd *w;
	uint32_t events;
	struct loop_timer *timer;	/* idle timeout, and a kick to go on reading */
	uint64_t last_active;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	unsigned pending;
	struct conn *next_free;
};

/* A query waiting for upstream. */
struct pending {
	struct dns_server *s;
	struct dns_request req;
	struct dns_upstream_query *h;
	bool used, tcp;
	int fd;				/* UDP: the socket it came in on */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	unsigned conn, conn_gen;	/* TCP */
	struct pending *next_free;
};

struct dns_server {
	struct loop *loop;
	struct dns_engine *e;
	struct dns_upstream *up;
	struct dns_server_conf conf;
	uint16_t port;
	struct lsock ls[2 * DNS_SERVER_MAX_LISTEN];
	unsigned nls;
	struct trie *allow;
	struct dns_ratelimit rl;
	struct dns_request req;		/* the query at hand */
	struct pending *pend, *pend_free;
	struct conn *conns, *conn_free;
	struct dns_server_stats st;
	struct log_ratelimit lrl;
	/* UDP batches */
	struct mmsghdr rx[SRV_BATCH], tx[SRV_BATCH];
	struct iovec rxiov[SRV_BATCH], txiov[SRV_BATCH];
	struct sockaddr_storage rxname[SRV_BATCH];
	/* what sendmmsg gets: replies to one client with one size, in order */
	struct mmsghdr out[SRV_BATCH];
	struct iovec outiov[SRV_BATCH];
	uint8_t order[SRV_BATCH];	/* reply slot of each outiov */
	uint8_t outfirst[SRV_BATCH];	/* a message's first outiov */
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(uint16_t))];
	} outctl[SRV_BATCH];
	uint8_t (*rxbuf)[SRV_UDP_MAX];
	uint8_t (*txbuf)[SRV_UDP_MAX];
	uint8_t big[DNS_MSG_MAX];	/* a TCP reply */
};

enum src_verdict { SRC_OK, SRC_REFUSE, SRC_LIMIT };

/* The allow list and the bucket for a query from a. */
enum src_verdict srv_check_source(struct dns_server *s, const struct mg_addr *a, uint64_t now);
struct pending *srv_pending_get(struct dns_server *s);
void srv_pending_put(struct dns_server *s, struct pending *p);
/* Sends p upstream: 0, or the caller answers now with dns_engine_fail(). */
int srv_forward(struct dns_server *s, struct pending *p);

int srv_tcp_init(struct dns_server *s);
void srv_tcp_fini(struct dns_server *s);
void srv_tcp_accept(struct loop *loop, int fd, uint32_t events, void *arg);
/* An upstream answer for a connection's query (gone connections ignore it). */
void srv_tcp_deliver(struct dns_server *s, struct pending *p, const uint8_t *msg, size_t len);

void srv_sockaddr_to_addr(const struct sockaddr_storage *ss, struct mg_addr *a);

#endif
