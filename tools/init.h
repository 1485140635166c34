/* meshgate init: a new mesh network with this node as its first member
 * and the holder of its key. */
#ifndef MG_TOOLS_INIT_H
#define MG_TOOLS_INIT_H

int init_run(int argc, char **argv);

#endif
