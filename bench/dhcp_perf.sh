#!/bin/bash
# DHCPv4 capacity: meshgated against kea-dhcp4 (memfile) and dnsmasq, in
# the same run, with perfdhcp from Debian's kea packages.
#
#   srv  the server under test, 10.77.0.1/16, lease file on disk
#    |   (meshgated: its journal, fdatasync before every ACK batch;
#    |    kea: memfile CSV with persist; dnsmasq: its lease file)
#   perf perfdhcp 10.77.0.2/16, a relay agent to the server (giaddr),
#        50,000 simulated clients, full DORA exchanges
#
# A rate ladder (perfdhcp -r): each step starts the server afresh with an
# empty lease file and offers RATE exchanges per second for STEP_S
# seconds; a step passes when under 1 % of the DISCOVERs sent go without
# an ACK. The rate doubles while steps pass, then the gap between the last
# pass and the first failure is halved three times. The result for a
# server is the DORA rate (ACKs received per second of sending) at its
# highest passing step: an unpaced flood measures overload, not capacity.
#
#   bench/dhcp_perf.sh        (root; the build is $top_builddir, the
#                             source tree or build/plain; STEP_S=5,
#                             CLIENTS=50000, BENCH_LOGS=DIR keeps the logs)
#
# Ends with the line "ratio meshgated/kea X.XX".

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/netns/lib.sh" && [ -d "$MG_TMP" ] || {
	echo "dhcp_perf: cannot use $top/tests/netns/lib.sh" >&2
	exit 1
}

mg_programs
STEP_S=${STEP_S:-5}
CLIENTS=${CLIENTS:-50000}
START_RATE=250
MAX_RATE=64000
SRV=10.77.0.1

for t in perfdhcp kea-dhcp4 dnsmasq jq timeout; do
	command -v "$t" >/dev/null || { echo "dhcp_perf: needs $t" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "dhcp_perf: needs root" >&2; exit 1; }
[ -x "$meshgated" ] || { echo "dhcp_perf: $meshgated is not built" >&2; exit 1; }

IFS_=$(echo "b$$" | cut -c1-10)
SIF=${IFS_}s			# the server's interface
PIF=${IFS_}p			# perfdhcp's
host_add srv
host_add perf
mg_setup ip -n "$(mg_ns srv)" link add "$SIF" type veth peer name "$PIF" netns "$(mg_ns perf)"
mg_setup H srv ip link set "$SIF" up
mg_setup H perf ip link set "$PIF" up
mg_setup H srv ip addr add $SRV/16 dev "$SIF"
mg_setup H perf ip addr add 10.77.0.2/16 dev "$PIF"

keep_logs()
{
	[ -n "${BENCH_LOGS:-}" ] || return 0
	mkdir -p "$BENCH_LOGS" && cp -r "$MG_TMP"/. "$BENCH_LOGS"/ 2>/dev/null
}

# ---------------------------------------------------------------- servers

SRV_PID=

start_meshgated()
{
	local d=$MG_TMP/meshgated
	rm -rf "$d"
	mkdir -p "$d/state"
	(umask 077 && "$meshgate" genkey >"$d/private.key")
	cat >"$d/meshgate.conf" <<-EOF
	[node]
	name = bench
	pid-file = $d/meshgated.pid
	control-socket = $d/control.sock
	state-dir = $d/state
	log-level = notice

	[mesh]
	private-key-file = $d/private.key
	interface = ${IFS_}m

	[dhcp]
	interface = $SIF
	subnet = 10.77.0.0/16
	range = 10.77.1.0-10.77.255.250
	lease-time = 1h
	EOF
	H_bg srv "$meshgated" -f -c "$d/meshgate.conf" >>"$d/log" 2>&1
	SRV_PID=$MG_BG_PID
	wait_for 10 eval "H srv '$meshgate' -s '$d/control.sock' leases --json 2>/dev/null |
		jq -e '.state == \"serving\"'"
}

start_kea()
{
	local d=$MG_TMP/kea
	rm -rf "$d"
	mkdir -p "$d"
	cat >"$d/kea.json" <<-EOF
	{ "Dhcp4": {
		"interfaces-config": { "interfaces": [ "$SIF" ], "dhcp-socket-type": "udp" },
		"lease-database": { "type": "memfile", "persist": true,
			"name": "$d/leases4.csv", "lfc-interval": 0 },
		"valid-lifetime": 3600,
		"subnet4": [ { "id": 1, "subnet": "10.77.0.0/16",
			"pools": [ { "pool": "10.77.1.0 - 10.77.255.250" } ] } ],
		"loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
			"output_options": [ { "output": "$d/kea.log" } ] } ]
	} }
	EOF
	H_bg srv env KEA_PIDFILE_DIR="$d" \
		KEA_LOCKFILE_DIR="$d" kea-dhcp4 -c "$d/kea.json" >>"$d/out" 2>&1
	SRV_PID=$MG_BG_PID
	wait_for 10 listening srv udp 67
}

