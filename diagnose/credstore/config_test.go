package credstore

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParse(t *testing.T) {
	data := `{
  "auths": {
    "myreg.azurecr.io": {"auth": "` + b64("00000000-0000-0000-0000-000000000000:") + `", "identitytoken": "eyJ.x.y"},
    "admin.azurecr.io": {"auth": "` + b64("admin:s3cr:et") + `"},
    "placeholder.azurecr.io": {}
  },
  "credsStore": "pass",
  "credHelpers": {"helped.azurecr.io": "acr-env"},
  "plugins": {"acrdoctor": {"credential-backend": "file"}}
}`
	cfg, err := Parse("config.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, user, pass, idtok string
	}{
		{"myreg.azurecr.io", "00000000-0000-0000-0000-000000000000", "", "eyJ.x.y"},
		{"admin.azurecr.io", "admin", "s3cr:et", ""}, // only the first colon splits
		{"placeholder.azurecr.io", "", "", ""},
	}
	for _, tt := range tests {
		ac, ok := cfg.Auths[tt.key]
		if !ok {
			t.Fatalf("auths[%q] missing", tt.key)
		}
		if ac.Username != tt.user || ac.Password != tt.pass || ac.IdentityToken != tt.idtok || ac.Auth != "" || ac.ServerAddress != tt.key {
			t.Errorf("auths[%q] = %+v", tt.key, ac)
		}
	}
	if cfg.CredsStore != "pass" || cfg.CredHelpers["helped.azurecr.io"] != "acr-env" {
		t.Errorf("stores = %q %v", cfg.CredsStore, cfg.CredHelpers)
	}
	if got := cfg.PluginSetting("credential-backend"); got != "file" {
		t.Errorf("PluginSetting = %q", got)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "  \n", "{}"} {
		cfg, err := Parse("config.json", []byte(data))
		if err != nil || len(cfg.Auths) != 0 {
			t.Errorf("Parse(%q) = %v, %v", data, cfg, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const secret = "hunter2-very-secret"
	tests := []struct {
		name, data string
		line, col  int
		want       string
	}{
		{"truncated", "{\n  \"auths\": {\n    \"a.azurecr.io\": {\"auth\": \"" + b64("u:"+secret) + "\"}\n", 4, 1, "unexpected end of JSON input"},
		{"trailing comma", "{\n  \"credsStore\": \"pass\",\n}", 3, 1, "invalid character looking for beginning of object key string"},
		// encoding/json would quote the character after the broken string:
		// the first letter of the rest of a password.
		{"quote inside a password", `{"auths":{"a.azurecr.io":{"auth":"dXNlcjp` + `"Q` + secret + `"}}}`, 1, 43, "invalid character after object key:value pair"},
		{"auths is an array", "{\"auths\": [\"" + secret + "\"]}", 1, 11, `"auths" must be an object, not a JSON array`},
		{"credHelpers value", "{\"credHelpers\": {\"x\": 1}}", 1, 23, "must be a string, not a JSON number"},
		{"not an object", "[1,2]", 1, 1, "must be"},
		{"garbage", "\x00\x01" + secret, 1, 1, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/home/u/.docker/config.json", []byte(tt.data))
			var pe *configjson.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *configjson.ParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("at line %d column %d, want %d:%d (%v)", pe.Line, pe.Column, tt.line, tt.col, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "/home/u/.docker/config.json: line ") {
				t.Errorf("err = %q, want it to name the file and say %q", msg, tt.want)
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, "'Q'") {
				t.Errorf("error quotes the secret: %q", msg)
			}
		})
	}
}

func TestParseBadAuth(t *testing.T) {
	const secret = "pa55word-not-for-printing"
	tests := []struct{ name, auth, want string }{
		{"not base64", "!!" + secret, "is not valid base64 (bad character at position 0)"},
		{"truncated base64", b64("user:" + secret)[:10], "is not valid base64"},
		{"no colon", b64("user" + secret), `does not decode to "username:password"`},
		{"empty user", b64(":" + secret), `does not decode to "username:password"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.json", []byte(`{"auths":{"r.azurecr.io":{"auth":"`+tt.auth+`"}}}`))
			var ae *AuthError
			if !errors.As(err, &ae) || ae.Registry != "r.azurecr.io" {
				t.Fatalf("err = %v, want *AuthError for r.azurecr.io", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `auths["r.azurecr.io"].auth`) {
				t.Errorf("err = %q, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), tt.auth) {
				t.Errorf("error quotes the input: %q", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	empty := t.TempDir() // a PATH with no helpers: no default store
	t.Setenv("PATH", empty)

	t.Run("missing file", func(t *testing.T) {
		cfg, err := Load(t.TempDir(), noEnv)
		if err != nil || cfg.CredsStore != "" || cfg.DefaultStore || !cfg.Missing {
			t.Fatalf("Load = %+v, %v", cfg, err)
		}
	})
	t.Run("env", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "config.json"), `{"auths":{"a.azurecr.io":{}}}`)
		env := map[string]string{"DOCKER_AUTH_CONFIG": `{"auths":{"e.azurecr.io":{"auth":"` + b64("sp:secret") + `"}}}`}
		cfg, err := Load(dir, func(k string) string { return env[k] })
		if err != nil || cfg.Missing {
			t.Fatal(cfg, err)
		}
		if got := cfg.Env["e.azurecr.io"]; got.Username != "sp" || got.Password != "secret" {
			t.Errorf("Env = %+v", cfg.Env)
		}
	})
	t.Run("bad env", func(t *testing.T) {
		for _, v := range []string{
			`{"auths":{"e.azurecr.io":{"auth":"` + b64("u:p") + `","identitytoken":"x"}}}`, // Docker allows only auth
			`{"auths":{"e.azurecr.io":{}}}`,
			`{"auths":{}} {"auths":{}}`,
			`{"auths":`,
		} {
			_, err := Load(t.TempDir(), func(string) string { return v })
			if err == nil || !strings.HasPrefix(err.Error(), "DOCKER_AUTH_CONFIG") {
				t.Errorf("Load with DOCKER_AUTH_CONFIG=%s: err = %v", v, err)
			}
		}
	})
	t.Run("platform default store", func(t *testing.T) {
		bin := t.TempDir()
		writeExec(t, bin, "pass", "#!/bin/sh\nexit 0\n")
		writeExec(t, bin, "docker-credential-pass", "#!/bin/sh\nexit 0\n")
		t.Setenv("PATH", bin)
		cfg, err := Load(t.TempDir(), noEnv)
		if err != nil || cfg.CredsStore != "pass" || !cfg.DefaultStore {
			t.Fatalf("Load = %+v, %v; want Docker's default pass store", cfg, err)
		}
		// An explicit config with credentials is never given a default.
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "config.json"), `{"auths":{"x.azurecr.io":{}}}`)
		if cfg, _ := Load(dir, noEnv); cfg.CredsStore != "" {
			t.Errorf("CredsStore = %q for a config with auths", cfg.CredsStore)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "config.json"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir, noEnv); err == nil || !strings.Contains(err.Error(), "config.json is not a regular file but a folder") {
			t.Errorf("Load of a directory named config.json: %v", err)
		}
	})
}

func noEnv(string) string { return "" }

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeExec(t *testing.T, dir, name, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"auths":{"myreg.azurecr.io":{"auth":"` + b64("00000000-0000-0000-0000-000000000000:") + `","identitytoken":"eyJhbGciOiJSUzI1NiJ9.e30.sig"}},"credsStore":"pass"}`))
	f.Add([]byte(`{"auths":{"x":{"auth":"!!"}}}`))
	f.Add([]byte(`{"credHelpers":{"a.azurecr.io":"acr-env"},"plugins":{"acrdoctor":{"k":"v"}}}`))
	f.Add([]byte("{\n\"auths\": [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("config.json", data)
		if err != nil {
			var pe *configjson.ParseError
			var ae *AuthError
			if !errors.As(err, &pe) && !errors.As(err, &ae) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if pe != nil && pe.Line > 0 && (pe.Offset < 0 || pe.Offset > int64(len(data))) {
				t.Fatalf("offset %d outside input of %d bytes", pe.Offset, len(data))
			}
			return
		}
		for key, ac := range cfg.Auths {
			if ac.Auth != "" || ac.ServerAddress != key {
				t.Fatalf("auths[%q] not normalised: %+v", key, ac)
			}
		}
	})
}

// TestParseAsDocker: what Docker's own decoder accepts, Parse accepts:
// data after the first value, and a key written twice (the two objects
// merged).
func TestParseAsDocker(t *testing.T) {
	cfg, err := Parse("config.json", []byte(`{"credsStore":"acrdoctor","auths":{"a.azurecr.io":{}}}`+"\n}\n"))
	if err != nil || cfg.CredsStore != "acrdoctor" {
		t.Errorf("trailing data: %+v, %v", cfg, err)
	}
	cfg, err = Parse("config.json", []byte(`{"auths":{"a.io":{"auth":"`+b64("u:p")+`"}},"auths":{"b.io":{"auth":"`+b64("v:q")+`"}}}`))
	if err != nil || len(cfg.Auths) != 2 {
		t.Errorf("a key written twice: %+v, %v", cfg, err)
	}
	for _, blank := range []string{"", " \n"} {
		if cfg, err := Parse("config.json", []byte(blank)); err != nil || len(cfg.Auths) != 0 {
			t.Errorf("blank %q: %+v, %v", blank, cfg, err)
		}
	}
}

// TestJSONErrorPositions: an error at the very first byte still has a
// line and column; one encoding/json gives no offset for has none.
func TestJSONErrorPositions(t *testing.T) {
	var v any
	err := configjson.JSONError("config.json", nil, json.Unmarshal(nil, &v))
	var pe *configjson.ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Column != 1 || pe.Offset != 0 {
		t.Errorf("empty input: %#v", err)
	}
	if got, want := err.Error(), "config.json: line 1, column 1 (byte 0): unexpected end of JSON input"; got != want {
		t.Errorf("empty input: %q, want %q", got, want)
	}

	// DOCKER_AUTH_CONFIG with a field Docker does not allow: no position.
	_, err = Load(t.TempDir(), func(k string) string {
		if k == "DOCKER_AUTH_CONFIG" {
			return `{"auths":{},"credsStore":"pass"}`
		}
		return ""
	})
	if !errors.As(err, &pe) || pe.Line != 0 || pe.Column != 0 {
		t.Fatalf("unknown field: %#v", err)
	}
	if got, want := err.Error(), `DOCKER_AUTH_CONFIG: json: unknown field "credsStore"`; got != want {
		t.Errorf("unknown field: %q, want %q", got, want)
	}
}

// TestTooManyEntries: a config.json naming more registries than anyone
// logs in to is refused in one line, before any is assessed.
func TestTooManyEntries(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"auths":{`)
	for i := range MaxEntries + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"r%d.azurecr.io":{}`, i)
	}
	b.WriteString(`}}`)
	if _, err := Parse("config.json", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "holds 10001 registries: more than 10000 is not a Docker config") {
		t.Errorf("Parse = %v", err)
	}
	if _, err := Parse("config.json", []byte(`{"auths":{"a.azurecr.io":{}},"credHelpers":{"b.azurecr.io":"pass"}}`)); err != nil {
		t.Errorf("Parse of a small config = %v", err)
	}
}
