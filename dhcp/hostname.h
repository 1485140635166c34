/* Client host names (options 12 and 81) made into one DNS label, and the
 * table that says who holds which name.
 *
 * Conflicts: a reservation's name is claimed when the pool is built and
 * is never given to anyone else. Any other name belongs to the first
 * client whose lease claims it, until that lease ends (release, decline,
 * expiry). A later client asking for a name that is held gets no name at
 * all, not "name-2": it keeps its address, the DNS never points the name
 * at the wrong machine, and no name changes behind the operator's back. */
#ifndef MG_DHCP_HOSTNAME_H
#define MG_DHCP_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"

/* The first label of what the client sent (up to a dot or a NUL), ASCII
 * letters lowered, '_' and ' ' turned into '-', anything else but a-z 0-9
 * and '-' left out, cut to 63, without leading or trailing hyphens.
 * 0, or -EINVAL if nothing is left. */
int dhcp_hostname_sanitize(const uint8_t *in, size_t len, char out[DHCP_LABEL_MAX + 1]);

/* Whether s is already a label as dhcp_hostname_sanitize makes them. */
bool dhcp_label_valid(const char *s);

/* Name -> owner (an opaque id, the pool's slot index). The table keeps
 * no copy of names: it asks name_of for the name an owner holds. */
typedef const char *dhcp_name_of_fn(void *ctx, uint32_t owner);
struct dhcp_names;

struct dhcp_names *dhcp_names_new(size_t cap, dhcp_name_of_fn *name_of, void *ctx);
void dhcp_names_free(struct dhcp_names *t);
/* 0 if owner now holds name (or did), -EEXIST if another does, -ENOSPC if
 * cap names are held. */
int dhcp_names_claim(struct dhcp_names *t, const char *name, uint32_t owner);
/* Lets go of name if owner holds it. Call before the owner's name changes. */
void dhcp_names_drop(struct dhcp_names *t, const char *name, uint32_t owner);
/* 0 and *owner, or -ENOENT. */
int dhcp_names_owner(const struct dhcp_names *t, const char *name, uint32_t *owner);
size_t dhcp_names_count(const struct dhcp_names *t);

#endif
