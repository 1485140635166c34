/* A pid file held under an flock(2) lock for the daemon's lifetime, so a second
 * instance is refused and a stale file (the lock died with its process) is
 * taken over. */
#ifndef MG_CORE_PIDFILE_H
#define MG_CORE_PIDFILE_H

#include <sys/types.h>

struct pidfile {
	int fd;
	char path[256];
};

/* Creates the parent directory (0755) if missing. -EEXIST with *holder set
 * when another live process holds it. */
int pidfile_acquire(struct pidfile *p, const char *path, pid_t *holder);
/* Rewrites the pid (after daemonizing). */
int pidfile_write(struct pidfile *p);
void pidfile_release(struct pidfile *p);

#endif
