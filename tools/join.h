/* meshgate join TOKEN: this machine becomes a member of the network that
 * invited it. */
#ifndef MG_TOOLS_JOIN_H
#define MG_TOOLS_JOIN_H

int join_run(int argc, char **argv);

#endif
