/* meshgate init NETWORK --mesh-range 10.77.0.0/16[,fd77::/48] [options]:
 * creates the network key, this node's keys and its record (the first
 * address of each range), and a configuration that turns membership on.
 * Nothing is replaced: an existing identity stops it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "keys/state.h"
#include "lib/addr.h"
#include "tools/init.h"
#include "tools/setup.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: meshgate init NETWORK --mesh-range PREFIX[,PREFIX] [options]\n"
	           "  --mesh-range R    the mesh's addresses: an IPv4 prefix and/or an IPv6 one,\n"
	           "                    like 10.77.0.0/16,fd77::/48\n"
	           "  --name N          this node's name (default: the host name)\n"
	           "  --site S          its site: it becomes a gateway of S\n"
	           "  --subnet CIDR     a subnet of the site (repeatable; gateways)\n"
	           "  --domain D        the site's DNS domain (gateways)\n"
	           "%s", setup_options_help);
}

/* The first host of a range, keeping its length: 10.77.0.0/16 -> 10.77.0.1/16. */
static int first_host(const char *s, struct mg_prefix *out)
{
	struct mg_prefix p;
	size_t n;

	if (mg_prefix_parse(s, false, &p) < 0)
		return -EINVAL;
	n = mg_addr_len(&p.addr);
	if ((p.addr.family == AF_INET && p.len > 30) || (p.addr.family == AF_INET6 && p.len > 126))
		return -ERANGE;
	p.addr.u.bytes[n - 1] |= 1;
	*out = p;
	return 0;
}

static int parse_ranges(char *arg, struct record *rec)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		int r;

		if (rec->n_mesh == RECORD_MESH_MAX) {
			fprintf(stderr, "meshgate: --mesh-range takes at most %d prefixes\n",
			        RECORD_MESH_MAX);
			return -EINVAL;
		}
		r = first_host(tok, &rec->mesh[rec->n_mesh]);
		if (r < 0) {
			fprintf(stderr, "meshgate: --mesh-range '%s': %s\n", tok, r == -ERANGE ?
			        "too narrow for a network of nodes" :
			        "expected a network like 10.77.0.0/16 or fd77::/48");
			return r;
		}
		rec->n_mesh++;
	}
	return 0;
}

int init_run(int argc, char **argv)
{
	struct setup_opts so;
	struct record rec;
	uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];
	uint8_t node_sec[NETKEY_SECRET_LEN], wg_priv[32];
	uint8_t wire[RECORD_WIRE_MAX];
	const char *network = NULL;
	char *ranges = NULL;
	size_t len;
	int r, ret = 1;

	memset(&rec, 0, sizeof(rec));
	setup_opts_init(&so);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used = setup_opts_parse(&so, a, v);

		if (used < 0)
			return 1;
		if (used > 0) {
			i += used - 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-') {
			if (network) {
				fprintf(stderr, "meshgate: init takes one network name\n");
				return 1;
			}
			network = a;
			continue;
		}
		if (!v) {
			fprintf(stderr, "meshgate: option '%s' needs a value (see meshgate init "
			                "--help)\n", a);
			return 1;
		}
		i++;
		if (!strcmp(a, "--mesh-range")) {
			ranges = argv[i];
		} else if (!strcmp(a, "--name")) {
			snprintf(rec.name, sizeof(rec.name), "%s", v);
		} else if (!strcmp(a, "--site")) {
			snprintf(rec.site, sizeof(rec.site), "%s", v);
		} else if (!strcmp(a, "--domain")) {
			snprintf(rec.domain, sizeof(rec.domain), "%s", v);
		} else if (!strcmp(a, "--subnet")) {
			if (rec.n_subnets == RECORD_SUBNETS_MAX ||
			    mg_prefix_parse(v, false, &rec.subnets[rec.n_subnets]) < 0) {
				fprintf(stderr, "meshgate: --subnet '%s': expected a network like "
				                "192.168.1.0/24 (at most %d)\n", v, RECORD_SUBNETS_MAX);
				return 1;
			}
			rec.n_subnets++;
		} else {
			fprintf(stderr, "meshgate: unknown option '%s' (see meshgate init --help)\n", a);
			return 1;
		}
	}
	if (!network || !ranges) {
		usage(stderr);
		return 1;
	}
	if (!wire_label_valid(network)) {
		fprintf(stderr, "meshgate: network name '%s': use a-z, 0-9 and '-'\n", network);
		return 1;
	}
	if (parse_ranges(ranges, &rec) < 0)
		return 1;
	if (!rec.name[0])
		setup_default_name(rec.name, sizeof(rec.name));
	rec.role = rec.site[0] ? RECORD_ROLE_GATEWAY : RECORD_ROLE_CLIENT;
	rec.sequence = 1;
	rec.issued_at = (uint64_t)time(NULL);
	rec.expires_at = rec.issued_at + RECORD_LIFETIME;
	if (sodium_init() < 0)
		return 1;
	netkey_generate(net_pub, net_sec);
	netkey_generate(rec.node_key, node_sec);
	randombytes_buf(wg_priv, sizeof(wg_priv));
	wg_priv[0] &= 248;                      /* clamped, as wg genkey writes it */
	wg_priv[31] = (uint8_t)((wg_priv[31] & 127) | 64);
	crypto_scalarmult_curve25519_base(rec.wg_key, wg_priv);
	if (record_sign(&rec, net_sec) < 0 || record_encode(&rec, wire, sizeof(wire), &len) < 0) {
		fprintf(stderr, "meshgate: these settings do not make a valid record: names are "
		                "a-z 0-9 '-', a gateway needs --site, and only gateways carry "
		                "--subnet and --domain\n");
		goto out;
	}
	r = setup_prepare_dir(&so);
	if (r < 0)
		goto out;
	if ((r = state_write_network_pub(so.state_dir, net_pub)) < 0 ||
	    (r = state_write_network_key(so.state_dir, net_sec)) < 0 ||
	    (r = state_write_node_key(so.state_dir, node_sec)) < 0 ||
	    (r = state_write_wg_key(so.state_dir, wg_priv)) < 0 ||
	    (r = state_write_record(so.state_dir, wire, len)) < 0) {
		fprintf(stderr, "meshgate: writing %s: %s\n", so.state_dir, strerror(-r));
		goto out;
	}
	if (setup_write_config(&so, network, &rec) < 0)
		goto out;
	printf("network %s created; this node is %s, %s%s%s, mesh address", network, rec.name,
	       rec.role == RECORD_ROLE_GATEWAY ? "gateway of site " : "a client",
	       rec.site, "");
	for (int i = 0; i < rec.n_mesh; i++) {
		char buf[MG_PREFIX_STRLEN];

		printf(" %s", mg_prefix_fmt(&rec.mesh[i], buf, sizeof(buf)));
	}
	printf("\nthe network key is in %s/%s: this node can invite others "
	       "(meshgate invite NAME)\n", so.state_dir, STATE_NETWORK_KEY);
	ret = setup_start(&so);
out:
	sodium_memzero(net_sec, sizeof(net_sec));
	sodium_memzero(node_sec, sizeof(node_sec));
	sodium_memzero(wg_priv, sizeof(wg_priv));
	return ret;
}
