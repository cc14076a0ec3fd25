package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHooks: after a failed docker login to ACR in a terminal, Docker
// prints acr-doctor's hint; after an unrelated failure, nothing. Docker
// runs hooks only when stdout is a terminal, hence script(1).
func TestHooks(t *testing.T) {
	t.Parallel()
	requireTool(t, "script")
	emu := startEmu(t, emuRegistry("hookreg.azurecr.io"))
	e := newEnv(t)
	e.useEmu(emu)
	e.writeConfig(emptyConfig)
	e.vars = slicesDelete(e.vars, "DOCKER_CLI_HINTS=false")
	if r := e.docker("acrdoctor", "configure", "--hooks", "--yes"); r.code != 0 || !strings.Contains(r.stdout, `+ features.hooks: "true"`) {
		t.Fatalf("configure --hooks: %v", r)
	}
	r := e.run("", "script", "-qec", "docker login hookreg.azurecr.io -u hookreg -p wrong-password", "/dev/null")
	out := r.stdout + r.stderr
	for _, want := range []string{"What's next", "acr-doctor: ", "docker acrdoctor check hookreg.azurecr.io"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q after a failed ACR login:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wrong-password") {
		t.Errorf("the password reached the terminal:\n%s", out)
	}
	other := e.run("", "script", "-qec", "docker pull alpine:3", "/dev/null")
	if strings.Contains(other.stdout+other.stderr, "acrdoctor") {
		t.Errorf("a hint after an error that is not about ACR:\n%s", other.stdout)
	}
	// The hook answers an empty template for other errors, and never fails.
	for _, req := range []string{`{"RootCmd":"pull","CommandError":"Cannot connect to the Docker daemon"}`, `not json`} {
		hr := e.run("", pluginBin, "docker-cli-plugin-hooks", req)
		if hr.code != 0 || strings.Contains(hr.stdout, "acrdoctor check") {
			t.Errorf("hook %s: %v", req, hr)
		}
	}
}

func slicesDelete(s []string, v string) []string {
	out := s[:0:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// TestRun: run passes a failing command through, explains it, checks the
// registry it names, and exits with the command's status.
func TestRun(t *testing.T) {
	t.Parallel()
	emu := startEmu(t, emuRegistry("runreg.azurecr.io"))
	e := newEnv(t)
	e.useEmu(emu)
	e.writeConfig(emptyConfig)
	r := e.docker("acrdoctor", "run", "--", "docker", "login", "runreg.azurecr.io", "-u", "runreg", "-p", "wrong-password")
	if r.code != 1 {
		t.Errorf("run exit %d, want docker login's 1: %v", r.code, r)
	}
	for _, want := range []string{"unauthorized", "acr-doctor: docker exited with status 1", "invalid_credentials", "runreg.azurecr.io  login fails"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("run stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := e.docker("acrdoctor", "run", "--", "sh", "-c", "echo fine; exit 0"); r.code != 0 || r.stdout != "fine\n" || r.stderr != "" {
		t.Errorf("a command that succeeds: %v", r)
	}
	if r := e.docker("acrdoctor", "run", "--no-check", "--", "sh", "-c", "echo oops >&2; exit 7"); r.code != 7 || !strings.Contains(r.stderr, "names no cause acr-doctor knows") {
		t.Errorf("exit status not passed on: %v", r)
	}
	if r := e.docker("acrdoctor", "run", "--", "no-such-command-acrdoctor"); r.code != 127 {
		t.Errorf("a missing command: %v", r)
	}
}

func TestExplainCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	log := "#8 pushing myreg.azurecr.io/app:1\n" +
		"Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": x509: certificate signed by unknown authority\n"
	r := e.run(log, "docker", "acrdoctor", "explain", "-", "--format", "json")
	var got struct {
		Causes []struct {
			ID       string `json:"id"`
			Evidence string `json:"evidence"`
			Line     int    `json:"line"`
		} `json:"causes"`
		Registries []string `json:"registries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 1 {
		t.Fatalf("%v: %v", err, r)
	}
	if len(got.Causes) != 1 || got.Causes[0].ID != "tls" || got.Causes[0].Line != 2 || len(got.Registries) != 1 || got.Registries[0] != "myreg.azurecr.io" {
		t.Errorf("explain = %+v", got)
	}
	if r := e.run("Login Succeeded\n", "docker", "acrdoctor", "explain", "-"); r.code != 0 || !strings.Contains(r.stdout, "No known cause") {
		t.Errorf("explain of a success: %v", r)
	}
}

// TestAuthfile: a pull secret as kubectl prints it, read from stdin.
func TestAuthfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	inner := `{"auths":{"pullreg.azurecr.io":{"auth":"` + b64("ci-pull:scoped-token-password") + `"},"MyReg.azurecr.io":{"auth":"` + b64("myreg:pw-of-the-fixture") + `"}}}`
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-pull\n  namespace: default\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: " + b64(inner) + "\n"
	r := e.run(secret, "docker", "acrdoctor", "creds", "--authfile", "-", "--format", "json")
	got := decodeCreds(t, r)
	if r.code != 1 || len(got.Credentials) != 2 {
		t.Fatalf("creds --authfile: %v", r)
	}
	checkCreds(t, got, map[string]want{
		"MyReg.azurecr.io":   {source: "file", kind: "admin_user", causes: []string{"registry_name"}},
		"pullreg.azurecr.io": {source: "file", kind: "repository_token"},
	})
	if strings.Contains(r.stdout+r.stderr, "scoped-token-password") {
		t.Error("a secret from the pull secret was printed")
	}
	if r := e.run("apiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata:\n  name: x\n", "docker", "acrdoctor", "check", "--offline", "--authfile", "-"); r.code != 2 || !strings.Contains(r.stderr, "not a pull secret") {
		t.Errorf("an Opaque secret: %v", r)
	}
}
