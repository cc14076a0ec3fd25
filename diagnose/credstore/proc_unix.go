//go:build unix

package credstore

import (
	"os/exec"
	"syscall"
)

var errExecFormat error = syscall.ENOEXEC

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
