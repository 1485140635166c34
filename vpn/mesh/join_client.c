#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/keyfile.h"
#include "lib/atomicfile.h"
#include "lib/base64.h"
#include "vpn/mesh/join_client.h"

/* Addresses tried, over all of a token's endpoints. */
#define TARGETS_MAX 16
/* Resends back off to this many first intervals. */
#define BACKOFF_MAX 4

struct target {
	struct sockaddr_storage sa;
	socklen_t len;
	unsigned ep;                     /* which of the token's endpoints */
	bool dead;                       /* sending to it failed */
	bool unknown;                    /* it answered JOIN_UNKNOWN */
};

struct run {
	const struct token *tok;
	const struct join_keys *k;
	uint64_t now;
	struct target t[TARGETS_MAX];
	size_t n;
	size_t next;                     /* the target to send to next */
	int fd4, fd6;
};

static void say(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

#define SAY(res, ...) say((res)->error, sizeof((res)->error), __VA_ARGS__)

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fmt_date(char *buf, size_t cap, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, cap, "%llu", (unsigned long long)t);
}

/* ---- the reply's checks ---- */

int join_reply_verify(const struct join_reply *rep, const struct token *tok,
                      const uint8_t wg_pub[32], const uint8_t node_pub[NETKEY_PUB_LEN],
                      uint64_t now, struct record *own, struct record *inviter,
                      const char **why)
{
	uint8_t fp[NETKEY_FP_LEN];
	struct announce ann;
	int r;

	if (rep->status != JOIN_OK) {
		*why = "the join was not accepted";
		return -EBADMSG;
	}
	netkey_fingerprint(fp, rep->network_pub);
	if (sodium_memcmp(fp, tok->network_id, NETKEY_FP_LEN) != 0) {
		*why = "its network key is not the network the invitation names";
		return -EBADMSG;
	}
	r = record_verify(rep->record, rep->record_len, rep->network_pub, now, own);
	if (r == -EKEYEXPIRED) {
		*why = "the record issued has already expired by this machine's clock (is it right?)";
		return r;
	}
	if (r < 0) {
		*why = "the record issued is not signed by the network's key";
		return -EBADMSG;
	}
	if (strcmp(own->name, tok->name) != 0 || strcmp(own->site, tok->site) != 0 ||
	    own->role != tok->role) {
		*why = "the record issued is for another name, site or role than the invitation";
		return -EBADMSG;
	}
	if (sodium_memcmp(own->wg_key, wg_pub, sizeof(own->wg_key)) != 0 ||
	    sodium_memcmp(own->node_key, node_pub, sizeof(own->node_key)) != 0) {
		*why = "the record issued carries other keys than this node's";
		return -EBADMSG;
	}
	r = record_verify(rep->inviter_record, rep->inviter_record_len, rep->network_pub, now,
	                  inviter);
	if (r < 0) {
		*why = r == -EKEYEXPIRED ? "the inviter's own record has expired"
		                         : "the inviter's record is not signed by the network's key";
		return r == -EKEYEXPIRED ? r : -EBADMSG;
	}
	if (rep->announce_len &&
	    announce_verify(rep->announce, rep->announce_len, inviter, &ann) < 0) {
		*why = "the inviter's announcement is not signed by its node key";
		return -EBADMSG;
	}
	return 0;
}

/* ---- the exchange ---- */

static void fmt_target(const struct run *run, const struct target *t, char *buf, size_t cap)
{
	const struct token_endpoint *ep = &run->tok->endpoints[t->ep];

	snprintf(buf, cap, strchr(ep->host, ':') ? "[%s]:%u" : "%s:%u", ep->host, ep->port);
}

