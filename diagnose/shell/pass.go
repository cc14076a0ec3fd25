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

// passFile is a file's name in a registry's folder of the password store,
// as one word. It follows a folder in the command, so a name that starts
// with "-" is no option.
func passFile(name string) Arg {
	return check("file", "<file>", name, func(s string) (string, string) {
		if why := plain(strings.TrimLeft(s, "-")); why != "" {
			return "", why
		}
		if strings.ContainsRune(s, '/') || s == "." || s == ".." {
			return "", "is not a file name"
		}
		return s, ""
	})
}

// StrayPassFileFix is the remedy for a file in server's folder of the
// password store that is no credential (.keep, a note), which
// docker-credential-pass reads first, by name, and fails on: remove it.
func StrayPassFileFix(server, name string) *Fix {
	return new(Fix).Add(`rm "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/%s/%s   # no credential: the helper reads it first`, passFolder(server), passFile(name))
}

// UnlockPassKey adds to f the command that unlocks, once, in a terminal,
// the GPG key of a credential in pass: gpg decrypts the credential as pass
// does, to nowhere, asking for the key's passphrase on this terminal (with
// GPG_TTY), and gpg-agent keeps it for a while for the helper, which has
// no terminal to ask on. The credential is file in server's folder, the
// folder's first where file is "", and any docker credential where server
// is "" too: the key that encrypted it is the one the helper needs, which
// the store's top .gpg-id need not name. (gpg-connect-agent reloadagent
// would do the opposite: it empties the agent's cache.)
func UnlockPassKey(f *Fix, server, file string) *Fix {
	switch {
	case server != "" && file != "":
		return f.Add(`export GPG_TTY="$(tty)"; gpg -d "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/%s/%s >/dev/null   # in a terminal: asks for the key's passphrase; gpg-agent keeps it 10 minutes past each use`, passFolder(server), passFile(file))
	case server != "":
		return f.Add(`export GPG_TTY="$(tty)"; for f in "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/%s/*.gpg; do gpg -d "$f" >/dev/null; break; done   # in a terminal: asks for the key's passphrase; gpg-agent keeps it 10 minutes past each use`, passFolder(server))
	}
	return f.Add(`export GPG_TTY="$(tty)"; for f in "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/*/*.gpg; do gpg -d "$f" >/dev/null; break; done   # in a terminal: asks for the key's passphrase; gpg-agent keeps it 10 minutes past each use`)
}

// LockedPassKeyFix is the remedy for gpg's "decryption failed: No secret
// key" under docker-credential-pass, which gpg says both of a key that is
// missing and of one locked by a passphrase with no terminal to ask for
// it on (Docker runs helpers without one): the unlock, in a terminal, of
// the key of server's credential file (see UnlockPassKey), where gpg asks
// for a locked key's passphrase and says "No secret key" again only of a
// missing key; then what mends that. registry is the credential key to
// log in to again.
func LockedPassKeyFix(server, file string, registry Arg) *Fix {
	return UnlockPassKey(new(Fix), server, file).
		Add(`to keep it longer: default-cache-ttl and max-cache-ttl (seconds; 600 and 7200 unless set) in "${GNUPGHOME:-$HOME/.gnupg}/gpg-agent.conf", then gpgconf --reload gpg-agent`).
		Add(`if gpg says "No secret key" there too, the key is not on this machine: import it (gpg --import), or re-initialise: pass init <gpg-key-id>, then docker login %s`, registry)
}
