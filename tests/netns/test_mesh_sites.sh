#!/bin/bash
# What a site's DNS and DHCP learn from the mesh: nobody writes server=,
# rev-server= or static routes. Three sites built by init and invite/join
# only; every gateway serves its LAN's DNS and DHCP.
#
#   wan 198.51.100.0/24 (bridge)
#   +-- gwa1 .11  site a, a.lab.example, 192.168.11.0/24 (init)
#   |     `-- lana  DHCP client "lanahost"
#   +-- gwb1 .21  site b, b.lab.example, 192.168.21.0/24
#   |     `-- lanb  DHCP client "lanbhost"
#   +-- gwc1 .31  site c, c.lab.example, 192.168.31.0/24, joins last
#
# Checked: the learned forwarding rules in meshgate dns; option 121 routes
# to the other sites' subnets from the mesh; a client in site a resolves a
# DHCP client's name in site b, its PTR, a static record and the gateway
# there, all through its own gateway and over the mesh, and the other way
# round; member names in the mesh domain; a site that joins later is
# forwarded to at once; a site that is down is answered SERVFAIL, and once
# two queries failed it is marked down and not asked until its retry time;
# every daemon exits cleanly.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq dig udhcpc ping timeout

need_meshgate
. "$here/mesh_nodes.sh"

nodes="gwa1 gwb1 gwc1"
declare -A wan_ip=([gwa1]=198.51.100.11 [gwb1]=198.51.100.21 [gwc1]=198.51.100.31)
declare -A site=([gwa1]=a [gwb1]=b [gwc1]=c)
declare -A lan_net=([gwa1]=192.168.11 [gwb1]=192.168.21 [gwc1]=192.168.31)
declare -A lan_of=([gwa1]=lana [gwb1]=lanb [gwc1]=lanc)
declare -A mesh_ip=()
ifn_of() { echo "m$1$$"; }
T=$MG_TMP

tap_plan 24

# ---------------------------------------------------------------- topology

bridge_add wan
for n in $nodes; do
	bridge_attach wan "$n=${wan_ip[$n]}/24"
	host_add "${lan_of[$n]}"
	link_add "$n" "${lan_of[$n]}" "${lan_net[$n]}.1/24"
	mg_setup H "$n" sysctl -qw net.ipv4.ip_forward=1
done

# ---------------------------------------------------------------- helpers

# The site's DNS and DHCP: no server=, rev-server= or route anywhere.
# Upstream is a silent host on the wan.
site_conf() {
	local n=$1 net=${lan_net[$1]}
	prepare "$n"
	cat >>"$(dir_of "$n")/conf.d/test.conf" <<-EOF

	[dns]
	listen = $net.1
	upstream = 198.51.100.99
	mesh-domain = mesh.lab.example
	record = printer A $net.5

	[dhcp]
	interface = to-${lan_of[$n]}
	range = $net.100-$net.150
	lease-time = 10m
	EOF
}

# gateway N joins (or, for the first, creates) the network as its site.
gateway() {
	local n=$1 d args
	d=$(dir_of "$n")
	site_conf "$n"
	args=(--config "$d/meshgate.conf" --state-dir "$d/state" --interface "$(ifn_of "$n")"
		--no-start --public-address "${wan_ip[$n]}")
	if [ "$n" = gwa1 ]; then
		H "$n" "$meshgate" init lab --mesh-range 10.77.0.0/16 --name "$n" --site a \
			--subnet 192.168.11.0/24 --domain a.lab.example "${args[@]}" >"$d/setup.out" 2>&1
	else
		local tok
		tok=$(mg gwa1 invite "$n" --site "${site[$n]}" --subnet "${lan_net[$n]}.0/24" \
			--domain "${site[$n]}.lab.example" | sed -n 's/^token: *//p')
		H "$n" "$meshgate" join "$tok" "${args[@]}" >"$d/setup.out" 2>&1
	fi || { tap_diag <"$d/setup.out"; bail "$n cannot set up"; }
	start "$n"
}

