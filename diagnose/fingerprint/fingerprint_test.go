package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

var format = regexp.MustCompile(`^hmac:[0-9a-f]{12}$`)

func TestOf(t *testing.T) {
	k, other := New(), New()
	if got := k.Of(""); got != "" {
		t.Errorf(`Of("") = %q, want ""`, got)
	}
	fp := k.Of("password")
	if !format.MatchString(fp) {
		t.Errorf("Of = %q, want hmac: and 12 hex digits", fp)
	}
	if k.Of("password") != fp {
		t.Error("the same secret under the same key gets another fingerprint")
	}
	if other.Of("password") == fp {
		t.Error("another key gives the same fingerprint")
	}
	if k.Of("password1") == fp {
		t.Error("another secret gives the same fingerprint")
	}
	// The dictionary answer for "password": an unsalted SHA-256.
	sum := sha256.Sum256([]byte("password"))
	known := hex.EncodeToString(sum[:])
	for _, key := range []*Key{k, other, {}} {
		if fp := key.Of("password"); strings.Contains(known, strings.TrimPrefix(fp, Prefix)) {
			t.Errorf("Of(\"password\") = %q is its well-known SHA-256 %s", fp, known[:12])
		}
	}
	if got := Of("password"); !format.MatchString(got) || got != Of("password") || Of("") != "" {
		t.Errorf("package Of = %q, not stable or not keyed", got)
	}
}

// env is a getenv with the state directory at dir.
func env(dir string) func(string) string {
	return func(k string) string {
		if k == "XDG_STATE_HOME" {
			return dir
		}
		return ""
	}
}

func stateDir(t *testing.T) (parent, dir string) {
	parent = t.TempDir()
	dir, ok := statedir.Dir(env(parent))
	if !ok {
		t.Fatal("no state directory")
	}
	return parent, dir
}

func TestKeep(t *testing.T) {
	parent, dir := stateDir(t)
	k, err := Keep(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != Size {
		t.Errorf("key file is %d bytes", fi.Size())
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := Keep(dir)
	if err != nil || *again != *k {
		t.Errorf("Keep again = a different key, %v", err)
	}
	if r, err := Read(dir); err != nil || *r != *k {
		t.Errorf("Read = a different key, %v", err)
	}
	if l := Load(env(parent)); *l != *k {
		t.Error("Load does not use the kept key")
	}
	if names := list(t, dir); !slices.Equal(names, []string{File, "locks"}) {
		t.Errorf("state directory holds %q", names)
	}
}

// TestReadWritesNothing: the diagnosis path reads the key if there is
// one and creates no file or folder when there is none.
func TestReadWritesNothing(t *testing.T) {
	parent, dir := stateDir(t)
	if _, err := Read(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read with no key: %v", err)
	}
	a, b := Load(env(parent)), Load(env(parent))
	if *a == *b || a.Of("x") == b.Of("x") {
		t.Error("two runs without a kept key share a key")
	}
	if names := list(t, parent); len(names) != 0 {
		t.Errorf("reading made %q", names)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	Load(env(parent))
	if names := list(t, dir); len(names) != 0 {
		t.Errorf("reading made %q", names)
	}
	if l := Load(func(string) string { return "" }); l == nil {
		t.Error("Load without a home gave no key")
	}
}

// TestRefused: a key file that is a symbolic or a hard link is neither
// read nor replaced.
func TestRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("links are not refused on Windows")
	}
	for _, link := range []string{"symlink", "hardlink"} {
		t.Run(link, func(t *testing.T) {
			parent, dir := stateDir(t)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(t.TempDir(), "planted")
			planted := strings.Repeat("k", Size)
			if err := os.WriteFile(target, []byte(planted), 0o600); err != nil {
				t.Fatal(err)
			}
			ln := os.Symlink
			if link == "hardlink" {
				ln = os.Link
			}
			if err := ln(target, filepath.Join(dir, File)); err != nil {
				t.Fatal(err)
			}
			var pk Key
			copy(pk.b[:], planted)
			if _, err := Read(dir); !errors.Is(err, statedir.ErrNotRegular) {
				t.Errorf("Read: %v, want ErrNotRegular", err)
			}
			if _, err := Keep(dir); !errors.Is(err, statedir.ErrNotRegular) {
				t.Errorf("Keep: %v, want ErrNotRegular", err)
			}
			if l := Load(env(parent)); *l == pk {
				t.Error("Load used the planted key")
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != planted {
				t.Errorf("the link's target changed: %q, %v", b, err)
			}
			if fi, err := os.Lstat(filepath.Join(dir, File)); err != nil || (link == "symlink") != (fi.Mode()&fs.ModeSymlink != 0) {
				t.Errorf("the link was replaced: %v", err)
			}
		})
	}
}

// TestDamaged: a key of the wrong length (a crash mid-write, an edit) is
// not used, and Keep replaces it.
func TestDamaged(t *testing.T) {
	for _, size := range []int{0, 5, Size + 1} {
		_, dir := stateDir(t)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, File)
		if err := os.WriteFile(name, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(dir); !errors.Is(err, ErrDamaged) {
			t.Errorf("Read of %d bytes: %v, want ErrDamaged", size, err)
		}
		k, err := Keep(dir)
		if err != nil {
			t.Fatalf("Keep over %d bytes: %v", size, err)
		}
		if r, err := Read(dir); err != nil || *r != *k {
			t.Errorf("Keep over %d bytes did not replace it: %v", size, err)
		}
		if fi, err := os.Stat(name); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("replaced key: %v, %v", fi.Mode(), err)
		}
	}
}

// TestConcurrentKeep: runs racing to create the key, in one process and
// in several, end with one key, which each of them got.
func TestConcurrentKeep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no lock on Windows")
	}
	t.Run("goroutines", func(t *testing.T) {
		_, dir := stateDir(t)
		keys := make([]*Key, 16)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := Keep(dir)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		kept, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			if k == nil || *k != *kept {
				t.Errorf("run %d got another key than the one kept", i)
			}
		}
	})
	t.Run("processes", func(t *testing.T) {
		_, dir := stateDir(t)
		cmds := make([]*exec.Cmd, 8)
		outs := make([]strings.Builder, len(cmds))
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^TestKeepChild$")
			cmds[i].Env = append(os.Environ(), "FINGERPRINT_CHILD_DIR="+dir)
			cmds[i].Stdout = &outs[i]
			cmds[i].Stderr = &outs[i]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("child %d: %v: %s", i, err, outs[i].String())
			}
		}
		kept, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := "fp " + kept.Of("the same secret") + "\n"
		for i := range outs {
			if !strings.Contains(outs[i].String(), want) {
				t.Errorf("child %d: %q, want %q", i, outs[i].String(), want)
			}
		}
		if names := list(t, dir); !slices.Equal(names, []string{File, "locks"}) {
			t.Errorf("state directory holds %q", names)
		}
	})
}

// TestKeepChild is a process of TestConcurrentKeep.
func TestKeepChild(t *testing.T) {
	dir := os.Getenv("FINGERPRINT_CHILD_DIR")
	if dir == "" {
		t.Skip("run by TestConcurrentKeep")
	}
	k, err := Keep(dir)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("fp %s\n", k.Of("the same secret"))
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
