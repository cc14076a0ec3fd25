//go:build unix

package statedir

import "syscall"

const (
	noFollow = syscall.O_NOFOLLOW
	// O_NONBLOCK makes opening a FIFO return at once instead of waiting
	// for a writer; the mode check then refuses it.
	nonBlock = syscall.O_NONBLOCK
	eloop    = syscall.ELOOP
)
