#!/bin/bash
# The site resolver against dig and kdig, with a real unbound upstream and
# a second site's meshgated reached through a manual server= rule.
#
#   cl 192.168.1.100, fd01:1::100 ---- gw meshgated, site a.example
#                                      192.168.1.1, fd01:1::1 (LAN)
#   out 172.16.0.2 ------------------- 172.16.0.1 (a WAN-side address)
#                                      10.0.0.1 ---- up 10.0.0.53 unbound
#                                      10.0.1.1 ---- gwb 10.0.1.2 meshgated,
#                                                    site b.example
#
#  1. Local names: A, AAAA, CNAME, TXT, MX, SRV from [dns] record; names
#     from the hosts file; the gateway itself; the mesh zone; PTR (IPv4 and
#     IPv6); NXDOMAIN and NODATA with the SOA in authority; the question's
#     case kept; over IPv6 and with kdig over TCP.
#  2. EDNS: our size in the answer's OPT, none without EDNS; 32 addresses
#     truncated at 512 bytes (TC, no answer), then whole over TCP.
#  3. Forwarding to unbound: answered, then served from the cache with a
#     smaller TTL; rebinding refused; site b's names and reverse zone
#     through the server= and rev-server= rules; a stranger REFUSED.
#  4. SIGHUP: a new record is served, the cache is kept; meshgate dns
#     --json shows zones and rules; meshgate dns flush empties the cache.
#  5. unbound stopped: an expired answer is served stale, then SERVFAIL
#     once the stale window is over.
#
# The two sites talk over a plain veth with manual rules; the mesh's own
# site records (dns_service_set_sites) are not used here. Timings are
# never asserted; every wait is bounded.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_root
need_tool dig kdig unbound jq

need_meshgate

T=$MG_TMP
declare -A PID=()

die()
{
	local h
	for h in gw gwb; do
		[ -f "$T/$h/meshgated.log" ] || continue
		tap_diag "meshgated on $h:"
		tap_diag <"$T/$h/meshgated.log"
	done
	bail "$*"
}

# The mesh TUN names a UAPI socket in /var/run/wireguard: unique per run.
tun_name() { local n=md$1$$; echo "${n:0:15}"; }

# write_gw HOST SITE EXTRA: a meshgated config; EXTRA goes into [dns].
write_gw()
{
	local h=$1 dir=$T/$1
	mkdir -p "$dir/state"
	[ -f "$dir/private.key" ] ||
		(umask 077 && "$meshgate" genkey >"$dir/private.key") || bail "genkey failed"
	cat >"$dir/meshgate.conf" <<-EOF
	[node]
	name = $h
	pid-file = $dir/meshgated.pid
	control-socket = $dir/control.sock
	state-dir = $dir/state
	log-level = info

	[mesh]
	private-key-file = $dir/private.key
	interface = $(tun_name "$h")
	$2

	$3
	EOF
}

start_gw()
{
	H_bg "$1" "$meshgated" -f -c "$T/$1/meshgate.conf" >>"$T/$1/meshgated.log" 2>&1
	PID[$1]=$MG_BG_PID
	wait_for 10 test -S "$T/$1/control.sock" || die "meshgated on $1 did not start"
}

