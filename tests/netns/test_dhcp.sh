#!/bin/bash
# meshgated's DHCPv4 server against Debian's clients, on one LAN.
#
#   gw   meshgated 10.66.0.1/22: range .0.100-.3.250, lease-time 1m, a
#   |    reservation for 02:00:00:00:01:44 (10.66.0.44 "printer"),
#   |    static route 10.99.0.0/16 through itself (option 121)
#   +-- c1 dhclient     +-- c2 udhcpc       +-- c3 dhcpcd
#   +-- c4 udhcpc with the reserved MAC      +-- perf perfdhcp 10.66.0.2/22
#   +-- c5 dhcpcd, reserved 10.66.0.45       +-- sq squats on 10.66.0.45
#   all on br0 (host sw)
#
#  1. dhclient, udhcpc and dhcpcd each get an address from the range with
#     the router, DNS, domain, search, NTP, MTU and classless routes of
#     [dhcp]; udhcpc's and dhcpcd's routing tables hold the option 121
#     route; c4 gets its reserved address and name. meshgate leases --json
#     lists every lease with its MAC, name and state. Each client's name
#     resolves through meshgated's DNS (10.66.0.1), forward and reverse.
#  2. Each client renews by itself (T1, 30 s): its expiry moves on, its
#     address stays. Meanwhile c5 (dhcpcd) is offered its reserved address,
#     which host sq squats: it declines it, the address is quarantined and
#     c5 gets another.
#  3. SIGHUP with a changed [dhcp] rebuilds the server from the journal:
#     every lease is still there.
#  4. Each client releases: its lease is gone from meshgate leases, and its
#     name from the DNS.
#  5. meshgated is SIGKILLed in the middle of a perfdhcp load and started
#     again: every lease perfdhcp was sent an ACK for (tcpdump on its side
#     records them) is in meshgate leases.
#
# Timings are never asserted; every wait is bounded.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq dhclient udhcpc dhcpcd perfdhcp tcpdump timeout dig

need_meshgate

GW=10.66.0.1
RES_MAC=02:00:00:00:01:44
SQUAT_MAC=02:00:00:00:01:45
declare -A MAC=([c1]=02:00:00:00:01:01 [c2]=02:00:00:00:01:02 [c3]=02:00:00:00:01:03
	[c4]=$RES_MAC [c5]=$SQUAT_MAC [sq]=02:00:00:00:01:46 [perf]=02:00:00:00:01:99)
declare -A PID=()
T=$MG_TMP

# Client interfaces are named per run: dhcpcd keeps its pid file, control
# socket and lease file under the interface's name in /run and /var/lib,
# which every namespace shares; so does the mesh TUN's UAPI socket.
ifn() { local n="d$$$1"; echo "${n:0:15}"; }
TUN=$(ifn m)

dhcp_cleanup()
{
	local h
	for h in c1 c2 c3 c4 c5 sq perf; do
		rm -rf "/run/dhcpcd/$(ifn $h)"* "/var/lib/dhcpcd/$(ifn $h)"* 2>/dev/null
	done
	mg_cleanup
}
trap dhcp_cleanup EXIT

die()
{
	[ -f "$T/gw/meshgated.log" ] && { tap_diag "meshgated:"; tap_diag <"$T/gw/meshgated.log"; }
	bail "$*"
}

# ---------------------------------------------------------------- helpers

write_conf()
{
	local mtu=$1 dir=$T/gw
	mkdir -p "$dir/state"
	[ -f "$dir/private.key" ] ||
		(umask 077 && "$meshgate" genkey >"$dir/private.key") || bail "genkey failed"
	cat >"$dir/meshgate.conf" <<-EOF
	[node]
	name = gw
	pid-file = $dir/meshgated.pid
	control-socket = $dir/control.sock
	state-dir = $dir/state
	log-level = info

	[mesh]
	private-key-file = $dir/private.key
	interface = $TUN

	[site]
	domain = site1.test
	subnet = 10.66.0.0/22

	[dns]
	listen = $GW
	upstream = 10.66.0.254

	[dhcp]
	interface = to-sw
	subnet = 10.66.0.0/22
	range = 10.66.0.100-10.66.3.250
	lease-time = 1m
	dns = 10.66.0.53
	domain = site1.test
	search = site1.test, mesh.test
	ntp = 10.66.0.123
	mtu = $mtu
	route = 10.99.0.0/16

	[dhcp-reservation]
	mac = $RES_MAC
	address = 10.66.0.44
	name = printer

	[dhcp-reservation]
	mac = $SQUAT_MAC
	address = 10.66.0.45
	EOF
}

