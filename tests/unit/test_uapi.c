/* The UAPI text protocol: requests in, a small device model changed
 * through struct uapi_set_ops, replies out. The golden texts are what
 * wireguard-go 0.0.20220316 and wg(8) 1.0.20210914 exchanged for the same
 * configuration (throwaway keys). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vpn/uapi.h"

#define K_PRIV "185ba1ab3d0470529804f9677638f4bb859807128da340ebe4df477bb78fe140"
#define K_P1 "a83f1e1bede30a03ea14d703d4823075361500543490fafa4fb6f73e4ec68e6b"
#define K_PSK "63aeae731cc6f7d19797816307d67b989ac8680cb90067371774e223a1b93c73"
#define K_P2 "78ac6cda956b165e7565fb9ae6ef7231a522108722ca5f7afe2eb046c8b8e539"
#define K_P3 "4d0bcbc57914cbe7b7f3794115d517b0d950c8a7cd6d8cd47563bfd937742b11"
#define K_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

/* `wg setconf` of a three-peer configuration, as sent. */
static const char wg_setconf[] =
	"set=1\n"
	"private_key=" K_PRIV "\n"
	"listen_port=51820\n"
	"fwmark=4660\n"
	"replace_peers=true\n"
	"public_key=" K_P1 "\n"
	"preshared_key=" K_PSK "\n"
	"endpoint=127.0.0.1:51821\n"
	"persistent_keepalive_interval=25\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.77.0.2/32\n"
	"allowed_ip=fd00::/64\n"
	"allowed_ip=10.0.0.1/24\n"
	"public_key=" K_P2 "\n"
	"endpoint=[::1]:4000\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.1.0.0/16\n"
	"allowed_ip=::ffff:1.2.3.4/128\n"
	"allowed_ip=2001:db8:0:0:1::/80\n"
	"public_key=" K_P3 "\n"
	"replace_allowed_ips=true\n"
	"\n";

/* wireguard-go's answer to "get=1" after that and one handshake. */
static const char wggo_get[] =
	"private_key=" K_PRIV "\n"
	"listen_port=51820\n"
	"fwmark=4660\n"
	"public_key=" K_P1 "\n"
	"preshared_key=" K_PSK "\n"
	"protocol_version=1\n"
	"endpoint=127.0.0.1:51821\n"
	"last_handshake_time_sec=1795345550\n"
	"last_handshake_time_nsec=511065384\n"
	"tx_bytes=712\n"
	"rx_bytes=476\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.77.0.2/32\n"
	"allowed_ip=fd00::/64\n"
	"allowed_ip=10.0.0.0/24\n"
	"public_key=" K_P2 "\n"
	"preshared_key=" K_ZERO "\n"
	"protocol_version=1\n"
	"endpoint=[::1]:4000\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=296\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.1.0.0/16\n"
	"allowed_ip=::ffff:1.2.3.4/128\n"
	"allowed_ip=2001:db8:0:0:1::/80\n"
	"public_key=" K_P3 "\n"
	"preshared_key=" K_ZERO "\n"
	"protocol_version=1\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"errno=0\n"
	"\n";

/* ---- a device model: peers keyed by public key, prefixes owned by one
 * peer each, a log of every op called ---------------------------------- */

#define MAX_PEERS 8
#define MAX_IPS 16

struct fpeer {
	struct uapi_peer_info info;
	struct mg_prefix ips[MAX_IPS];
};

struct fdev {
	uint8_t priv[UAPI_KEY_LEN];
	uint16_t port;
	uint32_t fwmark;
	struct fpeer peers[MAX_PEERS];
	size_t n;
	int fwmark_err;         /* what set_fwmark answers */
	char log[1024];
};

