//go:build !unix

package main

import "io"

// passThrough runs the backend as a child wired to our own streams.
func (b *execBackend) passThrough(action string, stdin io.Reader, stdout, stderr io.Writer) int {
	return b.spawn(action, stdin, stdout, stderr)
}
