package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
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
	var captured tail
	child := exec.Command(args[0], args[1:]...)
	child.Stdin = os.Stdin
	child.Stdout = io.MultiWriter(dockerCLI.Out(), &captured)
	child.Stderr = io.MultiWriter(dockerCLI.Err(), &captured)
	if err := child.Start(); err != nil {
		fmt.Fprintf(dockerCLI.Err(), "%s: %s\n", name, safe(err.Error()))
		return cli.StatusError{StatusCode: 127}
	}
	// The child gets Ctrl-C from the terminal itself; a signal sent to us
	// alone (CI cancelling a job) is passed on.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = child.Process.Signal(s)
		}
	}()
	err := child.Wait()
	signal.Stop(sigs)
	close(sigs)
	if err == nil {
		return nil
	}
	code, how := exitStatus(err)

	w := dockerCLI.Err()
	text := captured.String()
	findings := explain.ExplainString(text)
	tw := textWriter{w: w, p: newPalette(dockerCLI), now: time.Now()}
	fmt.Fprintf(w, "\n%s %s %s.\n", tw.p.bold("acr-doctor:"), safe(args[0]), how)
	if len(findings) == 0 {
		fmt.Fprintln(w, "Its output names no cause acr-doctor knows.")
	}
	for _, f := range findings {
		c := f.Cause
		c.Evidence = fmt.Sprintf("line %d: %s", f.LineNo, f.Line)
		tw.causes([]cause.Cause{c})
	}
	registries := explain.Registries(text)
	if !noCheck && len(registries) > 0 {
		if cfg, err := credstore.Load(config.Dir(), os.Getenv); err == nil {
			fmt.Fprintf(w, "\nChecking %d registr%s named in the output:\n\n", len(registries), map[bool]string{true: "y", false: "ies"}[len(registries) == 1])
			store := &credstore.Store{Config: cfg}
			opts := check.Options{Targets: registries, Timeout: timeout}
			if azureByDefault(dockerCLI) {
				opts.Azure = &azure.Inspector{}
			}
			var mu sync.Mutex
			check.Run(cmd.Context(), store, opts, func(r check.Result) {
				mu.Lock()
				defer mu.Unlock()
				tw.registry(r.Registry)
			})
		}
	}
	return cli.StatusError{StatusCode: code}
}

// exitStatus is the status a shell gives a command that ended with err
// (from Wait): its exit status, or 128+n for one killed by signal n; and
// how it ended, in words.
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

// tail keeps the last maxCaptured bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - maxCaptured; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
