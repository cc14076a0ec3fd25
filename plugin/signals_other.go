//go:build !unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// interrupts are the signals that end the doctor, which it ends what it
// waits on before, and `run --` passes on to its command.
var interrupts = []os.Signal{os.Interrupt, syscall.SIGTERM}

// errExecFormat matches nothing here: Windows says so in other words.
var errExecFormat = errors.New("exec format error")
