/* The VRRPv3 state machine of RFC 5798 section 6.4, for one virtual router,
 * as a pure engine: the caller feeds it events with the current time and it
 * answers through callbacks (send, take or drop the addresses, arm timers).
 * Several virtual routers are several instances.
 *
 * Time is in nanoseconds on any monotonic scale (loop_now() in the daemon);
 * protocol intervals are in centiseconds, as on the wire. */
#ifndef MG_VRRP_FSM_H
#define MG_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "vrrp/vrrp.h"

enum vrrp_state {
	VRRP_STATE_INIT = 0,
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
};

enum vrrp_timer {
	VRRP_TIMER_MASTER_DOWN = 0,	/* Backup: the master went silent */
	VRRP_TIMER_ADVER,		/* Master: time to advertise */
	VRRP_TIMER_ANNOUNCE,		/* Master: next gratuitous ARP / NA round */
	VRRP_TIMER_COUNT
};

/* Why the router is in its state: the last transition's cause. */
enum vrrp_why {
	VRRP_WHY_NONE = 0,		/* not started */
	VRRP_WHY_STARTUP,		/* started: Backup until a master is heard or not */
	VRRP_WHY_OWNER,			/* address owner (priority 255): Master at once */
	VRRP_WHY_MASTER_DOWN,		/* no advertisement within the master-down interval */
	VRRP_WHY_MASTER_RESIGNED,	/* the master sent priority 0; took over after skew time */
	VRRP_WHY_PREEMPT,		/* preempted a lower-priority master */
	VRRP_WHY_HIGHER_PRIORITY,	/* heard a master with a higher priority */
	VRRP_WHY_HIGHER_ADDRESS,	/* same priority, higher primary address */
	VRRP_WHY_SHUTDOWN,		/* stopped */
	VRRP_WHY_COUNT
};

/* What became of a received advertisement, for counters. */
enum vrrp_rx_verdict {
	VRRP_ADV_ACCEPTED = 0,		/* from the master we follow, or made us Backup */
	VRRP_ADV_RESIGN,		/* priority 0, acted upon */
	VRRP_ADV_LOWER,			/* lower priority than ours: ignored (we preempt or stay) */
	VRRP_ADV_OWNER,			/* we own the addresses: ignored (RFC 5798 7.1) */
	VRRP_ADV_STOPPED,		/* not running */
	VRRP_ADV_SELF,			/* our own address: looped back */
	VRRP_ADV_FAMILY,		/* source of another family than ours */
	VRRP_ADV_COUNT
};

struct vrrp_fsm_conf {
	uint8_t vrid;
	uint8_t priority;		/* 1..255; 255 = address owner */
	uint16_t adver_int;		/* centiseconds, 1..4095 */
	bool preempt;
	uint32_t preempt_delay_cs;	/* follow a lower-priority master this long; 0: none */
	bool accept_mode;		/* a non-owner Master accepts traffic to the addresses */
	uint16_t announce_count;	/* gratuitous ARP / NA rounds on takeover; 0: none */
	uint32_t announce_interval_cs;	/* between rounds; 0: all at once */
	struct mg_addr primary;		/* our source address: breaks priority ties */
};

struct vrrp_fsm_ops {
	/* Send one advertisement with this priority (0 when resigning). */
	void (*send_advert)(void *ctx, uint8_t priority);
	/* Entered Master: add the virtual addresses. Announcements follow. */
	void (*become_master)(void *ctx);
	/* One round of gratuitous ARPs / unsolicited NAs for the addresses. */
	void (*announce)(void *ctx);
	/* Entered Backup: remove the addresses. Also called at startup, so a
	 * stale address left by a crash goes; must be idempotent. */
	void (*become_backup)(void *ctx);
	/* Stopped (Initialize): remove the addresses; idempotent too. */
	void (*become_init)(void *ctx);
	/* Call vrrp_fsm_timer(t) at deadline (absolute ns); re-arming moves it. */
	void (*timer_arm)(void *ctx, enum vrrp_timer t, uint64_t deadline_ns);
	void (*timer_disarm)(void *ctx, enum vrrp_timer t);
	/* Optional: after every state change (notify commands, logs). */
	void (*transition)(void *ctx, enum vrrp_state from, enum vrrp_state to,
			   enum vrrp_why why);
};

