#!/bin/bash
# meshgated against wireguard-go: handshakes both ways, data both ways,
# IPv4 and IPv6 inside and outside the tunnel, a preshared key, persistent
# keepalive, a reload that keeps the session, the stock wg(8) against
# meshgated's UAPI socket, rekeying and roaming in the middle of a transfer,
# and an endpoint host name that moves.
#
#   host a: meshgated ($ifa)                host b: wireguard-go ($wgif)
#     10.9.0.1/24 fd09::1/64                  10.9.0.2/24 fd09::2/64
#     UDP 51820                               UDP 51821
#     to-b 192.0.2.1/24 2001:db8:41::1/64 === to-a 192.0.2.2/24 2001:db8:41::2/64
#     /etc/hosts (private): $bname
#
# 1. meshgated initiates, to $bname:51821 from a hosts file: ping, TCP both
#    ways; wg show, wg showconf and meshgate peers list b. Then b's address
#    and the name move to 192.0.2.4 while b is kept silent: meshgated looks
#    the name up again once b stops answering, and follows.
# 2. Both restarted with a preshared key; meshgated has no endpoint, so
#    wireguard-go initiates over IPv6 ([2001:db8:41::1]:51820) and
#    meshgated learns where it is.
# 3. SIGHUP adds persistent-keepalive and a second peer: the session stays,
#    keepalives arrive, the new peer's allowed-ips get a route; then the
#    peer goes again, and the port moves (wireguard-go follows).
# 4. wg set gives b another network and traffic follows; a reload takes it
#    back. Malformed UAPI requests get their errno; meshgated goes on.
# 5. In the middle of a 16 MiB transfer over a slowed link: wireguard-go,
#    then meshgated, start a new handshake (a private key changed and
#    changed back, through each one's UAPI socket); then b's IPv6 address
#    changes and meshgated follows it. Every byte arrives.
# 6. wireguard-go gives way to a second meshgated with b's key: the
#    segmentation offloads on both ends, 32 MiB each way.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq wireguard-go wg socat sha256sum ping timeout tc nft od base64

need_meshgate

# UAPI sockets live in /var/run/wireguard, outside any namespace: the
# interface names must not collide with a parallel run.
wgif=wgt$$
wgif=${wgif:0:15}
ifa=mga$$
ifa=${ifa:0:15}
ifb=mgb$$
ifb=${ifb:0:15}
bname=wgb.meshgate.test
export WG_PROCESS_FOREGROUND=1 WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1

conf=$MG_TMP/a.conf
sock=$MG_TMP/control.sock
log=$MG_TMP/meshgated.log
wglog=$MG_TMP/wireguard-go.log
status_json=$MG_TMP/status.json
mkdir "$MG_TMP/state"

(umask 077 && "$meshgate" genkey >"$MG_TMP/a.key" && "$meshgate" genkey >"$MG_TMP/b.key" &&
	"$meshgate" genpsk >"$MG_TMP/psk") || bail "cannot make keys"
apub=$("$meshgate" pubkey <"$MG_TMP/a.key")
bpub=$("$meshgate" pubkey <"$MG_TMP/b.key")
other=$( (umask 077; "$meshgate" genkey) | "$meshgate" pubkey)

port=51820

# write_conf [PEER_LINES...]: meshgated's config with one [peer] for b
# made of the given lines (besides its public key and allowed-ips).
write_conf()
{
	local x
	{
		echo "[node]"
		echo "name = a"
		echo "pid-file = $MG_TMP/meshgated.pid"
		echo "control-socket = $sock"
		echo "state-dir = $MG_TMP/state"
		echo
		echo "[mesh]"
		echo "private-key-file = $MG_TMP/a.key"
		echo "interface = $ifa"
		echo "listen-port = $port"
		echo "address = 10.9.0.1/24"
		echo "address = fd09::1/64"
		echo
		echo "[peer]"
		echo "name = b"
		echo "public-key = $bpub"
		echo "allowed-ips = 10.9.0.2/32"
		echo "allowed-ips = fd09::2/128"
		for x in "$@"; do echo "$x"; done
	} >"$conf.new" && mv "$conf.new" "$conf"
}

