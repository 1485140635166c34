# lib/: prefix trie (allowed IPs) and the anti-replay window.
lib_libmglib_a_SOURCES += lib/trie.c lib/trie.h lib/replay.c lib/replay.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_trie tests/unit/test_replay
TESTS += tests/unit/test_trie tests/unit/test_replay

tests_unit_test_trie_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
# The allocator is wrapped: the test fails allocations and counts blocks.
tests_unit_test_trie_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=free
tests_unit_test_trie_LDADD = lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_replay_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_replay_LDADD = lib/libmglib.a $(CMOCKA_LIBS)
endif
