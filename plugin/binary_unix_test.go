//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/cli/cli-plugins/metadata"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

// TestConfigFileRefused: a config.json that Docker's plugin framework
// would block on, read without end or spend hundreds of MB on is refused
// in one line before the framework reads it, for every command and
// however the folder is named.
func TestConfigFileRefused(t *testing.T) {
	t.Parallel()
	pluginBinary(t)
	dirs := map[string]string{} // name: folder holding the config.json
	mk := func(name string, make func(path string) error) {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := make(filepath.Join(dir, "config.json")); err != nil {
			t.Fatal(err)
		}
		dirs[name] = dir
	}
	mk("fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) })
	mk("dev-zero", func(p string) error { return os.Symlink("/dev/zero", p) })
	mk("folder", func(p string) error { return os.Mkdir(p, 0o755) })
	mk("sparse-1GiB", func(p string) error {
		if err := os.WriteFile(p, []byte(`{"auths": {}}`), 0o600); err != nil {
			return err
		}
		return os.Truncate(p, 1<<30) // a hole: no disk used
	})
	want := map[string]string{
		"fifo":        "is a named pipe (FIFO), not the regular file a Docker config must be",
		"dev-zero":    "is a character device, not the regular file a Docker config must be",
		"folder":      "is a folder, not the regular file a Docker config must be",
		"sparse-1GiB": fmt.Sprintf("is 1024 MiB, over the %d MiB limit for a Docker config", configjson.MaxSize>>20),
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "config.json")
			sb := newBinSandbox(t)
			env := sb.env
			for _, tc := range []struct {
				how  string
				env  []string
				args []string
			}{
				{"DOCKER_CONFIG", []string{"DOCKER_CONFIG=" + dir}, []string{"token", "-"}},
				{"DOCKER_CONFIG", []string{"DOCKER_CONFIG=" + dir}, []string{"creds"}},
				{"DOCKER_CONFIG", []string{"DOCKER_CONFIG=" + dir}, []string{"--help"}},
				{"DOCKER_CONFIG", []string{"DOCKER_CONFIG=" + dir}, []string{"myreg.azurecr.io", "--offline"}},
				{"--config", nil, []string{"--config", dir, "creds"}},
				{"--config=", nil, []string{"--config=" + dir, "explain", "-"}},
				{"HOME", []string{"DOCKER_CONFIG=", "HOME=" + filepath.Dir(dir)}, nil},
				{"docker", []string{"DOCKER_CONFIG=" + sb.configDir, metadata.ReexecEnvvar + "=docker"}, []string{"--config", dir, "acrdoctor", "token", "-"}},
			} {
				sb.env = append(slices.Clone(env), tc.env...)
				if tc.how == "HOME" {
					// ~/.docker/config.json
					home := t.TempDir()
					if err := os.Symlink(dir, filepath.Join(home, ".docker")); err != nil {
						t.Fatal(err)
					}
					sb.env = append(slices.Clone(env), "DOCKER_CONFIG=", "HOME="+home)
					path = filepath.Join(home, ".docker", "config.json")
				}
				r := sb.run("eyJhbGciOiJub25lIn0.e30.\n", tc.args...)
				lines := r.errLines()
				if r.code != 2 || r.stdout != "" || len(lines) != 1 || lines[0] != "acrdoctor: "+path+" "+want[name]+lineEnd(name) {
					t.Errorf("%s %q: want exit 2 and one line about %s: %v", tc.how, tc.args, path, r)
				}
				if r.took > 10*time.Second {
					t.Errorf("%s %q: took %s", tc.how, tc.args, r.took)
				}
				path = filepath.Join(dir, "config.json")
			}
			// Docker asks for the metadata, and runs the hooks, after it
			// has read the config itself: those still answer.
			sb.env = append(slices.Clone(env), "DOCKER_CONFIG="+dir)
			if r := sb.run("", metadata.MetadataSubcommandName); r.code != 0 || !strings.Contains(r.stdout, testbin.Version) {
				t.Errorf("metadata: %v", r)
			}
			sb.env = append(sb.env, metadata.ReexecEnvvar+"=docker")
			if r := sb.run("", "acrdoctor", metadata.HookSubcommandName, `{"RootCmd":"push","CommandError":"x"}`); r.code != 0 || r.stderr != "" {
				t.Errorf("hook: %v", r)
			}
		})
	}
}

func lineEnd(name string) string {
	if name == "sparse-1GiB" {
		return " (real ones are a few KB): replace it, or point DOCKER_CONFIG or --config elsewhere"
	}
	return ": replace it, or point DOCKER_CONFIG or --config elsewhere"
}

// TestRunSignalStatus: a command killed by signal n gives 128+n, as a
// shell does, and its output is still explained.
func TestRunSignalStatus(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	tests := []struct {
		script string
		code   int
		want   []string // on stderr
	}{
		{`kill -TERM $$`, 143, []string{"acr-doctor: sh was killed by signal 15 (terminated): status 143.", "Its output names no cause"}},
		{`kill -KILL $$`, 137, []string{"acr-doctor: sh was killed by signal 9 (killed): status 137."}},
		{`kill -INT $$`, 130, []string{"killed by signal 2 (interrupt): status 130."}},
		{`echo 'Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: authentication required' >&2; kill -TERM $$`, 143,
			[]string{"killed by signal 15 (terminated): status 143.", "invalid_credentials", "line 1:"}},
		{`exit 3`, 3, []string{"acr-doctor: sh exited with status 3."}},
		{`exit 0`, 0, nil},
	}
	for _, tt := range tests {
		r := sb.run("", "run", "--no-check", "--", "sh", "-c", tt.script)
		if r.code != tt.code {
			t.Errorf("%s: want exit %d: %v", tt.script, tt.code, r)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q: %v", tt.script, w, r)
			}
		}
		if tt.code == 0 && r.stderr != "" {
			t.Errorf("%s: %v", tt.script, r)
		}
	}
}

