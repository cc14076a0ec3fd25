#!/usr/bin/env bash
# Says, in one message, what make test needs and this machine lacks, and
# the Debian packages that give it (.ci/run installs them all).
set -u
missing=()
need() { # command package why
	command -v "$1" >/dev/null 2>&1 || missing+=("$1 ($2: $3)")
}
need go golang "to build and test"
need docker docker.io "the e2e tests drive the real docker client"
need gcc gcc "the race detector needs cgo"
need xargs findutils "the fuzz smoke"
need script bsdutils "the CLI hooks run only on a terminal"
need pass pass "the real credential helper's store"
need gpg gnupg "pass encrypts with it"
need docker-credential-pass golang-docker-credential-helpers "Docker's real pass helper"
if [ ${#missing[@]} -gt 0 ]; then
	echo "make test needs, and this machine lacks:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	echo "install them (sudo apt-get install <package>…), or run .ci/run, which installs them and runs the tests" >&2
	exit 1
fi
echo "make test has all it needs here"
