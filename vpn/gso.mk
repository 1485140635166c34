# Segmentation offload for the TUN device (virtio_net_hdr): splitting the
# kernel's TCP super-packets and coalescing received segments. Pure code.
vpn_libvpn_a_SOURCES += vpn/gso.c vpn/gso.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_gso tests/unit/test_gso_tun
TESTS += tests/unit/test_gso tests/unit/test_gso_tun

tests_unit_test_gso_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_gso_LDADD = vpn/libvpn.a lib/libmglib.a $(CMOCKA_LIBS)

# Against the kernel's TUN in network namespaces of its own: needs root,
# skips otherwise (fails instead when CI=true).
tests_unit_test_gso_tun_CPPFLAGS = $(AM_CPPFLAGS) $(NL_CFLAGS)
tests_unit_test_gso_tun_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_gso_tun_LDADD = vpn/libvpn.a core/libcore.a core/libloop.a lib/libmglib.a \
	$(NL_LIBS) $(MNL_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_gso
tests_fuzz_fuzz_gso_SOURCES = tests/fuzz/fuzz_gso.c
tests_fuzz_fuzz_gso_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_gso_LDADD = vpn/libvpn.a lib/libmglib.a
endif
EXTRA_DIST += tests/fuzz/corpus/gso
