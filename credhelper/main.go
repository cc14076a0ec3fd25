// Command docker-credential-acrdoctor is a Docker credential helper that
// wraps the user's real one (its "backend") and notices, on the way, when
// Docker is about to be handed an expired or expiring ACR token.
//
// Configure it with `"credsStore": "acrdoctor"` or per registry with
// `"credHelpers": {"myreg.azurecr.io": "acrdoctor"}`. The backend is, in
// order: ACRDOCTOR_CREDENTIAL_BACKEND; plugins.acrdoctor.credential-backend
// in config.json; its credsStore, for registries the wrapper serves
// through credHelpers; what Docker would pick on this platform (pass,
// secretservice, osxkeychain, wincred). The wrapper keeps no credential of
// its own: every one stays in the backend. Docker's own file store
// (config.json) cannot be a backend, because Docker rewrites config.json
// right after a helper's store and would drop what the helper wrote.
//
// store, erase and list are the backend's own: same stdin, stdout, stderr
// and exit status. get runs
// the backend's get and returns its answer byte for byte, with two
// exceptions: an empty username and secret with exit 0 (Debian's old pass
// helper) becomes the not-found answer, and an ACR token that has expired
// or expires within the margin is renewed where an Azure identity allows,
// or draws one line on stderr, which Docker shows in the push or pull
// output. Every get is recorded in the journal (package diagnose/journal).
// With ACRDOCTOR_READ_ONLY=1, set by the doctor for its own reads, get
// only reads, store and erase are refused. version prints this program's
// version only.
//
// Settings (environment first, then plugins.acrdoctor in config.json):
//
//	ACRDOCTOR_CREDENTIAL_BACKEND  credential-backend  backend helper suffix
//	ACRDOCTOR_RENEW_MARGIN        renew-margin        how close to expiry to renew or warn (Go duration, default 5m)
//	ACRDOCTOR_RENEW=off           renew=off           report only, never renew
//	ACRDOCTOR_RENEW_TIMEOUT                           how long a renewal may take (default 20s)
//	ACRDOCTOR_BACKEND_TIMEOUT                         how long the backend's get may take (default 2m)
//	ACRDOCTOR_QUIET=1             hints=off           no stderr hints
//	ACRDOCTOR_JOURNAL                                 journal path, or "off"
//	ACRDOCTOR_DEBUG=1                                 report journal errors on stderr
package main

import (
	"os"

	"github.com/acr-doctor/acr-doctor/credhelper/wrapper"
)

// version is set at build time: -ldflags '-X main.version=…'.
var version = "dev"

func main() {
	wrapper.Version = version
	os.Exit(wrapper.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