status()
{
	H a "$meshgate" -s "$sock" status --json >"$status_json" 2>&1 &&
		jq -e 'type == "object"' "$status_json" >/dev/null 2>&1
}

jis()
{
	tap_is "status: $1" "$(jq -c "$2" "$status_json" 2>&1)" "$3"
}

contains()
{
	grep -qF -- "$2" "$1" && return 0
	echo "'$2' not found in:"
	cat "$1"
	return 1
}

start_meshgated()
{
	: >"$log"
	H_bg a "$meshgated" -f -c "$conf" >>"$log" 2>&1
	mg_pid=$MG_BG_PID
	wait_for 10 test -S "$sock" || { dump_logs; bail "meshgated did not start"; }
}

# stop_meshgated: SIGTERM; its exit status is in mg_status.
stop_meshgated()
{
	kill -TERM "$mg_pid" 2>/dev/null
	wait_for 10 exited "$mg_pid" || kill -KILL "$mg_pid"
	wait "$mg_pid" 2>/dev/null
	mg_status=$?
}

# start_wg [wg set arguments after the private key]
start_wg()
{
	H_bg b wireguard-go "$wgif" >"$wglog" 2>&1
	wg_pid=$MG_BG_PID
	wait_for 10 test -S "/var/run/wireguard/$wgif.sock" ||
		{ dump_logs; bail "wireguard-go did not start"; }
	mg_setup H b wg set "$wgif" private-key "$MG_TMP/b.key" listen-port 51821 "$@"
	mg_setup H b ip addr add 10.9.0.2/24 dev "$wgif"
	mg_setup H b ip addr add fd09::2/64 dev "$wgif"
	mg_setup H b ip link set "$wgif" up
}

stop_wg()
{
	kill -TERM "$wg_pid" 2>/dev/null
	wait_for 10 exited "$wg_pid" || kill -KILL "$wg_pid"
	wait "$wg_pid" 2>/dev/null
}

dump_logs()
{
	tap_diag "meshgated output:"
	tap_diag <"$log"
	tap_diag "wireguard-go output:"
	tap_diag <"$wglog"
}

pings()
{
	H "$1" ping -c 1 -W 1 "$2"
}

# wg_handshake: seconds since the epoch of wireguard-go's last handshake.
wg_handshake()
{
	H b wg show "$wgif" latest-handshakes | awk '{ print $2 }'
}

wg_rx()
{
	H b wg show "$wgif" transfer | awk '{ print $2 }'
}

# transfer FROM TO ADDR PORT [MIB]: FROM sends a random file (8 MiB) to TO
# over TCP; the checksums of what left and what arrived must agree.
transfer()
{
	local from=$1 to=$2 addr=$3 port=$4 mib=${5:-8} in=$MG_TMP/in.$1 out=$MG_TMP/out.$2
	local tcp=TCP4 rpid

	case $addr in *:*) tcp=TCP6; addr="[$addr]" ;; esac
	head -c $((mib << 20)) /dev/urandom >"$in"
	H_bg "$to" timeout 30 socat -u "$tcp-LISTEN:$port,reuseaddr" "OPEN:$out,creat,trunc"
	rpid=$MG_BG_PID
	wait_for 10 listening "$to" tcp "$port" || return 1
	H "$from" timeout 30 socat -u "OPEN:$in" "$tcp:$addr:$port" || return 1
	wait "$rpid" || return 1
	[ "$(sha256sum <"$in")" = "$(sha256sum <"$out")" ] || {
		echo "sent $(wc -c <"$in") bytes, received $(wc -c <"$out")"
		return 1
	}
}

