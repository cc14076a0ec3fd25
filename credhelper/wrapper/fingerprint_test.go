package wrapper

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
)

// TestJournalFingerprint: the first get that journals creates the
// installation's fingerprint key (mode 0600), and the journal names each
// secret under it, the same secret alike; a read-only get, or one with the
// journal off (off, or /dev/null), creates no key.
func TestJournalFingerprint(t *testing.T) {
	s := newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=fake")
	state := filepath.Join(s.dir, ".local", "state", "acr-doctor")
	for _, host := range []string{"a.azurecr.io", "b.azurecr.io"} {
		if r := s.run("acrdoctor", "store", creds(host, "admin", "password")); r.code != 0 {
			t.Fatal(r)
		}
	}
	for _, quiet := range []*sandbox{s.with("ACRDOCTOR_READ_ONLY=1"), s.with("ACRDOCTOR_JOURNAL=off"), s.with("ACRDOCTOR_JOURNAL=" + os.DevNull)} {
		if r := quiet.run("acrdoctor", "get", "a.azurecr.io"); r.code != 0 {
			t.Fatal(r)
		}
	}
	if _, err := os.Lstat(filepath.Join(state, fingerprint.File)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a get that journals nothing made the key: %v", err)
	}
	for _, host := range []string{"a.azurecr.io", "b.azurecr.io"} {
		if r := s.run("acrdoctor", "get", host); r.code != 0 {
			t.Fatal(r)
		}
	}
	key, err := fingerprint.Read(state)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(state, fingerprint.File)); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v", err)
	}
	es := s.entries()
	if len(es) != 2 {
		t.Fatalf("journal %+v", es)
	}
	for _, e := range es {
		if e.Fingerprint != key.Of("password") {
			t.Errorf("%s journalled as %q, want %q", e.Registry, e.Fingerprint, key.Of("password"))
		}
	}
}
