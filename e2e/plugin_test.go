package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

// TestDiscovery: docker finds the plugin in $DOCKER_CONFIG/cli-plugins and
// shows its metadata.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)

	help := e.docker("--help")
	if !strings.Contains(help.stdout, "acrdoctor*") || !strings.Contains(help.stdout, "Diagnose Docker logins to Azure Container Registry") {
		t.Errorf("docker --help does not list the plugin:\n%s", help.stdout)
	}
	if strings.Contains(help.stdout+help.stderr, "Invalid Plugins") {
		t.Errorf("docker reports an invalid plugin:\n%v", help)
	}
	// docker info prints the client part, plugins included, before failing
	// to reach a daemon.
	info := e.docker("info")
	if !strings.Contains(info.stdout, "acrdoctor: Diagnose Docker logins") || !strings.Contains(info.stdout, "acr-doctor") ||
		!strings.Contains(info.stdout, testbin.Version) {
		t.Errorf("docker info does not list the plugin with vendor and version:\n%v", info)
	}
	meta := e.run("", pluginBin, "docker-cli-plugin-metadata")
	var m struct{ SchemaVersion, Vendor, Version, ShortDescription, URL string }
	if err := json.Unmarshal([]byte(meta.stdout), &m); err != nil || m.SchemaVersion != "0.1.0" || m.Version != testbin.Version || m.URL == "" {
		t.Errorf("metadata = %+v (%v)", m, err)
	}
}

// TestConfigFlag: --config switches both plugin discovery and the config read.
func TestConfigFlag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(`{"auths": {"firstreg.azurecr.io": {"auth": "` + b64("ci-pull:pw1") + `"}}}`)
	other := filepath.Join(t.TempDir(), "other")
	if err := os.MkdirAll(filepath.Join(other, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pluginBin, filepath.Join(other, "cli-plugins", "docker-acrdoctor")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "config.json"), []byte(`{"auths": {"secondreg.azurecr.io": {"auth": "`+b64("ci-push:pw2")+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"acrdoctor", "creds", "--format", "{{.Registry}}"}, "firstreg.azurecr.io\n"},
		{[]string{"--config", other, "acrdoctor", "creds", "--format", "{{.Registry}}"}, "secondreg.azurecr.io\n"},
	} {
		if r := e.docker(tc.args...); r.stdout != tc.want || r.code != 0 {
			t.Errorf("docker %v: want %q, got %v", tc.args, tc.want, r)
		}
	}
	// Standalone, with the same global flags.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"creds", "--format", "{{.Registry}}"}, "firstreg.azurecr.io\n"},
		{[]string{"--config", other, "creds", "--format", "{{.Registry}} {{.Kind}}"}, "secondreg.azurecr.io repository_token\n"},
	} {
		if r := e.run("", pluginBin, tc.args...); r.stdout != tc.want || r.code != 0 {
			t.Errorf("docker-acrdoctor %v: want %q, got %v", tc.args, tc.want, r)
		}
	}
}

