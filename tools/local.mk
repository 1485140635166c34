# tools/: the meshgate control tool. It needs only libc: the socket client is
# its own file, core/control.h gives the request limits.
bin_PROGRAMS += tools/meshgate
tools_meshgate_SOURCES = tools/meshgate.c tools/ctl_client.c tools/ctl_client.h

# Exercises the tool's error messages and exit codes against missing, stale
# and fake sockets.
TESTS += tests/unit/test_tool.sh
EXTRA_DIST += tests/unit/test_tool.sh
