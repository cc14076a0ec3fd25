#!/bin/sh
# fuzz.sh runs every fuzz target in diagnose, credhelper and plugin for
# FUZZTIME inputs (default 5000x), JOBS packages at a time (default 2),
# each with one worker: JOBS fill the cores, and each further worker
# would first rerun the corpus. Each package's instrumented test binary
# is built once, without debug data, and runs each of its targets
# itself: most of a short run would otherwise be go test linking the
# same binary once a target. FUZZMIN bounds the minimisation
# of a new input (default 2s; 0s leaves it as found). A failing target
# prints its output, its input is kept under the package's
# testdata/fuzz as go test keeps it, the other job stops at its next
# target (never left running), and the run fails.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5000x}
FUZZMIN=${FUZZMIN:-2s}
JOBS=${JOBS:-2}
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
# go test keeps what fuzzing found interesting here; the binary, run
# directly, needs to be told. FUZZFRESH=1 starts from the seed corpus
# alone, in a cache of this run's: the smoke's cost then stays the same
# from run to run instead of growing with what earlier runs kept.
CACHE=$("$GO" env GOCACHE)/fuzz
[ "${FUZZFRESH:-0}" = 0 ] || CACHE=$BIN/cache
MOD=$("$GO" list -m)
export GO FUZZTIME FUZZMIN BIN CACHE MOD
# Each line: a package's folder in the module, which holds no space
# (wherever the module itself is).
grep -rlE '^func Fuzz\w*\(f \*testing\.F\)' --include='*_test.go' diagnose credhelper plugin |
	xargs -n 1 dirname | sort -u |
	xargs -P "$JOBS" -n 1 sh -c '
	dir=./$0 pkg=$MOD/$0 bin=$BIN/$(echo "$0" | tr / _).test
	[ ! -e "$BIN/failed" ] || exit 1
	if ! out=$("$GO" test -c -fuzz . -ldflags="-s -w" -o "$bin" "$dir" 2>&1); then
		echo "fuzz $pkg: build FAIL"; echo "$out"; touch "$BIN/failed"; exit 1
	fi
	for f in $(grep -ohE "^func Fuzz\w*" "$dir"/*_test.go | cut -d" " -f2); do
		[ ! -e "$BIN/failed" ] || exit 1
		if out=$(cd "$dir" && "$bin" -test.run "^\$" -test.fuzz "^$f\$" -test.fuzztime "$FUZZTIME" -test.parallel 1 \
			-test.fuzzminimizetime "$FUZZMIN" -test.fuzzcachedir "$CACHE/$pkg" 2>&1); then
			echo "fuzz $pkg $f: ok"
		else
			echo "fuzz $pkg $f: FAIL"; echo "$out"; touch "$BIN/failed"; exit 1
		fi
	done'
