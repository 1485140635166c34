#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/state.h"
#include "lib/addr.h"
#include "lib/atomicfile.h"
#include "tools/setup.h"

#define DEFAULT_CONFIG SYSCONFDIR "/meshgate/meshgate.conf"
#define DEFAULT_STATE LOCALSTATEDIR "/lib/meshgate"
#define MESHGATED SBINDIR "/meshgated"

const char setup_options_help[] =
	"  --config PATH     configuration to write (default " DEFAULT_CONFIG ")\n"
	"  --state-dir DIR   keys and state (default " DEFAULT_STATE ")\n"
	"  --interface IF    the mesh interface (default mg0)\n"
	"  --listen-port P   the UDP port (default 51820)\n"
	"  --public-address A[,A]  where other nodes reach this one (announced)\n"
	"  --no-start        write everything but do not start meshgated\n";

void setup_opts_init(struct setup_opts *so)
{
	memset(so, 0, sizeof(*so));
	so->config = DEFAULT_CONFIG;
	so->state_dir = DEFAULT_STATE;
	so->interface = "mg0";
	so->listen_port = "51820";
}

int setup_opts_parse(struct setup_opts *so, const char *arg, const char *v)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
		{ "--config", offsetof(struct setup_opts, config) },
		{ "--state-dir", offsetof(struct setup_opts, state_dir) },
		{ "--interface", offsetof(struct setup_opts, interface) },
		{ "--listen-port", offsetof(struct setup_opts, listen_port) },
		{ "--public-address", offsetof(struct setup_opts, public_address) },
	};

	if (!strcmp(arg, "--no-start")) {
		so->no_start = true;
		return 1;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(arg, opts[i].name))
			continue;
		if (!v) {
			fprintf(stderr, "meshgate: option '%s' needs a value\n", arg);
			return -1;
		}
		*(const char **)((char *)so + opts[i].off) = v;
		return 2;
	}
	return 0;
}

void setup_default_name(char *out, size_t len)
{
	char host[256];
	size_t n = 0;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	for (; host[n] && host[n] != '.' && n + 1 < len; n++)
		out[n] = (host[n] >= 'A' && host[n] <= 'Z') ? (char)(host[n] - 'A' + 'a') : host[n];
	out[n] = '\0';
}

/* mkdir -p, the last component with mode. */
static int make_dirs(const char *dir, mode_t mode)
{
	char p[STATE_PATH_MAX];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, mode) < 0 && errno != EEXIST ? -1 : 0;
}

int setup_prepare_dir(const struct setup_opts *so)
{
	char confdir[STATE_PATH_MAX], *slash;

	if (so->state_dir[0] != '/' || so->config[0] != '/') {
		fprintf(stderr, "meshgate: --state-dir and --config must be absolute paths\n");
		return -1;
	}
	snprintf(confdir, sizeof(confdir), "%s", so->config);
	slash = strrchr(confdir, '/');
	*slash = '\0';
	if (confdir[0] && make_dirs(confdir, 0755) < 0) {
		fprintf(stderr, "meshgate: cannot create %s: %s\n", confdir, strerror(errno));
		return -1;
	}
	if (make_dirs(so->state_dir, 0700) < 0) {
		fprintf(stderr, "meshgate: cannot create %s: %s\n", so->state_dir, strerror(errno));
		return -1;
	}
	if (state_exists(so->state_dir)) {
		fprintf(stderr, "meshgate: %s already holds a node identity; this node is a "
		                "member already (remove the directory's contents to start "
		                "over)\n", so->state_dir);
		return -1;
	}
	return 0;
}

__attribute__((format(printf, 4, 5)))
static int append(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *n)
		return -1;
	*n += (size_t)w;
	return 0;
}

int setup_write_config(const struct setup_opts *so, const char *network,
                       const struct record *rec)
{
	char text[4096], path[STATE_PATH_MAX], pfx[MG_PREFIX_STRLEN];
	size_t n = 0;
	int r = 0;

	state_path(path, so->state_dir, STATE_WG_KEY);
	r |= append(text, sizeof(text), &n, "# Written by meshgate; see meshgate.conf(5).\n"
	            "[node]\nname = %s\nstate-dir = %s\n", rec->name, so->state_dir);
	r |= append(text, sizeof(text), &n, "\n[mesh]\nnetwork = %s\nprivate-key-file = %s\n",
	            network, path);
	r |= append(text, sizeof(text), &n, "interface = %s\nlisten-port = %s\n", so->interface,
	            so->listen_port);
	if (so->public_address) {
		char list[512], *p;

		snprintf(list, sizeof(list), "%s", so->public_address);
		for (p = list; (p = strchr(p, ',')); p++)
			*p = ' ';
		r |= append(text, sizeof(text), &n, "public-address = %s\n", list);
	}
	if (rec->site[0]) {
		r |= append(text, sizeof(text), &n, "\n[site]\nname = %s\n", rec->site);
		if (rec->domain[0])
			r |= append(text, sizeof(text), &n, "domain = %s\n", rec->domain);
		for (int i = 0; i < rec->n_subnets; i++)
			r |= append(text, sizeof(text), &n, "subnet = %s\n",
			            mg_prefix_fmt(&rec->subnets[i], pfx, sizeof(pfx)));
	}
	if (r) {
		fprintf(stderr, "meshgate: the configuration is too long\n");
		return -1;
	}
	r = atomicfile_write(so->config, text, n, 0644, 0);
	if (r == -EEXIST) {
		fprintf(stderr, "meshgate: %s exists and was left alone; it needs:\n%s",
		        so->config, text);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "meshgate: cannot write %s: %s\n", so->config, strerror(-r));
		return -1;
	}
	printf("configuration written to %s\n", so->config);
	return 0;
}

int setup_start(const struct setup_opts *so)
{
	if (so->no_start) {
		printf("start it with: meshgated -c %s\n", so->config);
		return 0;
	}
	fflush(stdout);
	if (!strcmp(so->config, DEFAULT_CONFIG) && access("/run/systemd/system", F_OK) == 0) {
		execlp("systemctl", "systemctl", "enable", "--now", "meshgated", (char *)NULL);
		fprintf(stderr, "meshgate: cannot run systemctl: %s\n", strerror(errno));
		return 1;
	}
	execl(MESHGATED, MESHGATED, "-c", so->config, (char *)NULL);
	/* not installed there: a build tree or another prefix */
	execlp("meshgated", "meshgated", "-c", so->config, (char *)NULL);
	fprintf(stderr, "meshgate: cannot start meshgated: %s (start it with: meshgated -c %s)\n",
	        strerror(errno), so->config);
	return 1;
}
