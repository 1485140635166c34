/* Tracking, as keepalived does it: things a virtual router depends on
 * (interfaces, a user's check command, meshgate's own health reports) each
 * carry a weight. A negative weight lowers the priority while the thing
 * fails, a positive one raises it while it works, and weight 0 makes a
 * failure a fault: the router stops (resigns, drops its addresses) until it
 * recovers. Pure: the daemon feeds states in and reads the priority out.
 *
 * Effective priority = base + the weights that apply, clamped to 1..254;
 * an address owner (base 255) keeps 255 whatever the weights say. */
#ifndef MG_VRRP_TRACK_H
#define MG_VRRP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_TRACK_MAX 16
#define VRRP_TRACK_NAME 32
#define VRRP_TRACK_WEIGHT_MAX 254
#define VRRP_TRACK_WHY 64		/* = VRRP_WHY_PRIO_LEN in vrrp/fsm.h */

enum vrrp_track_kind {
	VRRP_TRACK_IFACE = 0,		/* down (or no carrier) fails */
	VRRP_TRACK_COMMAND,		/* non-zero exit status fails */
	VRRP_TRACK_HEALTH,		/* a named hook ("mesh", "dns") reports */
};

struct vrrp_track_item {
	enum vrrp_track_kind kind;
	char name[VRRP_TRACK_NAME];	/* interface, hook name, or "command" */
	int weight;			/* -254..254; 0: a failure is a fault */
	bool ok;			/* starts true: nothing known against it */
};

struct vrrp_track {
	uint8_t base;			/* configured priority, 1..255 */
	unsigned int n;
	struct vrrp_track_item item[VRRP_TRACK_MAX];
};

struct vrrp_track_result {
	uint8_t priority;		/* 1..255 */
	bool fault;			/* a weight-0 item fails */
	char why[VRRP_TRACK_WHY];	/* "configured 150, eth1 down -50" */
};

void vrrp_track_init(struct vrrp_track *t, uint8_t base);

/* Adds one item. -EINVAL for a bad name or weight, -ENOSPC when full,
 * -EEXIST for the same kind and name twice. */
int vrrp_track_add(struct vrrp_track *t, enum vrrp_track_kind kind, const char *name,
		   int weight);

/* Parses "NAME [weight W], NAME [weight W]..." (interfaces or health hooks)
 * and adds each. 0, or -EINVAL / -ENOSPC / -EEXIST with why set to a
 * sentence that says what to write instead. Empty text adds nothing. */
int vrrp_track_parse(struct vrrp_track *t, enum vrrp_track_kind kind, const char *text,
		     char *why, size_t whylen);

/* Parses a weight ("-30", "+10", "0"); 0 or -EINVAL. */
int vrrp_track_parse_weight(const char *s, int *weight);

/* The item of that kind and name is now ok or failing. Returns 1 if that
 * changed something, 0 if not, -ENOENT if no such item is tracked. */
int vrrp_track_set(struct vrrp_track *t, enum vrrp_track_kind kind, const char *name, bool ok);

void vrrp_track_eval(const struct vrrp_track *t, struct vrrp_track_result *out);

/* Splits a command line into argv in place, as a shell would split words
 * but without running one: blanks separate words, '...' is literal, "..."
 * takes \" and \\ escapes. argv is NULL-terminated (max includes the NULL).
 * Returns argc >= 1, or -EINVAL (unbalanced quote, empty, too many words)
 * with why set. */
int vrrp_cmd_split(char *line, char **argv, int max, char *why, size_t whylen);

#endif
