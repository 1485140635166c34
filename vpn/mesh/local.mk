# vpn/mesh/: membership of the network. Control frames carried inside
# WireGuard sessions, the store of signed records, revocations and
# announcements (and its file), and the gossip that keeps stores equal.
# Pure: no sockets, no event loop.
noinst_LIBRARIES += vpn/mesh/libmesh.a
vpn_mesh_libmesh_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
vpn_mesh_libmesh_a_SOURCES = \
	vpn/mesh/frame.c vpn/mesh/frame.h \
	vpn/mesh/store.c vpn/mesh/store.h \
	vpn/mesh/store_file.c vpn/mesh/store_file.h \
	vpn/mesh/gossip.c vpn/mesh/gossip.h

MESH_LIBS = vpn/mesh/libmesh.a keys/libkeys.a lib/libmglib.a $(SODIUM_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_mesh_frame tests/unit/test_mesh_store \
	tests/unit/test_mesh_gossip
TESTS += tests/unit/test_mesh_frame tests/unit/test_mesh_store tests/unit/test_mesh_gossip

tests_unit_test_mesh_frame_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_mesh_frame_LDADD = $(MESH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_mesh_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_mesh_store_LDADD = $(MESH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_mesh_gossip_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_mesh_gossip_LDADD = $(MESH_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_gossip
tests_fuzz_fuzz_gossip_SOURCES = tests/fuzz/fuzz_gossip.c
tests_fuzz_fuzz_gossip_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_gossip_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_gossip_LDADD = $(MESH_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/gossip
