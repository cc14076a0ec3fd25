package wrapper

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

// TestNoFileBackend: Docker's own config.json is not a backend, set
// either way; every action fails with one line saying why, and nothing is
// written to config.json.
func TestNoFileBackend(t *testing.T) {
	s := newSandbox(t)
	const cfg = `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"file"}}}`
	s.writeConfig(cfg)
	for name, sb := range map[string]*sandbox{"config": s, "env": s.with("ACRDOCTOR_CREDENTIAL_BACKEND=file")} {
		for _, st := range []struct{ action, stdin string }{{"store", creds("a.azurecr.io", "a", "pw")}, {"get", "a.azurecr.io"}, {"erase", "a.azurecr.io"}, {"list", ""}} {
			r := sb.run("acrdoctor", st.action, st.stdin)
			if r.code != 1 || !strings.Contains(r.stdout, `is "file", Docker's config.json, which a helper cannot write to`) || strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("%s %s: %v", name, st.action, r)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.dir, "docker", "config.json")); string(b) != cfg {
		t.Errorf("config.json changed: %s", b)
	}
	// With no helper on the machine there is nothing to wrap.
	s.writeConfig(`{"credsStore":"acrdoctor"}`)
	if r := s.run("acrdoctor", "get", "a.azurecr.io"); r.code != 1 || !strings.Contains(r.stdout, "keeps no credentials of its own") {
		t.Errorf("no backend anywhere: %v", r)
	}
}

