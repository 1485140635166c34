#!/bin/sh
# notify-command for test_vrrp_keepalived.sh: appends its arguments after
# the first (the log file) as one line.
log=$1
shift
echo "$*" >>"$log"
