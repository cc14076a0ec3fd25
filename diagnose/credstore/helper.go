package credstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// HelperFailure says how a helper failed, for callers that branch on it.
type HelperFailure string

const (
	HelperMissing       HelperFailure = "missing"        // no docker-credential-NAME on PATH
	HelperNotExecutable HelperFailure = "not_executable" // found but cannot be run
	HelperTimedOut      HelperFailure = "timed_out"      // did not answer in time (hung, or waiting for a prompt)
	HelperFailed        HelperFailure = "failed"         // exited non-zero with a message
	HelperGarbage       HelperFailure = "garbage"        // exited 0 but printed something that is not the protocol
	HelperEmpty         HelperFailure = "empty"          // exited 0 with an empty username and secret (Debian's old pass helper)
)

// HelperError is a credential helper that did not answer as the protocol says.
type HelperError struct {
	Helper  string // the program, docker-credential-NAME
	Action  string // get, list
	Failure HelperFailure
	// Message is what the helper said (stdout, else stderr), one line,
	// shortened, with secrets taken out: a helper may print its credential
	// and still fail.
	Message string
	Err     error
}

func (e *HelperError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Helper, e.Action)
	switch e.Failure {
	case HelperMissing:
		b.WriteString("executable file not found in $PATH")
	case HelperNotExecutable:
		b.WriteString("cannot be executed")
	case HelperTimedOut:
		b.WriteString("no answer in time (hung, or waiting for input)")
	case HelperEmpty:
		b.WriteString("returned an empty username and secret with exit status 0")
	case HelperGarbage:
		b.WriteString("printed output that is not a credential")
	default:
		b.WriteString("failed")
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

func (e *HelperError) Unwrap() error { return e.Err }

// Empty reports whether err is a helper's empty answer (HelperEmpty), on
// which Docker sends no credential, as on not-found.
func Empty(err error) bool {
	var he *HelperError
	return errors.As(err, &he) && he.Failure == HelperEmpty
}

// Helper runs one credential helper program.
type Helper struct {
	Name    string        // the suffix: "pass" runs docker-credential-pass
	Timeout time.Duration // per call; 0 means 5 s
	// Trace, if set, is told of every run: for -D.
	Trace func(Call)
}

// Call describes one helper run. It holds no secret.
type Call struct {
	Program  string
	Action   string
	Server   string // for get
	Duration time.Duration
	Err      error
}

// Program is the executable Docker runs for the helper.
func (h Helper) Program() string { return "docker-credential-" + h.Name }

func (h Helper) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return 5 * time.Second
}

// Credential is what a helper returned for a server.
type Credential struct {
	Username string
	Secret   string
}

// ErrNotFound is the helper's "credentials not found in native keychain".
var ErrNotFound = errors.New("credentials not found")

// Get asks the helper for the credential of serverURL.
func (h Helper) Get(ctx context.Context, serverURL string) (_ Credential, err error) {
	run := h.runner(ctx, credentials.ActionGet)
	creds, err := client.Get(run.program, serverURL)
	defer func() { h.trace(run, serverURL, err) }()
	return run.credential(creds, err)
}

// credential reads what client.Get made of the helper's answer.
func (r *runner) credential(creds *credentials.Credentials, err error) (Credential, error) {
	if err != nil {
		if credentials.IsErrCredentialsNotFound(err) {
			return Credential{}, ErrNotFound
		}
		return Credential{}, r.failure(err)
	}
	if creds.Username == "" && creds.Secret == "" {
		return Credential{}, r.fail(HelperEmpty, "", nil)
	}
	return Credential{Username: creds.Username, Secret: creds.Secret}, nil
}

// List asks the helper which servers it holds credentials for.
func (h Helper) List(ctx context.Context) (_ map[string]string, err error) {
	run := h.runner(ctx, credentials.ActionList)
	list, err := client.List(run.program)
	defer func() { h.trace(run, "", err) }()
	if err != nil {
		return nil, run.failure(err)
	}
	return list, nil
}

// Store saves c for serverURL in the helper, as Docker's login does; the
// secret goes on the helper's stdin only. It is for `fix`, the one
// command that writes: diagnosis only reads.
func (h Helper) Store(ctx context.Context, serverURL string, c Credential) (err error) {
	run := h.runner(ctx, credentials.ActionStore)
	err = client.Store(run.program, &credentials.Credentials{ServerURL: serverURL, Username: c.Username, Secret: c.Secret})
	defer func() { h.trace(run, serverURL, err) }()
	if err != nil {
		// A helper may quote what it was given: the secret goes, whatever
		// else said it.
		he := run.failure(err).(*HelperError)
		if c.Secret != "" {
			he.Message = strings.ReplaceAll(he.Message, c.Secret, "<redacted>")
			if he.Err != nil {
				he.Err = errors.New(strings.ReplaceAll(he.Err.Error(), c.Secret, "<redacted>"))
			}
		}
		return he
	}
	return nil
}

