#!/bin/bash
# Mesh membership at 6 and 20 nodes: how long a new node takes from
# `meshgate join` to its first ping through the mesh, how long its record
# takes to reach every other node, and what each known peer costs in memory.
#
#   wan: one bridge, 198.51.100.0/24; node i at 198.51.100.(10+i)
#   mesh range 198.18.0.0/15; node 1 runs `meshgate init` (198.18.0.1)
#   nodes 2..N are invited by node 1 and join one after another, each a
#   gateway of a site of its own
#
# The last three joins (N-2, N-1, N) are measured, each on a settled mesh:
#   join->first ping   from starting `meshgate join` (meshgated is started
#                      as soon as it returns) to the new node's first echo
#                      reply from node 1's mesh address, pinging every 20 ms;
#   record->all nodes  from node 1 logging that it issued the record until
#                      the last other node logs that it learned it; every log
#                      line is time-stamped as it is written, and every node's
#                      `meshgate --json nodes` is polled until it lists the
#                      new member, which confirms it (and bounds it, coarser:
#                      "polled" below).
# Memory, on node 1: anonymous RSS (RssAnon; VmRSS also counts library code
# paged in on first use, the same for every process) and the record store's
# bytes, alone, with one peer and with N-1, each peer pinged once so it has
# a session. Per peer: from one to N-1 peers for RSS (the first peer's
# one-off cost is shown apart), from alone to N-1 for the store.
#
# What users do today, keys pushed to every site by Ansible, has no time to
# compare with, so the figures are plain. Root; everything lives in
# namespaces of its own, removed on exit. Times use the clock of
# `date +%s%N`, read without forking.
#
#   bench/mesh_join.sh [NODES...]     (default: 6 20; the build is
#                                      $top_builddir, the source tree or
#                                      build/plain; BENCH_LOGS=DIR keeps
#                                      the daemons' logs)

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/netns/lib.sh" && [ -d "$MG_TMP" ] || {
	echo "mesh_join: cannot use $top/tests/netns/lib.sh" >&2
	exit 1
}

sizes=${*:-6 20}
mg_programs
limit_s=60

# BENCH_LOGS=DIR keeps every node's log and the time-stamped merge there.
keep_logs()
{
	local f
	[ -n "${BENCH_LOGS:-}" ] || return 0
	for f in "$MG_TMP"/r*/log "$MG_TMP"/r*/join.out "$MG_TMP"/r*.log; do
		[ -f "$f" ] || continue
		mkdir -p "$(dirname "$BENCH_LOGS/${f#"$MG_TMP"/}")" && cp "$f" "$BENCH_LOGS/${f#"$MG_TMP"/}"
	done
}

die()
{
	echo "mesh_join: $*" >&2
	keep_logs
	exit 1
}

warn()
{
	echo "mesh_join: N=$R: $*" >&2
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip ping tail awk sort; do
	command -v "$t" >/dev/null || die "needs $t"
done
[ -x "$meshgated" ] && [ -x "$meshgate" ] || die "build meshgate first (looked for $meshgated)"
# The kernel's ARP table is one for all namespaces: a full mesh of N nodes
# on one bridge holds N(N-1) entries, and past gc_thresh3 sends fail.
arp_max=$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3 2>/dev/null || echo 1024)
for n in $sizes; do
	case $n in
	'' | *[!0-9]*) die "'$n' is not a number of nodes" ;;
	esac
	[ "$n" -ge 5 ] && [ "$n" -le 200 ] || die "$n nodes: between 5 and 200, please"
	[ $((n * (n - 1))) -le $((arp_max * 3 / 4)) ] ||
		die "$n nodes need $((n * (n - 1))) ARP entries, more than 3/4 of" \
			"net.ipv4.neigh.default.gc_thresh3 ($arp_max, shared by all namespaces): raise it"
done

