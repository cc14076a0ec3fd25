package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// snapshot is every file under root with its mode and a hash of its
// contents, for tests that prove a command wrote nothing.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h := sha256.Sum256(b)
			sum = hex.EncodeToString(h[:8])
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			sum, _ = os.Readlink(p)
		}
		files[strings.TrimPrefix(p, root)] = info.Mode().String() + " " + sum
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, v := range after {
		if before[p] != v {
			t.Errorf("%s changed %s: %q → %q", what, p, before[p], v)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s removed %s", what, p)
		}
	}
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestDiagnosisChangesNothing: with the wrapper configured in front of a
// backend that records every call, an expired ACR token stored, and an
// Azure identity at hand that could renew it, the offline commands make
// no request, and no command (the live check included) renews, stores,
// journals or writes a file. A docker pull afterwards does renew, which
// shows that the same setup would have.
func TestDiagnosisChangesNothing(t *testing.T) {
	t.Parallel()
	const host = "expired.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	e.useWrapper()
	e.setenv("AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+spApp, "AZURE_CLIENT_SECRET="+spSecret,
		"AZURE_AUTHORITY_HOST=https://"+acremu.AuthorityHost+"/")
	logFile := filepath.Join(t.TempDir(), "calls")
	e.fakeHelper("rec", filepath.Join(e.configDir, "..", "store"), logFile)
	e.writeConfig(`{"auths":{"` + host + `":{}},"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"rec"}}}`)
	expired := emu.RefreshToken(host, spApp, time.Now().Add(-5*time.Hour))
	if r := e.run(`{"ServerURL":"`+host+`","Username":"<token>","Secret":"`+expired+`"}`, "docker-credential-rec", "store"); r.code != 0 {
		t.Fatal(r)
	}
	os.Remove(logFile)
	root := filepath.Dir(e.configDir)
	before := snapshot(t, root)

	offline := []struct {
		stdin string
		args  []string
	}{
		{"", []string{"acrdoctor", "creds"}},
		{"", []string{"-D", "acrdoctor", "creds", "--format", "json"}},
		{"", []string{"acrdoctor", "check", "--offline"}},
		{"", []string{"acrdoctor", "check", "--offline", "--format", "json"}},
		{expired, []string{"acrdoctor", "token", "-"}},
		{"unauthorized: authentication required " + host, []string{"acrdoctor", "explain", "-"}},
	}
	for _, c := range offline {
		r := e.run(c.stdin, "docker", c.args...)
		if r.code != 0 && r.code != 1 {
			t.Errorf("%v: %v", c.args, r)
		}
		sameFiles(t, strings.Join(c.args, " "), before, snapshot(t, root))
		for _, h := range []string{host, acremu.AuthorityHost} {
			if n := len(emu.Requests(h)); n != 0 {
				t.Errorf("%v made %d requests to %s", c.args, n, h)
			}
		}
		for _, call := range readLines(t, logFile) {
			if call != "get" && call != "list" {
				t.Errorf("%v asked the backend to %s", c.args, call)
			}
		}
	}
	if calls := readLines(t, logFile); !slices.Contains(calls, "get") {
		t.Fatalf("the backend was never read (calls %v): the test proves nothing", calls)
	}

	// The live check talks to the registry, and nothing more.
	r := e.docker("acrdoctor", "check", host, "--format", "json", "--step-timeout", "3s")
	if r.code != 1 || !strings.Contains(r.stdout, "expired_credentials") {
		t.Errorf("check: %v", r)
	}
	sameFiles(t, "check", before, snapshot(t, root))
	if n := len(emu.Requests(acremu.AuthorityHost)); n != 0 {
		t.Errorf("check asked Azure AD %d times", n)
	}
	for _, q := range emu.Requests(host) {
		if q.Path == "/oauth2/exchange" {
			t.Error("check exchanged a token")
		}
	}
	for _, call := range readLines(t, logFile) {
		if call != "get" && call != "list" {
			t.Errorf("check asked the backend to %s", call)
		}
	}

	// The same setup renews for Docker itself.
	e.docker("pull", host+"/team/app:1")
	if calls := readLines(t, logFile); !slices.Contains(calls, "store") {
		t.Errorf("docker pull did not renew through the wrapper (backend calls %v)", calls)
	}
	if len(emu.Requests(acremu.AuthorityHost)) == 0 {
		t.Error("docker pull did not reach Azure AD")
	}
}

