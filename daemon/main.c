/* meshgated: command line, configuration check, daemonizing, and the run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/conf.h"
#include "daemon/daemon.h"

#define DEFAULT_CONFIG SYSCONFDIR "/meshgate/meshgate.conf"

struct options {
	const char *config;
	bool foreground;
	bool check;
	bool print;
	bool debug;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: meshgated [options]\n"
	        "  -c, --config FILE    configuration file (default %s);\n"
	        "                       FILE's directory's conf.d/*.conf are read after it\n"
	        "  -f, --foreground     stay in the foreground, log to stderr (for systemd)\n"
	        "  -t, --check-config   check the configuration and exit 0 (valid) or 1\n"
	        "  -p, --print-config   print the configuration in force, defaults included\n"
	        "  -d, --debug          log at debug level\n"
	        "  -V, --version        print the version\n"
	        "  -h, --help           this text\n",
	        DEFAULT_CONFIG);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "print-config", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:ftpdVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 't': o->check = true; break;
		case 'p': o->print = true; break;
		case 'd': o->debug = true; break;
		case 'V': printf("meshgated %s\n", PACKAGE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "meshgated: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void print_error(void *arg, const char *file, unsigned line, const char *msg)
{
	if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static int check_config(const struct options *o, struct mg_conf *conf)
{
	int errors = conf_load(conf, o->config, print_error, NULL);

	if (errors) {
		fprintf(stderr, "meshgated: %s: %d error%s\n", o->config, errors,
		        errors == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

/* Classic double fork; the first parent waits until the daemon says it is
 * ready (or dies), so the exit status of `meshgated` tells whether it started. */
static int daemonize(int *ready_fd)
{
	int p[2];
	char ok = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		ssize_t n = read(p[0], &ok, 1);
		_exit(n == 1 && ok == 'R' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	umask(022);
	*ready_fd = p[1];
	return 0;
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

int main(int argc, char **argv)
{
	static struct mg_conf conf;
	static struct daemon d;
	struct options o = { 0 };
	enum log_level level;
	int ready_fd = -1;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.check || o.print) {
		r = check_config(&o, &conf);
		if (r == 0 && o.print)
			cfg_print(&conf_schema, &conf, stdout);
		return r;
	}
	if (conf_load(&conf, o.config, print_error, NULL) > 0) {
		fprintf(stderr, "meshgated: not started: fix the configuration (check it with "
		        "meshgated --check-config -c %s)\n", o.config);
		return 1;
	}
	level = o.debug ? LOG_LVL_DEBUG : (enum log_level)conf.node.log_level;
	log_setup(conf.node.log_target == CONF_LOG_SYSLOG ? LOG_TO_SYSLOG : LOG_TO_STDERR, level,
	          "meshgated");
	if (!o.foreground && daemonize(&ready_fd) < 0) {
		log_err("cannot daemonize: %s", strerror(errno));
		return 1;
	}
	d.log_level_forced = o.debug;
	r = daemon_start(&d, &conf, o.config);
	if (r < 0) {
		log_err("not started");
		daemon_stop(&d);
		return 1;
	}
	if (ready_fd >= 0) {
		if (conf.node.log_target != CONF_LOG_STDERR)
			log_setup(LOG_TO_SYSLOG, level, "meshgated");
		detach_stdio();
		pidfile_write(&d.pid);
		if (write(ready_fd, "R", 1) != 1)
			log_warn("cannot tell the starting process that meshgated is ready");
		close(ready_fd);
	}
	r = daemon_run(&d);
	daemon_stop(&d);
	log_notice("stopped");
	return r < 0 ? 1 : 0;
}
