//go:build !unix

package statedir

import (
	"io/fs"
	"syscall"
)

// Without O_NOFOLLOW the mode check after opening still refuses what is
// not a regular file.
const (
	noFollow = 0
	nonBlock = 0
	eloop    = syscall.Errno(0)
)

func hardLinked(fs.FileInfo) bool { return false }
