/* meshgate: ask the running meshgated through its control socket. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/control.h"
#include "tools/ctl_client.h"
#include "tools/init.h"
#include "tools/join.h"
#include "tools/keys.h"

#define DEFAULT_SOCKET RUNSTATEDIR "/meshgate/control.sock"
#define TIMEOUT_MS 10000

struct opts {
	const char *socket;
	bool json;
};

struct subcommand {
	const char *name;
	const char *help;
	int (*run)(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);
};

static int ask_daemon(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);
static int show_help(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);
static int key_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);
static int init_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);
static int join_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv);

/* Commands meshgated answers, and local ones: one line each. */
static const struct subcommand subcommands[] = {
	{ "status", "show this node, its interface, reload state and subsystems", ask_daemon },
	{ "peers", "list the WireGuard peers: endpoint, handshake, transfer, as wg show", ask_daemon },
	{ "vrrp", "show each virtual router: state, priority and why, master, transitions",
	  ask_daemon },
	{ "nodes", "list the mesh's members: site, addresses, subnets, record age", ask_daemon },
	{ "leases", "list the DHCP leases: address, MAC, name, expiry, state", ask_daemon },
	{ "dns", "[flush]: show zones, forwarding rules, upstream, cache; flush: empty the cache",
	  ask_daemon },
	{ "invite", "NAME [--site S] [--expires 1h]: print a one-time join token (key holders)",
	  ask_daemon },
	{ "revoke", "NAME: cut a member off the mesh for good", ask_daemon },
	{ "renew", "[NAME]: sign records again for another year (key holders)", ask_daemon },
	{ "init", "NETWORK --mesh-range R: create a mesh network with this node in it",
	  init_command },
	{ "join", "TOKEN: become a member of the network that invited this node", join_command },
	{ "genkey", "print a new private key (base64, as wg genkey)", key_command },
	{ "pubkey", "read a private key on stdin, print its public key", key_command },
	{ "genpsk", "print a new pre-shared key", key_command },
	{ "help", "show this help", show_help },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: meshgate [-s PATH] [--json] <command> [arguments]\n"
	           "       meshgate --version\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\nOptions:\n"
	           "  -s, --socket PATH  control socket (default %s,\n"
	           "                     or $MESHGATE_CONTROL_SOCKET)\n"
	           "  --json             machine-readable output, on every command\n"
	           "  -h, --help         show this help\n"
	           "  --version          show the version\n"
	           "Without a command, meshgate shows the status.\n", DEFAULT_SOCKET);
}

static int show_help(const struct subcommand *cmd, const struct opts *o, int argc, char **argv)
{
	usage(stdout);
	return 0;
}

/* Key commands work without a daemon, like wg genkey. */
static int key_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv)
{
	if (argc > 0) {
		fprintf(stderr, "meshgate: %s takes no arguments\n", cmd->name);
		return 1;
	}
	if (strcmp(cmd->name, "genkey") == 0)
		return keys_genkey(stdout);
	if (strcmp(cmd->name, "genpsk") == 0)
		return keys_genpsk(stdout);
	return keys_pubkey(stdin, stdout);
}

static int init_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv)
{
	(void)cmd;
	(void)o;
	return init_run(argc, argv);
}

static int join_command(const struct subcommand *cmd, const struct opts *o, int argc, char **argv)
{
	(void)cmd;
	(void)o;
	return join_run(argc, argv);
}

static void connect_error(const char *path, int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		fprintf(stderr, "meshgate: meshgated is not running (no control socket at %s)\n", path);
		break;
	case -ECONNREFUSED:
		fprintf(stderr, "meshgate: meshgated is not running (stale socket at %s)\n", path);
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "meshgate: permission denied on %s: run as root or as a member of "
		                "group meshgate\n", path);
		break;
	case -ETIMEDOUT:
		fprintf(stderr, "meshgate: meshgated did not answer within %d seconds on %s\n",
		        TIMEOUT_MS / 1000, path);
		break;
	default:
		fprintf(stderr, "meshgate: cannot talk to meshgated at %s: %s\n", path,
		        strerror(-err));
	}
}

/* Sends "<command> [args] [--json]\n" and prints the body of the answer. */
static int ask_daemon(const struct subcommand *cmd, const struct opts *o, int argc, char **argv)
{
	char req[CONTROL_MAX_REQUEST + 1], *resp = NULL;
	size_t n, len = 0;
	int ret;

	n = (size_t)snprintf(req, sizeof(req), "%s", cmd->name);
	for (int i = 0; i < argc && n < sizeof(req); i++) {
		for (const char *p = argv[i]; *p; p++) {
			if (*p <= ' ' || *p > '~') {
				fprintf(stderr, "meshgate: argument '%s' must be printable ASCII "
				                "without spaces\n", argv[i]);
				return 1;
			}
		}
		n += (size_t)snprintf(req + n, sizeof(req) - n, " %s", argv[i]);
	}
	if (n < sizeof(req))
		n += (size_t)snprintf(req + n, sizeof(req) - n, "%s\n", o->json ? " --json" : "");
	if (n >= sizeof(req)) {
		fprintf(stderr, "meshgate: request too long\n");
		return 1;
	}
	ret = ctl_request(o->socket, req, TIMEOUT_MS, &resp, &len);
	if (ret < 0) {
		connect_error(o->socket, ret);
		return 1;
	}
	ret = 1;
	if (len >= 3 && memcmp(resp, "OK\n", 3) == 0) {
		if (fwrite(resp + 3, 1, len - 3, stdout) == len - 3 && fflush(stdout) == 0)
			ret = 0;
		else
			fprintf(stderr, "meshgate: writing output: %s\n", strerror(errno));
	} else if (len >= 4 && memcmp(resp, "ERR ", 4) == 0) {
		fprintf(stderr, "meshgate: %.*s\n", (int)strcspn(resp + 4, "\n"), resp + 4);
	} else if (len == 0) {
		fprintf(stderr, "meshgate: meshgated closed the connection without answering\n");
	} else {
		fprintf(stderr, "meshgate: unexpected answer from meshgated at %s\n", o->socket);
	}
	free(resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { .socket = getenv("MESHGATE_CONTROL_SOCKET") };
	const struct subcommand *cmd = NULL;
	const char *name = "status";
	int i, nargs = 0;

	if (!o.socket || !o.socket[0])
		o.socket = DEFAULT_SOCKET;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) {
			if (++i == argc) {
				fprintf(stderr, "meshgate: option '%s' needs a path\n", a);
				return 1;
			}
			o.socket = argv[i];
		} else if (strncmp(a, "--socket=", 9) == 0) {
			o.socket = a + 9;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("meshgate %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			fprintf(stderr, "meshgate: unknown option '%s' (see meshgate --help)\n", a);
			return 1;
		}
	}
	if (i < argc)
		name = argv[i++];
	for (size_t k = 0; k < sizeof(subcommands) / sizeof(subcommands[0]); k++)
		if (strcmp(name, subcommands[k].name) == 0)
			cmd = &subcommands[k];
	if (!cmd) {
		fprintf(stderr, "meshgate: unknown command '%s' (see meshgate --help)\n", name);
		return 1;
	}
	/* --json may follow the command too; the rest are its arguments. */
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
		else
			argv[1 + nargs++] = argv[i];
	}
	return cmd->run(cmd, &o, nargs, argv + 1);
}
