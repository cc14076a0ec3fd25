package wrapper

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// script writes an executable shell script and returns its path. Every
// script of a test is written before any runs: a file still open for
// writing when another goroutine forks cannot be run (ETXTBSY).
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBackendRun: a backend's answer is read whole, within the cap and
// the time limit; one that floods, hangs, or leaves a child holding its
// output fails the call with what it did.
func TestBackendRun(t *testing.T) {
	dir := t.TempDir()
	// A time limit long enough for a loaded machine, but for the backend
	// that hangs.
	const limit, hangLimit = 30 * time.Second, 300 * time.Millisecond
	cases := []struct {
		name, body string
		wantOut    string
		wantErr    string // "": success
	}{
		{"answers", `cat`, "myreg.azurecr.io", ""},
		{"fails", `echo "credentials not found in native keychain"; exit 1`, "credentials not found in native keychain\n", "exit status 1"},
		{"floods", `yes`, "", bounded.ErrOutputTooLong.Error()},
		{"hangs", `exec sleep 30`, "", "no answer within 300ms (" + envBackendTimeout + ")"},
		{"leaves a child", `sleep 60 & echo answered`, "answered\n", "left a process running"},
		// Its output closed, it is still to be waited for, not killed.
		{"closes its output, then exits", `cat; exec >&-; sleep 0.2; exit 0`, "myreg.azurecr.io", ""},
		{"closes its output, then fails", `cat; exec >&-; sleep 0.2; exit 3`, "myreg.azurecr.io", "exit status 3"},
		{"closes its output, then hangs", `cat; exec >&-; exec sleep 30`, "myreg.azurecr.io", "no answer within 300ms"},
		// 8 MB of stderr before the answer: read as fast as it comes, not a
		// pipe's worth a look (which took 6 s), well within a time limit
		// of 3 s.
		{"talks, then answers in time", `head -c 8000000 /dev/zero >&2; cat`, "myreg.azurecr.io", ""},
	}
	paths := make([]string, len(cases)) // each case's body as a script
	for i, tc := range cases {
		paths[i] = script(t, dir, tc.name, tc.body)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &execBackend{name: "test", path: paths[i], timeout: limit}
			switch {
			case strings.HasSuffix(tc.name, "hangs"):
				b.timeout = hangLimit
			case strings.HasSuffix(tc.name, "in time"):
				b.timeout = 3 * time.Second
			}
			var out bounded.Buffer
			err := b.run("get", []byte("myreg.azurecr.io"), &out, new(bytes.Buffer), nil)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("run: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("run: %v, want an error with %q", err, tc.wantErr)
			}
			if tc.wantOut != "" && out.String() != tc.wantOut {
				t.Errorf("output %q, want %q", out.String(), tc.wantOut)
			}
			if len(out.Bytes()) > bounded.MaxOutput {
				t.Errorf("kept %d bytes, past the cap", len(out.Bytes()))
			}
		})
	}
}

// TestBackendPrompt: what a backend writes on stderr reaches the caller
// while it still works, not once it has answered: a backend that asks on
// stderr (a passphrase prompt) and waits to be answered is answered.
func TestBackendPrompt(t *testing.T) {
	dir := t.TempDir()
	user := &promptAnswerer{answer: filepath.Join(dir, "answer")}
	b := &execBackend{name: "test", timeout: 10 * time.Second,
		path: script(t, dir, "asks", `echo "Passphrase:" >&2; while [ ! -e '`+user.answer+`' ]; do sleep 0.01; done; echo answered`)}
	var out bounded.Buffer
	if err := b.run("get", []byte("myreg.azurecr.io"), &out, user, nil); err != nil || out.String() != "answered\n" {
		t.Fatalf("run = %q, %v (stderr %q): the prompt did not reach the user while the backend waited", out.String(), err, user.seen.String())
	}
}

// promptAnswerer is a user at the terminal: once the prompt shows, it
// answers (creates the file answer).
type promptAnswerer struct {
	answer string
	seen   bytes.Buffer
}

func (p *promptAnswerer) Write(b []byte) (int, error) {
	p.seen.Write(b)
	if strings.Contains(p.seen.String(), "Passphrase:") {
		_ = os.WriteFile(p.answer, nil, 0o600)
	}
	return len(b), nil
}

