package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// TestToolsAll: one registry, logged in to by Docker, by Skopeo (Podman's
// library and files; the real skopeo when installed, else its file as it
// writes it), by Helm and by regctl, each in its own file. creds --tool
// all reports each, tagged with its tool and file, and finds the stale
// token in Podman's; check --tool podman replays Podman's credential.
func TestToolsAll(t *testing.T) {
	t.Parallel()
	const host = "toolsreg.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	home := e.home()
	runtimeDir := filepath.Join(filepath.Dir(home), "run")
	if err := os.MkdirAll(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	e.setenv("XDG_RUNTIME_DIR=" + runtimeDir)
	// Docker in its default folder, ~/.docker, with the plugin there: a
	// DOCKER_CONFIG would also be Podman's auth file (containers/common's
	// default --authfile), which is TestFiles' case.
	dockerDir := filepath.Join(home, ".docker")
	if err := os.MkdirAll(filepath.Join(dockerDir, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pluginBin, filepath.Join(dockerDir, "cli-plugins", "docker-acrdoctor")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dockerDir, "config.json"), emptyConfig)
	run := func(stdin string, args ...string) result {
		return e.run(stdin, "env", append([]string{"-u", "DOCKER_CONFIG"}, args...)...)
	}
	if r := run(adminPassword, "docker", "login", host, "-u", "toolsreg", "--password-stdin"); r.code != 0 {
		t.Fatalf("docker login: %v", r)
	}
	podmanFile := filepath.Join(runtimeDir, "containers", "auth.json")
	stale := emu.RefreshToken(host, user, time.Now().Add(-5*time.Hour))
	if _, err := os.Stat(toolDir + "/skopeo"); err == nil {
		r := run(adminPassword, "skopeo", "login", "--password-stdin", "-u", "toolsreg", host)
		if r.code != 0 {
			t.Fatalf("skopeo login: %v", r)
		}
		// An expired refresh token, where Skopeo keeps one.
		var doc map[string]map[string]map[string]string
		data, _ := os.ReadFile(podmanFile)
		if err := json.Unmarshal(data, &doc); err != nil || doc["auths"][host]["auth"] == "" {
			t.Fatalf("skopeo's file: %s", data)
		}
		doc["auths"][host] = map[string]string{"auth": b64(nullGUID + ":"), "identitytoken": stale}
		data, _ = json.Marshal(doc)
		if err := os.WriteFile(podmanFile, data, 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		writeFile(t, podmanFile, `{"auths":{"`+host+`":{"auth":"`+b64(nullGUID+":")+`","identitytoken":"`+stale+`"}}}`)
	}
	helmFile := filepath.Join(home, ".config", "helm", "registry", "config.json")
	writeFile(t, helmFile, `{"auths":{"`+host+`":{"auth":"`+b64("toolsreg:"+adminPassword)+`"}}}`)
	regctlFile := filepath.Join(home, ".regctl", "config.json")
	writeFile(t, regctlFile, `{"hosts":{"`+host+`":{"user":"toolsreg","pass":"`+adminPassword+`","tls":"enabled"}}}`)

	r := run("", "docker", "acrdoctor", "creds", "--tool", "all", "--format", "json")
	if r.code != 1 { // Podman's token has expired
		t.Fatalf("creds --tool all: %v", r)
	}
	var got struct {
		Credentials []struct {
			Registry, Tool, File, Kind string
			Shadowed                   []string
			Causes                     []struct{ ID string }
		}
		Files []struct{ Tool, File, Error string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, c := range got.Credentials {
		if c.Registry != host {
			continue
		}
		var ids []string
		for _, x := range c.Causes {
			ids = append(ids, x.ID)
		}
		seen[c.Tool+" "+c.File] = c.Kind + " " + strings.Join(ids, ",")
		// Podman reads its own file first: Docker's, after it, is not
		// read for this registry.
		if c.Tool == "podman" && c.File == podmanFile && !slices.Equal(c.Shadowed, []string{filepath.Join(dockerDir, "config.json")}) {
			t.Errorf("podman's entry: shadowed %v", c.Shadowed)
		}
	}
	want := map[string]string{
		"docker " + filepath.Join(dockerDir, "config.json"): "admin_user ",
		"podman " + podmanFile:                              "refresh_token expired_credentials",
		// Podman reads Docker's file too, after its own.
		"podman " + filepath.Join(dockerDir, "config.json"): "admin_user ",
		"helm " + helmFile:     "admin_user ",
		"regctl " + regctlFile: "admin_user ",
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, seen[k], v, seen)
		}
	}
	for _, args := range [][]string{
		{"docker", "acrdoctor", "creds", "--tool", "all"},
		{"docker", "acrdoctor", "check", "--tool", "all", "--step-timeout", "5s"},
		{"docker", "-D", "acrdoctor", "creds", "--tool", "all"},
	} {
		r := run("", args...)
		if r.code != 1 || !strings.Contains(r.stdout, "podman "+podmanFile) {
			t.Errorf("%v: %v", args, r)
		}
		// Which of Podman's files it reads for the registry, in text too.
		if args[2] == "check" && !strings.Contains(r.stdout, "note: "+host+": podman reads "+podmanFile+"; also stored in "+filepath.Join(dockerDir, "config.json")) {
			t.Errorf("%v does not say which file Podman reads: %s", args, r.stdout)
		}
		for _, s := range []string{adminPassword, stale} {
			for _, piece := range secretPieces(s) {
				if strings.Contains(r.stdout+r.stderr, piece) {
					t.Errorf("%v printed a secret", args)
				}
			}
		}
	}

	// The live check replays Podman's own credential: its expired token.
	r = run("", "docker", "acrdoctor", "check", "--tool", "podman", "--format", "json", "--step-timeout", "5s")
	var chk struct {
		Registries []struct {
			Healthy    bool
			Credential struct{ Tool, File string }
			Causes     []struct {
				ID          string
				Remediation []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &chk); err != nil || len(chk.Registries) == 0 {
		t.Fatalf("check --tool podman: %v", r)
	}
	reg := chk.Registries[0]
	if reg.Healthy || reg.Credential.File != podmanFile || reg.Causes[0].ID != "expired_credentials" {
		t.Errorf("podman's registry: %+v", reg)
	}
	// Its fixes are Podman's commands, not Docker's.
	fix := strings.Join(reg.Causes[0].Remediation, "\n")
	if !strings.Contains(fix, "DOCKER_COMMAND=podman az acr login -n toolsreg") || strings.Contains(fix, "docker log") {
		t.Errorf("podman's fix:\n%s", fix)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFixTools: fix --tool all repairs each tool's own file: it renews the
// expired token in Podman's and logs Helm out of a credential the registry
// refuses where anonymous pull works, each with that tool's commands by
// hand; it leaves regctl's file, which it does not write, saying so. The
// check of each passes after, and one --undo, of Podman's files, takes the
// whole run back.
func TestFixTools(t *testing.T) {
	t.Parallel()
	const host = "toolfix.azurecr.io"
	reg := emuRegistry(host)
	reg.AnonymousPull = true
	reg.ServicePrincipals[spApp] = acremu.Principal{Secret: spSecret, Actions: []string{"pull"}}
	emu := startEmu(t, reg)
	e := newEnv(t)
	e.useEmu(emu)
	e.writeConfig(emptyConfig)
	dir := t.TempDir()
	podmanFile, helmFile, regctlFile := filepath.Join(dir, "auth.json"), filepath.Join(dir, "helm.json"), filepath.Join(dir, "regctl.json")
	e.setenv("REGISTRY_AUTH_FILE="+podmanFile, "HELM_REGISTRY_CONFIG="+helmFile, "REGCTL_CONFIG="+regctlFile,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	expired := emu.RefreshToken(host, spApp, time.Now().Add(-5*time.Hour))
	writeFile(t, podmanFile, `{"auths":{"`+host+`":{"auth":"`+b64(nullGUID+":")+`","identitytoken":"`+expired+`"}}}`)
	writeFile(t, helmFile, `{"auths":{"`+host+`":{"auth":"`+b64("toolfix:wrong-password")+`"}}}`)
	writeFile(t, regctlFile, `{"hosts":{"`+host+`":{"user":"toolfix","pass":"wrong-password"}}}`)
	// What the files hold, whatever their layout.
	files := func() string {
		var b strings.Builder
		for _, f := range []string{podmanFile, helmFile, regctlFile} {
			var v any
			data, _ := os.ReadFile(f)
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			data, _ = json.Marshal(v)
			b.Write(append(data, '\n'))
		}
		return b.String()
	}
	healthy := func(tool string) bool {
		r := e.docker("acrdoctor", "check", host, "--tool", tool, "--format", "json", "--step-timeout", "5s")
		var got checkJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Registries) != 1 {
			t.Fatalf("check --tool %s: %v", tool, r)
		}
		return got.Registries[0].Healthy
	}
	if healthy("podman") || healthy("helm") {
		t.Fatal("before: a tool's registry is healthy")
	}
	before := files()
	if r := e.docker("acrdoctor", "fix", "--tool", "all"); r.code != 1 || files() != before {
		t.Fatalf("fix off a terminal without --yes changed a file, or exited %d: %v", r.code, r)
	}
	e.setenv("AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+spApp, "AZURE_CLIENT_SECRET="+spSecret,
		"AZURE_AUTHORITY_HOST=https://"+acremu.AuthorityHost+"/")
	// regctl's own file still fails after: fix exits 1, as check does.
	r := e.docker("acrdoctor", "fix", "--tool", "all", "--yes")
	if r.code != 1 {
		t.Errorf("fix --tool all --yes exited %d, want 1 (regctl's registry still fails)", r.code)
	}
	for _, want := range []string{
		"podman " + podmanFile, "renew the ACR refresh token under " + host + ", in " + podmanFile,
		"by hand: DOCKER_COMMAND=podman az acr login -n toolfix",
		"helm " + helmFile, "log Helm out of " + host, "by hand: helm registry logout " + host,
		"regctl " + regctlFile, "regctl's own format, which fix does not write", host + ": fails: ",
		host + " (podman, " + podmanFile + "): ", host + " (helm, " + helmFile + "): ",
		"Undo with: docker acrdoctor fix --undo --tool all",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("fix --tool all --yes: no %q in:\n%s", want, r.stdout)
		}
	}
	if !healthy("podman") || !healthy("helm") {
		t.Fatalf("after: a tool's registry still fails: %v", r)
	}
	if data, _ := os.ReadFile(regctlFile); !strings.Contains(string(data), "wrong-password") {
		t.Errorf("regctl's file changed: %s", data)
	}
	assertNoSecrets(t, e, []string{expired, spSecret, "wrong-password"}, [][]string{{"acrdoctor", "fix", "--tool", "all"}})
	// The undo of any of its files takes the whole run back.
	if r := e.docker("acrdoctor", "fix", "--undo", "--tool", "podman", "--yes"); r.code != 0 || files() != before {
		t.Fatalf("fix --undo --tool podman did not bring every file back: %v\n%s", r, files())
	}
	if r := e.docker("acrdoctor", "fix", "--undo", "--tool", "all", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "nothing to undo") {
		t.Fatalf("a second undo: %v", r)
	}
}

// TestFixToolsSharedFile: Podman reads Docker's config.json too (here as
// $DOCKER_CONFIG/config.json, its default auth file then): fix --tool all
// repairs it once, as Docker's, and says so under Podman's.
func TestFixToolsSharedFile(t *testing.T) {
	t.Parallel()
	const host = "sharedfix.azurecr.io"
	e, dir := anonymousPullEnv(t, host)
	e.setenv("XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_RUNTIME_DIR="+filepath.Join(dir, "run"))
	e.holdIn("file", host, "sharedfix", "wrong-password")
	r := e.docker("acrdoctor", "fix", "--tool", "all", "--yes")
	if r.code != 0 || strings.Count(r.stdout, "log Docker out of "+host) != 1 || strings.Contains(r.stdout, "log Podman out") ||
		!strings.Contains(r.stdout, "left alone: the file docker reads too: repaired as docker's, above") {
		t.Fatalf("fix --tool all --yes: %v", r)
	}
	if got := e.checkOne(host, "after"); !got.Healthy {
		t.Fatalf("after: %+v", got)
	}
}

// TestFixToolsSharedStore: where Docker's config.json names a credsStore,
// Docker reads that store and Podman the file's auths: the same file is
// two stores, each repaired as its tool reads it.
func TestFixToolsSharedStore(t *testing.T) {
	t.Parallel()
	const host = "storefix.azurecr.io"
	e, dir := anonymousPullEnv(t, host)
	e.fakeHelper("empty", filepath.Join(dir, "store"), filepath.Join(dir, "log"))
	if err := os.MkdirAll(filepath.Join(dir, "store"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeJSONConfig(t, e, map[string]any{"credsStore": "empty", "auths": map[string]any{host: map[string]any{"auth": b64("storefix:wrong-password")}}})
	r := e.docker("acrdoctor", "fix", "--tool", "all", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "log Podman out of "+host) || strings.Contains(r.stdout, "left alone: the file docker reads too") {
		t.Fatalf("fix --tool all --yes: %v", r)
	}
	if r := e.docker("acrdoctor", "check", host, "--tool", "podman", "--format", "json", "--step-timeout", "5s"); r.code != 0 {
		t.Fatalf("check --tool podman after: %v", r)
	}
}

// anonymousPullEnv is a sandbox with host, a registry that allows
// anonymous pull, and no Helm or regctl file; dir is a folder of its own.
func anonymousPullEnv(t *testing.T, host string) (*env, string) {
	reg := emuRegistry(host)
	reg.AnonymousPull = true
	emu := startEmu(t, reg)
	e := newEnv(t)
	e.useEmu(emu)
	dir := t.TempDir()
	e.setenv("HELM_REGISTRY_CONFIG="+filepath.Join(dir, "none.json"), "REGCTL_CONFIG="+filepath.Join(dir, "none.json"))
	return e, dir
}