start_gw()
{
	H_bg gw "$meshgated" -f -c "$T/gw/meshgate.conf" >>"$T/gw/meshgated.log" 2>&1
	PID[gw]=$MG_BG_PID
	wait_for 10 test -S "$T/gw/control.sock" || die "meshgated did not start"
	wait_for 10 eval 'mg leases --json | jq -e ".state == \"serving\""' ||
		die "meshgated does not serve DHCP"
}

mg() { H gw "$meshgate" -s "$T/gw/control.sock" "$@"; }

# lease MAC FILTER: a field of the lease of MAC in meshgate leases --json.
lease() { mg leases --json | jq -r --arg m "$1" "[.leases[] | select(.mac == \$m)][0] | $2"; }

# The last value of KEY a client's hook logged.
got() { awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$T/$1.log"; }
events() { awk -F= '$1 == "event" { printf "%s ", $2 }' "$T/$1.log" 2>/dev/null; }

hook_for()
{
	printf '#!/bin/sh\nexec %s/dhcp_client.sh %s/%s.log "$@"\n' "$here" "$T" "$1" >"$T/$1.hook"
	chmod +x "$T/$1.hook"
}

# A client host on the bridge with its own MAC, interface up, no address.
client_add()
{
	local h=$1 i
	i=$(ifn "$h")
	host_add "$h"
	mg_setup ip -n "$(mg_ns sw)" link add "to-$h" type veth peer name "$i" netns "$(mg_ns "$h")"
	mg_setup H sw ip link set "to-$h" master br0 up
	mg_setup H "$h" ip link set "$i" address "${MAC[$h]}" up
}

addr_of() { H "$1" ip -4 -o addr show dev "$(ifn "$1")" | awk '{ split($4, a, "/"); print a[1]; exit }'; }
ip_num() { local IFS=.; set -- $1; echo $(($1 << 24 | $2 << 16 | $3 << 8 | $4)); }
in_range()
{
	case $1 in 10.66.*.*) ;; *) return 1 ;; esac
	[ "$(ip_num "$1")" -ge "$(ip_num 10.66.0.100)" ] && [ "$(ip_num "$1")" -le "$(ip_num 10.66.3.250)" ]
}

# stop_pid PID: SIGTERM, SIGKILL after 5 s; its exit status in STOPPED.
stop_pid()
{
	local pid=$1
	STOPPED=
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait_for 5 exited "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	STOPPED=$?
	return 0
}

# ---------------------------------------------------------------- topology

bridge_add sw
bridge_attach sw gw=$GW/22
for h in c1 c2 c3 c4 c5 sq perf; do
	client_add "$h"
done
mg_setup H perf ip addr add 10.66.0.2/22 dev "$(ifn perf)"
# sq squats the address reserved for c5.
mg_setup H sq ip addr add 10.66.0.45/22 dev "$(ifn sq)"

write_conf 1400
start_gw

# ---------------------------------------------------------------- 1. obtain

cat >"$T/c1.conf" <<EOF
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
send host-name "c1";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers,
	domain-search, ntp-servers, interface-mtu, rfc3442-classless-static-routes;
EOF
hook_for c1
H_bg c1 timeout 150 dhclient -4 -d -v -cf "$T/c1.conf" -lf "$T/c1.leases" -pf "$T/c1.pid" \
	-sf "$T/c1.hook" "$(ifn c1)" >"$T/c1.out" 2>&1
PID[c1]=$MG_BG_PID