stop_pid()
{
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait_for 10 exited "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# dq ARGS...: dig from the client at the gateway.
dq() { H cl dig @192.168.1.1 +time=5 +tries=1 "$@" 2>&1; }
short() { dq +short "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
status() { dq "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
flags() { dq "$@" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'; }
answers() { dq "$@" | sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p'; }
ttl() { dq +noall +answer "$@" | awk 'NR == 1 { print $2 }'; }
has_soa() { dq +noall +authority "$@" | grep -q "	SOA	"; }
dns_json() { H "$1" "$meshgate" -s "$T/$1/control.sock" dns --json; }

tap_plan 44

# ---------------------------------------------------------------- topology

host_add gw
host_add cl
host_add out
host_add up
host_add gwb
link_add gw cl 192.168.1.1/24 192.168.1.100/24
mg_setup H gw ip addr add fd01:1::1/64 dev to-cl
mg_setup H cl ip addr add fd01:1::100/64 dev to-gw
link_add gw out 172.16.0.1/24 172.16.0.2/24
link_add gw up 10.0.0.1/24 10.0.0.53/24
link_add gw gwb 10.0.1.1/24 10.0.1.2/24

mkdir -p "$T/gw" "$T/up" "$T/gwb"
# 32 addresses for one name: more than 512 bytes of answer.
{
	echo "# hosts-file for a.example"
	echo "192.168.1.20 nas nas2"
	echo "192.168.1.21 camera.a.example"
	echo "10.9.9.9 elsewhere.example"
	for i in $(seq 100 131); do echo "192.168.1.$i many"; done
} >"$T/gw/hosts"

GW_DNS="[site]
name = a
domain = a.example
subnet = 192.168.1.0/24, fd01:1::/64

[dns]
listen = 192.168.1.1, fd01:1::1, 172.16.0.1
upstream = 10.0.0.53
upstream-timeout = 400ms
stale-window = 5s
hosts-file = $T/gw/hosts
mesh-domain = mesh.test
server = /b.example/10.0.1.2
rev-server = 192.168.2.0/24,10.0.1.2"
REC1='record = printer A 192.168.1.5, printer AAAA fd01:1::5, www CNAME printer'
REC2=', txt TXT "hello world", a.example. MX 10 printer, _ipp._tcp SRV 0 0 631 printer'
write_gw gw "address = 10.77.0.1/16" "$GW_DNS
$REC1$REC2"

write_gw gwb "" "[site]
name = b
domain = b.example
subnet = 192.168.2.0/24

[dns]
listen = 10.0.1.2
allow = 10.0.1.0/24
record = host A 192.168.2.7"

cat >"$T/up/unbound.conf" <<EOF
server:
	interface: 10.0.0.53
	port: 53
	do-ip6: no
	access-control: 10.0.0.0/24 allow
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$T/up"
	pidfile: ""
	use-syslog: no
	logfile: ""
	module-config: "iterator"
	local-zone: "up.test." static
	local-data: "www.up.test. 300 IN A 198.51.100.7"
	local-data: "ttl.up.test. 300 IN A 198.51.100.9"
	local-data: "stale.up.test. 2 IN A 198.51.100.8"
	local-data: "priv.up.test. 300 IN A 192.168.1.66"
EOF
H_bg up unbound -d -c "$T/up/unbound.conf" >>"$T/up/unbound.log" 2>&1
PID[up]=$MG_BG_PID
wait_for 10 listening up udp 53 || die "unbound did not start: $(cat "$T/up/unbound.log")"
start_gw gw
start_gw gwb
wait_for 10 listening gw udp 53 || die "meshgated on gw does not listen on 53"
wait_for 10 listening gwb udp 53 || die "meshgated on gwb does not listen on 53"

# ---------------------------------------------------------------- 1. local

tap_is "A from a record" "$(short printer.a.example A)" "192.168.1.5"
tap_is "AAAA from a record" "$(short printer.a.example AAAA)" "fd01:1::5"
tap_is "CNAME followed inside the zone" "$(short www.a.example A)" "192.168.1.5 printer.a.example."
tap_is "TXT" "$(short txt.a.example TXT)" '"hello world"'
tap_is "MX at the apex" "$(short a.example MX)" "10 printer.a.example."
tap_is "SRV" "$(short _ipp._tcp.a.example SRV)" "0 0 631 printer.a.example."
tap_is "hosts-file name and alias" "$(short nas.a.example; short nas2.a.example)" \
	"192.168.1.20192.168.1.20"
tap_is "hosts-file absolute name" "$(short camera.a.example)" "192.168.1.21"
tap_is "the gateway itself" "$(short gw.a.example)" "192.168.1.1"
tap_is "the mesh zone: the gateway's mesh address" "$(short gw.mesh.test)" "10.77.0.1"
tap_is "PTR from the A data" "$(short -x 192.168.1.5)" "printer.a.example."
tap_is "PTR from the AAAA data (ip6.arpa)" "$(short -x fd01:1::5)" "printer.a.example."
tap_is "PTR in the mesh's reverse zone" "$(short -x 10.77.0.1)" "gw.mesh.test."
tap_is "NXDOMAIN for a name that is not there" "$(status nothere.a.example A)" "NXDOMAIN"
tap_check "  with the SOA in authority" has_soa nothere.a.example A
tap_is "NODATA: NOERROR, no answer" "$(status printer.a.example MX)/$(answers printer.a.example MX)" \
	"NOERROR/0"
tap_check "  with the SOA in authority" has_soa printer.a.example MX
tap_check "authoritative answer (aa)" eval '[[ " $(flags printer.a.example) " == *" aa "* ]]'
tap_is "the question's case is kept in the answer" \
	"$(dq +noall +answer PrInTeR.A.eXaMpLe | awk '{ print $1 }')" "PrInTeR.A.eXaMpLe."
tap_is "over IPv6" "$(H cl dig @fd01:1::1 +short +time=5 +tries=1 printer.a.example)" \
	"192.168.1.5"
tap_is "kdig over TCP" \
	"$(H cl kdig @192.168.1.1 +tcp +short +timeout=5 printer.a.example AAAA 2>&1)" "fd01:1::5"

# ---------------------------------------------------------------- 2. EDNS

tap_check "EDNS: our UDP size in the answer's OPT" \
	eval 'dq +bufsize=4096 printer.a.example | grep -q "udp: 1232"'
tap_check "no OPT for a query without EDNS" \
	eval '! dq +noedns printer.a.example | grep -q "OPT PSEUDOSECTION"'
tap_check "32 addresses do not fit 512 bytes: TC, no answer" \
	eval '[[ " $(flags +noedns +ignore many.a.example) " == *" tc "* ]] &&
	      [ "$(answers +noedns +ignore many.a.example)" = 0 ]'
tap_is "dig retries over TCP and gets all 32" "$(dq +noedns +short many.a.example | wc -l)" 32
tap_is "with EDNS they fit in UDP" "$(answers +bufsize=1232 +ignore many.a.example)" 32

# ---------------------------------------------------------------- 3. forwarding

tap_is "forwarded to unbound" "$(short www.up.test)" "198.51.100.7"
t1=$(ttl ttl.up.test)
sleep 1.2
t2=$(ttl ttl.up.test)
tap_check "the cache answers again with a smaller TTL ($t1, then $t2)" \
	eval '[ -n "$t1" ] && [ -n "$t2" ] && [ "$t2" -lt "$t1" ]'
tap_is "a public name with a LAN address is refused (rebinding)" "$(status priv.up.test)" \
	"REFUSED"
tap_is "server=/b.example/: site b's name through our gateway" "$(short host.b.example)" \
	"192.168.2.7"
tap_is "rev-server=: site b's PTR through our gateway" "$(short -x 192.168.2.7)" \
	"host.b.example."
tap_is "a source outside the allow list is REFUSED" \
	"$(H out dig @172.16.0.1 +time=5 +tries=1 printer.a.example | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" \
	"REFUSED"

# ---------------------------------------------------------------- 4. reload

sent=$(dns_json gw | jq -r .upstream.sent)
write_gw gw "address = 10.77.0.1/16" "$GW_DNS
$REC1, new A 192.168.1.77"
kill -HUP "${PID[gw]}"
wait_for 10 eval '[ "$(short new.a.example)" = 192.168.1.77 ]'
tap_is "SIGHUP: a new record is served" "$(short new.a.example)" "192.168.1.77"
tap_is "  and a removed one is gone" "$(status txt.a.example TXT)" "NXDOMAIN"
tap_is "  the cache is kept: www.up.test without asking upstream" \
	"$(short www.up.test) $(dns_json gw | jq -r .upstream.sent)" "198.51.100.7 $sent"
tap_is "meshgate dns: the zones" \
	"$(dns_json gw | jq -r '.zones | sort | join(" ")')" \
	"0.0.0.0.0.0.0.0.1.0.0.0.1.0.d.f.ip6.arpa. 1.168.192.in-addr.arpa. 77.10.in-addr.arpa. a.example. mesh.test."
tap_is "meshgate dns: the manual rules" \
	"$(dns_json gw | jq -r '[.forwarding[] | select(.origin == "manual") | .domain] | join(" ")')" \
	"b.example. 2.168.192.in-addr.arpa."
tap_check "meshgate dns flush empties the cache" \
	eval 'H gw "$meshgate" -s "$T/gw/control.sock" dns flush >/dev/null &&
	      [ "$(dns_json gw | jq -r .cache.entries)" = 0 ]'
tap_check "meshgate status names the DNS service" \
	eval 'H gw "$meshgate" -s "$T/gw/control.sock" status --json |
	      jq -r .subsystems.dns | grep -q "^serving on 192.168.1.1 "'

# ---------------------------------------------------------------- 5. stale

tap_is "stale.up.test (TTL 2) forwarded" "$(short stale.up.test)" "198.51.100.8"
t0=$(date +%s.%N)
stop_pid "${PID[up]}"
PID[up]=
sleep 2.5
tap_is "unbound gone, TTL over: the stale answer" "$(short stale.up.test)" "198.51.100.8"
tap_is "  with the stale TTL" "$(ttl stale.up.test)" 30
# Expired at t0 + 2; the window of 5 s is then over.
sleep "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { d = a + 7.5 - b; print (d > 0 ? d : 0) }')"
tap_is "past the stale window: SERVFAIL" "$(status stale.up.test)" "SERVFAIL"

stop_pid "${PID[gw]}"
stop_pid "${PID[gwb]}"
tap_check "no errors (nor sanitizer reports) in either meshgated's log" \
	eval '! grep -E "err:|Sanitizer|runtime error" "$T/gw/meshgated.log" "$T/gwb/meshgated.log"'
tap_done