// TestLoopThroughLinks: a backend that is this helper under another name,
// through a symbolic link, a hard link or a copy, fails at once in one
// line, and starts no chain of processes.
func TestLoopThroughLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("links need privileges on Windows")
	}
	self := filepath.Join(binDir, "docker-credential-acrdoctor")
	for _, tc := range []struct {
		name string
		make func(dst string) error
		want string
	}{
		{"symlink", func(dst string) error { return os.Symlink(self, dst) }, "is docker-credential-acrdoctor itself: that would loop"},
		{"hard link", func(dst string) error { return os.Link(self, dst) }, "is docker-credential-acrdoctor itself: that would loop"},
		{"copy", func(dst string) error { return testbin.Copy(self, dst) }, "was started as its own backend"},
		{"script that scrubs the environment", func(dst string) error {
			return os.WriteFile(dst, []byte("#!/bin/sh\nexec env -u ACRDOCTOR_WRAPPED "+self+" \"$@\"\n"), 0o755)
		}, "was started as its own backend"},
		{"copy behind a scrubbing script", copyBehind(self, "exec env -i"), "was started as its own backend"},
		// Not exec'd: the helper is the grandparent of its copy.
		{"copy two processes down", copyBehind(self, "env -i"), "was started as its own backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			loopDir := filepath.Join(s.dir, "loop")
			if err := os.Mkdir(loopDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(filepath.Join(loopDir, "docker-credential-loop")); err != nil {
				t.Skipf("%s: %v", tc.name, err) // a hard link across file systems
			}
			s.writeConfig(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"loop"}}}`)
			s = s.with("PATH=" + binDir + string(os.PathListSeparator) + loopDir + string(os.PathListSeparator) + toolDir)
			for _, action := range []string{"get", "list", "store"} {
				start := time.Now()
				r := s.run("acrdoctor", action, "a.azurecr.io")
				if r.code != 1 || !strings.Contains(r.stdout, tc.want) || strings.Count(r.stdout, "acr-doctor:") != 1 {
					t.Errorf("%s: %v", action, r)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("%s took %s: a chain of processes?", action, d)
				}
			}
		})
	}
}

// copyBehind makes a backend that is a script running a copy of the
// helper self through run (env -i, with or without exec).
func copyBehind(self, run string) func(dst string) error {
	return func(dst string) error {
		cp := filepath.Join(filepath.Dir(dst), "copy-of-wrapper")
		if err := testbin.Copy(self, cp); err != nil {
			return err
		}
		return os.WriteFile(dst, []byte("#!/bin/sh\n"+run+" "+cp+" \"$@\"\n"), 0o755)
	}
}

// TestReadOnly: what the doctor's reads (ACRDOCTOR_READ_ONLY=1) may do:
// get an expired token without renewing it though an identity is at hand,
// without a hint or a journal line; and neither store nor erase.
func TestReadOnly(t *testing.T) {
	s, emu, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	ro := s.with("ACRDOCTOR_READ_ONLY=1")
	want := s.run("fake", "get", renewHost)
	if got := ro.run("acrdoctor", "get", renewHost); got != want || !strings.Contains(got.stdout, old) {
		t.Errorf("read-only get: %v, want the backend's %v", got, want)
	}
	if n := len(emu.Requests(renewHost)); n != 0 {
		t.Errorf("a read-only get made %d requests", n)
	}
	for _, st := range []struct{ action, stdin string }{{"store", creds(renewHost, "u", "p")}, {"erase", renewHost}} {
		if r := ro.run("acrdoctor", st.action, st.stdin); r.code != 1 || !strings.Contains(r.stdout, "refused: ACRDOCTOR_READ_ONLY=1") {
			t.Errorf("read-only %s: %v", st.action, r)
		}
	}
	if r := s.run("fake", "get", renewHost); r.stdout != want.stdout {
		t.Errorf("the store changed: %v", r)
	}
	if r := ro.run("acrdoctor", "list", ""); r.code != 0 || !strings.Contains(r.stdout, renewHost) {
		t.Errorf("read-only list: %v", r)
	}
	// Debian's empty answer is still not-found, as Docker would hear it.
	if r := ro.with("FAKE_EMPTY=1").run("acrdoctor", "get", renewHost); r.code != 1 || r.stdout != notFound+"\n" {
		t.Errorf("read-only empty get: %v", r)
	}
	if _, err := os.Stat(s.journal); !os.IsNotExist(err) {
		t.Errorf("read-only gets wrote the journal: %v", s.entries())
	}
	if ents, _ := os.ReadDir(filepath.Join(s.dir, ".local", "state")); len(ents) != 0 {
		t.Errorf("read-only gets left state: %v", ents)
	}
}

// TestConfigFromDockerFlag: run by `docker --config DIR`, the helper reads
// DIR's settings, not $DOCKER_CONFIG's: each config's backend gets its
// own store.
func TestConfigFromDockerFlag(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent's --config is read from /proc")
	}
	s := newSandbox(t)
	s.writeConfig(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`)
	ci := filepath.Join(s.dir, "ci-config")
	ciStore := filepath.Join(s.dir, "ci-store")
	for _, d := range []string{ci, ciStore} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ci, "config.json"), []byte(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"ci"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// docker-credential-ci: the fake helper over another store.
	ciBin := filepath.Join(s.dir, "ci-bin")
	if err := os.MkdirAll(ciBin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nFAKE_STORE=" + ciStore + " exec " + filepath.Join(binDir, "docker-credential-fake") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(ciBin, "docker-credential-ci"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s = s.with("PATH=" + binDir + string(os.PathListSeparator) + ciBin + string(os.PathListSeparator) + toolDir)
	docker := func(stdin string, args ...string) result {
		t.Helper()
		cmd := exec.Command(filepath.Join(parentDir, "docker"), args...)
		cmd.Dir = s.dir
		return s.exec(cmd, stdin)
	}
	login := creds("ci.azurecr.io", "ci-user", "ci-password")
	for _, flag := range [][]string{{"--config", ci}, {"--config=ci-config"}, {"-D", "--config", "ci-config"}} {
		args := append(slices.Clone(flag), "credential", "docker-credential-acrdoctor", "store")
		if r := docker(login, args...); r.code != 0 {
			t.Fatalf("docker %v: %v", flag, r)
		}
		if r := s.with("FAKE_STORE="+ciStore).run("fake", "list", ""); !strings.Contains(r.stdout, "ci.azurecr.io") {
			t.Errorf("docker %v: the CI store does not hold the login: %v", flag, r)
		}
		if r := s.run("fake", "list", ""); strings.Contains(r.stdout, "ci.azurecr.io") {
			t.Fatalf("docker %v: the login went to $DOCKER_CONFIG's store: %v", flag, r)
		}
		if r := docker("ci.azurecr.io", append(slices.Clone(flag), "credential", "docker-credential-acrdoctor", "erase")...); r.code != 0 {
			t.Fatalf("erase: %v", r)
		}
	}
	// Without --config, DOCKER_CONFIG's.
	if r := docker(login, "credential", "docker-credential-acrdoctor", "store"); r.code != 0 || !strings.Contains(s.run("fake", "list", "").stdout, "ci.azurecr.io") {
		t.Errorf("without --config: %v", r)
	}
}

// TestConfigNotUsingWrapper: a config that sends nothing to the wrapper
// cannot be the one Docker started it for: it says so, and stores nothing
// in a store that config did not choose.
func TestConfigNotUsingWrapper(t *testing.T) {
	s := newSandbox(t)
	s.writeConfig(`{"credsStore":"fake","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`)
	r := s.run("acrdoctor", "store", creds("a.azurecr.io", "a", "pw"))
	if r.code != 1 || !strings.Contains(r.stdout, "sends no registry to docker-credential-acrdoctor") || !strings.Contains(r.stdout, "DOCKER_CONFIG") {
		t.Errorf("store: %v", r)
	}
	if l := s.run("fake", "list", ""); l.stdout != "{}\n" {
		t.Errorf("stored anyway: %v", l)
	}
	if r := s.run("acrdoctor", "get", "a.azurecr.io"); r.code != 1 {
		t.Errorf("get: %v", r)
	}
	if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.BackendError || es[0].Registry != "a.azurecr.io" {
		t.Errorf("the failed get is not journalled as backend_error: %+v", es)
	}
}

func TestDockerConfigFlag(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"docker", "--config", "/c", "login", "x"}, "/c"},
		{[]string{"/usr/bin/docker", "--config=/c", "push", "x"}, "/c"},
		{[]string{"/usr/libexec/docker/cli-plugins/docker-buildx", "-D", "--config", "rel", "buildx", "build"}, "rel"},
		{[]string{"com.docker.cli", "-c", "ctx", "--config", "/c", "pull"}, "/c"},
		{[]string{"docker", "--config", "/a", "--config", "/b", "login"}, "/b"},
		{[]string{"docker", "-H", "--config", "login"}, ""}, // --config is -H's value
		{[]string{"docker", "login", "--config", "/c"}, ""}, // a command's flag
		{[]string{"docker"}, ""},
		{[]string{"docker", "--config"}, ""},
		{[]string{"docker", "--config="}, ""},
		{[]string{"/home/u/.local/bin/acr-doctor", "--config", "/c", "creds"}, "/c"},
		{[]string{"oras", "--config", "/c", "push"}, ""},
		{[]string{"docker-credential-acrdoctor", "--config", "/c"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		got, ok := dockerConfigFlag(tt.argv)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("dockerConfigFlag(%q) = %q, %v; want %q", tt.argv, got, ok, tt.want)
		}
	}
}