# Microseconds, in NOW.
now()
{
	NOW=${EPOCHREALTIME//[!0-9]/}
}

# ---------------------------------------------------------------- one node

R=
host_of() { echo "r${R}n$1"; }
dir_of() { echo "$MG_TMP/r${R}n$1"; }
sock_of() { echo "$MG_TMP/r${R}n$1/control.sock"; }
wan_of() { echo "198.51.100.$((10 + $1))"; }
# /var/run/wireguard/IF.sock is shared by all namespaces: unique per run.
ifn_of() { echo "m${R}n$1x$$"; }
mg() { local i=$1; shift; "$meshgate" -s "$(sock_of "$i")" "$@"; }

# Sockets and pid files per node (/run is shared); info logs name the
# members a node learns.
prepare()
{
	local d
	d=$(dir_of "$1")
	mkdir -p "$d/conf.d"
	printf '[node]\ncontrol-socket = %s\npid-file = %s\nlog-level = info\n' \
		"$(sock_of "$1")" "$d/meshgated.pid" >"$d/conf.d/bench.conf"
	: >"$d/log"
}

declare -A pid=()

start()
{
	local i=$1 d
	d=$(dir_of "$i")
	H_bg "$(host_of "$i")" "$meshgated" -f -c "$d/meshgate.conf" >>"$d/log" 2>&1
	pid[$i]=$MG_BG_PID
}

started()
{
	wait_for 10 test -S "$(sock_of "$1")" ||
		die "node $1 (N=$R) did not start: $(tail -n 5 "$(dir_of "$1")/log")"
}

invite()
{
	mg 1 invite "n$1" --site "s$1" | sed -n 's/^token: *//p'
}

# join I TOKEN: node I joins (and is not started yet).
join()
{
	local i=$1 d
	d=$(dir_of "$i")
	[ -n "$2" ] || die "node 1 (N=$R) issued no token for n$i"
	H "$(host_of "$i")" "$meshgate" join "$2" --config "$d/meshgate.conf" \
		--state-dir "$d/state" --interface "$(ifn_of "$i")" --no-start \
		--public-address "$(wan_of "$i")" --timeout 20 >"$d/join.out" 2>&1 ||
		die "node $i (N=$R) could not join: $(cat "$d/join.out")"
}

# knows I NAME: node I's member list has NAME.
knows()
{
	local out
	out=$(mg "$1" --json nodes 2>/dev/null) || return 1
	[[ $out == *"\"name\":\"$2\""* ]]
}

members()
{
	mg "$1" --json status 2>/dev/null | sed -n 's/.*"members":\([0-9]*\).*/\1/p'
}

# settled K: nodes 1..K all know K members.
settled()
{
	local i
	for ((i = 1; i <= $1; i++)); do
		[ "$(members "$i")" = "$1" ] || return 1
	done
}

mesh_addr()
{
	mg 1 --json nodes | sed -n "s/.*\"name\":\"n$1\",[^}]*\"mesh\":\[\"\([0-9.]*\)\/.*/\1/p"
}

# ping_from_1 I: node 1 pings node I's mesh address until it answers (5 s).
ping_from_1()
{
	local addr
	addr=$(mesh_addr "$1")
	[ -n "$addr" ] && H "$(host_of 1)" ping -n -q -c 1 -w 5 -i 0.05 "$addr" >/dev/null 2>&1
}

# mem: "RssAnon VmRSS store_bytes" of node 1, after a moment to settle.
mem()
{
	local anon rss store
	sleep 0.5
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/${pid[1]}/status")
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/${pid[1]}/status")
	store=$(mg 1 --json status | sed -n 's/.*"store_bytes":\([0-9]*\).*/\1/p')
	echo "${anon:-0} ${rss:-0} ${store:-0}"
}

# ping_watch HOST ADDR OUT: the time HOST first has an echo reply from ADDR
# goes to OUT. Until the route exists ping fails at once: retry.
ping_watch()
{
	local h=$1 addr=$2 out=$3 end
	now
	end=$((NOW + limit_s * 1000000))
	while now && [ "$NOW" -lt "$end" ]; do
		if H "$h" ping -n -q -c 1 -w 1 -i 0.02 "$addr" >/dev/null 2>&1; then
			now
			echo "$NOW" >"$out"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# Every line of stdin, prefixed with the time it came and the host whose
# log it is (from tail's "==> FILE <==" headers).
stamp()
{
	local line host='?'
	while IFS= read -r line; do
		case $line in
		'==> '*' <==')
			host=${line%/log <==}
			host=${host##*/}
			continue
			;;
		'') continue ;;
		esac
		echo "${EPOCHREALTIME//[!0-9]/} $host $line"
	done
}

# ---------------------------------------------------------------- one join, measured

# learned I: nodes 1..I-1 all logged learning nI; "COUNT LAST_TIME" in seen.
learned()
{
	seen=$(awk -v h="$(host_of "$1")" -v m="mesh: member n$1 joined (" \
		'$2 != h && index($0, m) && !s[$2]++ { n++; if ($1 > t) t = $1 }
		END { printf "%d %.0f\n", n, t }' "$MG_TMP/r$R.log")
	[ "${seen% *}" -ge $(($1 - 1)) ]
}

# measure I: node I joins; "PING RECORD POLLED JOIN" (microseconds, or -
# when it gave up; JOIN: the command alone) is appended to $MG_TMP/rR.times.
measure()
{
	local i=$1 h d tok t0 t_join t_issue last=0 pending p k watcher
	local a=- b=- c=- seen
	h=$(host_of "$i")
	d=$(dir_of "$i")
	tok=$(invite "$i")

	now
	t0=$NOW
	join "$i" "$tok"
	now
	t_join=$NOW
	start "$i"
	ping_watch "$h" 198.18.0.1 "$d/ping.at" &
	watcher=$!

	pending=()
	for ((k = 1; k < i; k++)); do
		pending+=("$k")
	done
	while [ ${#pending[@]} -gt 0 ] && now && [ "$NOW" -lt $((t0 + limit_s * 1000000)) ]; do
		p=()
		for k in "${pending[@]}"; do
			if knows "$k" "n$i"; then
				now
				last=$NOW
			else
				p+=("$k")
			fi
		done
		pending=("${p[@]}")
		[ ${#pending[@]} -eq 0 ] || sleep 0.02
	done
	[ ${#pending[@]} -eq 0 ] ||
		warn "gave up after $limit_s s: nodes ${pending[*]} never listed n$i"

	wait "$watcher" || warn "gave up after $limit_s s: n$i never had a reply from node 1"
	[ -s "$d/ping.at" ] && a=$(($(cat "$d/ping.at") - t0))

	t_issue=$(awk -v h="$(host_of 1)" -v m="mesh: n$i joined from " \
		'$2 == h && index($0, m) { print $1; exit }' "$MG_TMP/r$R.log")
	if [ -z "$t_issue" ]; then
		warn "node 1 did not log issuing n$i's record; counting from the join's end"
		t_issue=$t_join
	fi
	if [ ${#pending[@]} -eq 0 ]; then
		c=$((last - t_issue))
		# the log lines of the last nodes may still be on their way
		if wait_for 5 learned "$i"; then
			b=$((${seen#* } - t_issue))
		else
			warn "only ${seen% *} of $((i - 1)) nodes logged learning n$i; reporting the polled time"
			b=$c
		fi
	fi
	echo "$a $b $c $((t_join - t0))" >>"$MG_TMP/r$R.times"

	wait_for $limit_s settled "$i" ||
		warn "the mesh did not settle after n$i joined (${limit_s} s)"
}

# ---------------------------------------------------------------- one size

# median of column C of rR.times, in ms
median()
{
	awk -v c="$1" '{ print $c == "-" ? 1e18 : $c }' "$MG_TMP/r$R.times" | sort -g |
		awk '{ v[NR] = $1 }
		END { m = v[int((NR + 1) / 2)]
		      if (!NR || m >= 1e18) print "gave up"; else printf "%.1f ms\n", m / 1e3 }'
}

run()
{
	local N=$1 i t_start t_last tail_pid m0 m1 mn reached=0
	local anon0 rss0 store0 anon1 rss1 store1 anonN rssN storeN first

	R=$N
	pid=()
	now
	t_start=$NOW
	bridge_add "r${R}w"
	for ((i = 1; i <= N; i++)); do
		bridge_attach "r${R}w" "$(host_of "$i")=$(wan_of "$i")/24"
		prepare "$i"
	done
	tail -n 0 -F --pid=$$ "$MG_TMP"/r"$R"n*/log 2>/dev/null > >(stamp >"$MG_TMP/r$R.log") &
	tail_pid=$!

	H "$(host_of 1)" "$meshgate" init bench --mesh-range 198.18.0.0/15 --name n1 --site s1 \
		--public-address "$(wan_of 1)" --config "$(dir_of 1)/meshgate.conf" \
		--state-dir "$(dir_of 1)/state" --interface "$(ifn_of 1)" --no-start \
		>"$(dir_of 1)/init.out" 2>&1 || die "meshgate init failed: $(cat "$(dir_of 1)/init.out")"
	start 1
	started 1
	wait_for 10 settled 1 || die "node 1 (N=$N) does not list itself"
	m0=$(mem)

	join 2 "$(invite 2)"
	start 2
	started 2
	ping_from_1 2 || warn "node 1 cannot ping node 2"
	m1=$(mem)

	for ((i = 3; i <= N - 3; i++)); do
		join "$i" "$(invite "$i")"
		start "$i"
	done
	now
	t_last=$NOW
	for ((i = 3; i <= N - 3; i++)); do
		started "$i"
	done
	wait_for $limit_s settled $((N - 3)) ||
		warn "the first $((N - 3)) nodes did not settle (${limit_s} s)"
	# An inviter answers 64 join requests per 10 s (MEMBER_JOIN_BURST):
	# the measured joins, and a few resends, must not wait for the next.
	if [ $((N - 3 - 1 + 3 + 4)) -gt 64 ]; then
		now
		[ $((t_last + 10500000 - NOW)) -le 0 ] ||
			sleep "$(awk -v us=$((t_last + 10500000 - NOW)) 'BEGIN { printf "%.3f", us / 1e6 }')"
	fi

	: >"$MG_TMP/r$R.times"
	for ((i = N - 2; i <= N; i++)); do
		measure "$i"
	done

	for ((i = 2; i <= N; i++)); do
		ping_from_1 "$i" && reached=$((reached + 1))
	done
	[ "$reached" = $((N - 1)) ] || warn "node 1 reached only $reached of $((N - 1)) peers by ping"
	mn=$(mem)

	for ((i = 1; i <= N; i++)); do
		kill "${pid[$i]}" 2>/dev/null
	done
	for ((i = 1; i <= N; i++)); do
		wait_for 10 exited "${pid[$i]}" || kill -KILL "${pid[$i]}" 2>/dev/null
		wait "${pid[$i]}" 2>/dev/null
	done
	kill "$tail_pid" 2>/dev/null
	wait "$tail_pid" 2>/dev/null
	keep_logs

	read -r anon0 rss0 store0 <<<"$m0"
	read -r anon1 rss1 store1 <<<"$m1"
	read -r anonN rssN storeN <<<"$mn"
	res_a[$N]=$(median 1)
	res_b[$N]=$(median 2)
	res_rss[$N]=$(awk -v a="$anon1" -v b="$anonN" -v n=$((N - 2)) \
		'BEGIN { printf "%.1f KiB", (b - a) / n }')
	first=$((anon1 - anon0))
	res_store[$N]=$(awk -v a="$store0" -v b="$storeN" -v n=$((N - 1)) \
		'BEGIN { printf "%.0f B", (b - a) / n }')
	now
	echo "mesh N=$N: join->first ping ${res_a[$N]} (median of 3)," \
		"record->all nodes ${res_b[$N]} (median of 3)," \
		"memory: ${res_rss[$N]} RSS per peer (the first +$first KiB), store ${res_store[$N]} per peer"
	echo "  runs (join command/first ping/record/polled ms): $(awk '
		function s(v) { return v == "-" ? "-" : sprintf("%.1f", v / 1e3) }
		{ printf "%s%s/%s/%s/%s", (NR > 1 ? ", " : ""), s($4), s($1), s($2), s($3) }' \
		"$MG_TMP/r$R.times");" \
		"node 1 with 0/1/$((N - 1)) peers: RssAnon $anon0/$anon1/$anonN KiB," \
		"VmRSS $rss0/$rss1/$rssN KiB, store $store0/$store1/$storeN B; $(((NOW - t_start) / 1000000)) s"
}

declare -A res_a=() res_b=() res_rss=() res_store=()
echo "mesh_join: nodes $sizes, last 3 joins measured; $(nproc) CPUs, $(uname -r)"
for n in $sizes; do
	run "$n"
done
summary=
for n in $sizes; do
	summary="$summary${summary:+; }N=$n ${res_a[$n]}, ${res_b[$n]}, ${res_rss[$n]}, ${res_store[$n]}"
done
echo "mesh join: join->first ping, record->all nodes (medians), RSS and store per peer: $summary"
