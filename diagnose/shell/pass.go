package shell

import (
	"encoding/base64"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// The remedies of docker-credential-pass's failures whose commands are
// the same wherever they are found: in a store the doctor reads, and in
// a log explain reads.

// EmptyPassFolder finds, in what docker-credential-pass said, the server
// whose folder in the password store holds no credential: its words "no
// usernames for SERVER", on get and on list. Such a folder is left by a
// credential removed by hand; the helper fails on it until it is gone.
func EmptyPassFolder(said string) (server string, ok bool) {
	const words = "no usernames for "
	i := strings.Index(said, words)
	if i < 0 {
		return "", false
	}
	server = said[i+len(words):]
	if j := strings.IndexAny(server, "`'\" \t\r\n"); j >= 0 {
		server = server[:j]
	}
	// A message cut short for the report names no folder.
	return server, server != "" && !strings.HasSuffix(server, "…")
}

// EmptyPassFolderFix is the remedy for docker-credential-pass failing on
// server because its folder in the password store holds no credential
// (EmptyPassFolder): remove that folder, named as the helper names it
// (docker-credential-helpers/ and server in URL-safe base64, safe to
// paste whatever server holds), then log in again.
func EmptyPassFolderFix(server string) *Fix {
	f := new(Fix).Add(`rmdir "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/%s   # the empty folder; rmdir leaves one that is not`, passFolder(server))
	if sv, ok := loginserver.Parse(server); ok && sv.Name != "" {
		return f.Add("then log in again: az acr login -n %s", RegistryName(sv.Name).Or("<name>"))
	}
	return f.Add("then log in again: docker login %s", HostPort(server).Or("<registry>"))
}

// passFolder is the name of server's folder under docker-credential-helpers
// in the password store: server in URL-safe base64, as the helper names
// it, and so safe to paste whatever server holds.
func passFolder(server string) Arg {
	return check("registry", "<base64-of-registry>", server, func(s string) (string, string) {
		if why := plain(s); why != "" {
			return "", why
		}
		return base64.URLEncoding.EncodeToString([]byte(s)), ""
	})
}

// StrayPassFileFix is the remedy for a file in server's folder of the
// password store that is no credential (.keep, a note), which
// docker-credential-pass reads first, by name, and fails on: remove it.
func StrayPassFileFix(server, name string) *Fix {
	file := check("file", "<file>", name, func(s string) (string, string) {
		if why := plain(s); why != "" {
			return "", why
		}
		if strings.ContainsRune(s, '/') || s == "." || s == ".." {
			return "", "is not a file name"
		}
		return s, ""
	})
	return new(Fix).Add(`rm "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/%s/%s   # no credential: the helper reads it first`, passFolder(server), file)
}

// UnlockPassKey unlocks pass's GPG key (the first line of the store's
// .gpg-id) in a terminal, once: a round trip through the key makes
// gpg-agent ask for its passphrase (on this terminal, with GPG_TTY) and
// keep it for a while, for the helper that has no terminal to ask on.
// gpg-connect-agent reloadagent would do the opposite: it empties the
// agent's cache.
const UnlockPassKey = `export GPG_TTY="$(tty)"; echo ok | gpg -q --trust-model always -e -r "$(head -n1 "${PASSWORD_STORE_DIR:-$HOME/.password-store}/.gpg-id")" | gpg -q -d >/dev/null`

const unlockListed = "if listed, unlock it once, in a terminal: " + UnlockPassKey

// LockedPassKeyFix is the remedy for gpg's "decryption failed: No secret
// key" under docker-credential-pass, which gpg says both of a key that is
// missing and of one locked by a passphrase with no terminal to ask for
// it on (Docker runs helpers without one): which it is, then what mends
// each. registry is the credential key to log in to again.
func LockedPassKeyFix(registry Arg) *Fix {
	return new(Fix).Add(`gpg --list-secret-keys "$(head -n1 "${PASSWORD_STORE_DIR:-$HOME/.password-store}/.gpg-id")"   # listed: the key is here, locked by its passphrase`).
		Add(unlockListed).
		Add("if not: import the GPG key pass was initialised with (gpg --import), or re-initialise: pass init <gpg-key-id>, then docker login %s", registry)
}
