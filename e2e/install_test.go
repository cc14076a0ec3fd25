package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript: `make install` from this tree, twice, into a sandbox
// DOCKER_CONFIG, then --uninstall; and the message when Go is missing.
func TestInstallScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	plugins := filepath.Join(e.configDir, "cli-plugins")
	if err := os.Remove(filepath.Join(plugins, "docker-acrdoctor")); err != nil { // the suite's own link
		t.Fatal(err)
	}
	bindir := filepath.Join(t.TempDir(), "bin")
	e.setenv("BINDIR=" + bindir)
	script := filepath.Join(repoRoot, "install.sh")

	// Installed before into another BINDIR, as that install's manifest
	// records it (building twice more would only cost time), then here:
	// the first copies go.
	earlier := filepath.Join(t.TempDir(), "earlier-bin")
	var manifest []string
	for _, name := range []string{"acr-doctor", "docker-credential-acrdoctor"} {
		path := filepath.Join(earlier, name)
		if err := os.MkdirAll(earlier, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		manifest = append(manifest, path)
	}
	manifest = append(manifest, filepath.Join(plugins, "docker-acrdoctor"))
	if err := os.WriteFile(filepath.Join(plugins, ".acrdoctor-installed"), []byte(strings.Join(manifest, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		r := e.run("", script)
		if r.code != 0 || !strings.Contains(r.stdout, "installed "+filepath.Join(plugins, "docker-acrdoctor")) {
			t.Fatalf("install #%d: %v", i+1, r)
		}
	}
	if _, err := os.Stat(filepath.Join(earlier, "docker-credential-acrdoctor")); !os.IsNotExist(err) {
		t.Errorf("the earlier install's helper is still there: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(earlier, "acr-doctor")); !os.IsNotExist(err) {
		t.Errorf("the earlier install's link is still there: %v", err)
	}
	if r := e.docker("acrdoctor", "creds"); r.code != 0 || !strings.Contains(r.stdout, "No ACR credentials found") {
		t.Errorf("installed plugin: %v", r)
	}
	if r := e.run("", filepath.Join(bindir, "acr-doctor"), "creds", "--format", "json"); r.code != 0 || !strings.Contains(r.stdout, `"credentials": []`) {
		t.Errorf("standalone acr-doctor: %v", r)
	}
	if r := e.run("", filepath.Join(bindir, "docker-credential-acrdoctor"), "version"); r.code != 0 || !strings.Contains(r.stdout, "docker-credential-acrdoctor") {
		t.Errorf("credential helper: %v", r)
	}

	// Configure the wrapper over pass and the hooks, log in through them,
	// then uninstall: Docker must keep working, with the same credential.
	const host = "installed.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e.useEmu(emu)
	e.withPass()
	e.setenv("PATH=" + bindir + string(os.PathListSeparator) + e.binDir + string(os.PathListSeparator) + toolDir)
	e.writeConfig(`{"credsStore":"pass"}`)
	for _, args := range [][]string{{"--store"}, {"--hooks"}} {
		if r := e.docker(append([]string{"acrdoctor", "configure", "--yes"}, args...)...); r.code != 0 {
			t.Fatalf("configure %v: %v", args, r)
		}
	}
	if r := e.run(adminPassword, "docker", "login", host, "-u", "installed", "--password-stdin"); r.code != 0 {
		t.Fatalf("docker login through the wrapper: %v", r)
	}
	if r := e.docker("acrdoctor", "creds"); r.code != 0 || !strings.Contains(r.stdout, "credsStore:acrdoctor") {
		t.Fatalf("creds through the wrapper (which journals nothing for the doctor): %v", r)
	}
	state := filepath.Join(e.home(), ".local", "state", "acr-doctor")
	if _, err := os.Stat(filepath.Join(state, "configure")); err != nil {
		t.Fatalf("configure's records: %v", err)
	}

	// A credsStore changed by hand since: uninstall refuses, removes nothing.
	cfg := readConfig(t, e)
	e.writeConfig(strings.Replace(mustJSON(t, cfg), `"credsStore":"acrdoctor"`, `"credsStore":"desktop"`, 1))
	if r := e.run("", script, "--uninstall"); r.code == 0 || !strings.Contains(r.stderr+r.stdout, "changed since configure") {
		t.Errorf("uninstall over a changed config: %v", r)
	}
	if _, err := os.Stat(filepath.Join(bindir, "docker-credential-acrdoctor")); err != nil {
		t.Errorf("a refused uninstall removed the helper: %v", err)
	}
	e.writeConfig(mustJSON(t, cfg))

	r := e.run("", script, "--uninstall")
	if r.code != 0 {
		t.Fatalf("uninstall: %v", r)
	}
	for _, p := range []string{filepath.Join(plugins, "docker-acrdoctor"), filepath.Join(bindir, "acr-doctor"), filepath.Join(bindir, "docker-credential-acrdoctor"), filepath.Join(plugins, ".acrdoctor-installed"), state} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after --uninstall", p)
		}
	}
	after := readConfig(t, e)
	if after["credsStore"] != "pass" || after["plugins"] != nil || after["features"] != nil {
		t.Errorf("config.json after uninstall: %v", after)
	}
	if r := e.docker("login", host); !strings.Contains(r.stdout+r.stderr, "Username: installed") {
		t.Errorf("docker login after uninstall does not find the credential: %v", r)
	}
	if r := e.run(adminPassword, "docker", "login", host, "-u", "installed", "--password-stdin"); r.code != 0 {
		t.Errorf("docker login after uninstall: %v", r)
	}
	if r := e.run("", script, "--uninstall"); r.code != 0 || !strings.Contains(r.stdout, "Nothing to remove") {
		t.Errorf("second uninstall: %v", r)
	}
	if r := e.docker("acrdoctor", "creds"); r.code == 0 {
		t.Errorf("docker acrdoctor still runs after uninstall: %v", r)
	}

	// Without Go on PATH the script says what is missing.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	noGo := e.run("", bash, "-c", "PATH=/usr/bin:/bin exec "+script)
	if noGo.code == 0 || !strings.Contains(noGo.stderr, "Go 1.26.8 or newer is needed") {
		t.Errorf("install without Go: %v", noGo)
	}
}
