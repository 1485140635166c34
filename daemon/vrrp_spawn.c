/* Track and notify commands: fork and exec, never a shell, none of our
 * descriptors, signals unblocked; the loop reaps them through pidfds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/loop.h"
#include "daemon/vrrp_impl.h"

#define ARGV_MAX 64

void vrrp_child_free(struct child *c)
{
	if (c->watch)
		loop_fd_del(c->svc->loop, c->watch);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c);
}

static void on_child_exit(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct child *c = arg, **pp;
	int status = 0;

	(void)loop;
	(void)fd;
	(void)events;
	if (waitpid(c->pid, &status, WNOHANG) == 0)
		return;
	if (c->rt) {
		c->rt->cmd = NULL;
		vrrp_track_result(c->rt, status);
	} else {
		for (pp = &c->svc->children; *pp && *pp != c; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = c->next;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_warn("vrrp %s: notify-command %s %d", c->name,
				 WIFEXITED(status) ? "exited with status" : "killed by signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	vrrp_child_free(c);
}

struct child *vrrp_spawn(struct vrrp_service *s, const char *who, const char *cmd,
			   const char *const *extra)
{
	char line[CONF_VRRP_TEXT], why[128], *argv[ARGV_MAX + 8];
	struct child *c;
	sigset_t none;
	int argc, fd;
	pid_t pid;

	snprintf(line, sizeof(line), "%s", cmd);
	argc = vrrp_cmd_split(line, argv, ARGV_MAX, why, sizeof(why));
	if (argc < 0) {
		log_err("vrrp %s: cannot run '%s': %s", who, cmd, why);
		return NULL;
	}
	for (; extra && *extra; extra++)
		argv[argc++] = (char *)*extra;
	argv[argc] = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->svc = s;
	c->pidfd = -1;
	snprintf(c->name, sizeof(c->name), "%s", who);
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls here: the data plane has threads. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		fd = open("/dev/null", O_RDONLY);
		if (fd > 0)
			dup2(fd, 0);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		log_err("vrrp %s: cannot run %s: %s", who, argv[0], strerror(errno));
		free(c);
		return NULL;
	}
	c->pid = pid;
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0 ||
	    loop_fd_add(s->loop, c->pidfd, EPOLLIN, on_child_exit, c, &c->watch) < 0) {
		/* Without a pidfd (Linux < 5.3) nothing would reap it: wait now. */
		log_warn("vrrp %s: cannot watch %s (pid %ld): waiting for it", who, argv[0],
			 (long)pid);
		waitpid(pid, NULL, 0);
		vrrp_child_free(c);
		return NULL;
	}
	return c;
}
