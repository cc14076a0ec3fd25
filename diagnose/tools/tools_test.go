package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFiles: each tool's files, in its own order, as its documentation and
// code say, only those that exist, each once.
func TestFiles(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "home")
	write := func(rel, content string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	authFile := write("authfile.json", `{"auths":{}}`)
	runtime := write("run/containers/auth.json", `{"auths":{},"credsStore":"pass"}`)
	xdg := write("home/.config/containers/auth.json", `{"auths":{}}`)
	docker := write("home/.docker/config.json", `{"auths":{}}`)
	dockerConfig := write("dockercfg/config.json", `{"auths":{}}`)
	helmDefault := write("home/.config/helm/registry/config.json", `{"auths":{}}`)
	helmEnv := write("helm.json", `{"auths":{}}`)
	regctl := write("home/.regctl/config.json", `{"hosts":{}}`)
	tests := []struct {
		name string
		tool Tool
		env  map[string]string
		want []string
	}{
		{"podman, runtime dir", Podman, map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run")}, []string{runtime, xdg, docker}},
		// An --authfile (REGISTRY_AUTH_FILE, or DOCKER_CONFIG's file, by
		// default) is read alone: containers/image adds the defaults after
		// it only when no file was named.
		{"podman, REGISTRY_AUTH_FILE alone", Podman, map[string]string{"REGISTRY_AUTH_FILE": authFile, "XDG_RUNTIME_DIR": filepath.Join(root, "run"), "DOCKER_CONFIG": filepath.Dir(dockerConfig)}, []string{authFile}},
		{"podman, DOCKER_CONFIG as the default --authfile, alone", Podman, map[string]string{"DOCKER_CONFIG": filepath.Dir(dockerConfig), "XDG_RUNTIME_DIR": filepath.Join(root, "run")}, []string{dockerConfig}},
		{"helm default", Helm, nil, []string{helmDefault}},
		{"helm, HELM_REGISTRY_CONFIG", Helm, map[string]string{"HELM_REGISTRY_CONFIG": helmEnv}, []string{helmEnv}},
		{"helm, HELM_CONFIG_HOME without a file", Helm, map[string]string{"HELM_CONFIG_HOME": filepath.Join(root, "none")}, nil},
		{"regctl default", Regctl, nil, []string{regctl}},
		{"regctl, REGCTL_CONFIG missing", Regctl, map[string]string{"REGCTL_CONFIG": filepath.Join(root, "none.json")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := Files(tt.tool, Env{Getenv: func(k string) string { return tt.env[k] }, Home: home, UID: 1000})
			var got []string
			for _, f := range files {
				if f.Err != nil {
					t.Errorf("%s: %v", f.Path, f.Err)
				}
				got = append(got, f.Path)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("files %v; want %v", got, tt.want)
			}
		})
	}
	// Podman does not read credsStore: the file says so, and its store is
	// not asked.
	files := Files(Podman, Env{Getenv: func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run")}[k] }, Home: home})
	if f := files[0]; f.Config.CredsStore != "" || !strings.Contains(f.Note, "does not read credsStore (pass)") {
		t.Errorf("credsStore kept for podman: %+v", f)
	}
}

// TestRegctl: regctl's hosts as Docker's entries; a broken file is an
// error naming it.
func TestRegctl(t *testing.T) {
	cfg, err := regctlFile("config.json", []byte(`{"hosts":{
		"a.azurecr.io":{"user":"u","pass":"p"},
		"b.azurecr.io":{"token":"eyJ.x.y","user":"00000000-0000-0000-0000-000000000000"},
		"c.azurecr.io":{"credHelper":"/usr/bin/docker-credential-acr-env"},
		"docker.io":{"tls":"enabled"},
		"null.io":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a := cfg.Auths["a.azurecr.io"]; a.Username != "u" || a.Password != "p" {
		t.Errorf("a: %+v", a)
	}
	if b := cfg.Auths["b.azurecr.io"]; b.IdentityToken != "eyJ.x.y" {
		t.Errorf("b: %+v", b)
	}
	if h := cfg.CredHelpers["c.azurecr.io"]; h != "acr-env" {
		t.Errorf("c's helper %q", h)
	}
	if _, ok := cfg.Auths["docker.io"]; ok || len(cfg.Auths) != 2 {
		t.Errorf("auths %v", cfg.Auths)
	}
	if _, err := regctlFile("config.json", []byte(`{"hosts":[`)); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("broken file: %v", err)
	}
}

func TestParse(t *testing.T) {
	if got, _ := Parse("all"); !slices.Equal(got, All) {
		t.Errorf("all: %v", got)
	}
	if got, _ := Parse("podman"); !slices.Equal(got, []Tool{Podman}) {
		t.Errorf("podman: %v", got)
	}
	if _, err := Parse("buildx"); err == nil {
		t.Error("buildx accepted")
	}
}

func TestPodmanKey(t *testing.T) {
	for in, want := range map[string]string{
		"myreg.azurecr.io":               "myreg.azurecr.io",
		"myreg.azurecr.io/team/app":      "myreg.azurecr.io/team/app",
		"https://myreg.azurecr.io":       "myreg.azurecr.io",
		"https://myreg.azurecr.io/v2/":   "myreg.azurecr.io",
		"http://myreg.azurecr.io:5000/x": "myreg.azurecr.io:5000",
		"MyReg.azurecr.io":               "MyReg.azurecr.io",
	} {
		if got := PodmanKey(in); got != want {
			t.Errorf("PodmanKey(%q) = %q, want %q", in, got, want)
		}
	}
	// A Podman file's keys are namespaces; Helm's, in Docker's way, are not.
	file := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(file, []byte(`{"auths":{"myreg.azurecr.io/team":{"auth":"dTpw"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for tool, want := range map[Tool]bool{Podman: true, Helm: false} {
		if cfg, _, err := Read(tool, file); err != nil || cfg.Namespaces != want {
			t.Errorf("Read(%s): %+v, %v", tool, cfg, err)
		}
	}
}

// TestPodmanBareToken: Podman passes over an identity token with no auth
// beside it, and the file's note says so, and over an empty entry.
func TestPodmanBareToken(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(file, []byte(`{"auths":{"empty.azurecr.io":{},"myreg.azurecr.io":{"identitytoken":"tok"},"other.azurecr.io":{"auth":"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==","identitytoken":"tok"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	files := Files(Podman, Env{Getenv: func(k string) string { return map[string]string{"REGISTRY_AUTH_FILE": file}[k] }})
	if len(files) != 1 || files[0].Config == nil {
		t.Fatalf("files %+v", files)
	}
	auths := files[0].Config.Auths
	if _, kept := auths["myreg.azurecr.io"]; kept || len(auths) != 1 || auths["other.azurecr.io"].IdentityToken != "tok" || !strings.Contains(files[0].Note, "no auth (user:password) beside it") || !strings.Contains(files[0].Note, "myreg.azurecr.io") {
		t.Errorf("auths %+v, note %q", auths, files[0].Note)
	}
}
