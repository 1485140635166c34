#!/bin/bash
# meshgated's resolver against dnsmasq and unbound, in the same run, with
# dnsperf from another namespace. Each serves the same local zone (1000
# names in a.example) and forwards the rest to the same upstream (an
# unbound holding 1000 names of up.test), whose answers each has cached
# before it is measured.
#
#   cl 192.168.1.100 (dnsperf) ---- srv 192.168.1.1 meshgated
#                                       192.168.1.2 dnsmasq
#                                       192.168.1.3 unbound
#                                       10.0.0.1 ---- up 10.0.0.53 unbound
#
# For each server and case (local names, cache hits): queries per second
# at full load, the server's CPU time from /proc/PID/stat (utime + stime)
# over the run and so queries per CPU-second, the average latency at full
# load, and the p99 latency of a paced run (-Q) where the client is not the
# bottleneck. Ends with the ratios, the last line starting
# "ratio meshgated/unbound". Root; about 2 minutes.
#
#   bench/dns_perf.sh [SECONDS_PER_CASE]   (default 10)

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"

DUR=${1:-10}
PACED_QPS=${PACED_QPS:-5000}
need_root
need_tool dnsperf dnsmasq unbound awk
need_meshgate
T=$MG_TMP
HZ=$(getconf CLK_TCK)
declare -A PID=() ADDR=([meshgated]=192.168.1.1 [dnsmasq]=192.168.1.2 [unbound]=192.168.1.3)

host_add cl
host_add srv
host_add up
link_add srv cl 192.168.1.1/24 192.168.1.100/24
mg_setup H srv ip addr add 192.168.1.2/24 dev to-cl
mg_setup H srv ip addr add 192.168.1.3/24 dev to-cl
link_add srv up 10.0.0.1/24 10.0.0.53/24

# ---------------------------------------------------------------- data

mkdir -p "$T/up" "$T/mg/state" "$T/ub"
: >"$T/hosts"
: >"$T/local-data.conf"
: >"$T/up/data.conf"
: >"$T/local.txt"
: >"$T/cached.txt"
for i in $(seq 0 999); do
	a="192.168.$((10 + i / 250)).$((i % 250 + 1))"
	echo "$a h$i" >>"$T/hosts"
	echo "local-data: \"h$i.a.example. 3600 IN A $a\"" >>"$T/local-data.conf"
	echo "local-data: \"n$i.up.test. 86400 IN A 198.51.$((100 + i / 250)).$((i % 250 + 1))\"" \
		>>"$T/up/data.conf"
	echo "h$i.a.example A" >>"$T/local.txt"
	echo "n$i.up.test A" >>"$T/cached.txt"
done

cat >"$T/up/unbound.conf" <<EOF
server:
	interface: 10.0.0.53
	access-control: 10.0.0.0/24 allow
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T/up"
	pidfile: ""
	use-syslog: no
	logfile: ""
	module-config: "iterator"
	local-zone: "up.test." static
	include: "$T/up/data.conf"
EOF

"$meshgate" genkey >"$T/mg/private.key" 2>/dev/null || bail "genkey failed"
chmod 600 "$T/mg/private.key"
cat >"$T/mg/meshgate.conf" <<EOF
[node]
name = bench
pid-file = $T/mg/meshgated.pid
control-socket = $T/mg/control.sock
state-dir = $T/mg/state
log-level = warn

[mesh]
private-key-file = $T/mg/private.key
interface = mb$$

[site]
name = a
domain = a.example
subnet = 192.168.1.0/24

[dns]
listen = 192.168.1.1
upstream = 10.0.0.53
hosts-file = $T/hosts
cache-size = 100000
cache-bytes = 67108864
rate-limit = 0
EOF

cat >"$T/ub/unbound.conf" <<EOF
server:
	interface: 192.168.1.3
	access-control: 192.168.1.0/24 allow
	do-ip6: no
	num-threads: 1
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T/ub"
	pidfile: ""
	use-syslog: no
	logfile: ""
	module-config: "iterator"
	msg-cache-size: 64m
	rrset-cache-size: 64m
	local-zone: "a.example." static
	include: "$T/local-data.conf"
forward-zone:
	name: "."
	forward-addr: 10.0.0.53
EOF

# ---------------------------------------------------------------- servers

