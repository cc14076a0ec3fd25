package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// emptyConfig holds no credential but is not empty: with no auths at all
// Docker picks the platform's store (pass).
const emptyConfig = `{"auths": {"placeholder.invalid": {}}}`

const (
	adminPassword = "e2e-admin-password-value"
	spApp         = "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b"
	spSecret      = "e2e-sp-secret-value"
	user          = "alice@contoso.com"
)

func emuRegistry(host string) acremu.Registry {
	return acremu.Registry{
		Host: host, AdminEnabled: true, AdminPassword: adminPassword, Tenant: tenant,
		ServicePrincipals: map[string]acremu.Principal{spApp: {Secret: spSecret, Actions: []string{"pull"}}},
		Users:             map[string]acremu.Identity{user: {Actions: []string{"pull", "push"}}},
		Repositories:      map[string][]string{"team/app": {"1"}},
	}
}

func startEmu(t *testing.T, regs ...acremu.Registry) *acremu.Server {
	t.Helper()
	emu, err := acremu.Start(regs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := names.Add(emu.Hosts()...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// useEmu points docker and the plugin at the emulator: names through its
// proxy, trust through its CA. Nothing leaves loopback.
func (e *env) useEmu(emu *acremu.Server) {
	e.setenv("HTTPS_PROXY="+emu.ProxyURL(), "https_proxy="+emu.ProxyURL(), "NO_PROXY=", "no_proxy=", "SSL_CERT_FILE="+emu.CAFile())
}

type checkJSON struct {
	Registries []registryJSON `json:"registries"`
	Stores     []struct {
		Source string `json:"source"`
		Causes []struct {
			ID string `json:"id"`
		} `json:"causes"`
	} `json:"stores"`
}

type registryJSON struct {
	Registry string `json:"registry"`
	Healthy  bool   `json:"healthy"`
	Steps    []struct {
		Name, Status, Detail string
	} `json:"steps"`
	Causes []struct {
		ID          string   `json:"id"`
		Evidence    string   `json:"evidence"`
		Remediation []string `json:"remediation"`
	} `json:"causes"`
}

// TestCheckThroughDocker: real `docker login` to the emulator stores the
// credentials; the registries then break; `docker acrdoctor --format json`
// names each cause.
func TestCheckThroughDocker(t *testing.T) {
	t.Parallel()
	faults := map[string][]acremu.Fault{
		"healthyreg.azurecr.io":  nil,
		"firewalled.azurecr.io":  {acremu.Firewall},
		"throttled.azurecr.io":   {acremu.Throttle},
		"brokenreg.azurecr.io":   {acremu.ServerError},
		"intercepted.azurecr.io": {acremu.UntrustedCert},
		"nochallenge.azurecr.io": {acremu.NoChallenge},
		"expiring.azurecr.io":    nil,
	}
	var regs []acremu.Registry
	for host := range faults {
		regs = append(regs, emuRegistry(host))
	}
	emu := startEmu(t, regs...)
	e := newEnv(t)
	e.useEmu(emu)
	e.writeConfig(emptyConfig)
	for host := range faults {
		r := e.run(adminPassword, "docker", "login", host, "-u", strings.Split(host, ".")[0], "--password-stdin")
		if r.code != 0 {
			t.Fatalf("docker login %s: %v", host, r)
		}
	}
	// A refresh token that expired after login, as az acr login leaves it.
	old := emu.RefreshToken("expiring.azurecr.io", user, time.Now().Add(-4*time.Hour))
	if r := e.run(old, "docker", "login", "expiring.azurecr.io", "-u", nullGUID, "--password-stdin"); r.code == 0 {
		t.Fatalf("docker login with an expired token succeeded: %v", r)
	}
	cfg := readConfig(t, e)
	cfg["auths"].(map[string]any)["expiring.azurecr.io"] = map[string]any{"auth": b64(nullGUID + ":"), "identitytoken": old}
	// A second key for the same registry, which Docker never looks up: it
	// is reported beside the expired token, not instead of it.
	cfg["auths"].(map[string]any)["Expiring.azurecr.io"] = map[string]any{"auth": b64("expiring:" + adminPassword)}
	writeJSONConfig(t, e, cfg)
	for host, f := range faults {
		emu.SetFaults(host, f...)
	}

	r := e.docker("acrdoctor", "--format", "json", "--step-timeout", "2s")
	if r.code != 1 {
		t.Fatalf("want exit 1: %v", r)
	}
	var got checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %v", err, r)
	}
	want := map[string]string{
		"healthyreg.azurecr.io":  "",
		"firewalled.azurecr.io":  "network_firewall",
		"throttled.azurecr.io":   "throttled",
		"brokenreg.azurecr.io":   "registry_error",
		"intercepted.azurecr.io": "tls",
		"nochallenge.azurecr.io": "registry_error",
		"expiring.azurecr.io":    "expired_credentials",
		"Expiring.azurecr.io":    "registry_name",
	}
	if len(got.Registries) != len(want) {
		t.Errorf("%d registries checked, want %d", len(got.Registries), len(want))
	}
	if !slices.IsSortedFunc(got.Registries, func(a, b registryJSON) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Registry), strings.ToLower(b.Registry)), strings.Compare(a.Registry, b.Registry))
	}) {
		t.Errorf("registries not in order of their host: %v", got.Registries)
	}
	for _, reg := range got.Registries {
		var ids []string
		for _, c := range reg.Causes {
			ids = append(ids, c.ID)
		}
		w := want[reg.Registry]
		if (w == "") != reg.Healthy || (w != "" && (len(ids) == 0 || ids[0] != w)) {
			t.Errorf("%s: healthy %v causes %v, want %q", reg.Registry, reg.Healthy, ids, w)
		}
		if reg.Registry == "firewalled.azurecr.io" && !strings.Contains(strings.Join(reg.Causes[0].Remediation, " "), "az acr network-rule add -n firewalled --ip-address 203.0.113.7") {
			t.Errorf("firewall remediation: %v", reg.Causes[0].Remediation)
		}
	}

	// Text, template and -D, over the same registries: no secret anywhere.
	secrets := []string{adminPassword, old, b64("healthyreg:" + adminPassword)}
	for _, args := range [][]string{
		{"acrdoctor", "--step-timeout", "2s"},
		{"acrdoctor", "check", "--format", "json", "--step-timeout", "2s"},
		{"acrdoctor", "check", "--format", "{{json .}}", "--step-timeout", "2s"},
		{"-D", "acrdoctor", "check", "--push", "--step-timeout", "2s"},
		{"-D", "acrdoctor", "check", "--format", "json", "--step-timeout", "2s"},
		{"acrdoctor", "creds"},
		{"-D", "acrdoctor", "creds", "--format", "json"},
		{"acrdoctor", "creds", "--all", "--format", "{{json .}}"},
	} {
		r := e.docker(args...)
		for _, s := range secrets {
			for _, piece := range secretPieces(s) {
				if strings.Contains(r.stdout+r.stderr, piece) {
					t.Errorf("docker %v printed a secret", args)
				}
			}
		}
		if args[0] == "-D" && args[2] == "check" && !strings.Contains(r.stderr, "DEBU > GET https://healthyreg.azurecr.io/v2/") {
			t.Errorf("-D printed no transcript:\n%s", r.stderr)
		}
	}
}