// TestDecode: what a backend's successful get means.
func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want journal.Outcome
	}{
		{`{"ServerURL":"myreg.azurecr.io","Username":"u","Secret":"s"}`, journal.Served},
		{`{"ServerURL":"myreg.azurecr.io","Username":"u","Secret":""}`, journal.Served},
		{`{"ServerURL":"myreg.azurecr.io","Username":"","Secret":"s"}`, journal.Served},
		{`{"ServerURL":"myreg.azurecr.io","Username":"","Secret":""}`, journal.Empty},
		{`credentials not found in native keychain`, journal.BackendError},
		{``, journal.BackendError},
	} {
		if _, got := decode([]byte(tc.out)); got != tc.want {
			t.Errorf("decode(%q) = %s, want %s", tc.out, got, tc.want)
		}
	}
}

// TestChooseBackend: the settings that name no usable backend are refused
// with what to set, before anything runs.
func TestChooseBackend(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no docker-credential-* at all
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"none on this machine", map[string]string{"DOCKER_CONFIG": t.TempDir()}, "no credential backend"},
		{"itself", map[string]string{envBackend: "AcrDoctor"}, "this helper itself"},
		{"config.json", map[string]string{envBackend: "file"}, "Docker's config.json"},
		{"not a name", map[string]string{envBackend: "../pass"}, "not a helper name"},
		{"not installed", map[string]string{envBackend: "pass"}, `credential backend "pass"`},
		{"wrapped", map[string]string{envWrapped: "1", envBackend: "pass"}, "started as its own backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &settings{getenv: func(k string) string { return tc.env[k] }}
			s.dir = s.configDir()
			if tc.env["DOCKER_CONFIG"] != "" {
				if err := os.WriteFile(filepath.Join(s.dir, "config.json"), []byte(`{"credsStore":"acrdoctor"}`), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := s.backend()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("backend: %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

// TestRunReadOnly: with the doctor's read-only mark, get passes the
// credential on and journals nothing, and store and erase are refused;
// without it, get journals.
func TestRunReadOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", binDir)
	t.Setenv("FAKE_STORE", dir)
	journalPath := filepath.Join(dir, "journal.jsonl")
	run := func(readOnly bool, action, stdin string) (int, string) {
		env := map[string]string{envBackend: "fake", "ACRDOCTOR_JOURNAL": journalPath, "HOME": dir}
		if readOnly {
			env[setting.ReadOnlyEnv] = "1"
		}
		var out bytes.Buffer
		code := Run([]string{action}, strings.NewReader(stdin), &out, new(bytes.Buffer), func(k string) string { return env[k] })
		return code, out.String()
	}
	entries := func() int {
		es, err := journal.Read(journalPath, time.Time{})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return len(es)
	}
	if code, out := run(false, "store", creds("myreg.azurecr.io", "myreg", "s3cr3t")); code != 0 {
		t.Fatalf("store: exit %d: %s", code, out)
	}
	if code, out := run(true, "get", "myreg.azurecr.io"); code != 0 || !strings.Contains(out, `"Username":"myreg"`) {
		t.Fatalf("read-only get: exit %d: %s", code, out)
	}
	if n := entries(); n != 0 {
		t.Errorf("read-only get journaled %d entries", n)
	}
	for _, action := range []string{"store", "erase"} {
		if code, out := run(true, action, creds("myreg.azurecr.io", "x", "y")); code == 0 || !strings.Contains(out, "refused") {
			t.Errorf("read-only %s: exit %d: %s", action, code, out)
		}
	}
	if code, out := run(false, "get", "myreg.azurecr.io"); code != 0 || !strings.Contains(out, `"Secret":"s3cr3t"`) {
		t.Fatalf("get after the refused store: exit %d: %s", code, out)
	}
	if n := entries(); n != 1 {
		t.Errorf("get journaled %d entries, want 1", n)
	}
}

// TestRenewTokenAnswers: what the plugin's renew-token answers becomes a
// token, the missing-identity mark, or an error carrying what it said,
// without a token in it.
func TestRenewTokenAnswers(t *testing.T) {
	const (
		storedSig   = "rkm-PQ53oT08aZq9Lx2Vw7Yb4Nc6Md1Ke3Jf5Hg0Ip8"
		storedToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbGQtdG9rZW4tb2YtdGhlLXN0b3JlIn0." + storedSig
	)
	dir := t.TempDir()
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln"
	cases := []struct {
		name, body string
		want       string
		wantErr    error
		errText    string
	}{
		{"token", "echo " + jwt, jwt, nil, ""},
		{"not a token", "echo renewed", "", nil, "not a token"},
		{"no identity", "exit 3", "", errNoIdentity, ""},
		{"refused", "echo 'AADSTS700016: application not found' >&2; exit 1", "", nil, "AADSTS700016"},
		{"silent failure", "exit 2", "", nil, "exit status 2"},
		{"hangs", "exec sleep 30", "", nil, "no answer within 300ms"},
		// An az that fails quoting the token it was given, or a piece of
		// it, or another: none of it reaches Docker's output or the memo.
		{"quotes the stored token", "echo \"ERROR: sig=" + storedSig + " token=" + storedToken + " aad=" + jwt + "\" >&2; exit 1", "", nil, "ERROR: sig=<redacted> token=<redacted>"},
		{"quotes pieces of it", "echo \"ERROR: sig " + storedSig[5:30] + " and " + storedToken[25:45] + "\" >&2; exit 1", "", nil, "ERROR: sig <redacted> and <redacted>"},
	}
	plugins := make([]string, len(cases)) // each case's body as a script
	for i, tc := range cases {
		plugins[i] = script(t, dir, strings.ReplaceAll(tc.name, " ", "-"), tc.body)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"ACRDOCTOR_PLUGIN": plugins[i], envTimeout: "30s"}
			if strings.HasSuffix(tc.name, "hangs") {
				env[envTimeout] = "300ms"
			}
			got, err := renewToken(&settings{getenv: func(k string) string { return env[k] }}, "myreg.azurecr.io", storedToken)
			if err != nil && (strings.Contains(err.Error(), storedSig[5:20]) || strings.Contains(err.Error(), storedToken[25:40]) || strings.Contains(err.Error(), "eyJleHAiOjF9")) {
				t.Errorf("the error quotes a token: %v", err)
			}
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("renewToken: %v, want %v", err, tc.wantErr)
			case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
				t.Fatalf("renewToken: %v, want an error with %q", err, tc.errText)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Fatalf("renewToken = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestFindPlugin: the plugin in the config directory Docker uses comes
// before any on the system, and a relative config directory is never
// looked in.
func TestFindPlugin(t *testing.T) {
	dir := t.TempDir()
	plugin := filepath.Join(dir, "cli-plugins", "docker-acrdoctor")
	if err := os.MkdirAll(filepath.Dir(plugin), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	none := func(string) string { return "" }
	if got, err := findPlugin(&settings{getenv: none, dir: dir}); err != nil || got != plugin {
		t.Errorf("findPlugin = %q, %v; want %q", got, err, plugin)
	}
	folder := t.TempDir()
	if err := os.MkdirAll(filepath.Join(folder, "cli-plugins", "docker-acrdoctor"), 0o700); err != nil {
		t.Fatal(err)
	}
	if got, _ := findPlugin(&settings{getenv: none, dir: folder}); strings.HasPrefix(got, folder) {
		t.Errorf("findPlugin took the folder %q", got)
	}
	t.Chdir(filepath.Dir(dir))
	if got, _ := findPlugin(&settings{getenv: none, dir: filepath.Base(dir)}); got == filepath.Join(filepath.Base(dir), "cli-plugins", "docker-acrdoctor") {
		t.Errorf("findPlugin took the relative %q", got)
	}
}

// TestFindPluginOnPath: with no plugin where Docker keeps plugins, the
// standalone acr-doctor on PATH renews.
func TestFindPluginOnPath(t *testing.T) {
	bin := t.TempDir()
	want := script(t, bin, "acr-doctor", "exit 0")
	t.Setenv("PATH", bin)
	got, err := findPlugin(&settings{getenv: func(string) string { return "" }, dir: t.TempDir()})
	if err == nil && got != want && !strings.HasPrefix(got, bin) {
		t.Skipf("a plugin installed on this machine comes first: %s", got)
	}
	if err != nil || got != want {
		t.Errorf("findPlugin = %q, %v; want %q", got, err, want)
	}
}

// TestSameContents: the loop guard's comparison of two programs.
func TestSameContents(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b, c := write("a", "same"), write("b", "same"), write("c", "diff")
	missing := filepath.Join(dir, "missing")
	if !sameContents(a, b) || sameContents(a, c) || sameContents(a, missing) || sameContents(missing, missing) {
		t.Error("sameContents compares wrongly")
	}
}
