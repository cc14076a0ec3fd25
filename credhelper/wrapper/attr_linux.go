package wrapper

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// backendAttr makes the backend die with the wrapper: a wrapper killed
// (by Docker, by a timeout around it) leaves no backend running.
func backendAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// adoptOrphans makes the wrapper the reaper of what the backend leaves
// running when it dies (PR_SET_CHILD_SUBREAPER), so that endOrphans can
// end it: the backend stays in Docker's process group, and no group of
// its own is there to kill.
func adoptOrphans() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// endOrphans kills and reaps what a backend that failed (ran out of
// time, flooded, left its output held) left running, now the wrapper's
// children: a few rounds, as each one killed hands its own children on.
// A backend that answered keeps what it started (gpg-agent lives on).
func endOrphans() {
	for range 8 {
		pids := children()
		if len(pids) == 0 {
			return
		}
		var ws syscall.WaitStatus
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			reap(pid, &ws, 0)
		}
	}
}

// children lists the wrapper's child processes, from each of its threads'
// /proc children file.
func children() []int {
	tasks, _ := os.ReadDir("/proc/self/task")
	var pids []int
	for _, t := range tasks {
		b, _ := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
