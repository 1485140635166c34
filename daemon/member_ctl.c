/* meshgate nodes | invite | revoke | renew: the members as this node knows
 * them, and what a holder of the network key can do about them. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/control.h"
#include "core/report.h"
#include "daemon/member_impl.h"
#include "keys/invites.h"
#include "keys/revocation.h"
#include "keys/token.h"
#include "vpn/mesh/join.h"

#define INVITE_DEFAULT_S 3600
#define INVITE_MAX_S (30ULL * 86400)

static void prefixes(struct report *r, const char *key, const struct mg_prefix *p, int n)
{
	char buf[MG_PREFIX_STRLEN];

	report_arr_begin(r, key);
	for (int i = 0; i < n; i++)
		report_str(r, NULL, mg_prefix_fmt(&p[i], buf, sizeof(buf)));
	report_arr_end(r);
}

static void report_session(const struct member *m, struct report *r, const char *name)
{
	struct mpeer *mp = member_peer_find(m, name);
	char addr[INET6_ADDRSTRLEN] = "", ep[INET6_ADDRSTRLEN + 10] = "";
	struct wg_peer_info info;
	struct timespec wall;

	if (!mp || !mp->p)
		return;
	wg_peer_get_info(mp->p, &info);
	sodium_memzero(info.psk, sizeof(info.psk));
	if (info.endpoint.addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &info.endpoint.addr.in4.sin_addr, addr, sizeof(addr));
		snprintf(ep, sizeof(ep), "%s:%u", addr, ntohs(info.endpoint.addr.in4.sin_port));
	} else if (info.endpoint.addr.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &info.endpoint.addr.in6.sin6_addr, addr, sizeof(addr));
		snprintf(ep, sizeof(ep), "[%s]:%u", addr, ntohs(info.endpoint.addr.in6.sin6_port));
	}
	report_str(r, "endpoint", ep[0] ? ep : NULL);
	clock_gettime(CLOCK_REALTIME, &wall);
	if (info.last_handshake.tv_sec)
		report_int(r, "handshake_age", wall.tv_sec - info.last_handshake.tv_sec);
	else
		report_str(r, "handshake_age", NULL);
}

static int nodes(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct member *m = arg;
	uint64_t now = member_unix_now();
	struct record rec;

	(void)argc;
	(void)argv;
	(void)err;
	report_str(r, "network", m->network);
	report_arr_begin(r, "nodes");
	for (size_t i = 0; i < mesh_store_count(m->store); i++) {
		const struct mesh_node *node = mesh_store_node_at(m->store, i);

		if (mesh_node_record(node, &rec) < 0)
			continue;
		report_obj_begin(r, NULL);
		report_str(r, "name", rec.name);
		report_bool(r, "self", node->self);
		report_str(r, "site", rec.site[0] ? rec.site : NULL);
		report_str(r, "role", rec.role == RECORD_ROLE_GATEWAY ? "gateway" : "client");
		prefixes(r, "mesh", rec.mesh, rec.n_mesh);
		prefixes(r, "subnets", rec.subnets, rec.n_subnets);
		report_str(r, "domain", rec.domain[0] ? rec.domain : NULL);
		if (rec.role == RECORD_ROLE_GATEWAY) {
			uint64_t since = member_active_since(node);

			/* the gateway the mesh routes its site's subnets to */
			if (since)
				report_uint(r, "vip_holder_since", since);
			else
				report_str(r, "vip_holder_since", NULL);
		}
		report_uint(r, "sequence", rec.sequence);
		report_int(r, "record_age", (int64_t)now - (int64_t)rec.issued_at);
		report_int(r, "expires_in_days",
		           ((int64_t)rec.expires_at - (int64_t)now) / 86400);
		report_bool(r, "expiring_soon",
		            record_expiring_soon(&rec, now, RECORD_RENEW_WINDOW));
		if (!node->self)
			report_session(m, r, rec.name);
		report_obj_end(r);
	}
	report_arr_end(r);
	report_arr_begin(r, "revoked");
	for (size_t i = 0; i < mesh_store_revocation_count(m->store); i++)
		report_str(r, NULL, mesh_store_revocation_at(m->store, i)->name);
	report_arr_end(r);
	return 0;
}

