//go:build unix

package wrapper

import (
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
)

// pipeAtomic is PIPE_BUF: a write of at most this many bytes to an empty
// pipe never blocks, whatever the pipe's capacity.
const pipeAtomic = 4096

// pollEvery is how often the wait for the backend's answer ends to look
// whether it has exited and to pass on what it wrote on stderr (a prompt
// shows within it): only a backend slower than this pays for the look.
const pollEvery = 50 * time.Millisecond

// run runs action with in as its stdin, bounded in time and in what it
// may write to out and to stderr: a backend that hangs or floods is
// killed and the call fails. meanwhile, when not nil, runs once the
// backend has started: what the caller needs after the answer is read
// while the backend looks for it.
//
// get is on the path of every pull, so the backend is started with
// syscall.ForkExec, not os/exec (whose first start probes the kernel's
// pidfd support with a process of its own), and its stdout and stderr
// are read on this goroutine: no second thread woken. It waits on stdout
// in the runtime's poller, which lets the runtime sleep whole while a
// slow backend (pass and GPG) works; a wait in a system call of its own
// would keep the runtime's monitor waking every few microseconds. What
// stderr holds is passed on each time the wait ends (at the latest every
// pollEvery), and whether the backend has exited is looked at only then.
//
// The backend stays in its caller's process group, as Docker's own
// helpers are: Ctrl-C and a kill of Docker's group reach it, and it can
// ask for a passphrase on the terminal (a background group could not).
// Where the kernel allows, it dies with the wrapper (backendAttr), and
// what it leaves running when it fails is ended with it (endOrphans). Its
// stderr goes through a pipe of the wrapper's, so that what it leaves
// running holds no stream of Docker's.
func (b *execBackend) run(action string, in []byte, out *bounded.Buffer, stderr io.Writer, meanwhile func()) (err error) {
	var files [3]*os.File // the backend's stdin, stdout, stderr
	var inW, outR, errR *os.File
	defer func() {
		for _, f := range []*os.File{files[0], files[1], files[2], inW, outR, errR} {
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
	if w, ok := stderr.(*bounded.Buffer); ok && w == out {
		files[2] = files[1] // one pipe for both, read as stdout
	} else if errR, files[2], err = os.Pipe(); err != nil {
		return err
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
		return &os.PathError{Op: "fork/exec", Path: b.path, Err: err}
	}
	send(inW, in)
	inW = nil // closed, or the writer closes it
	if meanwhile != nil {
		meanwhile()
	}

	var ws syscall.WaitStatus
	var exited time.Time // when the backend was reaped; zero before
	deadline := time.Now().Add(b.timeout)
	errs := &stderrCopy{r: errR, w: stderr, left: bounded.MaxOutput}
	errR = nil // errs closes it
	buf := make([]byte, 16<<10)
	talking := false // stderr came at the last look: the next is soon
	for err == nil {
		wake := deadline
		if !exited.IsZero() {
			wake = exited.Add(waitDelay)
		}
		next := pollEvery
		if talking {
			next = time.Millisecond // a pipe's worth of stderr a look
		}
		if poll := time.Now().Add(next); poll.Before(wake) {
			wake = poll
		}
		outR.SetReadDeadline(wake)
		n, rerr := outR.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				break // flooded: out.Err() says so
			}
		}
		talking = errs.drain(buf)
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
	errs.finish(buf)
	if err != nil || out.Err() != nil {
		endOrphans()
	}
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

// send writes in to the backend's stdin and closes it. A backend that
// exits without reading makes the write fail: EPIPE, which the wrapper
// ignores.
func send(w *os.File, in []byte) {
	if len(in) <= pipeAtomic {
		// It fits the empty pipe: written at once, with no goroutine, and
		// so no second thread woken, for every get Docker makes.
		_, _ = w.Write(in)
		w.Close()
		return
	}
	go func() {
		_, _ = w.Write(in)
		w.Close()
	}()
}

// stderrCopy passes the backend's stderr on to w: the first left bytes of
// it; the rest is drained, not kept.
type stderrCopy struct {
	r    *os.File // nil where stderr is stdout
	w    io.Writer
	left int
}

// drain passes on what the pipe holds now, without waiting for more: a
// read of the raw descriptor (non-blocking, as the poller's are) that
// never waits, where a deadline in the past would not read at all. It
// reports whether there was any.
func (c *stderrCopy) drain(buf []byte) (some bool) {
	if c.r == nil {
		return false
	}
	raw, err := c.r.SyscallConn()
	if err != nil {
		return false
	}
	for {
		n := 0
		_ = raw.Read(func(fd uintptr) bool {
			n, _ = syscall.Read(int(fd), buf) // -1 when empty (EAGAIN)
			return true
		})
		if n <= 0 {
			return some
		}
		some = true
		c.pass(buf[:n])
	}
}

// finish passes on what is left once the backend is gone, however slowly
// w takes it, and closes the pipe: one that stays open and empty for
// stderrGrace is held by a process the backend left running.
func (c *stderrCopy) finish(buf []byte) {
	if c.r == nil {
		return
	}
	c.r.SetReadDeadline(time.Now().Add(stderrGrace))
	for {
		n, err := c.r.Read(buf)
		c.pass(buf[:n])
		if err != nil {
			break
		}
	}
	c.r.Close()
}

func (c *stderrCopy) pass(b []byte) {
	if k := min(len(b), c.left); k > 0 {
		c.left -= k
		_, _ = c.w.Write(b[:k])
	}
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
