# keys/: the network key, signed node records, revocations, node
# announcements, invitation tokens and key files. Pure apart from the
# key files; sockets and the gossip that carries these live elsewhere.
noinst_LIBRARIES += keys/libkeys.a
keys_libkeys_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
keys_libkeys_a_SOURCES = \
	keys/wire.c keys/wire.h \
	keys/netkey.c keys/netkey.h \
	keys/record.c keys/record.h \
	keys/revocation.c keys/revocation.h \
	keys/announce.c keys/announce.h \
	keys/token.c keys/token.h \
	keys/keyfile.c keys/keyfile.h \
	keys/state.c keys/state.h

KEYS_LIBS = keys/libkeys.a lib/libmglib.a $(SODIUM_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_record tests/unit/test_token tests/unit/test_keyfile \
	tests/unit/test_state
TESTS += tests/unit/test_record tests/unit/test_token tests/unit/test_keyfile tests/unit/test_state

tests_unit_test_state_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_state_LDADD = $(KEYS_LIBS) $(CMOCKA_LIBS)

tests_unit_test_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_record_LDADD = $(KEYS_LIBS) $(CMOCKA_LIBS)

tests_unit_test_token_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_token_LDADD = $(KEYS_LIBS) $(CMOCKA_LIBS)

tests_unit_test_keyfile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_keyfile_LDADD = $(KEYS_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_record tests/fuzz/fuzz_token
tests_fuzz_fuzz_record_SOURCES = tests/fuzz/fuzz_record.c
tests_fuzz_fuzz_record_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_record_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_record_LDADD = $(KEYS_LIBS)
tests_fuzz_fuzz_token_SOURCES = tests/fuzz/fuzz_token.c
tests_fuzz_fuzz_token_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_token_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_token_LDADD = $(KEYS_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/record tests/fuzz/corpus/token
