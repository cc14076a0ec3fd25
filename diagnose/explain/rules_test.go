package explain

import (
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
)

// TestRuleFixesWithHostileValues gives every cause's fix a hostile host
// and name in place of what explain passes (a login server that
// loginserver.Parse accepted, or a placeholder): none may reach a command
// but as a placeholder.
func TestRuleFixesWithHostileValues(t *testing.T) {
	seen := map[cause.ID]bool{}
	for id, fix := range fixes {
		seen[id] = true
		inputs := [][2]string{{"myreg.azurecr.io", "myreg"}, {"<registry>", "<name>"}}
		for _, h := range shelltest.Hostile {
			inputs = append(inputs, [2]string{h, h}, [2]string{h + ".azurecr.io", h}, [2]string{"myreg.azurecr.io", h}, [2]string{h, "myreg"})
		}
		for _, in := range inputs {
			lines := fix(in[0], in[1])
			if len(lines) == 0 {
				t.Errorf("%s has no fix", id)
			}
			for _, l := range lines {
				// Only placeholders: no piece of a hostile value may
				// appear, quoted or not.
				if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil {
					t.Errorf("%s, host %q, name %q: %v", id, in[0], in[1], err)
				}
			}
		}
	}
	for _, id := range cause.IDs() {
		if !seen[id] {
			t.Errorf("%s has no fix", id)
		}
	}
}

// TestRuleFixWords reads the commands of the fixes word by word.
func TestRuleFixWords(t *testing.T) {
	fw := fixFirewall("myreg.azurecr.io", "myreg")
	toks, err := shelltest.Split(shelltest.Commands(fw[1])[0])
	if err != nil || !slices.Equal(shelltest.Words(toks), []string{"az", "acr", "network-rule", "add", "-n", "myreg", "--ip-address", "<your public IP>"}) {
		t.Errorf("%q reads as %q (%v)", fw[1], shelltest.Words(toks), err)
	}
	role := fixRole("<registry>", "<name>")
	toks, err = shelltest.Split(shelltest.Commands(role[0])[0])
	if err != nil || len(toks) < 10 || len(toks[9].Subs) != 1 || !slices.Equal(shelltest.Words(toks[9].Subs[0]), []string{"az", "acr", "show", "-n", "<name>", "--query", "id", "-o", "tsv"}) {
		t.Errorf("%q reads as %v (%v)", role[0], toks, err)
	}
}

// TestFixOther: another registry's fixes are Docker's commands for that
// host, never Azure's, and a hostile host reaches them only as a
// placeholder.
func TestFixOther(t *testing.T) {
	for _, id := range cause.IDs() {
		for _, h := range append([]string{"ghcr.io", "registry.example.com:5000", ""}, shelltest.Hostile...) {
			lines := fixOther(id, h)
			if len(lines) == 0 {
				t.Errorf("%s has no fix for another registry", id)
			}
			for _, l := range lines {
				if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil {
					t.Errorf("%s, host %q: %v", id, h, err)
				}
				if id != cause.DockerEnvironment && id != cause.ClockSkew && strings.Contains(l, "az ") {
					t.Errorf("%s: an Azure command for another registry: %q", id, l)
				}
			}
		}
	}
	// Docker Hub's refusals, in a text that names no ACR registry, are
	// fixed at Docker Hub.
	for _, text := range []string{
		`Error response from daemon: Get "https://registry-1.docker.io/v2/": toomanyrequests: too many failed login attempts for username or IP address.`,
		`Error: Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: please use personal access token to login`,
	} {
		if fs := ExplainString(text); len(fs) == 0 || fs[0].Cause.ID != badCreds || !slices.Equal(fs[0].Cause.Remediation, fixHub(badCreds)) {
			t.Errorf("Docker Hub's refusal %q: %+v", text, fs)
		}
	}
	for _, id := range cause.IDs() {
		for _, l := range fixHub(id) {
			if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil || id != cause.DockerEnvironment && id != cause.ClockSkew && strings.Contains(l, "az ") {
				t.Errorf("%s: Docker Hub's fix %q (%v)", id, l, err)
			}
		}
	}
	fs := ExplainString(`Error: failed to push: PUT "https://ghcr.io/v2/acme/app/manifests/1": response status code 403: denied: permission_denied: write_package`)
	if len(fs) == 0 || fs[0].Cause.ID != noPerm || len(fs[0].Cause.Remediation) == 0 || !strings.Contains(fs[0].Cause.Remediation[0], "write:packages") {
		t.Errorf("GHCR's denial: %+v", fs)
	}
}

