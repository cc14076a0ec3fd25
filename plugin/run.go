package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/explain"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// maxCaptured is how much of a command's output run keeps to explain: the
// last megabyte holds the error.
const maxCaptured = 1 << 20

func newRunCommand(dockerCLI command.Cli) *cobra.Command {
	var noCheck bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] -- COMMAND [ARG...]",
		Short: "Run a command; if it fails, explain its errors and check the ACR registries it names",
		Long: `Run a command (docker push, helm, oras, az…) with its output passed through
unchanged. If it fails, explain what its output says went wrong and, for the
ACR registries it names, run the live check. The exit status is the
command's. This is for CI, where Docker's CLI hooks never run.`,
		Example: `  docker acrdoctor run -- docker push myreg.azurecr.io/app:1
  acr-doctor run -- helm push chart.tgz oci://myreg.azurecr.io/helm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAndExplain(cmd, dockerCLI, args, noCheck, timeout)
		},
	}
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "Explain the output only; no live check")
	cmd.Flags().DurationVar(&timeout, "timeout", 15*time.Second, "Time limit for the live check")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runAndExplain(cmd *cobra.Command, dockerCLI command.Cli, args []string, noCheck bool, timeout time.Duration) error {
	captured := tail{max: maxCaptured}
	child := exec.Command(args[0], args[1:]...)
	child.Stdin = os.Stdin
	child.Stdout = io.MultiWriter(dockerCLI.Out(), &captured)
	child.Stderr = io.MultiWriter(dockerCLI.Err(), &captured)
	// What the command leaves running (a background job) may hold its
	// output open: once it has exited, that output is given a moment, not
	// waited for.
	child.WaitDelay = leftoverGrace
	if err := child.Start(); err != nil {
		// Go's words ("fork/exec PATH: …", "exec: \"x\": executable file
		// not found in $PATH") say what a shell says, less plainly.
		why := err.Error()
		var pe *fs.PathError
		var ee *exec.Error
		code := 127 // as a shell says it: not found, or not runnable
		switch {
		case args[0] == "":
			why = "an empty command"
		case errors.As(err, &ee) && errors.Is(ee.Err, exec.ErrNotFound) && credstore.OnPathNotExecutable(ee.Name) != "":
			// LookPath skips a file without the execute bit; a shell
			// finds it and says so.
			why, code = credstore.OnPathNotExecutable(ee.Name)+": permission denied", 126
		case errors.As(err, &ee):
			why = fmt.Sprintf("%s: %v", ee.Name, ee.Err)
		case errors.As(err, &pe):
			why = fmt.Sprintf("%s: %v", pe.Path, pe.Err)
		}
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, errExecFormat) {
			code = 126
		}
		fmt.Fprintf(dockerCLI.Err(), "%s: cannot run %s\n", name, safe(why))
		return cli.StatusError{StatusCode: code}
	}
	// The child gets Ctrl-C from the terminal itself; a signal sent to us
	// alone (CI cancelling a job) is passed on.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, interrupts...)
	go func() {
		for s := range sigs {
			_ = child.Process.Signal(s)
		}
	}()
	forwarding.Store(true)
	err := child.Wait()
	forwarding.Store(false)
	signal.Stop(sigs)
	close(sigs)
	if err == nil || errors.Is(err, exec.ErrWaitDelay) {
		return nil // exited 0; what it left running had its output cut off
	}
	code, how := exitStatus(err)

	w := dockerCLI.Err()
	text, first := captured.Text()
	registries := explain.Registries(text)
	fs := findings(explain.ExplainWith(text, explain.Options{Machine: machineFor(registries).Credential, FirstLine: first, Given: captured.Given()}))
	var live []check.Result
	if !noCheck && len(registries) > 0 {
		getenv, _ := dockerGetenv(cmd.Context())
		if cfg, err := credstore.Load(config.Dir(), getenv); err == nil {
			opts := check.Options{Targets: registries, Timeout: timeout}
			if azureByDefault(dockerCLI) {
				opts.Azure = &azure.Inspector{}
			}
			live, _ = check.Run(cmd.Context(), &credstore.Store{Config: cfg}, opts, nil)
		}
	}
	tw := textWriter{w: w, p: newPalette(dockerCLI), now: time.Now()}
	fmt.Fprintf(w, "\n%s %s %s.\n", tw.p.bold("acr-doctor:"), safe(args[0]), how)
	tw.answer(fs, live)
	return cli.StatusError{StatusCode: code}
}

// answer is run's one verdict: the live check of the registries the output
// names where it found a problem (what the registry says now outranks what
// the output suggests), then what the output shows that the live check
// did not already say; or, when every registry named accepts the stored
// credential now, that, before what the output shows.
func (t textWriter) answer(fs []report.Finding, live []check.Result) {
	seen := map[cause.ID]bool{}
	// decided are the registries whose live check named an error: beside
	// it, a cause the output only might show for them is noise.
	decided := map[string]bool{}
	healthy := len(live) > 0
	for _, r := range live {
		if r.Healthy {
			continue
		}
		healthy = false
		for _, c := range r.Causes {
			seen[c.ID] = true
		}
		if cause.Failed(r.Causes) {
			decided[r.Registry.Registry] = true
			decided[""] = true // a finding that names no registry
		}
	}
	switch {
	case healthy:
		names := make([]string, len(live))
		for i, r := range live {
			names[i] = r.Registry.Registry
		}
		fmt.Fprintf(t.w, "Checked live, %s accept%s the stored credential now: the failure below was in the command, or is over.\n",
			safe(strings.Join(names, ", ")), map[bool]string{true: "s", false: ""}[len(live) == 1])
	case len(live) > 0:
		fmt.Fprintln(t.w, "Checked live:")
		fmt.Fprintln(t.w)
		for _, r := range live {
			if !r.Healthy {
				t.registry(r.Registry)
			}
		}
	}
	rest := slices.DeleteFunc(slices.Clone(fs), func(f report.Finding) bool {
		return seen[f.ID] || decided[f.Registry] && f.Confidence == string(explain.Possible)
	})
	switch {
	case len(rest) > 0 && len(seen) > 0:
		fmt.Fprintln(t.w, "The output also shows:")
	case len(fs) == 0 && len(seen) == 0:
		fmt.Fprintln(t.w, "Its output names no cause acr-doctor knows.")
	}
	t.findings(rest)
}

// exitStatus is the status a shell gives a command that ended with err
// (from Wait): its exit status, or 128+n for one killed by signal n; and
// how it ended, in words.
// leftoverGrace is how long run reads the output of what its command
// left running, once the command has exited.
const leftoverGrace = 2 * time.Second

func exitStatus(err error) (code int, how string) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 1, fmt.Sprintf("failed (%v)", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
		return code, fmt.Sprintf("was killed by signal %d (%v): status %d", int(ws.Signal()), ws.Signal(), code)
	}
	if code = ee.ExitCode(); code <= 0 {
		code = 1
	}
	return code, fmt.Sprintf("exited with status %d", code)
}

// tail keeps the last max bytes written to it: where a failing log says
// why.
type tail struct {
	max     int
	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int64 // bytes left out before what is kept
	// Line ends among them: line feeds, and carriage returns alone, which
	// end lines as explain numbers them only in a text with no line feed
	// (an old Mac file; elsewhere a progress bar's redraw).
	lfs, crs int
	// logins are the dropped lines that name a login, a password or a
	// credential (at most maxLogins bytes of them), and part the dropped
	// line not yet ended: a secret given there and repeated in what is
	// kept is masked all the same (Given).
	logins []string
	part   []byte
	held   int
}

// maxLogins bounds the dropped lines a tail keeps for their secrets.
const maxLogins = 1 << 20

// Given is what the dropped lines gave as secrets (redact.Values), the
// line the cut fell in too: explain never reads that one either.
func (t *tail) Given() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	logins := t.logins
	if b := t.buf.Bytes(); t.dropped > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			if cut := append(slices.Clip(t.part), b[:i]...); redact.NamesSecret(cut) {
				logins = append(slices.Clip(logins), string(cut))
			}
		}
	}
	return redact.Values(logins)
}

// keepLogins keeps of cut, bytes dropped from the front, the whole lines
// that name a login or a secret.
func (t *tail) keepLogins(cut []byte) {
	for len(cut) > 0 && t.held < maxLogins {
		i := bytes.IndexByte(cut, '\n')
		if i < 0 {
			if len(t.part) < 64<<10 {
				t.part = append(t.part, cut[:min(len(cut), 64<<10-len(t.part))]...)
			}
			return
		}
		line := append(t.part, cut[:i]...)
		t.part, cut = nil, cut[i+1:]
		if redact.NamesSecret(line) {
			t.logins = append(t.logins, string(line))
			t.held += len(line)
		}
	}
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		cut := t.buf.Next(over)
		t.keepLogins(cut)
		t.lfs += bytes.Count(cut, []byte("\n"))
		for i, c := range cut {
			if c == '\r' && (i+1 == len(cut) && t.buf.Bytes()[0] != '\n' || i+1 < len(cut) && cut[i+1] != '\n') {
				t.crs++
			}
		}
		t.dropped += int64(over)
	}
	return len(p), nil
}

// afterLine is text after its first line end (ends: a line feed, or also
// a carriage return alone, as explain reads them): what a tail keeps
// starts inside a line, which is never shown.
func afterLine(text, ends string) string {
	i := strings.IndexAny(text, ends)
	switch {
	case i < 0:
		return ""
	case text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n':
		i++
	}
	return text[i+1:]
}

// Text is what the tail kept, from its first whole line when the start
// was left out (the part-line at the cut, maybe inside what would mark a
// secret as one, is never shown), and the number of that line in all
// that was written, for explain's line numbers.
func (t *tail) Text() (text string, firstLine int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dropped == 0 {
		return t.buf.String(), 1
	}
	if t.lfs > 0 || bytes.IndexByte(t.buf.Bytes(), '\n') >= 0 {
		return afterLine(t.buf.String(), "\n"), t.lfs + 2
	}
	return afterLine(t.buf.String(), "\r"), t.crs + 2
}
