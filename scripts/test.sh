#!/bin/sh
# Installs what the tests need, builds, and runs every suite:
#   1. the plain build's `make check` (unit, golden-config, network-namespace tests)
#   2. the same under ASan + UBSan (--enable-sanitizers)
#   3. each fuzz target for FUZZ_SECONDS (default 30; the config parser, the
#      WireGuard receive path and the DNS query path 60) with clang's libFuzzer
#   4. `make distcheck` (skip with DISTCHECK=no), whose own `make check` leaves
#      out the network-namespace tests that 1 and 2 ran
# and ends with one line: "N passed, N failed, N skipped". Run as root: the
# network-namespace tests need it (under CI=true they fail rather than skip).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
fuzz_seconds=${FUZZ_SECONDS:-30}
export FUZZ_SECONDS_config=${FUZZ_SECONDS_config:-60}
export FUZZ_SECONDS_wg_rx=${FUZZ_SECONDS_wg_rx:-60}
export FUZZ_SECONDS_dns_query=${FUZZ_SECONDS_dns_query:-60}
passed=0 failed=0 skipped=0

"$top/scripts/deps.sh" test || exit 1

# Adds a finished automake test-suite.log's counts to the totals.
count_suite() {
	log=$1
	if [ ! -f "$log" ]; then
		echo "no $log: the suite did not run"
		failed=$((failed + 1))
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log"); x=$(sed -n 's/^# XPASS: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log"); xf=$(sed -n 's/^# XFAIL: *//p' "$log")
	passed=$((passed + ${p:-0} + ${xf:-0}))
	failed=$((failed + ${f:-0} + ${x:-0} + ${e:-0}))
	skipped=$((skipped + ${s:-0}))
}

# Runs make check in a build tree; prints failing tests' logs.
check() {
	name=$1 dir=$2
	shift 2
	echo "== $name: build"
	if ! "$top/scripts/build.sh" "$dir" "$@"; then
		echo "$name: build failed"
		failed=$((failed + 1))
		return
	fi
	echo "== $name: make check"
	rm -f "$dir/test-suite.log"
	(cd "$dir" && make -j"$(nproc)" check >check.out 2>&1)
	grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS|# )' "$dir/check.out" | grep -vE '^PASS' |
		sed "s/^/$name: /"
	[ -f "$dir/test-suite.log" ] && grep -q '^# FAIL: *[1-9]\|^# ERROR: *[1-9]' \
		"$dir/test-suite.log" && cat "$dir/test-suite.log"
	count_suite "$dir/test-suite.log"
}

check plain "$top/build/plain"
check sanitizers "$top/build/asan" --enable-sanitizers

echo "== fuzz: build (clang libFuzzer)"
if CC=clang-14 "$top/scripts/build.sh" "$top/build/fuzz" --enable-fuzzing; then
	echo "== fuzz: ${fuzz_seconds}s per target"
	out=$(sh "$top/tests/fuzz/run.sh" "$top/build/fuzz" "$fuzz_seconds")
	rc=$?
	echo "$out"
	n_ok=$(echo "$out" | grep -c 'stat::number_of_executed_units')
	n_bad=$(echo "$out" | grep -c ': FAILED$')
	passed=$((passed + n_ok)); failed=$((failed + n_bad))
	[ "$rc" != 0 ] && [ "$n_bad" = 0 ] && failed=$((failed + 1))
else
	echo "fuzz: build failed"
	failed=$((failed + 1))
fi

if [ "${DISTCHECK:-yes}" != no ]; then
	echo "== make distcheck"
	if (cd "$top/build/plain" && MG_NETNS_IN_DISTCHECK=1 make -j"$(nproc)" distcheck \
	    >distcheck.out 2>&1); then
		grep -A3 '^=====' "$top/build/plain/distcheck.out" | grep -E 'archives ready|\.tar' || true
		passed=$((passed + 1))
	else
		tail -n 80 "$top/build/plain/distcheck.out"
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
