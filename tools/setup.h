/* What meshgate init and meshgate join share: where the identity and the
 * configuration go, writing the configuration, and starting meshgated. */
#ifndef MG_TOOLS_SETUP_H
#define MG_TOOLS_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "keys/record.h"

struct setup_opts {
	const char *config;          /* the configuration file to write */
	const char *state_dir;
	const char *interface;
	const char *listen_port;
	const char *public_address;  /* comma-separated */
	bool no_start;
};

extern const char setup_options_help[];

void setup_opts_init(struct setup_opts *so);
/* Takes arg (and its value v, NULL at the end) when it is a shared
 * option: the number of arguments used (1 or 2), 0 when not ours, -1
 * (said on stderr) for a missing value. */
int setup_opts_parse(struct setup_opts *so, const char *arg, const char *v);
/* The host name's first label, lower case: the default node name. */
void setup_default_name(char *out, size_t len);
/* Creates the state directory (0700); refuses one holding an identity. */
int setup_prepare_dir(const struct setup_opts *so);
/* Writes a configuration for rec's node in network; an existing file is
 * left alone and what it needs is printed. 0 or -1 (said on stderr). */
int setup_write_config(const struct setup_opts *so, const char *network,
                       const struct record *rec);
/* Starts meshgated on the configuration (systemd's unit when the default
 * configuration is used under systemd), or says how to: the exit code. */
int setup_start(const struct setup_opts *so);

#endif
