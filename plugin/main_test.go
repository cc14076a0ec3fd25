package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/cli/cli-plugins/metadata"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/internal/hermetic"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

func TestStandaloneArgs(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"x"}, []string{"x", "acrdoctor"}},
		{[]string{"x", "creds"}, []string{"x", "acrdoctor", "creds"}},
		{[]string{"x", "--config", "/c", "creds", "--all"}, []string{"x", "--config", "/c", "acrdoctor", "creds", "--all"}},
		{[]string{"x", "--config=/c", "-D", "token", "-"}, []string{"x", "--config=/c", "-D", "acrdoctor", "token", "-"}},
		{[]string{"x", "-l", "debug", "creds"}, []string{"x", "-l", "debug", "acrdoctor", "creds"}},
		{[]string{"x", "--help"}, []string{"x", "acrdoctor", "--help"}},
		{[]string{"x", "--config"}, []string{"x", "--config", "acrdoctor"}},
		// The plugin's own flags before the first word stay the plugin's.
		{[]string{"x", "--offline", "myreg.azurecr.io"}, []string{"x", "acrdoctor", "--offline", "myreg.azurecr.io"}},
		{[]string{"x", "--tls", "--timeout", "3s"}, []string{"x", "--tls", "acrdoctor", "--timeout", "3s"}},
		{[]string{"x", "--context=ci", "--format", "json"}, []string{"x", "--context=ci", "acrdoctor", "--format", "json"}},
	}
	for _, tt := range tests {
		if got := standaloneArgs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("standaloneArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOutputParse(t *testing.T) {
	for _, ok := range []string{"", "text", "json", "{{.Registry}}", "{{json .}}", "{{join .Audience \",\"}}"} {
		o := output{raw: ok}
		if err := o.parse(); err != nil {
			t.Errorf("parse(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"yaml", "table", "{{.Registry", "{{nosuchfunc .}}"} {
		o := output{raw: bad}
		err := o.parse()
		if _, isUsage := err.(usageError); !isUsage {
			t.Errorf("parse(%q) = %v, want a usage error", bad, err)
		}
	}
}

// The tests below run the built plugin, as a user or Docker does, in a
// sandbox: its own DOCKER_CONFIG and HOME, and a PATH of the machine's
// tools without az or credential helpers.

// testbin.Version is stamped into the plugin these tests build.

var (
	binOnce  sync.Once
	binDir   string // holds the plugin and the tools folder; removed by TestMain
	binPath  string
	binTools string // PATH for the plugin: hermetic.Tools
	binErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pluginBinary builds docker-acrdoctor once for the tests that run it.
func pluginBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "acrdoctor-plugin-test"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, testbin.Plugin)
		if binErr = testbin.Install(binDir, testbin.Plugin); binErr != nil {
			return
		}
		binTools, binErr = hermetic.Tools(filepath.Join(binDir, "tools"))
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// binSandbox is a DOCKER_CONFIG, HOME and environment of the test's own.
type binSandbox struct {
	t         *testing.T
	configDir string
	env       []string
}

func newBinSandbox(t *testing.T) *binSandbox {
	t.Helper()
	pluginBinary(t)
	root := t.TempDir()
	s := &binSandbox{t: t, configDir: filepath.Join(root, "docker")}
	for _, d := range []string{s.configDir, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.env = []string{
		"DOCKER_CONFIG=" + s.configDir,
		"HOME=" + filepath.Join(root, "home"),
		"PATH=" + binTools,
		"NO_COLOR=1",
		"DOCKER_CLI_HINTS=false",
		"DOCKER_HOST=unix:///nonexistent/docker.sock",
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		s.env = append(s.env, "TMPDIR="+tmp)
	}
	// No credential: with no auths at all Docker would pick the
	// platform's store.
	s.writeConfig(`{"auths": {"placeholder.invalid": {}}}`)
	return s
}

func (s *binSandbox) writeConfig(json string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.configDir, "config.json"), []byte(json), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

type binResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r binResult) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout\n%s--- stderr\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// lines are the non-empty lines of stderr.
func (r binResult) errLines() []string {
	return slices.DeleteFunc(strings.Split(r.stderr, "\n"), func(l string) bool { return strings.TrimSpace(l) == "" })
}

// run runs the plugin standalone (or as Docker does, with the plugin's
// name first, when the environment says so), killed after a minute.
func (s *binSandbox) run(stdin string, args ...string) binResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := binResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		s.t.Fatalf("docker-acrdoctor %q did not end within a minute: %v", args, r)
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			s.t.Fatalf("running docker-acrdoctor: %v", err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// asDocker makes run pass arguments as Docker passes them to a plugin.
func (s *binSandbox) asDocker() *binSandbox {
	c := *s
	c.env = append(slices.Clone(s.env), metadata.ReexecEnvvar+"=docker")
	return &c
}

// proxyTrap is an HTTPS proxy that counts the connections made to it: a
// check of any registry goes through it.
func proxyTrap(t *testing.T) (url string, connections func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String(), n.Load
}

// TestUnknownCommand: a word with no dot at the top is a command or a
// mistake, never a registry to check over the network.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	proxy, connections := proxyTrap(t)
	sb.env = append(sb.env, "HTTPS_PROXY="+proxy, "https_proxy="+proxy, "NO_PROXY=", "no_proxy=")
	tests := []struct {
		args []string
		want string // in the one line on stderr
	}{
		{[]string{"crds"}, `unknown command "crds" for "docker acrdoctor"; did you mean "creds"?`},
		{[]string{"chek"}, `unknown command "chek" for "docker acrdoctor"; did you mean "check"?`},
		{[]string{"bogus"}, `unknown command "bogus" for "docker acrdoctor" (to check the registry bogus.azurecr.io: docker acrdoctor check bogus).`},
		{[]string{"myregistry"}, `(to check the registry myregistry.azurecr.io: docker acrdoctor check myregistry).`},
		{[]string{"hlep"}, `did you mean "help"?`},
		{[]string{"verison"}, `did you mean "version"?`},
		{[]string{"--offline", "crds"}, `unknown command "crds"`},
		{[]string{"myreg.azurecr.io", "crds"}, `unknown command "crds"`},
		{[]string{"myreg/app"}, `unknown command "myreg/app" for "docker acrdoctor".`},
		{[]string{"help", "bogus"}, `unknown command "bogus" for "docker acrdoctor"`},
		{[]string{"help", "crds"}, `did you mean "creds"?`},
	}
	for _, tt := range tests {
		for _, mode := range []string{"standalone", "docker"} {
			t.Run(strings.Join(tt.args, "_")+"/"+mode, func(t *testing.T) {
				s, args := sb, tt.args
				if mode == "docker" {
					s, args = sb.asDocker(), append([]string{"acrdoctor"}, tt.args...)
				} else if tt.args[0] == "--offline" {
					return // standalone, the flags before a command are Docker's
				}
				r := s.run("", args...)
				lines := r.errLines()
				if r.code != 2 || r.stdout != "" || len(lines) != 1 || !strings.HasPrefix(lines[0], "acrdoctor: ") ||
					!strings.Contains(lines[0], tt.want) || !strings.HasSuffix(lines[0], "Run 'docker acrdoctor --help' for usage.") {
					t.Errorf("want exit 2 and one line with %q: %v", tt.want, r)
				}
				if r.took > 10*time.Second {
					t.Errorf("took %s", r.took)
				}
			})
		}
	}
	if n := connections(); n != 0 {
		t.Errorf("%d connections to the proxy: an unknown command was checked as a registry", n)
	}
}

// TestHelpAndVersionCommands: `help` and `version` are commands, not
// registries: help prints the usage, version what --version and the
// plugin metadata say.
func TestHelpAndVersionCommands(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	proxy, connections := proxyTrap(t)
	sb.env = append(sb.env, "HTTPS_PROXY="+proxy, "https_proxy="+proxy, "NO_PROXY=", "no_proxy=")

	meta := sb.run("", metadata.MetadataSubcommandName)
	var m metadata.Metadata
	if err := json.Unmarshal([]byte(meta.stdout), &m); err != nil || m.Version != testbin.Version {
		t.Fatalf("metadata: %v (%v)", meta, err)
	}
	wantVersion := "acrdoctor version " + testbin.Version + "\n"
	for _, s := range []*binSandbox{sb, sb.asDocker()} {
		prefix := []string{}
		if s != sb {
			prefix = []string{"acrdoctor"}
		}
		for _, args := range [][]string{{"version"}, {"--version"}} {
			if r := s.run("", append(prefix, args...)...); r.code != 0 || r.stdout != wantVersion || r.stderr != "" {
				t.Errorf("%q: want %q: %v", append(prefix, args...), wantVersion, r)
			}
		}
		help := s.run("", append(prefix, "help")...)
		flagHelp := s.run("", append(prefix, "--help")...)
		if help.code != 0 || help.stderr != "" || help.stdout != flagHelp.stdout || !strings.Contains(help.stdout, "Usage:  docker acrdoctor") ||
			!strings.Contains(help.stdout, "creds") || !strings.Contains(help.stdout, "version") {
			t.Errorf("help: %v\n--help: %v", help, flagHelp)
		}
		credsHelp := s.run("", append(prefix, "help", "creds")...)
		credsFlag := s.run("", append(prefix, "creds", "--help")...)
		if credsHelp.code != 0 || credsHelp.stdout != credsFlag.stdout || !strings.Contains(credsHelp.stdout, "Usage:  docker acrdoctor creds") {
			t.Errorf("help creds: %v\ncreds --help: %v", credsHelp, credsFlag)
		}
		if r := s.run("", append(prefix, "version", "extra")...); r.code != 2 || len(r.errLines()) != 1 {
			t.Errorf("version extra: %v", r)
		}
	}
	if n := connections(); n != 0 {
		t.Errorf("%d connections to the proxy: help or version was checked as a registry", n)
	}
}

// TestShortNameExplicit: a registry's resource name is still checked
// when asked for with check; a name with a dot needs no command.
func TestShortNameExplicit(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	sb.writeConfig(`{"auths": {"myregistry.azurecr.io": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("myregistry:pw")) + `"}}}`)
	for _, args := range [][]string{
		{"check", "myregistry", "--offline"},
		{"check", "--offline", "myregistry"},
		{"myregistry.azurecr.io", "--offline"},
		{"myregistry.azurecr.io/team/app:1", "--offline"},
	} {
		r := sb.run("", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "myregistry.azurecr.io  no problem seen offline") {
			t.Errorf("%q: want myregistry.azurecr.io checked offline: %v", args, r)
		}
	}
}

// TestStandaloneHints: run standalone, the commands the messages suggest
// are the standalone program's.
func TestStandaloneHints(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	sb.writeConfig(`{"auths": {}}`)
	if r := sb.run("", "check", "--offline"); r.code != 0 || !strings.Contains(r.stdout, "Name one: acr-doctor check myreg.azurecr.io") {
		t.Errorf("standalone check with nothing stored: %v", r)
	}
}

// TestCredsTemplateStoreFails: a template shows entries (or registries)
// only; a store that failed is said on stderr, so the status of 1 is not
// unexplained.
func TestCredsTemplateStoreFails(t *testing.T) {
	t.Parallel()
	sb := newBinSandbox(t)
	sb.writeConfig(`{"auths": {}, "credsStore": "nosuchhelper"}`)
	for _, args := range [][]string{{"creds"}, {"check", "--offline"}} {
		command := args[0]
		r := sb.run("", append(args, "--format", "{{.Registry}}")...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "credsStore:nosuchhelper fails; acr-doctor "+command+" says why") {
			t.Errorf("%s --format over a missing store: %v", command, r)
		}
	}
}

func TestConfigFileLocated(t *testing.T) {
	const def = "/default"
	tests := []struct {
		args   []string
		want   string
		loaded bool
	}{
		{[]string{"x", "acrdoctor", "creds"}, "/default/config.json", true},
		{[]string{"x", "--config", "/c", "acrdoctor", "creds"}, "/c/config.json", true},
		{[]string{"x", "--config=/c", "-D", "acrdoctor", "token"}, "/c/config.json", true},
		{[]string{"x", "--config", "/a", "--config", "/b", "acrdoctor"}, "/b/config.json", true},
		{[]string{"x", "-l", "--config", "acrdoctor"}, "/default/config.json", true}, // --config is -l's value
		{[]string{"x", "--context", "c", "acrdoctor", "creds", "--config", "/c"}, "/default/config.json", true},
		{[]string{"x", "--config", "", "acrdoctor"}, "/default/config.json", true},
		{[]string{"x", "--config"}, "/default/config.json", true},
		{[]string{"x", "docker-cli-plugin-metadata"}, "/default/config.json", false},
		{[]string{"x", "acrdoctor", "docker-cli-plugin-hooks", "{}"}, "/default/config.json", false},
		{[]string{"x", "acrdoctor", "check", "docker-cli-plugin-hooks"}, "/default/config.json", true},
	}
	for _, tt := range tests {
		got, loaded := configFile(tt.args, def)
		if got != filepath.FromSlash(tt.want) || loaded != tt.loaded {
			t.Errorf("configFile(%q) = %q, %v; want %q, %v", tt.args, got, loaded, tt.want, tt.loaded)
		}
	}
}

// TestConfigFileLimit: the limit is credstore's, to the byte.
func TestConfigFileLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	args := []string{"x", "acrdoctor", "creds"}
	if err := checkConfigFile(args, dir); err != nil {
		t.Errorf("no config.json: %v", err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for size, refused := range map[int64]bool{0: false, configjson.MaxSize: false, configjson.MaxSize + 1: true} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		err := checkConfigFile(args, dir)
		if _, isUsage := err.(usageError); (err != nil) != refused || (refused && !isUsage) {
			t.Errorf("size %d: %v", size, err)
		}
	}
}

func TestExitStatus(t *testing.T) {
	if code, how := exitStatus(errors.New("wait: no child")); code != 1 || !strings.Contains(how, "no child") {
		t.Errorf("exitStatus(non-exit error) = %d, %q", code, how)
	}
}
