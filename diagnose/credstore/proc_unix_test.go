//go:build unix

package credstore

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
)

// TestKillGroup: cancelling a command set up by KillGroup ends what it
// started too, not only the process itself.
func TestKillGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see a process end")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `sleep 30 & echo $! > "$1.tmp" && mv "$1.tmp" "$1"; wait`, "sh", pidFile)
	bounded.KillGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid []byte
	for range 1000 { // until the shell has started its child
		var err error
		if pid, err = os.ReadFile(pidFile); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(pid) == 0 {
		cmd.Process.Kill()
		t.Fatal("the shell never started its child")
	}
	cancel()
	if err := cmd.Wait(); err == nil {
		t.Error("a cancelled command exited 0")
	}
	child := strings.TrimSpace(string(pid))
	for range 10 {
		if gone(child) {
			return
		}
	}
	t.Errorf("the command's child (pid %s) outlived the cancel", child)
}