static bool same_sa(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

static int resolve(struct run *run, struct join_result *res)
{
	const char *failed = NULL, *host = NULL;

	for (unsigned e = 0; e < run->tok->n_endpoints; e++) {
		const struct token_endpoint *ep = &run->tok->endpoints[e];
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
		struct addrinfo *ai, *p;
		char port[8];
		int g;

		snprintf(port, sizeof(port), "%u", ep->port);
		g = getaddrinfo(ep->host, port, &hints, &ai);
		if (g != 0) {
			failed = gai_strerror(g);
			host = ep->host;
			continue;
		}
		for (p = ai; p && run->n < TARGETS_MAX; p = p->ai_next) {
			struct target *t = &run->t[run->n];
			bool dup = false;

			if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) ||
			    p->ai_addrlen > sizeof(t->sa))
				continue;
			memset(t, 0, sizeof(*t));
			memcpy(&t->sa, p->ai_addr, p->ai_addrlen);
			t->len = p->ai_addrlen;
			t->ep = e;
			for (size_t i = 0; i < run->n; i++)
				dup |= same_sa(&run->t[i].sa, &t->sa);
			if (!dup)
				run->n++;
		}
		freeaddrinfo(ai);
	}
	if (run->n == 0) {
		SAY(res, "cannot resolve the inviter's address %s: %s", host ? host : "(none)",
		    failed ? failed : "no IPv4 or IPv6 address");
		return -EHOSTUNREACH;
	}
	return 0;
}

static int socket_for(struct run *run, int family)
{
	int *fd = family == AF_INET ? &run->fd4 : &run->fd6;

	if (*fd < 0)
		*fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return *fd;
}

/* Sends to the next target that can still answer. 1 when a pass over the
 * targets was completed, 0, or -EHOSTUNREACH when none is left. */
static int send_next(struct run *run, const uint8_t *msg, size_t len)
{
	for (size_t tries = 0; tries < run->n; tries++) {
		struct target *t = &run->t[run->next];
		int fd;

		run->next = (run->next + 1) % run->n;
		if (t->dead || t->unknown)
			continue;
		fd = socket_for(run, t->sa.ss_family);
		if (fd >= 0 && sendto(fd, msg, len, 0, (struct sockaddr *)&t->sa, t->len) >= 0)
			return run->next == 0;
		/* a full buffer: this one again later */
		if (fd >= 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
			return run->next == 0;
		/* no such family here, or no route: the next address */
		t->dead = true;
	}
	return -EHOSTUNREACH;
}

static struct target *find_target(struct run *run, const struct sockaddr_storage *from)
{
	for (size_t i = 0; i < run->n; i++)
		if (same_sa(&run->t[i].sa, from))
			return &run->t[i];
	return NULL;
}

/* The answer JOIN_UNKNOWN is unauthenticated: it ends the run only once
 * every address still reachable has said it. */
static int on_unknown(struct run *run, const struct sockaddr_storage *from,
                      struct join_result *res)
{
	struct target *t = find_target(run, from);
	char where[WIRE_HOST_MAX + 8];

	if (!t)
		return -EAGAIN;
	t->unknown = true;
	for (size_t i = 0; i < run->n; i++)
		if (!run->t[i].dead && !run->t[i].unknown)
			return -EAGAIN;
	fmt_target(run, t, where, sizeof(where));
	SAY(res, "the inviter at %s does not know this invitation: a wrong token, or one made "
	    "by another node", where);
	return -ENOENT;
}

static int on_reply(struct run *run, const uint8_t *msg, size_t len,
                    const struct sockaddr_storage *from, struct join_result *res)
{
	struct target *t = find_target(run, from);
	struct join_reply *rep;
	const char *why = NULL;
	char where[WIRE_HOST_MAX + 8];
	int r;

	rep = malloc(sizeof(*rep));
	if (!rep) {
		SAY(res, "out of memory");
		return -ENOMEM;
	}
	/* one that does not open was not made with the secret: not an answer */
	r = join_reply_open(run->k, msg, len, rep);
	if (r < 0) {
		r = -EAGAIN;
		goto out;
	}
	if (t)
		fmt_target(run, t, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "another address");
	snprintf(res->endpoint, sizeof(res->endpoint), "%s", where);
	if (rep->status != JOIN_OK) {
		SAY(res, "the inviter at %s refused: %s", where,
		    rep->message[0] ? rep->message : join_status_str(rep->status));
		r = -EACCES;
		goto out;
	}
	r = join_reply_verify(rep, run->tok, res->wg_public, res->node_public, run->now,
	                      &res->record, &res->inviter, &why);
	if (r < 0) {
		SAY(res, "the reply from %s does not check out: %s", where, why);
		goto out;
	}
	memcpy(res->network_pub, rep->network_pub, sizeof(res->network_pub));
	memcpy(res->record_bytes, rep->record, rep->record_len);
	res->record_len = rep->record_len;
	memcpy(res->inviter_record, rep->inviter_record, rep->inviter_record_len);
	res->inviter_record_len = rep->inviter_record_len;
	memcpy(res->inviter_announce, rep->announce, rep->announce_len);
	res->inviter_announce_len = rep->announce_len;
	memcpy(res->network_name, rep->network_name, sizeof(res->network_name));
out:
	free(rep);
	return r;
}

/* One datagram: 0 joined, -EAGAIN not the end, or the error that is. */
static int on_datagram(struct run *run, const uint8_t *msg, size_t len,
                       const struct sockaddr_storage *from, struct join_result *res)
{
	uint8_t type, id[JOIN_ID_LEN];

	if (join_peek(msg, len, &type, id) < 0 || sodium_memcmp(id, run->k->id, JOIN_ID_LEN) != 0)
		return -EAGAIN;
	if (type == JOIN_T_UNKNOWN)
		return on_unknown(run, from, res);
	if (type == JOIN_T_REPLY)
		return on_reply(run, msg, len, from, res);
	return -EAGAIN;
}

static int drain(struct run *run, int fd, struct join_result *res)
{
	uint8_t buf[JOIN_MSG_MAX + 1];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		int r;

		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return -EAGAIN;
		if ((size_t)n > JOIN_MSG_MAX)
			continue;            /* truncated: no join message is that long */
		r = on_datagram(run, buf, (size_t)n, &from, res);
		if (r != -EAGAIN)
			return r;
	}
}