static void logf_(struct fdev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(struct fdev *d, const char *fmt, ...)
{
	size_t n = strlen(d->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->log + n, sizeof(d->log) - n, fmt, ap);
	va_end(ap);
}

static int f_port(void *ctx, uint16_t port)
{
	struct fdev *d = ctx;

	d->port = port;
	logf_(d, "port %u;", port);
	return 0;
}

static int f_fwmark(void *ctx, uint32_t mark)
{
	struct fdev *d = ctx;

	if (d->fwmark_err)
		return d->fwmark_err;
	d->fwmark = mark;
	logf_(d, "fwmark %u;", mark);
	return 0;
}

static int f_key(void *ctx, const uint8_t *key)
{
	struct fdev *d = ctx;

	if (key)
		memcpy(d->priv, key, UAPI_KEY_LEN);
	else
		memset(d->priv, 0, UAPI_KEY_LEN);
	logf_(d, "key %02x;", key ? key[0] : 0);
	return 0;
}

static int f_replace(void *ctx)
{
	struct fdev *d = ctx;

	d->n = 0;
	logf_(d, "replace;");
	return 0;
}

static struct fpeer *find(struct fdev *d, const uint8_t *pub)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!memcmp(d->peers[i].info.public_key, pub, UAPI_KEY_LEN))
			return &d->peers[i];
	return NULL;
}

static void drop_ip(struct fpeer *fp, size_t i)
{
	memmove(&fp->ips[i], &fp->ips[i + 1],
		(fp->info.n_allowed_ips - i - 1) * sizeof(fp->ips[0]));
	fp->info.n_allowed_ips--;
}

/* A prefix belongs to one peer: adding it elsewhere moves it. */
static void add_ip(struct fdev *d, struct fpeer *fp, const struct mg_prefix *p)
{
	size_t i, j;

	for (i = 0; i < d->n; i++)
		for (j = 0; j < d->peers[i].info.n_allowed_ips; j++)
			if (mg_prefix_eq(&d->peers[i].ips[j], p)) {
				if (&d->peers[i] == fp)
					return;
				drop_ip(&d->peers[i], j);
				break;
			}
	assert_true(fp->info.n_allowed_ips < MAX_IPS);
	fp->ips[fp->info.n_allowed_ips++] = *p;
}

static int f_peer(void *ctx, const struct uapi_peer *u)
{
	struct fdev *d = ctx;
	struct fpeer *fp = find(d, u->public_key);
	size_t i;

	logf_(d, "peer %02x%s%s n=%zu;", u->public_key[0],
	      u->remove ? " rm" : "", u->update_only ? " uo" : "",
	      u->n_allowed_ips);
	if (u->remove) {
		if (fp) {
			memmove(fp, fp + 1, (size_t)(&d->peers[d->n] - (fp + 1)) * sizeof(*fp));
			d->n--;
		}
		return 0;
	}
	if (!fp) {
		if (u->update_only)
			return 0;
		assert_true(d->n < MAX_PEERS);
		fp = &d->peers[d->n++];
		memset(fp, 0, sizeof(*fp));
		memcpy(fp->info.public_key, u->public_key, UAPI_KEY_LEN);
	}
	if (u->has_preshared_key)
		memcpy(fp->info.preshared_key, u->preshared_key, UAPI_KEY_LEN);
	if (u->has_endpoint)
		fp->info.endpoint = u->endpoint;
	if (u->has_persistent_keepalive)
		fp->info.persistent_keepalive_interval = u->persistent_keepalive_interval;
	if (u->replace_allowed_ips)
		fp->info.n_allowed_ips = 0;
	for (i = 0; i < u->n_allowed_ips; i++)
		add_ip(d, fp, &u->allowed_ips[i]);
	return 0;
}

static const struct uapi_set_ops fops = {
	.set_listen_port = f_port,
	.set_fwmark = f_fwmark,
	.set_private_key = f_key,
	.replace_peers = f_replace,
	.set_peer = f_peer,
};

static void snapshot(struct fdev *d, struct uapi_device_info *dev,
		     struct uapi_peer_info *infos)
{
	size_t i;

	memset(dev, 0, sizeof(*dev));
	memcpy(dev->private_key, d->priv, UAPI_KEY_LEN);
	dev->listen_port = d->port;
	dev->fwmark = d->fwmark;
	for (i = 0; i < d->n; i++) {
		infos[i] = d->peers[i].info;
		infos[i].allowed_ips = d->peers[i].ips;
	}
	dev->peers = infos;
	dev->n_peers = d->n;
}

/* ---- a server loop without the socket -------------------------------- */

struct outcome {
	char reply[4096];
	int fatal;              /* the framing error, 0 if none */
	int eof;                /* uapi_parser_eof() at the end */
	unsigned requests;
};

static void handle(struct fdev *d, const struct uapi_request *req,
		   struct uapi_buf *b)
{
	struct uapi_peer_info infos[MAX_PEERS];
	struct uapi_device_info dev;

