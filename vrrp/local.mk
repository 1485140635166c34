# vrrp/: VRRPv3 advertisements and the RFC 5798 state machine, pure: no
# sockets, no netlink, no event loop.
noinst_LIBRARIES += vrrp/libvrrp.a
vrrp_libvrrp_a_SOURCES = \
	vrrp/vrrp.h \
	vrrp/wire.c vrrp/wire.h \
	vrrp/fsm.c vrrp/fsm.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_vrrp_wire tests/unit/test_vrrp_fsm
TESTS += tests/unit/test_vrrp_wire tests/unit/test_vrrp_fsm

tests_unit_test_vrrp_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vrrp_wire_LDADD = vrrp/libvrrp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_vrrp_fsm_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vrrp_fsm_LDADD = vrrp/libvrrp.a lib/libmglib.a $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_vrrp
tests_fuzz_fuzz_vrrp_SOURCES = tests/fuzz/fuzz_vrrp.c
tests_fuzz_fuzz_vrrp_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vrrp_LDADD = vrrp/libvrrpio.a vrrp/libvrrp.a lib/libmglib.a
endif
EXTRA_DIST += tests/fuzz/corpus/vrrp
