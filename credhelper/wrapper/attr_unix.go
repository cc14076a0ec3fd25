//go:build unix && !linux

package wrapper

import "syscall"

// backendAttr: elsewhere than Linux no death signal can be asked for.
func backendAttr() *syscall.SysProcAttr { return nil }
