// Command demo shows a full diagnosis with no Azure account: it starts the
// ACR emulator with a dozen registries, logs in to them with the real
// `docker login` into a temporary DOCKER_CONFIG, breaks each registry a
// different way, and runs `docker acrdoctor check --azure` over them, with
// a service principal that may read the emulator's Azure Resource Manager
// and Log Analytics.
//
//	make demo                    # or: go run ./scripts/demo
//	go run ./scripts/demo -- --format json
//
// Everything runs on loopback: docker reaches the emulator through its
// proxy (HTTPS_PROXY) and trusts it through its CA (SSL_CERT_FILE).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	alice  = "alice@contoso.com"
	pullSP = "5b1d6f0e-7c3a-4e8b-9d2f-1a6c4e8b0f37"
	// reader is the identity check --azure reads ARM as.
	reader       = "3c9d1e2f-aaaa-4bbb-8ccc-0d1e2f3a4b5c"
	readerSecret = "demo-reader-secret"
)

// scenario is one registry: how Docker logs in to it while it is healthy,
// and how it breaks afterwards.
type scenario struct {
	name   string
	story  string
	user   string
	secret func(*acremu.Server, string) string
	// stored, when set, is written to config.json instead of logging in:
	// the credential is broken from the start, so docker login refuses it.
	stored bool
	// helper, when set, is the credHelpers entry config.json gives the
	// registry instead of a credential.
	helper string
	faults []acremu.Fault // applied after the logins
	setup  func(*acremu.Registry)
}

func adminPW(name string) string { return "demo-" + name + "-admin" }

func admin(name string) func(*acremu.Server, string) string {
	return func(*acremu.Server, string) string { return adminPW(name) }
}

func refresh(age time.Duration) func(*acremu.Server, string) string {
	return func(s *acremu.Server, host string) string { return s.RefreshToken(host, alice, time.Now().Add(-age)) }
}

