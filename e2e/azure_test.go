package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

const (
	armReader       = "3c9d1e2f-aaaa-4bbb-8ccc-0d1e2f3a4b5c"
	armReaderSecret = "e2e-arm-reader-secret-value"
)

type azureJSON struct {
	Registries []struct {
		Registry string `json:"registry"`
		Causes   []struct {
			ID, Title, Evidence string
			Remediation         []string
		} `json:"causes"`
		Azure *struct {
			Caller   string `json:"caller"`
			Resource *struct {
				ID                  string `json:"id"`
				PublicNetworkAccess string `json:"public_network_access"`
			} `json:"resource"`
			Unseen []struct{ What, Why string } `json:"unseen"`
		} `json:"azure"`
		LoginEvents *struct {
			Query, Command string
			Ran            bool
			Events         []struct {
				Identity   string `json:"identity"`
				ResultType string `json:"result_type"`
			} `json:"events"`
		} `json:"login_events"`
	} `json:"registries"`
}

// TestAzureThroughDocker: `docker acrdoctor check --azure` reads the
// emulator's ARM and Log Analytics with a service principal from the
// environment, the cloud taken from ARM's metadata document as the Azure
// CLI takes it; plugins.acrdoctor.azure makes it the default; without
// Azure credentials it says so in one line and the rest stands.
func TestAzureThroughDocker(t *testing.T) {
	t.Parallel()
	// Docker goes through the emulator's proxy, which resolves names itself
	// and reaches the public address: what a corporate proxy does.
	locked := emuRegistry("lockedreg.azurecr.io")
	locked.Faults = []acremu.Fault{acremu.PrivateDNSNotLinked}
	locked.ARM = &acremu.Resource{
		PublicNetworkAccessDisabled: true, PrivateEndpoints: []string{"pe-lockedreg"},
		RoleAssignments: map[string][]string{armReader: {"Reader"}},
	}
	rotated := emuRegistry("rotated.azurecr.io")
	rotated.ARM = &acremu.Resource{
		RoleAssignments: map[string][]string{armReader: {"Reader"}},
		Workspace:       &acremu.Workspace{Readers: []string{armReader}},
	}
	emu := startEmu(t, locked, rotated)
	emu.AddApplication(tenant, armReader, armReaderSecret)

	e := newEnv(t)
	e.useEmu(emu)
	e.writeConfig(`{"auths": {
		"lockedreg.azurecr.io": {"auth": "` + b64("lockedreg:"+adminPassword) + `"},
		"rotated.azurecr.io": {"auth": "` + b64("rotated:an-old-rotated-password") + `"}}}`)
	e.setenv(
		"AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+armReader, "AZURE_CLIENT_SECRET="+armReaderSecret,
		"ARM_CLOUD_METADATA_URL=https://"+acremu.ARMHost+"/metadata/endpoints?api-version=2022-09-01",
	)

	r := e.docker("acrdoctor", "check", "--azure", "--format", "json", "--step-timeout", "3s")
	if r.code != 1 {
		t.Fatalf("want exit 1: %v", r)
	}
	var got azureJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %v", err, r)
	}
	for _, reg := range got.Registries {
		az := reg.Azure
		if az == nil || az.Resource == nil || az.Caller != armReader || len(az.Unseen) > 0 {
			t.Fatalf("%s: the Azure side was not read: %v", reg.Registry, r)
		}
		var text strings.Builder
		for _, c := range reg.Causes {
			text.WriteString(c.Title + "\n" + c.Evidence + "\n" + strings.Join(c.Remediation, "\n") + "\n")
		}
		switch reg.Registry {
		case "lockedreg.azurecr.io":
			for _, w := range []string{"Public network access to the registry is disabled", "private endpoint is bypassed", "add lockedreg.azurecr.io to NO_PROXY"} {
				if !strings.Contains(text.String(), w) {
					t.Errorf("lockedreg: missing %q in\n%s", w, text.String())
				}
			}
		case "rotated.azurecr.io":
			ev := reg.LoginEvents
			if ev == nil || !ev.Ran || len(ev.Events) == 0 || ev.Events[0].ResultType != "401" || ev.Events[0].Identity != "rotated" {
				t.Errorf("rotated: login events %+v", ev)
			}
		}
	}

	// The same, as text: the advanced block with the events found, the
	// steps that passed folded, the query and its command only with
	// --verbose; no secret anywhere.
	for _, tc := range []struct {
		verbose    bool
		want, gone []string
	}{
		{false, []string{"arm_settings", "advanced: the registry's log of this login", "401"}, []string{"public network access disabled", "az monitor log-analytics query"}},
		{true, []string{"arm_settings", "public network access disabled", "advanced: the registry's log of this login", "az monitor log-analytics query", "401"}, nil},
	} {
		args := []string{"acrdoctor", "--azure", "--step-timeout", "3s"}
		if tc.verbose {
			args = append(args, "--verbose")
		}
		r = e.docker(args...)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("verbose=%v: text output lacks %q:\n%s", tc.verbose, w, r.stdout)
			}
		}
		for _, g := range tc.gone {
			if strings.Contains(r.stdout, g) {
				t.Errorf("verbose=%v: text output has %q:\n%s", tc.verbose, g, r.stdout)
			}
		}
		for _, s := range []string{armReaderSecret, adminPassword, "an-old-rotated-password"} {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("a secret was printed: %v", r)
			}
		}
	}

	// plugins.acrdoctor.azure makes it the default; --azure=false turns it off.
	cfg := readConfig(t, e)
	cfg["plugins"] = map[string]any{"acrdoctor": map[string]any{"azure": "on"}}
	writeJSONConfig(t, e, cfg)
	for _, tc := range []struct {
		args  []string
		azure bool
	}{
		{[]string{"acrdoctor", "check", "rotated.azurecr.io", "--format", "json"}, true},
		{[]string{"acrdoctor", "check", "rotated.azurecr.io", "--azure=false", "--format", "json"}, false},
	} {
		r := e.docker(tc.args...)
		var got azureJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Registries) != 1 {
			t.Fatalf("%v: %v", err, r)
		}
		if (got.Registries[0].Azure != nil) != tc.azure {
			t.Errorf("docker %v: azure read %v, want %v", tc.args, got.Registries[0].Azure != nil, tc.azure)
		}
		if ev := got.Registries[0].LoginEvents; ev == nil || !strings.Contains(ev.Command, "az monitor log-analytics query") || ev.Ran != tc.azure {
			t.Errorf("docker %v: login events %+v", tc.args, ev)
		}
	}

	// No Azure credentials: one line says so, and the diagnosis stands.
	e.setenv("AZURE_CLIENT_ID=", "AZURE_CLIENT_SECRET=", "AZURE_TENANT_ID=")
	r = e.docker("acrdoctor", "check", "rotated.azurecr.io")
	if r.code != 1 || !strings.Contains(r.stdout, "could not see the Azure identity: no Azure identity in the environment") || !strings.Contains(r.stdout, "invalid_credentials") {
		t.Errorf("without Azure credentials: %v", r)
	}

	// The Azure CLI installed but logged out: that is what it says, not
	// that Azure AD refused anything; the step's time is how long it took.
	if err := os.WriteFile(filepath.Join(e.binDir, "az"), []byte("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = e.docker("acrdoctor", "check", "rotated.azurecr.io")
	if !strings.Contains(r.stdout, "the Azure CLI is not logged in (az login)") || !regexp.MustCompile(`arm +warn +[0-9]+ms +could not see the Azure identity`).MatchString(r.stdout) || strings.Contains(r.stdout, "refused the identity") {
		t.Errorf("az logged out: %v", r)
	}
}
