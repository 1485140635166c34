/* The durable lease store: an append-only journal of fixed-size,
 * checksummed records, one per lease change. Durability is batched: the
 * caller appends the records of a batch of requests, calls leases_commit
 * (one write, one fdatasync), and only then sends the ACKs. When the
 * journal has grown well past the live leases it is rewritten whole (temp
 * file, fsync, rename). On open it is read back: a torn tail (a partial
 * record, or bad checksums after the last good one) is cut off, a bad
 * record between good ones is skipped and counted; the file itself is
 * never thrown away. Committed changes are fed to a callback (lease sync
 * between gateways, DNS). */
#ifndef MG_DHCP_LEASES_H
#define MG_DHCP_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"

/* File: a header, then records. All integers big-endian. */
#define LEASES_MAGIC "MGLEASES"
#define LEASES_VERSION 1
#define LEASES_HDR_LEN 16		/* magic[8], version u32, record length u32 */
#define LEASES_REC_MAGIC 0x4d474c31u	/* "MGL1" */
#define LEASES_REC_LEN 176
/* Record: magic u32, addr u32, expires u64, state u8, key len u8, htype
 * u8, hlen u8, key[64], hw[16], name[64] (NUL-padded), 8 zero bytes,
 * CRC-32C u32 of everything before it. */
#define LEASES_OFF_KEY 20
#define LEASES_OFF_HW (LEASES_OFF_KEY + DHCP_KEY_MAX)
#define LEASES_OFF_NAME (LEASES_OFF_HW + DHCP_CHADDR_LEN)
#define LEASES_OFF_CRC (LEASES_OFF_NAME + DHCP_LABEL_MAX + 1 + 8)
_Static_assert(LEASES_OFF_CRC + 4 == LEASES_REC_LEN, "lease record layout");
_Static_assert(LEASES_REC_LEN % 8 == 0, "records stay 8-byte aligned in the file");

struct leases;

struct leases_stats {
	uint64_t loaded;		/* good records read back on open */
	uint64_t corrupt_skipped;	/* bad records between good ones */
	uint64_t torn_dropped;		/* bad or partial records cut off the tail */
	uint64_t commits, records_written, commit_failures;
	uint64_t rewrites;
};

typedef void leases_fn(void *ctx, const struct dhcp_binding *b);
/* Fills *out with the next binding to keep; false when there are no more. */
typedef bool leases_next_fn(void *ctx, struct dhcp_binding *out);

/* Opens (creating if absent) the journal at path and reads it back,
 * calling load for each good record in file order (later ones override
 * earlier). path NULL: kept in memory only, nothing is durable (tests,
 * fuzzing). max_batch: records that may be pending before a commit.
 * 0, -EPROTO if the file is not a lease journal, or -errno. */
int leases_open(const char *path, size_t max_batch, leases_fn *load, void *ctx,
		struct leases **out);
/* Pending records are dropped, not written. */
void leases_close(struct leases *s);

/* The callback for each committed change, in order. */
void leases_set_feed(struct leases *s, leases_fn *feed, void *ctx);

/* Queues a record for the next commit; -ENOBUFS if max_batch are queued. */
int leases_append(struct leases *s, const struct dhcp_binding *b);
size_t leases_pending(const struct leases *s);
/* Writes the queued records and waits until they are on disk, then feeds
 * them. 0, or -errno: then nothing of the batch counts as written (the
 * file is cut back to where it was) and the queue is empty. */
int leases_commit(struct leases *s);

/* Whether the journal is much larger than the live set (live records). */
bool leases_need_rewrite(const struct leases *s, size_t live);
/* Replaces the journal with one record per binding next() gives. No
 * record may be pending (-EBUSY). 0 or -errno; on error the old journal
 * stays in use. */
int leases_rewrite(struct leases *s, leases_next_fn *next, void *ctx);

size_t leases_records(const struct leases *s);	/* records in the journal */
const struct leases_stats *leases_stats(const struct leases *s);

/* The record codec. decode: 0 or -EBADMSG (checksum, magic, a field out
 * of range). */
void leases_encode(uint8_t rec[LEASES_REC_LEN], const struct dhcp_binding *b);
int leases_decode(const uint8_t rec[LEASES_REC_LEN], struct dhcp_binding *b);

#endif
