# Helpers for the namespace tests that build a mesh with meshgate init,
# invite and join: node N runs in namespace N with its files, log and
# control socket under $MG_TMP/N. Source after lib.sh and need_meshgate.

declare -A pid=()

dir_of() { echo "$MG_TMP/$1"; }
sock_of() { echo "$MG_TMP/$1/control.sock"; }
mg() { local n=$1; shift; H "$n" "$meshgate" -s "$(sock_of "$n")" "$@"; }

# prepare N: the test's own [node] settings in conf.d/test.conf (sockets and
# pid files per node: /run is shared); a test appends its sections there.
prepare() {
	local n=$1 d
	d=$(dir_of "$n")
	mkdir -p "$d/conf.d"
	cat >"$d/conf.d/test.conf" <<-EOC
	[node]
	control-socket = $(sock_of "$n")
	pid-file = $d/meshgated.pid
	log-level = debug
	EOC
}

start() {
	local n=$1 d
	d=$(dir_of "$n")
	H_bg "$n" "$meshgated" -f -c "$d/meshgate.conf" >>"$d/log" 2>&1
	pid[$n]=$MG_BG_PID
	wait_for 10 test -S "$(sock_of "$n")"
}

# stop N: SIGTERM; the exit status is meshgated's (sanitizer reports make
# it non-zero).
stop() {
	local n=$1
	kill "${pid[$n]}" 2>/dev/null
	wait_for 10 exited "${pid[$n]}" || kill -KILL "${pid[$n]}"
	wait "${pid[$n]}" 2>/dev/null
}

# dump_logs N...: the end of each node's log, as TAP diagnostics.
dump_logs() {
	local n
	for n in "$@"; do
		[ -f "$(dir_of "$n")/log" ] || continue
		tap_diag "---- $n"
		tail -n 30 "$(dir_of "$n")/log" | tap_diag
	done
}
