# tools/: the meshgate control tool. The socket client is its own file and
# core/control.h gives the request limits; key commands use libsodium.
bin_PROGRAMS += tools/meshgate
tools_meshgate_SOURCES = tools/meshgate.c tools/ctl_client.c tools/ctl_client.h \
	tools/keys.c tools/keys.h tools/init.c tools/init.h tools/join.c tools/join.h \
	tools/setup.c tools/setup.h
tools_meshgate_CPPFLAGS = $(AM_CPPFLAGS) -DSBINDIR='"$(sbindir)"'
tools_meshgate_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tools_meshgate_LDADD = vpn/mesh/libjoin.a keys/libinvites.a keys/libkeys.a lib/libmglib.a \
	$(SODIUM_LIBS)

# genkey/pubkey/genpsk agree with wg(8) byte for byte.
TESTS += tests/unit/test_keys.sh
EXTRA_DIST += tests/unit/test_keys.sh

# Exercises the tool's error messages and exit codes against missing, stale
# and fake sockets.
TESTS += tests/unit/test_tool.sh
EXTRA_DIST += tests/unit/test_tool.sh
