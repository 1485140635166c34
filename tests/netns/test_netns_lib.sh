#!/bin/bash
# The namespace test library checks itself: NAT, port forwarding, a bridge,
# and that nothing outlives a test.
#
#   lan ---------------- router ---------------- wan
#   10.0.1.2/24   10.0.1.1/24  10.0.2.1/24   10.0.2.2/24
#   default via         masquerade out of to-wan,
#   10.0.1.1            tcp 8080 -> 10.0.1.2:8000
#
#   b1 10.0.9.1/24 --+
#   b2 10.0.9.2/24 --+-- sw (br0)
#   b3 10.0.9.3/24 --+

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool nft socat ping ss

# A listener that answers each connection with the address it came from.
peer_echo_tcp()
{
	H "$1" socat "TCP-LISTEN:$2,reuseaddr,fork" \
		SYSTEM:'echo "$SOCAT_PEERADDR"' >/dev/null 2>&1 &
}

# What a TCP listener at ADDR:PORT says back to HOST.
ask_tcp()
{
	H "$1" timeout 10 socat -t 5 - "TCP:$2:$3,connect-timeout=5" </dev/null 2>&1
}

host_add lan
host_add router
host_add wan
link_add lan router 10.0.1.2/24 10.0.1.1/24
link_add router wan 10.0.2.1/24 10.0.2.2/24
H lan ip route add default via 10.0.1.1
router_nat router to-lan to-wan
port_forward router tcp 8080 10.0.1.2 8000

peer_echo_tcp wan 7000
peer_echo_tcp lan 8000
H_bg wan socat -u UDP-RECVFROM:7001,reuseaddr \
	"SYSTEM:echo \"\$SOCAT_PEERADDR\" >$MG_TMP/udp-peer" >/dev/null 2>&1

tap_check "listeners are up" wait_for 10 eval \
	'listening wan tcp 7000 && listening lan tcp 8000 && listening wan udp 7001'
tap_check "lan pings router" H lan ping -c 1 -W 5 10.0.1.1
tap_check "lan pings wan through the NAT" H lan ping -c 1 -W 5 10.0.2.2
tap_check "wan has no route to lan's network" eval \
	'! H wan ip route get 10.0.1.2 >/dev/null 2>&1'

tap_is "tcp from lan reaches wan from the router's WAN address" \
	"$(ask_tcp lan 10.0.2.2 7000)" 10.0.2.1

H lan socat -u - UDP-SENDTO:10.0.2.2:7001 <<<hello
wait_for 10 test -s "$MG_TMP/udp-peer"
tap_is "udp from lan reaches wan from the router's WAN address" \
	"$(cat "$MG_TMP/udp-peer" 2>/dev/null)" 10.0.2.1

tap_is "port 8080 on the router's WAN address reaches lan:8000" \
	"$(ask_tcp wan 10.0.2.1 8080)" 10.0.2.2
tap_is "the router itself reaches lan:8000" \
	"$(ask_tcp router 10.0.1.2 8000)" 10.0.1.1
H wan ip route add 10.0.1.0/24 via 10.0.2.1
tap_check "unsolicited tcp from wan to lan:8000 is dropped" eval \
	'! H wan timeout 10 socat -u /dev/null TCP:10.0.1.2:8000,connect-timeout=2'

bridge_add sw
bridge_attach sw b1=10.0.9.1/24 b2=10.0.9.2/24 b3=10.0.9.3/24
for from in 1 2 3; do
	for to in 1 2 3; do
		[ $from = $to ] && continue
		tap_check "bridge: b$from pings b$to" \
			H b$from ping -c 1 -W 5 10.0.9.$to
	done
done

# A test that builds hosts, starts a process in one of them, then dies:
# "exit" fails at once (its process ignores SIGTERM, so cleanup has to
# insist), "wait" waits to be killed.
child_script='
	. "$1"
	host_add x
	host_add y
	link_add x y 10.0.3.1/24 10.0.3.2/24
	if [ "$2" = wait ]; then
		H_bg x sleep 1000
	else
		H_bg x bash -c "trap \"\" TERM; exec sleep 1000"
	fi
	echo "$MG_PREFIX $MG_BG_PID $MG_TMP"
	[ "$2" != wait ] || wait
	exit 3
'

# left_behind PREFIX PID TMP: names what a finished child left, if anything.
left_behind()
{
	local left
	left=$(ip netns list | awk -v p="$1" 'index($1, p) == 1 { print $1 }')
	[ -z "$left" ] || echo "namespaces: $left"
	exited "$2" || echo "process $2 still runs"
	[ ! -e "$3" ] || echo "directory $3 still exists"
}

bash -c "$child_script" child "$here/lib.sh" exit >"$MG_TMP/child.out"
tap_is "cleanup keeps the test's exit status" $? 3
read -r c_prefix c_pid c_tmp <"$MG_TMP/child.out"
tap_is "a failing test leaves nothing behind" \
	"$(left_behind "$c_prefix" "$c_pid" "$c_tmp")" ""

: >"$MG_TMP/child.out"
bash -c "$child_script" child "$here/lib.sh" wait >"$MG_TMP/child.out" &
child=$!
wait_for 10 test -s "$MG_TMP/child.out"
read -r c_prefix c_pid c_tmp <"$MG_TMP/child.out"
kill -TERM $child
wait_for 10 exited $child || kill -KILL $child
wait $child
tap_is "SIGTERM stops a test with status 143" $? 143
tap_is "a terminated test leaves nothing behind" \
	"$(left_behind "$c_prefix" "$c_pid" "$c_tmp")" ""

mg_cleanup
tap_is "cleanup removes this test's namespaces" "$(mg_our_netns)" ""

tap_done
