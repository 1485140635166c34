# vrrp/ I/O: sockets, virtual addresses (rtnetlink), gratuitous ARP /
# unsolicited NA, and tracking. The frame builders and the tracking
# arithmetic in here are pure and unit-tested without root.
noinst_LIBRARIES += vrrp/libvrrpio.a
vrrp_libvrrpio_a_SOURCES = \
	vrrp/io.c vrrp/io.h \
	vrrp/vip.c vrrp/vip.h \
	vrrp/announce.c vrrp/announce.h \
	vrrp/track.c vrrp/track.h
vrrp_libvrrpio_a_CPPFLAGS = $(AM_CPPFLAGS) $(MNL_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_vrrp_track tests/unit/test_vrrp_announce tests/unit/test_vrrp_ipv4
TESTS += tests/unit/test_vrrp_track tests/unit/test_vrrp_announce tests/unit/test_vrrp_ipv4

tests_unit_test_vrrp_ipv4_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vrrp_ipv4_LDADD = vrrp/libvrrpio.a vrrp/libvrrp.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_vrrp_track_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vrrp_track_LDADD = vrrp/libvrrpio.a lib/libmglib.a $(CMOCKA_LIBS)

tests_unit_test_vrrp_announce_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_vrrp_announce_LDADD = vrrp/libvrrpio.a lib/libmglib.a $(CMOCKA_LIBS)
endif