hook_for c2
H_bg c2 timeout 150 udhcpc -f -i "$(ifn c2)" -s "$T/c2.hook" -p "$T/c2.pid" -t 10 -T 1 -A 1 \
	-x hostname:c2 -O staticroutes -O search -O ntpsrv -O mtu >"$T/c2.out" 2>&1
PID[c2]=$MG_BG_PID

cat >"$T/c3.conf" <<EOF
hostname c3
ipv4only
noipv4ll
noarp
option domain_name_servers, domain_name, domain_search, classless_static_routes
option interface_mtu, ntp_servers
EOF
# No hooks: dhcpcd's own would rewrite the host's resolv.conf and name.
H_bg c3 timeout 150 dhcpcd -4 -B -c /bin/true -f "$T/c3.conf" "$(ifn c3)" >"$T/c3.out" 2>&1
PID[c3]=$MG_BG_PID

hook_for c4
H c4 timeout 20 udhcpc -q -n -f -i "$(ifn c4)" -s "$T/c4.hook" -t 10 -T 1 -A 1 \
	>"$T/c4.out" 2>&1

for h in c1 c2 c3; do
	wait_for 20 eval 'in_range "$(addr_of $h)"' >/dev/null
done
for h in c1 c2 c3; do
	a=$(addr_of $h)
	tap_check "$h obtains an address in the range ($a)" in_range "$a" ||
		tap_diag <"$T/$h.out"
	tap_is "meshgate leases: $h's MAC holds $a, leased" "$(lease "${MAC[$h]}" '.address + " " + .state')" "$a leased"
	tap_is "meshgate leases: $h's name" "$(lease "${MAC[$h]}" .name)" "$h"
done
tap_is "c4 gets its reserved address" "$(addr_of c4)" 10.66.0.44
tap_is "meshgate leases: the reservation, leased, named printer" \
	"$(lease $RES_MAC '.address + " " + .state + " " + .name + " " + (.reserved | tostring)')" \
	"10.66.0.44 leased printer true"

# dhclient's view of the options.
tap_is "dhclient: router" "$(got c1 new_routers)" "$GW"
tap_is "dhclient: DNS" "$(got c1 new_domain_name_servers)" 10.66.0.53
tap_is "dhclient: domain" "$(got c1 new_domain_name)" site1.test
tap_is "dhclient: search list" "$(got c1 new_domain_search)" "site1.test. mesh.test."
tap_is "dhclient: NTP" "$(got c1 new_ntp_servers)" 10.66.0.123
tap_is "dhclient: MTU" "$(got c1 new_interface_mtu)" 1400
tap_is "dhclient: classless routes (10.99.0.0/16 and the default, via $GW)" \
	"$(got c1 new_rfc3442_classless_static_routes)" "16 10 99 10 66 0 1 0 10 66 0 1"
tap_is "dhclient: lease time" "$(got c1 new_dhcp_lease_time)" 60

# udhcpc's, and the routes its hook installed.
tap_is "udhcpc: router, DNS, domain" "$(got c2 router) $(got c2 dns) $(got c2 domain)" \
	"$GW 10.66.0.53 site1.test"
tap_is "udhcpc: search list" "$(got c2 search)" "site1.test mesh.test"
tap_is "udhcpc: classless routes" "$(got c2 staticroutes)" "10.99.0.0/16 $GW 0.0.0.0/0 $GW"
tap_is "udhcpc: NTP and MTU" "$(got c2 ntpsrv) $(got c2 mtu)" "10.66.0.123 1400"
tap_check "udhcpc's host routes 10.99.0.0/16 through $GW (option 121)" \
	eval "H c2 ip -4 route show 10.99.0.0/16 | grep -q 'via $GW'"

# dhcpcd installs option 121 by itself.
wait_for 5 eval "H c3 ip -4 route show 10.99.0.0/16 | grep -q 'via $GW'"
tap_check "dhcpcd's host routes 10.99.0.0/16 through $GW (option 121)" \
	eval "H c3 ip -4 route show 10.99.0.0/16 | grep -q 'via $GW'"