# A LAN host's DHCP client, its name sent in option 12.
dhcp_client() {
	local h=$1 name=$2
	printf '#!/bin/sh\nexec %s/dhcp_client.sh %s/%s.log "$@"\n' "$here" "$T" "$h" >"$T/$h.hook"
	chmod +x "$T/$h.hook"
	H_bg "$h" timeout 120 udhcpc -f -i "to-$3" -s "$T/$h.hook" -t 20 -T 1 -A 1 \
		-x "hostname:$name" -O staticroutes >"$T/$h.out" 2>&1
}
addr_of() { H "$1" ip -4 -o addr show dev "to-$2" | awk '{ split($4, a, "/"); print a[1]; exit }'; }
got() { awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$T/$1.log"; }

# ask HOST SERVER ARGS...: the answer section, one line per record data.
ask() { local h=$1 s=$2; shift 2; H "$h" dig +short +tries=1 +time=8 @"$s" "$@" 2>&1; }
status_of() { local h=$1 s=$2; shift 2
	H "$h" dig +tries=1 +time=8 @"$s" "$@" 2>&1 | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }

rule_servers() { mg "$1" --json dns | jq -r --arg d "$2" \
	'[.forwarding[] | select(.domain == $d and .origin == "learned") | .servers[].address] | join(" ")'; }


# ---------------------------------------------------------------- sites a and b

gateway gwa1
gateway gwb1
mesh_addr() { mg gwa1 --json nodes | jq -r --arg n "$1" \
	'.nodes[] | select(.name == $n) | .mesh[0] | sub("/.*"; "")'; }
wait_for 30 eval '[ -n "$(mesh_addr gwb1)" ]' >/dev/null
for n in gwa1 gwb1; do mesh_ip[$n]=$(mesh_addr "$n"); done

tap_check "site a forwards b.lab.example to gwb1's mesh address, learned" wait_for 30 eval \
	'[ "$(rule_servers gwa1 b.lab.example.)" = "${mesh_ip[gwb1]}#53" ]' || dump_logs $nodes
tap_is "and site b's reverse zone too" "$(rule_servers gwa1 21.168.192.in-addr.arpa.)" \
	"${mesh_ip[gwb1]}#53"
tap_is "site b forwards a.lab.example to gwa1" "$(rule_servers gwb1 a.lab.example.)" \
	"${mesh_ip[gwa1]}#53"
tap_is "no site forwards its own domain" "$(rule_servers gwa1 a.lab.example.)" ""
tap_check "gwb1's resolver answers on its mesh address too" eval \
	'mg gwb1 --json dns | jq -e --arg a "${mesh_ip[gwb1]}" "[.listen[] | select(. == \$a)] | length == 1"'

dhcp_client lana lanahost gwa1
dhcp_client lanb lanbhost gwb1
wait_for 30 eval '[ -n "$(addr_of lana gwa1)" ] && [ -n "$(addr_of lanb gwb1)" ]' >/dev/null
A=$(addr_of lana gwa1)
B=$(addr_of lanb gwb1)
tap_check "both LAN hosts get a lease ($A, $B)" test -n "$A" -a -n "$B" ||
	{ tap_diag <"$T/lana.out"; tap_diag <"$T/lanb.out"; }
tap_check "lana's option 121 routes site b's subnet through its gateway" eval \
	'got lana staticroutes | grep -q "192.168.21.0/24 192.168.11.1"' || tap_diag <"$T/lana.log"
tap_check "lana reaches lanb over the mesh" wait_for 20 eval 'H lana ping -c1 -W1 "$B" >/dev/null'

tap_check "lana resolves lanbhost.b.lab.example through its own gateway" wait_for 20 eval \
	'[ "$(ask lana 192.168.11.1 lanbhost.b.lab.example A)" = "$B" ]' ||
	ask lana 192.168.11.1 lanbhost.b.lab.example A | tap_diag
tap_is "and the PTR of lanb's address" "$(ask lana 192.168.11.1 -x "$B")" "lanbhost.b.lab.example."
tap_is "a static record of site b" "$(ask lana 192.168.11.1 printer.b.lab.example A)" 192.168.21.5
tap_is "site b's gateway by name" "$(ask lana 192.168.11.1 gwb1.b.lab.example A)" 192.168.21.1
tap_is "lanb resolves lanahost.a.lab.example through gwb1" \
	"$(ask lanb 192.168.21.1 lanahost.a.lab.example A)" "$A"
tap_is "every member has a name in the mesh domain" \
	"$(ask lana 192.168.11.1 gwb1.mesh.lab.example A)" "${mesh_ip[gwb1]}"
tap_is "a name site b does not have is NXDOMAIN from site b" \
	"$(status_of lana 192.168.11.1 nosuch.b.lab.example A)" NXDOMAIN

# ---------------------------------------------------------------- a site joins later

gateway gwc1
wait_for 30 eval '[ -n "$(mesh_addr gwc1)" ]' >/dev/null
mesh_ip[gwc1]=$(mesh_addr gwc1)
tap_check "site a learns site c when it joins" wait_for 30 eval \
	'[ "$(rule_servers gwa1 c.lab.example.)" = "${mesh_ip[gwc1]}#53" ]' || dump_logs $nodes
tap_check "lana resolves a name of site c" wait_for 20 eval \
	'[ "$(ask lana 192.168.11.1 printer.c.lab.example A)" = 192.168.31.5 ]'

# ---------------------------------------------------------------- a site down

# Names not asked before: what was asked is still in gwa1's cache.
stop gwb1
tap_is "gwb1 exits cleanly" $? 0
tap_is "site b down: SERVFAIL, not a timeout" \
	"$(status_of lana 192.168.11.1 nas.b.lab.example A)" SERVFAIL
tap_is "and again (two failures in a row mark a resolver down)" \
	"$(status_of lana 192.168.11.1 tv.b.lab.example A)" SERVFAIL
tap_check "site a marks gwb1's resolver down" eval \
	'mg gwa1 --json dns | jq -e ".forwarding[] | select(.domain == \"b.lab.example.\") | .servers[0].up == false"'
tap_is "the next query is SERVFAIL at once, not sent to gwb1" \
	"$(status_of lana 192.168.11.1 pc.b.lab.example A)" SERVFAIL
tap_is "gwb1's resolver was sent two queries, not three" \
	"$(mg gwa1 --json dns | jq '.forwarding[] | select(.domain == "b.lab.example.") | .servers[0].failures')" 2

rc=0
for n in gwa1 gwc1; do
	stop "$n" || { rc=$?; tail -n 20 "$(dir_of "$n")/log" | tap_diag; }
done
tap_is "every other meshgated exits cleanly" $rc 0

tap_done
