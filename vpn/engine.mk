# vpn/: the WireGuard engine: device and tables, peers, keypair rotation,
# staging, timers, send and receive paths. Pure like the rest of vpn/.
vpn_libvpn_a_SOURCES += \
	vpn/device.c vpn/device.h vpn/engine.h \
	vpn/index.c vpn/index.h \
	vpn/inner.c vpn/inner.h \
	vpn/ratelimit.c vpn/ratelimit.h \
	vpn/peer.c vpn/keypair.c vpn/staged.c \
	vpn/timers.c vpn/send.c vpn/receive.c

# Two or three engines on a fake network in virtual time; the test hooks
# and the network are compiled into each test, never into libvpn.
MG_WG_TEST_SOURCES = vpn/engine_test.c vpn/engine_test.h \
	tests/fake/fake_wgnet.c tests/fake/fake_wgnet.h
MG_WG_TEST_LIBS = vpn/libvpn.a tests/fake/libfakeloop.a core/libcore.a lib/libmglib.a \
	$(SODIUM_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_wg_engine tests/unit/test_wg_timers \
	tests/unit/test_wg_cookie_load tests/unit/test_wg_malformed
TESTS += tests/unit/test_wg_engine tests/unit/test_wg_timers \
	tests/unit/test_wg_cookie_load tests/unit/test_wg_malformed

tests_unit_test_wg_engine_SOURCES = tests/unit/test_wg_engine.c $(MG_WG_TEST_SOURCES)
tests_unit_test_wg_engine_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_wg_engine_LDADD = $(MG_WG_TEST_LIBS) $(CMOCKA_LIBS)

tests_unit_test_wg_timers_SOURCES = tests/unit/test_wg_timers.c $(MG_WG_TEST_SOURCES)
tests_unit_test_wg_timers_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_wg_timers_LDADD = $(MG_WG_TEST_LIBS) $(CMOCKA_LIBS)

tests_unit_test_wg_cookie_load_SOURCES = tests/unit/test_wg_cookie_load.c $(MG_WG_TEST_SOURCES)
tests_unit_test_wg_cookie_load_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_wg_cookie_load_LDADD = $(MG_WG_TEST_LIBS) $(CMOCKA_LIBS)

# Also writes the wg_rx fuzz seeds when WG_RX_SEED_DIR is set.
tests_unit_test_wg_malformed_SOURCES = tests/unit/test_wg_malformed.c $(MG_WG_TEST_SOURCES) \
	tests/fake/wg_fixture.c tests/fake/wg_fixture.h
tests_unit_test_wg_malformed_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_wg_malformed_LDADD = $(MG_WG_TEST_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_wg_rx
tests_fuzz_fuzz_wg_rx_SOURCES = tests/fuzz/fuzz_wg_rx.c $(MG_WG_TEST_SOURCES) \
	tests/fake/wg_fixture.c tests/fake/wg_fixture.h
tests_fuzz_fuzz_wg_rx_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_wg_rx_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_wg_rx_LDADD = $(MG_WG_TEST_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/wg_rx