	if (req->op == UAPI_OP_GET) {
		snapshot(d, &dev, infos);
		assert_int_equal(uapi_format_get(b, &dev), 0);
	} else if (req->error) {
		assert_int_equal(uapi_format_errno(b, req->error), 0);
	} else {
		assert_int_equal(uapi_format_errno(b, uapi_set_apply(&req->set, &fops, d)), 0);
	}
}

/* Feeds len bytes in pieces of chunk bytes (0: all at once). */
static void serve(struct fdev *d, const char *in, size_t len, size_t chunk,
		  struct outcome *o)
{
	struct uapi_parser *p = malloc(sizeof(*p));
	struct uapi_buf b;
	size_t off = 0;

	assert_non_null(p);
	memset(o, 0, sizeof(*o));
	uapi_parser_init(p);
	uapi_buf_init(&b);
	while (off < len && !o->fatal) {
		size_t n = chunk && chunk < len - off ? chunk : len - off;

		while (n && !o->fatal) {
			size_t used = 0;
			int ret = uapi_parser_feed(p, in + off, n, &used);

			assert_true(used <= n);
			off += used;
			n -= used;
			if (ret < 0) {
				o->fatal = ret;
				assert_int_equal(uapi_format_errno(&b, ret), 0);
			} else if (ret == 1) {
				o->requests++;
				handle(d, uapi_parser_request(p), &b);
			} else {
				assert_int_equal(n, 0);
				assert_null(uapi_parser_request(p));
			}
		}
	}
	o->eof = uapi_parser_eof(p);
	assert_true(b.len < sizeof(o->reply));
	if (b.len)
		memcpy(o->reply, b.data, b.len);
	uapi_buf_free(&b);
	uapi_parser_free(p);
	free(p);
}

/* Whole, byte by byte and in odd pieces: the same replies and effects. */
static void serve_all_ways(struct fdev *d, const char *in, size_t len,
			   struct outcome *o)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64 };
	struct fdev d0 = *d, dx;
	struct outcome ox;
	size_t i;

	serve(d, in, len, 0, o);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		dx = d0;
		serve(&dx, in, len, chunks[i], &ox);
		assert_string_equal(ox.reply, o->reply);
		assert_string_equal(dx.log, d->log);
		assert_int_equal(ox.fatal, o->fatal);
		assert_int_equal(ox.eof, o->eof);
		assert_int_equal(ox.requests, o->requests);
		assert_memory_equal(&dx.peers, &d->peers, sizeof(d->peers));
	}
}

static void serve_str(struct fdev *d, const char *in, struct outcome *o)
{
	serve_all_ways(d, in, strlen(in), o);
}

static uint8_t hexbyte(const char *s)
{
	unsigned v;

	assert_int_equal(sscanf(s, "%2x", &v), 1);
	return (uint8_t)v;
}

/* ---- get ------------------------------------------------------------- */

static void test_setconf_then_get_is_wireguard_go(void **state)
{
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_str(&d, wg_setconf, &o);
	assert_string_equal(o.reply, "errno=0\n\n");
	assert_int_equal(o.fatal, 0);
	assert_int_equal(o.eof, 0);
	assert_string_equal(d.log, "port 51820;fwmark 4660;key 18;replace;"
			    "peer a8 n=3;peer 78 n=3;peer 4d n=0;");
	assert_int_equal(d.n, 3);
	/* The counters the data plane would have kept. */
	d.peers[0].info.last_handshake_sec = 1795345550;
	d.peers[0].info.last_handshake_nsec = 511065384;
	d.peers[0].info.tx_bytes = 712;
	d.peers[0].info.rx_bytes = 476;
	d.peers[1].info.tx_bytes = 296;
	serve_str(&d, "get=1\n\n", &o);
	assert_string_equal(o.reply, wggo_get);
	assert_int_equal(o.requests, 1);
}

