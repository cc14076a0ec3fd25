// Package wrapper is docker-credential-acrdoctor, the credential helper
// that wraps the user's own: Run is the whole program, with its streams,
// arguments and environment as parameters (the command's main is one line
// over it). The command's documentation says what it does.
package wrapper

import (
	"fmt"
	"io"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// Version is what `version` prints; the command sets it from its build.
var Version = "dev"

const usage = "Usage: docker-credential-acrdoctor <store|get|erase|list|version>"

// Run runs the helper for args (one action), as Docker runs it, and
// returns its exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	credentials.Name = "docker-credential-acrdoctor"
	credentials.Package = "github.com/acr-doctor/acr-doctor"
	credentials.Version = Version
	if len(args) != 1 {
		fmt.Fprintln(stdout, usage)
		return 1
	}
	action := args[0]
	switch action {
	case "version", "--version", "-v":
		credentials.PrintVersion(stdout)
		return 0
	case "--help", "-h":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	env := newSettings(getenv)
	readOnly := setting.On(getenv(setting.ReadOnlyEnv))
	b, err := env.backend()
	if err == nil && readOnly && (action == credentials.ActionStore || action == credentials.ActionErase) {
		err = fmt.Errorf("acr-doctor: %s refused: %s=1 (the doctor only reads)", action, setting.ReadOnlyEnv)
	}
	var in []byte
	if action == credentials.ActionGet {
		var rerr error
		if in, rerr = readServer(stdin); err == nil {
			err = rerr
		}
	}
	if err != nil {
		// Errors go to stdout, as every helper's do: Docker reads them there.
		fmt.Fprintln(stdout, err)
		if action == credentials.ActionGet && !readOnly {
			env.record(getRecord{outcome: journal.BackendError, server: in})
		}
		return 1
	}
	switch {
	case action == credentials.ActionGet && readOnly:
		return read(b, in, stdout, stderr)
	case action == credentials.ActionGet:
		return get(env, b, in, stdout, stderr)
	}
	return b.passThrough(action, stdin, stdout, stderr)
}
