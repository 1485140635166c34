# Network-namespace test library, sourced by tests/netns/test_*.sh.
#
# A test builds hosts (network namespaces), wires them with veth pairs,
# bridges and NAT routers, runs programs in them with `H host cmd...`, and
# reports in TAP. Everything it creates is torn down on exit, even when the
# test fails halfway or is interrupted.
#
# Only namespace names are global, so they carry a per-run prefix. Links,
# bridges and nftables tables are created directly inside the test's
# namespaces and never exist in the initial namespace, so their short names
# (to-HOST, br0) cannot collide between parallel runs.
#
# All addresses used by tests live inside their namespaces; nothing here
# sends traffic to the initial namespace or beyond it.

MG_PREFIX=mgt$$-
MG_TMP=
MG_HOSTS=()
declare -gA MG_WAN_IF=()
MG_TAP_N=0
MG_TAP_FAILED=0
MG_TAP_PLANNED=0
MG_CLEANED=0

# ---------------------------------------------------------------- TAP

tap_plan()
{
	echo "1..$1"
	MG_TAP_PLANNED=1
}

tap_diag()
{
	# Each line of stdin, or of the arguments, as a TAP comment.
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

ok()
{
	MG_TAP_N=$((MG_TAP_N + 1))
	echo "ok $MG_TAP_N - $*"
}

not_ok()
{
	MG_TAP_N=$((MG_TAP_N + 1))
	MG_TAP_FAILED=$((MG_TAP_FAILED + 1))
	echo "not ok $MG_TAP_N - $*"
}

# tap_check DESC CMD...: one test point from CMD's exit status; on failure
# its output follows as diagnostics (always with MG_VERBOSE=1).
tap_check()
{
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		tap_diag "command: $* (exit $rc)"
	fi
	if [ -n "$out" ] && { [ $rc -ne 0 ] || [ "${MG_VERBOSE:-0}" = 1 ]; }; then
		printf '%s\n' "$out" | tap_diag
	fi
	return $rc
}

# tap_is DESC GOT EXPECTED: one test point from an exact comparison.
tap_is()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	tap_diag "got:      '$2'"
	tap_diag "expected: '$3'"
	return 1
}

tap_skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# A test that cannot go on: the harness reports it as an error.
bail()
{
	echo "Bail out! $*"
	exit 1
}

# Print the plan if the test did not, and exit with the verdict.
tap_done()
{
	[ "$MG_TAP_PLANNED" = 1 ] || tap_plan "$MG_TAP_N"
	[ "$MG_TAP_FAILED" -eq 0 ] || exit 1
	exit 0
}

# A missing prerequisite skips the test, but CI must run every test.
mg_missing()
{
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - prerequisite missing in CI: $*"
		exit 1
	fi
	tap_skip_all "$*"
}

need_root()
{
	local probe="${MG_PREFIX}probe"

	# scripts/test.sh runs these in the plain and sanitizer builds; its
	# distcheck checks the tarball and leaves them out.
	[ "${MG_NETNS_IN_DISTCHECK:-}" = 1 ] &&
		tap_skip_all "namespace tests run in the main builds, not again in distcheck"

	[ "$(id -u)" = 0 ] || mg_missing "needs root"
	command -v ip >/dev/null || mg_missing "needs ip (iproute2)"
	ip netns add "$probe" 2>/dev/null || mg_missing "cannot create network namespaces"
	ip netns del "$probe"
}

need_tool()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || mg_missing "needs $t"
	done
}

# mg_programs [BUILD]: sets top_builddir, meshgated and meshgate to a
# build's: BUILD, else $top_builddir (as make check sets it), else this
# tree if it was built in place, else its build/plain.
mg_programs()
{
	local top build=${1:-${top_builddir:-}}

	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [ -z "$build" ]; then
		build=$top
		[ -x "$build/daemon/meshgated" ] || build=$top/build/plain
	fi
	top_builddir=$build
	meshgated=$build/daemon/meshgated
	meshgate=$build/tools/meshgate
}

# need_meshgate: mg_programs, and needs them built and a TUN device.
need_meshgate()
{
	mg_programs
	[ -x "$meshgated" ] || bail "$meshgated is not built"
	[ -x "$meshgate" ] || bail "$meshgate is not built"
	[ -c /dev/net/tun ] || mg_missing "needs /dev/net/tun"
}

# ---------------------------------------------------------------- hosts

mg_ns()
{
	echo "$MG_PREFIX$1"
}

# Run a command in a host.
H()
{
	local h=$1
	shift
	ip netns exec "$MG_PREFIX$h" "$@"
}

# Start a command in a host in the background; its pid lands in MG_BG_PID
# (the command's own pid: ip netns exec execs it).
H_bg()
{
	local h=$1
	shift
	ip netns exec "$MG_PREFIX$h" "$@" &
	MG_BG_PID=$!
}

mg_setup()
{
	"$@" || bail "setup failed: $*"
}