size_over()
{
	[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]
}

# mid_transfer PORT CMD...: b sends 16 MiB to a over TCP through a link
# slowed to 40 Mbit/s, and CMD runs once 2 MiB have arrived. Sets
# mid_ok (the transfer's verdict, same sha256), mid_cmd (CMD's status)
# and mid_at (bytes that had arrived when CMD ran).
mid_transfer()
{
	local port=$1 tpid out=$MG_TMP/out.a
	shift

	rm -f "$out"
	mg_setup H b tc qdisc add dev to-a root tbf rate 40mbit burst 64kb latency 400ms
	transfer b a 10.9.0.1 "$port" 16 &
	tpid=$!
	wait_for 20 size_over "$out" $((2 << 20))
	mid_at=$(stat -c %s "$out" 2>/dev/null || echo 0)
	"$@"
	mid_cmd=$?
	wait "$tpid"
	mid_ok=$?
	H b tc qdisc del dev to-a root
}

key_hex()
{
	base64 -d <"$1" | od -An -v -tx1 | tr -d ' \n'
}

# uapi SOCKET REQUEST: the raw exchange, as wg(8) has it.
uapi()
{
	printf "$2" | timeout 5 socat - "UNIX-CONNECT:/var/run/wireguard/$1.sock"
}

# mg_handshake: seconds since the epoch of meshgated's last handshake with b.
mg_handshake()
{
	H a "$meshgate" -s "$sock" peers --json | jq '.peers[0].latest_handshake'
}

# The name of b lives in a hosts file private to a's namespace, which
# `ip netns exec` puts over /etc/hosts; resolv.conf points at a's own
# loopback, where nothing answers, so no query leaves the namespace.
etc_ns=/etc/netns/$(mg_ns a)
eval "mg_cleanup_base() $(declare -f mg_cleanup | tail -n +2)"
mg_cleanup()
{
	rm -rf "$etc_ns"
	mg_cleanup_base
}
mkdir -p "$etc_ns" || bail "cannot create $etc_ns"
echo "nameserver 127.0.0.1" >"$etc_ns/resolv.conf"
echo "192.0.2.2 $bname" >"$etc_ns/hosts"

host_add a
host_add b
link_add a b 192.0.2.1/24 192.0.2.2/24
mg_setup H a ip addr add 2001:db8:41::1/64 dev to-b
mg_setup H b ip addr add 2001:db8:41::2/64 dev to-a

# ---------------------------------------------------------------- no key

write_conf
sed "s#$MG_TMP/a.key#$MG_TMP/missing.key#" "$conf" >"$MG_TMP/nokey.conf"
H a "$meshgated" -f -c "$MG_TMP/nokey.conf" >"$MG_TMP/nokey.log" 2>&1
tap_is "meshgated exits 1 without its private key file" $? 1
tap_check "it says how to create the key" contains "$MG_TMP/nokey.log" \
	"create it with: umask 077; meshgate genkey > $MG_TMP/missing.key"
tap_check "it leaves no interface behind" eval '! H a ip link show dev $ifa 2>/dev/null'

# ---------------------------------------------------------------- 1: meshgated initiates

chmod 640 "$MG_TMP/a.key"
write_conf "endpoint = $bname:51821"
start_meshgated
tap_check "a group-readable key is warned about" contains "$log" "readable by others"
tap_is "the UAPI socket is root's alone" \
	"$(stat -c '%a %F' "/var/run/wireguard/$ifa.sock" 2>&1)" "600 socket"
sed -e "s#$ifa#mgc$$#" -e "s#$sock#$MG_TMP/other.sock#" -e "s#meshgated.pid#other.pid#" \
	"$conf" >"$MG_TMP/other.conf"
H a "$meshgated" -f -c "$MG_TMP/other.conf" >"$MG_TMP/other.log" 2>&1
tap_is "a second meshgated on the same port exits 1" $? 1
tap_check "it says the port is taken" contains "$MG_TMP/other.log" \
	"cannot listen on UDP port 51820: Address already in use"