func readConfig(t *testing.T, e *env) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.configDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeJSONConfig(t *testing.T, e *env, cfg map[string]any) {
	t.Helper()
	b, _ := json.Marshal(cfg)
	e.writeConfig(string(b))
}

// TestAgreesWithDockerLogin: for every fault and every way a credential
// is stored, check calls the registry healthy exactly when the real
// `docker login` with that stored credential succeeds against the same
// emulator and DOCKER_CONFIG. Without a daemon, Docker 28 sends a bare
// `docker login REGISTRY` (no password) to the daemon only, so the test
// gives docker login the stored username and secret itself.
func TestAgreesWithDockerLogin(t *testing.T) {
	t.Parallel()
	// stored writes a credential one way and returns the username and
	// secret it holds, for docker login.
	type stored struct {
		name  string
		write func(e *env, emu *acremu.Server, host string) (user, secret string)
	}
	ways := []stored{
		{"file auth", func(e *env, _ *acremu.Server, host string) (string, string) {
			admin := strings.Split(host, ".")[0]
			e.writeConfig(fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, b64(admin+":"+adminPassword)))
			return admin, adminPassword
		}},
		{"identitytoken", func(e *env, emu *acremu.Server, host string) (string, string) {
			tok := emu.RefreshToken(host, user, time.Now().Add(-time.Hour))
			e.writeConfig(fmt.Sprintf(`{"auths": {%q: {"auth": %q, "identitytoken": %q}}}`, host, b64(nullGUID+":"), tok))
			return nullGUID, tok
		}},
		{"helper", func(e *env, _ *acremu.Server, host string) (string, string) {
			e.helper("filestore", fmt.Sprintf(`case "$1" in
get) echo '{"ServerURL":"%s","Username":"%s","Secret":"%s"}';;
list) echo '{"%s":"%s"}';;
*) cat >/dev/null;;
esac
`, host, spApp, spSecret, host, spApp))
			e.writeConfig(fmt.Sprintf(`{"auths": {"placeholder.invalid": {}}, "credHelpers": {%q: "filestore"}}`, host))
			return spApp, spSecret
		}},
	}
	// TLS faults are no exception here: Docker 28 skips certificate checks
	// only for registries that resolve to loopback, and through the
	// emulator's proxy the names never resolve locally.
	// Faults whose docker login is slow (docker's own 15 s timeout) run
	// with one way of storing only.
	slow := map[acremu.Fault]bool{acremu.HungSocket: true, acremu.DripBody: true, acremu.EndlessBody: true, acremu.Unreachable: true}
	// Where check refuses on purpose what Docker goes along with.
	divergent := map[acremu.Fault]string{
		acremu.RealmOtherHost: "credentials go only to the registry host (a realm elsewhere is reported, never sent a secret); Docker follows it",
		acremu.HugeBody:       "check reads at most 256 KiB of an answer; Docker reads a 64 MiB token answer to its end",
	}
	faults := append([]acremu.Fault{""}, acremu.Faults...)

	var regs []acremu.Registry
	for i := range faults {
		for j := range ways {
			regs = append(regs, emuRegistry(fmt.Sprintf("agree%02d%d.azurecr.io", i, j)))
		}
	}
	emu := startEmu(t, regs...)
	var mu sync.Mutex
	var table []string
	for i, f := range faults {
		for j, w := range ways {
			if slow[f] && j > 0 {
				continue
			}
			host := fmt.Sprintf("agree%02d%d.azurecr.io", i, j)
			if f != "" {
				emu.SetFaults(host, f)
			}
			t.Run(fmt.Sprintf("%s/%s", orHealthy(f), w.name), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				e.useEmu(emu)
				user, secret := w.write(e, emu, host)
				// check first: a successful docker login stores the refresh
				// token the registry returns, which may be broken in turn.
				r := e.docker("acrdoctor", "check", host, "--format", "{{.Healthy}}", "--step-timeout", "3s", "--timeout", "20s")
				healthy := strings.TrimSpace(r.stdout) == "true"
				login := e.run(secret, "docker", "login", host, "-u", user, "--password-stdin")
				mu.Lock()
				table = append(table, fmt.Sprintf("%-22s %-14s docker login %-5v check healthy %v", orHealthy(f), w.name, login.code == 0, healthy))
				mu.Unlock()
				if why, ok := divergent[f]; ok {
					if login.code != 0 || healthy {
						t.Errorf("%s: expected docker login to succeed and check to refuse (%s); login exit %d, healthy %v", f, why, login.code, healthy)
					}
					return
				}
				if (login.code == 0) != healthy {
					t.Errorf("docker login exit %d, check healthy %v\nlogin: %v\ncheck: %v", login.code, healthy, login, e.docker("acrdoctor", "check", host, "--step-timeout", "3s"))
				}
			})
		}
	}
	t.Cleanup(func() {
		slices.Sort(table)
		t.Logf("agreement:\n%s", strings.Join(table, "\n"))
	})
}

