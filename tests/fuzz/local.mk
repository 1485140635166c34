# libFuzzer targets (./configure --enable-fuzzing CC=clang). Each reads
# tests/fuzz/corpus/NAME/ as its seeds; tests/fuzz/run.sh runs them for a while.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = $(MG_DAEMON_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/config tests/fuzz/run.sh