host_add()
{
	local h=$1 ns=$MG_PREFIX$1

	[ ${#h} -le 12 ] || bail "host name '$h' is longer than 12 characters"
	mg_setup ip netns add "$ns"
	MG_HOSTS+=("$h")
	mg_setup ip -n "$ns" link set lo up
	# No DAD: IPv6 addresses are usable at once, so no test waits for them.
	mg_setup ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

mg_host_exists()
{
	local h
	for h in "${MG_HOSTS[@]}"; do
		[ "$h" = "$1" ] && return 0
	done
	return 1
}

# link_add A B [A_ADDR [B_ADDR]]: a veth pair, named to-B in A and to-A in B,
# both up, each end with an optional CIDR address ("" for none).
link_add()
{
	local a=$1 b=$2 a_addr=${3:-} b_addr=${4:-}

	mg_setup ip -n "$MG_PREFIX$a" link add "to-$b" type veth \
		peer name "to-$a" netns "$MG_PREFIX$b"
	mg_setup ip -n "$MG_PREFIX$a" link set "to-$b" up
	mg_setup ip -n "$MG_PREFIX$b" link set "to-$a" up
	[ -z "$a_addr" ] || mg_setup ip -n "$MG_PREFIX$a" addr add "$a_addr" dev "to-$b"
	[ -z "$b_addr" ] || mg_setup ip -n "$MG_PREFIX$b" addr add "$b_addr" dev "to-$a"
}

# bridge_add SW: a switch host SW (created if needed) holding bridge br0.
bridge_add()
{
	local sw=$1

	mg_host_exists "$sw" || host_add "$sw"
	mg_setup ip -n "$MG_PREFIX$sw" link add br0 type bridge
	mg_setup ip -n "$MG_PREFIX$sw" link set br0 up
}

# bridge_attach SW HOST[=CIDR]...: plug each host (created if needed) into
# SW's bridge.
bridge_attach()
{
	local sw=$1 arg h addr
	shift

	for arg in "$@"; do
		h=${arg%%=*}
		addr=
		[ "$h" = "$arg" ] || addr=${arg#*=}
		mg_host_exists "$h" || host_add "$h"
		link_add "$sw" "$h" "" "$addr"
		mg_setup ip -n "$MG_PREFIX$sw" link set "to-$h" master br0
	done
}

# router_nat ROUTER LAN_IF WAN_IF: a home router. Forwards, masquerades
# what leaves by WAN_IF, and lets in from the WAN only replies and
# port-forwarded connections.
router_nat()
{
	local r=$1 lan=$2 wan=$3

	mg_setup H "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	mg_setup H "$r" nft -f - <<-EOF
	table inet mg_nat {
		chain prerouting {
			type nat hook prerouting priority dstnat;
		}
		chain postrouting {
			type nat hook postrouting priority srcnat;
			oifname "$wan" masquerade
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			iifname "$wan" oifname "$lan" ct state established,related accept
			iifname "$wan" oifname "$lan" ct status dnat accept
			iifname "$wan" oifname "$lan" drop
		}
	}
	EOF
	MG_WAN_IF[$r]=$wan
}

# port_forward ROUTER PROTO PORT TO_ADDR [TO_PORT]: DNAT on the WAN side.
port_forward()
{
	local r=$1 proto=$2 port=$3 to=$4 to_port=${5:-$3} wan fam nfproto dest

	wan=${MG_WAN_IF[$r]:-}
	[ -n "$wan" ] || bail "port_forward: router_nat $r first"
	case $to in
	*:*)	fam=ip6; nfproto=ipv6; dest="[$to]:$to_port" ;;
	*)	fam=ip; nfproto=ipv4; dest="$to:$to_port" ;;
	esac
	mg_setup H "$r" nft add rule inet mg_nat prerouting \
		iifname "\"$wan\"" meta nfproto "$nfproto" "$proto" dport "$port" \
		dnat "$fam" to "$dest"
}

# ---------------------------------------------------------------- waiting

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s for at most TIMEOUT_S
# (whole) seconds; 0 as soon as it succeeds, 1 when time runs out.
wait_for()
{
	local tries=$(($1 * 10))
	shift
	while [ $tries -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		tries=$((tries - 1))
		sleep 0.1
	done
	"$@"
}

# listening HOST tcp|udp PORT: something in HOST listens on PORT.
listening()
{
	local flag=t
	[ "$2" = udp ] && flag=u
	[ -n "$(H "$1" ss -Hln$flag "sport = :$3")" ]
}

# exited PID: the process is gone or a zombie waiting to be reaped.
exited()
{
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# ---------------------------------------------------------------- cleanup

mg_our_netns()
{
	ip netns list 2>/dev/null | awk -v p="$MG_PREFIX" \
		'index($1, p) == 1 { print $1 }'
}

mg_cleanup()
{
	local ns pids tries=0

	[ "$MG_CLEANED" = 1 ] && return 0
	MG_CLEANED=1
	# Ask politely, then insist after 2 s: a namespace outlives
	# `ip netns del` while a process still holds it.
	while [ $tries -le 20 ]; do
		pids=
		for ns in $(mg_our_netns); do
			pids="$pids $(ip netns pids "$ns" 2>/dev/null)"
		done
		[ -n "${pids// /}" ] || break
		case $tries in
		0)	kill $pids 2>/dev/null ;;
		20)	kill -KILL $pids 2>/dev/null ;;
		esac
		tries=$((tries + 1))
		sleep 0.1
	done
	for ns in $(mg_our_netns); do
		ip netns del "$ns" 2>/dev/null
	done
	[ -z "$MG_TMP" ] || rm -rf "$MG_TMP"
	return 0
}

mg_on_signal()
{
	mg_cleanup
	trap - EXIT
	exit $((128 + $1))
}

trap mg_cleanup EXIT
trap 'mg_on_signal 2' INT
trap 'mg_on_signal 15' TERM

MG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${MG_PREFIX}XXXXXX") || bail "mktemp failed"
