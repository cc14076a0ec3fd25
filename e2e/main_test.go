// Package e2e runs the built plugin through the real docker client, with
// real credential helpers (docker-credential-pass over a throwaway GPG key),
// in temporary DOCKER_CONFIG folders. Nothing here touches the user's own
// Docker config or reaches past loopback.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var (
	pluginBin string // the built docker-acrdoctor
	helperBin string // the built docker-credential-acrdoctor
	repoRoot  string
	goEnv     []string // the caches go uses here, kept when HOME moves
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
	pluginBin = filepath.Join(tmp, "docker-acrdoctor")
	for _, v := range []string{"GOPATH", "GOMODCACHE", "GOCACHE"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go env:", err)
			return 1
		}
		goEnv = append(goEnv, v+"="+strings.TrimSpace(string(out)))
	}
	helperBin = filepath.Join(tmp, "docker-credential-acrdoctor")
	for bin, pkg := range map[string]string{pluginBin: "./plugin", helperBin: "./credhelper"} {
		build := exec.Command("go", "build", "-ldflags", "-X main.version=v0.0.0-e2e", "-o", bin, pkg)
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
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

// env is a sandbox: its own DOCKER_CONFIG with the plugin installed, its own
// PATH entry for fake helpers, HOME, and (when asked) a pass store.
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
		"PATH=" + e.binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"NO_COLOR=1",
		"DOCKER_CLI_HINTS=false",
	}
	e.vars = append(e.vars, goEnv...)
	return e
}

func (e *env) setenv(kv ...string) { e.vars = append(e.vars, kv...) }

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
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), e.vars...)
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

func (e *env) docker(args ...string) result {
	e.t.Helper()
	return e.run("", "docker", args...)
}