static void test_get_sizes(void **state)
{
	struct uapi_peer_info infos[MAX_PEERS];
	struct uapi_device_info dev;
	struct fdev d = { 0 };
	struct outcome o;
	struct uapi_buf b;
	size_t need = strlen(wggo_get);
	char *mem = malloc(need + 1);

	(void)state;
	assert_non_null(mem);
	serve_str(&d, wg_setconf, &o);
	d.peers[0].info.last_handshake_sec = 1795345550;
	d.peers[0].info.last_handshake_nsec = 511065384;
	d.peers[0].info.tx_bytes = 712;
	d.peers[0].info.rx_bytes = 476;
	d.peers[1].info.tx_bytes = 296;
	snapshot(&d, &dev, infos);

	uapi_buf_init_fixed(&b, mem, need - 1);
	assert_int_equal(uapi_format_get(&b, &dev), -ENOSPC);
	assert_int_equal(b.len, 0);
	uapi_buf_init_fixed(&b, mem, need);
	assert_int_equal(uapi_format_get(&b, &dev), 0);
	assert_int_equal(b.len, need);
	assert_memory_equal(mem, wggo_get, need);
	free(mem);

	/* An empty device is the bare status line. */
	memset(&dev, 0, sizeof(dev));
	uapi_buf_init(&b);
	assert_int_equal(uapi_format_get(&b, &dev), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "errno=0\n\n", 9);
	uapi_buf_free(&b);
}

static void test_get_requests(void **state)
{
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_str(&d, "get=1\n\nget=1\n\nset=1\n\n", &o);
	assert_int_equal(o.requests, 3);
	assert_string_equal(o.reply, "errno=0\n\nerrno=0\n\nerrno=0\n\n");
	assert_int_equal(o.eof, 0);
	assert_string_equal(d.log, "");
}

static void test_errno_reply(void **state)
{
	char mem[UAPI_ERRNO_REPLY_MAX];
	struct uapi_buf b;

	(void)state;
	uapi_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(uapi_format_errno(&b, -EINVAL), 0);
	assert_int_equal(uapi_format_errno(&b, 0), 0);
	assert_memory_equal(mem, "errno=-22\n\nerrno=0\n\n", b.len);
	uapi_buf_init_fixed(&b, mem, sizeof(mem));
	assert_int_equal(uapi_format_errno(&b, -2147483647 - 1), 0);
	assert_int_equal(b.len, strlen("errno=-2147483648\n\n"));
}

static void endpoint_is(const char *in, const char *out)
{
	union uapi_sockaddr ep;
	char text[80];

	assert_int_equal(uapi_parse_endpoint(in, &ep), 0);
	assert_int_equal(uapi_format_endpoint(text, sizeof(text), &ep), 0);
	assert_string_equal(text, out);
}

static void prefix_text_is(const char *in, const char *out)
{
	struct uapi_peer_info peer = { 0 };
	struct uapi_device_info dev = { 0 };
	struct mg_prefix p;
	struct uapi_buf b;
	const char *line;

	assert_int_equal(mg_prefix_parse(in, true, &p), 0);
	peer.allowed_ips = &p;
	peer.n_allowed_ips = 1;
	dev.peers = &peer;
	dev.n_peers = 1;
	uapi_buf_init(&b);
	assert_int_equal(uapi_format_get(&b, &dev), 0);
	b.data[b.len - 1] = '\0';      /* the last of "\n\n" */
	line = strstr(b.data, "allowed_ip=");
	assert_non_null(line);
	assert_memory_equal(line + 11, out, strlen(out));
	assert_int_equal(line[11 + strlen(out)], '\n');
	uapi_buf_free(&b);
}

/* Go's netip text, which differs from inet_ntop for "::a.b.c.d". */
static void test_address_text(void **state)
{
	union uapi_sockaddr ep = { 0 };
	char small[8];

	(void)state;
	endpoint_is("127.0.0.1:51821", "127.0.0.1:51821");
	endpoint_is("1.2.3.4:05", "1.2.3.4:5");
	endpoint_is("[::1]:4000", "[::1]:4000");
	endpoint_is("[::FFFF:1.2.3.4]:5", "[::ffff:1.2.3.4]:5");
	endpoint_is("[::1.2.3.4]:5", "[::102:304]:5");
	endpoint_is("[2001:db8::5]:65535", "[2001:db8::5]:65535");
	endpoint_is("[fe80::1%2]:7", "[fe80::1%2]:7");
	endpoint_is("[1:0:0:1:0:0:1:1]:9", "[1::1:0:0:1:1]:9");
	endpoint_is("[1:0:0:1:0:0:0:1]:9", "[1:0:0:1::1]:9");
	endpoint_is("[1:2:3:4:5:6:7:0]:9", "[1:2:3:4:5:6:7:0]:9");
	endpoint_is("[0:0:1:2:3:4:5:6]:9", "[::1:2:3:4:5:6]:9");
	prefix_text_is("10.0.0.1/24", "10.0.0.0/24");
	prefix_text_is("2001:db8:0:0:1::/80", "2001:db8:0:0:1::/80");
	prefix_text_is("::1.2.3.4/128", "::102:304/128");
	prefix_text_is("::/0", "::/0");
	prefix_text_is("0.0.0.0/0", "0.0.0.0/0");
	assert_int_equal(uapi_format_endpoint(small, sizeof(small), &ep), -EAFNOSUPPORT);
	assert_int_equal(uapi_parse_endpoint("1.2.3.4:5", &ep), 0);
	assert_int_equal(uapi_format_endpoint(small, sizeof(small), &ep), -ENOSPC);
}