// TestWrapperBackends: docker login, pull, logout and login again through
// the wrapper, with each kind of backend it wraps: the real pass, and any
// docker-credential-NAME. No credential is lost on the way, and config.json
// gets only Docker's own empty entry.
func TestWrapperBackends(t *testing.T) {
	t.Parallel()
	const host = "wrapped.azurecr.io"
	for _, backend := range []string{"pass", "fake"} {
		t.Run(backend, func(t *testing.T) {
			emu := startEmu(t, emuRegistry(host))
			e := newEnv(t)
			e.useEmu(emu)
			e.useWrapper()
			if backend == "pass" {
				e.withPass()
			} else {
				e.fakeHelper("fake", filepath.Join(t.TempDir(), "store"), "")
			}
			e.writeConfig(`{"credsStore":"` + backend + `","currentContext":"default"}`)
			if r := e.docker("acrdoctor", "configure", "--store", "--yes"); r.code != 0 || !strings.Contains(r.stdout, `~ credsStore: "`+backend+`" → "acrdoctor"`) {
				t.Fatalf("configure: %v", r)
			}
			stored := func() bool {
				r := e.run("", "docker-credential-"+backend, "list")
				return strings.Contains(r.stdout, host)
			}
			for round := range 2 {
				if r := e.run(adminPassword, "docker", "login", host, "-u", "wrapped", "--password-stdin"); r.code != 0 || !strings.Contains(r.stdout, "Login Succeeded") {
					t.Fatalf("round %d: docker login: %v", round, r)
				}
				cfg := readConfig(t, e)
				if auths := cfg["auths"].(map[string]any); len(auths[host].(map[string]any)) != 0 {
					t.Errorf("round %d: config.json holds the credential itself: %v", round, auths)
				}
				if !stored() {
					t.Fatalf("round %d: the %s store does not hold the login", round, backend)
				}
				// With no password, docker login reads it back through the wrapper.
				if r := e.docker("login", host); !strings.Contains(r.stdout+r.stderr, "Username: wrapped") {
					t.Errorf("round %d: docker login with the stored credential: %v", round, r)
				}
				if r := e.docker("pull", host+"/team/app:1"); !strings.Contains(r.stderr, "Cannot connect to the Docker daemon") {
					t.Errorf("round %d: docker pull: %v", round, r)
				}
				got := decodeCreds(t, e.docker("acrdoctor", "creds", "--format", "json"))
				if len(got.Credentials) != 1 || got.Credentials[0].Kind != "admin_user" || got.Credentials[0].Source != "credsStore:acrdoctor" {
					t.Errorf("round %d: creds: %+v", round, got.Credentials)
				}
				if r := e.docker("logout", host); r.code != 0 {
					t.Fatalf("round %d: docker logout: %v", round, r)
				}
				if stored() {
					t.Errorf("round %d: logout left the credential in %s", round, backend)
				}
			}
			// Logged in again, then undone: Docker reads the same store.
			if r := e.run(adminPassword, "docker", "login", host, "-u", "wrapped", "--password-stdin"); r.code != 0 {
				t.Fatal(r)
			}
			if r := e.docker("acrdoctor", "configure", "--undo", "--yes"); r.code != 0 {
				t.Fatalf("undo: %v", r)
			}
			if cfg := readConfig(t, e); cfg["credsStore"] != backend || cfg["currentContext"] != "default" || cfg["plugins"] != nil {
				t.Errorf("after undo: %v", cfg)
			}
			if r := e.docker("login", host); !strings.Contains(r.stdout+r.stderr, "Username: wrapped") {
				t.Errorf("docker login after undo: %v", r)
			}
		})
	}
}

