package check

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// TestDocker: the Docker client found on PATH, judged by its version;
// one that hangs, with a child holding its output, is given up on with
// the caller's time limit.
func TestDocker(t *testing.T) {
	sleep, err := exec.LookPath("sleep") // before PATH is the test's
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, script string // "" is no docker on PATH
		version      string
		severity     cause.Severity // of the one cause; "" for none
		detail       string
	}{
		{name: "none", severity: cause.Warning, detail: "not on PATH"},
		{name: "current", script: "echo 'Docker version 28.2.2, build e6534b4'", version: "28.2"},
		{name: "too old", script: "echo 'Docker version 17.09.1-ce, build 19e2cf6'", version: "17.09", severity: cause.Error, detail: "ACR needs 18.03"},
		{name: "hung", script: sleep + " 30 & wait", severity: cause.Error, detail: "--version failed"},
		{name: "podman's shim", script: "echo 'podman version 4.9.3'"},
		// It answers, and leaves a child holding its output: the answer
		// stands, and the child is ended (leftover, below).
		{name: "leaves a child", script: sleep + " 30 & echo $! >\"${0%/*}/leftover\"; echo 'Docker version 28.2.2, build e6534b4'", version: "28.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.script != "" {
				if err := os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("PATH", dir)
			t.Setenv(pluginCommandEnv, "")
			limit := 500 * time.Millisecond
			if tc.name == "leaves a child" {
				limit = 5 * time.Second // past the wait for its output: not ended by the limit
			}
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			start := time.Now()
			d := Docker(ctx)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("took %s: the hung docker was waited for", elapsed)
			}
			if d.Version != tc.version {
				t.Errorf("version %q, want %q", d.Version, tc.version)
			}
			if pid, err := os.ReadFile(filepath.Join(dir, "leftover")); err == nil {
				state := procState(strings.TrimSpace(string(pid)))
				for end := time.Now().Add(time.Second); state != "" && state != "Z" && time.Now().Before(end); {
					time.Sleep(10 * time.Millisecond) // a SIGKILL takes a moment
					state = procState(strings.TrimSpace(string(pid)))
				}
				if state != "" && state != "Z" {
					t.Errorf("the child docker left (pid %s) is still running: state %s", pid, state)
				}
			}
			switch {
			case tc.severity == "" && len(d.Causes) > 0:
				t.Errorf("causes %+v, want none", d.Causes)
			case tc.severity != "" && (len(d.Causes) != 1 || d.Causes[0].Severity != tc.severity || !strings.Contains(d.Causes[0].Evidence, tc.detail)):
				t.Errorf("causes %+v, want one %s saying %q", d.Causes, tc.severity, tc.detail)
			}
		})
	}
}

// procState is the state letter /proc shows for pid ("Z" for a zombie),
// or "" for a process that is gone.
func procState(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ""
	}
	_, after, _ := strings.Cut(string(b), ") ")
	state, _, _ := strings.Cut(after, " ")
	return state
}

// TestDockerBuiltVersion: a Go-built docker's version is read from the
// build settings it records, without starting it (this one fails when
// started); anything else is started as before.
func TestDockerBuiltVersion(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	src, dir := t.TempDir(), t.TempDir()
	files := map[string]string{
		"go.mod":             "module github.com/docker/cli\n\ngo 1.22\n",
		"cmd/docker/main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(3) }\n",
	}
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command(gobin, "build", "-o", filepath.Join(dir, "docker"),
		"-ldflags=-X github.com/docker/cli/cli/version.Version=17.09.1-ce", "./cmd/docker")
	build.Dir, build.Env = src, append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Setenv("PATH", dir)
	t.Setenv(pluginCommandEnv, "")
	d := Docker(context.Background())
	if d.Version != "17.09" || len(d.Causes) != 1 || !strings.Contains(d.Causes[0].Evidence, "ACR needs 18.03") {
		t.Errorf("version %q, causes %+v", d.Version, d.Causes)
	}
}

// TestDockerFIFO: a FIFO named docker on PATH is neither read nor waited
// for: the check goes on, as for any docker that cannot run.
func TestDockerFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "docker")
	if err := syscall.Mkfifo(fifo, 0o755); err != nil {
		t.Skip(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv(pluginCommandEnv, "")
	done := make(chan report.Docker)
	go func() { done <- Docker(context.Background()) }()
	select {
	case d := <-done:
		if d.Version != "" {
			t.Errorf("a FIFO has version %q", d.Version)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Docker waited on a FIFO")
	}
}
