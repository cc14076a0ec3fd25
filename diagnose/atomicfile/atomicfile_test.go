package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "sub", "config.json")
	if err := Write(name, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != "one" {
		t.Errorf("contents %q", b)
	}
	if fi, _ := os.Stat(name); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(filepath.Dir(name)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestWriteIfStops(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(name, []byte("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("changed meanwhile")
	if err := WriteIf(name, []byte("after"), 0o600, func() error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("WriteIf = %v", err)
	}
	if b, _ := os.ReadFile(name); string(b) != "before" {
		t.Errorf("written although the check failed: %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(name)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestWriteKeepsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "config.json")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link became a file")
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}

// TestReadersNeverSeeHalf: a reader polling while writes go on sees one
// whole version or the other, never a mix or an empty file.
func TestReadersNeverSeeHalf(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	a, b := bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 256<<10)
	if err := Write(name, a, 0o600); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			got, err := os.ReadFile(name)
			if err != nil || !(bytes.Equal(got, a) || bytes.Equal(got, b)) {
				t.Errorf("a reader saw %d bytes (%v)", len(got), err)
				return
			}
		}
	})
	for i := range 50 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := Write(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
}

func TestWriteDanglingSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink("dotfiles/docker.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link became a file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dotfiles", "docker.json")); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}