/* ---- set ------------------------------------------------------------- */

static void test_set_transaction(void **state)
{
	static const char req[] =
		"set=1\n"
		"private_key=" K_ZERO "\n"
		"listen_port=0\n"
		"replace_peers=true\n"
		"public_key=" K_P1 "\n"
		"preshared_key=" K_PSK "\n"
		"endpoint=[2001:db8::5]:65535\n"
		"persistent_keepalive_interval=65535\n"
		"allowed_ip=192.168.0.0/16\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.0.0.0/8\n"
		"allowed_ip=10.0.0.7/32\r\n"
		"protocol_version=1\n"
		"public_key=" K_P2 "\n"
		"update_only=true\n"
		"allowed_ip=::/0\n"
		"public_key=" K_P3 "\n"
		"allowed_ip=172.16.0.0/12\n"
		"remove=true\n"
		"allowed_ip=172.17.0.0/16\n"
		"endpoint=1.2.3.4:5\n"
		"\n";
	struct uapi_parser p;
	const struct uapi_request *r;
	const struct uapi_peer *pe;
	size_t used;

	(void)state;
	uapi_parser_init(&p);
	assert_int_equal(uapi_parser_feed(&p, req, sizeof(req) - 1, &used), 1);
	assert_int_equal(used, sizeof(req) - 1);
	r = uapi_parser_request(&p);
	assert_non_null(r);
	assert_int_equal(r->op, UAPI_OP_SET);
	assert_int_equal(r->error, 0);
	assert_true(r->set.has_private_key);
	assert_true(r->set.has_listen_port);
	assert_int_equal(r->set.listen_port, 0);
	assert_false(r->set.has_fwmark);
	assert_true(r->set.replace_peers);
	assert_int_equal(r->set.n_peers, 3);

	pe = &r->set.peers[0];
	assert_int_equal(pe->public_key[0], hexbyte(K_P1));
	assert_int_equal(pe->public_key[31], hexbyte(K_P1 + 62));
	assert_true(pe->has_preshared_key);
	assert_int_equal(pe->preshared_key[1], hexbyte(K_PSK + 2));
	assert_true(pe->has_endpoint);
	assert_int_equal(pe->endpoint.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(pe->endpoint.sin6.sin6_port), 65535);
	assert_true(pe->has_persistent_keepalive);
	assert_int_equal(pe->persistent_keepalive_interval, 65535);
	assert_true(pe->replace_allowed_ips);
	assert_false(pe->remove || pe->update_only);
	assert_int_equal(pe->n_allowed_ips, 2);
	assert_int_equal(pe->allowed_ips[0].len, 8);
	assert_int_equal(pe->allowed_ips[1].len, 32);
	assert_int_equal(pe->allowed_ips[1].addr.u.bytes[3], 7);

	pe = &r->set.peers[1];
	assert_true(pe->update_only);
	assert_false(pe->has_endpoint || pe->has_preshared_key || pe->replace_allowed_ips);
	assert_int_equal(pe->n_allowed_ips, 1);
	assert_int_equal(pe->allowed_ips[0].addr.family, AF_INET6);

	pe = &r->set.peers[2];
	assert_true(pe->remove);
	assert_int_equal(pe->n_allowed_ips, 0);
	uapi_parser_free(&p);
}

