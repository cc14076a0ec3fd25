//go:build unix && !linux

package wrapper

import (
	"syscall"
)

// Elsewhere than Linux no death signal can be asked for, nor can the
// wrapper adopt what the backend leaves running.
func backendAttr() *syscall.SysProcAttr { return nil }
func adoptOrphans()                     {}
func endOrphans()                       {}
