package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"
)

// maxOutput bounds what get buffers from a backend: a credential is a few
// KB; more is a broken helper, cut short rather than held in memory.
const maxOutput = 1 << 20

// execBackend is the docker-credential-NAME program the wrapper passes
// requests on to.
type execBackend struct {
	name string // the helper suffix, which the journal records
	path string
}

// command runs the backend for action with envWrapped set, so that a
// backend leading back to this helper stops at once.
func (b *execBackend) command(action string) *exec.Cmd {
	cmd := exec.Command(b.path, action)
	cmd.Args[0] = "docker-credential-" + b.name
	cmd.Env = append(os.Environ(), envWrapped+"=1")
	return cmd
}

// get runs the backend's get with in as its stdin and returns what it
// wrote to stdout and its exit status. Its stderr goes to stderr.
func (b *execBackend) get(in []byte, stderr io.Writer) ([]byte, int) {
	var out limitedBuffer
	cmd := b.command(credentials.ActionGet)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &out
	cmd.Stderr = stderr
	// No timeout, as Docker sets none: a backend may be waiting on a
	// pinentry or keychain prompt the user is answering.
	err := cmd.Run()
	return out.Bytes(), exitCode(b.name, err, &out)
}

// store saves a credential, as Docker's `store` would.
func (b *execBackend) store(c credentials.Credentials) error {
	in, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var out limitedBuffer
	cmd := b.command(credentials.ActionStore)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker-credential-%s store: %v: %s", b.name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// exitCode is the status to pass on. A backend killed by a signal, or one
// that could not be started, fails with 1 and says so on stdout.
func exitCode(name string, err error, out io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode()
	}
	fmt.Fprintf(out, "acr-doctor: credential backend %q: %v\n", name, err)
	return 1
}

// passThrough runs the backend for action as a child wired to the given
// streams, and returns the exit status to exit with. The wrapper waits
// for it rather than exec(2) itself into the backend, so that a backend
// that leads back here starts a child the loop guard can see.
func (b *execBackend) passThrough(action string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := b.command(action)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	return exitCode(b.name, cmd.Run(), stdout)
}

// limitedBuffer keeps the first maxOutput bytes.
type limitedBuffer struct{ bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - l.Len(); len(p) > room {
		if room > 0 {
			l.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return l.Buffer.Write(p)
}
