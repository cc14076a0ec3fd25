package statedir

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDir(t *testing.T) {
	if d, ok := Dir(env("XDG_STATE_HOME", "/s", "HOME", "/h")); !ok || d != filepath.Join("/s", "acr-doctor") {
		t.Errorf("XDG_STATE_HOME: %q", d)
	}
	if runtime.GOOS == "linux" {
		if d, _ := Dir(env("XDG_STATE_HOME", "relative", "HOME", "/h")); d != "/h/.local/state/acr-doctor" {
			t.Errorf("a relative XDG_STATE_HOME must be ignored: %q", d)
		}
	}
}

func TestLock(t *testing.T) {
	name := filepath.Join(t.TempDir(), "locks", "a.lock")
	unlock, err := Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		u, err := Lock(name)
		if err == nil {
			u()
		}
		close(got)
	}()
	select {
	case <-got:
		if runtime.GOOS != "windows" {
			t.Fatal("a second holder got the lock while the first held it")
		}
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	<-got
}

func TestLockWithin(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	name := filepath.Join(t.TempDir(), "a.lock")
	unlock, err := Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := LockWithin(name, 50*time.Millisecond); !errors.Is(err, ErrLockHeld) {
		t.Errorf("a held lock: %v", err)
	}
}

// TestDirOn: where each platform keeps the state directory, and when it
// has none. Paths are the host's, so the table runs where "/h" is absolute.
func TestDirOn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the table's paths are Unix paths")
	}
	tests := []struct {
		goos   string
		env    []string
		want   string
		wantOK bool
	}{
		{"linux", []string{"HOME", "/h"}, "/h/.local/state/acr-doctor", true},
		{"linux", []string{"XDG_STATE_HOME", "/s", "HOME", "/h"}, "/s/acr-doctor", true},
		{"linux", []string{"XDG_STATE_HOME", "s", "HOME", "/h"}, "/h/.local/state/acr-doctor", true},
		{"linux", []string{"HOME", "relative"}, "", false},
		{"freebsd", []string{"HOME", "/h"}, "/h/.local/state/acr-doctor", true},
		{"darwin", []string{"HOME", "/h"}, "/h/Library/Application Support/acr-doctor", true},
		{"ios", []string{"HOME", "/h"}, "/h/Library/Application Support/acr-doctor", true},
		{"darwin", []string{"HOME", "relative"}, "", false},
		{"darwin", []string{"XDG_STATE_HOME", "/s", "HOME", "/h"}, "/s/acr-doctor", true},
		{"windows", []string{"LocalAppData", "/appdata", "HOME", "/h"}, "/appdata/acr-doctor", true},
		// Windows has no fallback to HOME for its state directory.
		{"windows", []string{"HOME", "/h"}, "", false},
		{"windows", []string{"XDG_STATE_HOME", "/s", "LocalAppData", "/appdata"}, "/s/acr-doctor", true},
	}
	for _, tt := range tests {
		got, ok := dirOn(tt.goos, env(tt.env...))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("dirOn(%s, %q) = %q, %v; want %q, %v", tt.goos, tt.env, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestHomeOn: HOME as given wins; without it, Windows asks the system
// (USERPROFILE), Unix the password database; a relative path is none.
func TestHomeOn(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("os.UserHomeDir reads HOME here only on Unix")
	}
	sys := t.TempDir() // what os.UserHomeDir answers
	t.Setenv("HOME", sys)
	for _, goos := range []string{"linux", "darwin", "windows"} {
		if got := homeOn(goos, env("HOME", "/h")); got != "/h" {
			t.Errorf("homeOn(%s, HOME=/h) = %q", goos, got)
		}
		if got := homeOn(goos, env("HOME", "relative/h")); got != "" {
			t.Errorf("homeOn(%s, HOME=relative/h) = %q, want none", goos, got)
		}
	}
	if got := homeOn("windows", env()); got != sys {
		t.Errorf("homeOn(windows) without HOME = %q, want the system's %q", got, sys)
	}
	u, err := user.Current()
	if err != nil || !filepath.IsAbs(u.HomeDir) {
		t.Skipf("no password database entry: %v", err)
	}
	if got := homeOn("linux", env()); got != u.HomeDir {
		t.Errorf("homeOn(linux) without HOME = %q, want the password database's %q", got, u.HomeDir)
	}
	if got := Home(env()); got != u.HomeDir {
		t.Errorf("Home without HOME = %q, want %q", got, u.HomeDir)
	}
}

func TestSub(t *testing.T) {
	dir := t.TempDir()
	p, err := Sub(filepath.Join(dir, "state"), "configure")
	if err != nil || p != filepath.Join(dir, "state", "configure") {
		t.Fatalf("Sub = %q, %v", p, err)
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700) {
		t.Errorf("Sub made %v (%v), want a folder of mode 0700", fi, err)
	}
	if p2, err := Sub(filepath.Join(dir, "state"), "configure"); err != nil || p2 != p {
		t.Errorf("Sub of an existing folder = %q, %v", p2, err)
	}
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := Sub(blocked, "configure"); err == nil || p != "" {
		t.Errorf("Sub under a file = %q, %v; want an error", p, err)
	}
	// A folder of the state's that is a symbolic link is not written
	// through, by Sub or by a lock.
	elsewhere := t.TempDir()
	for _, name := range []string{"configure", "locks"} {
		os.Remove(filepath.Join(dir, "state", name))
		if err := os.Symlink(elsewhere, filepath.Join(dir, "state", name)); err != nil {
			if runtime.GOOS == "windows" {
				t.Skip("symbolic links need a privilege on Windows")
			}
			t.Fatal(err)
		}
	}
	if p, err := Sub(filepath.Join(dir, "state"), "configure"); err == nil || p != "" {
		t.Errorf("Sub through a link = %q, %v; want an error", p, err)
	}
	if unlock, err := LockWithin(filepath.Join(dir, "state", "locks", "x.lock"), time.Second); err == nil {
		unlock()
		t.Error("LockWithin took a lock through a linked folder")
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("written through the link: %v", entries)
	}
}

// TestLockWithinFree: a lock no one holds is taken at the first try,
// whatever the wait allowed, and one let go while waiting is taken then.
func TestLockWithinFree(t *testing.T) {
	name := filepath.Join(t.TempDir(), "locks", "a.lock")
	unlock, err := LockWithin(name, time.Nanosecond)
	if err != nil {
		t.Fatalf("a free lock: %v", err)
	}
	unlock()
	if runtime.GOOS == "windows" {
		return
	}
	hold, err := Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		hold()
	}()
	unlock, err = LockWithin(name, time.Minute)
	if err != nil {
		t.Fatalf("a lock let go while waiting: %v", err)
	}
	unlock()
}