# The same interface name in another namespace: the UAPI socket is taken.
sed -e "s#$sock#$MG_TMP/other.sock#" -e "s#meshgated.pid#other.pid#" -e "s#= 51820#= 51822#" \
	"$conf" >"$MG_TMP/other.conf"
H b "$meshgated" -f -c "$MG_TMP/other.conf" >"$MG_TMP/other.log" 2>&1
tap_is "a second meshgated with the same interface name exits 1" $? 1
tap_check "it says the UAPI socket is in use" contains "$MG_TMP/other.log" \
	"WireGuard UAPI socket /var/run/wireguard/$ifa.sock is in use"
tap_check "the first one's socket is still there" test -S "/var/run/wireguard/$ifa.sock"
start_wg peer "$apub" endpoint 192.0.2.1:51820 allowed-ips 10.9.0.1/32,fd09::1/128

tap_is "wireguard-go has no handshake yet" "$(wg_handshake)" 0
tap_check "meshgated initiates: ping 10.9.0.2 from a" wait_for 10 pings a 10.9.0.2
tap_check "the endpoint's name was resolved from the hosts file" contains "$log" \
	"peer b: $bname resolved to 192.0.2.2:51821"
tap_check "wireguard-go has a handshake" eval '[ "$(wg_handshake)" -gt 0 ]'
tap_check "IPv6 inside the tunnel: ping fd09::2 from a" wait_for 5 pings a fd09::2
tap_check "and back: ping 10.9.0.1 from b" pings b 10.9.0.1
tap_check "8 MiB over TCP a -> b (IPv4), same sha256" transfer a b 10.9.0.2 5001
tap_check "8 MiB over TCP b -> a (IPv6), same sha256" transfer b a fd09::1 5002

status
jis "one peer with a session" '.subsystems.mesh' \
	'"interface up, listening on UDP port 51820, 1 peer configured, 1 with a session"'
jis "peer b's endpoint" '.wireguard.peers[0].endpoint' '"192.0.2.2:51821"'
jis "peer b's configured endpoint" '.wireguard.peers[0].configured_endpoint' \
	"\"$bname:51821\""
jis "peer b has a session" '.wireguard.peers[0].session' true
jis "our public key" '.wireguard.public_key' "\"$apub\""
jis "nothing failed to decrypt" '.wireguard.dropped.rx_decrypt_failed' 0
jis "no send errors" '.wireguard.io.udp_send_errors' 0

# The stock wg against meshgated's UAPI socket.
H a wg show "$ifa" >"$MG_TMP/wgshow" 2>&1
tap_is "wg show $ifa answers" $? 0
tap_check "wg show: our public key" contains "$MG_TMP/wgshow" "public key: $apub"
tap_check "wg show: listening port" contains "$MG_TMP/wgshow" "listening port: 51820"
tap_check "wg show: peer b" contains "$MG_TMP/wgshow" "peer: $bpub"
tap_check "wg show: its endpoint" contains "$MG_TMP/wgshow" "endpoint: 192.0.2.2:51821"
tap_check "wg show: its allowed ips" contains "$MG_TMP/wgshow" \
	"allowed ips: 10.9.0.2/32, fd09::2/128"
tap_check "wg show: a latest handshake" grep -Eq "latest handshake: ([0-9]+ seconds? ago|Now)" \
	"$MG_TMP/wgshow"
tap_check "wg show: transfer both ways" grep -Eq \
	"transfer: [0-9.]+ MiB received, [0-9.]+ MiB sent" "$MG_TMP/wgshow"
tap_is "wg show latest-handshakes agrees with meshgate peers" \
	"$(H a wg show "$ifa" latest-handshakes)" "$bpub	$(mg_handshake)"