// TestRenewalLockInState: the renewal lock lives in the state directory,
// never in a shared temporary folder, even with the journal off.
func TestRenewalLockInState(t *testing.T) {
	s, _, _ := renewSandbox(t, time.Now().Add(-5*time.Hour))
	s = s.with("ACRDOCTOR_JOURNAL=off")
	if r := s.run("acrdoctor", "get", renewHost); r.code != 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(s.dir, ".local", "state", "acr-doctor", "locks", "renew-"+renewHost+".lock")); err != nil {
		t.Errorf("lock: %v", err)
	}
}

// TestConfigAsDockerReadsIt: a config.json that Docker reads with a
// warning (a value of the wrong type, an auth that does not decode, data
// after the object) still gives the helper its settings: it must not fail
// where Docker goes on.
func TestConfigAsDockerReadsIt(t *testing.T) {
	s := newSandbox(t)
	for _, cfg := range []string{
		`{"credsStore":"acrdoctor","features":{"hooks":true},"plugins":{"acrdoctor":{"credential-backend":"fake"}}}`,
		`{"credsStore":"acrdoctor","auths":{"other.example.com":{"auth":"not base64!"}},"plugins":{"acrdoctor":{"credential-backend":"fake"}}}`,
		`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}` + "\n}garbage",
	} {
		s.writeConfig(cfg)
		if r := s.run("acrdoctor", "store", creds("a.azurecr.io", "a", "pw")); r.code != 0 {
			t.Errorf("store over %s: %v", cfg, r)
		}
		if r := s.run("acrdoctor", "get", "a.azurecr.io"); r.code != 0 || !strings.Contains(r.stdout, `"Secret":"pw"`) {
			t.Errorf("get over %s: %v", cfg, r)
		}
	}
}

