# vpn/: the WireGuard protocol core. Pure: bytes, an injected clock and
# callbacks in; verdicts and bytes out. Sockets and timers live elsewhere.
noinst_LIBRARIES += vpn/libvpn.a
vpn_libvpn_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
vpn_libvpn_a_SOURCES = \
	vpn/messages.c vpn/messages.h \
	vpn/blake2s.c vpn/blake2s.h \
	vpn/tai64n.c vpn/tai64n.h \
	vpn/noise.c vpn/noise.h \
	vpn/aead.c vpn/aead.h \
	vpn/cookie.c vpn/cookie.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_blake2s tests/unit/test_noise tests/unit/test_cookie \
	tests/unit/test_aead
TESTS += tests/unit/test_blake2s tests/unit/test_noise tests/unit/test_cookie tests/unit/test_aead

# The data path's AEAD (OpenSSL) is checked against libsodium's.
tests_unit_test_aead_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_aead_LDADD = vpn/libvpn.a $(SODIUM_LIBS) $(CMOCKA_LIBS)

# BLAKE2s is checked against OpenSSL's.
tests_unit_test_blake2s_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_blake2s_LDADD = vpn/libvpn.a $(CRYPTO_LIBS) $(SODIUM_LIBS) $(CMOCKA_LIBS)

tests_unit_test_noise_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_noise_LDADD = vpn/libvpn.a lib/libmglib.a $(SODIUM_LIBS) $(CMOCKA_LIBS)

tests_unit_test_cookie_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_cookie_LDADD = vpn/libvpn.a lib/libmglib.a $(SODIUM_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_wg_messages
tests_fuzz_fuzz_wg_messages_SOURCES = tests/fuzz/fuzz_wg_messages.c
tests_fuzz_fuzz_wg_messages_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_wg_messages_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_wg_messages_LDADD = vpn/libvpn.a lib/libmglib.a $(SODIUM_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/wg_messages
EXTRA_DIST += tests/unit/wg_kat.py