// TestRunLeftovers: what run's command leaves running does not hold run
// up once the command has exited; a command that cannot be run gives a
// shell's statuses.
func TestRunLeftovers(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	r := sb.run("", "run", "--no-check", "--", "sh", "-c", "echo 'x509: certificate signed by unknown authority' >&2; sleep 30 & exit 1")
	if r.code != 1 || r.took > 15*time.Second || !strings.Contains(r.stderr, "tls") {
		t.Errorf("a command that left a job running: %v", r)
	}
	if r := sb.run("", "run", "--no-check", "--", "sh", "-c", "sleep 30 & exit 0"); r.code != 0 || r.took > 15*time.Second {
		t.Errorf("a command that succeeded and left a job running: %v", r)
	}
	notExec := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := sb.run("", "run", "--no-check", "--", notExec); r.code != 126 {
		t.Errorf("a command without execute permission: %v, want 126", r)
	}
	onPath := t.TempDir()
	if err := os.WriteFile(filepath.Join(onPath, "noexeccmd"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withPath := *sb
	withPath.env = append(slices.Clone(sb.env), "PATH="+onPath+string(os.PathListSeparator)+binTools)
	if r := withPath.run("", "run", "--no-check", "--", "noexeccmd"); r.code != 126 || !strings.Contains(r.stderr, "noexeccmd: permission denied") {
		t.Errorf("a command on PATH without execute permission: %v, want 126 as a shell gives", r)
	}
	badELF := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(badELF, []byte("\x7fELF\x02garbage"), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := sb.run("", "run", "--no-check", "--", badELF); r.code != 126 {
		t.Errorf("a file the kernel cannot run: %v, want 126", r)
	}
	if r := sb.run("", "run", "--no-check", "--", "no-such-command-acrdoctor"); r.code != 127 || !strings.Contains(r.stderr, "cannot run no-such-command-acrdoctor: executable file not found") {
		t.Errorf("a command not found: %v, want 127 and what a shell would say", r)
	}
}

// TestInterruptEndsHelpers: Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) of the
// doctor while it waits on a credential helper that ignores them ends the
// helper and what it started, whose process group the terminal's signal
// does not reach, and exits as the signal would have. Through docker,
// with docker alone signalled (a supervisor, a CI's cancel), Docker tells
// the plugin, which ends the same way.
func TestInterruptEndsHelpers(t *testing.T) {
	t.Parallel()
	type run struct {
		name   string
		sig    syscall.Signal
		docker bool
		code   int
	}
	runs := []run{{"docker-SIGINT", syscall.SIGINT, true, 130}, {"docker-SIGTERM", syscall.SIGTERM, true, 130}}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		runs = append(runs, run{sig.String(), sig, false, 128 + int(sig)})
	}
	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newBinSandbox(t)
			bin := t.TempDir()
			pids := filepath.Join(bin, "pids")
			script := "#!/bin/sh\ntrap '' INT TERM\nsleep 60 &\necho $$ $! > " + pids + ".tmp\nmv " + pids + ".tmp " + pids + "\nwait\n"
			if err := os.WriteFile(filepath.Join(bin, "docker-credential-hang"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			s.writeConfig(`{"credsStore": "hang"}`)
			cmd := exec.Command(binPath, "creds")
			if tc.docker {
				plugins := filepath.Join(s.configDir, "cli-plugins")
				if err := os.MkdirAll(plugins, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(binPath, filepath.Join(plugins, testbin.Plugin)); err != nil {
					t.Fatal(err)
				}
				cmd = exec.Command("docker", "acrdoctor", "creds")
				// docker alone gets the signal, as from a supervisor.
				cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			}
			cmd.Env = append(slices.Clone(s.env), "PATH="+bin+string(os.PathListSeparator)+binTools)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var started []int
			for deadline := time.Now().Add(20 * time.Second); len(started) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				b, _ := os.ReadFile(pids)
				started = started[:0]
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil {
						started = append(started, pid)
					}
				}
			}
			if len(started) < 2 {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the helper never started")
			}
			_ = cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Errorf("it ended with %v, want exit status %d", err, tc.code)
			}
			for _, pid := range started {
				alive := true
				for deadline := time.Now().Add(5 * time.Second); alive && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					alive = syscall.Kill(pid, 0) == nil && !zombie(pid)
				}
				if alive {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					t.Errorf("process %d of the helper outlived the doctor", pid)
				}
			}
		})
	}
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone, or no /proc to tell
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// TestExplainSlowStore: explain asks the store for the registries a text
// names a few at a time, within about one helper timeout in all: a store
// that takes a second a registry does not cost a second a registry.
func TestExplainSlowStore(t *testing.T) {
	t.Parallel()
	s := newBinSandbox(t)
	bin := t.TempDir()
	script := "#!/bin/sh\nread r\nsleep 1\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"admin\",\"Secret\":\"x\"}' \"$r\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-slow"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s.writeConfig(`{"credsStore": "slow"}`)
	s.env = append(slices.Clone(s.env), "PATH="+bin+string(os.PathListSeparator)+binTools)
	var text strings.Builder
	for i := range 24 {
		fmt.Fprintf(&text, "Error response from daemon: Get \"https://reg%02d.azurecr.io/v2/\": unauthorized: authentication required\n", i)
	}
	r := s.run(text.String(), "explain", "-")
	if r.took > 12*time.Second || !strings.Contains(r.stdout, "invalid_credentials") {
		t.Errorf("24 registries over a store that takes 1 s each: %v", r)
	}
}
