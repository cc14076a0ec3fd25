//go:build unix

package bounded

import (
	"os/exec"
	"syscall"
)

// KillGroup makes a timeout kill the helper's whole process group: helpers
// are often scripts, and killing the shell alone leaves its children running.
func KillGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
