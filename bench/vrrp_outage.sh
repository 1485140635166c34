#!/bin/bash
# VRRP failover as a LAN client sees it: meshgated against keepalived
# (vrrp_version 3) in the same run, at 1 s and 100 ms advertisement
# intervals, when the master is (a) SIGKILLed and (b) stopped cleanly with
# SIGTERM, as a package upgrade does.
#
#   a master prio 150    b backup prio 100    cl client
#     10.43.0.1/24         10.43.0.2/24         10.43.0.100/24
#          \_____________ br0 (host sw) _________/
#   VRID 43, VIP 10.43.0.254/24; both routers run the same daemon.
#
# Each run starts both routers at once and waits until a alone holds the
# VIP and b has heard it for an interval; cl then pings the VIP (ping -D
# -i 0.01) and, half a second later, a is stopped. For (a) a's host is
# first made deaf to the VIP (ICMP and ARP dropped, as if the whole machine
# had died: a SIGKILLed daemon leaves its address behind), then every
# process of the daemon gets SIGKILL at once. A backup takes over 3
# intervals and its skew time after the last advertisement it heard, so a
# SIGKILL's outage depends on when it falls between two: a is stopped half
# an interval after one of its advertisements (counted from the moment it
# took the VIP), the average of a stop at a random moment.
#
# The outage is the longest gap between two consecutive echo replies, from
# ping's time stamps; it includes one ping interval. The echo requests left
# unanswered are shown too, but are no measure of time: this iputils sends
# every 16 ms or so when asked for 10 (the cadence seen is printed;
# BENCH_PING_INTERVAL=0.009 gives a true 9 ms).
# Runs are interleaved (meshgated, keepalived, meshgated, ...) so that the
# load of this shared machine weighs on both alike; each case is repeated
# BENCH_REPEAT times (default 3) and its median printed, then one line of
# ratios meshgated/keepalived. Root; everything lives in namespaces of its
# own and is removed on exit.
#
#   bench/vrrp_outage.sh [BUILD_DIR]      (default: $top_builddir, the
#                                          source tree or build/plain;
#                                          BENCH_LOGS=DIR keeps the logs)

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/netns/lib.sh" && [ -d "$MG_TMP" ] || {
	echo "vrrp_outage: cannot use $top/tests/netns/lib.sh" >&2
	exit 1
}

export LC_ALL=C
repeat=${BENCH_REPEAT:-3}
ping_interval=${BENCH_PING_INTERVAL:-0.01}
mg_programs "${1:-}"

VIP=10.43.0.254
VRID=43
declare -A ADDR=([a]=10.43.0.1 [b]=10.43.0.2 [cl]=10.43.0.100)
declare -A PRIO=([a]=150 [b]=100)

keep_logs()
{
	[ -n "${BENCH_LOGS:-}" ] || return 0
	mkdir -p "$BENCH_LOGS" && cp -r "$MG_TMP"/run* "$BENCH_LOGS"/ 2>/dev/null
}

die()
{
	echo "vrrp_outage: $*" >&2
	keep_logs
	exit 1
}

warn()
{
	echo "vrrp_outage: $RUN: $*" >&2
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip keepalived nft ping stdbuf awk sort; do
	command -v "$t" >/dev/null || die "needs $t"
done
[ -x "$meshgated" ] && [ -x "$meshgate" ] || die "build meshgate first (looked for $meshgated)"
[ -c /dev/net/tun ] || die "needs /dev/net/tun"
case $repeat in
'' | *[!0-9]* | 0) die "BENCH_REPEAT must be a positive number" ;;
esac

# Seconds since the epoch, microseconds after the point, in NOW.
now()
{
	NOW=$EPOCHREALTIME
}

# later T SECONDS: T + SECONDS
later()
{
	awk -v t="$1" -v s="$2" 'BEGIN { printf "%.6f", t + s }'
}

before() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

has_vip() { H "$1" ip -4 -o addr show dev to-sw | grep -q " $VIP/"; }

# wait_until DEADLINE CMD...: poll CMD every 20 ms until the epoch time
# DEADLINE; 0 as soon as it succeeds.
wait_until()
{
	local end=$1
	shift
	while now && before "$NOW" "$end"; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	"$@" >/dev/null 2>&1
}

