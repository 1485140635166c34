#!/bin/sh
# Installs the Debian 12 packages meshgate needs.
#   scripts/deps.sh build   to build and run meshgated
#   scripts/deps.sh test    also what the test suites, sanitizers and fuzzers use
set -eu
build="build-essential autoconf automake pkg-config
	libsodium-dev libc-ares-dev libldns-dev libmnl-dev libnl-3-dev libnl-route-3-dev libinih-dev libssl-dev
	iproute2"
test="$build libcmocka-dev clang-14 libclang-rt-14-dev nftables socat jq procps iputils-ping wireguard-go wireguard-tools iperf3
	keepalived
	isc-dhcp-client udhcpc dhcpcd-base kea-dhcp4-server kea-admin dnsmasq-base
	dnsutils knot-dnsutils unbound dnsperf"

case "${1:-build}" in
build) pkgs=$build ;;
test) pkgs=$test ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "$0: run as root (it installs packages with apt-get)" >&2
	exit 1
fi
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
