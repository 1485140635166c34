#!/bin/bash
# A site with two gateways sharing one VIP: the mesh routes the site's
# subnet to the one that holds the VIP, so traffic enters the site where
# its replies leave it, and follows the VIP when the holder dies.
#
#   wan 198.51.100.0/24 (bridge)
#   +-- gwa1 .11  site a (init), VRRP priority 100 ---+  swa (bridge)
#   +-- gwa2 .12  site a, VRRP priority 200 ----------+  192.168.11.0/24,
#   |                                                 +-- lana .100, default
#   |                                                     route the VIP .1
#   +-- gwb1 .21  site b, 192.168.21.0/24 -- lanb .100
#
# A WireGuard peer's allowed IPs are also what it may send from: if gwb1
# routed site a's subnet to gwa1 while lana's traffic leaves through gwa2,
# gwb1 would drop it. Checked: gwa2 holds the VIP and carries the subnet;
# lana and lanb reach each other; gwa2 is killed, gwa1 takes the VIP, the
# mesh moves the subnet to it, and they reach each other again; every
# daemon left exits cleanly.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq ping
need_meshgate
. "$here/mesh_nodes.sh"

declare -A wan_ip=([gwa1]=198.51.100.11 [gwa2]=198.51.100.12 [gwb1]=198.51.100.21)
declare -A lan_ip=([gwa1]=192.168.11.2 [gwa2]=192.168.11.3)
declare -A prio=([gwa1]=100 [gwa2]=200)
VIP=192.168.11.1
ifn_of() { echo "m$1$$"; }

tap_plan 10

# ---------------------------------------------------------------- topology

bridge_add wan
bridge_add swa
for n in gwa1 gwa2 gwb1; do
	bridge_attach wan "$n=${wan_ip[$n]}/24"
	mg_setup H "$n" sysctl -qw net.ipv4.ip_forward=1
done
for n in gwa1 gwa2; do
	bridge_attach swa "$n=${lan_ip[$n]}/24"
done
bridge_attach swa lana=192.168.11.100/24
mg_setup H lana ip route add default via $VIP
host_add lanb
link_add gwb1 lanb 192.168.21.1/24 192.168.21.100/24
mg_setup H lanb ip route add default via 192.168.21.1

# ---------------------------------------------------------------- helpers

# Site a's gateways share the VIP.
vrrp_conf() {
	local n=$1
	prepare "$n"
	[ -n "${prio[$n]:-}" ] || return 0
	cat >>"$(dir_of "$n")/conf.d/test.conf" <<-EOF

	[vrrp]
	interface = to-swa
	vrid = 11
	priority = ${prio[$n]}
	advert-interval = 200ms
	virtual-address = $VIP/24
	EOF
}

setup() {
	local n=$1 d args tok
	shift
	d=$(dir_of "$n")
	vrrp_conf "$n"
	args=(--config "$d/meshgate.conf" --state-dir "$d/state" --interface "$(ifn_of "$n")"
		--no-start --public-address "${wan_ip[$n]}")
	if [ "$n" = gwa1 ]; then
		H "$n" "$meshgate" init lab --mesh-range 10.77.0.0/16 --name "$n" --site a \
			--subnet 192.168.11.0/24 "${args[@]}" >"$d/setup.out" 2>&1
	else
		tok=$(mg gwa1 invite "$n" "$@" | sed -n 's/^token: *//p')
		H "$n" "$meshgate" join "$tok" "${args[@]}" >"$d/setup.out" 2>&1
	fi || { tap_diag <"$d/setup.out"; bail "$n cannot set up"; }
	start "$n"
}

has_vip() { H "$1" ip -4 -o addr show dev to-swa | grep -q " $VIP/"; }
pings() { H "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }
# The mesh peer gwb1 sends site a's subnet to.
carrier() { mg gwb1 --json peers | jq -r \
	'.peers[] | select(.allowed_ips | index("192.168.11.0/24")) | .name'; }


# ---------------------------------------------------------------- the VIP on gwa2

setup gwa1
setup gwa2 --site a
setup gwb1 --site b --subnet 192.168.21.0/24

tap_check "gwa2 (priority 200) holds the VIP" wait_for 20 has_vip gwa2
tap_check "gwb1 routes site a's subnet to gwa2, the VIP's holder" wait_for 30 eval \
	'[ "$(carrier)" = gwa2 ]' || { mg gwb1 --json peers | tap_diag; dump_logs gwa1 gwa2 gwb1; }
holders() { mg gwb1 --json nodes | jq -r \
	'[.nodes[] | select(.vip_holder_since != null) | .name] | join(" ")'; }
tap_is "meshgate nodes says which gateway holds site a's VIP" "$(holders)" gwa2
tap_check "lana reaches lanb, both ways through gwa2" wait_for 20 pings lana 192.168.21.100
tap_check "lanb reaches lana" pings lanb 192.168.11.100

# ---------------------------------------------------------------- gwa2 dies

kill -KILL "${pid[gwa2]}"
wait "${pid[gwa2]}" 2>/dev/null
rm -f "/var/run/wireguard/$(ifn_of gwa2).sock"   # shared by all namespaces
tap_check "gwa1 takes the VIP" wait_for 20 has_vip gwa1
tap_check "the mesh moves site a's subnet to gwa1" wait_for 30 eval '[ "$(carrier)" = gwa1 ]' ||
	{ mg gwb1 --json peers | tap_diag; dump_logs gwa1 gwa2 gwb1; }
tap_check "lana reaches lanb again, through gwa1" wait_for 20 pings lana 192.168.21.100
tap_check "lanb reaches lana" pings lanb 192.168.11.100

rc=0
for n in gwa1 gwb1; do
	stop "$n" || { rc=$?; tail -n 20 "$(dir_of "$n")/log" | tap_diag; }
done
tap_is "gwa1 and gwb1 exit cleanly" $rc 0

tap_done
