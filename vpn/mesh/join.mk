# Joining with an invitation: the pre-session exchange and the inviter's
# decision (join.c), mesh address allocation (alloc.c), the joiner's side
# as library functions for `meshgate join` (join_client.c), and the
# inviter's invitation files (keys/invites.c, a library of its own so that
# keys/ users need not link vpn/mesh/).
noinst_LIBRARIES += keys/libinvites.a vpn/mesh/libjoin.a
keys_libinvites_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
keys_libinvites_a_SOURCES = keys/invites.c keys/invites.h
vpn_mesh_libjoin_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
vpn_mesh_libjoin_a_SOURCES = \
	vpn/mesh/join.c vpn/mesh/join.h \
	vpn/mesh/alloc.c vpn/mesh/alloc.h \
	vpn/mesh/join_client.c vpn/mesh/join_client.h

JOIN_LIBS = vpn/mesh/libjoin.a keys/libinvites.a keys/libkeys.a lib/libmglib.a $(SODIUM_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_join tests/unit/test_alloc tests/unit/test_invites
TESTS += tests/unit/test_join tests/unit/test_alloc tests/unit/test_invites

tests_unit_test_join_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_join_LDADD = $(JOIN_LIBS) $(CMOCKA_LIBS)

tests_unit_test_alloc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_alloc_LDADD = $(JOIN_LIBS) $(CMOCKA_LIBS)

tests_unit_test_invites_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_invites_LDADD = $(JOIN_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_join
tests_fuzz_fuzz_join_SOURCES = tests/fuzz/fuzz_join.c
tests_fuzz_fuzz_join_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_join_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_join_LDADD = $(JOIN_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/join
