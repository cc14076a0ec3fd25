//go:build unix

package credstore

import (
	"os/exec"
	"syscall"
)

var errExecFormat error = syscall.ENOEXEC

// nonBlock opens a FIFO without waiting for a writer, so ReadFile can refuse it.
const nonBlock = syscall.O_NONBLOCK

// KillGroup makes a timeout kill the helper's whole process group: helpers
// are often scripts, and killing the shell alone leaves its children running.
func KillGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killGroup kills the process group pid leads, or pid alone where it
// leads none.
func killGroup(pid int) {
	if syscall.Kill(-pid, syscall.SIGKILL) != nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// KillLeftovers ends what a helper left running in its process group once
// it has exited (a background job still holding its output, say): the
// group was made for that one run.
func KillLeftovers(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
