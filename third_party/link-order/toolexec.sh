#!/bin/sh
# go build -toolexec: runs the linker that mklink.sh built (build/link/link,
# or $CLOVE_LINKER) in place of the toolchain's, and every other tool as it is. Without it
# (mklink.sh failed), the stock linker runs, without -funcorder.
tool=$1
shift
case "$(basename "$tool")" in
link)
	patched=${CLOVE_LINKER:-"$(cd "$(dirname "$0")/../.." && pwd)/build/link/link"}
	if [ -x "$patched" ]; then
		exec "$patched" "$@"
	fi
	for a in "$@"; do
		shift
		case "$a" in -funcorder=*) ;; *) set -- "$@" "$a" ;; esac
	done
	exec "$tool" "$@"
	;;
esac
exec "$tool" "$@"