only_a() { has_vip a && ! has_vip b; }

# half_after T S: sleeps until T + (k + 1/2) S for the first such time to come.
half_after()
{
	now
	sleep "$(awk -v t="$1" -v s="$2" -v n="$NOW" 'BEGIN {
		x = (n - t) / s - 0.5; k = int(x); if (k < x) k++
		printf "%.6f", t + (k + 0.5) * s - n }')"
}

mac_of() { H "$1" ip -o link show dev to-sw | sed -n 's#.*link/ether \([0-9a-f:]*\).*#\1#p'; }

client_mac() { H cl ip neigh show "$VIP" dev to-sw | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }

# replies_after T: echo replies in the ping log stamped after T.
replies_after()
{
	awk -v t="$1" -F'[][]' '/bytes from/ && $2 > t { n++ } END { print n + 0 }' "$PING_LOG"
}

resumed() { [ "$(replies_after "$1")" -ge 20 ]; }

# ---------------------------------------------------------------- daemons

# The mesh TUN's UAPI socket is in the shared /var/run/wireguard: unique.
tun_name() { local n=vb$$$1$RUN_N; echo "${n:0:15}"; }

mg_conf()
{
	local h=$1 ms=$2 d=$RUN_DIR/$1
	cat <<-EOF
	[node]
	name = bench$h
	pid-file = $d/meshgated.pid
	control-socket = $d/control.sock
	state-dir = $d/state
	log-level = info

	[mesh]
	private-key-file = $MG_TMP/$h.key
	interface = $(tun_name "$h")

	[vrrp]
	name = lan
	interface = to-sw
	vrid = $VRID
	priority = ${PRIO[$h]}
	advert-interval = ${ms}ms
	virtual-address = $VIP/24
	garp-repeat = 3
	garp-interval = 0
	EOF
}

ka_conf()
{
	local h=$1 ms=$2
	cat <<-EOF
	global_defs {
		router_id bench$h
		vrrp_version 3
		vrrp_garp_master_repeat 3
		vrrp_garp_master_delay 0
	}
	vrrp_instance lan {
		state BACKUP
		interface to-sw
		virtual_router_id $VRID
		priority ${PRIO[$h]}
		advert_int $(awk -v ms="$ms" 'BEGIN { printf "%g", ms / 1000 }')
		virtual_ipaddress {
			$VIP/24
		}
	}
	EOF
}

declare -A PID=()

# start DAEMON HOST MS: starts it, without waiting.
start()
{
	local daemon=$1 h=$2 ms=$3 d=$RUN_DIR/$2
	mkdir -p "$d/state"
	if [ "$daemon" = meshgated ]; then
		mg_conf "$h" "$ms" >"$d/meshgate.conf"
		H_bg "$h" "$meshgated" -f -c "$d/meshgate.conf" >"$d/log" 2>&1
	else
		ka_conf "$h" "$ms" >"$d/keepalived.conf"
		H_bg "$h" keepalived -n -l -D -G -R -P -f "$d/keepalived.conf" \
			-p "$d/keepalived.pid" -r "$d/vrrp.pid" >"$d/log" 2>&1
	fi
	PID[$h]=$MG_BG_PID
	# Not a job of ours: a SIGKILL would be reported on standard error.
	disown "$MG_BG_PID"
}

started()
{
	local daemon=$1 h=$2 d=$RUN_DIR/$2 end
	now
	end=$(later "$NOW" 10)
	if [ "$daemon" = meshgated ]; then
		wait_until "$end" test -S "$d/control.sock"
	else
		wait_until "$end" test -s "$d/vrrp.pid"
	fi || die "$daemon on $h did not start: $(tail -n 5 "$d/log")"
}

# kill_all SIGNAL HOST: every process of the daemon on HOST, keepalived's
# VRRP child first, so that it cannot hear of its parent's death and resign.
kill_all()
{
	local d=$RUN_DIR/$2 pids=()
	[ -s "$d/vrrp.pid" ] && pids+=("$(cat "$d/vrrp.pid")")
	pids+=("${PID[$2]}")
	kill -"$1" "${pids[@]}" 2>/dev/null
}