start_dnsmasq()
{
	local d=$MG_TMP/dnsmasq
	rm -rf "$d"
	mkdir -p "$d"
	# No ping before offering, as the others do not; leases in a file.
	H_bg srv dnsmasq -d -k --conf-file=/dev/null --port=0 --interface="$SIF" \
		--bind-interfaces --dhcp-range=10.77.1.0,10.77.255.250,255.255.0.0,1h \
		--dhcp-lease-max=70000 --dhcp-leasefile="$d/leases" --no-ping \
		--dhcp-authoritative --pid-file="$d/pid" --log-facility="$d/log" \
		>>"$d/out" 2>&1
	SRV_PID=$MG_BG_PID
	wait_for 10 listening srv udp 67
}

stop_server()
{
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null
	wait_for 10 exited "$SRV_PID" || kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# ---------------------------------------------------------------- one step

# step SERVER RATE: prints "PASS|FAIL DORA_PER_S ACK_PERCENT".
step()
{
	local srv=$1 rate=$2 out=$MG_TMP/perf-$1-$2.out sent acks dora
	"start_$srv" || { echo "FAIL 0 0"; stop_server; return; }
	H perf timeout $((STEP_S + 20)) perfdhcp -4 -l "$PIF" -r "$rate" -R "$CLIENTS" \
		-p "$STEP_S" -W 1000000 $SRV >"$out" 2>&1
	stop_server
	# The first DISCOVER-OFFER block's "sent packets", the REQUEST-ACK
	# block's "received packets", and the rate line.
	sent=$(awk '/Statistics for: DISCOVER-OFFER/ { s = 1 } s && /sent packets:/ { print $3; exit }' "$out")
	acks=$(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /received packets:/ { print $3; exit }' "$out")
	sent=${sent:-0} acks=${acks:-0}
	# Exchanges completed per second of sending (perfdhcp's own "Rate"
	# also counts the second it waits for the last replies).
	dora=$(awk -v a="$acks" -v t="$STEP_S" 'BEGIN { printf "%.1f", a / t }')
	if [ "$sent" -gt 0 ] && [ $((acks * 100)) -ge $((sent * 99)) ]; then
		echo "PASS $dora $(awk -v a="$acks" -v s="$sent" 'BEGIN { printf "%.2f", 100 * a / s }')"
	else
		echo "FAIL $dora $(awk -v a="$acks" -v s="$sent" 'BEGIN { printf "%.2f", s ? 100 * a / s : 0 }')"
	fi
}

# ladder SERVER: prints the ladder, then sets BEST (DORA/s).
ladder()
{
	local srv=$1 rate=$START_RATE pass=0 fail=0 r verdict dora pct refine
	BEST=0
	while [ "$rate" -le "$MAX_RATE" ]; do
		read -r verdict dora pct < <(step "$srv" "$rate")
		printf '  %-10s -r %-6s %s %9s DORA/s, %6s %% ACKed\n' "$srv" "$rate" "$verdict" "$dora" "$pct"
		if [ "$verdict" = PASS ]; then
			pass=$rate
			BEST=$dora
			rate=$((rate * 2))
		else
			fail=$rate
			break
		fi
	done
	for refine in 1 2 3; do
		[ "$fail" -gt 0 ] && [ "$pass" -gt 0 ] || break
		r=$(((pass + fail) / 2))
		[ "$r" -gt "$pass" ] && [ "$r" -lt "$fail" ] || break
		read -r verdict dora pct < <(step "$srv" "$r")
		printf '  %-10s -r %-6s %s %9s DORA/s, %6s %% ACKed\n' "$srv" "$r" "$verdict" "$dora" "$pct"
		if [ "$verdict" = PASS ]; then
			pass=$r
			BEST=$dora
		else
			fail=$r
		fi
	done
}

echo "dhcp_perf: $CLIENTS clients, ${STEP_S}s per step, pass: >= 99 % of DISCOVERs ACKed"
ladder meshgated
MESH=$BEST
ladder kea
KEA=$BEST
ladder dnsmasq
DNSMASQ=$BEST
keep_logs

echo
printf 'meshgated (journal, fdatasync per batch) %10.1f DORA/s\n' "$MESH"
printf 'kea-dhcp4 (memfile)                      %10.1f DORA/s\n' "$KEA"
printf 'dnsmasq                                  %10.1f DORA/s\n' "$DNSMASQ"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ratio meshgated/dnsmasq $(ratio "$MESH" "$DNSMASQ")"
echo "ratio meshgated/kea $(ratio "$MESH" "$KEA")"