#define VRRP_WHY_PRIO_LEN 64
#define VRRP_HISTORY 8

struct vrrp_transition {
	uint64_t at_ns;
	enum vrrp_state from, to;
	enum vrrp_why why;
	struct mg_addr peer;		/* the master heard, if the cause was one */
	uint8_t peer_priority;
};

/* Everything `meshgate vrrp` shows for one router. */
struct vrrp_status {
	enum vrrp_state state;
	enum vrrp_why why;
	uint8_t priority;		/* current, after tracking */
	char priority_why[VRRP_WHY_PRIO_LEN];
	bool owner;
	bool accepts;			/* vrrp_fsm_accepts() */
	uint16_t master_adver_int;	/* centiseconds, learned in Backup */
	uint32_t skew_cs;
	uint32_t master_down_cs;
	bool master_known;		/* master_addr and master_priority valid */
	struct mg_addr master_addr;	/* ourselves when Master */
	uint8_t master_priority;
	uint64_t preempt_at_ns;		/* preempt delay running until then; 0: not */
	unsigned int n_history;
	struct vrrp_transition history[VRRP_HISTORY];	/* oldest first */
	uint64_t rx[VRRP_ADV_COUNT];	/* advertisements by verdict */
};

/* Treat as opaque: fields may change. */
struct vrrp_fsm {
	struct vrrp_fsm_conf conf;
	const struct vrrp_fsm_ops *ops;
	void *ctx;
	enum vrrp_state state;
	enum vrrp_why why;
	uint8_t priority;
	char priority_why[VRRP_WHY_PRIO_LEN];
	uint16_t master_adver_int;
	uint32_t skew_cs, master_down_cs;
	bool armed[VRRP_TIMER_COUNT];
	uint64_t deadline[VRRP_TIMER_COUNT];
	uint16_t announce_left;
	bool master_known;
	struct mg_addr master_addr;
	uint8_t master_priority;
	bool resigned;			/* the master sent priority 0 */
	bool lower_seen;		/* last advert from a lower-priority master */
	uint64_t preempt_at;		/* 0: no preempt delay running */
	unsigned int hist_head, hist_n;
	struct vrrp_transition hist[VRRP_HISTORY];
	uint64_t rx[VRRP_ADV_COUNT];
};

/* Fills conf with defaults: priority 100, 1 s, preempt, no delay, no accept
 * mode, 5 announcements at once (keepalived's garp_master_repeat). */
void vrrp_fsm_conf_default(struct vrrp_fsm_conf *conf);

/* 0, or -EINVAL for a bad conf (VRID 0, priority 0, interval out of range,
 * primary address neither IPv4 nor IPv6). Starts in Initialize. */
int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *conf,
		  const struct vrrp_fsm_ops *ops, void *ctx);

/* Startup event: the interface is usable. No-op unless in Initialize. */
void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now);

/* Shutdown event: a Master resigns with priority 0. Ends in Initialize. */
void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now);

/* A valid advertisement for our VRID (vrrp_advert_parse() said so). */
enum vrrp_rx_verdict vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
				     uint16_t max_adver_int, const struct mg_addr *src);

/* Timer t reached its deadline. Ignored if it is not armed. */
void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now, enum vrrp_timer t);

/* Tracking changed the priority (1..255; 0 counts as 1). why says what
 * set it ("interface eth1 down -50") and is copied. */
void vrrp_fsm_set_priority(struct vrrp_fsm *f, uint64_t now, uint8_t priority,
			   const char *why);

/* Master and (owner or accept mode): the I/O layer accepts packets sent to
 * the virtual addresses. */
bool vrrp_fsm_accepts(const struct vrrp_fsm *f);

static inline enum vrrp_state vrrp_fsm_state(const struct vrrp_fsm *f)
{
	return f->state;
}

void vrrp_fsm_status(const struct vrrp_fsm *f, struct vrrp_status *out);

const char *vrrp_state_name(enum vrrp_state s);	/* "INIT", "BACKUP", "MASTER" */
const char *vrrp_why_text(enum vrrp_why w);	/* a phrase for status output */
const char *vrrp_verdict_name(enum vrrp_rx_verdict v);

#endif
