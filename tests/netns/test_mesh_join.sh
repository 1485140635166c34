#!/bin/bash
# A mesh built only from `meshgate init` and `invite`/`join`: no peer keys
# are written by hand. Three sites, six nodes, and a laptop behind NAT.
#
#   wan: one bridge, 198.51.100.0/24 ("the internet")
#   +-- gwa1 .11  gateway of site a, holds the network key (init)
#   |     `-- lana 192.168.11.100  (LAN of site a, default route gwa1)
#   +-- gwa2 .12  gateway of site a
#   +-- gwb1 .21  gateway of site b, subnet 192.168.21.0/24
#   |     `-- lanb 192.168.21.100  (LAN of site b, default route gwb1)
#   +-- nb2  .22  client in site b
#   +-- gwc1 .31  gateway of site c, subnet 192.168.31.0/24
#   +-- nc2  .32  client in site c
#   `-- natr .99  home router: masquerades 10.99.0.0/24
#         `-- roam 10.99.0.2  laptop, a client with no site
#
# Checked: every node learns every other one and reaches it by mesh
# address; lana reaches lanb through gwa1 and gwb1; a node restarted while
# the inviter is down rejoins from what it stored; a revoked node is cut
# off everywhere; a wrong, reused or expired token is refused; a tampered
# record is rejected and a replayed old record does not replace a renewed
# one.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq
need_tool nft
need_tool ping

need_meshgate
. "$here/mesh_nodes.sh"

nodes="gwa1 gwa2 gwb1 nb2 gwc1 nc2 roam"
declare -A wan_ip=([gwa1]=198.51.100.11 [gwa2]=198.51.100.12 [gwb1]=198.51.100.21
	[nb2]=198.51.100.22 [gwc1]=198.51.100.31 [nc2]=198.51.100.32)
declare -A mesh_ip=()
# Unique per node and run: /var/run/wireguard/<ifname>.sock is shared by
# all namespaces.
ifn_of() { echo "m$1$$"; }

tap_plan 33

# ---------------------------------------------------------------- topology

bridge_add wan
for n in gwa1 gwa2 gwb1 nb2 gwc1 nc2; do
	bridge_attach wan "$n=${wan_ip[$n]}/24"
done
bridge_attach wan natr=198.51.100.99/24
host_add roam
link_add natr roam 10.99.0.1/24 10.99.0.2/24
mg_setup H roam ip route add default via 10.99.0.1
router_nat natr to-roam to-wan

host_add lana
link_add gwa1 lana 192.168.11.1/24 192.168.11.100/24
mg_setup H lana ip route add default via 192.168.11.1
host_add lanb
link_add gwb1 lanb 192.168.21.1/24 192.168.21.100/24
mg_setup H lanb ip route add default via 192.168.21.1
for n in gwa1 gwb1; do
	mg_setup H "$n" sysctl -qw net.ipv4.ip_forward=1
done

# ---------------------------------------------------------------- helpers

# members N: how many members node N knows.
members() { mg "$1" --json nodes | jq '.nodes | length'; }
knows_all() {
	local n
	for n in $nodes; do
		[ "$(members "$n" 2>/dev/null)" = "$1" ] || return 1
	done
}

mesh_addr() { mg "$1" --json nodes | jq -r --arg n "$2" \
	'.nodes[] | select(.name == $n) | .mesh[0] | sub("/.*"; "")'; }