func scenarios() []scenario {
	return []scenario{
		{name: "contoso", story: "healthy: az acr login's refresh token", user: acremu.NullGUID, secret: refresh(time.Minute)},
		{name: "fabrikam", story: "healthy: admin user", user: "fabrikam", secret: admin("fabrikam")},
		{name: "expired", story: "the registry handed Docker a refresh token that has since expired", user: acremu.NullGUID, secret: refresh(time.Minute),
			setup: func(r *acremu.Registry) { r.Faults = []acremu.Fault{acremu.ExpiredTokens} }},
		{name: "adminoff", story: "the admin user was disabled after login", user: "adminoff", secret: admin("adminoff"), faults: []acremu.Fault{acremu.AdminDisabled}},
		{name: "pullonly", story: "a pull-only service principal, probed for push", user: pullSP,
			secret: func(*acremu.Server, string) string { return "demo-pullonly-secret" }},
		{name: "unknownsp", story: "a service principal the tenant does not know", user: "9e4a2c71-3b8d-4f06-a5e1-7d2c9b4f6a18", stored: true,
			secret: func(*acremu.Server, string) string { return "demo-unknown-secret" }},
		{name: "firewalled", story: "network rules that leave this client out", user: "firewalled", secret: admin("firewalled"), stored: true,
			setup: func(r *acremu.Registry) { r.ARM.DefaultAction, r.ARM.IPRules = "Deny", []string{"198.51.100.0/24"} }},
		{name: "private", story: "public access off, a private endpoint whose DNS zone is not linked", user: "private", secret: admin("private"), stored: true,
			setup: func(r *acremu.Registry) {
				r.ARM.PublicNetworkAccessDisabled, r.ARM.PrivateEndpoints = true, []string{"pe-private"}
				r.Faults = []acremu.Fault{acremu.PrivateDNSNotLinked}
			}},
		{name: "abacreg", story: "ABAC repository permissions; the principal holds only the reader role", user: pullSP,
			secret: func(*acremu.Server, string) string { return "demo-pullonly-secret" },
			setup:  func(r *acremu.Registry) { r.ARM.ABAC = true }},
		{name: "throttled", story: "too many requests", user: "throttled", secret: admin("throttled"), faults: []acremu.Fault{acremu.Throttle}},
		{name: "unavailable", story: "the registry answers 503", user: "unavailable", secret: admin("unavailable"), faults: []acremu.Fault{acremu.ServerError}},
		{name: "intercepted", story: "a TLS-inspecting proxy", user: "intercepted", secret: admin("intercepted"), faults: []acremu.Fault{acremu.UntrustedCert}},
		{name: "otherrealm", story: "a challenge pointing at another host", user: "otherrealm", secret: admin("otherrealm"), faults: []acremu.Fault{acremu.RealmOtherHost}},
		{name: "skewed", story: "the registry's clock is 3 hours ahead", user: "skewed", secret: admin("skewed"),
			setup: func(r *acremu.Registry) { r.ClockOffset = 3 * time.Hour }},
		{name: "anonpull", story: "anonymous pull is on; the stored admin password was rotated", user: "anonpull", stored: true,
			secret: func(*acremu.Server, string) string { return "demo-anonpull-old-password" },
			setup:  func(r *acremu.Registry) { r.AnonymousPull = true }},
		{name: "nosuchreg", story: "the registry was deleted", user: "nosuchreg", secret: admin("nosuchreg"), faults: []acremu.Fault{acremu.NotFound}},
		{name: "unreachable", story: "a firewall on the way drops the connection", user: "unreachable", secret: admin("unreachable"), faults: []acremu.Fault{acremu.Unreachable}},
		{name: "helperless", story: "credHelpers names a credential helper that is not installed", user: "helperless", stored: true, helper: "acrdoctordemomissing",
			secret: admin("helperless")},
	}
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("the docker CLI is needed: %w", err)
	}
	scs := scenarios()
	regs := make([]acremu.Registry, len(scs))
	for i, sc := range scs {
		r := acremu.Registry{
			Host: sc.name + ".azurecr.io", AdminEnabled: true, AdminPassword: adminPW(sc.name), Tenant: tenant,
			Users:             map[string]acremu.Identity{alice: {Actions: []string{"pull", "push"}}},
			ServicePrincipals: map[string]acremu.Principal{pullSP: {Secret: "demo-pullonly-secret", Actions: []string{"pull"}}},
			Repositories:      map[string][]string{"team/app": {"1.0"}},
		}
		r.ARM = &acremu.Resource{
			RoleAssignments: map[string][]string{reader: {"Reader"}},
			Workspace:       &acremu.Workspace{Readers: []string{reader}},
		}
		if sc.setup != nil {
			sc.setup(&r)
		}
		regs[i] = r
	}
	emu, err := acremu.Start(regs...)
	if err != nil {
		return err
	}
	defer emu.Close()
	emu.AddApplication(tenant, reader, readerSecret)

	dir, err := os.MkdirTemp("", "acrdoctor-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := buildPlugin(dir); err != nil {
		return err
	}
	env := append(os.Environ(),
		"DOCKER_CONFIG="+dir,
		"HTTPS_PROXY="+emu.ProxyURL(), "https_proxy="+emu.ProxyURL(), "NO_PROXY=", "no_proxy=",
		"SSL_CERT_FILE="+emu.CAFile(),
		// check --azure's identity, and the emulator's cloud, found as the
		// Azure CLI finds a custom cloud's.
		"AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+reader, "AZURE_CLIENT_SECRET="+readerSecret,
		"ARM_CLOUD_METADATA_URL=https://"+acremu.ARMHost+"/metadata/endpoints?api-version=2022-09-01",
	)
	// Not empty: with no auths at all Docker would pick the pass store.
	auths := map[string]any{"placeholder.invalid": map[string]any{}}
	if err := writeConfig(dir, auths, nil); err != nil {
		return err
	}

	fmt.Printf("ACR emulator on %s; DOCKER_CONFIG=%s\n\n", emu.ProxyURL(), dir)
	for _, sc := range scs {
		host := sc.name + ".azurecr.io"
		secret := sc.secret(emu, host)
		if sc.stored {
			continue
		}
		cmd := exec.Command("docker", "login", host, "-u", sc.user, "--password-stdin")
		cmd.Env, cmd.Stdin = env, strings.NewReader(secret)
		out, err := cmd.CombinedOutput()
		status := "Login Succeeded"
		if err != nil {
			status = "login failed: " + lastLine(out)
		}
		fmt.Printf("$ docker login %-24s %s  (%s)\n", host, status, sc.story)
	}
	// Credentials broken from the start: written as docker login stores them.
	cfg, err := readConfig(dir)
	if err != nil {
		return err
	}
	auths = cfg["auths"].(map[string]any)
	helpers := map[string]any{}
	for _, sc := range scs {
		if sc.helper != "" {
			host := sc.name + ".azurecr.io"
			helpers[host] = sc.helper
			fmt.Printf("  credHelpers %-22s → docker-credential-%s  (%s)\n", host, sc.helper, sc.story)
			continue
		}
		if sc.stored {
			host := sc.name + ".azurecr.io"
			auths[host] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(sc.user + ":" + sc.secret(emu, host)))}
			fmt.Printf("  stored for %-22s as docker login would  (%s)\n", host, sc.story)
		}
	}
	if err := writeConfig(dir, auths, helpers); err != nil {
		return err
	}
	for _, sc := range scs {
		if len(sc.faults) > 0 {
			emu.SetFaults(sc.name+".azurecr.io", sc.faults...)
		}
	}

	check := append([]string{"acrdoctor", "check", "--azure", "--push", "--repo", "team/app", "--step-timeout", "2s"}, args...)
	fmt.Printf("\n$ docker %s\n\n", strings.Join(check, " "))
	cmd := exec.Command("docker", check...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
	_ = cmd.Run() // exit status 1 is the point of the demo

	// The last cause is the Docker client's own: one too old for ACR,
	// first on PATH, as the standalone acr-doctor finds it.
	old := filepath.Join(dir, "old-docker")
	if err := os.MkdirAll(old, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(old, "docker"), []byte("#!/bin/sh\necho 'Docker version 17.09.1-ce, build 19e2cf6'\n"), 0o755); err != nil {
		return err
	}
	fmt.Printf("\n$ PATH=%s:$PATH acr-doctor check --offline fabrikam.azurecr.io   # a Docker client from 2017 first on PATH\n\n", old)
	cmd = exec.Command(filepath.Join(dir, "cli-plugins", "docker-acrdoctor"), "check", "--offline", "fabrikam.azurecr.io")
	cmd.Env, cmd.Stdout, cmd.Stderr = append(env, "PATH="+old+string(os.PathListSeparator)+os.Getenv("PATH")), os.Stdout, os.Stderr
	_ = cmd.Run()
	return nil
}

// buildPlugin puts the plugin where Docker finds it: the program
// ACRDOCTOR_PLUGIN names (the tests' prebuilt one), else built here.
func buildPlugin(dir string) error {
	plugins := filepath.Join(dir, "cli-plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return err
	}
	if p := os.Getenv("ACRDOCTOR_PLUGIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
			return fmt.Errorf("ACRDOCTOR_PLUGIN=%s is not the plugin program", p)
		}
		return os.Symlink(abs, filepath.Join(plugins, "docker-acrdoctor"))
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(plugins, "docker-acrdoctor"), "./plugin")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func readConfig(dir string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	return cfg, json.Unmarshal(b, &cfg)
}

func writeConfig(dir string, auths, credHelpers map[string]any) error {
	cfg := map[string]any{"auths": auths}
	if len(credHelpers) > 0 {
		cfg["credHelpers"] = credHelpers
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
