#include "config.h"

#include <string.h>

#include "dns/answer.h"
#include "dns/engine.h"
#include "dns/reply.h"
#include "lib/cursor.h"

void dns_engine_conf_default(struct dns_engine_conf *c)
{
	c->udp_size = DNS_UDP_DEFAULT;
	c->rebind_protect = true;
}

void dns_engine_init(struct dns_engine *e, const struct dns_engine_conf *c)
{
	memset(e, 0, sizeof(*e));
	e->conf = *c;
	if (e->conf.udp_size < DNS_UDP_MIN)
		e->conf.udp_size = DNS_UDP_MIN;
}

static enum dns_verdict reply_error(struct dns_engine *e, const struct dns_query *q,
				    uint8_t rcode, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = dns_answer_error(q, rcode, e->conf.udp_size, out, cap);
	return *out_len ? DNS_REPLY : DNS_DROP;
}

static enum dns_verdict servfail(struct dns_engine *e, struct dns_request *req, uint64_t now,
				 uint8_t *out, size_t cap, size_t *out_len)
{
	/* RFC 8767: a stale answer beats none when upstream cannot help. */
	if (e->cache) {
		*out_len = dns_cache_answer(e->cache, now, &req->q, true, e->conf.udp_size,
					    req->limit, out, cap);
		if (*out_len) {
			e->st.stale_served++;
			return DNS_REPLY;
		}
	}
	return reply_error(e, &req->q, DNS_RC_SERVFAIL, out, cap, out_len);
}

enum dns_verdict dns_engine_query(struct dns_engine *e, uint64_t now, const uint8_t *msg,
				  size_t len, bool tcp, struct dns_request *req, uint8_t *out,
				  size_t cap, size_t *out_len)
{
	struct dns_query *q = &req->q;
	struct dns_fwd_rule *rule = NULL;
	size_t zm = 0;

	*out_len = 0;
	e->st.queries++;
	if (dns_query_parse(msg, len, q) < 0) {
		e->st.dropped++;
		return DNS_DROP;
	}
	req->tcp = tcp;
	req->has_server = false;
	req->limit = dns_answer_limit(q, tcp, e->conf.udp_size);
	switch (q->rcode) {
	case DNS_RC_NOERROR:
		break;
	case DNS_RC_NOTIMP:
		e->st.notimp++;
		return reply_error(e, q, q->rcode, out, cap, out_len);
	case DNS_RC_BADVERS:
		e->st.badvers++;
		return reply_error(e, q, q->rcode, out, cap, out_len);
	default:
		e->st.formerr++;
		return reply_error(e, q, q->rcode, out, cap, out_len);
	}
	if (q->qclass != DNS_C_IN && q->qclass != DNS_C_ANY) {
		e->st.refused++;
		return reply_error(e, q, DNS_RC_REFUSED, out, cap, out_len);
	}
	if (q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR) {
		e->st.refused++;
		return reply_error(e, q, DNS_RC_REFUSED, out, cap, out_len);
	}
	if (q->qtype == DNS_T_MAILA || q->qtype == DNS_T_MAILB) {
		e->st.notimp++;
		return reply_error(e, q, DNS_RC_NOTIMP, out, cap, out_len);
	}

	/* Ours, unless a more specific domain is forwarded elsewhere. */
	if (e->zones) {
		struct zone_result res;

		zone_lookup(e->zones, q->lname, q->qname_len, q->qtype, now, &res);
		zm = res.apex_len;
		if (zm && e->fwd)
			rule = dns_fwd_match(e->fwd, q->lname, q->qname_len);
		if (zm && !(rule && rule->len > zm)) {
			e->st.local++;
			if (res.status == ZONE_NXDOMAIN)
				e->st.local_nxdomain++;
			*out_len = dns_answer_zone(q, &res, e->conf.udp_size, req->limit, out,
						   cap);
			return *out_len ? DNS_REPLY : DNS_DROP;
		}
	}
	if (e->cache) {
		*out_len = dns_cache_answer(e->cache, now, q, false, e->conf.udp_size, req->limit,
					    out, cap);
		if (*out_len) {
			e->st.cache_hits++;
			return DNS_REPLY;
		}
	}
	if (!zm && e->fwd)
		rule = dns_fwd_match(e->fwd, q->lname, q->qname_len);
	if (rule) {
		const struct dns_fwd_server *s = dns_fwd_pick(rule, now);

		if (!s) {
			e->st.servfail_down++;
			return servfail(e, req, now, out, cap, out_len);
		}
		req->has_server = true;
		req->server = s->addr;
		req->port = s->port;
		e->st.forwarded_rule++;
	}
	e->st.forwarded++;
	return DNS_FORWARD;
}

