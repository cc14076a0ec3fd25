package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"

	"github.com/docker/docker-credential-helpers/credentials"
)

// execBackend is the docker-credential-NAME program the wrapper passes
// requests on to.
type execBackend struct {
	name string // the helper suffix, which the journal records
	path string
	// timeout bounds the calls whose answer the wrapper reads (get, and
	// the store of a renewed token); see settings.backendTimeout.
	timeout time.Duration
}

// command runs the backend for action with envWrapped set, so that a
// backend leading back to this helper stops at once.
func (b *execBackend) command(ctx context.Context, action string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.path, action)
	cmd.Args[0] = "docker-credential-" + b.name
	cmd.Env = append(os.Environ(), envWrapped+"=1")
	return cmd
}

// waitDelay is how long the wrapper waits, once the backend has exited,
// for what it left running to close its output.
const waitDelay = time.Second

// errLeftRunning is a backend that exited, but left a process holding
// its output open.
var errLeftRunning = errors.New("it exited, but left a process running that holds its output open")

// errNoAnswer is a backend that did not answer within its time.
func (b *execBackend) errNoAnswer() error {
	return fmt.Errorf("no answer within %s (%s)", b.timeout, envBackendTimeout)
}

// get runs the backend's get with in as its stdin and returns what it
// wrote to stdout and its exit status. Its stderr goes to stderr;
// meanwhile, if not nil, runs while the backend does (see run).
func (b *execBackend) get(in []byte, stderr io.Writer, meanwhile func()) ([]byte, int) {
	var out bounded.Buffer
	err := b.run(credentials.ActionGet, in, &out, stderr, meanwhile)
	if status := exitStatus(err); err == nil || status > 0 {
		return out.Bytes(), status
	}
	return []byte(b.why(err)), 1
}

// store saves a credential, as Docker's `store` would.
func (b *execBackend) store(c credentials.Credentials) error {
	in, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var out bounded.Buffer
	if err := b.run(credentials.ActionStore, in, &out, &out, nil); err != nil {
		// What it printed reaches Docker's output: a backend that repeats
		// its input would show the new token.
		said := out.String()
		if c.Secret != "" {
			said = strings.ReplaceAll(said, c.Secret, redact.Mark)
		}
		return fmt.Errorf("docker-credential-%s store: %w: %s", b.name, err, strings.TrimSpace(redact.Output(said)))
	}
	return nil
}

// exitStatus is the status a backend exited with: 0 when err is nil, and
// also when it did not exit by itself (killed, timed out, flooded, not
// started), which the wrapper reports with why instead.
func exitStatus(err error) int {
	var ee interface {
		Exited() bool
		ExitCode() int
	}
	if errors.As(err, &ee) && ee.Exited() {
		return ee.ExitCode()
	}
	return 0
}

// why is the line the wrapper answers with for a backend that failed
// without an answer of its own; errors go to stdout, where Docker reads them.
func (b *execBackend) why(err error) string {
	return termsafe.Line(fmt.Sprintf("acr-doctor: credential backend %q: %v", b.name, err)) + "\n"
}

// passThrough runs the backend for action as a child wired to the given
// streams, and returns the exit status to exit with. The wrapper waits
// for it rather than exec(2) itself into the backend, so that a backend
// that leads back here starts a child the loop guard can see.
//
// It has no timeout, as Docker sets none: a store may be waiting on a
// pinentry or keychain prompt the user is answering, and the wrapper
// buffers nothing of it.
func (b *execBackend) passThrough(action string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := b.command(context.Background(), action)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	err := cmd.Run()
	if status := exitStatus(err); err == nil || status > 0 {
		return status
	}
	fmt.Fprint(stdout, b.why(err))
	return 1
}
