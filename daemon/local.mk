# daemon/: meshgated's main and the wiring between subsystems. Everything but
# main.c is a library so tests can drive the daemon's pieces directly.
noinst_LIBRARIES += daemon/libdaemon.a
daemon_libdaemon_a_SOURCES = \
	daemon/conf.c daemon/conf.h daemon/conf_where.c daemon/conf_where.h \
	daemon/daemon.c daemon/daemon.h \
	daemon/dns.c daemon/dns.h daemon/dns_impl.h daemon/dns_zones.c daemon/dns_report.c \
	daemon/dhcp.c daemon/dhcp.h daemon/dhcp_impl.h daemon/dhcp_conf.c daemon/dhcp_check.c \
	daemon/dhcp_report.c \
	daemon/iface.c daemon/iface.h \
	daemon/member.c daemon/member.h daemon/member_impl.h \
	daemon/member_addrs.c daemon/member_ctl.c daemon/member_join.c daemon/member_peers.c \
	daemon/mesh_learn.c daemon/mesh_learn.h \
	daemon/reresolve.c daemon/reresolve.h \
	daemon/status.c \
	daemon/uapi_server.c daemon/uapi_server.h \
	daemon/vpn.c daemon/vpn.h daemon/vpn_impl.h \
	daemon/vpn_endpoint.c \
	daemon/vpn_report.c \
	daemon/vpn_uapi.c \
	daemon/vrrp.c daemon/vrrp.h daemon/vrrp_impl.h \
	daemon/vrrp_report.c daemon/vrrp_spawn.c
daemon_libdaemon_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS) $(CARES_CFLAGS)

# libcore uses the loop (control socket, monitor) and the loop uses libcore
# (log, timer heap): libcore is named on both sides of libloop.
MG_DAEMON_LIBS = daemon/libdaemon.a vpn/mesh/libjoin.a vpn/mesh/libmesh.a keys/libinvites.a \
	keys/libkeys.a vrrp/libvrrpio.a vrrp/libvrrp.a dhcp/libdhcpio.a dhcp/libdhcp.a \
	dns/libdnsio.a dns/libdns.a vpn/libvpnio.a vpn/libvpn.a \
	core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a \
	$(INIH_LIBS) $(NL_LIBS) $(MNL_LIBS) $(SODIUM_LIBS) $(CARES_LIBS) \
	$(LDNS_LIBS)

sbin_PROGRAMS += daemon/meshgated
daemon_meshgated_SOURCES = daemon/main.c
daemon_meshgated_LDADD = $(MG_DAEMON_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_uapi_server tests/unit/test_reresolve \
	tests/unit/test_mesh_learn
TESTS += tests/unit/test_uapi_server tests/unit/test_reresolve tests/unit/test_mesh_learn

tests_unit_test_uapi_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uapi_server_LDADD = daemon/libdaemon.a vpn/libvpn.a \
	core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a $(SODIUM_LIBS) $(CMOCKA_LIBS)

tests_unit_test_reresolve_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_reresolve_LDADD = daemon/libdaemon.a $(CMOCKA_LIBS)

# mesh_learn.c on its own: the test fakes the DNS service it names members in.
tests_unit_test_mesh_learn_SOURCES = tests/unit/test_mesh_learn.c daemon/mesh_learn.c
tests_unit_test_mesh_learn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mesh_learn_LDADD = lib/libmglib.a $(CMOCKA_LIBS)
endif
