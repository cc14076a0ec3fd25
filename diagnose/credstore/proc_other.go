//go:build !unix

package credstore

import (
	"errors"
	"os/exec"
)

// errExecFormat matches nothing: Windows reports a bad executable as a
// plain exec error.
var errExecFormat = errors.New("exec format error")

func KillGroup(*exec.Cmd) {}

func KillLeftovers(*exec.Cmd) {}

const nonBlock = 0
