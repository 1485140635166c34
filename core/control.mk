# Structured output (report) and the control socket; the meshgate tool that
# speaks to it is in tools/local.mk.
core_libcore_a_SOURCES += \
	core/report.c core/report.h \
	core/control.c core/control.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_report tests/unit/test_control
TESTS += tests/unit/test_report tests/unit/test_control

tests_unit_test_report_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_report_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=realloc
tests_unit_test_report_LDADD = core/libcore.a lib/libmglib.a $(CMOCKA_LIBS)

# The live tests run the real event loop on a socket in a temporary directory,
# with the meshgate tool's client (and the tool itself, once built) against it.
tests_unit_test_control_SOURCES = tests/unit/test_control.c tools/ctl_client.c
tests_unit_test_control_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_control_LDADD = core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a \
	$(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_control
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz_control.c
tests_fuzz_fuzz_control_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_control_LDADD = core/libcore.a core/libloop.a core/libcore.a lib/libmglib.a
endif
EXTRA_DIST += tests/fuzz/corpus/control
