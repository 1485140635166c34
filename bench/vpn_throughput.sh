#!/bin/bash
# Tunnel throughput and latency: meshgated <-> meshgated against
# wireguard-go <-> wireguard-go in the same run, over the same veth, with
# the bare veth for reference.
#
#   host a  to-b 192.0.2.1/24 ====== veth ====== to-a 192.0.2.2/24  host b
#           tunnel 10.9.0.1/24                    tunnel 10.9.0.2/24
#
# For each: iperf3 TCP a -> b with 1 and with 4 streams (BENCH_SECONDS
# each, default 10), then 100 pings 10 ms apart; the daemons' peak RSS
# (VmHWM) is read just before they stop. Prints one line per setup and the
# ratios meshgated / wireguard-go. Root; everything lives in namespaces of
# its own and is removed on exit.
#
#   bench/vpn_throughput.sh [BUILD_DIR]     (default: $top_builddir, the
#                                            source tree, or build/plain)

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/netns/lib.sh"

secs=${BENCH_SECONDS:-10}
mg_programs "${1:-}"

die()
{
	echo "vpn_throughput: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip iperf3 jq ping wireguard-go wg timeout; do
	command -v "$t" >/dev/null || die "needs $t"
done
[ -x "$meshgated" ] && [ -x "$meshgate" ] || die "build meshgate first (looked for $meshgated)"
export WG_PROCESS_FOREGROUND=1 WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1

host_add a
host_add b
link_add a b 192.0.2.1/24 192.0.2.2/24

(umask 077 && for h in a b; do "$meshgate" genkey >"$MG_TMP/$h.key"; done) || die "genkey"
apub=$("$meshgate" pubkey <"$MG_TMP/a.key")
bpub=$("$meshgate" pubkey <"$MG_TMP/b.key")

# iperf_gbps STREAMS: a -> b through the tunnel (or the veth), in Gbit/s.
iperf_gbps()
{
	local dst=$1 streams=$2 out=$MG_TMP/iperf.json spid

	H_bg b iperf3 -s -1 -B "$dst" >/dev/null 2>&1
	spid=$MG_BG_PID
	wait_for 5 listening b tcp 5201 || { kill "$spid"; echo 0; return; }
	H a timeout $((secs + 15)) iperf3 -J -c "$dst" -t "$secs" -P "$streams" >"$out" 2>&1
	wait "$spid" 2>/dev/null
	jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' "$out" \
		2>/dev/null || echo 0
}

# ping_ms: average RTT of 100 pings 10 ms apart, in ms.
ping_ms()
{
	H a timeout 20 ping -q -c 100 -i 0.01 "$1" 2>/dev/null |
		sed -n 's#^rtt [^=]*= [^/]*/\([^/]*\)/.*#\1#p'
}

hwm_kib()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# measure NAME DST: one result line in $MG_TMP/NAME.
measure()
{
	local name=$1 dst=$2 one four rtt

	one=$(iperf_gbps "$dst" 1)
	four=$(iperf_gbps "$dst" 4)
	rtt=$(ping_ms "$dst")
	echo "$one $four ${rtt:-0}" >"$MG_TMP/$name"
}

stop()
{
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
		wait_for 10 exited "$pid" || kill -KILL "$pid"
		wait "$pid" 2>/dev/null
	done
}

# ---------------------------------------------------------------- veth

measure veth 192.0.2.2

# ---------------------------------------------------------------- meshgated

mg_conf()
{
	local h=$1 addr=$2 port=$3 peer=$4 peer_ip=$5 peer_port=$6 peer_tun=$7
	cat <<-EOF
	[node]
	name = $h
	pid-file = $MG_TMP/$h.pid
	control-socket = $MG_TMP/$h.sock
	state-dir = $MG_TMP/state-$h
	log-level = notice
	[mesh]
	private-key-file = $MG_TMP/$h.key
	interface = mg$h$$
	listen-port = $port
	address = $addr/24
	[peer]
	public-key = $peer
	endpoint = $peer_ip:$peer_port
	allowed-ips = $peer_tun/32
	EOF
}

mg_conf a 10.9.0.1 51820 "$bpub" 192.0.2.2 51821 10.9.0.2 >"$MG_TMP/a.conf"
mg_conf b 10.9.0.2 51821 "$apub" 192.0.2.1 51820 10.9.0.1 >"$MG_TMP/b.conf"
H_bg a "$meshgated" -f -c "$MG_TMP/a.conf" >"$MG_TMP/mg-a.log" 2>&1
mga=$MG_BG_PID
H_bg b "$meshgated" -f -c "$MG_TMP/b.conf" >"$MG_TMP/mg-b.log" 2>&1
mgb=$MG_BG_PID
wait_for 10 test -S "$MG_TMP/a.sock" && wait_for 10 test -S "$MG_TMP/b.sock" ||
	die "meshgated did not start: $(cat "$MG_TMP"/mg-*.log)"
wait_for 10 H a ping -c 1 -W 1 10.9.0.2 || die "no meshgated tunnel: $(cat "$MG_TMP"/mg-*.log)"
measure meshgated 10.9.0.2
echo "$(hwm_kib "$mga") $(hwm_kib "$mgb")" >"$MG_TMP/meshgated.rss"
stop "$mga" "$mgb"

# ---------------------------------------------------------------- wireguard-go

wga_if=wgba$$
wgb_if=wgbb$$
wga_if=${wga_if:0:15}
wgb_if=${wgb_if:0:15}
H_bg a wireguard-go "$wga_if" >"$MG_TMP/wg-a.log" 2>&1
wga=$MG_BG_PID
H_bg b wireguard-go "$wgb_if" >"$MG_TMP/wg-b.log" 2>&1
wgb=$MG_BG_PID
wait_for 10 test -S "/var/run/wireguard/$wga_if.sock" &&
	wait_for 10 test -S "/var/run/wireguard/$wgb_if.sock" || die "wireguard-go did not start"
H a wg set "$wga_if" private-key "$MG_TMP/a.key" listen-port 51820 \
	peer "$bpub" endpoint 192.0.2.2:51821 allowed-ips 10.9.0.2/32 || die "wg set"
H b wg set "$wgb_if" private-key "$MG_TMP/b.key" listen-port 51821 \
	peer "$apub" endpoint 192.0.2.1:51820 allowed-ips 10.9.0.1/32 || die "wg set"
H a ip addr add 10.9.0.1/24 dev "$wga_if" && H a ip link set "$wga_if" mtu 1420 up &&
	H b ip addr add 10.9.0.2/24 dev "$wgb_if" && H b ip link set "$wgb_if" mtu 1420 up ||
	die "ip"
wait_for 10 H a ping -c 1 -W 1 10.9.0.2 || die "no wireguard-go tunnel"
measure wireguard-go 10.9.0.2
echo "$(hwm_kib "$wga") $(hwm_kib "$wgb")" >"$MG_TMP/wireguard-go.rss"
stop "$wga" "$wgb"

# ---------------------------------------------------------------- report

read -r v1 v4 vp <"$MG_TMP/veth"
read -r m1 m4 mp <"$MG_TMP/meshgated"
read -r w1 w4 wp <"$MG_TMP/wireguard-go"
read -r mra mrb <"$MG_TMP/meshgated.rss"
read -r wra wrb <"$MG_TMP/wireguard-go.rss"
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}
mib()
{
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
echo "vpn_throughput: iperf3 TCP a->b, ${secs} s per run; ping: 100 x 10 ms; $(nproc) CPUs, $(uname -r)"
printf '%-14s %16s %14s %12s  %s\n' "" "1 stream" "4 streams" "ping avg" "peak RSS a/b"
printf '%-14s %9s Gbit/s %7s Gbit/s %9s ms\n' "veth" "$v1" "$v4" "$vp"
printf '%-14s %9s Gbit/s %7s Gbit/s %9s ms  %s/%s MiB\n' "meshgated" "$m1" "$m4" "$mp" \
	"$(mib "$mra")" "$(mib "$mrb")"
printf '%-14s %9s Gbit/s %7s Gbit/s %9s ms  %s/%s MiB\n' "wireguard-go" "$w1" "$w4" "$wp" \
	"$(mib "$wra")" "$(mib "$wrb")"
echo "ratio meshgated/wireguard-go: 1 stream $(ratio "$m1" "$w1")x, 4 streams $(ratio "$m4" "$w4")x, ping rtt $(ratio "$mp" "$wp")x, peak RSS $(ratio $((mra + mrb)) $((wra + wrb)))x"
