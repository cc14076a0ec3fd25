//go:build !unix

package wrapper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
)

// run runs action with in as its stdin, bounded in time and in what it
// may write to out: a backend that hangs or floods is killed and the call
// fails. meanwhile, when not nil, runs once the backend has started.
func (b *execBackend) run(action string, in []byte, out *bounded.Buffer, stderr io.Writer, meanwhile func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	cmd := b.command(ctx, action)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), out, stderr
	cmd.WaitDelay = waitDelay // for a child that keeps the pipe open
	err := cmd.Start()
	if err == nil {
		if meanwhile != nil {
			meanwhile()
		}
		err = cmd.Wait()
	}
	switch {
	case out.Err() != nil:
		return out.Err()
	case cmd.ProcessState != nil && cmd.ProcessState.Exited() && errors.Is(err, exec.ErrWaitDelay):
		return errLeftRunning
	case ctx.Err() != nil:
		return b.errNoAnswer()
	}
	return err
}
