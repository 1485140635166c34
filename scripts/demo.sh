#!/bin/sh
# Quick start: installs what meshgate needs, builds it, and runs meshgated with
# the shipped example configuration (packaging/meshgate.conf) in a network
# namespace of its own, then asks it for its status. The node's private key
# is made for the demo in a temporary state directory (conf.d/demo.conf
# points there). Run as root.
#   scripts/demo.sh          run, show status, stop and clean up
#   scripts/demo.sh --keep   leave it running (prints how to talk to it and stop it)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
keep=no
[ "${1:-}" = "--keep" ] && keep=yes

"$top/scripts/deps.sh" build
"$top/scripts/build.sh" "$top/build/plain"

ns=meshgate-demo
bin="$top/build/plain"
log=/tmp/meshgate-demo.log
if ip netns pids "$ns" >/dev/null 2>&1 && [ -n "$(ip netns pids "$ns")" ]; then
	echo "a demo is already running in namespace $ns: stop it with" >&2
	echo "  ip netns pids $ns | xargs kill; ip netns del $ns" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/meshgate-demo.XXXXXX)
conf="$tmp/meshgate.conf"
cp "$top/packaging/meshgate.conf" "$conf"
mkdir -m 700 "$tmp/conf.d" "$tmp/state"
(umask 077 && "$bin/tools/meshgate" genkey >"$tmp/state/private.key")
cat >"$tmp/conf.d/demo.conf" <<EOF
# The demo's own state: a fresh key, nothing in /var/lib/meshgate.
[node]
state-dir = $tmp/state
[mesh]
private-key-file = $tmp/state/private.key
EOF
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up

stop() {
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	[ -n "$pids" ] && kill $pids 2>/dev/null
	for _ in $(seq 50); do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
		sleep 0.1
	done
	if ip -n "$ns" link show mg0 >/dev/null 2>&1; then
		echo "mg0 is still there after meshgated stopped" >&2
	else
		echo "meshgated stopped and mg0 is gone. Its log:"
		sed 's/^/  /' "$log"
	fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
[ "$keep" = yes ] || trap stop EXIT

echo "== this node's public key: $("$bin/tools/meshgate" pubkey <"$tmp/state/private.key")"
echo "== meshgated --check-config -c $conf"
"$bin/daemon/meshgated" --check-config -c "$conf"
echo "== starting meshgated in network namespace $ns (log: $log)"
ip netns exec "$ns" "$bin/daemon/meshgated" --foreground -c "$conf" >"$log" 2>&1 &
for _ in $(seq 100); do
	"$bin/tools/meshgate" status >/dev/null 2>&1 && break
	sleep 0.1
done
echo "== meshgate status"
"$bin/tools/meshgate" status
echo "== ip -n $ns address show mg0"
ip -n "$ns" address show mg0
if [ "$keep" = yes ]; then
	echo "meshgated keeps running. Try: $bin/tools/meshgate status --json"
	echo "Stop it with: ip netns pids $ns | xargs kill; ip netns del $ns; rm -r $tmp"
else
	echo "== stopping meshgated (SIGTERM); it removes mg0 and its addresses"
fi
