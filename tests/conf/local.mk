# Golden configuration files: print-config output and check-config errors.
TESTS += tests/conf/test_golden.sh
EXTRA_DIST += tests/conf/test_golden.sh \
	tests/conf/gw1/meshgate.conf tests/conf/gw1/expected.out \
	tests/conf/conf-d/meshgate.conf tests/conf/conf-d/expected.out \
	tests/conf/conf-d/conf.d/10-home.conf tests/conf/conf-d/conf.d/20-clear.conf \
	tests/conf/conf-d/conf.d/README \
	tests/conf/typo/meshgate.conf tests/conf/typo/expected.err \
	tests/conf/peer-errors/meshgate.conf tests/conf/peer-errors/expected.err
EXTRA_DIST += tests/conf/vrrp-routers/meshgate.conf tests/conf/vrrp-routers/expected.out \
	tests/conf/vrrp-errors/meshgate.conf tests/conf/vrrp-errors/expected.err \
	tests/conf/vrrp-rules/meshgate.conf tests/conf/vrrp-rules/expected.err
EXTRA_DIST += tests/conf/dhcp-site/meshgate.conf tests/conf/dhcp-site/expected.out \
	tests/conf/dhcp-errors/meshgate.conf tests/conf/dhcp-errors/expected.err \
	tests/conf/dns-site/meshgate.conf tests/conf/dns-site/expected.out \
	tests/conf/dns-errors/meshgate.conf tests/conf/dns-errors/expected.err