static size_t n_unknown(const struct run *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n; i++)
		n += run->t[i].unknown;
	return n;
}

/* Why the exchange ended without a reply: -ENOENT, -EHOSTUNREACH or -ETIMEDOUT. */
static int no_reply(struct run *run, int r, unsigned timeout_ms, struct join_result *res)
{
	char where[WIRE_HOST_MAX + 8];
	size_t unknown = n_unknown(run);

	fmt_target(run, &run->t[0], where, sizeof(where));
	if (unknown) {
		SAY(res, "no inviter accepted the invitation, and %zu of its addresses said they do "
		    "not know it: a wrong token, or one made by another node", unknown);
		return -ENOENT;
	}
	if (r == -EHOSTUNREACH) {
		SAY(res, "cannot send to %s%s: no route from here?", where,
		    run->n > 1 ? " or any other of the inviter's addresses" : "");
		return r;
	}
	SAY(res, "no answer from %s%s within %u s: is meshgated running there, and its UDP port "
	    "reachable from here?", where, run->n > 1 ? " or the other endpoints" : "",
	    timeout_ms / 1000);
	return -ETIMEDOUT;
}

static int exchange(struct run *run, const uint8_t *msg, size_t len, unsigned timeout_ms,
                    unsigned retry_ms, struct join_result *res)
{
	uint64_t t = mono_ms(), deadline = t + timeout_ms, next = t;
	unsigned interval = retry_ms;
	int r;

	for (; t < deadline; t = mono_ms()) {
		struct pollfd pfd[2];
		nfds_t nfd = 0;
		uint64_t until;

		if (t >= next) {
			r = send_next(run, msg, len);
			if (r < 0)
				return no_reply(run, r, timeout_ms, res);
			next = t + interval;
			/* after each pass over the addresses, wait longer */
			if (r == 1 && interval < BACKOFF_MAX * retry_ms)
				interval *= 2;
		}
		if (run->fd4 >= 0)
			pfd[nfd++] = (struct pollfd){ .fd = run->fd4, .events = POLLIN };
		if (run->fd6 >= 0)
			pfd[nfd++] = (struct pollfd){ .fd = run->fd6, .events = POLLIN };
		until = next < deadline ? next : deadline;
		if (poll(pfd, nfd, (int)(until - t)) < 0 && errno != EINTR)
			return -errno;
		for (nfds_t i = 0; i < nfd; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			r = drain(run, pfd[i].fd, res);
			if (r != -EAGAIN)
				return r;
		}
	}
	return no_reply(run, -ETIMEDOUT, timeout_ms, res);
}