static void test_set_applies(void **state)
{
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_str(&d, wg_setconf, &o);
	d.log[0] = '\0';
	/* `wg set wg0 peer P2 remove`, then an update of an unknown peer
	 * (skipped), of a known one, and a prefix moving between peers. */
	serve_str(&d, "set=1\npublic_key=" K_P2 "\nremove=true\n\n"
		  "set=1\npublic_key=" K_P2 "\nupdate_only=true\n"
		  "allowed_ip=10.9.0.0/16\n\n"
		  "set=1\npublic_key=" K_P1 "\nupdate_only=true\n"
		  "persistent_keepalive_interval=0\nallowed_ip=10.5.0.0/16\n"
		  "public_key=" K_P3 "\nallowed_ip=10.77.0.2/32\n"
		  "endpoint=[::ffff:10.0.0.1]:7\n\n", &o);
	assert_string_equal(o.reply, "errno=0\n\nerrno=0\n\nerrno=0\n\n");
	assert_string_equal(d.log, "peer 78 rm n=0;peer 78 uo n=1;"
			    "peer a8 uo n=1;peer 4d n=1;");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.peers[0].info.persistent_keepalive_interval, 0);
	assert_int_equal(d.peers[0].info.n_allowed_ips, 3);    /* lost 10.77.0.2 */
	assert_int_equal(d.peers[1].info.n_allowed_ips, 1);
	assert_int_equal(d.peers[1].ips[0].len, 32);

	/* An error from the device becomes the reply; the fwmark goes
	 * before the key and the peers, so those stay. */
	d.log[0] = '\0';
	d.fwmark_err = -EOPNOTSUPP;
	serve_str(&d, "set=1\nfwmark=1\nprivate_key=" K_P1 "\nreplace_peers=true\n\n", &o);
	assert_string_equal(o.reply, "errno=-95\n\n");
	assert_string_equal(d.log, "");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.priv[0], hexbyte(K_PRIV));
}

static void test_set_missing_op(void **state)
{
	static const struct uapi_set_ops no_fwmark = {
		.set_listen_port = f_port,
		.set_private_key = f_key,
		.set_peer = f_peer,
	};
	struct uapi_parser p;
	struct fdev d = { 0 };
	size_t used;
	static const char req[] = "set=1\nlisten_port=1\nfwmark=5\n\n";

	(void)state;
	uapi_parser_init(&p);
	assert_int_equal(uapi_parser_feed(&p, req, sizeof(req) - 1, &used), 1);
	assert_int_equal(uapi_set_apply(&uapi_parser_request(&p)->set, &no_fwmark, &d),
			 -EOPNOTSUPP);
	assert_string_equal(d.log, "");
	uapi_parser_free(&p);
}

/* The whole set is refused when one line is wrong, wherever it is. */
static void test_all_or_nothing(void **state)
{
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_str(&d, "set=1\nlisten_port=1\nreplace_peers=true\n"
		  "public_key=" K_P1 "\nallowed_ip=10.1.0.0/16\n"
		  "public_key=" K_P2 "\nallowed_ip=10.2.0.0/16\n"
		  "public_key=" K_P3 "\nallowed_ip=10.3.0.0/33\n"
		  "allowed_ip=10.4.0.0/16\n\n", &o);
	assert_string_equal(o.reply, "errno=-22\n\n");
	assert_string_equal(d.log, "");
	assert_int_equal(d.n, 0);
	assert_int_equal(o.eof, 0);
	/* The connection goes on. */
	serve_str(&d, "set=1\nlisten_port=51820\n\nget=1\n\n", &o);
	assert_string_equal(o.reply, "errno=0\n\nlisten_port=51820\nerrno=0\n\n");
}

struct bad {
	const char *body;       /* between "set=1\n" and the blank line */
	int err;
};

