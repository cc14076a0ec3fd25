package statedir

import (
	"errors"
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
