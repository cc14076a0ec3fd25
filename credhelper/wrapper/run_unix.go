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

// pipeAtomic is PIPE_BUF: a write of at most this many bytes to an empty
// pipe never blocks, whatever the pipe's capacity.
const pipeAtomic = 4096

// pollEvery is how often a read that waits on the backend looks whether
// it has exited: only a backend slower than this pays for the look.
const pollEvery = 50 * time.Millisecond

// run runs action with in as its stdin, bounded in time and in what it
// may write to out and to stderr: a backend that hangs or floods is
// killed and the call fails.
//
// The backend is started with syscall.ForkExec, not os/exec: get is on
// the path of every pull, and os/exec's first start probes the kernel's
// pidfd support with a process of its own, then copies through
// goroutines, which together cost 0.2 ms of the wrapper's 2 ms
// (scripts/bench.sh). Here its output is read on this goroutine, and
// whether it has exited is looked at only while a read waits.
//
// The backend stays in its caller's process group, as Docker's own
// helpers are: Ctrl-C and a kill of Docker's group reach it, and it can
// ask for a passphrase on the terminal (a background group could not).
// Where the kernel allows, it dies with the wrapper (backendAttr), and
// what it leaves running when it fails is ended with it (endOrphans). Its
// stderr goes through a pipe of the wrapper's, so that what it leaves
// running holds no stream of Docker's.
func (b *execBackend) run(action string, in []byte, out *credstore.CappedBuffer, stderr io.Writer) (err error) {
	var files [3]*os.File // the backend's stdin, stdout, stderr
	var inW, outR *os.File
	defer func() {
		for _, f := range []*os.File{files[0], files[1], files[2], inW, outR} {
			if f != nil {
				f.Close()
			}
		}
	}()
	if files[0], inW, err = os.Pipe(); err != nil {
		return err
	}
	if outR, files[1], err = os.Pipe(); err != nil {
		return err
	}
	finish := func() {}
	if w, ok := stderr.(*credstore.CappedBuffer); ok && w == out {
		files[2] = files[1]
	} else {
		var errR *os.File
		if errR, files[2], err = os.Pipe(); err != nil {
			return err
		}
		finish = copyStderr(errR, stderr)
	}

	adoptOrphans()
	// backendAttr's death signal comes when the thread that forks exits:
	// here, with the process, as the runtime ends a thread only where a
	// goroutine locked to it returns, and the wrapper locks none.
	pid, err := syscall.ForkExec(b.path, []string{"docker-credential-" + b.name, action}, &syscall.ProcAttr{
		Env:   append(os.Environ(), envWrapped+"=1"),
		Files: []uintptr{files[0].Fd(), files[1].Fd(), files[2].Fd()},
		Sys:   backendAttr(),
	})
	// The backend holds its ends now: its output ends when it (and what
	// it started) closes them.
	for i, f := range files {
		if f != nil {
			f.Close()
			files[i] = nil
		}
	}
	if err != nil {
		finish()
		return &os.PathError{Op: "fork/exec", Path: b.path, Err: err}
	}
	// A backend that exits without reading makes the write fail: EPIPE.
	if len(in) <= pipeAtomic {
		// It fits the empty pipe: written at once, with no goroutine, and
		// so no second thread woken, for every get Docker makes.
		_, _ = inW.Write(in)
		inW.Close()
	} else {
		go func(w *os.File) {
			_, _ = w.Write(in)
			w.Close()
		}(inW)
	}
	inW = nil // closed, or the writer closes it

	var ws syscall.WaitStatus
	var exited time.Time // when the backend was reaped; zero before
	deadline := time.Now().Add(b.timeout)
	buf := make([]byte, 16<<10)
	for err == nil {
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
		switch now := time.Now(); {
		case !exited.IsZero() && !now.Before(exited.Add(waitDelay)):
			err = errLeftRunning
		case exited.IsZero() && !now.Before(deadline):
			err = b.errNoAnswer()
		}
	}
	outR.Close() // a backend still writing ends on SIGPIPE
	outR = nil
	if exited.IsZero() {
		if err != nil || out.Err() != nil {
			_ = syscall.Kill(pid, syscall.SIGKILL) // it ran out of time, or flooded
		} else {
			// It closed its output: it is exiting, or must before its time.
			t := time.AfterFunc(time.Until(deadline), func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			defer t.Stop()
		}
		reap(pid, &ws, 0)
		if err == nil && ws.Signaled() && !time.Now().Before(deadline) {
			err = b.errNoAnswer() // the timer above ended it
		}
	}
	if err != nil || out.Err() != nil {
		endOrphans()
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

// copyStderr copies the backend's stderr from r to w, the first
// MaxHelperOutput bytes of it, and returns what ends the copy once the
// backend is gone: what is left in the pipe is still copied, however
// slowly w takes it, but a pipe that stays open and empty for
// stderrGrace is held by a process the backend left running, and is
// closed.
func copyStderr(r *os.File, w io.Writer) (finish func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(w, io.LimitReader(r, credstore.MaxHelperOutput))
		_, _ = io.Copy(io.Discard, r) // past the cap: drained, not kept
	}()
	return func() {
		r.SetReadDeadline(time.Now().Add(stderrGrace))
		<-done
		r.Close()
	}
}

// stderrGrace is how long the backend's stderr may stay open and empty
// once it has exited.
const stderrGrace = 100 * time.Millisecond

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
