#!/bin/sh
# Builds meshgate in BUILDDIR (default build/plain) with extra configure
# arguments; reuses an existing configured tree.
#   scripts/build.sh [BUILDDIR [CONFIGURE-ARGS...]]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build/plain}
[ $# -gt 0 ] && shift
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null 2>&1 ||
	autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ]; then
	"$top/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
		--runstatedir=/run "$@" 2>&1 | grep -v "^rm: cannot remove 'core'" || true
	[ -f Makefile ] || { echo "configure failed: see $builddir/config.log" >&2; exit 1; }
fi
make -j"$(nproc)" >/dev/null
