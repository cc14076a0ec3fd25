//go:build unix

package main

import (
	"os"
	"syscall"
)

// interrupts are the signals that end the doctor, which it ends what it
// waits on before, and `run --` passes on to its command.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// errExecFormat is a file the kernel cannot run: no program, or one for
// another machine.
var errExecFormat error = syscall.ENOEXEC
