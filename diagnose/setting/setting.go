// Package setting holds what the plugin, the credential helper and
// configure all read or write as settings: the name they share, the keys
// under plugins.acrdoctor in config.json, and how a yes or a no is written
// there and in the environment.
package setting

import "strings"

// Name is the plugin's name (docker acrdoctor), the credential helper's
// suffix (docker-credential-acrdoctor) and the plugin's key in config.json
// (plugins.acrdoctor). Docker rejects plugin names with a hyphen.
const Name = "acrdoctor"

// The keys under plugins.acrdoctor.
const (
	// Backend names the store the credential helper passes requests on to.
	Backend = "credential-backend"
	// Renew: off makes the helper report expired tokens without renewing.
	Renew = "renew"
	// RenewMargin is how close to expiry a token is renewed or warned of.
	RenewMargin = "renew-margin"
	// Hints: off keeps the helper's one-line hints out of Docker's output.
	Hints = "hints"
	// Azure: on makes every check read the Azure side.
	Azure = "azure"
)

// FileBackend is what earlier versions called Docker's own file store as
// the credential backend. It cannot be wrapped: Docker rewrites
// config.json from memory right after a helper's store, dropping what the
// helper wrote.
const FileBackend = "file"

// BackendEnv names the credential helper's backend, over Backend in
// config.json.
const BackendEnv = "ACRDOCTOR_CREDENTIAL_BACKEND"

// ReadOnlyEnv is set, to "1", in the environment of every helper the
// doctor runs. docker-credential-acrdoctor then only reads: no renewal, no
// journal line, no store or erase, so that diagnosing changes nothing.
// Other helpers ignore it.
const ReadOnlyEnv = "ACRDOCTOR_READ_ONLY"

// Bool reads a yes or a no as every setting takes it: on, true, yes or 1;
// off, false, no or 0; in any case, around any space. ok is false for
// anything else, empty included, which leaves the setting's default.
func Bool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1":
		return true, true
	case "off", "false", "no", "0":
		return false, true
	}
	return false, false
}

// On reports whether v is a yes.
func On(v string) bool {
	b, ok := Bool(v)
	return ok && b
}

// Off reports whether v is a no.
func Off(v string) bool {
	b, ok := Bool(v)
	return ok && !b
}
