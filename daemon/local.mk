# daemon/: meshgated's main and the wiring between subsystems. Everything but
# main.c is a library so tests can drive the daemon's pieces directly.
noinst_LIBRARIES += daemon/libdaemon.a
daemon_libdaemon_a_SOURCES = \
	daemon/conf.c daemon/conf.h \
	daemon/daemon.c daemon/daemon.h \
	daemon/iface.c daemon/iface.h \
	daemon/status.c \
	daemon/vpn.c daemon/vpn.h
daemon_libdaemon_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)

# libcore uses the loop (control socket, monitor) and the loop uses libcore
# (log, timer heap): libcore is named on both sides of libloop.
MG_DAEMON_LIBS = daemon/libdaemon.a vpn/libvpnio.a vpn/libvpn.a \
	core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a \
	$(INIH_LIBS) $(NL_LIBS) $(MNL_LIBS) $(SODIUM_LIBS) $(CARES_LIBS)

sbin_PROGRAMS += daemon/meshgated
daemon_meshgated_SOURCES = daemon/main.c
daemon_meshgated_LDADD = $(MG_DAEMON_LIBS)