H a wg showconf "$ifa" >"$MG_TMP/wgshowconf" 2>&1
tap_check "wg showconf: the private key" contains "$MG_TMP/wgshowconf" \
	"PrivateKey = $(cat "$MG_TMP/a.key")"
tap_check "wg showconf: peer b" contains "$MG_TMP/wgshowconf" "PublicKey = $bpub"

H a "$meshgate" -s "$sock" peers >"$MG_TMP/peers" 2>&1
tap_is "meshgate peers answers" $? 0
tap_check "meshgate peers: b's name" contains "$MG_TMP/peers" "name: b"
tap_check "meshgate peers: b's key" contains "$MG_TMP/peers" "public_key: $bpub"
H a "$meshgate" -s "$sock" peers --json >"$MG_TMP/peers.json" 2>&1
tap_is "meshgate peers --json: b with a session, received and sent" \
	"$(jq -c '.peers[0] | [.name, .session, .rx_bytes > 8388608, .tx_bytes > 8388608,
		.latest_handshake_ago_s < 60, .allowed_ips]' "$MG_TMP/peers.json" 2>&1)" \
	'["b",true,true,true,true,["10.9.0.2/32","fd09::2/128"]]'

# Dynamic DNS: b moves to 192.0.2.4 and its name follows. b is kept silent
# (its datagrams dropped on the way out), so only a new lookup can tell
# meshgated where b went, once b has not answered for a while.
# (Deleting a primary address takes the secondaries of its subnet along.)
mg_setup H b ip addr del 192.0.2.2/24 dev to-a
mg_setup H b ip addr add 192.0.2.4/24 dev to-a
echo "192.0.2.4 $bname" >"$etc_ns/hosts"
mg_setup H b nft add table inet mg_silent
mg_setup H b nft add chain inet mg_silent out '{ type filter hook output priority 0; }'
mg_setup H b nft add rule inet mg_silent out udp sport 51821 drop
followed=no
deadline=$((SECONDS + 45))
while [ $SECONDS -lt $deadline ]; do
	H a ping -c 1 -W 1 10.9.0.2 >/dev/null 2>&1
	status && [ "$(jq -r '.wireguard.peers[0].endpoint' "$status_json")" = 192.0.2.4:51821 ] &&
		followed=yes && break
done
tap_is "meshgated looks the name up again when b stops answering" "$followed" yes
tap_check "it logs the move" contains "$log" \
	"peer b: $bname moved from 192.0.2.2:51821 to 192.0.2.4:51821"
mg_setup H b nft delete table inet mg_silent
tap_check "the tunnel works at b's new address: ping 10.9.0.2 from a" wait_for 10 pings a 10.9.0.2

# ---------------------------------------------------------------- 2: wireguard-go initiates

stop_meshgated
stop_wg
chmod 600 "$MG_TMP/a.key"
write_conf "preshared-key-file = $MG_TMP/psk"
start_meshgated
start_wg peer "$apub" preshared-key "$MG_TMP/psk" endpoint "[2001:db8:41::1]:51820" \
	allowed-ips 10.9.0.1/32,fd09::1/128

tap_check "wireguard-go initiates over IPv6 with a preshared key: ping 10.9.0.1 from b" \
	wait_for 10 pings b 10.9.0.1
tap_check "ping fd09::1 from b" pings b fd09::1
tap_check "and back: ping 10.9.0.2 from a" pings a 10.9.0.2
tap_check "8 MiB over TCP a -> b with the IPv6 endpoint, same sha256" \
	transfer a b 10.9.0.2 5003
status
jis "meshgated learned wireguard-go's endpoint" '.wireguard.peers[0].endpoint' \
	'"[2001:db8:41::2]:51821"'
jis "peer b has a preshared key" '.wireguard.peers[0].preshared_key' true
jis "peer b has a session" '.wireguard.peers[0].session' true
handshake=$(jq '.wireguard.peers[0].latest_handshake' "$status_json")

