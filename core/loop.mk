# The event loop, the bookkeeping both loops share (timers and their heap,
# descriptor watches, signal handlers), and the virtual-time loop that tests
# link in its place.
MG_LOOP_SHARED = core/timers.c core/timers.h core/timer_heap.c core/timer_heap.h \
	core/watches.c core/watches.h
core_libcore_a_SOURCES += $(MG_LOOP_SHARED)

# Each loop library also carries the shared part, so it links whether it comes
# before or after libcore.a (libcore's control socket needs the loop, the loop
# needs the shared part). The linker takes them from whichever archive it meets
# first while the symbols are still undefined, so there is never a second copy.
noinst_LIBRARIES += core/libloop.a
core_libloop_a_SOURCES = core/loop.c core/loop.h $(MG_LOOP_SHARED)

noinst_LIBRARIES += tests/fake/libfakeloop.a
tests_fake_libfakeloop_a_SOURCES = tests/fake/fake_loop.c tests/fake/fake_loop.h \
	$(MG_LOOP_SHARED)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_timer_heap tests/unit/test_loop tests/unit/test_fake_loop
TESTS += tests/unit/test_timer_heap tests/unit/test_loop tests/unit/test_fake_loop

tests_unit_test_timer_heap_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_timer_heap_LDADD = core/libcore.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_loop_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_loop_LDADD = core/libloop.a core/libcore.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_fake_loop_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_fake_loop_LDADD = tests/fake/libfakeloop.a core/libcore.a lib/libmglib.a \
	$(CMOCKA_LIBS)
endif
