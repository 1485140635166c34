# Integration tests in network namespaces (root; skipped with a reason
# otherwise, failed under CI=true). They speak TAP by hand.
netns_tests = \
	tests/netns/test_netns_lib.sh \
	tests/netns/test_daemon_basic.sh \
	tests/netns/test_wg_interop.sh \
	tests/netns/test_mesh_join.sh \
	tests/netns/test_mesh_sites.sh \
	tests/netns/test_site_ha.sh \
	tests/netns/test_vrrp_keepalived.sh \
	tests/netns/test_dhcp.sh
TESTS += $(netns_tests)
EXTRA_DIST += tests/netns/lib.sh tests/netns/mesh_nodes.sh $(netns_tests)
EXTRA_DIST += tests/netns/vrrp_notify.sh
# The site resolver against dig, kdig and a real unbound.
TESTS += tests/netns/test_dns.sh
EXTRA_DIST += tests/netns/test_dns.sh
EXTRA_DIST += tests/netns/dhcp_client.sh