// TestBadInput: one clear line and exit status 2, never a panic.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, config string
		args         []string
		stdin        string
		want         string
	}{
		{name: "malformed config", config: "{\n  \"auths\": {\n    \"a.azurecr.io\": {\"auth\": \"x\"},\n  }\n}", args: []string{"creds"},
			want: "config.json: line 4, column 3"},
		{name: "bad base64", config: `{"auths": {"a.azurecr.io": {"auth": "%%%"}}}`, args: []string{"creds"},
			want: `auths["a.azurecr.io"].auth is not valid base64`},
		{name: "unknown format", config: `{}`, args: []string{"creds", "--format", "yaml"}, want: `unknown --format "yaml"`},
		{name: "bad template", config: `{}`, args: []string{"creds", "--format", "{{.Nope"}, want: "--format:"},
		{name: "not a JWT", config: `{}`, args: []string{"token", "not-a-token"}, want: "not a JWT"},
		{name: "not a JWT on stdin", config: `{}`, args: []string{"token", "-"}, stdin: "eyJhbGciOi.garbage\n", want: "not a JWT"},
		{name: "unknown flag", config: `{}`, args: []string{"creds", "--nope"}, want: "unknown flag: --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.writeConfig(tt.config)
			r := e.run(tt.stdin, "docker", append([]string{"acrdoctor"}, tt.args...)...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1] // docker itself may warn about the config first
			if r.code != 2 || !strings.Contains(last, tt.want) || !strings.HasPrefix(last, "acrdoctor: ") {
				t.Errorf("want exit 2 and a line with %q: %v", tt.want, r)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("panicked: %v", r)
			}
		})
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(`{}`)
	now := time.Now()
	s := tokentest.Default()
	refresh := s.Sign(tokentest.ACRRefresh("myreg.azurecr.io", "carol@contoso.com", tenant, now.Add(-4*time.Hour), "read"))
	aad := s.Sign(tokentest.AAD(tenant, "carol@contoso.com", now.Add(-10*time.Minute)))
	exposed := `{"loginServer": "otherreg.azurecr.io", "accessToken": "` + refresh + `"}`

	tests := []struct {
		name, stdin string
		args        []string
		code        int
		kind        string
		causes      []string
	}{
		{name: "expired refresh token", stdin: refresh + "\n", args: []string{"-"}, code: 1, kind: "refresh_token", causes: []string{"expired_credentials"}},
		{name: "expose-token JSON for another registry", stdin: exposed, args: []string{"-"}, code: 1, kind: "refresh_token", causes: []string{"invalid_credentials", "expired_credentials"}},
		{name: "AAD token as argument", args: []string{aad}, code: 0, kind: "aad_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(tt.stdin, "docker", append([]string{"acrdoctor", "token", "--format", "json"}, tt.args...)...)
			var got struct {
				Kind      string                `json:"kind"`
				Claims    map[string]any        `json:"claims"`
				ExpiresAt *time.Time            `json:"expires_at"`
				Expired   bool                  `json:"expired"`
				Causes    []struct{ ID string } `json:"causes"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("%v: %v", err, r)
			}
			var ids []string
			for _, c := range got.Causes {
				ids = append(ids, c.ID)
			}
			if r.code != tt.code || got.Kind != tt.kind || strings.Join(ids, ",") != strings.Join(tt.causes, ",") || got.ExpiresAt == nil {
				t.Errorf("kind %s causes %v: %v", got.Kind, ids, r)
			}
			if got.Claims["sub"] == nil && got.Claims["upn"] == nil {
				t.Errorf("claims missing: %v", got.Claims)
			}
		})
	}
	// Text and template outputs, and the secret check.
	text := e.run(refresh, "docker", "acrdoctor", "token", "-")
	for _, w := range []string{"ACR refresh token", "carol@contoso.com", "myreg.azurecr.io", "expired 45m ago", "az acr login -n myreg"} {
		if !strings.Contains(text.stdout, w) {
			t.Errorf("text output lacks %q:\n%s", w, text.stdout)
		}
	}
	if r := e.run(refresh, "docker", "acrdoctor", "token", "-", "--format", "{{.Subject}} {{.Expired}}"); r.stdout != "carol@contoso.com true\n" {
		t.Errorf("template output: %v", r)
	}
	for _, r := range []result{text, e.run(exposed, "docker", "acrdoctor", "token", "-", "--format", "json"), e.run("", "docker", "-D", "acrdoctor", "token", aad)} {
		for _, sec := range []string{refresh, aad} {
			for _, piece := range secretPieces(sec) {
				if strings.Contains(r.stdout+r.stderr, piece) {
					t.Errorf("token output holds part of the token: %v", r)
				}
			}
		}
	}
}

// TestUnknownCommand: through the real docker client, a mistyped command
// is refused in one line with a suggestion, not checked as a registry;
// help and version are commands.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	start := time.Now()
	r := e.docker("acrdoctor", "crds")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	want := `acrdoctor: unknown command "crds" for "docker acrdoctor"; did you mean "creds"? Run 'docker acrdoctor --help' for usage.`
	if r.code != 2 || r.stdout != "" || len(lines) != 1 || lines[0] != want {
		t.Errorf("want exit 2 and %q: %v", want, r)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s", took)
	}
	if r := e.docker("acrdoctor", "version"); r.code != 0 || r.stdout != "acrdoctor version "+testbin.Version+"\n" {
		t.Errorf("docker acrdoctor version: %v", r)
	}
	if r := e.docker("acrdoctor", "help", "creds"); r.code != 0 || !strings.Contains(r.stdout, "Usage:  docker acrdoctor creds") {
		t.Errorf("docker acrdoctor help creds: %v", r)
	}
}
