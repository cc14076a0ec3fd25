package configjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config/credentials"
)

// TestReadFileBounds: a file of MaxSize bytes is read whole; one
// byte more is refused rather than read in part.
func TestReadFileBounds(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		size int64
		err  string
	}{
		{MaxSize, ""},
		{MaxSize + 1, "is larger than 32 MiB"},
	} {
		name := filepath.Join(dir, "config.json")
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		err = f.Truncate(tt.size) // sparse: no 32 MiB written
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		data, err := ReadFile(name)
		if tt.err == "" {
			if err != nil || int64(len(data)) != tt.size {
				t.Errorf("ReadFile of %d bytes = %d bytes, %v", tt.size, len(data), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || data != nil {
			t.Errorf("ReadFile of %d bytes = %d bytes, %v; want %q", tt.size, len(data), err, tt.err)
		}
	}
}

// TestLoadSettings: the settings a helper needs, read as leniently as
// Docker reads config.json; only what is not JSON fails.
func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name, data string // "" data: no file
		store      string
		helpers    map[string]string
		backend    string
		err        string
	}{
		{name: "missing file"},
		{name: "settings", data: `{"credsStore":"acrdoctor","credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			store: "acrdoctor", helpers: map[string]string{"a.azurecr.io": "acrdoctor"}, backend: "pass"},
		{name: "a value of the wrong type is skipped", data: `{"credsStore":1,"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`, backend: "pass"},
		{name: "auths are not decoded", data: `{"auths":{"a.io":{"auth":"!!"}},"credsStore":"pass"}`, store: "pass"},
		{name: "what follows the first value is ignored", data: `{"credsStore":"pass"}}`, store: "pass"},
		{name: "empty", data: " "},
		{name: "not JSON", data: `{"credsStore":"pass",}`, err: "config.json: line 1, column 22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.data != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tt.data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := LoadSettings(dir)
			if tt.err != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.err) || s != nil {
					t.Fatalf("LoadSettings = %+v, %v; want a *ParseError with %q", s, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Filename != filepath.Join(dir, "config.json") || s.CredsStore != tt.store || !maps.Equal(s.CredHelpers, tt.helpers) || s.PluginSetting("credential-backend") != tt.backend {
				t.Errorf("LoadSettings = %+v", s)
			}
		})
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "config.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSettings(dir); err == nil || s != nil || !strings.Contains(err.Error(), "reading config file") {
		t.Errorf("a folder as config.json: %+v, %v", s, err)
	}
}

// FuzzScanSettings: where the fast reading of config.json's settings
// takes a file, encoding/json reads the same settings from it, with no
// value of the wrong type.
func FuzzScanSettings(f *testing.F) {
	for _, s := range []string{
		`{"auths":{"a.azurecr.io":{}},"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
		"{\n\t\"credHelpers\": {\"a.io\": \"x\", \"a.io\": \"y\"},\n\t\"CREDHELPERS\": {\"b.io\": \"z\"}\n}",
		`{"plugins":{"acrdoctor":{"a":"1"},"acrdoctor":{"b":"2"}},"Plugins":{"other":{}}}`,
		`{"credsStore":"a\"b\\c","ſtore":1,"x":[1,{"y":null},"}"],"n":-1.5e3,"t":true}`,
		`{"credsStore":1}`, `{"credsStore":null}`, `{"credHelpers":null}`, `{"credsStore":"\u0041"}`,
		`{"credsStore":"pass"}}`, `[]`, ` `, `{"plugins":{"acrdoctor":{"renew":false}}}`, "{\"credsStore\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got Settings
		if !scanSettings(b, &got) {
			return
		}
		var want Settings
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&want); err != nil {
			t.Fatalf("scanSettings read %q, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("scanSettings(%q) = %+v, encoding/json %+v", b, got, want)
		}
	})
}

// TestDefaultStore: DefaultStore picks what docker/cli picks, with the
// platform's helpers on PATH or not.
func TestDefaultStore(t *testing.T) {
	for _, progs := range [][]string{nil, {"pass"}, {"docker-credential-pass"}, {"pass", "docker-credential-pass"},
		{"docker-credential-secretservice"}, {"pass", "docker-credential-secretservice"}, {"docker-credential-osxkeychain", "docker-credential-wincred.exe", "docker-credential-wincred"}} {
		dir := t.TempDir()
		for _, p := range progs {
			if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("PATH", dir)
		if got, want := DefaultStore(), credentials.DetectDefaultStore(""); got != want {
			t.Errorf("with %v on PATH: DefaultStore() = %q, docker/cli's %q", progs, got, want)
		}
	}
}

func TestTypeError(t *testing.T) {
	typeErr := func(data string, v any) *json.UnmarshalTypeError {
		t.Helper()
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(data), v); !errors.As(err, &te) {
			t.Fatalf("Unmarshal(%s) = %v, want a type error", data, err)
		}
		return te
	}
	tests := []struct {
		e    *json.UnmarshalTypeError
		want string
	}{
		{typeErr(`{"auths":[]}`, &struct{ Auths map[string]string }{}), `"Auths" must be an object`},
		{typeErr(`{"a":1}`, &struct{ A struct{} }{}), `"A" must be an object`},
		{typeErr(`{"a":{}}`, &struct{ A []string }{}), `"A" must be an array`},
		{typeErr(`{"a":{}}`, &struct{ A [2]int }{}), `"A" must be an array`},
		{typeErr(`{"a":1}`, &struct{ A string }{}), `"A" must be a string`},
		{typeErr(`{"a":"x"}`, &struct{ A bool }{}), `"A" must be a boolean`},
		{typeErr(`{"a":"x"}`, &struct{ A int }{}), `"A" must be a int`},
		{typeErr(`[]`, &map[string]string{}), `the document must be an object`},
		{&json.UnmarshalTypeError{Value: "number"}, "the document must be another type"},
	}
	for _, tt := range tests {
		if got := TypeError(tt.e); got != tt.want {
			t.Errorf("TypeError(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestValidHelperName(t *testing.T) {
	for _, name := range []string{"pass", "a", "z", "A", "Z", "0", "9", "secretservice", "acr-env", "my_helper", "desktop.exe", "ecr-login.v2", strings.Repeat("a", 237)} {
		if !ValidHelperName(name) {
			t.Errorf("ValidHelperName(%q) = false", name)
		}
	}
	// Each character just outside a range, and what a path or a shell
	// would make of a name.
	for _, name := range []string{"", ".", "..", "`", "{", "@", "[", "/", ":", "a/b", `a\b`, "pass;rm", "a b", "pass\n", "é", "../bin/sh", strings.Repeat("a", 238)} {
		if ValidHelperName(name) {
			t.Errorf("ValidHelperName(%q) = true", name)
		}
	}
}

func TestRoutesToWrapper(t *testing.T) {
	tests := []struct {
		store   string
		helpers map[string]string
		want    bool
	}{
		{"acrdoctor", nil, true},
		{"pass", map[string]string{"gcr.io": "gcloud", "a.azurecr.io": "acrdoctor"}, true},
		{"", map[string]string{"a.azurecr.io": "acrdoctor"}, true},
		{"pass", map[string]string{"gcr.io": "gcloud"}, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		if got := RoutesToWrapper(tt.store, tt.helpers); got != tt.want {
			t.Errorf("RoutesToWrapper(%q, %v) = %v", tt.store, tt.helpers, got)
		}
	}
}

func TestShortName(t *testing.T) {
	if got := ShortName("pass"); got != `"pass"` {
		t.Errorf("ShortName(pass) = %s", got)
	}
	if got := ShortName(strings.Repeat("x", 1<<20)); len(got) > 80 || !strings.HasSuffix(got, `"…`) {
		t.Errorf("ShortName of a megabyte = %d bytes: %.80s", len(got), got)
	}
}

// TestReadFileNotRegular: what is not a regular file is refused at once,
// and named in words.
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscallMkfifo(fifo); err != nil {
		t.Skip("no FIFO here:", err)
	}
	for path, want := range map[string]string{dir: "a folder", fifo: "a named pipe (FIFO)"} {
		if _, err := ReadFile(path); err == nil || !strings.HasSuffix(err.Error(), "is not a regular file but "+want) {
			t.Errorf("ReadFile(%s) = %v, want it called %s", filepath.Base(path), err, want)
		}
	}
}

// TestBackend: the wrapper's backend as config.json names it: its own
// setting, else the credsStore the other registries go to, else the
// platform's default, never the wrapper itself.
func TestBackend(t *testing.T) {
	for _, tc := range []struct {
		plugin, credsStore, name, where string
	}{
		{"pass", "desktop", "pass", "plugins.acrdoctor.credential-backend"},
		{"", "desktop", "desktop", "credsStore"},
		{"", "acrdoctor", DefaultStore(), "the platform default"},
		{"", "", DefaultStore(), "the platform default"},
	} {
		if name, where := Backend(tc.plugin, tc.credsStore); name != tc.name || where != tc.where {
			t.Errorf("Backend(%q, %q) = %q, %q; want %q, %q", tc.plugin, tc.credsStore, name, where, tc.name, tc.where)
		}
	}
}
