//go:build unix

package statedir

import (
	"io/fs"
	"syscall"
)

const (
	noFollow = syscall.O_NOFOLLOW
	// O_NONBLOCK makes opening a FIFO return at once instead of waiting
	// for a writer; the mode check then refuses it.
	nonBlock = syscall.O_NONBLOCK
	eloop    = syscall.ELOOP
)

// hardLinked reports a file with another name too: a state file the tool
// made has one.
func hardLinked(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}
