package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionBefore(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"28.2", true}, {"17.09", true}, {"27.5", true},
		{"28.3", false}, {"28.10", false}, {"29.0", false},
		{"", false}, {"28", false}, {"x.y", false},
	} {
		if got := versionBefore(tc.v, 28, 3); got != tc.want {
			t.Errorf("versionBefore(%q, 28, 3) = %v", tc.v, got)
		}
	}
}

// TestAuthConfigOlderClient: DOCKER_AUTH_CONFIG is Docker's only from
// 28.3 on. With an older client on PATH, creds reports config.json's
// credential (what that Docker sends) and says why on stderr; with a newer
// one, the variable's.
func TestAuthConfigOlderClient(t *testing.T) {
	env := `{"auths":{"myreg.azurecr.io":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("fromenv:envpassword")) + `"}}}`
	for _, tc := range []struct {
		version string
		source  string
	}{
		{"28.2.2", "file"},
		{"28.3.0", "env:DOCKER_AUTH_CONFIG"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			s := newBinSandbox(t)
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "docker"), []byte("#!/bin/sh\necho 'Docker version "+tc.version+", build 0000000'\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			for i, kv := range s.env {
				if strings.HasPrefix(kv, "PATH=") {
					s.env[i] = "PATH=" + bin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
				}
			}
			s.env = append(s.env, "DOCKER_AUTH_CONFIG="+env)
			s.writeConfig(`{"auths":{"myreg.azurecr.io":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("myreg:filepassword")) + `"}}}`)
			r := s.run("", "creds", "--format", "{{.Source}} {{.Username}}")
			if got := strings.Fields(r.stdout); len(got) < 1 || got[0] != tc.source {
				t.Errorf("with Docker %s the credential is from %q (%v), want %s", tc.version, r.stdout, r, tc.source)
			}
			if ignored := strings.Contains(r.stderr, "reads it only from 28.3"); ignored != (tc.source == "file") {
				t.Errorf("with Docker %s stderr %q", tc.version, r.stderr)
			}
		})
	}
}

// TestDockerAskedOnce: with DOCKER_AUTH_CONFIG set, check asks the Docker
// client its version for the variable and for the report: once, so that a
// docker that hangs holds the check up once.
func TestDockerAskedOnce(t *testing.T) {
	s := newBinSandbox(t)
	bin := t.TempDir()
	count := filepath.Join(bin, "asked")
	script := "#!/bin/sh\necho >>" + count + "\necho 'Docker version 28.3.0, build 0000000'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, kv := range s.env {
		if strings.HasPrefix(kv, "PATH=") {
			s.env[i] = "PATH=" + bin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
	}
	s.env = append(s.env, `DOCKER_AUTH_CONFIG={"auths":{"myreg.azurecr.io":{"auth":"`+base64.StdEncoding.EncodeToString([]byte("myreg:envpassword"))+`"}}}`)
	s.writeConfig(`{}`)
	r := s.run("", "check", "--offline", "--format", "json")
	b, err := os.ReadFile(count)
	if err != nil || strings.Count(string(b), "\n") != 1 || !strings.Contains(r.stdout, `"version": "28.3"`) {
		t.Errorf("docker asked %q times (%v); check: %v", b, err, r)
	}
}
