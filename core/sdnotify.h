/* systemd's readiness protocol (sd_notify(3)), without linking libsystemd:
 * one datagram to $NOTIFY_SOCKET. A no-op when not run by systemd. */
#ifndef MG_CORE_SDNOTIFY_H
#define MG_CORE_SDNOTIFY_H

int sdnotify(const char *state);   /* "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..." */

#endif
