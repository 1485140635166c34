#!/bin/bash
# VRRPv3 between two meshgated and one keepalived (vrrp_version 3) sharing
# VRID 42 and the VIP 10.42.0.254 on one LAN, with a client pinging the VIP
# every 10 ms through every change of master.
#
#   gw1 meshgated prio 200   gw2 meshgated prio 150   ka keepalived prio 100   cl client
#     10.42.0.1/24             10.42.0.2/24             10.42.0.3/24             10.42.0.100/24
#          \______________________ br0 (host sw) ______________________________/
#   IPv6 as well, meshgated only: VRID 42 with fd42::254/64, both gateways.
#
#  1. Election: gw1 is master, gw2 and ka backups; meshgate vrrp --json says
#     so on both gateways, and the IPv6 router agrees.
#  2. gw1 SIGKILLed: gw2 takes over, the client's pings come back and its
#     ARP entry moves to gw2's MAC. gw1 restarted: it removes the VIP its
#     dead predecessor left, then preempts gw2.
#  3. gw1 stopped cleanly: it resigns (priority 0) and drops the VIP at once;
#     gw2 takes over; pings come back, ARP (and IPv6 neighbour) to gw2.
#  4. gw2's link cut at the switch: keepalived takes over from meshgated
#     (pings, ARP to ka); gw2 reports FAULT. Link back: gw2 preempts
#     keepalived.
#  5. keepalived restarted with priority 250 preempts gw2; SIGKILLed, gw2
#     takes over again (pings, ARP); keepalived stopped cleanly hands back
#     to gw2 too.
#  6. Split brain: nftables drops VRRP between gw1 and gw2: both masters.
#     Healed: exactly one master, gw1.
#  7. SIGHUP raises gw2's priority above gw1's: gw2 preempts. A tracked
#     command failing (weight -150) hands the VIP back to gw1, and back.
#  8. gw2 tracks the mesh's health (weight -150): with its one WireGuard
#     peer not answering, gw1 preempts; once the peer answers, gw2 again.
#
# Timings are never asserted; every wait is bounded.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq keepalived ping nft

need_meshgate

VIP=10.42.0.254
VIP6=fd42::254
declare -A ADDR=([gw1]=10.42.0.1 [gw2]=10.42.0.2 [ka]=10.42.0.3 [cl]=10.42.0.100)
declare -A PID=() STATUS=()

# ---------------------------------------------------------------- helpers

