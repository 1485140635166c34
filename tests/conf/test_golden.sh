#!/bin/sh
# Golden configuration tests: for each case directory under tests/conf/,
#   expected.out  `meshgated --print-config` output, which must also read back
#                 to itself (print -> parse -> print is a fixed point);
#   expected.err  `meshgated --check-config` errors, exit status 1.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
meshgated="$top_builddir/daemon/meshgated"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fail=1; echo "not ok $n - $1"
	[ -f "$2" ] && sed 's/^/# /' "$2"
}

cd "$top_srcdir/tests/conf" || exit 1
for dir in */; do
	case=${dir%/}
	if [ -f "$case/expected.out" ]; then
		if "$meshgated" --print-config -c "$case/meshgate.conf" >"$tmp/out" 2>/dev/null &&
		   diff -u "$case/expected.out" "$tmp/out" >"$tmp/diff"; then
			ok "$case: print-config matches"
		else
			not_ok "$case: print-config matches" "$tmp/diff"
		fi
		mkdir -p "$tmp/rt"
		cp "$tmp/out" "$tmp/rt/meshgate.conf"
		if "$meshgated" --print-config -c "$tmp/rt/meshgate.conf" >"$tmp/out2" 2>/dev/null &&
		   diff -u "$tmp/out" "$tmp/out2" >"$tmp/diff"; then
			ok "$case: printed config reads back to itself"
		else
			not_ok "$case: printed config reads back to itself" "$tmp/diff"
		fi
	fi
	if [ -f "$case/expected.err" ]; then
		"$meshgated" --check-config -c "$case/meshgate.conf" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 1 ] && diff -u "$case/expected.err" "$tmp/err" >"$tmp/diff"; then
			ok "$case: check-config exits 1 naming file:line and the fix"
		else
			echo "exit status $rc" >>"$tmp/diff"
			not_ok "$case: check-config exits 1 naming file:line and the fix" "$tmp/diff"
		fi
	fi
done
# The example configuration that make install ships must stay valid.
if "$meshgated" --check-config -c "$top_srcdir/packaging/meshgate.conf" >"$tmp/out" 2>&1; then
	ok "packaging/meshgate.conf is valid"
else
	not_ok "packaging/meshgate.conf is valid" "$tmp/out"
fi
echo "1..$n"
exit $fail