# reap HOST: waits (10 s at most) for the daemon on HOST to exit.
reap()
{
	local pid=${PID[$1]:-}
	[ -n "$pid" ] || return 0
	if ! wait_until "$(later "$EPOCHREALTIME" 10)" exited "$pid"; then
		warn "${1}'s daemon did not exit within 10 s of being stopped: SIGKILL"
		kill_all KILL "$1"
		wait_until "$(later "$EPOCHREALTIME" 2)" exited "$pid"
	fi
	PID[$1]=
}

play_dead()
{
	mg_setup H "$1" nft -f - <<-EOF
	table inet dead {
		chain input {
			type filter hook input priority -10;
			ip daddr $VIP drop
		}
	}
	table arp dead {
		chain input {
			type filter hook input priority 0;
			arp daddr ip $VIP drop
		}
	}
	EOF
}

# ---------------------------------------------------------------- one run

# The outage of one run: "GAP_MS UNANSWERED" from the ping log, or "- -".
gap_of()
{
	awk -F'[][]' '/bytes from/ {
		split($3, f, "icmp_seq="); seq = f[2] + 0
		if (p && $2 - p > g) { g = $2 - p; lost = seq - ps - 1 }
		p = $2; ps = seq
	} END { if (p) printf "%.0f %d\n", g * 1000, lost; else print "- -" }' "$PING_LOG"
}

RUN=
RUN_N=0
RUN_DIR=
PING_LOG=

# run DAEMON MS EVENT: one measured failover; appends "GAP UNANSWERED" (or "- -")
# to $MG_TMP/DAEMON.MS.EVENT.
run()
{
	local daemon=$1 ms=$2 event=$3 s elect_s take_s out ping_pid t_a t0 t_vip result='- -'
	s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
	elect_s=$(awk -v s="$s" 'BEGIN { print 5 * s + 5 }')
	take_s=$(awk -v s="$s" 'BEGIN { print 5 * s + 3 }')
	RUN_N=$((RUN_N + 1))
	RUN="run $RUN_N ($daemon, ${ms} ms, $event)"
	RUN_DIR=$MG_TMP/run$RUN_N-$daemon-$ms-$event
	PING_LOG=$RUN_DIR/ping.log
	out=$MG_TMP/$daemon.$ms.$event
	mkdir -p "$RUN_DIR"

	start "$daemon" a "$ms"
	start "$daemon" b "$ms"
	started "$daemon" a
	started "$daemon" b
	# a's master-down interval (3.4 intervals) elects it, and it advertises
	# from then on; b then hears it for an interval and a bit before a must
	# still be the only holder.
	now
	wait_until "$(later "$NOW" "$elect_s")" has_vip a
	t_a=$NOW
	if ! wait_until "$(later "$NOW" "$elect_s")" only_a ||
		! { sleep "$(later "$s" 0.2)"; only_a; }; then
		warn "a was not the only holder of the VIP (a: $(has_vip a && echo yes || echo no)," \
			"b: $(has_vip b && echo yes || echo no)); run skipped"
		result='- -'
	else
		H_bg cl stdbuf -oL ping -n -D -i "$ping_interval" -w 60 "$VIP" >"$PING_LOG" 2>&1
		ping_pid=$MG_BG_PID
		sleep 0.5
		[ "$(client_mac)" = "$(mac_of a)" ] ||
			warn "the client's ARP entry for the VIP is '$(client_mac)', not a's $(mac_of a)"
		half_after "$t_a" "$s"
		now
		t0=$NOW
		if [ "$event" = kill ]; then
			play_dead a
			kill_all KILL a
		else
			kill -TERM "${PID[a]}"
		fi
		if wait_until "$(later "$t0" "$take_s")" has_vip b; then
			t_vip=$NOW
			wait_until "$(later "$t_vip" 3)" resumed "$t_vip" ||
				warn "fewer than 20 echo replies in the 3 s after b took the VIP"
		else
			warn "b did not take the VIP over in $take_s s"
		fi
		kill -INT "$ping_pid" 2>/dev/null
		wait "$ping_pid" 2>/dev/null
		if [ -n "$t_vip" ] && [ "$(replies_after "$t_vip")" -gt 0 ]; then
			result=$(gap_of)
		else
			warn "no echo reply after the failover"
		fi
	fi
	echo "$result" >>"$out"
	[ ! -s "$PING_LOG" ] || awk -F'[][]' '/bytes from/ { if (p) print $2 - p; p = $2 }' \
		"$PING_LOG" >>"$MG_TMP/cadence"

	kill -TERM "${PID[b]}" 2>/dev/null
	[ -n "${PID[a]}" ] && ! exited "${PID[a]}" && kill -TERM "${PID[a]}" 2>/dev/null
	reap a
	reap b
	H a nft delete table inet dead 2>/dev/null
	H a nft delete table arp dead 2>/dev/null
	for h in a b; do
		H "$h" ip addr del "$VIP/24" dev to-sw 2>/dev/null
		rm -f "/var/run/wireguard/$(tun_name "$h").sock"
	done
	H cl ip neigh flush dev to-sw
	[ "$result" != '- -' ] || {
		echo "--- $RUN: a's log:" && tail -n 15 "$RUN_DIR/a/log"
		echo "--- b's log:" && tail -n 15 "$RUN_DIR/b/log"
	} >&2
}