static void make_keys(struct join_result *res)
{
	randombytes_buf(res->wg_private, sizeof(res->wg_private));
	/* X25519 clamping, as wg genkey does */
	res->wg_private[0] &= 248;
	res->wg_private[31] = (uint8_t)((res->wg_private[31] & 127) | 64);
	crypto_scalarmult_curve25519_base(res->wg_public, res->wg_private);
	netkey_generate(res->node_public, res->node_secret);
}

int join_client_run(const char *token_text, unsigned timeout_ms, struct join_result *res)
{
	struct join_client_opts o = { .timeout_ms = timeout_ms };

	return join_client_run_opts(token_text, &o, res);
}

int join_client_run_opts(const char *token_text, const struct join_client_opts *opts,
                         struct join_result *res)
{
	struct run run = { .fd4 = -1, .fd6 = -1 };
	uint8_t msg[JOIN_REQUEST_LEN];
	char error[JOIN_CLIENT_ERR_MAX];
	struct join_request req;
	struct join_keys k;
	struct token tok;
	char date[64];
	size_t len;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&k, 0, sizeof(k));
	memset(&tok, 0, sizeof(tok));
	if (sodium_init() < 0) {
		SAY(res, "libsodium failed to initialise");
		return -EIO;
	}
	run.now = opts->now ? opts->now : (uint64_t)time(NULL);
	r = token_parse(token_text, &tok);
	if (r == -EPROTONOSUPPORT) {
		SAY(res, "this invitation was made by another version of meshgate; update the "
		    "older of the two");
		goto out;
	}
	if (r < 0) {
		SAY(res, "this is not a meshgate invitation: check that the whole token was "
		    "pasted, on one line");
		r = -EINVAL;
		goto out;
	}
	if (token_expired(&tok, run.now)) {
		fmt_date(date, sizeof(date), tok.expires_at);
		SAY(res, "this invitation expired on %s; ask the inviter for a new one", date);
		r = -EKEYEXPIRED;
		goto out;
	}
	make_keys(res);
	join_keys_from_secret(tok.secret, &k);
	memcpy(req.wg_pub, res->wg_public, sizeof(req.wg_pub));
	memcpy(req.node_pub, res->node_public, sizeof(req.node_pub));
	req.timestamp = run.now;
	r = join_request_build(&k, &req, msg, sizeof(msg), &len);
	if (r < 0) {
		SAY(res, "cannot build the join request");
		goto out;
	}
	run.tok = &tok;
	run.k = &k;
	r = resolve(&run, res);
	if (r == 0)
		r = exchange(&run, msg, len, opts->timeout_ms ? opts->timeout_ms : JOIN_CLIENT_TIMEOUT_MS,
		             opts->retry_ms ? opts->retry_ms : JOIN_CLIENT_RETRY_MS, res);
out:
	if (run.fd4 >= 0)
		close(run.fd4);
	if (run.fd6 >= 0)
		close(run.fd6);
	token_wipe(&tok);
	join_keys_wipe(&k);
	if (r < 0) {
		/* nothing of a failed join is kept but why it failed */
		memcpy(error, res->error, sizeof(error));
		join_result_wipe(res);
		memcpy(res->error, error, sizeof(error));
	}
	return r;
}

void join_result_wipe(struct join_result *res)
{
	sodium_memzero(res, sizeof(*res));
}

/* ---- the joiner's state files ---- */

static const char *const identity_files[] = { "network.pub", "node.key", "private.key", "record" };

