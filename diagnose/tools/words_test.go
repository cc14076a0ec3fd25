package tools

import (
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
)

func TestReword(t *testing.T) {
	const host = "myreg.azurecr.io"
	pipe := func(login string) string {
		return "az acr login -n myreg --expose-token --output tsv --query accessToken | " + login + " myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 "
	}
	tests := []struct {
		line                 string
		podman, helm, regctl string
	}{
		{"docker logout myreg.azurecr.io && az acr login -n myreg",
			"podman logout myreg.azurecr.io && DOCKER_COMMAND=podman az acr login -n myreg",
			"helm registry logout myreg.azurecr.io && " + pipe("helm registry login") + "--password-stdin",
			"regctl registry logout myreg.azurecr.io && " + pipe("regctl registry login") + "--pass-stdin"},
		{"az acr login -n myreg",
			"DOCKER_COMMAND=podman az acr login -n myreg",
			pipe("helm registry login") + "--password-stdin",
			pipe("regctl registry login") + "--pass-stdin"},
		{"az acr login -n myreg   # then retry",
			"DOCKER_COMMAND=podman az acr login -n myreg   # then retry",
			pipe("helm registry login") + "--password-stdin   # then retry",
			pipe("regctl registry login") + "--pass-stdin   # then retry"},
		{"in CI: az acr login -n myreg --expose-token --output tsv --query accessToken | docker login myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin",
			"in CI: az acr login -n myreg --expose-token --output tsv --query accessToken | podman login myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin",
			"in CI: " + pipe("helm registry login") + "--password-stdin",
			"in CI: " + pipe("regctl registry login") + "--pass-stdin"},
		{"az acr update -n myreg --admin-enabled true", "az acr update -n myreg --admin-enabled true", "az acr update -n myreg --admin-enabled true", "az acr update -n myreg --admin-enabled true"},
		{"new role assignments take up to 10 minutes to reach the registry: then docker logout myreg.azurecr.io and log in again",
			"new role assignments take up to 10 minutes to reach the registry: then podman logout myreg.azurecr.io and log in again",
			"new role assignments take up to 10 minutes to reach the registry: then helm registry logout myreg.azurecr.io and log in again",
			"new role assignments take up to 10 minutes to reach the registry: then regctl registry logout myreg.azurecr.io and log in again"},
	}
	for _, tt := range tests {
		for tool, want := range map[Tool]string{Docker: tt.line, Podman: tt.podman, Helm: tt.helm, Regctl: tt.regctl} {
			if got := tool.Reword(tt.line, host); got != want {
				t.Errorf("%s: %q\n got %q\nwant %q", tool, tt.line, got, want)
			}
			if got := tool.Reword(want, host); got != want && tool != Docker {
				t.Errorf("%s: rewording twice changed %q to %q", tool, want, got)
			}
		}
	}
}

// TestRewordHostile: whatever the registry is called, the words added
// quote it, and a line's own quoting survives.
func TestRewordHostile(t *testing.T) {
	for _, h := range shelltest.Hostile {
		line := shell.Sprintf("docker logout %s && az acr login -n %s", shell.HostPort(h).Or("<login-server>"), shell.RegistryName(h).Or("<registry-name>"))
		// The login server a key names may go in, bare, where it is a
		// host name and nothing else.
		host := bareHost(h)
		if !shell.ValidHost(host) {
			host = ""
		}
		for _, tool := range []Tool{Podman, Helm, Regctl} {
			got := tool.Reword(line, h)
			if err := shelltest.CheckLine(got, []string{h}, shell.Quote); err != nil && (host == "" || !strings.Contains(got, "login "+host+" ")) {
				t.Errorf("%s, %q: %v", tool, h, err)
			}
			if rest := strings.ReplaceAll(got, host, ""); strings.Contains(rest, shelltest.Marker) || host != "" && host != strings.ToLower(host) {
				t.Errorf("%s: %q reached the command: %q", tool, h, got)
			}
		}
	}
}

