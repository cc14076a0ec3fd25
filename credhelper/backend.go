package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"
)

// backend is the credential store the wrapper passes requests on to.
type backend interface {
	// id names the backend in the journal: a helper suffix or "file".
	id() string
	// get runs the backend's get with in as its stdin and returns what it
	// wrote to stdout and its exit status. Its stderr goes to stderr.
	get(in []byte, stderr io.Writer) (out []byte, code int)
	// passThrough runs action with the wrapper's own stdin, stdout and
	// stderr, and returns the exit status to exit with.
	passThrough(action string, stdin io.Reader, stdout, stderr io.Writer) int
	// store saves a credential, as Docker's `store` would.
	store(c credentials.Credentials) error
}

// maxOutput bounds what get buffers from a backend: a credential is a few
// KB; more is a broken helper, cut short rather than held in memory.
const maxOutput = 1 << 20

// execBackend is a docker-credential-NAME program.
type execBackend struct {
	name string
	path string
}

func (b *execBackend) id() string { return b.name }

func (b *execBackend) get(in []byte, stderr io.Writer) ([]byte, int) {
	var out limitedBuffer
	cmd := exec.Command(b.path, credentials.ActionGet)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &out
	cmd.Stderr = stderr
	// No timeout, as Docker sets none: a backend may be waiting on a
	// pinentry or keychain prompt the user is answering.
	err := cmd.Run()
	return out.Bytes(), exitCode(b.name, err, &out)
}

func (b *execBackend) store(c credentials.Credentials) error {
	in, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var out limitedBuffer
	cmd := exec.Command(b.path, credentials.ActionStore)
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

// passThrough on a platform without exec(2), or if it fails: run the
// backend as a child wired to our own streams.
func (b *execBackend) spawn(action string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(b.path, action)
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
