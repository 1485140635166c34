# dhcp/ I/O: the server's sockets on the event loop (UDP on port 67, and
# AF_PACKET for replies to clients without an address). The frame builder
# is pure and unit-tested without root. Also the tests of the daemon's DHCP
# service (daemon/dhcp*.c), its golden configurations and the benchmark.
noinst_LIBRARIES += dhcp/libdhcpio.a
dhcp_libdhcpio_a_SOURCES = \
	dhcp/io.c dhcp/io.h \
	dhcp/raw.c dhcp/raw.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dhcp_raw tests/unit/test_dhcp_build
TESTS += tests/unit/test_dhcp_raw tests/unit/test_dhcp_build

tests_unit_test_dhcp_raw_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_raw_LDADD = dhcp/libdhcpio.a dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)

# The daemon's [dhcp] parsing and the server's configuration built from it.
tests_unit_test_dhcp_build_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_build_LDADD = $(MG_DAEMON_LIBS) $(CMOCKA_LIBS)
endif

# [dhcp] golden configurations (tests/conf/test_golden.sh runs every case).
EXTRA_DIST += tests/conf/dhcp-site/meshgate.conf tests/conf/dhcp-site/expected.out \
	tests/conf/dhcp-errors/meshgate.conf tests/conf/dhcp-errors/expected.err
EXTRA_DIST += bench/dhcp_perf.sh
