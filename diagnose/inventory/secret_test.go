package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// TestFailingHelperShowsNoSecret: a helper that prints its credential
// (on stdout or on stderr) and exits 1 gets a credential_store cause that
// says what it printed, without the secret, through the real exec of the
// helper; what creds prints in text, JSON and -D is this cause and the
// trace.
func TestFailingHelperShowsNoSecret(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell-script helpers")
	}
	const secret = "s3cr3t-from-a-leaky-helper"
	bin := t.TempDir()
	for name, redirect := range map[string]string{"leakout": "", "leakerr": " >&2"} {
		script := "#!/bin/sh\necho '{\"ServerURL\":\"myreg.azurecr.io\",\"Username\":\"admin\",\"Secret\":\"" + secret + "\"}'" + redirect + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-"+name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	var (
		mu     sync.Mutex // helpers run in parallel
		traced []string
	)
	store := &credstore.Store{
		Config: &credstore.Config{CredHelpers: map[string]string{"myreg.azurecr.io": "leakout", "other.azurecr.io": "leakerr"}},
		Trace: func(c credstore.Call) {
			mu.Lock()
			defer mu.Unlock()
			traced = append(traced, c.Err.Error())
		},
	}
	rep := Take(context.Background(), store, false, now)
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), secret) || strings.Contains(strings.Join(traced, "\n"), secret) {
		t.Errorf("the secret is reported:\n%s\n%s", out, traced)
	}
	if len(rep.Credentials) != 2 || len(traced) != 2 {
		t.Fatalf("credentials %+v, traced %q", rep.Credentials, traced)
	}
	for _, c := range rep.Credentials {
		if len(c.Causes) != 1 || c.Causes[0].ID != cause.CredentialStore || !strings.Contains(c.Causes[0].Evidence, `failed: {"ServerURL":"myreg.azurecr.io","Username":"admin"}`) {
			t.Errorf("%s: causes %+v", c.Registry, c.Causes)
		}
	}
}

// TestFingerprintKeyed: the report names a secret by its keyed
// fingerprint, the same for the same secret, never by its SHA-256. (That
// reading the key writes nothing is fingerprint's test, and e2e's.)
func TestFingerprintKeyed(t *testing.T) {
	a := Assess(file("a.azurecr.io", "a", "password", ""), now)
	b := Assess(file("b.azurecr.io", "b", "password", ""), now)
	c := Assess(file("c.azurecr.io", "c", "passw0rd", ""), now)
	if !regexp.MustCompile(`^hmac:[0-9a-f]{12}$`).MatchString(a.Fingerprint) {
		t.Errorf("fingerprint %q", a.Fingerprint)
	}
	if a.Fingerprint != b.Fingerprint || a.Fingerprint == c.Fingerprint {
		t.Errorf("fingerprints %q %q %q: the same secret must match itself only", a.Fingerprint, b.Fingerprint, c.Fingerprint)
	}
	sum := sha256.Sum256([]byte("password"))
	if strings.Contains(hex.EncodeToString(sum[:]), strings.TrimPrefix(a.Fingerprint, "hmac:")) {
		t.Errorf("fingerprint %q is the well-known SHA-256 of the password", a.Fingerprint)
	}
}

// TestUsernameThatIsTheSecret: a registry that takes its token as the
// username too (DigitalOcean's), or a username that is a named token, is
// not shown: creds would print in clear what its fingerprint hides.
func TestUsernameThatIsTheSecret(t *testing.T) {
	tok := "dop_v1_" + strings.Repeat("0a", 32)
	for _, e := range []credstore.Entry{
		{Registry: "registry.digitalocean.com", Username: tok, Password: tok},
		{Registry: "registry.digitalocean.com", Username: tok, Password: "other-password"},
		{Registry: "myreg.example.com", Username: "Sup3rS3cret9", Password: "Sup3rS3cret9"},
		{Registry: "myreg.example.com", Username: " Sup3rS3cret9", Password: "Sup3rS3cret9 "},
	} {
		c := Assess(e, time.Now())
		if c.Username != "<redacted>" {
			t.Errorf("%+v: username %q shown", e, c.Username)
		}
	}
	if c := Assess(credstore.Entry{Registry: "myreg.azurecr.io", Username: "myreg", Password: "Sup3rS3cret9"}, time.Now()); c.Username != "myreg" {
		t.Errorf("an admin user's name is hidden: %q", c.Username)
	}
}