static const struct bad bad_sets[] = {
	/* keys */
	{ "private_key=" K_P1 "x\n", -EINVAL },
	{ "private_key=0\n", -EINVAL },
	{ "private_key=\n", -EINVAL },
	{ "public_key=" K_P1 "00\n", -EINVAL },
	{ "public_key=a83f1e1bede30a03ea14d703d4823075361500543490fafa4fb6f73e4ec68e6\n", -EINVAL },
	{ "public_key=g83f1e1bede30a03ea14d703d4823075361500543490fafa4fb6f73e4ec68e6b\n", -EINVAL },
	{ "public_key=" K_P1 "\npreshared_key=xx\n", -EINVAL },
	{ "public_key=qD8eG+3jCgPqFNcD1IIwdTYVAFQ0kPr6T7b3Pk7Gjms=\n", -EINVAL },
	/* endpoints */
	{ "public_key=" K_P1 "\nendpoint=localhost:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=vpn.example.com:51820\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=1.2.3.4:0\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=[::1]:0\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=1.2.3.4:65536\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=1.2.3.4:+5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=1.2.3.4:\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=1.2.3.4\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=01.2.3.4:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint= 1.2.3.4:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=::1:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=[::1]\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=[::1]5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=[1.2.3.4]:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=[fe80::1%lo]:5\n", -EINVAL },
	{ "public_key=" K_P1 "\nendpoint=\n", -EINVAL },
	/* prefixes */
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.0/33\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=::/129\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.0\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.0/\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.0/-1\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.0/ 8\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=10.0.0.256/32\n", -EINVAL },
	{ "public_key=" K_P1 "\nallowed_ip=fe80::%lo/64\n", -EINVAL },
	/* numbers and flags */
	{ "listen_port=65536\n", -EINVAL },
	{ "listen_port=-1\n", -EINVAL },
	{ "listen_port=\n", -EINVAL },
	{ "listen_port=1=2\n", -EINVAL },
	{ "fwmark=0x10\n", -EINVAL },
	{ "fwmark=4294967296\n", -EINVAL },
	{ "replace_peers=false\n", -EINVAL },
	{ "public_key=" K_P1 "\npersistent_keepalive_interval=65536\n", -EINVAL },
	{ "public_key=" K_P1 "\npersistent_keepalive_interval=off\n", -EINVAL },
	{ "public_key=" K_P1 "\nremove=false\n", -EINVAL },
	{ "public_key=" K_P1 "\nupdate_only=1\n", -EINVAL },
	{ "public_key=" K_P1 "\nreplace_allowed_ips=TRUE\n", -EINVAL },
	{ "public_key=" K_P1 "\nprotocol_version=2\n", -EINVAL },
	/* keys in the wrong place, unknown keys, no '=' */
	{ "bogus=1\n", -EINVAL },
	{ "=1\n", -EINVAL },
	{ "endpoint=1.2.3.4:5\n", -EINVAL },
	{ "allowed_ip=10.0.0.0/8\n", -EINVAL },
	{ "protocol_version=1\n", -EINVAL },
	{ "public_key=" K_P1 "\nlisten_port=5\n", -EINVAL },
	{ "public_key=" K_P1 "\nprivate_key=" K_P1 "\n", -EINVAL },
	{ "public_key=" K_P1 "\nlast_handshake_time_sec=0\n", -EINVAL },
	{ "listen_port\n", -EPROTO },
	{ "public_key=" K_P1 "\nremove\n", -EPROTO },
	/* the first error is the one answered */
	{ "listen_port=x\nfoo\n", -EINVAL },
	{ "foo\nlisten_port=x\n", -EPROTO },
};

static void test_bad_sets(void **state)
{
	char req[512], want[32];
	struct outcome o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_sets) / sizeof(bad_sets[0]); i++) {
		struct fdev d = { 0 };

		snprintf(req, sizeof(req), "set=1\nlisten_port=7\n%s\nget=1\n\n",
			 bad_sets[i].body);
		snprintf(want, sizeof(want), "errno=%d\n\nerrno=0\n\n", bad_sets[i].err);
		serve_str(&d, req, &o);
		if (strcmp(o.reply, want) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\"", i, bad_sets[i].body, o.reply);
		assert_string_equal(d.log, "");
		assert_int_equal(o.fatal, 0);
		assert_int_equal(o.requests, 2);
	}
}

static void test_nul_byte(void **state)
{
	static const char req[] = "set=1\nlisten_port=5\0\n\nget=1\n\n";
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_all_ways(&d, req, sizeof(req) - 1, &o);
	assert_string_equal(o.reply, "errno=-22\n\nerrno=0\n\n");
}

/* ---- framing --------------------------------------------------------- */

