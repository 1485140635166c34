#!/bin/sh
# Client hook for test_dhcp.sh, for dhclient (-sf, through a wrapper that
# adds the log) and udhcpc (-s): `dhcp_client.sh LOG [udhcpc's EVENT]`.
# Appends the event and the options the client got to LOG, one key=value
# a line and "--" after each event, and configures the interface: the
# address, and udhcpc's classless routes (dhclient's stay in the log).
log=$1
shift
event=${1:-${reason:-}}
{
	echo "event=$event"
	for v in interface ip mask router dns domain search staticroutes mtu ntpsrv lease \
		serverid new_ip_address new_subnet_mask new_routers new_domain_name_servers \
		new_domain_name new_domain_search new_rfc3442_classless_static_routes \
		new_ntp_servers new_interface_mtu new_dhcp_lease_time new_dhcp_server_identifier; do
		eval "val=\${$v:-}"
		[ -z "$val" ] || echo "$v=$val"
	done
	echo "--"
} >>"$log"
case $event in
bound|renew)
	ip addr replace "$ip/${mask:-24}" dev "$interface"
	# shellcheck disable=SC2086
	set -- $staticroutes
	while [ $# -ge 2 ]; do
		ip route replace "$1" via "$2" dev "$interface"
		shift 2
	done
	;;
deconfig)
	ip link set "$interface" up
	ip -4 addr flush dev "$interface"
	;;
PREINIT)
	ip link set "$interface" up
	;;
BOUND|RENEW|REBIND|REBOOT)
	ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
	;;
EXPIRE|FAIL|RELEASE|STOP)
	ip -4 addr flush dev "$interface"
	;;
esac
exit 0
