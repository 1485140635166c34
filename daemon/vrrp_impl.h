/* The VRRP service's insides, shared by daemon/vrrp.c (routers),
 * daemon/vrrp_spawn.c (track and notify commands) and daemon/vrrp_report.c
 * (`meshgate vrrp`). */
#ifndef MG_DAEMON_VRRP_IMPL_H
#define MG_DAEMON_VRRP_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/log.h"
#include "daemon/conf.h"
#include "daemon/vrrp.h"
#include "vrrp/announce.h"
#include "vrrp/fsm.h"
#include "vrrp/io.h"
#include "vrrp/track.h"

struct loop_fd;
struct loop_timer;
struct vrrp_vip;

/* A command we started; the loop hears of its exit through a pidfd. */
struct child {
	struct vrrp_service *svc;
	struct router *rt;		/* the track command's router; NULL: notify */
	char name[64];			/* the router's, for the log */
	pid_t pid;
	int pidfd;
	struct loop_fd *watch;
	struct child *next;
};

struct timer_ref {
	struct router *rt;
	enum vrrp_timer t;
};

struct router {
	struct vrrp_service *svc;
	struct vrrp_conf conf;
	char name[64];
	sa_family_t family;
	bool running;			/* sockets open, the state machine started */
	bool fault;			/* a weight-0 tracked item fails */
	bool link_down;			/* stopped because its interface went down */
	char waiting[128];		/* why it is not running */
	int ifindex;
	struct mg_addr src;
	struct mg_addr vips[CFG_LIST_MAX];
	bool vip_found[CFG_LIST_MAX];	/* an owner's own address: not ours to remove */
	struct vrrp_fsm fsm;
	struct vrrp_io io;
	struct vrrp_announcer ann;
	struct loop_fd *watch;
	struct loop_timer *timer[VRRP_TIMER_COUNT];
	struct timer_ref tref[VRRP_TIMER_COUNT];
	struct loop_timer *retry;
	struct loop_timer *cmd_timer;
	struct child *cmd;		/* the track command, while it runs */
	struct vrrp_track track;
	int track_ifindex[VRRP_TRACK_MAX];
	struct vrrp_track_result tracked;
	bool vips_held;
	bool resigning;			/* announce short intervals: see stop_router */
	bool ipv6_router;		/* NA Router flag: the host forwards IPv6 */
	uint64_t notify_runs, notify_failed, cmd_runs, cmd_failed, vip_errors;
	struct log_ratelimit rl;
	struct router *next;
};

struct vrrp_service {
	struct loop *loop;
	struct vrrp_vip *vip;
	int ioctl_fd;
	struct router *routers;
	struct child *children;		/* notify commands still running */
};

/* Splits cmd (no shell), appends extra (NULL-terminated, may be NULL) and
 * starts it; its exit is reaped through a pidfd on the loop. For a track
 * command, set ->rt: vrrp_track_result() then gets its status. NULL on
 * failure (logged). */
struct child *vrrp_spawn(struct vrrp_service *s, const char *who, const char *cmd,
			 const char *const *extra);
void vrrp_child_free(struct child *c);

/* The track command of rt exited with status (as waitpid gives it). */
void vrrp_track_result(struct router *rt, int status);

/* "MASTER", "BACKUP", "INIT" or "FAULT". */
const char *vrrp_router_state(const struct router *rt);

#endif
