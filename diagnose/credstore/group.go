package credstore

import (
	"os/exec"
	"sync"
)

// groups are the processes started by Run that have not ended, each the
// leader of a group of its own where KillGroup made one: what EndGroups
// ends when the doctor is interrupted. A helper in a group of its own
// gets no Ctrl-C from the terminal, and would outlive the doctor that
// was waiting on it.
var groups = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

// Run runs cmd as cmd.Run does, known to EndGroups while it runs.
func Run(cmd *exec.Cmd) error {
	if err := start(cmd); err != nil {
		return err
	}
	defer func() {
		groups.Lock()
		delete(groups.pids, cmd.Process.Pid)
		groups.Unlock()
	}()
	return cmd.Wait()
}

// start starts cmd and records it, under the lock that EndGroups takes:
// no interrupt falls between the two.
func start(cmd *exec.Cmd) error {
	groups.Lock()
	defer groups.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	groups.pids[cmd.Process.Pid] = true
	return nil
}

// EndGroups kills what Run is running, with the rest of each one's
// process group, as a timeout would.
func EndGroups() {
	groups.Lock()
	defer groups.Unlock()
	for pid := range groups.pids {
		killGroup(pid)
	}
}
