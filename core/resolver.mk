# Asynchronous host name resolution (c-ares) on the event loop. Programs that
# call it link $(CARES_LIBS) after libcore.a.
core_libcore_a_SOURCES += core/resolver.c core/resolver.h
core_libcore_a_CPPFLAGS += $(CARES_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_resolver
TESTS += tests/unit/test_resolver

# The real loop with a DNS responder on 127.0.0.1 inside the test; the
# resolver is pointed at it and at nothing else.
tests_unit_test_resolver_CPPFLAGS = $(AM_CPPFLAGS) $(CARES_CFLAGS)
tests_unit_test_resolver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_resolver_LDADD = core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a \
	$(CARES_LIBS) $(CMOCKA_LIBS)
endif