/* "90s", "30m", "1h", "7d" or plain seconds. */
static int parse_duration(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul = 1;

	if (end == s || v == 0)
		return -EINVAL;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end)
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	*out = v * mul;
	return *out <= INVITE_MAX_S ? 0 : -ERANGE;
}

static bool need_key(const struct member *m, const char **err)
{
	if (m->id.has_network_key)
		return true;
	*err = "this node does not hold the network key: run this on the node where "
	       "meshgate init made the network";
	return false;
}

struct invite_args {
	const char *name, *site, *domain;
	int role;
	uint64_t expires;
	uint8_t n_subnets;
	struct mg_prefix subnets[RECORD_SUBNETS_MAX];
};

static int parse_invite(int argc, char **argv, struct invite_args *a, const char **err)
{
	memset(a, 0, sizeof(*a));
	a->expires = INVITE_DEFAULT_S;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (o[0] != '-') {
			if (a->name) {
				*err = "invite takes one name";
				return -EINVAL;
			}
			a->name = o;
			continue;
		}
		if (!v) {
			*err = "an option of invite lacks its value";
			return -EINVAL;
		}
		i++;
		if (!strcmp(o, "--site")) {
			a->site = v;
		} else if (!strcmp(o, "--domain")) {
			a->domain = v;
		} else if (!strcmp(o, "--role")) {
			a->role = !strcmp(v, "gateway") ? RECORD_ROLE_GATEWAY :
			          !strcmp(v, "client") ? RECORD_ROLE_CLIENT : -1;
			if (a->role < 0) {
				*err = "--role is gateway or client";
				return -EINVAL;
			}
		} else if (!strcmp(o, "--subnet")) {
			if (a->n_subnets == RECORD_SUBNETS_MAX ||
			    mg_prefix_parse(v, false, &a->subnets[a->n_subnets]) < 0) {
				*err = "--subnet takes a network like 192.168.2.0/24";
				return -EINVAL;
			}
			a->n_subnets++;
		} else if (!strcmp(o, "--expires")) {
			if (parse_duration(v, &a->expires) < 0) {
				*err = "--expires takes a duration up to 30d, like 30m, 1h or 7d";
				return -EINVAL;
			}
		} else {
			*err = "invite knows --site, --role, --subnet, --domain and --expires";
			return -EINVAL;
		}
	}
	if (!a->name || !wire_label_valid(a->name)) {
		*err = "invite needs a node name of a-z, 0-9 and '-'";
		return -EINVAL;
	}
	if (!a->role)
		a->role = a->site ? RECORD_ROLE_GATEWAY : RECORD_ROLE_CLIENT;
	if (a->site && !wire_label_valid(a->site)) {
		*err = "--site takes a name of a-z, 0-9 and '-'";
		return -EINVAL;
	}
	if (a->role == RECORD_ROLE_GATEWAY && !a->site) {
		*err = "a gateway belongs to a site: give --site";
		return -EINVAL;
	}
	if (a->role != RECORD_ROLE_GATEWAY && (a->n_subnets || a->domain)) {
		*err = "only gateways carry --subnet and --domain";
		return -EINVAL;
	}
	if (a->domain && !wire_domain_valid(a->domain)) {
		*err = "--domain takes a DNS name like flat2.example.net";
		return -EINVAL;
	}
	return 0;
}

