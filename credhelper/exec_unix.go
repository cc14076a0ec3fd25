//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
)

// passThrough replaces this process with the backend when the streams are
// our own, so stdin, stdout, stderr, exit status and signals are exactly
// the backend's. Otherwise (tests) it runs the backend as a child.
func (b *execBackend) passThrough(action string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == os.Stdin && stdout == os.Stdout && stderr == os.Stderr {
		// Exec returns only on failure; then try the portable way.
		_ = syscall.Exec(b.path, []string{"docker-credential-" + b.name, action}, b.env())
	}
	return b.spawn(action, stdin, stdout, stderr)
}