H_bg up unbound -d -c "$T/up/unbound.conf" >"$T/up/log" 2>&1
PID[up]=$MG_BG_PID
H_bg srv "$meshgated" -f -c "$T/mg/meshgate.conf" >"$T/mg/log" 2>&1
PID[meshgated]=$MG_BG_PID
H_bg srv dnsmasq -k --conf-file=/dev/null --user=root --pid-file= --listen-address=192.168.1.2 \
	--bind-interfaces --port=53 --no-resolv --no-hosts --server=10.0.0.53 \
	--addn-hosts="$T/hosts" --domain=a.example --expand-hosts --local=/a.example/ \
	--cache-size=10000 --dns-forward-max=1000 >"$T/dnsmasq.log" 2>&1
PID[dnsmasq]=$MG_BG_PID
H_bg srv unbound -d -c "$T/ub/unbound.conf" >"$T/ub/log" 2>&1
PID[unbound]=$MG_BG_PID
for s in meshgated dnsmasq unbound; do
	wait_for 10 eval "H cl dnsperf -s ${ADDR[$s]} -d '$T/local.txt' -n 1 -t 1 >/dev/null 2>&1" ||
		bail "$s does not answer (see $T)"
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run SERVER FILE: one full-load run; sets QPS CPUQ AVG_US.
run()
{
	local s=$1 file=$2 out before after
	before=$(cpu_ticks "${PID[$s]}")
	out=$(H cl dnsperf -s "${ADDR[$s]}" -d "$file" -l "$DUR" -c 4 -q 100 -t 2 2>&1)
	after=$(cpu_ticks "${PID[$s]}")
	QPS=$(echo "$out" | awk '/Queries per second/ { printf "%.0f", $4 }')
	AVG_US=$(echo "$out" | awk '/Average Latency/ { printf "%.0f", $4 * 1e6 }')
	local completed
	completed=$(echo "$out" | awk '/Queries completed/ { print $3 }')
	CPUQ=$(awk -v q="$completed" -v t="$((after - before))" -v hz="$HZ" \
		'BEGIN { printf "%.0f", (t > 0 ? q / (t / hz) : 0) }')
	US_PER_Q=$(awk -v q="$completed" -v t="$((after - before))" -v hz="$HZ" \
		'BEGIN { printf "%.2f", (q > 0 ? (t / hz) * 1e6 / q : 0) }')
}

# paced SERVER FILE: p99 latency in microseconds at PACED_QPS.
paced()
{
	H cl dnsperf -s "${ADDR[$1]}" -d "$2" -l 3 -Q "$PACED_QPS" -c 4 -t 2 -v 2>/dev/null |
		awk '$1 == ">" { print $NF * 1e6 }' | sort -n |
		awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.0f", v[i] }'
}

declare -A R=()
printf '%-10s %-6s %10s %14s %9s %9s %9s\n' server case "queries/s" "queries/CPU-s" \
	"us CPU/q" "avg us" "p99 us"
for c in local cached; do
	file=$T/$c.txt
	for s in meshgated dnsmasq unbound; do
		# Warm: every name asked once (the cache case fills the cache).
		H cl dnsperf -s "${ADDR[$s]}" -d "$file" -n 2 -t 2 >/dev/null 2>&1
		run "$s" "$file"
		p99=$(paced "$s" "$file")
		R[$s.$c.qps]=$QPS
		R[$s.$c.cpuq]=$CPUQ
		R[$s.$c.avg]=$AVG_US
		R[$s.$c.p99]=$p99
		printf '%-10s %-6s %10s %14s %9s %9s %9s\n' "$s" "$c" "$QPS" "$CPUQ" "$US_PER_Q" \
			"$AVG_US" "$p99"
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
for peer in dnsmasq unbound; do
	line="ratio meshgated/$peer:"
	for c in local cached; do
		line="$line $c qps $(ratio "${R[meshgated.$c.qps]}" "${R[$peer.$c.qps]}")"
		line="$line, per-CPU-s $(ratio "${R[meshgated.$c.cpuq]}" "${R[$peer.$c.cpuq]}")"
		line="$line, avg latency $(ratio "${R[meshgated.$c.avg]}" "${R[$peer.$c.avg]}")"
		line="$line, p99 $(ratio "${R[meshgated.$c.p99]}" "${R[$peer.$c.p99]}");"
	done
	echo "${line%;}"
done
