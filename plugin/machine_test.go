package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/docker/cli/cli/config"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// TestMachine: what explain learns from this machine's store for a
// registry a text names: an expired token, an upper-case key Docker
// misses, a broken helper (only when helpers may run), nothing for a
// registry it does not hold; and nothing is written.
func TestMachine(t *testing.T) {
	dir := t.TempDir()
	expired := tokentest.Default().Sign(tokentest.ACRRefresh("expired.azurecr.io", "alice@contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", time.Now().Add(-5*time.Hour)))
	cfg := `{
		"auths": {
			"expired.azurecr.io": {"username": "00000000-0000-0000-0000-000000000000", "identitytoken": "` + expired + `"},
			"MyUpper.azurecr.io": {"auth": "` + b64("myupper:pw") + `"},
			"finereg.azurecr.io": {"auth": "` + b64("finereg:pw") + `"}
		},
		"credHelpers": {"broken.azurecr.io": "missing-helper"}
	}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	t.Setenv("ACRDOCTOR_JOURNAL", "off")
	t.Setenv("PATH", t.TempDir())

	tests := []struct {
		host    string
		helpers bool
		found   bool
		cause   cause.ID // "" for none
	}{
		{"expired.azurecr.io", true, true, cause.ExpiredCredentials},
		{"https://expired.azurecr.io/v2/", false, true, cause.ExpiredCredentials},
		{"myupper.azurecr.io", false, true, cause.RegistryName},
		{"finereg.azurecr.io", false, true, ""},
		{"broken.azurecr.io", true, true, cause.CredentialStore},
		{"broken.azurecr.io", false, false, ""},
		{"other.azurecr.io", true, false, ""},
	}
	for _, tt := range tests {
		m := newMachine(tt.helpers, 2*time.Second)
		c, ok := m.Credential(tt.host)
		ids := []cause.ID{}
		for _, x := range c.Causes {
			ids = append(ids, x.ID)
		}
		if ok != tt.found || (tt.cause != "" && !slices.Contains(ids, tt.cause)) || (tt.cause == "" && len(ids) > 0) {
			t.Errorf("Credential(%q), helpers %v = %v, causes %v; want %v, %q", tt.host, tt.helpers, ok, ids, tt.found, tt.cause)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the config folder holds %d files after reading, want config.json alone", len(ents))
	}

	// A config.json that names no store: Docker would pick one (pass here,
	// found on PATH and broken), but nothing was ever stored through it,
	// so a registry the text names has nothing on this machine. A store
	// config.json names is asked.
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "pass"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-pass"), []byte("#!/bin/sh\necho 'pass not initialized' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	for _, tc := range []struct {
		config string
		found  bool
	}{
		{`{}`, false},
		{`{"credsStore": "pass"}`, true},
	} {
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok := newMachine(true, 2*time.Second).Credential("myreg.azurecr.io"); ok != tc.found {
			t.Errorf("%s: Credential found %v, want %v", tc.config, ok, tc.found)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestMachineHungHelper: a helper that does not answer the doctor in its
// time tells nothing of a pasted failure (Docker would have hung on it):
// the machine knows nothing of that registry.
func TestMachineHungHelper(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-slow"), []byte("#!/bin/sh\nsleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"credsStore": "slow"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	t.Setenv("ACRDOCTOR_JOURNAL", "off")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if c, ok := newMachine(true, 300*time.Millisecond).Credential("myreg.azurecr.io"); ok {
		t.Errorf("Credential = %+v, found; want nothing known", c)
	}
}

// TestMachineJournal: the journal's last get speaks of a registry only
// where the wrapper serves it (the journal is the wrapper's), and only of
// the secret it serves now.
func TestMachineJournal(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	helper := "#!/bin/sh\ncat >/dev/null\necho '{\"ServerURL\":\"x\",\"Username\":\"someone\",\"Secret\":\"pw-now\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-acrdoctor"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `{"auths": {"file.azurecr.io": {"auth": "` + b64("file:pw") + `"}},
		"credHelpers": {"wrapped.azurecr.io": "acrdoctor", "replaced.azurecr.io": "acrdoctor"}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	exp := time.Now().Add(-2 * time.Hour)
	for host, fp := range map[string]string{"file.azurecr.io": "", "wrapped.azurecr.io": "", "replaced.azurecr.io": "hmac:000000000000"} {
		e := journal.Entry{Time: exp.Add(time.Hour), Registry: host, Kind: "refresh_token", ExpiresAt: &exp, Outcome: journal.Expired, Backend: "pass", Fingerprint: fp}
		if err := journal.Append(path, e); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DOCKER_CONFIG", dir)
	prev := config.Dir() // read once per process
	config.SetDir(dir)
	t.Cleanup(func() { config.SetDir(prev) })
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	t.Setenv("ACRDOCTOR_JOURNAL", path)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("PATH", bin)
	m := newMachine(true, 5*time.Second)
	for host, want := range map[string]bool{"file.azurecr.io": false, "wrapped.azurecr.io": true, "replaced.azurecr.io": false} {
		c, ok := m.Credential(host)
		if got := hasCause(c.Causes, cause.ExpiredCredentials); !ok || got != want {
			t.Errorf("Credential(%s) = %v, expired from the journal %v; want %v", host, ok, got, want)
		}
	}
}
