// Package e2e runs the built plugin through the real docker client, with
// real credential helpers (docker-credential-pass over a throwaway GPG key),
// in temporary DOCKER_CONFIG folders. Nothing here touches the user's own
// Docker config or reaches past loopback.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/internal/hermetic"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

var (
	pluginBin string // the built docker-acrdoctor
	helperBin string // the built docker-credential-acrdoctor
	fakeBin   string // credhelper's test helper: a store in files, FAKE_STORE, FAKE_LOG
	repoRoot  string
	goEnv     []string // the caches go uses here, kept when HOME moves
	toolDir   string   // the machine's programs, but az and credential helpers
	names     *hermetic.Resolver
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Dir(filepath.Dir(file))
	tmp, err := os.MkdirTemp("", "acrdoctor-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	pluginBin = filepath.Join(tmp, testbin.Plugin)
	if toolDir, err = hermetic.Tools(filepath.Join(tmp, "tools")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if names, err = hermetic.NewResolver(filepath.Join(tmp, "names")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if !names.Isolated() {
		fmt.Fprintln(os.Stderr, "e2e: no mount namespace to be had (unshare, user namespaces): docker resolves the emulated names with the machine's /etc/hosts and DNS")
	}
	for _, v := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS", "GOTOOLCHAIN"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go env:", err)
			return 1
		}
		goEnv = append(goEnv, v+"="+strings.TrimSpace(string(out)))
	}
	if err := testbin.Install(tmp, testbin.Plugin, testbin.Helper, testbin.Fake); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	helperBin, fakeBin = filepath.Join(tmp, testbin.Helper), filepath.Join(tmp, testbin.Fake)
	return m.Run()
}

// requireTool fails the test when a tool the e2e suite depends on is missing:
// .ci/run installs them, so a missing one is a broken setup, not a skip.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (.ci/run installs it): %v", name, err)
	}
	return path
}

// env is a sandbox: its own DOCKER_CONFIG with the plugin installed, HOME,
// a PATH of the machine's tools but az and credential helpers, with its own
// folder first for the helpers a test installs, and (when asked) a pass
// store. Nothing of the caller's environment comes in.
type env struct {
	t         *testing.T
	configDir string
	binDir    string // fake credential helpers
	vars      []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	requireTool(t, "docker")
	root := t.TempDir()
	e := &env{t: t, configDir: filepath.Join(root, "docker"), binDir: filepath.Join(root, "bin")}
	for _, d := range []string{filepath.Join(e.configDir, "cli-plugins"), e.binDir, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(pluginBin, filepath.Join(e.configDir, "cli-plugins", "docker-acrdoctor")); err != nil {
		t.Fatal(err)
	}
	e.vars = []string{
		"DOCKER_CONFIG=" + e.configDir,
		"HOME=" + filepath.Join(root, "home"),
		"PATH=" + e.binDir + string(os.PathListSeparator) + toolDir,
		"NO_COLOR=1",
		"DOCKER_CLI_HINTS=false",
		"DOCKER_HOST=unix:///nonexistent/docker.sock", // no daemon, whatever the machine runs
		"GOPROXY=off",
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		e.vars = append(e.vars, "TMPDIR="+tmp)
	}
	e.vars = append(e.vars, goEnv...)
	return e
}

func (e *env) setenv(kv ...string) { e.vars = append(e.vars, kv...) }

// home is the sandbox's HOME.
func (e *env) home() string { return filepath.Join(filepath.Dir(e.configDir), "home") }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// useWrapper installs docker-credential-acrdoctor on the sandbox's PATH.
func (e *env) useWrapper() {
	e.t.Helper()
	if err := os.Symlink(helperBin, filepath.Join(e.binDir, "docker-credential-acrdoctor")); err != nil {
		e.t.Fatal(err)
	}
}

// fakeHelper installs docker-credential-NAME, a store in the folder store
// that appends each action it is asked to log (when log is not "").
func (e *env) fakeHelper(name, store, log string) {
	e.t.Helper()
	if err := os.MkdirAll(store, 0o700); err != nil {
		e.t.Fatal(err)
	}
	e.helper(name, fmt.Sprintf("FAKE_STORE='%s' FAKE_LOG='%s' exec '%s' \"$@\"\n", store, log, fakeBin))
}

func (e *env) writeConfig(json string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.configDir, "config.json"), []byte(json), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// helper installs a fake docker-credential-NAME shell script.
func (e *env) helper(name, script string) {
	e.t.Helper()
	path := filepath.Join(e.binDir, "docker-credential-"+name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		e.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs a program in the sandbox.
func (e *env) run(stdin string, name string, args ...string) result {
	e.t.Helper()
	cmd := names.Command(e.lookPath(name), args...)
	cmd.Env = e.vars
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			e.t.Fatalf("running %s: %v", name, err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// lookPath finds name on the sandbox's PATH, not the test's own.
func (e *env) lookPath(name string) string {
	if strings.ContainsRune(name, filepath.Separator) {
		return name
	}
	path := ""
	for _, kv := range e.vars {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v // the last one wins, as in exec
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	e.t.Fatalf("%s is not on the sandbox's PATH", name)
	return ""
}

func (e *env) docker(args ...string) result {
	e.t.Helper()
	return e.run("", "docker", args...)
}
