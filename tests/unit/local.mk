# Unit tests of lib/, the config engine and the daemon's schema.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_addr tests/unit/test_cursor tests/unit/test_base64 \
	tests/unit/test_config tests/unit/test_atomicfile
TESTS += tests/unit/test_addr tests/unit/test_cursor tests/unit/test_base64 tests/unit/test_config \
	tests/unit/test_atomicfile

tests_unit_test_atomicfile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_atomicfile_LDADD = lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_base64_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_base64_LDADD = lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_cursor_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cursor_LDADD = $(CMOCKA_LIBS)

tests_unit_test_addr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_addr_LDADD = lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_config_LDADD = $(MG_DAEMON_LIBS) $(CMOCKA_LIBS)
endif
EXTRA_DIST += tests/unit/testutil.h tests/unit/dns_query.h
