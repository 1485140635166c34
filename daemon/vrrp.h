/* meshgated's VRRP service: one virtual router per [vrrp] section, each a
 * vrrp/fsm state machine driven by the loop's timers, speaking through
 * vrrp/io, holding its addresses through vrrp/vip and announcing them with
 * vrrp/announce when it becomes master. Tracking (vrrp/track) moves its
 * priority; a tracked failure of weight 0, or its own interface going down,
 * is a fault: the router stops until it clears. Notify commands run on
 * every state change with keepalived's arguments: INSTANCE NAME STATE
 * PRIORITY, STATE one of MASTER, BACKUP, FAULT, STOP.
 *
 * A router waits (and retries every second) while its interface is absent,
 * down, or has no address to speak from. */
#ifndef MG_DAEMON_VRRP_H
#define MG_DAEMON_VRRP_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/conf.h"

struct control;
struct loop;
struct nlmon_event;
struct report;
struct vrrp_service;

/* Removes the virtual addresses an earlier run left (see vrrp/vip.h) and
 * starts c's routers. NULL *out and 0 when c has no [vrrp]. 0 or -errno. */
int vrrp_service_new(struct loop *loop, const struct mg_conf *c, struct vrrp_service **out);

/* Clean stop: every master resigns at once (priority 0), every virtual
 * address is removed. NULL is fine. */
void vrrp_service_free(struct vrrp_service *s);

/* Applies next: unchanged routers go on undisturbed; changed ones stop (as
 * above) and start again; new ones start; removed ones stop. With *s NULL
 * and [vrrp] sections in next, the service is created. */
int vrrp_service_reload(struct vrrp_service **s, struct loop *loop, const struct mg_conf *next);

/* Link events, for the routers' interfaces and track-interface. */
void vrrp_service_netlink(struct vrrp_service *s, const struct nlmon_event *ev);

/* meshgate's own health hooks ("mesh", "dns") for track-health. */
void vrrp_service_health(struct vrrp_service *s, const char *hook, bool ok);
/* Whether any virtual router is master (false for NULL). */
bool vrrp_service_master(const struct vrrp_service *s);

/* The `vrrp` control command, answering from *s (NULL: no routers), so a
 * reload that creates or frees the service needs no new registration. */
int vrrp_service_register(struct vrrp_service **s, struct control *ctl);

/* One line for `meshgate status`: "2 routers: lan4 MASTER, lan6 BACKUP". */
void vrrp_service_status_line(const struct vrrp_service *s, char *buf, size_t len);

#endif