func orHealthy(f acremu.Fault) string {
	if f == "" {
		return "healthy"
	}
	return string(f)
}

// TestDockerEnvironment: standalone, with an old docker CLI on PATH, check
// names docker_environment; with none, it warns and carries on.
func TestDockerEnvironment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(`{"auths": {"myreg.azurecr.io": {"auth": "` + b64("myreg:pw") + `"}}}`)
	bin := filepath.Join(t.TempDir(), "old")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte("#!/bin/sh\necho 'Docker version 17.09.1-ce, build 19e2cf6'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.setenv("PATH=" + bin + ":/usr/bin:/bin")
	full := e.run("", pluginBin, "check", "--offline", "--format", "json")
	if full.code != 1 || !strings.Contains(full.stdout, `"id": "docker_environment"`) || !strings.Contains(full.stdout, "version 17.09; ACR needs 18.03") {
		t.Errorf("old docker: %v", full)
	}
	e.setenv("PATH=/nonexistent")
	none := e.run("", pluginBin, "check", "--offline", "--format", "json")
	if none.code != 0 || !strings.Contains(none.stdout, "the docker CLI is not on PATH") {
		t.Errorf("no docker: %v", none)
	}
}

// TestBrokenStore: a credsStore that cannot list its entries is the
// finding, in text, JSON and the exit status, never "nothing to check".
func TestBrokenStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(`{"auths": {}, "credsStore": "acrdoctornosuchhelper"}`)
	r := e.docker("acrdoctor")
	if r.code != 1 || !strings.Contains(r.stdout, "credential_store") || strings.Contains(r.stdout, "No ACR registries") ||
		!strings.Contains(r.stdout, "the registries it holds are not known") {
		t.Errorf("check with a missing credsStore: %v", r)
	}
	r = e.docker("acrdoctor", "check", "--format", "json")
	var got checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 1 {
		t.Fatalf("%v: %v", err, r)
	}
	if len(got.Stores) != 1 || len(got.Stores[0].Causes) != 1 || got.Stores[0].Causes[0].ID != "credential_store" {
		t.Errorf("stores %+v, want the missing helper's credential_store", got.Stores)
	}
	// creds says the same, and no login into the store that fails.
	r = e.docker("acrdoctor", "creds")
	if r.code != 1 || !strings.Contains(r.stdout, "credential_store") || strings.Contains(r.stdout, "Log in with") ||
		!strings.Contains(r.stdout, "The credential store above cannot be read: mend it first") {
		t.Errorf("creds with a missing credsStore: %v", r)
	}
}
