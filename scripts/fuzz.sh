#!/bin/sh
# fuzz.sh runs every fuzz target in diagnose, credhelper and plugin for
# FUZZTIME inputs (default 5000x), JOBS at a time (default 2): most of a
# short run is building each target's instrumented test binary, which
# runs side by side well. A failing target prints its output; the run
# then fails.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5000x}
JOBS=${JOBS:-2}
export GO FUZZTIME
grep -rlE '^func Fuzz\w*\(f \*testing\.F\)' --include='*_test.go' diagnose credhelper plugin | sort |
while read -r file; do
	for f in $(grep -oE '^func Fuzz\w*' "$file" | cut -d' ' -f2); do
		echo "./$(dirname "$file") $f"
	done
done | xargs -P "$JOBS" -L 1 sh -c '
	if out=$("$GO" test -run "^\$" -fuzz "^$1\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s "$0" 2>&1); then
		echo "fuzz $0 $1: ok"
	else
		echo "fuzz $0 $1: FAIL"; echo "$out"; exit 255
	fi'
