//go:build unix

package wrapper

import (
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// pollEvery is how often a read that waits on the backend looks whether
// it has exited: only a backend slower than this pays for the look.
const pollEvery = 50 * time.Millisecond

// run runs action with in as its stdin, bounded in time and in what it
// may write to out: a backend that hangs or floods is killed, with the
// processes it started (its process group), and the call fails.
//
// The backend is started with syscall.ForkExec, not os/exec: get is on
// the path of every pull, and os/exec's first start probes the kernel's
// pidfd support with a process of its own, then copies through
// goroutines, which together cost 0.2 ms of the wrapper's 2 ms
// (scripts/bench.sh). Here its output is read on this goroutine, and
// whether it has exited is looked at only while a read waits.
func (b *execBackend) run(action string, in []byte, out *credstore.CappedBuffer, stderr io.Writer) (err error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer inR.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		inW.Close()
		return err
	}
	defer outR.Close()
	errW, finish, err := childStderr(stderr, out, outW)
	if err != nil {
		inW.Close()
		outW.Close()
		return err
	}
	pid, err := syscall.ForkExec(b.path, []string{"docker-credential-" + b.name, action}, &syscall.ProcAttr{
		Env:   append(os.Environ(), envWrapped+"=1"),
		Files: []uintptr{inR.Fd(), outW.Fd(), errW.Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	// The child holds its ends now: the output ends at EOF when it (and
	// what it started) closes them.
	inR.Close()
	outW.Close()
	if errW != outW && errW != stderr {
		errW.Close()
	}
	if err != nil {
		inW.Close()
		finish()
		return &os.PathError{Op: "fork/exec", Path: b.path, Err: err}
	}
	go func() {
		// A backend that exits without reading makes this fail: EPIPE.
		_, _ = inW.Write(in)
		inW.Close()
	}()

	var ws syscall.WaitStatus
	var exited time.Time // when the backend was reaped; zero before
	deadline := time.Now().Add(b.timeout)
	buf := make([]byte, 16<<10)
	for {
		wake := deadline
		if !exited.IsZero() {
			wake = exited.Add(waitDelay)
		}
		if poll := time.Now().Add(pollEvery); poll.Before(wake) {
			wake = poll
		}
		outR.SetReadDeadline(wake)
		n, rerr := outR.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				break // flooded: out.Err() says so
			}
		}
		if rerr == nil {
			continue
		}
		if !errors.Is(rerr, os.ErrDeadlineExceeded) {
			break // EOF: every holder of the output closed it
		}
		if exited.IsZero() && reap(pid, &ws, syscall.WNOHANG) {
			exited = time.Now()
		}
		if now := time.Now(); !exited.IsZero() && !now.Before(exited.Add(waitDelay)) {
			err = errLeftRunning
		} else if exited.IsZero() && !now.Before(deadline) {
			err = b.errNoAnswer()
		} else {
			continue
		}
		break
	}
	outR.Close() // a backend still writing ends on SIGPIPE
	// The group was made for this run: end what the backend left running,
	// or the backend itself when it flooded or ran out of time.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if exited.IsZero() {
		reap(pid, &ws, 0)
	}
	finish()
	switch {
	case out.Err() != nil:
		return out.Err()
	case err != nil:
		return err
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	}
	return &exitError{ws}
}

// reap waits for the child pid (or, with WNOHANG, looks whether it has
// exited) and reports whether it was reaped, its status in ws.
func reap(pid int, ws *syscall.WaitStatus, options int) bool {
	for {
		got, err := syscall.Wait4(pid, ws, options, nil)
		if err != syscall.EINTR {
			return err == nil && got == pid
		}
	}
}

// childStderr is the file the backend's stderr is: stderr itself when it
// is a file, the output's pipe when stderr is the output, else a pipe
// copied to stderr until finish, which waits for the copy at most
// waitDelay.
func childStderr(stderr io.Writer, out *credstore.CappedBuffer, outW *os.File) (*os.File, func(), error) {
	switch w := stderr.(type) {
	case *os.File:
		return w, func() {}, nil
	case *credstore.CappedBuffer:
		if w == out {
			return outW, func() {}, nil
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(stderr, r)
		close(done)
	}()
	return w, func() {
		select {
		case <-done:
		case <-time.After(waitDelay):
		}
		r.Close()
	}, nil
}

// exitError is a backend that exited with a status other than 0, or was
// ended by a signal, said as os/exec says it.
type exitError struct{ ws syscall.WaitStatus }

func (e *exitError) Error() string {
	if e.ws.Signaled() {
		return "signal: " + e.ws.Signal().String()
	}
	return "exit status " + strconv.Itoa(e.ws.ExitStatus())
}

// Exited reports whether the backend exited by itself, not by a signal.
func (e *exitError) Exited() bool { return e.ws.Exited() }

// ExitCode is the status it exited with.
func (e *exitError) ExitCode() int { return e.ws.ExitStatus() }
