# The event loop, its timer heap, and the virtual-time loop that tests link in
# its place.
core_libcore_a_SOURCES += core/timer_heap.c core/timer_heap.h

# Each loop library also carries the heap, so it links whether it comes before
# or after libcore.a (libcore's control socket needs the loop, the loop needs
# the heap). The linker takes the heap from whichever archive it meets first
# while the symbols are still undefined, so there is never a second copy.
noinst_LIBRARIES += core/libloop.a
core_libloop_a_SOURCES = core/loop.c core/loop.h core/timer_heap.c core/timer_heap.h

noinst_LIBRARIES += tests/fake/libfakeloop.a
tests_fake_libfakeloop_a_SOURCES = tests/fake/fake_loop.c tests/fake/fake_loop.h \
	core/timer_heap.c core/timer_heap.h

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
