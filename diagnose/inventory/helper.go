package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// helperCause explains a helper that failed, with the fix for the failures
// users meet most: pass not initialised, no D-Bus, a locked keychain.
func helperCause(err error, registry string) cause.Cause {
	var he *credstore.HelperError
	if !errors.As(err, &he) {
		return cause.New(cause.CredentialStore, err.Error())
	}
	name := strings.TrimPrefix(he.Helper, "docker-credential-")
	probe := fmt.Sprintf("see what it says: echo %s | %s get >/dev/null", orDefault(registry, "<registry>"), he.Helper)
	if he.Action == "list" {
		probe = fmt.Sprintf("see what it says: %s list", he.Helper)
	}
	switch he.Failure {
	case credstore.HelperMissing:
		return cause.New(cause.CredentialStore, he.Error(),
			fmt.Sprintf("install %s and put it on PATH", he.Helper),
			fmt.Sprintf("or stop using it: remove %q from credsStore/credHelpers in config.json, then log in again", name))
	case credstore.HelperNotExecutable:
		return cause.New(cause.CredentialStore, he.Error(),
			fmt.Sprintf("chmod +x \"$(command -v %s)\", or reinstall it for this platform", he.Helper))
	case credstore.HelperTimedOut:
		return cause.New(cause.CredentialStore, he.Error(),
			probe+" (is it waiting for a passphrase or a GUI prompt?)",
			"for pass: unlock the GPG key first (gpg-connect-agent reloadagent /bye), or set GPG_TTY=$(tty)")
	case credstore.HelperEmpty:
		return cause.New(cause.CredentialStore, he.Error()+"; Docker then sends an empty credential",
			"upgrade the helper: Debian's golang-docker-credential-helpers 0.6.x answers this way for a missing entry",
			fmt.Sprintf("docker logout %s && docker login %s", orDefault(registry, "<registry>"), orDefault(registry, "<registry>")))
	case credstore.HelperGarbage:
		return cause.New(cause.CredentialStore, he.Error(),
			probe, fmt.Sprintf("reinstall %s", he.Helper))
	}
	msg := strings.ToLower(he.Message)
	switch {
	case strings.Contains(msg, "pass store is uninitialized"), strings.Contains(msg, "pass init"),
		strings.Contains(msg, "password store is empty"):
		return cause.New(cause.CredentialStore, he.Error(),
			"gpg --quick-generate-key \"$(whoami) docker\"   # if you have no GPG key",
			"pass init <gpg-key-id>")
	case strings.Contains(msg, "d-bus"), strings.Contains(msg, "dbus"), strings.Contains(msg, "org.freedesktop.secrets"):
		return cause.New(cause.CredentialStore, he.Error(),
			"start a session bus and keyring: export $(dbus-launch) && gnome-keyring-daemon --unlock",
			`or, on a headless machine, use pass: set "credsStore": "pass" after pass init`)
	case strings.Contains(msg, "user interaction is not allowed"), strings.Contains(msg, "keychain"):
		return cause.New(cause.CredentialStore, he.Error(),
			"security unlock-keychain ~/Library/Keychains/login.keychain-db")
	case strings.Contains(msg, "stub received bad data"):
		return cause.New(cause.CredentialStore, he.Error()+": the token is longer than wincred can keep",
			`remove "credsStore": "wincred" from config.json and log in again`)
	case strings.Contains(msg, "decryption failed"), strings.Contains(msg, "no secret key"):
		return cause.New(cause.CredentialStore, he.Error(),
			"import the GPG key pass was initialised with (gpg --import), or re-initialise: pass init <gpg-key-id>",
			fmt.Sprintf("docker login %s", orDefault(registry, "<registry>")))
	}
	return cause.New(cause.CredentialStore, he.Error(), probe)
}

func assessStore(st credstore.StoreStatus, configFile string) report.Store {
	s := report.Store{Source: st.Source.String(), Default: st.Default, Entries: st.Entries, Causes: []cause.Cause{}}
	if st.Err != nil {
		c := helperCause(st.Err, "")
		if st.Default {
			c.Evidence += fmt.Sprintf(" (Docker picked %s because %s holds no credentials)", st.Source.Helper, configFile)
		}
		s.Causes = append(s.Causes, c)
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
