# TUN device, interface configuration (libnl-route-3) and the rtnetlink
# monitor (libmnl). Programs linking libcore.a add $(NL_LIBS) $(MNL_LIBS).
core_libcore_a_SOURCES += \
	core/tun.c core/tun.h \
	core/netlink.c core/netlink.h \
	core/nlmon.c core/nlmon.h
core_libcore_a_CPPFLAGS = $(AM_CPPFLAGS) $(NL_CFLAGS) $(MNL_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_nlmon tests/unit/test_netlink
TESTS += tests/unit/test_nlmon tests/unit/test_netlink

tests_unit_test_nlmon_CPPFLAGS = $(AM_CPPFLAGS) $(MNL_CFLAGS)
tests_unit_test_nlmon_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_nlmon_LDADD = core/libcore.a core/libloop.a lib/libmglib.a $(MNL_LIBS) \
	$(CMOCKA_LIBS)

# Needs root: works in network namespaces of its own, skips otherwise
# (fails instead when CI=true).
tests_unit_test_netlink_CPPFLAGS = $(AM_CPPFLAGS) $(NL_CFLAGS) $(MNL_CFLAGS)
tests_unit_test_netlink_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_netlink_LDADD = core/libcore.a core/libloop.a lib/libmglib.a \
	$(NL_LIBS) $(MNL_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_nlmon
tests_fuzz_fuzz_nlmon_SOURCES = tests/fuzz/fuzz_nlmon.c
tests_fuzz_fuzz_nlmon_CPPFLAGS = $(AM_CPPFLAGS) $(MNL_CFLAGS)
tests_fuzz_fuzz_nlmon_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_nlmon_LDADD = core/libcore.a core/libloop.a lib/libmglib.a $(MNL_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/nlmon
