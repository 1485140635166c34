/* meshgate join TOKEN [options]: asks the inviter named in the token for
 * a record (vpn/mesh/join_client.h), stores the keys and what it got, and
 * writes a configuration that turns membership on. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "lib/addr.h"
#include "tools/join.h"
#include "tools/setup.h"
#include "vpn/mesh/join_client.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: meshgate join TOKEN [options]\n"
	           "  --network NAME    what to call the network here (default: the inviter's name\n"
	           "                    for it)\n"
	           "  --timeout SECS    how long to wait for the inviter (default 30)\n"
	           "%s", setup_options_help);
}

int join_run(int argc, char **argv)
{
	static struct join_result res;          /* large, and holds secrets */
	struct setup_opts so;
	const char *token = NULL, *network = NULL;
	unsigned timeout = 30;
	char err[JOIN_CLIENT_ERR_MAX];
	int r, ret = 1;

	setup_opts_init(&so);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used = setup_opts_parse(&so, a, v);

		if (used < 0)
			return 1;
		if (used > 0) {
			i += used - 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--network") && v) {
			network = v;
			i++;
		} else if (!strcmp(a, "--timeout") && v) {
			if (sscanf(v, "%u", &timeout) != 1 || timeout == 0 || timeout > 3600) {
				fprintf(stderr, "meshgate: --timeout takes seconds, 1 to 3600\n");
				return 1;
			}
			i++;
		} else if (a[0] != '-' && !token) {
			token = a;
		} else {
			fprintf(stderr, "meshgate: unexpected '%s' (see meshgate join --help)\n", a);
			return 1;
		}
	}
	if (!token) {
		usage(stderr);
		return 1;
	}
	if (sodium_init() < 0 || setup_prepare_dir(&so) < 0)
		return 1;
	r = join_client_run(token, timeout * 1000, &res);
	if (r < 0) {
		fprintf(stderr, "meshgate: join failed: %s\n", res.error);
		goto out;
	}
	r = join_client_write_state(so.state_dir, &res, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "meshgate: %s\n", err);
		goto out;
	}
	if (!network)
		network = res.network_name[0] ? res.network_name : "mesh";
	if (setup_write_config(&so, network, &res.record) < 0)
		goto out;
	printf("joined through %s as %s", res.endpoint, res.record.name);
	if (res.record.site[0])
		printf(" (%s of site %s)", res.record.role == RECORD_ROLE_GATEWAY ? "gateway" :
		       "client", res.record.site);
	printf(", mesh address");
	for (int i = 0; i < res.record.n_mesh; i++) {
		char buf[MG_PREFIX_STRLEN];

		printf(" %s", mg_prefix_fmt(&res.record.mesh[i], buf, sizeof(buf)));
	}
	printf("\n");
	ret = setup_start(&so);
out:
	join_result_wipe(&res);
	return ret;
}