tap_check "dhcpcd's default route is through $GW (in option 121 too)" \
	eval "H c3 ip -4 route show default | grep -q 'via $GW'"
# dhcpcd puts option 26 on the routes it adds, not on the interface.
tap_check "dhcpcd applies the MTU (1400) to its routes" \
	eval "H c3 ip -4 route show 10.99.0.0/16 | grep -q 'mtu 1400'" ||
	H c3 ip -4 route | tap_diag

# The names the clients sent are in the site's zone, both ways.
ask() { H perf dig +short +tries=1 +time=8 @$GW "$@" 2>&1; }
for h in c1 c2 c3; do
	a=$(addr_of $h)
	tap_is "$h.site1.test resolves to $a through meshgated's DNS, and back" \
		"$(ask "$h.site1.test" A) $(ask -x "$a")" "$a $h.site1.test."
done
tap_is "the reservation's name resolves both ways" \
	"$(ask printer.site1.test A) $(ask -x 10.66.0.44)" "10.66.0.44 printer.site1.test."

# ---------------------------------------------------------------- 2. renew, decline

# Meanwhile c5's dhcpcd is offered its reserved address, finds sq on it
# (ARP) and declines it: the address is quarantined, c5 gets another one.
sed '/noarp/d; s/hostname c3/hostname c5/' "$T/c3.conf" >"$T/c5.conf"
H_bg c5 timeout 150 dhcpcd -4 -B -c /bin/true -f "$T/c5.conf" "$(ifn c5)" >"$T/c5.out" 2>&1
PID[c5]=$MG_BG_PID

declare -A EXP=() ADDR=()
for h in c1 c2 c3; do
	EXP[$h]=$(lease "${MAC[$h]}" .expires)
	ADDR[$h]=$(addr_of $h)
done
renewed()
{
	local h
	for h in c1 c2 c3; do
		[ "$(lease "${MAC[$h]}" .expires)" -gt "${EXP[$h]}" ] || return 1
	done
}
wait_for 50 renewed >/dev/null
for h in c1 c2 c3; do
	e=$(lease "${MAC[$h]}" .expires)
	tap_check "$h renews: its lease runs longer ($e > ${EXP[$h]})" test "$e" -gt "${EXP[$h]}"
	tap_is "$h keeps its address through the renewal" "$(lease "${MAC[$h]}" .address)" "${ADDR[$h]}"
done
tap_check "dhclient saw a RENEW" eval 'events c1 | grep -q RENEW'
tap_check "udhcpc saw a renew" eval 'events c2 | grep -q renew'

by_addr() { mg leases --json | jq -r --arg a "$1" "[.leases[] | select(.address == \$a)][0] | $2"; }
wait_for 30 eval 'in_range "$(addr_of c5)"' >/dev/null
tap_is "dhcpcd declined the squatted 10.66.0.45: it is quarantined" \
	"$(by_addr 10.66.0.45 '.state + " " + (.mac // "none")')" "declined none"
tap_check "c5 got another address from the range ($(addr_of c5))" in_range "$(addr_of c5)" ||
	tap_diag <"$T/c5.out"
tap_is "meshgate leases: c5's lease" "$(lease $SQUAT_MAC .address)" "$(addr_of c5)"
tap_is "meshgate status counts the DECLINE" "$(mg status --json | jq .dhcp.received.decline)" 1

# ---------------------------------------------------------------- 3. reload

before=$(mg leases --json | jq -c '[.leases[] | {address, mac, state}]')
write_conf 1450
kill -HUP "${PID[gw]}"
wait_for 10 eval 'mg status --json | jq -e ".dhcp.rebuilds == 1"' >/dev/null
tap_is "SIGHUP with a changed [dhcp]: the server is rebuilt" "$(mg status --json | jq .dhcp.rebuilds)" 1
tap_is "every lease is still there after the rebuild" \
	"$(mg leases --json | jq -c '[.leases[] | {address, mac, state}]')" "$before"

# ---------------------------------------------------------------- 4. release

H c1 timeout 10 dhclient -4 -r -cf "$T/c1.conf" -lf "$T/c1.leases" -pf "$T/c1.pid" \
	-sf "$T/c1.hook" "$(ifn c1)" >>"$T/c1.out" 2>&1