# ---------------------------------------------------------------- 3: reload

write_conf "preshared-key-file = $MG_TMP/psk" "persistent-keepalive = 1" \
	"" "[peer]" "name = c" "public-key = $other" "endpoint = c.invalid:51820" \
	"allowed-ips = 10.9.5.0/24"
rx0=$(wg_rx)
wghs=$(wg_handshake)
kill -HUP "$mg_pid"
wait_for 10 eval 'status && jq -e ".reloads == 1" "$status_json"'
jis "the reload succeeded" '.last_reload' '"ok"'
jis "two peers, one with a session" '.subsystems.mesh' \
	'"interface up, listening on UDP port 51820, 2 peers configured, 1 with a session"'
jis "peer b kept its session (same handshake)" '.wireguard.peers[0].latest_handshake' \
	"$handshake"
jis "peer b kept its endpoint" '.wireguard.peers[0].endpoint' '"[2001:db8:41::2]:51821"'
jis "peer b's keepalive" '.wireguard.peers[0].persistent_keepalive' 1
jis "peer c has no endpoint" '.wireguard.peers[1].endpoint' null
tap_check "c's host name is logged as not resolved" contains "$log" \
	"peer c: cannot resolve c.invalid: "
jis "peer c's allowed-ips are routed" '.interface.routes' '["10.9.5.0/24"]'
tap_check "10.9.5.7 is routed through $ifa" eval 'H a ip route get 10.9.5.7 | grep -q "dev $ifa"'

# Nothing else travels now: what wireguard-go receives is keepalives, 32
# bytes each.
sleep 3.5
rx1=$(wg_rx)
grown=$((rx1 - rx0))
tap_check "keepalives arrive at wireguard-go (+$grown bytes in 3.5 s)" \
	eval "[ $grown -ge 64 ] && [ $((grown % 32)) -eq 0 ]"
tap_is "wireguard-go made no new handshake" "$(wg_handshake)" "$wghs"

write_conf "preshared-key-file = $MG_TMP/psk"
kill -HUP "$mg_pid"
wait_for 10 eval 'status && jq -e ".reloads == 2" "$status_json"'
jis "peer c is gone" '.wireguard.peers | length' 1
jis "its route is gone" '.interface.routes' '[]'
tap_check "the tunnel still carries: ping 10.9.0.2 from a" pings a 10.9.0.2

port=51830
write_conf "preshared-key-file = $MG_TMP/psk"
kill -HUP "$mg_pid"
wait_for 10 eval 'status && jq -e ".reloads == 3" "$status_json"'
jis "the port moved" '.wireguard.listen_port' 51830
tap_check "nothing listens on 51820 any more" eval '! listening a udp 51820'
tap_check "wireguard-go follows the new port: ping 10.9.0.2 from a" pings a 10.9.0.2
tap_is "wireguard-go's endpoint for a" "$(H b wg show "$wgif" endpoints | awk '{ print $2 }')" \
	"[2001:db8:41::1]:51830"

# ---------------------------------------------------------------- 4: wg set

# b gets a second network, 10.9.7.0/24, which a does not route yet.
mg_setup H b ip addr add 10.9.7.1/24 dev "$wgif"
tap_check "10.9.7.1 is not reachable from a yet" eval '! pings a 10.9.7.1'
H a wg set "$ifa" peer "$bpub" allowed-ips 10.9.0.2/32,fd09::2/128,10.9.7.0/24 \
	>"$MG_TMP/wgset" 2>&1
tap_is "wg set $ifa peer b allowed-ips ... succeeds" $? 0
tap_is "wg show allowed-ips has b's new network" \
	"$(H a wg show "$ifa" allowed-ips)" "$bpub	10.9.0.2/32 10.9.7.0/24 fd09::2/128"
