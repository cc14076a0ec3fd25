package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/journal"
)

// TestWrapperThroughDocker: with credsStore "acrdoctor" and pass as the
// backend, docker login stores through the wrapper into pass, the plugin
// reads it back through the wrapper, and docker logout erases it.
func TestWrapperThroughDocker(t *testing.T) {
	emu := startEmu(t, emuRegistry("wrapped.azurecr.io"))
	e := newEnv(t)
	e.withPass()
	e.useEmu(emu)
	if err := os.Symlink(helperBin, filepath.Join(e.binDir, "docker-credential-acrdoctor")); err != nil {
		t.Fatal(err)
	}
	journalPath := filepath.Join(t.TempDir(), "journal.jsonl")
	e.setenv("ACRDOCTOR_JOURNAL=" + journalPath)
	e.writeConfig(`{"auths": {"placeholder.invalid": {}}, "credsStore": "pass", "currentContext": "default"}`)
	original := readConfig(t, e)

	// configure shows the change, writes nothing without --yes off a terminal.
	if r := e.docker("acrdoctor", "configure", "--store"); r.code != 0 || !strings.Contains(r.stdout, `~ credsStore: "pass" → "acrdoctor"`) ||
		!strings.Contains(r.stdout, "Nothing written") || readConfig(t, e)["credsStore"] != "pass" {
		t.Fatalf("configure without --yes: %v", r)
	}
	if r := e.docker("acrdoctor", "configure", "--store", "--yes"); r.code != 0 {
		t.Fatalf("configure: %v", r)
	}
	cfg := readConfig(t, e)
	if cfg["credsStore"] != "acrdoctor" || cfg["currentContext"] != "default" ||
		cfg["plugins"].(map[string]any)["acrdoctor"].(map[string]any)["credential-backend"] != "pass" {
		t.Fatalf("configured config.json: %v", cfg)
	}

	if r := e.run(adminPassword, "docker", "login", "wrapped.azurecr.io", "-u", "wrapped", "--password-stdin"); r.code != 0 {
		t.Fatalf("docker login through the wrapper: %v", r)
	}
	if r := e.run("", "docker-credential-pass", "list"); !strings.Contains(r.stdout, "wrapped.azurecr.io") {
		t.Fatalf("pass does not hold the login: %v", r)
	}
	// docker login with no password reads the stored credential through
	// the wrapper's get (without a daemon it then stops short of logging in).
	if r := e.docker("login", "wrapped.azurecr.io"); !strings.Contains(r.stdout+r.stderr, "Authenticating with existing credentials") ||
		!strings.Contains(r.stdout+r.stderr, "Username: wrapped") {
		t.Errorf("docker login with stored credentials: %v", r)
	}
	got := decodeCreds(t, e.docker("acrdoctor", "creds", "--format", "json"))
	if len(got.Credentials) != 1 || got.Credentials[0].Source != "credsStore:acrdoctor" || got.Credentials[0].Kind != "admin_user" {
		t.Errorf("creds through the wrapper: %+v", got.Credentials)
	}
	entries, err := journal.Read(journalPath, time.Time{})
	if err != nil || len(entries) == 0 || entries[len(entries)-1].Registry != "wrapped.azurecr.io" || entries[len(entries)-1].Outcome != journal.Served {
		t.Errorf("journal = %+v, %v", entries, err)
	}
	if b, _ := os.ReadFile(journalPath); strings.Contains(string(b), adminPassword) {
		t.Error("the journal holds the password")
	}
	if r := e.docker("logout", "wrapped.azurecr.io"); r.code != 0 {
		t.Fatalf("docker logout: %v", r)
	}
	if r := e.run("", "docker-credential-pass", "list"); strings.Contains(r.stdout, "wrapped.azurecr.io") {
		t.Errorf("pass still holds the login after logout: %v", r)
	}
	if r := e.docker("acrdoctor", "configure", "--undo", "--yes"); r.code != 0 {
		t.Fatalf("configure --undo: %v", r)
	}
	if got := readConfig(t, e); got["credsStore"] != original["credsStore"] || got["plugins"] != nil {
		t.Errorf("--undo left %v, want %v", got, original)
	}
	// A config.json that cannot be read is never rewritten.
	e.writeConfig(`{"auths": {`)
	if r := e.docker("acrdoctor", "configure", "--store", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "not changing a config.json that cannot be read") {
		t.Errorf("configure over a broken config.json: %v", r)
	}
}
