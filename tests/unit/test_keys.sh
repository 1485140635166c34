#!/bin/sh
# meshgate genkey / pubkey / genpsk against wg(8): the same keys, either way.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
mg="$top_builddir/tools/meshgate"
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }

if ! command -v wg >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then echo "not ok 1 - wg (wireguard-tools) is not installed"; echo "1..1"; exit 1; fi
	echo "1..0 # SKIP wg (wireguard-tools) is not installed"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

priv=$("$mg" genkey)
is_key() { expr "$1" : '[A-Za-z0-9+/]\{43\}=$' >/dev/null; }
check "genkey prints 44 base64 characters" is_key "$priv"
same_pub() {
	a=$(echo "$1" | "$mg" pubkey) && b=$(echo "$1" | wg pubkey) && [ -n "$a" ] && [ "$a" = "$b" ]
}
check "meshgate pubkey equals wg pubkey" same_pub "$priv"
check "meshgate pubkey reads wg genkey's keys" same_pub "$(wg genkey)"
check "two genkeys differ" test "$("$mg" genkey)" != "$("$mg" genkey)"
psk=$("$mg" genpsk)
check "genpsk prints a key wg accepts" sh -c "echo '$psk' | wg pubkey >/dev/null"
# Clamped like X25519 private keys: wg genkey does the same.
last=$(echo "$priv" | base64 -d | od -An -tu1 -j31 -N1 | tr -d ' ')
first=$(echo "$priv" | base64 -d | od -An -tu1 -N1 | tr -d ' ')
check "genkey clamps the key" test $((first & 7)) = 0 -a $((last & 128)) = 0 -a $((last & 64)) = 64
echo "not a key" | "$mg" pubkey >/dev/null 2>"$tmp/err"
check "pubkey refuses garbage with exit 1" test $? = 1
check "and says what it expects" grep -q "44 characters of base64" "$tmp/err"
echo "${priv%?}" | "$mg" pubkey >/dev/null 2>&1
check "pubkey refuses a truncated key" test $? = 1
umask 022
"$mg" genkey >"$tmp/world" 2>"$tmp/err2"
check "genkey warns when the file is world-readable" grep -q "world-readable" "$tmp/err2"
check "genkey refuses arguments" sh -c "! '$mg' genkey extra 2>/dev/null"
echo "1..$n"
exit $fail