// TestNoHome: with HOME unset the helper looks for ~/.docker in the
// user's home from the password database, as Docker does, never in a
// .docker folder of the directory it was started in.
func TestNoHome(t *testing.T) {
	s := newSandbox(t)
	cwd := filepath.Join(s.dir, "cloned-repo")
	if err := os.MkdirAll(filepath.Join(cwd, ".docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cwd, ".docker", "config.json"), []byte(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(s.dir, "calls")
	cmd := exec.Command(filepath.Join(binDir, "docker-credential-acrdoctor"), "get")
	cmd.Dir = cwd
	r := s.with("HOME=", "DOCKER_CONFIG=", "XDG_STATE_HOME="+filepath.Join(s.dir, "state"), "FAKE_LOG="+log).exec(cmd, "a.azurecr.io")
	if _, err := os.Stat(log); err == nil {
		t.Errorf("the helper used ./.docker's backend: %v", r)
	}
}

// TestBackendBounded: a backend get that floods, answers megabytes or
// hangs (itself or through a child holding its output) is cut off: the
// wrapper answers one line saying why, exits 1, journals a backend error,
// and its memory stays small.
func TestBackendBounded(t *testing.T) {
	const json3MB = `printf '{"ServerURL":"x","Username":"'; head -c 3000000 /dev/zero | tr '\0' a; printf '","Secret":"s"}'`
	for _, tc := range []struct {
		name, script, want string
	}{
		{"endless writer", `exec cat /dev/zero`, "output longer than 1048576 bytes"},
		{"three megabyte answer", json3MB, "output longer than 1048576 bytes"},
		{"hang", `exec sleep 30`, "no answer within 500ms (ACRDOCTOR_BACKEND_TIMEOUT)"},
		{"child holding the output", `sleep 30 & echo '{"ServerURL":"x","Username":"u","Secret":"s"}'; wait`, "no answer within 500ms"},
		{"answer, then a child holding the output", `sleep 30 & echo '{"ServerURL":"x","Username":"u","Secret":"s"}'`, "left a process running that holds its output open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, "ACRDOCTOR_BACKEND_TIMEOUT=500ms", "ACRDOCTOR_CREDENTIAL_BACKEND=bad")
			bin := filepath.Join(s.dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bin, "docker-credential-bad"), []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			s = s.with("PATH=" + binDir + string(os.PathListSeparator) + bin + string(os.PathListSeparator) + toolDir)
			cmd := exec.Command(filepath.Join(binDir, "docker-credential-acrdoctor"), "get")
			r := s.exec(cmd, "a.azurecr.io")
			if r.code != 1 || !strings.Contains(r.stdout, tc.want) || strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("get: %v, want exit 1 and one line containing %q", r, tc.want)
			}
			if rss := maxRSS(cmd.ProcessState); rss > 100<<20 {
				t.Errorf("peak RSS %d MB, want under 100 MB", rss>>20)
			}
			if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.BackendError {
				t.Errorf("journal %+v, want one backend_error", es)
			}
		})
	}
}

