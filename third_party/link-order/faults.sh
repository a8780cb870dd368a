#!/bin/sh
# faults.sh ROUNDS: adds to hot.txt what a coverage profile cannot name
# (the runtime, assembly, cgo's stubs, generic code of uncovered packages,
# type hash functions): each round links Clove with the list, runs it once
# under the GUI benchmark while `perf record -e page-faults -d` records
# where it faulted, and appends the functions it faulted in that the list
# lacks (internal/linkorder -faults). The kernel maps 64 KiB around a
# fault, so a round shows one function a window; the next round, with
# those laid out first, shows the next. Needs perf and root (or
# perf_event_paranoid ≤ 0); make linkorder runs it after the coverage
# profile, and skips it without perf. perf records the whole machine and
# keeps the faults of processes named clove: run nothing else by that name
# meanwhile (a test run).
set -eu
rounds=${1:-4}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
go=${GO:-go}
tags=${TAGS:-sqlite_fts5}
hot=$here/hot.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top"
"$go" build -o "$tmp/linkorder" ./internal/linkorder
r=1
while [ "$r" -le "$rounds" ]; do
	# The list's and the linker's sum in the flags: go's build cache
	# knows neither, so the same flags would give last round's binary.
	sum=$(cat "$hot" "${CLOVE_LINKER:-$top/build/link/link}" 2>/dev/null | sha256sum | cut -c1-16)
	# The runtime's overlay as make build uses it (third_party/span-sets).
	set --
	if [ -f "$top/build/runtime/overlay.json" ]; then
		set -- -overlay="$top/build/runtime/overlay.json"
	fi
	"$go" build -tags "$tags" -toolexec="$here/toolexec.sh" -ldflags="-funcorder=$hot -X main.hotList=$sum" "$@" -o "$tmp/clove" ./cmd/clove
	perf record -q -a -e page-faults -c 1 -d -o "$tmp/pf.data" >/dev/null 2>&1 &
	perf=$!
	sleep 1
	(cd cmd/clove && CLOVE_BENCH_CLOVE="$tmp/clove" CLOVE_BENCH_APPS=clove CLOVE_BENCH_ROUNDS=1 CLOVE_BENCH_IDLE=1s \
		"$go" test -tags "$tags" -run '^$' -bench '^BenchmarkGUISideBySide$' -benchtime 1x -timeout 30m . >"$tmp/bench.out" 2>&1) ||
		{ kill -INT "$perf"; cat "$tmp/bench.out"; exit 1; }
	kill -INT "$perf"
	wait "$perf" || true
	# The warm-up and the counted start both: the same binary, the same
	# addresses.
	perf script -i "$tmp/pf.data" -F comm,addr 2>/dev/null | awk '$1 == "clove" { print $2 }' >"$tmp/faults"
	"$tmp/linkorder" -faults "$tmp/faults" -binary "$tmp/clove" <"$hot" >"$tmp/hot"
	mv "$tmp/hot" "$hot"
	r=$((r + 1))
done
