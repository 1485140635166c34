# dns/: the pure core of the site resolver: wire format, zones, answers,
# the forwarding cache, split-forwarding rules, rebinding protection and
# the per-query pipeline. No sockets, no event loop. ldns is used at load
# time only (records from config), so programs linking this add $(LDNS_LIBS).
noinst_LIBRARIES += dns/libdns.a
dns_libdns_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
dns_libdns_a_SOURCES = \
	dns/wire.c dns/wire.h \
	dns/hash.c dns/hash.h \
	dns/nameset.c dns/nameset.h \
	dns/rev.c dns/rev.h \
	dns/zone.c dns/zone.h dns/zone_priv.h dns/zone_tree.c \
	dns/zone_dyn.c dns/zone_lookup.c \
	dns/reply.c dns/reply.h \
	dns/answer.c dns/answer.h \
	dns/cache.c dns/cache.h \
	dns/forward.c dns/forward.h \
	dns/rebind.c dns/rebind.h \
	dns/engine.c dns/engine.h

DNS_TEST_LIBS = dns/libdns.a lib/libmglib.a $(LDNS_LIBS) $(CMOCKA_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dns_wire tests/unit/test_dns_nameset tests/unit/test_dns_zone tests/unit/test_dns_answer \
	tests/unit/test_dns_cache tests/unit/test_dns_forward tests/unit/test_dns_rebind \
	tests/unit/test_dns_engine
TESTS += tests/unit/test_dns_wire tests/unit/test_dns_nameset tests/unit/test_dns_zone tests/unit/test_dns_answer \
	tests/unit/test_dns_cache tests/unit/test_dns_forward tests/unit/test_dns_rebind \
	tests/unit/test_dns_engine

tests_unit_test_dns_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_wire_LDADD = $(DNS_TEST_LIBS)

tests_unit_test_dns_nameset_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dns_nameset_LDADD = $(DNS_TEST_LIBS)

tests_unit_test_dns_zone_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_zone_LDADD = $(DNS_TEST_LIBS)

tests_unit_test_dns_answer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_answer_LDADD = $(DNS_TEST_LIBS)

# Counts allocations to show that a cache hit makes none.
tests_unit_test_dns_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_cache_LDADD = $(DNS_TEST_LIBS)
tests_unit_test_dns_cache_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

tests_unit_test_dns_forward_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dns_forward_LDADD = $(DNS_TEST_LIBS)

tests_unit_test_dns_rebind_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dns_rebind_LDADD = $(DNS_TEST_LIBS)

tests_unit_test_dns_engine_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_engine_LDADD = $(DNS_TEST_LIBS)
tests_unit_test_dns_engine_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_dns_query tests/fuzz/fuzz_dns_response
tests_fuzz_fuzz_dns_query_SOURCES = tests/fuzz/fuzz_dns_query.c
tests_fuzz_fuzz_dns_query_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_dns_query_LDADD = dns/libdns.a lib/libmglib.a $(LDNS_LIBS)
tests_fuzz_fuzz_dns_response_SOURCES = tests/fuzz/fuzz_dns_response.c
tests_fuzz_fuzz_dns_response_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_dns_response_LDADD = dns/libdns.a lib/libmglib.a $(LDNS_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/dns_query tests/fuzz/corpus/dns_response
