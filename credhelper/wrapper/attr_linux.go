package wrapper

import "syscall"

// backendAttr makes the backend die with the wrapper: a wrapper killed
// (by Docker, by a timeout around it) leaves no backend running.
func backendAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