pings() { H "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }

# join N TOKEN [ARGS...]: N joins with the token, wan-side public address
# announced when it has one.
join() {
	local n=$1 token=$2 d
	shift 2
	d=$(dir_of "$n")
	prepare "$n"
	H "$n" "$meshgate" join "$token" --config "$d/meshgate.conf" --state-dir "$d/state" \
		--interface "$(ifn_of "$n")" --no-start ${wan_ip[$n]:+--public-address ${wan_ip[$n]}} \
		"$@" >"$d/join.out" 2>&1
}

# ---------------------------------------------------------------- init

d=$(dir_of gwa1)
prepare gwa1
H gwa1 "$meshgate" init lab --mesh-range 10.77.0.0/16 --name gwa1 --site a \
	--subnet 192.168.11.0/24 --domain a.lab.example --public-address 198.51.100.11 \
	--config "$d/meshgate.conf" --state-dir "$d/state" --interface "$(ifn_of gwa1)" --no-start \
	>"$d/init.out" 2>&1
tap_is "meshgate init creates the network" $? 0
start gwa1
tap_check "the first node is its network's only member" wait_for 10 \
	eval '[ "$(members gwa1)" = 1 ]'
tap_is "its mesh address is the range's first" "$(mesh_addr gwa1 gwa1)" 10.77.0.1

# ---------------------------------------------------------------- invitations

invite() { mg gwa1 invite "$@" | sed -n 's/^token: *//p'; }

tok=$(invite gwa2 --site a)
join gwa2 "$tok"
tap_is "gwa2 joins site a with its token" $? 0
start gwa2

# a used token is refused, and says so
H nc2 "$meshgate" join "$tok" --config "$MG_TMP/x/meshgate.conf" --state-dir "$MG_TMP/x/state" \
	--no-start --timeout 5 >"$MG_TMP/reuse.out" 2>&1
tap_is "a used token is refused" $? 1
tap_check "the refusal says the invitation was used" grep -qi 'used' "$MG_TMP/reuse.out"
rm -rf "$MG_TMP/x"

# an expired one too, before anything is sent
tok_exp=$(invite nb2 --role client --site b --expires 1s)
sleep 2
H nb2 "$meshgate" join "$tok_exp" --config "$MG_TMP/x/meshgate.conf" \
	--state-dir "$MG_TMP/x/state" --no-start --timeout 5 >"$MG_TMP/exp.out" 2>&1
tap_is "an expired token is refused" $? 1
tap_check "the refusal says it expired" grep -qi 'expired' "$MG_TMP/exp.out"
rm -rf "$MG_TMP/x"

# and a token with a secret nobody issued is unknown to the inviter
wrong_secret() {
	local t=$1 pad= hex
	case $((${#t} % 4)) in 2) pad='==' ;; 3) pad='=' ;; esac
	hex=$(printf '%s%s' "$t" "$pad" | basenc --base64url -d | od -An -tx1 -v | tr -d ' \n')
	# field 4 (the secret) is 32 bytes: type 04, length 0020
	hex=$(printf '%s' "$hex" | sed "s/040020[0-9a-f]\{64\}/040020$(printf 'ab%.0s' $(seq 32))/")
	printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf | basenc --base64url | tr -d '=\n'
}
tok_nc2=$(invite nc2 --role client --site c)
bad_tok=$(wrong_secret "$tok_nc2")
tap_check "a token can be forged for the test" test -n "$bad_tok" -a "$bad_tok" != "$tok_nc2"
H nc2 "$meshgate" join "$bad_tok" --config "$MG_TMP/x/meshgate.conf" \
	--state-dir "$MG_TMP/x/state" --no-start --timeout 5 >"$MG_TMP/bad.out" 2>&1
tap_is "a token with a wrong secret is refused" $? 1
tap_check "the refusal says the inviter does not know the invitation" \
	grep -qi 'not know' "$MG_TMP/bad.out"
rm -rf "$MG_TMP/x"
tap_check "the inviter logged the refusals" grep -q 'join request from' "$(dir_of gwa1)/log"

tok=$(invite gwb1 --site b --subnet 192.168.21.0/24 --domain b.lab.example)
join gwb1 "$tok" && start gwb1
tok=$(invite nb2 --role client --site b)
join nb2 "$tok" && start nb2
tok=$(invite gwc1 --site c --subnet 192.168.31.0/24)
join gwc1 "$tok" && start gwc1
join nc2 "$tok_nc2" && start nc2
tap_is "the genuine token of nc2 still works" $? 0
tok=$(invite roam)
join roam "$tok" && start roam
tap_check "the laptop joins from behind NAT" test -s "$(dir_of roam)/state/record"

tap_check "every node learns all 7 members" wait_for 60 knows_all 7 || dump_logs $nodes
tap_check "a joined node calls the network what the inviter does" \
	grep -qx 'network = lab' "$(dir_of roam)/meshgate.conf"

# ---------------------------------------------------------------- reachability

for n in $nodes; do
	mesh_ip[$n]=$(mesh_addr gwa1 "$n")
done
tap_is "mesh addresses are distinct" \
	"$(printf '%s\n' "${mesh_ip[@]}" | sort -u | grep -c .)" 7

all_pairs() {
	local a b
	for a in $nodes; do
		for b in $nodes; do
			[ "$a" = "$b" ] || pings "$a" "${mesh_ip[$b]}" || return 1
		done
	done
}
tap_check "all nodes reach all by mesh address" wait_for 60 all_pairs || dump_logs $nodes
tap_check "a LAN host in site a reaches one in site b through the gateways" \
	wait_for 20 pings lana 192.168.21.100
tap_check "gwc1 routes site b's subnet into the mesh" \
	eval 'H gwc1 ip route show 192.168.21.0/24 | grep -q "dev $(ifn_of gwc1)"'
tap_check "no node routes its own site's subnet into the mesh" \
	eval '! H gwa2 ip route show 192.168.11.0/24 | grep -q "dev $(ifn_of gwa2)"'

# ---------------------------------------------------------------- restart without the inviter

stop gwa1
stop nc2
start nc2
tap_check "nc2 restarted while the inviter is down knows the mesh" \
	wait_for 10 eval '[ "$(members nc2)" = 7 ]'
tap_check "and reaches the others again" wait_for 30 pings nc2 "${mesh_ip[gwb1]}"
tap_check "roam reaches nc2 again" wait_for 30 pings roam "${mesh_ip[nc2]}"

# ---------------------------------------------------------------- tampered, replayed

# A record on disk with one byte changed is refused, and counted.
stop nc2
bs=$(dir_of nc2)/state/bootstrap
at=$(($(stat -c %s "$bs") / 4))
byte=$(od -An -tu1 -j "$at" -N1 "$bs" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 0xff)))" | dd of="$bs" bs=1 seek="$at" conv=notrunc status=none
start nc2
tap_check "a tampered record is rejected" wait_for 10 eval \
	'[ "$(mg nc2 --json status | jq ".membership.rejected_bad_signature + .membership.rejected_malformed")" -ge 1 ]'

start gwa1
# gwb1's record is renewed while nb2 is down; nb2 comes back with the old one
stop nb2
mg gwa1 renew gwb1 >/dev/null
seq_of() { mg "$1" --json nodes | jq --arg n "$2" '.nodes[] | select(.name == $n) | .sequence'; }
tap_check "the renewed record reaches gwc1" wait_for 20 eval '[ "$(seq_of gwc1 gwb1)" = 2 ]'
start nb2
sleep 6
tap_is "the replayed old record does not replace it" "$(seq_of gwc1 gwb1)" 2
tap_check "nb2 takes the renewed record" wait_for 20 eval '[ "$(seq_of nb2 gwb1)" = 2 ]'

# ---------------------------------------------------------------- revocation

tap_check "nb2 reaches gwb1 before it is revoked" wait_for 30 pings nb2 "${mesh_ip[gwb1]}"
mg gwa1 revoke nb2 >/dev/null
tap_is "meshgate revoke succeeds" $? 0
gone_everywhere() {
	local n
	for n in $nodes; do
		[ "$n" = nb2 ] && continue
		mg "$n" --json nodes | jq -e '[.nodes[].name] | index("nb2") == null' >/dev/null ||
			return 1
	done
}
tap_check "every node drops nb2 within seconds" wait_for 20 gone_everywhere
tap_check "nb2 is cut off" eval '! pings nb2 "${mesh_ip[gwb1]}" && ! pings gwb1 "${mesh_ip[nb2]}"'

stop_all() {
	local n rc=0
	for n in $nodes; do
		stop "$n" && continue
		rc=$?
		tap_diag "$n exited with status $rc:"
		tail -n 20 "$(dir_of "$n")/log" | tap_diag
	done
	return $rc
}
stop_all            # not in tap_check's subshell: wait needs this shell's children
tap_is "every meshgated exits cleanly" $? 0

tap_done