tap_check "10.9.7.1 is routed through $ifa" eval 'H a ip route get 10.9.7.1 | grep -q "dev $ifa"'
tap_check "traffic follows: ping 10.9.7.1 from a" wait_for 5 pings a 10.9.7.1
tap_check "and from b's new address to a" eval 'H b ping -c 1 -W 1 -I 10.9.7.1 10.9.0.1'
status
jis "status shows the allowed-ips in force" '.wireguard.peers[0].allowed_ips' \
	'["10.9.0.2/32","10.9.7.0/24","fd09::2/128"]'
jis "and the route" '.interface.routes' '["10.9.7.0/24"]'
jis "one set answered" '.uapi.sets' 1
kill -HUP "$mg_pid"
wait_for 10 eval 'status && jq -e ".reloads == 4" "$status_json"'
jis "a reload puts the configuration's allowed-ips back" '.wireguard.peers[0].allowed_ips' \
	'["10.9.0.2/32","fd09::2/128"]'
jis "and takes the route away" '.interface.routes' '[]'
tap_check "10.9.7.1 is no longer routed through $ifa" \
	eval '! H a ip route get 10.9.7.1 2>/dev/null | grep -q "dev $ifa"'
tap_check "the session stayed: ping 10.9.0.2 from a" pings a 10.9.0.2

tap_is "UAPI: an unknown operation gets errno=-71 (EPROTO)" \
	"$(uapi "$ifa" 'get=2\n\n' | head -n 1)" "errno=-71"
tap_is "UAPI: an unknown key gets errno=-22 (EINVAL), then the next request is answered" \
	"$(uapi "$ifa" 'set=1\nbogus=1\n\nget=1\n\n' | grep -c '^errno=')" 2
tap_is "UAPI: a set cut short applies nothing" \
	"$(uapi "$ifa" 'set=1\nlisten_port=51831\n' | head -n 1)" "errno=-71"
status
jis "meshgated still listens on 51830" '.wireguard.listen_port' 51830
jis "two malformed streams counted" '.uapi.malformed' 2
tap_check "meshgated goes on: ping 10.9.0.2 from a" pings a 10.9.0.2

# ---------------------------------------------------------------- 5: rekey and roaming mid-transfer

# A private key changed and changed back in one request: wireguard-go
# expires its sessions, so its next packet starts a new handshake, while
# packets under the old keys are still in flight.
(umask 077 && "$meshgate" genkey >"$MG_TMP/x.key") || bail "cannot make a key"
bhex=$(key_hex "$MG_TMP/b.key")
ahex=$(key_hex "$MG_TMP/a.key")
xhex=$(key_hex "$MG_TMP/x.key")
sleep 1         # handshake times are in seconds
wghs=$(wg_handshake)
mghs=$(mg_handshake)
mid_transfer 5006 eval 'uapi "$wgif" "set=1\nprivate_key=$xhex\nprivate_key=$bhex\n\n" |
	grep -qx errno=0'
tap_is "wireguard-go rekeys mid-transfer (after $mid_at bytes)" \
	"$mid_cmd $([ "$mid_at" -lt $((16 << 20)) ] && echo mid)" "0 mid"
tap_is "16 MiB over TCP b -> a across the rekey, same sha256" "$mid_ok" 0
tap_check "wireguard-go made a new handshake" eval '[ "$(wg_handshake)" -gt "$wghs" ]'
tap_check "so did meshgated" eval '[ "$(mg_handshake)" -gt "$mghs" ]'

# The same on meshgated's side, in two requests on one connection (a
# single set keeps only its last private_key), so that no packet is
# handled between them.
sleep 1
wghs=$(wg_handshake)
mghs=$(mg_handshake)
mid_transfer 5007 eval '[ "$(uapi "$ifa" "set=1\nprivate_key=$xhex\n\nset=1\nprivate_key=$ahex\n\n" |
	grep -c "^errno=0$")" = 2 ]'
