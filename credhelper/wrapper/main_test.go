package wrapper

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
	"github.com/acr-doctor/acr-doctor/internal/hermetic"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

// binDir holds docker-credential-acrdoctor, docker-credential-fake and the
// plugin, built once for every test and benchmark; toolDir the machine's
// programs but az and credential helpers (package hermetic); parentDir a
// stand-in docker that runs helpers as Docker does; coverDir, when the
// tests run with -cover, where the helper's runs leave their coverage.
var binDir, toolDir, parentDir, coverDir string

// sources are the files the binaries are built from. go test caches a
// passing result by the test binary and the files the tests open, and the
// test binary need not link what the helper binary runs: a change there
// would be reported as a cached pass. So the first sandbox looks at each.
var (
	sources     []string
	statSources sync.Once
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	// The fuzz targets are pure functions: fuzzing (and each of its worker
	// processes, which run TestMain too) needs no program built.
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "credhelper-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir, parentDir = filepath.Join(dir, "bin"), filepath.Join(dir, "parent")
	if toolDir, err = hermetic.Tools(filepath.Join(dir, "tools")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The tests run the helper as Docker does, a process of its own: with
	// -cover, it is built to count its own coverage, which is added to the
	// test's profile, so that coverage (and mutation testing, which goes by
	// it) sees what the helper does. The main package must be among those
	// counted, or the binary writes nothing.
	var cover []string
	if mode := testing.CoverMode(); mode != "" {
		coverDir = filepath.Join(dir, "cover")
		if err := os.Mkdir(coverDir, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cover = []string{"-cover", "-covermode=" + mode, "-coverpkg=github.com/acr-doctor/acr-doctor/credhelper/..."}
	}
	// The plugin is there too: the helper runs its renew-token to renew.
	// The helper that counts its coverage is built here.
	shared := []string{testbin.Helper, testbin.Fake, testbin.Plugin}
	if cover != nil {
		shared = shared[1:]
	}
	if err := testbin.Install(binDir, shared...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	builds := map[string]string{"./testdata/docker": filepath.Join(parentDir, "docker")}
	if cover != nil {
		builds[".."] = filepath.Join(binDir, testbin.Helper)
	}
	for pkg, out := range builds {
		args := []string{"build", "-ldflags", "-s -w -X main.version=" + testbin.Version, "-o", out}
		if pkg == ".." {
			args = append(args, cover...)
		}
		cmd := exec.Command("go", append(args, pkg)...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n", pkg, err)
			return 1
		}
	}
	list := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{range .GoFiles}}{{printf "%s/%s\n" $.Dir .}}{{end}}{{end}}`,
		"..", "../../plugin", "./testdata/fake", "./testdata/docker")
	out, err := list.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go list:", err)
		return 1
	}
	sources = strings.Fields(string(out))
	code := m.Run()
	if err := addHelperCoverage(); err != nil {
		fmt.Fprintln(os.Stderr, "the helper's coverage:", err)
		return 1
	}
	return code
}

// addHelperCoverage appends what the helper's own runs covered to the
// profile -coverprofile names, which go test has just written.
func addHelperCoverage() error {
	f := flag.Lookup("test.coverprofile")
	if coverDir == "" || f == nil || f.Value.String() == "" {
		return nil
	}
	profile := f.Value.String()
	if !filepath.IsAbs(profile) {
		if dir := flag.Lookup("test.outputdir"); dir != nil && dir.Value.String() != "" {
			profile = filepath.Join(dir.Value.String(), profile)
		}
	}
	text := filepath.Join(coverDir, "profile.txt")
	if out, err := exec.Command("go", "tool", "covdata", "textfmt", "-i="+coverDir, "-o="+text).CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	lines, err := os.ReadFile(text)
	if err != nil {
		return err
	}
	_, body, _ := strings.Cut(string(lines), "\n") // its own "mode:" line
	out, err := os.OpenFile(profile, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := out.WriteString(body); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// sandbox is one isolated environment: its own Docker config directory,
// fake store and journal.
type sandbox struct {
	t       testing.TB
	dir     string
	env     []string
	journal string
}

func newSandbox(t testing.TB, extra ...string) *sandbox {
	t.Helper()
	statSources.Do(func() {
		for _, f := range sources {
			os.Stat(f)
		}
	})
	dir := t.TempDir()
	s := &sandbox{t: t, dir: dir, journal: filepath.Join(dir, "state", "journal.jsonl")}
	for _, d := range []string{"docker", "store"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s.env = []string{
		"PATH=" + binDir + string(os.PathListSeparator) + toolDir,
		"HOME=" + dir,
		"DOCKER_CONFIG=" + filepath.Join(dir, "docker"),
		"FAKE_STORE=" + filepath.Join(dir, "store"),
		"ACRDOCTOR_JOURNAL=" + s.journal,
		"ACRDOCTOR_PLUGIN=" + filepath.Join(binDir, "docker-acrdoctor"),
		"GOCOVERDIR=" + coverDir,
	}
	s.env = append(s.env, extra...)
	return s
}

func (s *sandbox) with(extra ...string) *sandbox {
	c := *s
	c.env = append(append([]string(nil), s.env...), extra...)
	return &c
}

func (s *sandbox) writeConfig(v string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, "docker", "config.json"), []byte(v), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// run runs docker-credential-<helper> action with stdin, as Docker does.
func (s *sandbox) run(helper, action, stdin string) result {
	s.t.Helper()
	name := "docker-credential-" + helper
	cmd := &exec.Cmd{Path: filepath.Join(binDir, name), Args: []string{name, action}}
	if _, err := os.Stat(cmd.Path); err != nil {
		p, err := exec.LookPath(name) // a real helper, e.g. pass
		if err != nil {
			s.t.Fatal(err)
		}
		cmd.Path = p
	}
	return s.exec(cmd, stdin)
}

// exec runs cmd in the sandbox's environment with stdin.
func (s *sandbox) exec(cmd *exec.Cmd, stdin string) result {
	s.t.Helper()
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func (s *sandbox) entries() []journal.Entry {
	s.t.Helper()
	es, err := journal.Read(s.journal, time.Time{})
	if err != nil {
		s.t.Fatal(err)
	}
	return es
}

func creds(server, user, secret string) string {
	// As the credentials package encodes them: "<" as \u003c.
	b, _ := json.Marshal(credentials.Credentials{ServerURL: server, Username: user, Secret: secret})
	return string(b)
}

// protocolSteps is a session of every action, including the failures.
var protocolSteps = []struct{ action, stdin string }{
	{"list", ""},
	{"get", "myreg.azurecr.io"},
	{"erase", "myreg.azurecr.io"},
	{"store", creds("myreg.azurecr.io", "myreg", "s3cret-admin")},
	{"store", creds("other.example.com", "<token>", "opaque-identity-token")},
	{"store", creds("", "user", "x")},
	{"store", "not json"},
	{"get", "myreg.azurecr.io"},
	{"get", "other.example.com\n"},
	{"get", ""},
	{"list", ""},
	{"erase", "myreg.azurecr.io"},
	{"get", "myreg.azurecr.io"},
	{"list", ""},
	{"bogus", ""},
}

// TestProtocolFake replays one session against the fake helper directly
// and through the wrapper, each with its own store: every answer must be
// the same bytes, stderr and exit status.
func TestProtocolFake(t *testing.T) {
	direct := newSandbox(t, "FAKE_STDERR=fake: a note on stderr")
	wrapped := newSandbox(t, "FAKE_STDERR=fake: a note on stderr", "ACRDOCTOR_CREDENTIAL_BACKEND=fake")
	for i, st := range protocolSteps {
		want := direct.run("fake", st.action, st.stdin)
		got := wrapped.run("acrdoctor", st.action, st.stdin)
		if got != want {
			t.Errorf("step %d %s %q:\n wrapper %v\n backend %v", i, st.action, st.stdin, got, want)
		}
	}
	// A sanity check that the session did exercise both answers.
	if r := direct.run("fake", "get", "myreg.azurecr.io"); r.code != 1 || strings.TrimSpace(r.stdout) != notFound {
		t.Fatalf("fake helper after erase: %v", r)
	}
	outcomes := []journal.Outcome{}
	for _, e := range wrapped.entries() {
		outcomes = append(outcomes, e.Outcome)
	}
	want := []journal.Outcome{journal.NotFound, journal.Served, journal.Served, journal.BackendError, journal.NotFound}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("journal outcomes %v, want %v", outcomes, want)
	}
}

// TestBackendFailure: a failing backend's stdout, stderr and exit status
// reach Docker unchanged, and the get is journalled as backend_error.
func TestBackendFailure(t *testing.T) {
	s := newSandbox(t, "FAKE_FAIL=pass store is locked", "FAKE_STDERR=gpg: decryption failed")
	for _, action := range []string{"get", "store", "list", "erase"} {
		want := s.run("fake", action, "myreg.azurecr.io")
		got := s.with("ACRDOCTOR_CREDENTIAL_BACKEND=fake").run("acrdoctor", action, "myreg.azurecr.io")
		if got != want || got.code != 3 {
			t.Errorf("%s: wrapper %v, backend %v", action, got, want)
		}
	}
	if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.BackendError {
		t.Errorf("journal %+v, want one backend_error", es)
	}
}

// TestEmptyCredentialIsNotFound: Debian's old pass helper answers an empty
// credential with exit 0; Docker must be told not-found instead.
func TestEmptyCredentialIsNotFound(t *testing.T) {
	s := newSandbox(t, "FAKE_EMPTY=1")
	if r := s.run("fake", "get", "myreg.azurecr.io"); r.code != 0 || !strings.Contains(r.stdout, `"Username":""`) {
		t.Fatalf("fake helper with FAKE_EMPTY: %v", r)
	}
	got := s.with("ACRDOCTOR_CREDENTIAL_BACKEND=fake").run("acrdoctor", "get", "myreg.azurecr.io")
	if want := (result{notFound + "\n", "", 1}); got != want {
		t.Errorf("wrapper: %v, want %v", got, want)
	}
	if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.Empty || es[0].Registry != "myreg.azurecr.io" {
		t.Errorf("journal %+v, want one empty entry", es)
	}
}

// TestJournalUnwritable: a journal that cannot be written never fails the
// get, and says why only when asked to (ACRDOCTOR_DEBUG=1).
func TestJournalUnwritable(t *testing.T) {
	s := newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=fake")
	if r := s.run("acrdoctor", "store", creds("myreg.azurecr.io", "myreg", "pw")); r.code != 0 {
		t.Fatalf("store: %v", r)
	}
	s = s.with("ACRDOCTOR_JOURNAL=" + filepath.Join(s.dir, "docker", "config.json", "journal.jsonl")) // under a file
	s.writeConfig(`{"credsStore":"acrdoctor"}`)
	for _, debug := range []string{"0", "1"} {
		r := s.with("ACRDOCTOR_DEBUG="+debug).run("acrdoctor", "get", "myreg.azurecr.io")
		if r.code != 0 || !strings.Contains(r.stdout, `"Secret":"pw"`) {
			t.Fatalf("get with ACRDOCTOR_DEBUG=%s: %v", debug, r)
		}
		if said := strings.Contains(r.stderr, "journal "); said != (debug == "1") {
			t.Errorf("ACRDOCTOR_DEBUG=%s: stderr %q", debug, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	s := newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=fake")
	want := result{"docker-credential-acrdoctor (github.com/acr-doctor/acr-doctor) " + testbin.Version + "\n", "", 0}
	for _, arg := range []string{"version", "--version", "-v"} {
		if got := s.run("acrdoctor", arg, ""); got != want {
			t.Errorf("%s: %v, want %v", arg, got, want)
		}
	}
	// Even when the backend cannot be found: version names us only.
	if got := s.with("ACRDOCTOR_CREDENTIAL_BACKEND=nope").run("acrdoctor", "version", ""); got != want {
		t.Errorf("version with a missing backend: %v", got)
	}
}

// TestLoopRefused: acrdoctor as its own backend, set either way, fails
// every action at once with a message naming the setting.
func TestLoopRefused(t *testing.T) {
	s := newSandbox(t)
	s.writeConfig(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"acrdoctor"}}}`)
	for name, sb := range map[string]*sandbox{"config": s, "env": s.with("ACRDOCTOR_CREDENTIAL_BACKEND=ACRDoctor")} {
		for _, action := range []string{"get", "list", "store"} {
			r := sb.run("acrdoctor", action, "myreg.azurecr.io")
			if r.code != 1 || !strings.Contains(r.stdout, "this helper itself: that would loop") {
				t.Errorf("%s %s: %v", name, action, r)
			}
		}
	}
	s.writeConfig(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"../../bin/sh"}}}`)
	if r := s.run("acrdoctor", "list", ""); r.code != 1 || !strings.Contains(r.stdout, "is not a helper name") {
		t.Errorf("path as backend: %v", r)
	}
}

// TestBackendFromConfig: with no environment variable the backend comes
// from plugins.acrdoctor.credential-backend.
func TestBackendFromConfig(t *testing.T) {
	s := newSandbox(t)
	s.writeConfig(`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"fake"}}}`)
	if r := s.run("acrdoctor", "store", creds("a.azurecr.io", "a", "pw")); r.code != 0 {
		t.Fatal(r)
	}
	if r := s.run("fake", "list", ""); r.stdout != `{"a.azurecr.io":"a"}`+"\n" {
		t.Errorf("the fake store holds %v", r)
	}
	// A missing backend is a one-line error naming the setting.
	s.writeConfig(`{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"nope"}}}`)
	r := s.run("acrdoctor", "get", "a.azurecr.io")
	if r.code != 1 || !strings.Contains(r.stdout, `credential backend "nope"`) || !strings.Contains(r.stdout, "plugins.acrdoctor.credential-backend") {
		t.Errorf("missing backend: %v", r)
	}
	// Without the setting, a registry sent to the wrapper through
	// credHelpers gets the credsStore the others go to: the store Docker
	// would have used for it, not the platform's default.
	s.writeConfig(`{"credsStore":"fake","credHelpers":{"a.azurecr.io":"acrdoctor"}}`)
	if r := s.run("acrdoctor", "get", "a.azurecr.io"); r.code != 0 || !strings.Contains(r.stdout, `"Secret":"pw"`) {
		t.Errorf("backend from credsStore: %v", r)
	}
	s.writeConfig(`{"credsStore":"nope","credHelpers":{"a.azurecr.io":"acrdoctor"}}`)
	if r := s.run("acrdoctor", "get", "a.azurecr.io"); r.code != 1 || !strings.Contains(r.stdout, `credential backend "nope"`) || !strings.Contains(r.stdout, ": credsStore") {
		t.Errorf("a missing backend from credsStore is named as such: %v", r)
	}
}

func mint(host string, iat time.Time) string {
	return tokentest.Default().Sign(tokentest.ACRRefresh(host, "alice@contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", iat, "read"))
}

// TestHints: an expired or expiring ACR token draws one stderr line and is
// returned unchanged; a valid one, a quiet wrapper, or a registry that is
// not ACR draw nothing. The secret is never in stderr or the journal.
func TestHints(t *testing.T) {
	now := time.Now()
	life := tokentest.RefreshLifetime
	const host = "myreg.azurecr.io"
	cases := []struct {
		name    string
		host    string
		user    string
		iat     time.Time
		env     []string
		config  string
		hint    []string // substrings of the hint; nil for none
		outcome journal.Outcome
	}{
		{name: "expired", host: host, user: "<token>", iat: now.Add(-life - 2*time.Hour - 13*time.Minute - 10*time.Second),
			hint: []string{"acr-doctor: the ACR refresh token for myreg.azurecr.io expired 2h13m ago (at ", " UTC); run: az acr login -n myreg; no Azure identity in the environment to renew it with\n"}, outcome: journal.Expired},
		{name: "expiring", host: host, user: "<token>", iat: now.Add(-life + 3*time.Minute + 30*time.Second),
			hint: []string{"acr-doctor: the ACR refresh token for myreg.azurecr.io expires in 3m (at ", "run: az acr login -n myreg; no Azure identity in the environment to renew it with\n"}, outcome: journal.Expiring},
		{name: "null GUID password", host: host, user: "00000000-0000-0000-0000-000000000000", iat: now.Add(-life - time.Hour),
			hint: []string{"expired 1h", "az acr login -n myreg"}, outcome: journal.Expired},
		{name: "valid", host: host, user: "<token>", iat: now, outcome: journal.Served},
		{name: "renewal off", host: host, user: "<token>", iat: now.Add(-life - time.Hour), env: []string{"ACRDOCTOR_RENEW=off"},
			hint: []string{"expired 1h", "run: az acr login -n myreg\n"}, outcome: journal.Expired},
		{name: "margin from env", host: host, user: "<token>", iat: now.Add(-life + 30*time.Minute), env: []string{"ACRDOCTOR_RENEW_MARGIN=1h"},
			hint: []string{"expires in 29m"}, outcome: journal.Expiring},
		{name: "margin from config", host: host, user: "<token>", iat: now.Add(-life + 30*time.Minute),
			config: `{"plugins":{"acrdoctor":{"renew-margin":"45m"}}}`, hint: []string{"expires in 29m"}, outcome: journal.Expiring},
		{name: "within default margin only", host: host, user: "<token>", iat: now.Add(-life + 30*time.Minute), outcome: journal.Served},
		{name: "quiet env", host: host, user: "<token>", iat: now.Add(-life - time.Hour), env: []string{"ACRDOCTOR_QUIET=1"}, outcome: journal.Expired},
		{name: "hints off in config", host: host, user: "<token>", iat: now.Add(-life - time.Hour),
			config: `{"plugins":{"acrdoctor":{"hints":"off"}}}`, outcome: journal.Expired},
		{name: "not ACR", host: "registry.example.com", user: "<token>", iat: now.Add(-life - time.Hour), outcome: journal.Served},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := mint(tc.host, tc.iat)
			s := newSandbox(t, tc.env...)
			if tc.config != "" {
				s.writeConfig(tc.config)
			}
			if r := s.run("fake", "store", creds(tc.host, tc.user, secret)); r.code != 0 {
				t.Fatal(r)
			}
			want := s.run("fake", "get", tc.host)
			got := s.with("ACRDOCTOR_CREDENTIAL_BACKEND=fake").run("acrdoctor", "get", tc.host)
			if got.stdout != want.stdout || got.code != 0 || !strings.Contains(want.stdout, secret) {
				t.Fatalf("stdout differs or not served:\n wrapper %v\n backend %v", got, want)
			}
			if tc.hint == nil && got.stderr != "" {
				t.Errorf("stderr %q, want none", got.stderr)
			}
			for _, h := range tc.hint {
				if !strings.Contains(got.stderr, h) {
					t.Errorf("stderr %q lacks %q", got.stderr, h)
				}
			}
			if n := strings.Count(got.stderr, "\n"); tc.hint != nil && n != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", n, got.stderr)
			}
			es := s.entries()
			if len(es) != 1 {
				t.Fatalf("journal has %d entries, want 1", len(es))
			}
			e := es[0]
			if e.Outcome != tc.outcome || e.Registry != tc.host {
				t.Errorf("journal %+v, want outcome %s", e, tc.outcome)
			}
			if tc.host == host {
				exp := tc.iat.Add(life).Truncate(time.Second)
				if e.Kind != "refresh_token" || e.ExpiresAt == nil || !e.ExpiresAt.Equal(exp) {
					t.Errorf("journal kind %q, expiry %v; want refresh_token, %v", e.Kind, e.ExpiresAt, exp)
				}
			} else if e.Kind != "unknown" || e.ExpiresAt != nil {
				t.Errorf("non-ACR host decoded: %+v", e)
			}
			raw, _ := os.ReadFile(s.journal)
			for _, leak := range []string{secret, strings.Split(secret, ".")[1], strings.Split(secret, ".")[2]} {
				if strings.Contains(got.stderr, leak) || bytes.Contains(raw, []byte(leak)) {
					t.Errorf("the secret (or a part of it) is in stderr or the journal")
				}
			}
		})
	}
}

// BenchmarkGet times a get of a valid ACR token through the wrapper and
// from the fake backend directly, each a fresh process as Docker runs it.
func BenchmarkGet(b *testing.B) {
	s := newSandbox(b, "ACRDOCTOR_CREDENTIAL_BACKEND=fake")
	if r := s.run("fake", "store", creds("myreg.azurecr.io", "<token>", mint("myreg.azurecr.io", time.Now()))); r.code != 0 {
		b.Fatal(r)
	}
	for _, helper := range []string{"fake", "acrdoctor"} {
		b.Run(helper, func(b *testing.B) {
			for b.Loop() {
				if r := s.run(helper, "get", "myreg.azurecr.io"); r.code != 0 || r.stderr != "" {
					b.Fatal(r)
				}
			}
		})
	}
}