// TestBackendKilled: a backend killed by a signal is a failure, whatever
// the action, said in one line on stdout where Docker reads errors.
func TestBackendKilled(t *testing.T) {
	s := newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=killed")
	bin := filepath.Join(s.dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-killed"), []byte("#!/bin/sh\nkill -KILL $$\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s = s.with("PATH=" + binDir + string(os.PathListSeparator) + bin + string(os.PathListSeparator) + toolDir)
	for _, action := range []string{"get", "list", "erase"} {
		r := s.run("acrdoctor", action, "a.azurecr.io")
		if r.code != 1 || !strings.Contains(r.stdout, `acr-doctor: credential backend "killed": signal: killed`) {
			t.Errorf("%s: %v", action, r)
		}
	}
}

// backendScript puts docker-credential-NAME with body on the sandbox's
// PATH, before the wrapper's own directory.
func backendScript(t *testing.T, s *sandbox, name, body string) *sandbox {
	t.Helper()
	bin := filepath.Join(s.dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-"+name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return s.with("PATH=" + binDir + string(os.PathListSeparator) + bin + string(os.PathListSeparator) + toolDir)
}

// TestBackendWithCaller: the backend runs as Docker's own helpers do, in
// its caller's process group (so Ctrl-C reaches it and it may ask for a
// passphrase on the terminal), dies with the wrapper, holds no stream of
// the caller's once it has exited, and cannot flood the caller's stderr.
func TestBackendWithCaller(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	answer := `echo '{"ServerURL":"x","Username":"u","Secret":"s"}'`

	t.Run("in the caller's process group", func(t *testing.T) {
		s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=pg"), "pg",
			`cat >/dev/null; me=$(cut -d' ' -f5 /proc/$$/stat); up=$(cut -d' ' -f5 /proc/$PPID/stat); echo "{\"ServerURL\":\"x\",\"Username\":\"$me\",\"Secret\":\"$up\"}"`)
		r := s.run("acrdoctor", "get", "a.azurecr.io")
		var c struct{ Username, Secret string }
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &c) != nil || c.Username == "" || c.Username != c.Secret {
			t.Errorf("get: %v, want the backend's process group to be the wrapper's", r)
		}
	})

	t.Run("dies with the wrapper", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=slow"), "slow", `echo $$ >`+pidFile+`; exec sleep 60`)
		cmd := exec.Command(filepath.Join(binDir, "docker-credential-acrdoctor"), "get")
		cmd.Env, cmd.Stdin = s.env, strings.NewReader("a.azurecr.io")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var pid int
		for i := 0; i < 200 && pid == 0; i++ {
			time.Sleep(10 * time.Millisecond)
			b, _ := os.ReadFile(pidFile)
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		cmd.Process.Kill()
		cmd.Wait()
		if pid == 0 {
			t.Fatal("the backend never started")
		}
		for i := 0; i < 200; i++ {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err != nil || strings.Contains(string(b), ") Z ") {
				return // gone, or dead and not yet reaped by init
			}
			time.Sleep(10 * time.Millisecond)
		}
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the backend %d outlived the wrapper killed under it", pid)
	})

	t.Run("what it leaves holds no stream of the caller's", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=bg"), "bg",
			`cat >/dev/null; setsid sh -c 'echo $$ >`+pidFile+`; exec sleep 30' >/dev/null </dev/null & `+answer)
		// Output leaves Stderr unset, as Docker's helper client does: it
		// then reads stderr through a pipe until every writer closes it.
		cmd := exec.Command(filepath.Join(binDir, "docker-credential-acrdoctor"), "get")
		cmd.Env, cmd.Stdin = s.env, strings.NewReader("a.azurecr.io")
		done := make(chan error, 1)
		go func() { _, err := cmd.Output(); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("get: %v", err)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("get did not return while a process the backend left held stderr")
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	t.Run("its stderr is capped", func(t *testing.T) {
		s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=loud"), "loud", `cat >/dev/null; head -c 3000000 /dev/zero | tr '\0' e >&2; `+answer)
		r := s.run("acrdoctor", "get", "a.azurecr.io")
		if r.code != 0 || !strings.Contains(r.stdout, `"Secret":"s"`) || len(r.stderr) > bounded.MaxOutput || len(r.stderr) < 1000 {
			t.Errorf("get: exit %d, %d bytes on stderr, want the answer and at most %d", r.code, len(r.stderr), bounded.MaxOutput)
		}
	})

	// Up to pipeAtomic bytes the request is written before the backend
	// runs, past it while the backend reads: both reach it whole.
	for _, n := range []int{pipeAtomic, pipeAtomic + 1, maxInput} {
		t.Run(fmt.Sprintf("a request of %d bytes", n), func(t *testing.T) {
			s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=count"), "count", `n=$(wc -c); echo "{\"Username\":\"u\",\"Secret\":\"$n\"}"`)
			r := s.run("acrdoctor", "get", "a.azurecr.io/"+strings.Repeat("a", n-len("a.azurecr.io/")))
			if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf(`"Secret":"%d"`, n)) {
				t.Errorf("get: %v, want the backend to read %d bytes", r, n)
			}
		})
	}

	t.Run("a request longer than a server URL", func(t *testing.T) {
		s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=any"), "any", `cat >/dev/null; `+answer)
		r := s.run("acrdoctor", "get", "a.azurecr.io/"+strings.Repeat("a", maxInput))
		if r.code != 1 || !strings.Contains(r.stdout, "longer than") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("get: %v, want exit 1 and one line", r)
		}
	})
}

// TestBackendStderrSlowReader: what the backend wrote on stderr before it
// exited reaches a caller that reads it slowly, all of it.
func TestBackendStderrSlowReader(t *testing.T) {
	s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=talky"), "talky",
		`cat >/dev/null; head -c 200000 /dev/zero | tr '\0' e >&2; echo "the last line" >&2; exit 1`)
	cmd := exec.Command(filepath.Join(binDir, "docker-credential-acrdoctor"), "get")
	cmd.Env, cmd.Stdin = s.env, strings.NewReader("a.azurecr.io")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the pipe fills; the backend has exited
	b, _ := io.ReadAll(stderr)
	cmd.Wait()
	if !strings.HasSuffix(string(b), "the last line\n") {
		t.Errorf("stderr ends %q, want the backend's last line", b[max(0, len(b)-40):])
	}
}

// TestBackendLeftovers: what a backend that failed left running (out of
// time, or exited holding its output) is ended with it; what one that
// answered started lives on (gpg-agent).
func TestBackendLeftovers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the wrapper adopts orphans on Linux only")
	}
	for _, tc := range []struct {
		name, body string
		ended      bool
	}{
		{"out of time", `cat >/dev/null; sleep 30 & echo $! >PID; wait`, true},
		{"exited holding its output", `cat >/dev/null; sleep 30 & echo $! >PID; echo '{"ServerURL":"x","Username":"u","Secret":"s"}'`, true},
		{"answered", `cat >/dev/null; sleep 30 >/dev/null 2>&1 & echo $! >PID; echo '{"ServerURL":"x","Username":"u","Secret":"s"}'`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			s := backendScript(t, newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=left", "ACRDOCTOR_BACKEND_TIMEOUT=500ms"), "left",
				strings.ReplaceAll(tc.body, "PID", pidFile))
			s.run("acrdoctor", "get", "a.azurecr.io")
			b, err := os.ReadFile(pidFile)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid == 0 {
				t.Fatalf("the backend wrote no pid: %v", err)
			}
			defer syscall.Kill(pid, syscall.SIGKILL)
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			alive := err == nil && !strings.Contains(string(stat), ") Z ")
			if alive == tc.ended {
				t.Errorf("process %d the backend left: alive %v, want %v", pid, alive, !tc.ended)
			}
		})
	}
}
