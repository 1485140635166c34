#!/bin/sh
# The meshgate tool's answers and exit codes: no socket, a stale socket, a
# socket it may not open, and a fake daemon (socat) answering OK, ERR or junk.
# TAP output.

tool="${top_builddir:-.}/tools/meshgate"
dir=$(mktemp -d /tmp/test_tool.XXXXXX) || exit 1
socat_pid=
cleanup() {
	[ -n "$socat_pid" ] && kill "$socat_pid" 2>/dev/null && wait "$socat_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# expect NAME WANT_RC WANT_STDOUT WANT_STDERR -- tool arguments...
expect() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	"$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	out=$(cat "$dir/out")
	err=$(cat "$dir/err")
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] && [ "$err" = "$want_err" ]; then
		ok "$name"
	else
		not_ok "$name"
		echo "# rc=$rc (want $want_rc)"
		echo "# stdout: $out"
		echo "#   want: $want_out"
		echo "# stderr: $err"
		echo "#   want: $want_err"
	fi
}

wait_for_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

echo "1..12"

expect "missing socket" 1 "" \
	"meshgate: meshgated is not running (no control socket at $dir/none.sock)" \
	-- "$tool" -s "$dir/none.sock" status
expect "missing socket from the environment, --json after the command" 1 "" \
	"meshgate: meshgated is not running (no control socket at $dir/env.sock)" \
	-- env MESHGATE_CONTROL_SOCKET="$dir/env.sock" "$tool" status --json
expect "-s wins over the environment" 1 "" \
	"meshgate: meshgated is not running (no control socket at $dir/opt.sock)" \
	-- env MESHGATE_CONTROL_SOCKET="$dir/env.sock" "$tool" --socket="$dir/opt.sock"
expect "unknown command" 1 "" "meshgate: unknown command 'bogus' (see meshgate --help)" \
	-- "$tool" -s "$dir/none.sock" bogus
version=$("$tool" --version)
case $version in
"meshgate "[0-9]*.[0-9]*) ok "version" ;;
*) not_ok "version"; echo "# got: $version" ;;
esac

if ! command -v socat >/dev/null 2>&1; then
	for t in "stale socket" "permission denied" "OK text" "OK json" "ERR" "junk" "silence"; do
		skip "$t" "socat not installed"
	done
	exit $failed
fi

# A daemon that died without removing its socket.
socat UNIX-LISTEN:"$dir/stale.sock",unlink-close=0 /dev/null &
socat_pid=$!
wait_for_socket "$dir/stale.sock"
kill "$socat_pid"
wait "$socat_pid" 2>/dev/null
socat_pid=
expect "stale socket" 1 "" \
	"meshgate: meshgated is not running (stale socket at $dir/stale.sock)" \
	-- "$tool" -s "$dir/stale.sock"

# The fake daemon answers according to $dir/mode and echoes the request.
cat >"$dir/fake.sh" <<'EOS'
#!/bin/sh
IFS= read -r line
case $(cat "${0%/*}/mode") in
ok) printf 'OK\nrequest: %s\n' "$line" ;;
err) printf 'ERR no such peer\n' ;;
junk) printf 'HELLO\n' ;;
silence) ;;
esac
EOS
chmod +x "$dir/fake.sh"
mkdir "$dir/run"
socat UNIX-LISTEN:"$dir/run/control.sock",fork EXEC:"$dir/fake.sh" &
socat_pid=$!
wait_for_socket "$dir/run/control.sock"
sock=$dir/run/control.sock

nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
   $nobody "$tool" --version >/dev/null 2>&1; then
	chmod 0700 "$dir/run"
	expect "permission denied" 1 "" \
		"meshgate: permission denied on $sock: run as root or as a member of group meshgate" \
		-- $nobody "$tool" -s "$sock"
else
	skip "permission denied" "needs root, setpriv and a tool that nobody may run"
fi

echo ok >"$dir/mode"
expect "OK text" 0 "request: status" "" -- "$tool" -s "$sock" status
expect "OK json" 0 "request: status --json" "" -- "$tool" --json -s "$sock"
echo err >"$dir/mode"
expect "ERR" 1 "" "meshgate: no such peer" -- "$tool" -s "$sock" status
echo junk >"$dir/mode"
expect "junk" 1 "" "meshgate: unexpected answer from meshgated at $sock" -- "$tool" -s "$sock"
echo silence >"$dir/mode"
expect "silence" 1 "" "meshgate: meshgated closed the connection without answering" \
	-- "$tool" -s "$sock"

exit $failed
