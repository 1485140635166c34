# vpn/: the data plane's I/O: the TUN device and the UDP sockets on the
# event loop. A library of its own, so the pure engine's tests never link
# a socket; the batching helpers are pure and live in libvpn.
vpn_libvpn_a_SOURCES += vpn/io_batch.c vpn/io_batch.h

noinst_LIBRARIES += vpn/libvpnio.a
vpn_libvpnio_a_CPPFLAGS = $(AM_CPPFLAGS) $(SODIUM_CFLAGS)
vpn_libvpnio_a_SOURCES = vpn/io.c vpn/io.h vpn/io_impl.h vpn/udp.c vpn/tun_io.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_io_batch
TESTS += tests/unit/test_io_batch

tests_unit_test_io_batch_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_io_batch_LDADD = vpn/libvpn.a lib/libmglib.a $(CMOCKA_LIBS)
endif
EXTRA_DIST += bench/vpn_throughput.sh
