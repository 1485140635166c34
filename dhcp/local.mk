# dhcp/: DHCPv4 wire format, allocator, lease journal and request handler,
# pure: no sockets, no event loop (the lease journal is a file).
noinst_LIBRARIES += dhcp/libdhcp.a
dhcp_libdhcp_a_SOURCES = \
	dhcp/dhcp.h \
	dhcp/wire.c dhcp/wire.h \
	dhcp/options.c dhcp/options.h \
	dhcp/hostname.c dhcp/hostname.h \
	dhcp/fbits.c dhcp/fbits.h \
	dhcp/pool.c dhcp/pool.h dhcp/pool_build.c dhcp/pool_impl.h \
	dhcp/leases.c dhcp/leases.h \
	dhcp/reply.c dhcp/reply.h \
	dhcp/server.c dhcp/server.h

DHCP_TESTS = tests/unit/test_dhcp_wire tests/unit/test_dhcp_hostname \
	tests/unit/test_dhcp_pool tests/unit/test_dhcp_leases tests/unit/test_dhcp_server
if HAVE_CMOCKA
check_PROGRAMS += $(DHCP_TESTS)
TESTS += $(DHCP_TESTS)

tests_unit_test_dhcp_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_wire_LDADD = dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_dhcp_hostname_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_hostname_LDADD = dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_dhcp_pool_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_pool_LDADD = dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_dhcp_leases_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_leases_LDADD = dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_dhcp_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dhcp_server_LDADD = dhcp/libdhcp.a lib/libmglib.a $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_dhcp
tests_fuzz_fuzz_dhcp_SOURCES = tests/fuzz/fuzz_dhcp.c
tests_fuzz_fuzz_dhcp_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_dhcp_LDADD = dhcp/libdhcp.a lib/libmglib.a
endif
EXTRA_DIST += tests/fuzz/corpus/dhcp