# The mesh TUN names a UAPI socket in /var/run/wireguard: unique per run.
tun_name() { local n=mv${1#gw}$$; echo "${n:0:15}"; }

# write_conf GW PRIORITY [LAN4_LINE]: a meshgated config with one IPv4 and
# one IPv6 virtual router on the LAN interface.
write_conf()
{
	local gw=$1 prio=$2 extra=${3:-} dir=$MG_TMP/$1
	mkdir -p "$dir/state"
	[ -f "$dir/private.key" ] ||
		(umask 077 && "$meshgate" genkey >"$dir/private.key") || bail "genkey failed"
	cat >"$dir/meshgate.conf" <<-EOF
	[node]
	name = $gw
	pid-file = $dir/meshgated.pid
	control-socket = $dir/control.sock
	state-dir = $dir/state
	log-level = info

	[mesh]
	private-key-file = $dir/private.key
	interface = $(tun_name "$gw")

	[vrrp]
	name = lan4
	interface = to-sw
	vrid = 42
	priority = $prio
	advert-interval = 1s
	virtual-address = $VIP/24
	garp-repeat = 3
	garp-interval = 100ms
	notify-command = $here/vrrp_notify.sh $dir/notify.log
	$extra

	[vrrp]
	name = lan6
	interface = to-sw
	vrid = 42
	priority = $prio
	advert-interval = 1s
	virtual-address = $VIP6/64
	EOF
}

start_gw()
{
	H_bg "$1" "$meshgated" -f -c "$MG_TMP/$1/meshgate.conf" >>"$MG_TMP/$1/meshgated.log" 2>&1
	PID[$1]=$MG_BG_PID
	wait_for 10 test -S "$MG_TMP/$1/control.sock" || die "meshgated on $1 did not start"
}

# write_ka PRIORITY
write_ka()
{
	cat >"$MG_TMP/ka/keepalived.conf" <<-EOF
	global_defs {
		router_id ka
		vrrp_version 3
		vrrp_garp_master_repeat 3
		vrrp_garp_master_delay 0
	}
	vrrp_instance lan4 {
		state BACKUP
		interface to-sw
		virtual_router_id 42
		priority $1
		advert_int 1
		virtual_ipaddress {
			$VIP/24
		}
	}
	EOF
}

start_ka()
{
	H_bg ka keepalived -n -l -D -G -R -P -f "$MG_TMP/ka/keepalived.conf" \
		-p "$MG_TMP/ka/keepalived.pid" -r "$MG_TMP/ka/vrrp.pid" \
		>>"$MG_TMP/ka/keepalived.log" 2>&1
	PID[ka]=$MG_BG_PID
	wait_for 10 test -s "$MG_TMP/ka/vrrp.pid" || die "keepalived did not start"
}

# The VRRP child, which holds the VIP; the parent only supervises it.
ka_vrrp_pid() { cat "$MG_TMP/ka/vrrp.pid" 2>/dev/null; }

stop_host()
{
	local h=$1 sig=${2:-TERM} pid=${PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	wait_for 10 exited "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	STATUS[$h]=$?
	PID[$h]=
}

has_vip() { H "$1" ip -4 -o addr show dev to-sw | grep -q " $VIP/"; }
has_vip6() { H "$1" ip -6 -o addr show dev to-sw | grep -q " $VIP6/"; }

# Who holds the VIP, in host order; "" if nobody.
holders()
{
	local h out=
	for h in gw1 gw2 ka; do
		has_vip "$h" && out="$out $h"
	done
	echo "${out# }"
}

holders6()
{
	local h out=
	for h in gw1 gw2; do
		has_vip6 "$h" && out="$out $h"
	done
	echo "${out# }"
}

# vrrp_json GW ROUTER FILTER: one field of `meshgate vrrp --json`.
vrrp_json()
{
	H "$1" "$meshgate" -s "$MG_TMP/$1/control.sock" vrrp --json 2>&1 |
		jq -r --arg n "$2" ".routers[] | select(.name == \$n) | $3" 2>&1
}

mac_of() { H "$1" ip -j link show dev to-sw | jq -r '.[0].address'; }
client_mac_for() { H cl ip -j neigh show "$1" dev to-sw | jq -r '.[0].lladdr // "none"'; }

# expect_holders DESC WANT [TIMEOUT]: waits until exactly WANT hold the VIP.
expect_holders()
{
	local desc=$1 want=$2 t=${3:-15}
	wait_for "$t" eval '[ "$(holders)" = "$want" ]' >/dev/null
	tap_is "$desc" "$(holders)" "$want"
}

expect_state()
{
	local gw=$1 router=$2 want=$3
	wait_for 10 eval '[ "$(vrrp_json $gw $router .state)" = "$want" ]' >/dev/null
	tap_is "$gw $router: meshgate vrrp says $want" "$(vrrp_json "$gw" "$router" .state)" "$want"
}

# The client pings the VIP every 10 ms for SECONDS while EVENT happens;
# replies must come back after the event, from the new master's MAC.
PING_LOG=
ping_start()
{
	PING_LOG=$MG_TMP/ping.$((++ping_n)).log
	H_bg cl ping -n -D -i 0.01 -w "$1" "$VIP" >"$PING_LOG" 2>&1
	PING_PID=$MG_BG_PID
	sleep 0.3
}

# ping_check DESC NEWMASTER EVENT_TIME
ping_check()
{
	local desc=$1 master=$2 t0=$3 after gap
	wait "$PING_PID" 2>/dev/null
	after=$(awk -v t0="$t0" -F'[][]' '/bytes from/ && $2 > t0 { n++ } END { print n + 0 }' "$PING_LOG")
	gap=$(awk -F'[][]' '/bytes from/ { if (p && $2 - p > g) g = $2 - p; p = $2 } END { printf "%.2f", g }' "$PING_LOG")
	tap_diag "$desc: longest gap between replies ${gap}s"
	tap_check "$desc: the VIP answers pings again" test "$after" -gt 10
	tap_is "$desc: the client's ARP entry is $master's MAC" "$(client_mac_for $VIP)" "$(mac_of "$master")" ||
		tap_diag "MACs: gw1 $(mac_of gw1) gw2 $(mac_of gw2) ka $(mac_of ka)"
}

now() { date +%s.%N; }

# How often the kernel's neighbour tables were full. They are shared by
# every namespace: a big topology in a test running beside this one can
# fill them, and then even multicast is dropped (its neighbour entries
# cannot be created).
table_fulls()
{
	local f sum=0 v
	for f in /proc/net/stat/arp_cache /proc/net/stat/ndisc_cache; do
		[ -r "$f" ] || continue
		for v in $(awk 'NR > 1 { print $13 }' "$f"); do
			sum=$((sum + 0x$v))
		done
	done
	echo "$sum"
}

# A SIGKILLed daemon leaves its VIP behind, and the host's kernel would go
# on answering pings and ARP for it: silence both, as if the whole machine
# had died with the daemon.
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

undead()
{
	mg_setup H "$1" nft delete table inet dead
	mg_setup H "$1" nft delete table arp dead
}

die()
{
	local h
	for h in gw1 gw2; do
		[ -f "$MG_TMP/$h/meshgated.log" ] && { tap_diag "$h meshgated:"; tap_diag <"$MG_TMP/$h/meshgated.log"; }
	done
	[ -f "$MG_TMP/ka/keepalived.log" ] && { tap_diag "keepalived:"; tap_diag <"$MG_TMP/ka/keepalived.log"; }
	bail "$*"
}

# ---------------------------------------------------------------- topology

bridge_add sw
bridge_attach sw gw1="${ADDR[gw1]}/24" gw2="${ADDR[gw2]}/24" ka="${ADDR[ka]}/24" \
	cl="${ADDR[cl]}/24"
# bridge_attach names each end after the other host; the LAN side is to-sw.
for h in gw1 gw2 ka cl; do
	mg_setup H "$h" ip -6 addr add "fd42::$((${ADDR[$h]##*.}))/64" dev to-sw
done
mkdir -p "$MG_TMP/ka"
ping_n=0
fulls_before=$(table_fulls)

# ---------------------------------------------------------------- 1. election

write_ka 100
start_ka
write_conf gw2 150
start_gw gw2
write_conf gw1 200
start_gw gw1

expect_holders "election: gw1 (priority 200) holds the VIP alone" gw1 20
expect_state gw1 lan4 MASTER
expect_state gw2 lan4 BACKUP
tap_is "gw2 follows gw1 as master" "$(vrrp_json gw2 lan4 '.master.address + " " + (.master.priority | tostring)')" "${ADDR[gw1]} 200"
tap_is "gw1 reports its priority and why" "$(vrrp_json gw1 lan4 '"\(.priority) \(.priority_why)"')" "200 configured 200"
wait_for 15 eval '[ "$(holders6)" = gw1 ]' >/dev/null
tap_is "IPv6: gw1 holds $VIP6 alone" "$(holders6)" gw1
expect_state gw2 lan6 BACKUP
tap_check "gw2 accepts gw1's advertisements" \
	eval '[ "$(vrrp_json gw2 lan4 .adverts.accepted)" -gt 0 ]'
tap_check "notify-command ran with INSTANCE lan4 MASTER 200 on gw1" \
	wait_for 5 grep -qx "INSTANCE lan4 MASTER 200" "$MG_TMP/gw1/notify.log"
H cl ping -c 1 -W 2 "$VIP" >/dev/null 2>&1
tap_is "the client reaches the VIP at gw1's MAC" "$(client_mac_for $VIP)" "$(mac_of gw1)"
H cl ping -6 -c 1 -W 2 "$VIP6" >/dev/null 2>&1
tap_is "the client reaches $VIP6 at gw1's MAC" "$(client_mac_for $VIP6)" "$(mac_of gw1)"

# ---------------------------------------------------------------- 2. SIGKILL

ping_start 12
t0=$(now)
play_dead gw1
stop_host gw1 KILL
expect_holders "gw1 SIGKILLed: gw2 takes over (gw1 keeps its stale VIP)" "gw1 gw2" 10
ping_check "gw1 SIGKILLed" gw2 "$t0"
expect_state gw2 lan4 MASTER
undead gw1

start_gw gw1
expect_holders "gw1 restarted: removes the stale VIP and preempts gw2" gw1 15
tap_check "gw1 logs the stale VIP it removed" \
	grep -q "removed 2 virtual addresses an earlier run left on to-sw: $VIP/24 $VIP6/64" \
	"$MG_TMP/gw1/meshgated.log"
expect_state gw2 lan4 BACKUP
tap_is "gw2's last transition: a master with a higher priority" \
	"$(vrrp_json gw2 lan4 '.transitions[-1].why')" "a master with a higher priority"

# ---------------------------------------------------------------- 3. clean stop

ping_start 8
t0=$(now)
stop_host gw1 TERM
tap_check "gw1 stopped cleanly: its VIP is gone at once" eval '! has_vip gw1'
expect_holders "gw1 stopped: gw2 takes over" gw2 10
ping_check "gw1 stopped cleanly" gw2 "$t0"
tap_is "gw2 took over because gw1 resigned" "$(vrrp_json gw2 lan4 '.transitions[-1].why')" \
	"master resigned (priority 0)"
wait_for 10 eval '[ "$(holders6)" = gw2 ]' >/dev/null
tap_is "IPv6: gw2 took $VIP6 over" "$(holders6)" gw2
# Without asking: the unsolicited neighbour advertisement moved the entry.
wait_for 3 eval '[ "$(client_mac_for $VIP6)" = "$(mac_of gw2)" ]' >/dev/null
tap_is "the client's IPv6 neighbour entry moved to gw2's MAC" "$(client_mac_for $VIP6)" \
	"$(mac_of gw2)"
tap_check "the client reaches $VIP6 at gw2" H cl ping -6 -c 1 -W 2 "$VIP6"

# ---------------------------------------------------------------- 4. link cut

ping_start 12
t0=$(now)
mg_setup H sw ip link set to-gw2 down
expect_holders "gw2's link cut: keepalived takes over" ka 10
ping_check "gw2's link cut" ka "$t0"
expect_state gw2 lan4 FAULT
mg_setup H sw ip link set to-gw2 up
expect_holders "gw2's link back: gw2 preempts keepalived" gw2 15
expect_state gw2 lan4 MASTER

# ---------------------------------------------------------------- 5. keepalived

stop_host ka TERM
write_ka 250
start_ka
expect_holders "keepalived at priority 250 preempts gw2" ka 15
expect_state gw2 lan4 BACKUP
tap_is "gw2 follows keepalived" "$(vrrp_json gw2 lan4 '.master.address + " " + (.master.priority | tostring)')" "${ADDR[ka]} 250"

ping_start 12
t0=$(now)
play_dead ka
kill -KILL "$(ka_vrrp_pid)"
expect_holders "keepalived SIGKILLed: gw2 takes over (ka keeps its VIP)" "gw2 ka" 10
ping_check "keepalived SIGKILLed" gw2 "$t0"
stop_host ka KILL
undead ka
H ka ip addr del "$VIP/24" dev to-sw 2>/dev/null

start_ka
expect_holders "keepalived restarted preempts gw2 again" ka 15
ping_start 8
t0=$(now)
stop_host ka TERM
expect_holders "keepalived stopped cleanly: gw2 takes over" gw2 10
ping_check "keepalived stopped cleanly" gw2 "$t0"
tap_is "gw2 took over because keepalived resigned" "$(vrrp_json gw2 lan4 '.transitions[-1].why')" \
	"master resigned (priority 0)"

# ---------------------------------------------------------------- 6. split brain

start_gw gw1
expect_holders "gw1 back: it preempts gw2" gw1 15
for pair in "gw1 ${ADDR[gw2]}" "gw2 ${ADDR[gw1]}"; do
	set -- $pair
	mg_setup H "$1" nft -f - <<-EOF
	table inet splitbrain {
		chain input {
			type filter hook input priority 0;
			ip saddr $2 meta l4proto 112 drop
		}
	}
	EOF
done
expect_holders "split brain: both gateways are masters" "gw1 gw2" 10
expect_state gw1 lan4 MASTER
expect_state gw2 lan4 MASTER
for h in gw1 gw2; do
	mg_setup H "$h" nft delete table inet splitbrain
done
expect_holders "healed: exactly one master, gw1" gw1 10
expect_state gw2 lan4 BACKUP

# ---------------------------------------------------------------- 7. reload

# From here on gw2 also tracks a command that fails once a file exists.
write_conf gw2 250 "track-command = /bin/sh -c '! test -e $MG_TMP/gw2/broken'
track-command-weight = -150
track-command-interval = 200ms"
kill -HUP "${PID[gw2]}"
expect_holders "SIGHUP gives gw2 priority 250: it preempts gw1" gw2 15
expect_state gw1 lan4 BACKUP
tap_is "gw2 reports its new priority" "$(vrrp_json gw2 lan4 .priority)" 250
H gw2 "$meshgate" -s "$MG_TMP/gw2/control.sock" vrrp >"$MG_TMP/vrrp.txt" 2>&1
tap_check "meshgate vrrp (text) names the router and its state" \
	eval 'grep -q "name: lan4" "$MG_TMP/vrrp.txt" && grep -q "state: MASTER" "$MG_TMP/vrrp.txt"'

touch "$MG_TMP/gw2/broken"
expect_holders "gw2's track-command fails (weight -150): gw1 preempts" gw1 15
tap_is "gw2 says why its priority is 100" "$(vrrp_json gw2 lan4 '"\(.priority) \(.priority_why)"')" \
	"100 configured 250, command failed -150"
rm -f "$MG_TMP/gw2/broken"
expect_holders "gw2's track-command succeeds again: gw2 preempts" gw2 15

# ---------------------------------------------------------------- 8. mesh health

# gw2 tracks the mesh instead (weight -150) and has one WireGuard peer, gw1,
# which does not know it yet: its handshakes go unanswered.
key_of() { "$meshgate" pubkey <"$MG_TMP/$1/private.key"; }
peer_of()
{
	printf '\n[peer]\nname = %s\npublic-key = %s\nendpoint = %s:51820\n' \
		"$1" "$(key_of "$1")" "${ADDR[$1]}"
	printf 'allowed-ips = %s\npersistent-keepalive = 1\n' "$2"
}
write_conf gw2 250 "track-health = mesh weight -150"
peer_of gw1 10.43.0.1/32 >>"$MG_TMP/gw2/meshgate.conf"
kill -HUP "${PID[gw2]}"
# (The reload restarts gw2's router, which may hand over for a moment by
# itself: wait for the health verdict first.)
why_of() { vrrp_json "$1" lan4 '"\(.priority) \(.priority_why)"'; }
tap_check "gw2 reaches none of its mesh peers: priority 100 and it says why" wait_for 30 eval \
	'[ "$(why_of gw2)" = "100 configured 250, mesh unhealthy -150" ]' || tap_diag "$(why_of gw2)"
expect_holders "gw1 preempts the unhealthy gw2" gw1 30
# gw1 learns gw2: the handshake completes and gw2's mesh is healthy again.
write_conf gw1 200
peer_of gw2 10.43.0.2/32 >>"$MG_TMP/gw1/meshgate.conf"
kill -HUP "${PID[gw1]}"
expect_holders "gw2 has a session with gw1: its mesh is healthy, it preempts" gw2 30
tap_is "gw2's priority is whole again" "$(vrrp_json gw2 lan4 .priority)" 250

# ---------------------------------------------------------------- stop

stop_host gw1 TERM
stop_host gw2 TERM
tap_is "clean stops leave no VIP behind" "$(holders) $(holders6)" " "
tap_is "both meshgated exit 0 on SIGTERM" "${STATUS[gw1]} ${STATUS[gw2]}" "0 0"
tap_check "no sanitizer report in meshgated's output" \
	eval '! grep -E "Sanitizer|runtime error" "$MG_TMP"/gw*/meshgated.log'
fulls=$(($(table_fulls) - fulls_before))
[ "$fulls" = 0 ] || tap_diag "the kernel's neighbour tables were full $fulls times during" \
	"this test (a test beside it fills them?): packets were dropped"
if [ "$MG_TAP_FAILED" -gt 0 ] || [ "${MG_VERBOSE:-0}" = 1 ]; then
	for h in gw1 gw2; do
		tap_diag "$h meshgated:"
		tap_diag <"$MG_TMP/$h/meshgated.log"
	done
	tap_diag "keepalived:"
	tap_diag <"$MG_TMP/ka/keepalived.log"
fi
tap_done