/* Where the invitee reaches us: what this node announces. */
static int token_endpoints(const struct member *m, struct token *tok)
{
	char buf[INET6_ADDRSTRLEN];

	for (int i = 0; i < m->ann.n_endpoints && tok->n_endpoints < TOKEN_ENDPOINTS_MAX; i++) {
		struct token_endpoint *e = &tok->endpoints[tok->n_endpoints++];

		snprintf(e->host, sizeof(e->host), "%s",
		         mg_addr_fmt(&m->ann.endpoints[i].addr, buf, sizeof(buf)));
		e->port = m->ann.endpoints[i].port;
	}
	return tok->n_endpoints ? 0 : -EADDRNOTAVAIL;
}

static int invite(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	static char text[TOKEN_TEXT_MAX + 1];
	struct member *m = arg;
	uint64_t now = member_unix_now();
	struct invite_args a;
	struct join_keys k;
	struct token tok;
	int ret;

	if (!need_key(m, err) || parse_invite(argc, argv, &a, err) < 0)
		return -EINVAL;
	if (mesh_store_find(m->store, a.name)) {
		*err = "a member has that name already (meshgate revoke it first)";
		return -EEXIST;
	}
	memset(&tok, 0, sizeof(tok));
	tok.version = TOKEN_VERSION;
	if (token_endpoints(m, &tok) < 0) {
		*err = "this node has no address to put in the token: set [mesh] public-address";
		return -EADDRNOTAVAIL;
	}
	netkey_fingerprint(tok.network_id, m->id.network_pub);
	token_new_secret(&tok);
	snprintf(tok.name, sizeof(tok.name), "%s", a.name);
	snprintf(tok.site, sizeof(tok.site), "%s", a.site ? a.site : "");
	tok.role = (uint8_t)a.role;
	tok.expires_at = now + a.expires;
	join_keys_from_secret(tok.secret, &k);
	ret = invites_create_site(m->state_dir, &tok, k.id, a.subnets, a.n_subnets, a.domain, now);
	join_keys_wipe(&k);
	if (ret == 0)
		ret = token_format(&tok, text, sizeof(text));
	token_wipe(&tok);
	if (ret == -EBUSY)
		*err = "that name has an invitation pending already";
	else if (ret < 0)
		*err = "cannot store the invitation (see the log)";
	if (ret < 0) {
		log_err("mesh: invitation for %s: %s", a.name, strerror(-ret));
		return ret;
	}
	log_notice("mesh: invited %s%s%s, valid %llus", a.name, a.site ? " to site " : "",
	           a.site ? a.site : "", (unsigned long long)a.expires);
	report_str(r, "token", text);
	sodium_memzero(text, sizeof(text));
	return 0;
}

static int revoke(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct member *m = arg;
	uint8_t wire[REVOCATION_WIRE_MAX];
	const struct mesh_node *node;
	struct revocation rev;
	struct record rec;
	enum mesh_verdict v;
	size_t len;

	if (!need_key(m, err))
		return -EPERM;
	if (argc != 2) {
		*err = "revoke takes the name of one member";
		return -EINVAL;
	}
	node = mesh_store_find(m->store, argv[1]);
	if (!node || mesh_node_record(node, &rec) < 0) {
		*err = "no member has that name";
		return -ENOENT;
	}
	if (node->self) {
		*err = "this node cannot revoke itself";
		return -EINVAL;
	}
	revocation_of(&rev, &rec, member_unix_now());
	if (revocation_sign(&rev, m->id.network_secret) < 0 ||
	    revocation_encode(&rev, wire, sizeof(wire), &len) < 0) {
		*err = "cannot sign the revocation";
		return -EINVAL;
	}
	v = member_publish(m, MESH_KIND_REVOCATION, wire, len);
	log_notice("mesh: revoked %s: %s", rec.name, mesh_verdict_name(v));
	report_str(r, "revoked", rec.name);
	return 0;
}

