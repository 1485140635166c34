/* The inviter's invitations: one file per invitation,
 * STATE_DIR/invitations/<32 hex digits of the invite id>, mode 0600 in a
 * 0700 directory, each written whole and crash-safely (lib/atomicfile.h).
 *
 * A file is TLV under the rules of keys/record.h, at most INVITE_FILE_MAX
 * bytes:
 *   1    version     1        1
 *   2    id          16       the invite id, as in the file name
 *   3    token       ..1248   the token as printed (token_encode), secret included
 *   4    created_at  8        u64 unix seconds
 *   5    state       1        1 pending, 2 used
 *   6    joiner_wg   32       used only: the joiner's WireGuard public key
 *   7    joiner_node 32       used only: the joiner's Ed25519 node key
 *   8    used_at     8        used only: u64 unix seconds
 *   9    record      ..1200   used only: the record issued, sent again if
 *                             the same joiner asks again
 *   10   subnets     6..288   the site's subnets for a gateway's record; optional
 *   11   domain      1..253   the site's DNS domain for it; optional
 *
 * The files hold the token's secret: they are read back only when their
 * mode gives group and others nothing (-EPERM otherwise, as keyfile.c).
 *
 * One name, one live invitation: invites_create refuses a name that has a
 * pending invitation which has not expired (-EBUSY). Whether the name is
 * already a member is the caller's check (it knows the records). */
#ifndef MG_KEYS_INVITES_H
#define MG_KEYS_INVITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/record.h"
#include "keys/token.h"

#define INVITES_DIR "invitations"
#define INVITE_ID_LEN 16
#define INVITE_ID_HEX (2 * INVITE_ID_LEN)
#define INVITE_VERSION 1
#define INVITE_FILE_MAX 3120
/* Files of invitations expired this long ago go, used or not. */
#define INVITE_PRUNE_AFTER 86400ULL

enum invite_state {
	INVITE_PENDING = 1,
	INVITE_USED = 2,
};

struct invite {
	uint8_t id[INVITE_ID_LEN];
	struct token tok;                        /* name, site, role, expiry, secret... */
	uint64_t created_at;
	uint8_t state;                           /* enum invite_state */
	/* once used */
	uint8_t joiner_wg[32];
	uint8_t joiner_node[NETKEY_PUB_LEN];
	uint64_t used_at;
	size_t record_len;
	uint8_t record[RECORD_WIRE_MAX];
	/* what a gateway's record carries for its site (none for clients) */
	uint8_t n_subnets;
	struct mg_prefix subnets[RECORD_SUBNETS_MAX];
	char domain[WIRE_DOMAIN_MAX + 1];        /* "" for none */
};

/* Pure: the file's bytes. encode: 0, -EINVAL (invalid invitation),
 * -ENOBUFS; decode: 0 or -EINVAL, never reads outside buf. */
int invite_encode(const struct invite *inv, uint8_t *buf, size_t cap, size_t *len);
int invite_decode(const uint8_t *buf, size_t len, struct invite *inv);

/* Stores a new pending invitation for tok under the given id (the caller
 * derives it from the secret). Creates STATE_DIR/invitations if needed.
 * 0, -EBUSY (a pending unexpired invitation for the same name), -EEXIST
 * (that id exists), -EINVAL (invalid token), or what the file system said. */
int invites_create(const char *state_dir, const struct token *tok,
                   const uint8_t id[INVITE_ID_LEN], uint64_t now);
/* The same with the site's subnets and domain for a gateway's record
 * (-EINVAL for a client's invitation that has some). */
int invites_create_site(const char *state_dir, const struct token *tok,
                        const uint8_t id[INVITE_ID_LEN], const struct mg_prefix *subnets,
                        size_t n_subnets, const char *domain, uint64_t now);

/* Reads the invitation named id. 0, -ENOENT, -EPERM (group or others have
 * access), -EINVAL (not an invitation file, or one of another id). */
int invites_find_by_id(const char *state_dir, const uint8_t id[INVITE_ID_LEN],
                       struct invite *inv);

/* Records that the joiner with these keys was issued rec (its bytes) and
 * rewrites the file; inv is updated. 0, -EALREADY (already used), -EINVAL
 * (record too long) or what the file system said. */
int invites_mark_used(const char *state_dir, struct invite *inv,
                      const uint8_t joiner_wg[32], const uint8_t joiner_node[NETKEY_PUB_LEN],
                      const uint8_t *rec, size_t rec_len, uint64_t now);

/* Removes the files of invitations that expired INVITE_PRUNE_AFTER or more
 * before now, used ones too. Files that do not read as invitations are
 * left alone and counted in *bad. 0 or -errno of the directory. */
int invites_prune(const char *state_dir, uint64_t now, size_t *removed, size_t *bad);

/* Calls fn for every readable invitation, in id order; stops at the first
 * non-zero return and returns it. Unreadable files are counted in *bad
 * (may be NULL). 0 with nothing called when the directory does not exist. */
typedef int (*invites_each_fn)(void *ctx, const struct invite *inv);
int invites_list(const char *state_dir, invites_each_fn fn, void *ctx, size_t *bad);

/* The file name of an id: 32 lower-case hex digits and a NUL. */
void invite_id_hex(const uint8_t id[INVITE_ID_LEN], char out[INVITE_ID_HEX + 1]);
/* 0 or -EINVAL. */
int invite_id_parse(const char *hex, uint8_t id[INVITE_ID_LEN]);

bool invite_expired(const struct invite *inv, uint64_t now);
/* Wipes the whole invitation (it holds the secret). */
void invite_wipe(struct invite *inv);

#endif