kill -USR2 "$(cat "$T/c2.pid")" 2>/dev/null
H c3 timeout 10 dhcpcd -4 -k "$(ifn c3)" >>"$T/c3.out" 2>&1
for h in c1 c2 c3; do
	wait_for 10 eval '[ "$(lease ${MAC[$h]} .state)" != leased ]' >/dev/null
	tap_is "$h released: meshgate leases no longer lists its lease" "$(lease "${MAC[$h]}" .state)" null
	tap_is "$h released: its name is gone from the DNS" \
		"$(H perf dig +tries=1 +time=8 @$GW "$h.site1.test" A |
		   sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" NXDOMAIN
done
for h in c1 c2 c3 c5; do
	stop_pid "${PID[$h]}"
done

# ---------------------------------------------------------------- 5. kill -9 under load

# perfdhcp plays a relay (giaddr 10.66.0.2): the replies come back to it
# unicast, and tcpdump on its side records every ACK it was sent.
H_bg perf tcpdump -i "$(ifn perf)" -n -U -w "$T/acks.pcap" "udp and src host $GW and dst port 67" \
	>"$T/tcpdump.out" 2>&1
PID[tcpdump]=$MG_BG_PID
wait_for 5 grep -q "listening on" "$T/tcpdump.out" || bail "tcpdump did not start"
H_bg perf perfdhcp -4 -l "$(ifn perf)" -r 250 -R 600 -p 10 $GW >"$T/perf.out" 2>&1
PID[perf]=$MG_BG_PID
sleep 4
kill -KILL "${PID[gw]}"
wait "${PID[gw]}" 2>/dev/null
acks() { tcpdump -r "$T/acks.pcap" -n -vvv 2>/dev/null | grep -c 'DHCP-Message (53), length 1: ACK'; }
acked_before=$(acks)
start_gw
wait_for 30 exited "${PID[perf]}" || kill -KILL "${PID[perf]}" 2>/dev/null
wait "${PID[perf]}" 2>/dev/null
stop_pid "${PID[tcpdump]}"

# Every (address, MAC) the clients saw ACKed, and what meshgated has now.
tcpdump -r "$T/acks.pcap" -n -vvv 2>/dev/null | awk '
	/^[0-9][0-9]:[0-9][0-9]:/ { yip = ""; mac = "" }
	/Your-IP/ { yip = $2 }
	/Client-Ethernet-Address/ { mac = $2 }
	/DHCP-Message \(53\), length 1: ACK/ { print yip, mac }' | sort -u >"$T/acked"
mg leases --json | jq -r '.leases[] | select(.state == "leased") | "\(.address) \(.mac)"' |
	sort -u >"$T/leased"
tap_diag "perfdhcp: $(grep -m1 '^Rate:' "$T/perf.out"); $acked_before ACKs before the kill;" \
	"$(wc -l <"$T/acked") clients' leases ACKed in all"
tap_check "perfdhcp was ACKed leases before meshgated was killed" test "$acked_before" -gt 50
acked_after=$(acks)
tap_check "meshgated served again after the restart ($((acked_after - acked_before)) ACKs)" \
	test "$acked_after" -gt "$acked_before"
comm -23 "$T/acked" "$T/leased" >"$T/lost"
tap_check "every lease perfdhcp saw ACKed is still leased after kill -9 ($(wc -l <"$T/acked"))" \
	test ! -s "$T/lost" || tap_diag <"$T/lost"
tap_is "the journal read back had no torn or corrupt record" \
	"$(mg status --json | jq -c '[.dhcp.journal.torn_dropped, .dhcp.journal.corrupt_skipped]')" "[0,0]"

stop_pid "${PID[gw]}"
tap_is "meshgated stopped cleanly (exit status)" "$STOPPED" 0
tap_check "meshgated logged no sanitizer report" \
	eval '! grep -E "runtime error|AddressSanitizer|LeakSanitizer" "$T/gw/meshgated.log"'
tap_done