static void test_framing(void **state)
{
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	serve_str(&d, "gte=1\n\n", &o);
	assert_int_equal(o.fatal, -EPROTO);
	assert_string_equal(o.reply, "errno=-71\n\n");
	serve_str(&d, "\n", &o);
	assert_int_equal(o.fatal, -EPROTO);
	serve_str(&d, "set=1\r\n\n", &o);
	assert_int_equal(o.fatal, -EPROTO);
	serve_all_ways(&d, "get=1\0x\n\n", 10, &o);
	assert_int_equal(o.fatal, -EPROTO);
	serve_str(&d, "get=1\nx", &o);
	assert_int_equal(o.fatal, -EINVAL);
	assert_string_equal(o.reply, "errno=-22\n\n");
	serve_str(&d, "get=1\n\nget=2\n\n", &o);
	assert_int_equal(o.requests, 1);
	assert_int_equal(o.fatal, -EPROTO);
	assert_string_equal(o.reply, "errno=0\n\nerrno=-71\n\n");

	/* A request cut short is no request: nothing applied. */
	serve_str(&d, "set=1\nlisten_port=51820\n", &o);
	assert_int_equal(o.requests, 0);
	assert_int_equal(o.eof, -EPROTO);
	assert_string_equal(o.reply, "");
	assert_string_equal(d.log, "");
	serve_str(&d, "get=1\n", &o);
	assert_int_equal(o.eof, -EPROTO);
	serve_str(&d, "se", &o);
	assert_int_equal(o.eof, -EPROTO);
	serve_str(&d, "", &o);
	assert_int_equal(o.eof, 0);
}

static void test_line_limit(void **state)
{
	size_t len = 6 + UAPI_LINE_MAX + 3;
	char *req = malloc(len + 1);
	struct fdev d = { 0 };
	struct outcome o;

	(void)state;
	assert_non_null(req);
	/* Exactly UAPI_LINE_MAX bytes: read, refused as an unknown key. */
	memcpy(req, "set=1\n", 6);
	memset(req + 6, 'a', UAPI_LINE_MAX);
	req[7] = '=';
	memcpy(req + 6 + UAPI_LINE_MAX, "\n\n", 3);
	serve_all_ways(&d, req, len - 1, &o);
	assert_int_equal(o.fatal, 0);
	assert_string_equal(o.reply, "errno=-22\n\n");
	/* One more byte and the stream is broken. */
	memcpy(req + 6 + UAPI_LINE_MAX, "a\n\n", 3);
	serve_all_ways(&d, req, len, &o);
	assert_int_equal(o.fatal, -EMSGSIZE);
	assert_int_equal(o.eof, -EMSGSIZE);
	assert_int_equal(o.requests, 0);
	free(req);
}

static void test_request_limit(void **state)
{
	static const char line[] = "allowed_ip=10.0.0.0/8\n";
	size_t n = UAPI_REQUEST_MAX / (sizeof(line) - 1) + 2, i, off;
	size_t len = 6 + 80 + n * (sizeof(line) - 1) + 1;
	char *req = malloc(len + 1);
	struct uapi_parser *p = malloc(sizeof(*p));
	size_t used, total = 0;
	int ret = 0;

	(void)state;
	assert_non_null(req);
	assert_non_null(p);
	off = (size_t)sprintf(req, "set=1\npublic_key=" K_P1 "\n");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(req + off, "%s", line);
	req[off++] = '\n';
	uapi_parser_init(p);
	while (total < off && ret == 0) {
		size_t chunk = off - total < 1000 ? off - total : 1000;

		ret = uapi_parser_feed(p, req + total, chunk, &used);
		total += used;
	}
	assert_int_equal(ret, -EMSGSIZE);
	assert_int_equal(total, UAPI_REQUEST_MAX + 1);
	assert_int_equal(uapi_parser_feed(p, "\n", 1, &used), -EMSGSIZE);
	assert_int_equal(used, 0);
	uapi_parser_free(p);

	/* The bound is the caller's to raise. */
	uapi_parser_init(p);
	p->max_request = 2 * UAPI_REQUEST_MAX;
	assert_int_equal(uapi_parser_feed(p, req, off, &used), 1);
	assert_int_equal(used, off);
	assert_int_equal(uapi_parser_request(p)->set.peers[0].n_allowed_ips, n);
	uapi_parser_free(p);
	free(p);
	free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setconf_then_get_is_wireguard_go),
		cmocka_unit_test(test_get_sizes),
		cmocka_unit_test(test_get_requests),
		cmocka_unit_test(test_errno_reply),
		cmocka_unit_test(test_address_text),
		cmocka_unit_test(test_set_transaction),
		cmocka_unit_test(test_set_applies),
		cmocka_unit_test(test_set_missing_op),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_bad_sets),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_request_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
