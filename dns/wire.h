/* DNS wire format (RFC 1035, RFC 6891): constants, header, question, names,
 * EDNS0 and a walker over a message's records. Pure and allocation-free: the
 * per-query path is built from these. Names are uncompressed wire form
 * (length-prefixed labels, ending with the root's 0) of at most 255 bytes. */
#ifndef MG_DNS_WIRE_H
#define MG_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN		12
#define DNS_NAME_MAX		255	/* wire bytes, root label included */
#define DNS_LABEL_MAX		63
#define DNS_UDP_MIN		512	/* a client without EDNS */
#define DNS_UDP_DEFAULT		1232	/* our EDNS buffer size (DNS flag day 2020) */
#define DNS_MSG_MAX		65535
#define DNS_PTR_HOPS_MAX	64	/* compression pointers followed per name */

/* Fixed wire parts, for the size assertions and nothing else: every field
 * goes through lib/cursor.h or the byte helpers below. */
struct dns_wire_hdr {
	uint8_t id[2], flags[2], qdcount[2], ancount[2], nscount[2], arcount[2];
};
struct dns_wire_qfix {		/* after the question's name */
	uint8_t type[2], class_[2];
};
struct dns_wire_rrfix {		/* after a record's owner name */
	uint8_t type[2], class_[2], ttl[4], rdlen[2];
};
_Static_assert(sizeof(struct dns_wire_hdr) == DNS_HDR_LEN, "DNS header is 12 bytes");
_Static_assert(sizeof(struct dns_wire_qfix) == 4, "question tail is 4 bytes");
_Static_assert(sizeof(struct dns_wire_rrfix) == 10, "RR fixed part is 10 bytes");
#define DNS_QFIX_LEN		4
#define DNS_RRFIX_LEN		10
#define DNS_RR_TTL_AT		4	/* TTL's offset inside the fixed part */
#define DNS_OPT_LEN		11	/* root owner + fixed part, no options */

/* Header flags, as the 16-bit field after the id. */
#define DNS_F_QR		0x8000
#define DNS_F_OPCODE		0x7800
#define DNS_F_AA		0x0400
#define DNS_F_TC		0x0200
#define DNS_F_RD		0x0100
#define DNS_F_RA		0x0080
#define DNS_F_Z			0x0040
#define DNS_F_AD		0x0020
#define DNS_F_CD		0x0010
#define DNS_F_RCODE		0x000f
#define DNS_OPCODE(f)		(((f) & DNS_F_OPCODE) >> 11)

#define DNS_OPCODE_QUERY	0

enum dns_rcode {
	DNS_RC_NOERROR = 0,
	DNS_RC_FORMERR = 1,
	DNS_RC_SERVFAIL = 2,
	DNS_RC_NXDOMAIN = 3,
	DNS_RC_NOTIMP = 4,
	DNS_RC_REFUSED = 5,
	DNS_RC_BADVERS = 16,	/* extended: needs EDNS */
};

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_DS = 43,
	DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47,
	DNS_T_DNSKEY = 48,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_MAILB = 253,
	DNS_T_MAILA = 254,
	DNS_T_ANY = 255,
};

enum dns_class {
	DNS_C_IN = 1,
	DNS_C_CH = 3,
	DNS_C_ANY = 255,
};

#define DNS_EDNS_DO		0x8000	/* in the OPT TTL's low 16 bits */

