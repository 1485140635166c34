# dns/: the resolver's I/O. Listeners on the loop (UDP in batches, TCP),
# the allow list and per-client rate limit, and forwarding upstream with
# c-ares. Programs linking it add dns/libdns.a, libcore and libloop,
# $(CARES_LIBS) and $(LDNS_LIBS).
noinst_LIBRARIES += dns/libdnsio.a
dns_libdnsio_a_CPPFLAGS = $(AM_CPPFLAGS) $(CARES_CFLAGS)
dns_libdnsio_a_SOURCES = \
	dns/ratelimit.c dns/ratelimit.h \
	dns/server.c dns/server.h dns/server_impl.h dns/server_tcp.c \
	dns/upstream.c dns/upstream.h

DNS_IO_TEST_LIBS = dns/libdnsio.a dns/libdns.a core/libcore.a core/libloop.a core/libcore.a \
	lib/libmglib.a $(CARES_LIBS) $(LDNS_LIBS) $(CMOCKA_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dns_ratelimit tests/unit/test_dns_server
TESTS += tests/unit/test_dns_ratelimit tests/unit/test_dns_server

tests_unit_test_dns_ratelimit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dns_ratelimit_LDADD = dns/libdnsio.a dns/libdns.a lib/libmglib.a $(CMOCKA_LIBS)

# The server on the real loop over loopback sockets, with an upstream
# responder of its own on the same loop.
tests_unit_test_dns_server_CPPFLAGS = $(AM_CPPFLAGS) $(CARES_CFLAGS)
tests_unit_test_dns_server_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_server_LDADD = $(DNS_IO_TEST_LIBS)
endif

# daemon/dns: the service as the daemon drives it (zones from the config,
# the mesh's and DHCP's hooks, reloads), on the real loop.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dns_service
TESTS += tests/unit/test_dns_service
tests_unit_test_dns_service_CPPFLAGS = $(AM_CPPFLAGS) $(CARES_CFLAGS)
tests_unit_test_dns_service_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_dns_service_LDADD = $(MG_DAEMON_LIBS) $(CMOCKA_LIBS)
endif