// TestWrapperConfigFlag: `docker --config DIR login` through the wrapper
// stores into DIR's backend and writes nothing into $DOCKER_CONFIG.
func TestWrapperConfigFlag(t *testing.T) {
	t.Parallel()
	const host = "cireg.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	e.useWrapper()
	homeStore, ciStore := filepath.Join(t.TempDir(), "home-store"), filepath.Join(t.TempDir(), "ci-store")
	e.fakeHelper("homestore", homeStore, "")
	e.fakeHelper("cistore", ciStore, "")
	const home = `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"homestore"}}}`
	e.writeConfig(home)
	ci := filepath.Join(t.TempDir(), "ci-config")
	if err := os.MkdirAll(filepath.Join(ci, "cli-plugins"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ci, "config.json"), []byte(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"cistore"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run(adminPassword, "docker", "--config", ci, "login", host, "-u", "cireg", "--password-stdin"); r.code != 0 {
		t.Fatalf("docker --config login: %v", r)
	}
	if !strings.Contains(readDir(ciStore), ".json") || strings.Contains(readDir(homeStore), ".json") {
		t.Errorf("the login went to the wrong store: ci %q, home %q", readDir(ciStore), readDir(homeStore))
	}
	if b, _ := os.ReadFile(filepath.Join(e.configDir, "config.json")); string(b) != home {
		t.Errorf("$DOCKER_CONFIG/config.json changed: %s", b)
	}
}

func readDir(dir string) string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// TestConfigureUndoKeepsLogins: configure, then a real docker login that
// rewrites config.json, then undo: the login's entry stays; a second undo
// has nothing left; a config.json holding null is refused in one line.
func TestConfigureUndoKeepsLogins(t *testing.T) {
	t.Parallel()
	const host = "keep.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	e.useWrapper()
	e.fakeHelper("fake", filepath.Join(t.TempDir(), "store"), "")
	const original = `{"auths":{"configured.azurecr.io":{}},"credsStore":"fake"}`
	e.writeConfig(original)
	// Off a terminal, without --yes: the preview, and nothing written.
	if r := e.docker("acrdoctor", "configure"); r.code != 0 || !strings.Contains(r.stdout, "Nothing written") {
		t.Fatalf("configure without --yes: %v", r)
	}
	if b, _ := os.ReadFile(filepath.Join(e.configDir, "config.json")); string(b) != original {
		t.Fatalf("written without --yes: %s", b)
	}
	if r := e.docker("acrdoctor", "configure", "--yes"); r.code != 0 || !strings.Contains(r.stdout, `+ credHelpers.configured.azurecr.io: "acrdoctor"`) {
		t.Fatalf("configure: %v", r)
	}
	if r := e.run(adminPassword, "docker", "login", host, "-u", "keep", "--password-stdin"); r.code != 0 {
		t.Fatalf("docker login: %v", r)
	}
	if r := e.docker("acrdoctor", "configure", "--undo", "--yes"); r.code != 0 || !strings.Contains(r.stdout, `- credHelpers.configured.azurecr.io: "acrdoctor"`) {
		t.Fatalf("undo: %v", r)
	}
	cfg := readConfig(t, e)
	if _, ok := cfg["auths"].(map[string]any)[host]; !ok || cfg["credHelpers"] != nil || cfg["credsStore"] != "fake" {
		t.Errorf("after undo: %v", cfg)
	}
	if r := e.docker("acrdoctor", "configure", "--undo", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "nothing to undo") {
		t.Errorf("second undo: %v", r)
	}
	// Wrapped with no run to undo (a login running during an undo writes
	// its copy back): --undo says so, --force sends it back.
	e.writeConfig(`{"auths":{"keep.azurecr.io":{}},"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`)
	if r := e.docker("acrdoctor", "configure", "--undo", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "still sends credsStore to docker-credential-acrdoctor") {
		t.Errorf("undo of an unrecorded wrap: %v", r)
	}
	if r := e.docker("acrdoctor", "configure", "--undo", "--force", "--yes"); r.code != 0 {
		t.Errorf("undo --force of an unrecorded wrap: %v", r)
	}
	if cfg := readConfig(t, e); cfg["credsStore"] != "fake" || cfg["plugins"] != nil {
		t.Errorf("after undo --force: %v", cfg)
	}
	for _, raw := range []string{"null", "[]", "7", "", `{"auths": {`} {
		e.writeConfig(raw)
		r := e.docker("acrdoctor", "configure", "--store", "--yes")
		// Docker itself warns about the file first; the tool says one line.
		if r.code != 2 || strings.Count(r.stderr, "acrdoctor: ") != 1 || strings.Contains(r.stderr, "panic") {
			t.Errorf("config.json %q: %v", raw, r)
		}
		if b, _ := os.ReadFile(filepath.Join(e.configDir, "config.json")); string(b) != raw {
			t.Errorf("config.json %q was rewritten: %q", raw, b)
		}
	}
}

// TestUninstallRecovers: the uninstall finds configure's runs however the
// config folder is named, refuses (changing nothing) what it cannot undo
// safely, and with --force still leaves Docker working: a config wrapped
// by hand goes back to its backend, an unreadable one is left alone.
func TestUninstallRecovers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.useWrapper()
	e.fakeHelper("fake", filepath.Join(t.TempDir(), "store"), "")
	// DOCKER_CONFIG through a link, as dotfile managers set it up.
	link := filepath.Join(t.TempDir(), "docker-link")
	if err := os.Symlink(e.configDir, link); err != nil {
		t.Fatal(err)
	}
	e.setenv("DOCKER_CONFIG=" + link)
	e.writeConfig(`{"credsStore":"fake"}`)
	if r := e.docker("acrdoctor", "configure", "--store", "--yes"); r.code != 0 {
		t.Fatalf("configure: %v", r)
	}
	// Another config, configured, then broken.
	other := filepath.Join(t.TempDir(), "other")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "config.json"), []byte(`{"credsStore":"fake"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", pluginBin, "--config", other, "configure", "--hooks", "--yes"); r.code != 0 {
		t.Fatalf("configure --config: %v", r)
	}
	if err := os.WriteFile(filepath.Join(other, "config.json"), []byte(`{"credsStore":"fake",}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// A third, wrapped by hand: no run explains it.
	byHand := filepath.Join(t.TempDir(), "by-hand")
	if err := os.MkdirAll(byHand, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(byHand, "config.json"), []byte(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", pluginBin, "--config", byHand, "configure", "--hooks", "--yes"); r.code != 0 {
		t.Fatalf("configure --config by-hand: %v", r)
	}
	state := filepath.Join(e.home(), ".local", "state", "acr-doctor")
	before := snapshot(t, filepath.Dir(e.configDir))
	r := e.run("", pluginBin, "uninstall", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "cannot revert the configure of "+filepath.Join(other, "config.json")) {
		t.Errorf("uninstall over an unreadable config: %v", r)
	}
	sameFiles(t, "a refused uninstall", before, snapshot(t, filepath.Dir(e.configDir)))
	if r := e.run("", pluginBin, "uninstall", "--yes", "--force"); r.code != 0 || !strings.Contains(r.stdout, "left alone: ") || !strings.Contains(r.stdout, "unwrapped "+filepath.Join(byHand, "config.json")) {
		t.Fatalf("uninstall --force: %v", r)
	}
	if cfg := readConfig(t, e); cfg["credsStore"] != "fake" || cfg["plugins"] != nil {
		t.Errorf("the linked config after uninstall: %v", cfg)
	}
	if b, _ := os.ReadFile(filepath.Join(byHand, "config.json")); !strings.Contains(string(b), `"credsStore": "fake"`) || strings.Contains(string(b), "acrdoctor") {
		t.Errorf("the config wrapped by hand: %s", b)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state left: %v", err)
	}
}

// TestConfigureNamesDockersDefault: with no config.json, Docker keeps
// credentials in its platform default (pass); configure finds the ACR ones
// there, and names pass in credsStore so that every other registry stays
// in it; a word that is not a registry is refused.
func TestConfigureNamesDockersDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.useWrapper()
	e.withPass()
	e.passStore("found.azurecr.io", "found", "a-password")
	e.passStore("other.example.com", "other", "another-password")
	os.Remove(filepath.Join(e.configDir, "config.json"))
	r := e.docker("acrdoctor", "configure", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, `+ credHelpers.found.azurecr.io: "acrdoctor"`) || !strings.Contains(r.stdout, `+ credsStore: "pass"`) {
		t.Fatalf("configure: %v", r)
	}
	got := decodeCreds(t, e.docker("acrdoctor", "creds", "--all", "--format", "json"))
	if len(got.Credentials) != 2 {
		t.Errorf("after configure, Docker sees %+v", got.Credentials)
	}
	for _, bad := range []string{"", "foo bar", "-x"} {
		if r := e.docker("acrdoctor", "configure", "--yes", "--", bad); r.code != 2 || !strings.Contains(r.stderr, "is not a registry") {
			t.Errorf("configure %q: %v", bad, r)
		}
	}
}

// TestConfigurePrompt: on a terminal, configure asks once, and writes
// only after a yes.
func TestConfigurePrompt(t *testing.T) {
	t.Parallel()
	requireTool(t, "script")
	e := newEnv(t)
	e.useWrapper()
	e.fakeHelper("fake", filepath.Join(t.TempDir(), "store"), "")
	const original = `{"credsStore":"fake"}`
	e.writeConfig(original)
	for _, tc := range []struct {
		answer  string
		written bool
	}{{"\n", false}, {"no\n", false}, {"y\n", true}} {
		r := e.run(tc.answer, "script", "-qec", "docker acrdoctor configure --store", "/dev/null")
		if !strings.Contains(r.stdout, "Apply? [y/N]") {
			t.Errorf("answer %q: no question asked: %v", tc.answer, r)
		}
		b, _ := os.ReadFile(filepath.Join(e.configDir, "config.json"))
		if written := string(b) != original; written != tc.written {
			t.Errorf("answer %q: written %v: %s\n%v", tc.answer, written, b, r)
		}
	}
}

// TestUninstallAfterFix: a registry fix sent to the wrapper is no
// configure run: uninstall refuses it, and says how to take it back
// (found by a newcomer trial).
func TestUninstallAfterFix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.useWrapper()
	e.fakeHelper("fake", filepath.Join(t.TempDir(), "store"), "")
	e.writeConfig(`{"credsStore":"fake","credHelpers":{"myreg.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"fake"}}}`)
	if r := e.run("", pluginBin, "uninstall", "--yes"); r.code != 2 || !strings.Contains(r.stderr, "fix --undo --yes") {
		t.Errorf("uninstall over a wrap fix made: %v", r)
	}
}
