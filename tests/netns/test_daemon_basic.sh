#!/bin/bash
# meshgated alone in a host: config check, the TUN interface it builds,
# status, reload (good and broken), and a clean stop.
#
#   host a: meshgated -f -c a.conf
#           mgb<pid> (TUN)  mtu 1400, 10.77.0.1/16 fd77::1/64, route 10.99.0.0/24
#   SIGHUP: mtu 1380, 10.77.0.1/16 10.78.0.1/16,           route 10.98.0.0/24
#   SIGHUP with mtu 99999: refused, the TUN stays as it was
#
# No traffic is sent: the test only reads the interface back from the kernel.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool jq

need_meshgate
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h" 2>/dev/null)

# Unique per run: /var/run/wireguard/<ifname>.sock is shared by all namespaces.
ifn=mgb$$
conf=$MG_TMP/a.conf
sock=$MG_TMP/control.sock
pidfile=$MG_TMP/meshgated.pid
log=$MG_TMP/meshgated.log
status_json=$MG_TMP/status.json
mkdir "$MG_TMP/state"
key=$MG_TMP/private.key
(umask 077 && "$meshgate" genkey >"$key") || bail "meshgate genkey failed"

# write_conf FILE MTU "ADDRESSES" "ROUTES" [EXTRA_MESH_LINE]: replaces FILE
# in one rename, so a reload never reads half a file.
write_conf()
{
	local file=$1 mtu=$2 addrs=$3 routes=$4 extra=${5:-} x
	{
		echo "[node]"
		echo "name = a"
		echo "pid-file = $pidfile"
		echo "control-socket = $sock"
		echo "state-dir = $MG_TMP/state"
		echo
		echo "[mesh]"
		echo "private-key-file = $key"
		echo "interface = $ifn"
		echo "mtu = $mtu"
		for x in $addrs; do echo "address = $x"; done
		for x in $routes; do echo "route = $x"; done
		[ -z "$extra" ] || echo "$extra"
	} >"$file.new" && mv "$file.new" "$file"
}

# The interface as the kernel has it, one field at a time.
if_mtu()
{
	H a ip -j link show dev $ifn | jq -r '.[0].mtu'
}

if_up()
{
	H a ip -j link show dev $ifn | jq -r '.[0].flags | index("UP") != null'
}

if_index()
{
	H a ip -j link show dev $ifn | jq -r '.[0].ifindex'
}

if_addrs()
{
	H a ip -j addr show dev $ifn scope global |
		jq -r '[.[0].addr_info[] | select(.local != null) | "\(.local)/\(.prefixlen)"] | sort | join(" ")'
}

# Routes through the TUN other than the kernel's and the addresses' own prefixes.
if_routes()
{
	{
		H a ip -j -4 route show dev $ifn
		H a ip -j -6 route show dev $ifn
	} | jq -rs 'add | [.[] | select(.protocol != "kernel") | .dst
		| select(IN("10.77.0.0/16", "10.78.0.0/16", "fd77::/64") | not)]
		| sort | join(" ")'
}

if_state()
{
	echo "mtu=$(if_mtu) up=$(if_up) addrs=$(if_addrs) routes=$(if_routes)"
}

# routed_via_tun ADDR: the kernel would send a packet to ADDR through $ifn.
routed_via_tun()
{
	H a ip route get "$1" 2>&1 | grep -q " dev $ifn "
}

# Fetch status --json into $status_json; fails unless it is a JSON object.
status()
{
	H a "$meshgate" -s "$sock" status --json >"$status_json" 2>&1 &&
		jq -e 'type == "object"' "$status_json" >/dev/null 2>&1
}

# jis DESC FILTER EXPECTED: FILTER over the last status, compared as compact JSON.
jis()
{
	tap_is "status: $1" "$(jq -c "$2" "$status_json" 2>&1)" "$3"
}

# contains FILE STRING: shows FILE when STRING (any case) is not in it.
contains()
{
	grep -qiF -- "$2" "$1" && return 0
	echo "'$2' not found in:"
	cat "$1"
	return 1
}

daemon_log()
{
	tap_diag "meshgated output:"
	tap_diag <"$log"
}

die()
{
	daemon_log
	bail "$*"
}

host_add a

# ---------------------------------------------------------------- check-config

write_conf "$conf" 1400 "10.77.0.1/16 fd77::1/64" "10.99.0.0/24"
tap_check "--check-config accepts a valid config" \
	H a "$meshgated" --check-config -c "$conf"

typo=$MG_TMP/typo.conf
write_conf "$typo" 1400 "10.77.0.1/16" "10.99.0.0/24" "adress = fd77::1/64"
typo_line=$(grep -n '^adress' "$typo" | cut -d: -f1)
H a "$meshgated" --check-config -c "$typo" >/dev/null 2>"$MG_TMP/typo.err"
tap_is "--check-config exits 1 on an unknown key" $? 1
tap_check "the error names $(basename "$typo"):$typo_line" \
	contains "$MG_TMP/typo.err" "$typo:$typo_line"

broken=$MG_TMP/broken.conf
write_conf "$broken" 99999 "10.77.0.1/16" "10.99.0.0/24"
H a "$meshgated" --check-config -c "$broken" >/dev/null 2>"$MG_TMP/broken.err"
tap_is "--check-config exits 1 on mtu = 99999" $? 1

