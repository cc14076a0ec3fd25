//go:build !unix

package credstore

import (
	"errors"
	"os"
	"os/exec"
)

// errExecFormat matches nothing: Windows reports a bad executable as a
// plain exec error.
var errExecFormat = errors.New("exec format error")

func KillLeftovers(*exec.Cmd) {}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
