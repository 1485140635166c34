#!/bin/sh
# Quick start: installs what meshgate needs, builds it, and builds a small
# mesh the way users do, in two network namespaces joined by a veth (nothing
# leaves this machine): `meshgate init` on the first node, `meshgate invite`
# there, `meshgate join` with the token on the second, then a ping from one
# to the other over the mesh and `meshgate nodes`. Keys and state live in a
# temporary directory. Run as root.
#   scripts/demo.sh          run, show, stop and clean up
#   scripts/demo.sh --keep   leave both nodes running (prints how to talk to them and stop them)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
keep=no
[ "${1:-}" = "--keep" ] && keep=yes

"$top/scripts/deps.sh" build
"$top/scripts/build.sh" "$top/build/plain"

bin="$top/build/plain"
meshgate="$bin/tools/meshgate"
for ns in meshgate-demo-a meshgate-demo-b; do
	if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
		echo "a demo is already running in namespace $ns: stop it with" >&2
		echo "  ip netns pids $ns | xargs kill; ip netns del $ns" >&2
		exit 1
	fi
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n meshgate-demo-a link add wan type veth peer name wan netns meshgate-demo-b
ip -n meshgate-demo-a addr add 192.0.2.1/24 dev wan
ip -n meshgate-demo-b addr add 192.0.2.2/24 dev wan
ip -n meshgate-demo-a link set wan up
ip -n meshgate-demo-b link set wan up
tmp=$(mktemp -d /tmp/meshgate-demo.XXXXXX)

# node NAME: its directory, with a conf.d that keeps its control socket and
# pid file there instead of /run (both nodes run on this one machine).
node() {
	mkdir -p "$tmp/$1/conf.d"
	cat >"$tmp/$1/conf.d/demo.conf" <<-EOF
	[node]
	control-socket = $tmp/$1/control.sock
	pid-file = $tmp/$1/meshgated.pid
	EOF
}
# start NAME NAMESPACE: meshgated forks and returns once it is ready.
start() {
	ip netns exec "$2" "$bin/daemon/meshgated" -c "$tmp/$1/meshgate.conf"
}
ask() {
	n=$1
	shift
	"$meshgate" -s "$tmp/$n/control.sock" "$@"
}

stop() {
	for ns in meshgate-demo-a meshgate-demo-b; do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for _ in $(seq 50); do
		[ -z "$(ip netns pids meshgate-demo-a 2>/dev/null)$(ip netns pids meshgate-demo-b \
			2>/dev/null)" ] && break
		sleep 0.1
	done
	ip netns del meshgate-demo-a 2>/dev/null || true
	ip netns del meshgate-demo-b 2>/dev/null || true
	rm -rf "$tmp"
	echo "== stopped; the namespaces and $tmp are gone"
}
[ "$keep" = yes ] || trap stop EXIT

node alpha
echo "== alpha: meshgate init demo --mesh-range 10.77.0.0/16,fd77::/48"
"$meshgate" init demo --mesh-range 10.77.0.0/16,fd77::/48 --name alpha --site home \
	--subnet 192.168.50.0/24 --public-address 192.0.2.1 \
	--config "$tmp/alpha/meshgate.conf" --state-dir "$tmp/alpha/state" --interface mgdemo0 \
	--no-start
start alpha meshgate-demo-a
echo "== alpha: meshgate invite beta"
token=$(ask alpha invite beta | sed -n 's/^token: *//p')
echo "$token"

node beta
echo "== beta: meshgate join <token>"
ip netns exec meshgate-demo-b "$meshgate" join "$token" --public-address 192.0.2.2 \
	--config "$tmp/beta/meshgate.conf" --state-dir "$tmp/beta/state" --interface mgdemo1 \
	--no-start
start beta meshgate-demo-b

echo "== beta: ping alpha's mesh address, 10.77.0.1"
for _ in $(seq 50); do
	ip netns exec meshgate-demo-b ping -c1 -W1 10.77.0.1 >/dev/null 2>&1 && break
	sleep 0.2
done
ip netns exec meshgate-demo-b ping -c3 -i0.2 10.77.0.1
echo "== alpha: meshgate nodes"
ask alpha nodes
if [ "$keep" = yes ]; then
	echo "Both nodes keep running. Try: $meshgate -s $tmp/alpha/control.sock status"
	echo "Stop them with: ip netns pids meshgate-demo-a | xargs kill;" \
	     "ip netns pids meshgate-demo-b | xargs kill;" \
	     "ip netns del meshgate-demo-a; ip netns del meshgate-demo-b; rm -r $tmp"
fi