# ---------------------------------------------------------------- start

H_bg a "$meshgated" -f -c "$conf" >"$log" 2>&1
pid=$MG_BG_PID

tap_check "meshgated creates its control socket" wait_for 10 test -S "$sock" ||
	die "meshgated did not start"
tap_is "the pid file holds meshgated's pid" "$(cat "$pidfile" 2>&1)" "$pid"

started="mtu=1400 up=true addrs=10.77.0.1/16 fd77::1/64 routes=10.99.0.0/24"
wait_for 10 eval '[ "$(if_state)" = "$started" ]'
tap_is "$ifn has mtu 1400" "$(if_mtu)" 1400
tap_is "$ifn is up" "$(if_up)" true
tap_is "$ifn has exactly the configured addresses" "$(if_addrs)" "10.77.0.1/16 fd77::1/64"
tap_is "$ifn has exactly the configured routes" "$(if_routes)" "10.99.0.0/24"
tap_check "10.99.0.5 is routed through $ifn" routed_via_tun 10.99.0.5

H a "$meshgate" -s "$sock" status >"$MG_TMP/status.txt" 2>&1
tap_is "status exits 0" $? 0
tap_check "status text names $ifn" contains "$MG_TMP/status.txt" $ifn

tap_check "status --json prints a JSON object" \
	eval 'status || { cat "$status_json"; false; }'
jis "version" .version "\"${version:-unknown}\""
jis "node" .node '"a"'
jis "pid" .pid "$pid"
jis "config" .config "\"$conf\""
jis "uptime_s is a number" '.uptime_s | type' '"number"'
jis "reloads" .reloads 0
jis "last_reload" .last_reload '"ok"'
jis "interface name" .interface.name "\"$ifn\""
jis "interface ifindex" .interface.ifindex "$(if_index)"
jis "interface mtu" .interface.mtu 1400
jis "interface up" .interface.up true
jis "interface addresses" '.interface.addresses | sort' '["10.77.0.1/16","fd77::1/64"]'
jis "interface routes" '.interface.routes | sort' '["10.99.0.0/24"]'
jis "subsystems is an object" '.subsystems | type' '"object"'

# ---------------------------------------------------------------- reload

write_conf "$conf" 1380 "10.77.0.1/16 10.78.0.1/16" "10.98.0.0/24"
kill -HUP "$pid"
reloaded="mtu=1380 up=true addrs=10.77.0.1/16 10.78.0.1/16 routes=10.98.0.0/24"
wait_for 10 eval '[ "$(if_state)" = "$reloaded" ]'
tap_is "after SIGHUP $ifn has mtu 1380" "$(if_mtu)" 1380
tap_is "after SIGHUP $ifn is up" "$(if_up)" true
tap_is "after SIGHUP $ifn has exactly the new addresses" \
	"$(if_addrs)" "10.77.0.1/16 10.78.0.1/16"
tap_is "after SIGHUP $ifn has exactly the new routes" "$(if_routes)" "10.98.0.0/24"
tap_check "10.98.0.5 is routed through $ifn" routed_via_tun 10.98.0.5
tap_check "10.99.0.5 is no longer routed through $ifn" eval '! routed_via_tun 10.99.0.5'

wait_for 10 eval 'status && jq -e ".reloads == 1" "$status_json"'
jis "reloads after SIGHUP" .reloads 1
jis "last_reload after SIGHUP" .last_reload '"ok"'
jis "interface mtu after SIGHUP" .interface.mtu 1380
jis "interface addresses after SIGHUP" '.interface.addresses | sort' \
	'["10.77.0.1/16","10.78.0.1/16"]'
jis "interface routes after SIGHUP" '.interface.routes | sort' '["10.98.0.0/24"]'

write_conf "$conf" 99999 "10.77.0.1/16" "10.99.0.0/24"
kill -HUP "$pid"
wait_for 10 eval 'status && jq -e ".last_reload | startswith(\"error\")" "$status_json"'
jis "last_reload after a broken config starts with error" \
	'.last_reload | startswith("error")' true
tap_check "meshgated still runs after a broken config" eval '! exited $pid'
tap_is "$ifn keeps the previous settings" "$(if_state)" "$reloaded"
jis "interface mtu after a broken config" .interface.mtu 1380

# ---------------------------------------------------------------- stop

kill -TERM "$pid"
tap_check "meshgated exits on SIGTERM" wait_for 10 exited "$pid" || kill -KILL "$pid"
wait "$pid"
tap_is "meshgated exits with status 0" $? 0
tap_check "$ifn is gone" eval '! H a ip link show dev $ifn'
tap_check "the pid file is gone" test ! -e "$pidfile"
tap_check "the control socket is gone" test ! -e "$sock"

H a "$meshgate" -s "$sock" status >"$MG_TMP/stopped.txt" 2>&1
tap_is "status exits 1 when meshgated is not running" $? 1
tap_check "status says meshgated is not running" \
	contains "$MG_TMP/stopped.txt" "not running"

[ "$MG_TAP_FAILED" -eq 0 ] || daemon_log
tap_done