static int path_in(char *path, const char *dir, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int write_b64_line(const char *path, const uint8_t *key, size_t len, mode_t mode)
{
	char text[BASE64_LEN(32) + 2];
	int r;

	base64_encode(text, key, len);
	text[BASE64_LEN(len)] = '\n';
	r = atomicfile_write(path, text, BASE64_LEN(len) + 1, mode, 0);
	sodium_memzero(text, sizeof(text));
	return r;
}

static int write_bootstrap(const char *path, const struct join_result *res)
{
	uint8_t buf[JOIN_BOOTSTRAP_MAX];
	struct wcur w = wcur_init(buf, sizeof(buf));

	wcur_be16(&w, (uint16_t)res->inviter_record_len);
	wcur_bytes(&w, res->inviter_record, res->inviter_record_len);
	wcur_be16(&w, (uint16_t)res->inviter_announce_len);
	wcur_bytes(&w, res->inviter_announce, res->inviter_announce_len);
	if (w.err)
		return -EINVAL;
	return atomicfile_write(path, buf, w.off, 0644, ATOMICFILE_REPLACE);
}

int join_client_write_state(const char *dir, const struct join_result *res, char *err,
                            size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (res->record_len == 0 || res->record_len > RECORD_WIRE_MAX ||
	    res->inviter_record_len == 0 || res->inviter_record_len > RECORD_WIRE_MAX ||
	    res->inviter_announce_len > ANNOUNCE_WIRE_MAX) {
		say(err, errlen, "nothing to write: the join did not succeed");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(identity_files) / sizeof(identity_files[0]); i++) {
		r = path_in(path, dir, identity_files[i]);
		if (r < 0)
			goto fail;
		if (lstat(path, &st) == 0) {
			say(err, errlen, "%s exists: this machine already has a node identity. To join "
			    "again, remove network.pub, node.key, private.key and record from %s first",
			    path, dir);
			return -EEXIST;
		}
		if (errno != ENOENT) {
			r = -errno;
			goto fail;
		}
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(path, sizeof(path), "%s", dir);
		goto fail;
	}
	/* the secrets first, the record last: a record means a whole identity */
	if ((r = path_in(path, dir, "private.key")) < 0 ||
	    (r = write_b64_line(path, res->wg_private, sizeof(res->wg_private), 0600)) < 0)
		goto fail;
	if ((r = path_in(path, dir, "node.key")) < 0 ||
	    (r = keyfile_write(path, KEYFILE_NODE, res->node_secret, NETKEY_SEED_LEN, 0)) < 0)
		goto fail;
	if ((r = path_in(path, dir, "network.pub")) < 0 ||
	    (r = write_b64_line(path, res->network_pub, sizeof(res->network_pub), 0644)) < 0)
		goto fail;
	if ((r = path_in(path, dir, "bootstrap")) < 0 || (r = write_bootstrap(path, res)) < 0)
		goto fail;
	if ((r = path_in(path, dir, "record")) < 0 ||
	    (r = atomicfile_write(path, res->record_bytes, res->record_len, 0644, 0)) < 0)
		goto fail;
	return 0;
fail:
	say(err, errlen, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int join_bootstrap_decode(const uint8_t *buf, size_t len, uint8_t *rec, size_t *rec_len,
                          uint8_t *ann, size_t *ann_len)
{
	struct rcur c = rcur_init(buf, len);
	const uint8_t *p, *q;
	size_t rl, al;

	rl = rcur_be16(&c);
	p = rcur_take(&c, rl);
	al = rcur_be16(&c);
	q = rcur_take(&c, al);
	if (c.err || rcur_left(&c) != 0 || rl == 0 || rl > RECORD_WIRE_MAX ||
	    al > ANNOUNCE_WIRE_MAX)
		return -EINVAL;
	memcpy(rec, p, rl);
	if (al)
		memcpy(ann, q, al);
	*rec_len = rl;
	*ann_len = al;
	return 0;
}

int join_bootstrap_read(const char *path, uint8_t rec[RECORD_WIRE_MAX], size_t *rec_len,
                        uint8_t ann[ANNOUNCE_WIRE_MAX], size_t *ann_len)
{
	uint8_t buf[JOIN_BOOTSTRAP_MAX];
	size_t n;
	int r = atomicfile_read(path, buf, sizeof(buf), &n);

	if (r == -EFBIG)
		return -EINVAL;
	return r < 0 ? r : join_bootstrap_decode(buf, n, rec, rec_len, ann, ann_len);
}