func TestRewordEdges(t *testing.T) {
	for _, tt := range []struct {
		tool       Tool
		line, host string
		want       string
	}{
		{Podman, "use myreg.azurecr.io, all lower case, in image references and docker login", "myreg.azurecr.io",
			"use myreg.azurecr.io, all lower case, in image references and podman login"},
		{Helm, "az acr login -n myreg", "myreg.azurecr.io:443",
			"az acr login -n myreg --expose-token --output tsv --query accessToken | helm registry login myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin"},
		{Podman, "the dockerlogin tool", "myreg.azurecr.io", "the dockerlogin tool"},
		// The login server a key names, not a placeholder the shell would
		// read as a redirection.
		{Helm, "az acr login -n pullonly", "HTTPS://Pullonly.AZURECR.io.:443/Team",
			"az acr login -n pullonly --expose-token --output tsv --query accessToken | helm registry login pullonly.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin"},
		{Regctl, "az acr login -n healthy", "https://Healthy.azurecr.io/v2/",
			"az acr login -n healthy --expose-token --output tsv --query accessToken | regctl registry login healthy.azurecr.io -u 00000000-0000-0000-0000-000000000000 --pass-stdin"},
		{Podman, "in CI, where Docker cannot ask az: run it; Docker Hub and Docker Desktop stay", "myreg.azurecr.io",
			"in CI, where Podman cannot ask az: run it; Docker Hub and Docker Desktop stay"},
		{Helm, "Docker's store", "myreg.azurecr.io", "Helm's store"},
	} {
		if got := tt.tool.Reword(tt.line, tt.host); got != tt.want {
			t.Errorf("%s: %q\n got %q\nwant %q", tt.tool, tt.line, got, tt.want)
		}
	}
	if Podman.Name() != "Podman" || Docker.Name() != "Docker" {
		t.Error("names")
	}
}

// TestCausesNamespace: Podman logs out of a namespace key by its name.
func TestCausesNamespace(t *testing.T) {
	in := []cause.Cause{cause.New(cause.AnonymousPullBlocked, "refused", "docker logout anonpull.azurecr.io")}
	if got := Podman.Causes(in, "anonpull.azurecr.io/team", "auth.json")[0].Remediation[0]; got != "podman logout anonpull.azurecr.io/team" {
		t.Errorf("got %q", got)
	}
	// Podman's logout never finds a key with a scheme: by hand, in its file.
	if got := Podman.Causes(in, "https://anonpull.azurecr.io", "auth.json")[0].Remediation[0]; got != "remove the key https://anonpull.azurecr.io from auths in auth.json" {
		t.Errorf("got %q", got)
	}
	// Docker too logs out of a namespace key by its name.
	din := []cause.Cause{cause.New(cause.AnonymousPullBlocked, "refused", "docker logout anonpull.azurecr.io")}
	if got := Docker.Causes(din, "anonpull.azurecr.io/team", "config.json")[0].Remediation[0]; got != "docker logout anonpull.azurecr.io/team" {
		t.Errorf("got %q", got)
	}
}

func TestCauses(t *testing.T) {
	in := []cause.Cause{cause.New(cause.ExpiredCredentials, "expired", "az acr login -n myreg")}
	got := Helm.Causes(in, "myreg.azurecr.io", "auth.json")
	if in[0].Remediation[0] != "az acr login -n myreg" {
		t.Errorf("Causes changed its input: %q", in[0].Remediation)
	}
	if !strings.Contains(got[0].Remediation[0], "| helm registry login myreg.azurecr.io") {
		t.Errorf("got %q", got[0].Remediation)
	}
	// Docker's two ways to log in are one for Helm: said once, and
	// Docker in prose is Helm.
	two := []cause.Cause{cause.New(cause.ExpiredCredentials, "expired", "az acr login -n myreg",
		"in CI: az acr login -n myreg --expose-token --output tsv --query accessToken | docker login myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin",
		"az acr login -n myreg")}
	if got := Helm.Causes(two, "myreg.azurecr.io", "auth.json"); len(got[0].Remediation) != 1 {
		t.Errorf("got %q", got[0].Remediation)
	}
}