# median FILE: of the gaps in FILE (a failed run counts as endless), in ms.
median()
{
	awk '{ print $1 == "-" ? 1e18 : $1 }' "$1" | sort -g |
		awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]
			if (!NR || m >= 1e18) print "failed"; else print m }'
}

runs_of()
{
	awk '{ printf "%s%s/%s", (NR > 1 ? " " : ""), $1, $2 }' "$1"
}

# ---------------------------------------------------------------- topology

bridge_add sw
bridge_attach sw a="${ADDR[a]}/24" b="${ADDR[b]}/24" cl="${ADDR[cl]}/24"
(umask 077 && for h in a b; do "$meshgate" genkey >"$MG_TMP/$h.key"; done) || die "genkey failed"

now
t_start=$NOW
for ms in 1000 100; do
	for event in kill stop; do
		for ((i = 1; i <= repeat; i++)); do
			run meshgated "$ms" "$event"
			run keepalived "$ms" "$event"
		done
	done
done
keep_logs

# ---------------------------------------------------------------- report

declare -A MED=()
label() { echo "$([ "$2" = kill ] && echo "(a) SIGKILL" || echo "(b) clean stop"), $([ "$1" = 1000 ] && echo 1 s || echo "$1 ms")"; }
ms_of() { [ "$1" = failed ] && echo failed || echo "$1 ms"; }
now
echo "vrrp_outage: longest gap between echo replies from the VIP (ping -i $ping_interval)," \
	"median of $repeat runs, stopped half an interval after an advertisement; $(keepalived --version 2>&1 | head -n 1 | cut -d' ' -f1-2)," \
	"$(nproc) CPUs, $(uname -r), $(awk -v a="$t_start" -v b="$NOW" 'BEGIN { printf "%.0f", b - a }') s"
printf '%-22s %12s %12s   %s\n' "" meshgated keepalived "runs: gap ms/requests unanswered, meshgated | keepalived"
for ms in 1000 100; do
	for event in kill stop; do
		for daemon in meshgated keepalived; do
			MED[$daemon.$ms.$event]=$(median "$MG_TMP/$daemon.$ms.$event")
		done
		printf '%-22s %12s %12s   %s | %s\n' "$(label "$ms" "$event")" \
			"$(ms_of "${MED[meshgated.$ms.$event]}")" "$(ms_of "${MED[keepalived.$ms.$event]}")" \
			"$(runs_of "$MG_TMP/meshgated.$ms.$event")" "$(runs_of "$MG_TMP/keepalived.$ms.$event")"
	done
done
echo "ping -i $ping_interval: one reply every $(sort -g "$MG_TMP/cadence" 2>/dev/null |
	awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] * 1000; else printf "?" }') ms (median)"
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "failed" || b == "failed" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}
r() { ratio "${MED[meshgated.$1.$2]}" "${MED[keepalived.$1.$2]}"; }
m() { ms_of "${MED[meshgated.$1.$2]}"; }
echo "ratio meshgated/keepalived: (a) SIGKILL 1 s $(r 1000 kill), 100 ms $(r 100 kill);" \
	"(b) clean stop 1 s $(r 1000 stop), 100 ms $(r 100 stop);" \
	"meshgated (a) $(m 1000 kill) / $(m 100 kill), (b) $(m 1000 stop) / $(m 100 stop)"
