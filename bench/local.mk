# bench/: measurements against the alternatives, run by hand (never a pass/fail
# test: these machines are shared). `make bench/aead_bench && bench/aead_bench`.
EXTRA_PROGRAMS = bench/aead_bench
bench_aead_bench_SOURCES = bench/aead_bench.c
bench_aead_bench_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(CRYPTO_CFLAGS)
bench_aead_bench_LDADD = $(SODIUM_LIBS) $(CRYPTO_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/mesh_join.sh
EXTRA_DIST += bench/vrrp_outage.sh
EXTRA_DIST += bench/dns_perf.sh
