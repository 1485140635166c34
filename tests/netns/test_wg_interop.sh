#!/bin/bash
# meshgated against wireguard-go: handshakes both ways, data both ways,
# IPv4 and IPv6 inside and outside the tunnel, a preshared key, persistent
# keepalive, and a reload that keeps the session.
#
#   host a: meshgated                       host b: wireguard-go ($wgif)
#     mgt0 10.9.0.1/24 fd09::1/64             10.9.0.2/24 fd09::2/64
#     UDP 51820                               UDP 51821
#     to-b 192.0.2.1/24 2001:db8:41::1/64 === to-a 192.0.2.2/24 2001:db8:41::2/64
#
# 1. meshgated initiates (endpoint 192.0.2.2:51821): ping, TCP both ways.
# 2. Both restarted with a preshared key; meshgated has no endpoint, so
#    wireguard-go initiates over IPv6 ([2001:db8:41::1]:51820) and
#    meshgated learns where it is.
# 3. SIGHUP adds persistent-keepalive and a second peer: the session stays,
#    keepalives arrive, the new peer's allowed-ips get a route; then the
#    peer goes again, and the port moves (wireguard-go follows).
# 4. wireguard-go gives way to a second meshgated with b's key: the
#    segmentation offloads on both ends, 32 MiB each way.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq wireguard-go wg socat sha256sum ping timeout

top_builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
meshgated=$top_builddir/daemon/meshgated
meshgate=$top_builddir/tools/meshgate
[ -x "$meshgated" ] || bail "$meshgated is not built"
[ -x "$meshgate" ] || bail "$meshgate is not built"
[ -c /dev/net/tun ] || mg_missing "needs /dev/net/tun"

# wireguard-go's UAPI socket lives in /var/run/wireguard, outside any
# namespace: the name must not collide with a parallel run.
wgif=wgt$$
wgif=${wgif:0:15}
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
		echo "interface = mgt0"
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
tap_check "it leaves no interface behind" eval '! H a ip link show dev mgt0 2>/dev/null'

# ---------------------------------------------------------------- 1: meshgated initiates

chmod 640 "$MG_TMP/a.key"
write_conf "endpoint = 192.0.2.2:51821"
start_meshgated
tap_check "a group-readable key is warned about" contains "$log" "readable by others"
sed -e "s#mgt0#mgt1#" -e "s#$sock#$MG_TMP/other.sock#" -e "s#meshgated.pid#other.pid#" \
	"$conf" >"$MG_TMP/other.conf"
H a "$meshgated" -f -c "$MG_TMP/other.conf" >"$MG_TMP/other.log" 2>&1
tap_is "a second meshgated on the same port exits 1" $? 1
tap_check "it says the port is taken" contains "$MG_TMP/other.log" \
	"cannot listen on UDP port 51820: Address already in use"
start_wg peer "$apub" endpoint 192.0.2.1:51820 allowed-ips 10.9.0.1/32,fd09::1/128

tap_is "wireguard-go has no handshake yet" "$(wg_handshake)" 0
tap_check "meshgated initiates: ping 10.9.0.2 from a" wait_for 10 pings a 10.9.0.2
tap_check "wireguard-go has a handshake" eval '[ "$(wg_handshake)" -gt 0 ]'
tap_check "IPv6 inside the tunnel: ping fd09::2 from a" wait_for 5 pings a fd09::2
tap_check "and back: ping 10.9.0.1 from b" pings b 10.9.0.1
tap_check "8 MiB over TCP a -> b (IPv4), same sha256" transfer a b 10.9.0.2 5001
tap_check "8 MiB over TCP b -> a (IPv6), same sha256" transfer b a fd09::1 5002

status
jis "one peer with a session" '.subsystems.mesh' \
	'"interface up, listening on UDP port 51820, 1 peer configured, 1 with a session"'
jis "peer b's endpoint" '.wireguard.peers[0].endpoint' '"192.0.2.2:51821"'
jis "peer b has a session" '.wireguard.peers[0].session' true
jis "our public key" '.wireguard.public_key' "\"$apub\""
jis "nothing failed to decrypt" '.wireguard.dropped.rx_decrypt_failed' 0
jis "no send errors" '.wireguard.io.udp_send_errors' 0

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
	"endpoint c.invalid:51820 is a host name"
jis "peer c's allowed-ips are routed" '.interface.routes' '["10.9.5.0/24"]'
tap_check "10.9.5.7 is routed through mgt0" eval 'H a ip route get 10.9.5.7 | grep -q "dev mgt0"'

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

# ---------------------------------------------------------------- 4: meshgated on both ends

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
interface = mgt0
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
tap_check "mgt0 is gone after SIGTERM" eval '! H a ip link show dev mgt0 2>/dev/null'
kill -TERM "$b_pid"
tap_check "meshgated b exits on SIGTERM" wait_for 10 exited "$b_pid"
wait "$b_pid"
tap_is "meshgated b exits with status 0" $? 0

[ "$MG_TAP_FAILED" -eq 0 ] || dump_logs
tap_done