tap_is "meshgated rekeys mid-transfer (after $mid_at bytes)" \
	"$mid_cmd $([ "$mid_at" -lt $((16 << 20)) ] && echo mid)" "0 mid"
tap_is "16 MiB over TCP b -> a across the rekey, same sha256" "$mid_ok" 0
tap_check "meshgated made a new handshake" eval '[ "$(mg_handshake)" -gt "$mghs" ]'
tap_check "so did wireguard-go" eval '[ "$(wg_handshake)" -gt "$wghs" ]'
jis "a: its public key is back" '.wireguard.public_key' "\"$apub\""

# Roaming: b's IPv6 address changes under wireguard-go, whose datagrams
# then leave from the new one; meshgated answers wherever they come from.
roam()
{
	H b ip addr add 2001:db8:41::3/64 dev to-a && H b ip addr del 2001:db8:41::2/64 dev to-a
}
mid_transfer 5008 roam
tap_is "b's address changes mid-transfer (after $mid_at bytes)" \
	"$mid_cmd $([ "$mid_at" -lt $((16 << 20)) ] && echo mid)" "0 mid"
tap_is "16 MiB over TCP b -> a across the move, same sha256" "$mid_ok" 0
tap_is "meshgated follows: wg show $ifa endpoints" "$(H a wg show "$ifa" endpoints)" \
	"$bpub	[2001:db8:41::3]:51821"
tap_check "and back the other way: 8 MiB a -> b" transfer a b 10.9.0.2 5009

# ---------------------------------------------------------------- 6: meshgated on both ends

# b's wireguard-go makes way for a meshgated with the same key: both ends
# now batch with UDP_SEGMENT and UDP_GRO and coalesce TCP into the TUN.
stop_wg
cat >"$MG_TMP/b.conf" <<EOF
[node]
name = b
pid-file = $MG_TMP/b.pid
control-socket = $MG_TMP/b.sock
state-dir = $MG_TMP/state
[mesh]
private-key-file = $MG_TMP/b.key
interface = $ifb
listen-port = 51821
address = 10.9.0.2/24
address = fd09::2/64
[peer]
name = a
public-key = $apub
preshared-key-file = $MG_TMP/psk
endpoint = 192.0.2.1:51830
allowed-ips = 10.9.0.1/32
allowed-ips = fd09::1/128
EOF
H_bg b "$meshgated" -f -c "$MG_TMP/b.conf" >"$MG_TMP/b.log" 2>&1
b_pid=$MG_BG_PID
wait_for 10 test -S "$MG_TMP/b.sock" || { tap_diag <"$MG_TMP/b.log"; bail "meshgated b did not start"; }
tap_check "meshgated <-> meshgated: ping 10.9.0.1 from b" wait_for 10 pings b 10.9.0.1
tap_check "32 MiB over TCP a -> b, same sha256" transfer a b 10.9.0.2 5004 32
tap_check "32 MiB over TCP b -> a (IPv6 inside), same sha256" transfer b a fd09::1 5005 32
status
jis "a: no decryption failures" '.wireguard.dropped.rx_decrypt_failed' 0
jis "a: no send errors" '.wireguard.io.udp_send_errors' 0
jis "a: no TUN write errors" '.wireguard.io.tun_write_errors' 0
jis "a: no bad virtio headers" '.wireguard.io.tun_bad_vnet' 0

stop_meshgated
tap_is "meshgated a exits with status 0" "$mg_status" 0
tap_check "$ifa is gone after SIGTERM" eval '! H a ip link show dev $ifa 2>/dev/null'
tap_check "its UAPI socket is gone" eval '! test -e /var/run/wireguard/$ifa.sock'
kill -TERM "$b_pid"
tap_check "meshgated b exits on SIGTERM" wait_for 10 exited "$b_pid"
wait "$b_pid"
tap_is "meshgated b exits with status 0" $? 0

[ "$MG_TAP_FAILED" -eq 0 ] || dump_logs
tap_done