// TestFixRegistry: a finding's fix is for the registry it is about: a
// misspelt host's own login server, not another the text names; Docker
// Hub's pull limit, not the ACR registry's SKU.
func TestFixRegistry(t *testing.T) {
	fs := ExplainString("Warning: ignoring cache from contoso.azurecr.com (no such host)\n" +
		`Error response from daemon: Get "https://myregistry.azurecr.io/v2/": denied: client with IP 1.2.3.4 is not allowed access`)
	if len(fs) == 0 || fs[0].Cause.ID != regName || fs[0].Registry != "contoso.azurecr.io" {
		t.Errorf("misspelt host: %+v", fs)
	}
	fs = ExplainString("+ docker build -t myregistry.azurecr.io/app:1 .\n" +
		"toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit")
	if len(fs) == 0 || fs[0].Cause.ID != throttled || !slices.Equal(fs[0].Cause.Remediation, fixHubLimit("myregistry")) {
		t.Errorf("Docker Hub's limit: %+v", fs)
	}
	fs = ExplainString(`Error response from daemon: Get "https://192.168.1.10:5000/v2/": http: server gave HTTP response to HTTPS client`)
	if len(fs) == 0 || fs[0].Cause.ID != tlsFail || !slices.Equal(fs[0].Cause.Remediation, fixPlainHTTP("192.168.1.10:5000")) {
		t.Errorf("plain HTTP: %+v", fs)
	}
	// A host no registry is known by (localhost) is named in the fix too.
	fs = ExplainString(`pinging container registry localhost:5001: Get "https://localhost:5001/v2/": http: server gave HTTP response to HTTPS client`)
	if len(fs) == 0 || fs[0].Cause.ID != tlsFail || !slices.Equal(fs[0].Cause.Remediation, fixPlainHTTP("localhost:5001")) {
		t.Errorf("plain HTTP at localhost: %+v", fs)
	}
	fs = ExplainString("$ docker pull alpine:3.19\nError response from daemon: Get \"https://registry-1.docker.io/v2/library/alpine/manifests/3.19\": unauthorized: incorrect username or password")
	if len(fs) == 0 || fs[0].Cause.ID != anonBlock || !slices.Equal(fs[0].Cause.Remediation, fixHubLogout()) {
		t.Errorf("Docker Hub's refused credential on a public pull: %+v", fs)
	}
}

// TestRepository: the no-image fix names the repository the line does,
// and a placeholder where it names none or one no registry would take.
func TestRepository(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"manifest for r.azurecr.io/web/api:1.4.3 not found: manifest unknown", "web/api"},
		{"GET https://r.azurecr.io/v2/web/api/manifests/1.4.3: MANIFEST_UNKNOWN", "web/api"},
		{`failed to resolve reference "R.azurecr.io/app@sha256:abc": not found`, "app"},
		{"manifest unknown", ""},
		{"other.azurecr.io/app:1 r.azurecr.io", ""},
	} {
		if got := repository(tc.line, "r.azurecr.io"); got != tc.want {
			t.Errorf("repository(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
	for repo, want := range map[string]string{"web/api": "--repository web/api ", "Web/$(id)": "--repository <repository> ", "": "--repository <repository> "} {
		if fix := fixNoImage("r.azurecr.io", "r", repo, true); !strings.Contains(fix[1], want) {
			t.Errorf("fixNoImage(%q) = %q, want %q", repo, fix[1], want)
		}
	}
}
