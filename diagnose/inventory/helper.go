package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// helperCause explains a helper that failed, with the fix for the failures
// users meet most: pass not initialised, no D-Bus, a locked keychain. The
// helper's name comes from config.json and the registry from the key, so
// both go into commands quoted. passFile is the file of the registry's
// folder in pass the helper reads first, where that is known.
func helperCause(err error, registry, passFile string) cause.Cause {
	var he *credstore.HelperError
	if !errors.As(err, &he) {
		return cause.New(cause.CredentialStore, err.Error())
	}
	c := cause.New(cause.CredentialStore, he.Error())
	helper := shell.Text("credential helper", he.Helper, "<docker-credential-helper>")
	key := keyArg(registry)
	// probe is how to see what the helper says; note is the program's own
	// words after it.
	probe := func(note string) *shell.Fix {
		return fix("see what it says: echo %s | %s get >/dev/null"+note, key, helper)
	}
	if he.Action == "list" {
		probe = func(note string) *shell.Fix { return fix("see what it says: %s list"+note, helper) }
	}
	switch he.Failure {
	case credstore.HelperMissing:
		name := shell.Text("credential helper", strings.TrimPrefix(he.Helper, "docker-credential-"), "<helper>")
		return c.Fixed(fix("install %s and put it on PATH", helper).
			Add("or stop using it: remove %s from credsStore/credHelpers in config.json, then log in again", name))
	case credstore.HelperNotExecutable:
		return c.Fixed(fix("chmod +x %s, or reinstall it for this platform", shell.Subst("command -v %s", helper)))
	case credstore.HelperTimedOut:
		return c.Fixed(shell.UnlockPassKey(probe("   # is it waiting for a passphrase or a GUI prompt?"), registry, passFile))
	case credstore.HelperEmpty:
		c.Evidence += "; Docker then sends no credential"
		f := fix("upgrade the helper: Debian's golang-docker-credential-helpers 0.6.x answers this way for a missing entry").
			Add("docker logout %s", key)
		if sv, ok := loginserver.Parse(registry); ok && sv.Name != "" {
			return c.Fixed(f.Add("az acr login -n %s   # or docker login %s", shell.RegistryName(sv.Name), key))
		}
		return c.Fixed(f.Add("docker login %s", key))
	case credstore.HelperGarbage:
		return c.Fixed(probe("").Add("reinstall %s", helper))
	}
	if server, ok := shell.EmptyPassFolder(he.Message); ok {
		// The registry's folder in pass holds no credential (one erased
		// by hand, or a store that failed half-way): the helper fails
		// every get and list over it, and pass init would not mend it.
		c.Evidence += "; its folder in pass holds no credential"
		return c.Fixed(shell.EmptyPassFolderFix(server))
	}
	msg := strings.ToLower(he.Message)
	switch {
	case strings.Contains(msg, "pass is not installed"), strings.Contains(msg, `exec: "pass": executable file not found`):
		return c.Fixed(fix("install pass: sudo apt-get install pass   # brew install pass on macOS").
			Add(`then give it a GPG key: pass init <gpg-key-id>`))
	case strings.Contains(msg, "pass store is uninitialized"), strings.Contains(msg, "pass not initialized"), strings.Contains(msg, "pass init"),
		strings.Contains(msg, "password store is empty"):
		return c.Fixed(fix(`gpg --quick-generate-key "$(whoami) docker"   # if you have no GPG key`).
			Add(passInitFirstKey))
	case strings.Contains(msg, "d-bus"), strings.Contains(msg, "dbus"), strings.Contains(msg, "org.freedesktop.secrets"),
		strings.Contains(msg, "secretservice_linux.c"), strings.Contains(msg, "secretservice library"):
		// libsecret's errors, which name no cause: without a desktop
		// session there is no keyring to answer.
		return c.Fixed(fix("start a session bus and keyring: export $(dbus-launch) && gnome-keyring-daemon --unlock").
			Add(`or, on a headless machine, use pass: set "credsStore": "pass" after pass init`))
	case strings.Contains(msg, "user interaction is not allowed"), strings.Contains(msg, "keychain"):
		return c.Fixed(fix("security unlock-keychain ~/Library/Keychains/login.keychain-db"))
	case strings.Contains(msg, "stub received bad data"):
		c.Evidence += ": the token is longer than wincred can keep"
		return c.Fixed(fix(`remove "credsStore": "wincred" from config.json and log in again`))
	case strings.Contains(msg, "decryption failed"), strings.Contains(msg, "no secret key"):
		c.Evidence += "; gpg says so of a key that is missing, and of one locked by a passphrase it has no terminal to ask for"
		return c.Fixed(shell.LockedPassKeyFix(registry, passFile, key))
	}
	return c.Fixed(probe(""))
}

// passInitFirstKey gives pass the first secret key gpg holds that can
// encrypt and is valid (not expired, revoked or disabled): pass takes a
// sign-only key, and every store through it then fails.
const passInitFirstKey = `pass init "$(gpg --list-secret-keys --with-colons | awk -F: '$1 == "sec" {ok = $2 !~ /[erd]/ && $12 ~ /E/} $1 == "fpr" && ok {print $10; exit}')"   # your first GPG key that encrypts`

// AssessStore is what a credential store named by credsStore says of
// itself: how many entries it listed, or why it could not.
func AssessStore(st credstore.StoreStatus, cfg *credstore.Config) report.Store {
	s := report.Store{Source: st.Source.String(), Default: st.Default, Entries: st.Entries, Causes: []cause.Cause{}}
	if st.Err != nil {
		c := helperCause(st.Err, "", "")
		switch {
		case st.Default && cfg.Missing:
			c.Evidence += fmt.Sprintf(" (Docker picked %s because there is no %s)", st.Source.Helper, cfg.Filename)
		case st.Default:
			c.Evidence += fmt.Sprintf(" (Docker picked %s because %s holds no credentials)", st.Source.Helper, cfg.Filename)
		}
		s.Causes = append(s.Causes, c)
	}
	return s
}
