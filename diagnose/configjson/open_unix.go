//go:build unix

package configjson

import "syscall"

// nonBlock opens a FIFO without waiting for a writer, so ReadFile can refuse it.
const nonBlock = syscall.O_NONBLOCK
