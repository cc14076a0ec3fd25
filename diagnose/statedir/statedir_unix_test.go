//go:build unix

package statedir

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestOpenFileRefuses(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "journal.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(link, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a symbolic link: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := OpenFile(fifo, os.O_RDONLY, 0)
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("a FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO blocked")
	}
	hard := filepath.Join(dir, "hard.jsonl")
	if err := os.Link(target, hard); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(hard, os.O_WRONLY|os.O_APPEND, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a hard link: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "x" {
		t.Errorf("the link's target changed: %q", b)
	}
}

// TestDirNotALink: a state folder that is a symbolic link, or a file, is
// no state folder.
func TestDirNotALink(t *testing.T) {
	home := t.TempDir()
	state := filepath.Join(home, "state")
	getenv := func(k string) string {
		return map[string]string{"HOME": home, "XDG_STATE_HOME": state}[k]
	}
	want := filepath.Join(state, "acr-doctor")
	if dir, ok := Dir(getenv); !ok || dir != want {
		t.Fatalf("Dir before it exists = %q, %v", dir, ok)
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), want); err != nil {
		t.Fatal(err)
	}
	if dir, ok := Dir(getenv); ok {
		t.Errorf("Dir with a linked folder = %q, want none", dir)
	}
	if err := os.Remove(want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if dir, ok := Dir(getenv); ok {
		t.Errorf("Dir with a file in its place = %q, want none", dir)
	}
}
