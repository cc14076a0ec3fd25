#!/usr/bin/env bash
# Runs the unit and e2e tests on a machine made hostile to them, all at
# once: what the caller's environment could leak into a test must not
# change a result.
#
#   - DOCKER_AUTH_CONFIG set, with credentials for registries the tests use;
#   - DOCKER_HOST pointing at a daemon that records every request (it must
#     get none: no test may reach a daemon, let alone Docker Hub);
#   - a long TMPDIR (socket paths have a limit of about 108 bytes);
#   - an Azure CLI first on PATH that is installed but not logged in;
#   - /etc/hosts mapping the emulated registry names to 127.0.0.1 (in a
#     mount namespace of this script's, so the machine's file is untouched),
#     which makes Docker skip TLS verification where it resolves them.
#
# Needs Linux and unshare (root, or user namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ACRDOCTOR_HOSTILE_INNER:-}" ]; then
	work=$(mktemp -d)
	trap 'kill "${daemon:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

	# Every registry name the tests use, mapped to loopback.
	{
		cat /etc/hosts
		grep -rhoE '[a-z0-9-]+\.(azurecr\.(io|cn|us)|acremu\.test)' --include='*.go' diagnose credhelper e2e plugin scripts | sort -u | sed 's/^/127.0.0.1 /'
		for i in $(seq -w 0 99); do for j in 0 1 2; do echo "127.0.0.1 agree$i$j.azurecr.io"; done; done
	} >"$work/hosts"

	go build -o "$work/fakedaemon" ./scripts/fakedaemon
	"$work/fakedaemon" "$work/docker.sock" "$work/daemon.log" &
	daemon=$!

	mkdir -p "$work/az"
	printf '%s\n' '#!/bin/sh' "echo \"ERROR: Please run 'az login' to setup account.\" >&2" 'exit 1' >"$work/az/az"
	chmod +x "$work/az/az"

	long="$work/$(printf 'a-temporary-folder-with-a-rather-long-name-%.0s' 1 2)"
	mkdir -p "$long"

	auth=$(printf 'leaked:from-the-caller' | base64)
	config="{\"auths\":{\"healthyreg.azurecr.io\":{\"auth\":\"$auth\"},\"myreg.azurecr.io\":{\"auth\":\"$auth\"},\"wrapped.azurecr.io\":{\"auth\":\"$auth\"}}}"

	unshare --mount -- sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' - "$work/hosts" \
		env ACRDOCTOR_HOSTILE_INNER=1 DOCKER_AUTH_CONFIG="$config" DOCKER_HOST="unix://$work/docker.sock" \
		TMPDIR="$long" PATH="$work/az:$PATH" "$0"

	if [ -s "$work/daemon.log" ]; then
		echo "hostile.sh: tests reached the Docker daemon:" >&2
		cat "$work/daemon.log" >&2
		exit 1
	fi
	echo "hostile.sh: passed (TMPDIR of ${#long} characters; the daemon saw no request)"
	exit 0
fi

getent hosts myreg.azurecr.io | grep -q 127.0.0.1 || { echo "hostile.sh: /etc/hosts is not in place" >&2; exit 1; }
go test -race -count=1 $(go list ./... | grep -v /e2e)
go test -count=1 -parallel 8 ./e2e/
