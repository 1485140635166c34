#!/bin/sh
# Runs every fuzz target built in BUILDDIR for SECONDS each (default 30) on a
# scratch copy of its seed corpus; exits non-zero if any target finds a crash.
# FUZZ_SECONDS_<name>=N gives one target its own time (fuzz_config: FUZZ_SECONDS_config).
# usage: tests/fuzz/run.sh BUILDDIR [SECONDS]
set -u
builddir=${1:?usage: run.sh BUILDDIR [SECONDS]}
secs=${2:-30}
srcdir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
found=0
for target in "$builddir"/tests/fuzz/fuzz_*; do
	[ -x "$target" ] || continue
	found=1
	name=${target##*/fuzz_}
	mkdir -p "$work/$name"
	[ -d "$srcdir/corpus/$name" ] && cp -r "$srcdir/corpus/$name/." "$work/$name/"
	t=$(eval "echo \${FUZZ_SECONDS_$name:-$secs}")
	echo "fuzz $name for ${t}s"
	if ! "$target" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
	     -artifact_prefix="$work/crash-$name-" -print_final_stats=1 \
	     "$work/$name" >"$work/$name.log" 2>&1; then
		echo "fuzz $name: FAILED"
		tail -n 60 "$work/$name.log"
		for a in "$work"/crash-"$name"-*; do
			[ -f "$a" ] && { echo "reproducer (base64) $a:"; base64 "$a"; }
		done
		status=1
	else
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/$name.log" |
			sed "s/^/fuzz $name: /"
	fi
done
[ "$found" = 1 ] || { echo "no fuzz targets in $builddir (configure --enable-fuzzing CC=clang)"; exit 1; }
exit $status
