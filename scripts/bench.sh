#!/usr/bin/env bash
# Benchmarks: the Go benchmarks, then whole commands timed side by side in
# one run (hyperfine when installed, else a plain loop).
#
#   scripts/bench.sh          everything
#   RUNS=50 scripts/bench.sh  more runs of each command
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}

echo "== Go benchmarks"
go test -run '^$' -bench . -benchmem ./diagnose/... | grep -E '^(Benchmark|ok)'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/docker-acrdoctor" ./plugin
mkdir -p "$work/small/cli-plugins" "$work/large/cli-plugins"
ln -s "$work/docker-acrdoctor" "$work/small/cli-plugins/docker-acrdoctor"
ln -s "$work/docker-acrdoctor" "$work/large/cli-plugins/docker-acrdoctor"
go run ./scripts/mkconfig -n 1 >"$work/small/config.json"
go run ./scripts/mkconfig -n 1000 >"$work/large/config.json"

commands=(
	"DOCKER_CONFIG=$work/small $work/docker-acrdoctor creds --all --format json"
	"DOCKER_CONFIG=$work/large $work/docker-acrdoctor creds --all --format json"
	"DOCKER_CONFIG=$work/large docker acrdoctor creds --all --format json"
)
echo
echo "== whole commands: creds over 1 and 1,000 file-stored entries, standalone and through docker"
if command -v hyperfine >/dev/null; then
	hyperfine --warmup 2 --runs "$runs" -N --ignore-failure "${commands[@]/#/env }" 2>/dev/null ||
		hyperfine --warmup 2 --runs "$runs" --ignore-failure "${commands[@]}"
else
	for c in "${commands[@]}"; do
		start=$(date +%s%N)
		for _ in $(seq "$runs"); do bash -c "$c" >/dev/null 2>&1 || true; done
		end=$(date +%s%N)
		printf '%8.1f ms  %s\n' "$(echo "($end - $start) / $runs / 1000000" | bc -l)" "$c"
	done
fi