/* Signs a member's record again for another lifetime. */
static int renew_one(struct member *m, const struct mesh_node *node, uint64_t now)
{
	uint8_t wire[RECORD_WIRE_MAX];
	struct record rec;
	size_t len;

	if (mesh_node_record(node, &rec) < 0)
		return -EINVAL;
	rec.sequence++;
	rec.issued_at = now;
	rec.expires_at = now + RECORD_LIFETIME;
	if (record_sign(&rec, m->id.network_secret) < 0 ||
	    record_encode(&rec, wire, sizeof(wire), &len) < 0)
		return -EINVAL;
	return mesh_verdict_accepted(member_publish(m, MESH_KIND_RECORD, wire, len)) ? 0 : -EIO;
}

static int renew(struct report *r, int argc, char **argv, const char **err, void *arg)
{
	struct member *m = arg;
	uint64_t now = member_unix_now();
	bool all = argc == 2 && !strcmp(argv[1], "--all");
	char names[64][WIRE_LABEL_MAX + 1];
	size_t n = 0;

	if (!need_key(m, err))
		return -EPERM;
	if (argc > 2) {
		*err = "renew takes one member's name, --all, or nothing (those expiring "
		       "within a month)";
		return -EINVAL;
	}
	if (argc == 2 && !all && !mesh_store_find(m->store, argv[1])) {
		*err = "no member has that name";
		return -ENOENT;
	}
	/* names first: publishing changes the store under the iteration */
	for (size_t i = 0; i < mesh_store_count(m->store) && n < 64; i++) {
		const struct mesh_node *node = mesh_store_node_at(m->store, i);

		if (argc == 2 && !all && strcmp(node->name, argv[1]))
			continue;
		if (argc == 1 && node->expires_at > now + RECORD_RENEW_WINDOW)
			continue;
		snprintf(names[n++], sizeof(names[0]), "%s", node->name);
	}
	report_arr_begin(r, "renewed");
	for (size_t i = 0; i < n; i++) {
		const struct mesh_node *node = mesh_store_find(m->store, names[i]);

		if (node && renew_one(m, node, now) == 0) {
			report_str(r, NULL, names[i]);
			log_notice("mesh: renewed the record of %s", names[i]);
		}
	}
	report_arr_end(r);
	return 0;
}

int member_register_commands(struct member *m, struct control *ctl)
{
	int r = control_register(ctl, "nodes", nodes, m);

	if (r == 0)
		r = control_register(ctl, "invite", invite, m);
	if (r == 0)
		r = control_register(ctl, "revoke", revoke, m);
	if (r == 0)
		r = control_register(ctl, "renew", renew, m);
	return r;
}

void member_report(const struct member *m, struct report *r)
{
	const struct gossip_stats *gs = gossip_stats(m->gossip);
	const struct mesh_store_stats *ss = mesh_store_stats(m->store);

	report_obj_begin(r, "membership");
	report_str(r, "network", m->network);
	report_str(r, "name", m->id.rec.name);
	report_bool(r, "holds_network_key", m->id.has_network_key);
	report_uint(r, "members", mesh_store_count(m->store));
	report_uint(r, "revocations", mesh_store_revocation_count(m->store));
	report_uint(r, "store_bytes", mesh_store_memory(m->store));
	report_uint(r, "gossip_rx_malformed", gs->rx_malformed);
	report_uint(r, "gossip_tx_over_budget", gs->tx_over_budget);
	report_uint(r, "rejected_bad_signature", ss->verdicts[MESH_BAD_SIGNATURE]);
	report_uint(r, "rejected_stale", ss->verdicts[MESH_STALE]);
	report_uint(r, "rejected_revoked", ss->verdicts[MESH_REVOKED]);
	report_uint(r, "rejected_expired", ss->verdicts[MESH_EXPIRED]);
	report_uint(r, "rejected_malformed", ss->verdicts[MESH_MALFORMED]);
	report_uint(r, "joins_accepted", m->joins_accepted);
	report_uint(r, "joins_refused", m->joins_refused);
	report_uint(r, "joins_rate_limited", m->joins_limited);
	report_obj_end(r);
}