struct dns_hdr {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

/* EDNS0 from a message's OPT record. */
struct dns_edns {
	bool present;
	uint8_t ext_rcode;	/* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	bool do_bit;
	uint16_t udp_size;	/* as sent; callers clamp */
	size_t off, len;	/* the whole OPT record in the message */
};

/* A query, parsed into copies so it outlives the packet it came in (the
 * I/O layer keeps it while upstream is asked). */
struct dns_query {
	struct dns_hdr hdr;
	uint8_t rcode;		/* what to answer: NOERROR to go on, else an error */
	bool has_question;	/* qname/qtype/qclass valid, can be echoed */
	uint8_t qname[DNS_NAME_MAX];	/* byte for byte as received */
	uint8_t lname[DNS_NAME_MAX];	/* lower-cased: lookups and keys */
	uint8_t qname_len;
	uint16_t qtype, qclass;
	struct dns_edns edns;
};

/* One record found by the walker; offsets are into the message. */
enum dns_section { DNS_SEC_AN, DNS_SEC_NS, DNS_SEC_AR };

struct dns_rr {
	enum dns_section section;
	size_t owner_off;	/* where the owner name starts (may be a pointer) */
	uint16_t type, class_;
	uint32_t ttl;
	size_t ttl_off;
	size_t rdata_off;
	uint16_t rdlen;
	size_t end;		/* just after the rdata */
};

struct dns_rr_iter {
	const uint8_t *msg;
	size_t len, off;
	uint16_t left[3];
	unsigned section;
};

static inline uint16_t dns_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dns_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- header and question ---- */

int dns_hdr_parse(const uint8_t *msg, size_t len, struct dns_hdr *h);	/* 0 or -EINVAL */
void dns_hdr_write(uint8_t *p, const struct dns_hdr *h);
/* The question at *off (name without compression pointers): fills name
 * (as received) and its length, advances *off. 0 or -EINVAL. */
int dns_question_parse(const uint8_t *msg, size_t len, size_t *off, uint8_t *name,
		       uint8_t *name_len, uint16_t *qtype, uint16_t *qclass);

/* Parses a query. -EINVAL: no header or QR set (drop it, never answer).
 * 0: q->rcode says NOERROR (go on) or the error to answer: FORMERR, NOTIMP,
 * BADVERS (q->edns.present then). */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/* ---- names ---- */

/* Reads a possibly compressed name at *off into out (DNS_NAME_MAX bytes),
 * lower-cased if lower; *off moves past the name where it sits. Pointers
 * must go strictly backwards past the start of what they continue, so loops
 * and forward pointers are -EINVAL, as are oversize names and labels,
 * reserved label types and truncation. */
int dns_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len,
		  bool lower);
/* Moves *off past a name without following pointers; same checks on the
 * labels that are there. */
int dns_name_skip(const uint8_t *msg, size_t len, size_t *off);
/* Checks an uncompressed name and returns its length, or -EINVAL. */
int dns_name_check(const uint8_t *name, size_t max);
void dns_name_lower(uint8_t *dst, const uint8_t *src, size_t len);
bool dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Whether name equals suffix or lies below it, on a label boundary. */
bool dns_name_under(const uint8_t *name, size_t len, const uint8_t *suffix, size_t slen);
unsigned dns_name_labels(const uint8_t *name, size_t len);
/* Offset of the parent (name less its first label); len for the root. */
size_t dns_name_parent(const uint8_t *name, size_t len);
/* "host.example" or "host.example." (or ".") to lower-cased wire form;
 * returns the length or -EINVAL. No escapes: names from config. */
int dns_name_from_str(const char *s, uint8_t *out, size_t cap);
/* Presentation form with a trailing dot; returns out. Bytes outside
 * [-0-9A-Za-z_] are \DDD escaped. */
const char *dns_name_to_str(const uint8_t *name, size_t len, char *out, size_t cap);
#define DNS_NAME_STRLEN		(4 * DNS_NAME_MAX + 2)

/* ---- EDNS0 ---- */

/* Parses the OPT record whose fixed part starts at rr (owner already
 * checked to be the root). */
void dns_edns_parse(const uint8_t *msg, const struct dns_rr *rr, struct dns_edns *e);
/* Appends an OPT record with no options; false if it does not fit. */
bool dns_edns_write(uint8_t *out, size_t cap, size_t *off, uint16_t udp_size, bool do_bit,
		    uint8_t ext_rcode);

/* ---- records ---- */

/* Starts after the question section; -EINVAL if the header or questions
 * are malformed. */
int dns_rr_iter_init(struct dns_rr_iter *it, const uint8_t *msg, size_t len);
/* 1 and *rr for the next record, 0 at the end, -EINVAL if malformed. */
int dns_rr_next(struct dns_rr_iter *it, struct dns_rr *rr);

#endif
