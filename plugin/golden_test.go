package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

// update rewrites the golden files from what the renderers print now:
// go test ./plugin -run TestGolden -update, then read the diff.
var update = flag.Bool("update", false, "rewrite testdata/golden from the renderers' output")

// TestGolden holds the text and JSON of each report type to files, so
// that a change to any of them shows as a diff to review: one registry
// that passes and one refused (folded, and with --verbose), a store and a
// Docker client with findings, an inventory, a token, pasted output read.
func TestGolden(t *testing.T) {
	exp := renderNow.Add(-10 * time.Minute)
	iat := exp.Add(-3 * time.Hour)
	tok := &report.Token{Kind: token.RefreshToken, Issuer: "Azure Container Registry", Subject: "alice@contoso.com",
		Audience: []string{"myreg.azurecr.io"}, Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", GrantType: "refresh_token",
		JWTID: "79eba36f-7b54-40f8-8a25-00535325e067", IssuedAt: &iat, ExpiresAt: &exp, Expired: true,
		Permissions: &token.Permissions{Actions: []string{"read", "write"}}}
	expired := cause.Cause{ID: cause.ExpiredCredentials, Severity: cause.Error, Title: "The credentials have expired",
		Evidence:    "the stored ACR refresh token expired 10m ago, and the registry answered 401",
		Remediation: []string{"az acr login -n myreg"}, Docs: []string{"https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-login-authn-authz"}}
	refused := report.Registry{
		Registry: "myreg.azurecr.io", LoginFailed: true,
		Credential: report.Credential{Registry: "myreg.azurecr.io", ACR: true, Source: "credsStore:pass", Kind: credkind.RefreshToken,
			Username: "00000000-0000-0000-0000-000000000000", Fingerprint: "sha256:1a2b3c4d", Token: tok, Causes: []cause.Cause{expired}},
		Steps: []report.Step{
			{Name: report.StepCredential, Status: report.StepFail, Detail: "refresh_token from credsStore:pass"},
			{Name: report.StepDNS, Status: report.StepOK, DurationMS: 3, Detail: "20.62.128.38"},
			{Name: report.StepTCP, Status: report.StepOK, DurationMS: 21, Detail: "20.62.128.38:443"},
			{Name: report.StepTLS, Status: report.StepOK, DurationMS: 40, Detail: "TLS 1.3, certificate CN=*.azurecr.io issued by CN=Microsoft Azure RSA TLS Issuing CA 03"},
			{Name: "challenge", Status: report.StepOK, DurationMS: 48, Detail: "GET https://myreg.azurecr.io/v2/ → 401 Unauthorized"},
			{Name: "token", Status: report.StepFail, DurationMS: 52, Detail: "POST https://myreg.azurecr.io/oauth2/token → 401 Unauthorized"},
			{Name: report.StepClock, Status: report.StepOK, Detail: "local clock within 5m of the registry's"},
		},
		Causes: []cause.Cause{expired},
		LoginEvents: &report.LoginEvents{
			Query:   "ContainerRegistryLoginEvents\n| where LoginServer =~ \"myreg.azurecr.io\"\n| take 20",
			Command: "az monitor log-analytics query --workspace <id> --analytics-query 'ContainerRegistryLoginEvents | take 20'",
		},
	}
	healthy := report.Registry{
		Registry: "other.azurecr.io", Healthy: true,
		Credential: report.Credential{Registry: "other.azurecr.io", ACR: true, Source: "file", Kind: credkind.AdminUser, Username: "other", Fingerprint: "sha256:5e6f7a8b", Causes: []cause.Cause{}},
		Steps: []report.Step{
			{Name: report.StepCredential, Status: report.StepOK, Detail: "admin_user from file, username other"},
			{Name: report.StepTCP, Status: report.StepOK, DurationMS: 20, Detail: "20.62.128.38:443"},
			{Name: report.StepTLS, Status: report.StepOK, DurationMS: 41, Detail: "TLS 1.3"},
			{Name: "challenge", Status: report.StepOK, DurationMS: 47, Detail: "GET https://other.azurecr.io/v2/ → 401 Unauthorized"},
		},
		Causes: []cause.Cause{},
	}
	store := report.Store{Source: "credsStore:pass", Default: true, Causes: []cause.Cause{{ID: cause.CredentialStore, Severity: cause.Error,
		Title: "Docker's credential store fails", Evidence: "docker-credential-pass list: failed: pass store is uninitialized",
		Remediation: []string{"pass init <gpg-key-id>"}}}}
	docker := &report.Docker{Path: "/usr/bin/docker", Version: "17.09", Causes: []cause.Cause{{ID: cause.DockerEnvironment, Severity: cause.Error,
		Title: "Docker is missing, too old, or its daemon is not running", Evidence: "the Docker client /usr/bin/docker is version 17.09; ACR needs 18.03 or later"}}}
	check := report.Check{Registries: []report.Registry{refused, healthy}, Stores: []report.Store{store}, Docker: docker}
	creds := report.Creds{Config: "/home/u/.docker/config.json", Credentials: []report.Credential{refused.Credential, healthy.Credential}, Stores: []report.Store{store}}
	finding := report.Finding{Cause: expired, LineNo: 3, Registry: "myreg.azurecr.io", Confidence: "certain"}

	text := func(verbose bool, f func(textWriter)) func(io.Writer) error {
		return func(w io.Writer) error {
			f(textWriter{w: w, p: palette{}, now: renderNow, verbose: verbose, fixes: map[string]bool{}})
			return nil
		}
	}
	checkText := func(tw textWriter) {
		for _, r := range check.Registries {
			tw.registry(r)
		}
		tw.checkSummary(check)
	}
	for name, render := range map[string]func(io.Writer) error{
		"check.txt":         text(false, checkText),
		"check-verbose.txt": text(true, checkText),
		"creds.txt":         text(false, func(tw textWriter) { tw.creds(creds, false) }),
		"token.txt": text(false, func(tw textWriter) {
			tw.token(report.TokenReport{Token: tok, LoginServer: "myreg.azurecr.io", Causes: []cause.Cause{expired}}, 1234)
		}),
		"explain.txt": text(false, func(tw textWriter) { tw.findings([]report.Finding{finding}) }),
		"explain-unshown.txt": text(false, func(tw textWriter) {
			bare := finding
			bare.Evidence = ""
			tw.findings([]report.Finding{bare})
		}),
		"check.json": func(w io.Writer) error { return writeJSON(jsonOutput(w), check) },
		"token.json": func(w io.Writer) error {
			return writeJSON(jsonOutput(w), report.TokenReport{Token: tok, LoginServer: "myreg.azurecr.io", Causes: []cause.Cause{expired}})
		},
		"creds.json": func(w io.Writer) error { return writeJSON(jsonOutput(w), creds) },
		"explain.json": func(w io.Writer) error {
			return writeJSON(jsonOutput(w), report.Explain{Causes: []report.Finding{finding}, Registries: []string{"myreg.azurecr.io"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, name, b.Bytes())
		})
	}
}

// golden compares got with testdata/golden/name, or rewrites the file
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./plugin -run TestGolden -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestGoldenConfigure holds configure's text to a file: the preview off a
// terminal, the write, and the undo, run as the user runs them, with the
// sandbox's folder and the run's time replaced by placeholders.
func TestGoldenConfigure(t *testing.T) {
	s := newBinSandbox(t)
	bin := filepath.Join(filepath.Dir(s.configDir), "bin")
	if err := testbin.Install(bin, testbin.Helper, testbin.Fake); err != nil {
		t.Fatal(err)
	}
	// The store the wrapper is to wrap: pass, as a store in files. Docker
	// takes pass for its default only where a pass program is on PATH too:
	// one that does nothing stands for it, whatever this machine has.
	if err := os.Rename(filepath.Join(bin, testbin.Fake), filepath.Join(bin, "docker-credential-pass")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "pass"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(filepath.Dir(s.configDir), "store")
	if err := os.Mkdir(store, 0o700); err != nil {
		t.Fatal(err)
	}
	for i, kv := range s.env {
		if strings.HasPrefix(kv, "PATH=") {
			s.env[i] = "PATH=" + bin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
	}
	s.env = append(s.env, "FAKE_STORE="+store)
	// A password store with a key, as pass init leaves it: configure
	// refuses to wrap one without.
	gpgID := filepath.Join(filepath.Dir(s.configDir), "home", ".password-store", ".gpg-id")
	if err := os.MkdirAll(filepath.Dir(gpgID), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gpgID, []byte("test@acr-doctor.invalid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.writeConfig(`{"auths":{"myreg.azurecr.io":{}},"credHelpers":{"other.azurecr.io":"pass"}}`)
	var out bytes.Buffer
	for _, args := range [][]string{{"configure"}, {"configure", "--yes"}, {"configure", "--undo", "--yes"}} {
		r := s.run("", args...)
		fmt.Fprintf(&out, "$ acr-doctor %s\n%s%s[exit %d]\n", strings.Join(args, " "), r.stdout, r.stderr, r.code)
	}
	// The folder as configure prints it: made terminal-safe.
	got := strings.ReplaceAll(out.String(), safe(filepath.Dir(s.configDir)), "$ROOT")
	got = regexp.MustCompile(`\d{8}T\d{6}\.\d+Z|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`).ReplaceAllString(got, "<time>")
	golden(t, "configure.txt", []byte(got))
}
