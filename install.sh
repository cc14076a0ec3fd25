#!/usr/bin/env bash
# Install docker-acrdoctor as a Docker CLI plugin, from this source tree.
#
#   ./install.sh              build and install (again: it is idempotent)
#   ./install.sh --uninstall  revert what `docker acrdoctor configure` changed,
#                             remove acr-doctor's state, then exactly what an
#                             install put in place
#
# The plugin goes to $DOCKER_CONFIG/cli-plugins (default ~/.docker/cli-plugins),
# where `docker acrdoctor` finds it. A link named acr-doctor goes to $BINDIR
# (default ~/.local/bin) for standalone use where no docker CLI is installed.
# Docker accepts plugin names matching ^[a-z][a-z0-9]*$ only, so the plugin
# cannot be called acr-doctor.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
bindir="${BINDIR:-$HOME/.local/bin}"
manifest="$plugins/.acrdoctor-installed"
min_go=$(awk '$1 == "go" { print $2; exit }' "$here/go.mod") # the Go that go.mod asks for

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

remove_installed() {
	if [ ! -f "$manifest" ]; then
		say "Nothing to remove: $manifest does not exist."
		return
	fi
	# Revert what configure changed and remove acr-doctor's state while the
	# binaries are still there: a config.json that still sends registries
	# to docker-credential-acrdoctor would break docker login without them.
	local plugin="$plugins/docker-acrdoctor"
	if [ -x "$plugin" ]; then
		"$plugin" uninstall --yes ||
			die "nothing removed: see above. Fix that, or revert regardless with: $plugin uninstall --yes --force; then run $0 --uninstall again."
	elif grep -qs '"acrdoctor"' "${DOCKER_CONFIG:-$HOME/.docker}/config.json"; then
		die "nothing removed: ${DOCKER_CONFIG:-$HOME/.docker}/config.json still names acrdoctor, and $plugin, which reverts that, is gone: install again, then uninstall."
	fi
	while IFS= read -r path; do
		[ -n "$path" ] || continue
		if [ -e "$path" ] || [ -L "$path" ]; then
			rm -f -- "$path" && say "removed $path"
		fi
	done <"$manifest"
	rm -f -- "$manifest"
}

# need_go checks for a Go toolchain as new as go.mod asks.
need_go() {
	command -v go >/dev/null 2>&1 ||
		die "Go $min_go or newer is needed to build acr-doctor and was not found on PATH (see https://go.dev/doc/install)."
	local raw v=
	raw=$(go env GOVERSION 2>/dev/null)
	# go1.26.8, and a development build's "devel go1.27-abc…" as its base.
	[[ $raw =~ go([0-9]+\.[0-9]+(\.[0-9]+)?) ]] && v=${BASH_REMATCH[1]}
	if [ -z "$v" ] || [ "$(printf '%s\n%s\n' "$min_go" "$v" | sort -V | head -n1)" != "$min_go" ]; then
		die "Go $min_go or newer is needed; found ${raw:-no version (go env failed)}. Upgrade Go, or set GOTOOLCHAIN=go$min_go to let go fetch it."
	fi
}

build_and_install() {
	need_go
	command -v make >/dev/null 2>&1 || die "make is needed (apt-get install make)."
	local version
	version=$(git -C "$here" describe --tags --always --dirty 2>/dev/null || echo dev)
	tmp=$(mktemp -d)
	trap 'rm -rf "${tmp:-}"' EXIT
	say "building docker-acrdoctor $version"
	for pkg in plugin:docker-acrdoctor credhelper:docker-credential-acrdoctor; do
		(cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$tmp/${pkg#*:}" "./${pkg%%:*}") ||
			die "the build failed (above). Is the network to the Go module proxy reachable for 'go mod download'?"
	done

	mkdir -p "$plugins" "$bindir"
	# Copy then rename, so a docker running meanwhile never sees half a binary.
	install -m 0755 "$tmp/docker-acrdoctor" "$plugins/.docker-acrdoctor.new"
	mv -f "$plugins/.docker-acrdoctor.new" "$plugins/docker-acrdoctor"
	ln -sfn "$plugins/docker-acrdoctor" "$bindir/acr-doctor"
	install -m 0755 "$tmp/docker-credential-acrdoctor" "$bindir/.docker-credential-acrdoctor.new"
	mv -f "$bindir/.docker-credential-acrdoctor.new" "$bindir/docker-credential-acrdoctor"
	local installed=("$plugins/docker-acrdoctor" "$bindir/acr-doctor" "$bindir/docker-credential-acrdoctor")
	# An install elsewhere before (another BINDIR) leaves stale copies that
	# may come first on PATH: remove them.
	if [ -f "$manifest" ]; then
		while IFS= read -r path; do
			case " ${installed[*]} " in *" $path "*) continue ;; esac
			if [ -n "$path" ] && { [ -e "$path" ] || [ -L "$path" ]; }; then
				rm -f -- "$path" && say "removed the earlier $path"
			fi
		done <"$manifest"
	fi
	printf '%s\n' "${installed[@]}" >"$manifest"
	say "installed $plugins/docker-acrdoctor"
	say "linked    $bindir/acr-doctor (standalone)"
	say "installed $bindir/docker-credential-acrdoctor (credential helper, opt-in)"

	if command -v docker >/dev/null 2>&1; then
		say "run: docker acrdoctor"
	else
		say "docker CLI not found: run it standalone as acr-doctor creds"
	fi
	case ":$PATH:" in
	*":$bindir:"*) ;;
	*) say "note: $bindir is not on PATH; add it to use acr-doctor standalone" ;;
	esac
}

case "${1:-}" in
"") build_and_install ;;
--uninstall) remove_installed ;;
-h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" ;;
*) die "unknown option $1 (use --uninstall or --help)" ;;
esac