size_t dns_request_upstream(const struct dns_engine *e, const struct dns_request *req,
			    uint16_t id, uint8_t *out, size_t cap)
{
	const struct dns_query *q = &req->q;
	struct dns_hdr h = {
		.id = id, .qdcount = 1, .arcount = 1,
		.flags = (uint16_t)(DNS_F_RD | (q->hdr.flags & DNS_F_CD)),
	};
	struct wcur w = wcur_init(out, cap);

	wcur_reserve(&w, DNS_HDR_LEN);
	wcur_bytes(&w, q->lname, q->qname_len);
	wcur_be16(&w, q->qtype);
	wcur_be16(&w, q->qclass);
	if (w.err)
		return 0;
	dns_hdr_write(out, &h);
	if (!dns_edns_write(out, cap, &w.off, e->conf.udp_size,
			    q->edns.present && q->edns.do_bit, 0))
		return 0;
	return w.off;
}

/* Names that may have private addresses: ours and those forwarded by a
 * rule (the other sites, a corporate domain), not the root's. */
static bool rebind_ok(void *arg, const uint8_t *name, size_t len)
{
	struct dns_engine *e = arg;
	const struct dns_fwd_rule *r;

	if (e->zones && zone_match(e->zones, name, len))
		return true;
	r = e->fwd ? dns_fwd_match(e->fwd, name, len) : NULL;
	return r && r->len > 1;
}

enum dns_verdict dns_engine_reply(struct dns_engine *e, uint64_t now, struct dns_request *req,
				  const uint8_t *reply, size_t len, uint8_t *out, size_t cap,
				  size_t *out_len)
{
	const struct dns_query *q = &req->q;
	struct dns_reply_info ri;
	uint8_t rcode;

	*out_len = 0;
	e->st.upstream_replies++;
	if (dns_reply_scan(reply, len, &ri, NULL, 0) || !(ri.hdr.flags & DNS_F_QR) ||
	    DNS_OPCODE(ri.hdr.flags) != DNS_OPCODE_QUERY || ri.qname_len != q->qname_len ||
	    memcmp(ri.qname, q->lname, q->qname_len) || ri.qtype != q->qtype ||
	    ri.qclass != q->qclass) {
		e->st.upstream_bad++;
		return dns_engine_fail(e, now, req, out, cap, out_len);
	}
	if (req->has_server && e->fwd)
		dns_fwd_report(e->fwd, &req->server, req->port, now, true);
	rcode = ri.hdr.flags & DNS_F_RCODE;
	if (rcode == DNS_RC_SERVFAIL || rcode == DNS_RC_REFUSED ||
	    (ri.edns.present && ri.edns.ext_rcode) || !ri.opt_movable) {
		e->st.servfail_upstream++;
		return servfail(e, req, now, out, cap, out_len);
	}
	if (e->conf.rebind_protect && dns_rebind_check(e->rebind, reply, len, rebind_ok, e) != 0) {
		e->st.rebind_blocked++;
		return reply_error(e, q, DNS_RC_REFUSED, out, cap, out_len);
	}
	if (!e->cache || dns_cache_insert(e->cache, now, q, reply, len))
		e->st.uncached++;
	*out_len = dns_answer_relay(q, reply, &ri, e->conf.udp_size, req->limit, out, cap);
	return *out_len ? DNS_REPLY : DNS_DROP;
}

enum dns_verdict dns_engine_fail(struct dns_engine *e, uint64_t now, struct dns_request *req,
				 uint8_t *out, size_t cap, size_t *out_len)
{
	if (req->has_server && e->fwd)
		dns_fwd_report(e->fwd, &req->server, req->port, now, false);
	e->st.servfail_upstream++;
	return servfail(e, req, now, out, cap, out_len);
}