// Erase removes the credential for serverURL from the helper, as Docker's
// logout does.
func (h Helper) Erase(ctx context.Context, serverURL string) (err error) {
	run := h.runner(ctx, credentials.ActionErase)
	err = client.Erase(run.program, serverURL)
	defer func() { h.trace(run, serverURL, err) }()
	if err != nil {
		return run.failure(err)
	}
	return nil
}

func (h Helper) trace(r *runner, server string, err error) {
	if h.Trace != nil {
		h.Trace(Call{Program: r.helper, Action: r.action, Server: server, Duration: r.took, Err: err})
	}
}

// runner adapts one helper call to client.ProgramFunc while keeping what
// the client's string errors lose: why exec failed, and what was printed.
type runner struct {
	ctx    context.Context
	cancel context.CancelFunc
	helper string
	action string
	cmd    *exec.Cmd
	stdout bounded.Buffer
	stderr bounded.Buffer
	runErr error
	took   time.Duration
}

func (h Helper) runner(ctx context.Context, action string) *runner {
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	return &runner{ctx: ctx, cancel: cancel, helper: h.Program(), action: action}
}

func (r *runner) program(args ...string) client.Program {
	r.cmd = exec.CommandContext(r.ctx, r.helper, args...)
	r.cmd.Env = os.Environ()
	if r.action == credentials.ActionGet || r.action == credentials.ActionList {
		// The wrapper then only reads: no renewal, no journal line. And
		// pass's gpg asks for no passphrase: a pinentry would take the
		// user's terminal (or screen) and outlive the helper's time
		// limit. A locked key then fails at once.
		r.cmd.Env = append(r.cmd.Env, setting.ReadOnlyEnv+"=1",
			"PASSWORD_STORE_GPG_OPTS="+strings.TrimSpace(os.Getenv("PASSWORD_STORE_GPG_OPTS")+" --pinentry-mode=error"))
	}
	r.cmd.Stdout = &r.stdout
	r.cmd.Stderr = &r.stderr
	// A helper that leaves a child holding its output open would keep
	// Wait from returning after the kill; give up on the pipes soon after.
	r.cmd.WaitDelay = 200 * time.Millisecond
	bounded.KillGroup(r.cmd)
	return r
}

// Input and Output make runner a client.Program.
func (r *runner) Input(in io.Reader) { r.cmd.Stdin = in }

func (r *runner) Output() ([]byte, error) {
	defer r.cancel()
	start := time.Now()
	r.runErr = Run(r.cmd)
	r.took = time.Since(start)
	KillLeftovers(r.cmd)
	if err := r.stdout.Err(); err != nil {
		r.runErr = errors.Join(r.runErr, err)
	}
	return r.stdout.Bytes(), r.runErr
}

// failure classifies an error the client returned after Output.
func (r *runner) failure(err error) error {
	if r.runErr == nil {
		// The helper exited 0 and the client could not decode what it said.
		return r.fail(HelperGarbage, "", err)
	}
	var execErr *exec.Error
	switch {
	case errors.As(r.runErr, &execErr) && errors.Is(execErr.Err, exec.ErrNotFound):
		// LookPath skips files without the execute bit; say so, since
		// "not found" would send the user looking for an install.
		if path := OnPathNotExecutable(r.helper); path != "" {
			return r.fail(HelperNotExecutable, path+" lacks execute permission", r.runErr)
		}
		return r.fail(HelperMissing, "", r.runErr)
	case errors.Is(r.runErr, os.ErrPermission) || errors.Is(r.runErr, errExecFormat):
		return r.fail(HelperNotExecutable, "", r.runErr)
	case errors.Is(r.ctx.Err(), context.DeadlineExceeded):
		return r.fail(HelperTimedOut, "", r.ctx.Err())
	case errors.Is(r.runErr, bounded.ErrOutputTooLong):
		return r.fail(HelperGarbage, "", r.runErr)
	}
	msg := said(r.stdout.Bytes())
	if msg == "" {
		msg = said(r.stderr.Bytes())
	}
	return r.fail(HelperFailed, msg, r.runErr)
}

func (r *runner) fail(f HelperFailure, msg string, err error) *HelperError {
	return &HelperError{Helper: r.helper, Action: r.action, Failure: f, Message: msg, Err: err}
}

// OnPathNotExecutable is the file named program on PATH that lacks the
// execute permission, which exec.LookPath skips as if it were not there;
// "" where there is none.
func OnPathNotExecutable(program string) string {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, program)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return path
		}
	}
	return ""
}

// maxSaid bounds the output said reads: far more than the one line it
// keeps, and more than a credential, so one printed whole is parsed whole.
const maxSaid = 64 << 10

// said is what a failed helper printed, fit for a report: JSON objects
// (a credential printed before failing) lose their Secret, Password and
// token fields, what looks like a secret in the rest is redacted, and the
// first line is kept.
func said(b []byte) string {
	return oneLine([]byte(redact.Output(string(b[:min(len(b), maxSaid)]))))
}

// oneLine makes helper output fit one line of a report: first non-empty
// line, control characters dropped, at most 200 runes.
func oneLine(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, line)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 200 {
			line = string(r[:200]) + "…"
		}
		return line
	}
	return ""
}
