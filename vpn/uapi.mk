# WireGuard's cross-platform configuration protocol ("get=1"/"set=1" text
# on the UAPI socket) without the socket: parser, transaction, formatter.
vpn_libvpn_a_SOURCES += vpn/uapi.c vpn/uapi_format.c vpn/uapi.h vpn/uapi_internal.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_uapi
TESTS += tests/unit/test_uapi

tests_unit_test_uapi_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uapi_LDADD = vpn/libvpn.a lib/libmglib.a $(SODIUM_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_uapi
tests_fuzz_fuzz_uapi_SOURCES = tests/fuzz/fuzz_uapi.c
tests_fuzz_fuzz_uapi_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_uapi_LDADD = vpn/libvpn.a lib/libmglib.a $(SODIUM_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/uapi
