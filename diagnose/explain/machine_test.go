package explain

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/inventory"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// pullFailed is the generic line every machine case explains.
const pullFailed = "docker pull myreg.azurecr.io/team/app:1\n" +
	`Error response from daemon: Head "https://myreg.azurecr.io/v2/team/app/manifests/1": unauthorized: authentication required`

// acrRefreshToken is an unsigned ACR refresh token that expired at exp.
func acrRefreshToken(t *testing.T, exp time.Time) string {
	t.Helper()
	claims, err := json.Marshal(map[string]any{
		"iss": "Azure Container Registry", "aud": "myreg.azurecr.io", "grant_type": "refresh_token",
		"jti": "5d1c0b7e", "iat": exp.Add(-3 * time.Hour).Unix(), "nbf": exp.Add(-3 * time.Hour).Unix(), "exp": exp.Unix(),
		"tenant": "11111111-1111-1111-1111-111111111111", "permissions": map[string]any{"actions": []string{"read"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc(bytes.Repeat([]byte{0x5a}, 256)) // unverified, but of an RSA key's length
}

// machineOf is what the plugin gives ExplainWith: the credential Docker's
// store, as configured in a config.json, holds for a registry, assessed
// offline as `creds` does.
func machineOf(t *testing.T, config string) func(string) (report.Credential, bool) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// No helper may be found but those a case names: PATH is empty.
	t.Setenv("PATH", t.TempDir())
	cfg, err := credstore.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	store := &credstore.Store{Config: cfg, Timeout: 5 * time.Second}
	var keys []string
	for k := range cfg.Auths {
		keys = append(keys, k)
	}
	for k := range cfg.CredHelpers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := time.Now()
	return func(host string) (report.Credential, bool) {
		for _, k := range keys {
			if loginserver.Host(k) == host {
				return inventory.Assess(store.Lookup(context.Background(), k), now), true
			}
		}
		return report.Credential{}, false
	}
}

// TestExplainWithMachine: the generic "authentication required" of a pull,
// read with what this machine's store holds for the registry. Not
// parallel: machineOf sets PATH.
func TestExplainWithMachine(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name   string
		config string
		want   cause.ID
		says   string // in the machine's evidence
	}{
		{"a refresh token that expired 2 hours ago",
			`{"auths":{"myreg.azurecr.io":{"auth":"` + b64([]byte("00000000-0000-0000-0000-000000000000:")) + `","identitytoken":"` + acrRefreshToken(t, time.Now().Add(-2*time.Hour)) + `"}}}`,
			cause.ExpiredCredentials, "expired 2h"},
		{"a credential helper that is not installed",
			`{"credHelpers":{"myreg.azurecr.io":"acrdoctortestmissing"}}`,
			cause.CredentialStore, "acrdoctortestmissing"},
		{"an upper-case key",
			`{"auths":{"MyReg.azurecr.io":{"auth":"` + b64([]byte("myreg:s3cret-pw")) + `"}}}`,
			cause.RegistryName, "MyReg.azurecr.io"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			machine := machineOf(t, tc.config)
			if fs := ExplainString(pullFailed); len(fs) == 0 || fs[0].Cause.ID != cause.InvalidCredentials || fs[0].Confidence != Possible {
				t.Fatalf("text alone: %v", ids(fs))
			}
			fs := ExplainWith(pullFailed, Options{Machine: machine})
			if len(fs) == 0 {
				t.Fatal("no findings")
			}
			f := fs[0]
			if f.Cause.ID != tc.want || f.Confidence != Certain || f.LineNo != 2 || f.Registry != "myreg.azurecr.io" {
				t.Fatalf("first finding %s %s at %d for %q, want %s certain at 2; all %v", f.Cause.ID, f.Confidence, f.LineNo, f.Registry, tc.want, ids(fs))
			}
			var text, mach bool
			for _, e := range f.Evidence {
				switch e.Source {
				case FromText:
					text = text || e.LineNo == 2 && strings.Contains(e.Text, "authentication required")
				case FromMachine:
					mach = mach || strings.Contains(e.Text, tc.says)
				}
			}
			if !text || !mach {
				t.Errorf("evidence %+v: from the text %v, from the machine %v (want %q)", f.Evidence, text, mach, tc.says)
			}
			if slices.Contains(ids(fs), cause.InvalidCredentials) && tc.want != cause.InvalidCredentials {
				t.Errorf("the 401 is explained, yet invalid_credentials stays: %v", ids(fs))
			}
			blob, _ := json.Marshal(fs)
			if strings.Contains(string(blob), "s3cret-pw") || jwtLeak.Match(blob) {
				t.Errorf("a secret leaks: %s", blob)
			}
		})
	}
}

// TestFold holds fold to its rules on credentials built by hand.
func TestFold(t *testing.T) {
	expiredTok := report.Credential{Registry: "myreg.azurecr.io", Causes: []cause.Cause{
		cause.New(cause.ExpiredCredentials, "the ACR refresh token expired 2h ago", "az acr login -n myreg"),
	}}
	soon := report.Credential{Registry: "myreg.azurecr.io", Causes: []cause.Cause{
		cause.Warn(cause.ExpiredCredentials, "the ACR refresh token expires in 5m"),
	}}
	other := report.Credential{Registry: "other.azurecr.io", Causes: []cause.Cause{cause.New(cause.CredentialStore, "helper missing")}}
	for _, tc := range []struct {
		name  string
		text  string
		cred  map[string]report.Credential
		first cause.ID
		band  Confidence
		fixed string // in the first finding's remediation
		has   cause.ID
		conf  Confidence // of has
	}{
		{"expired token explains the 401", pullFailed, map[string]report.Credential{"myreg.azurecr.io": expiredTok},
			cause.ExpiredCredentials, Certain, "az acr login -n myreg", "", ""},
		{"a warning explains little", pullFailed, map[string]report.Credential{"myreg.azurecr.io": soon},
			cause.ExpiredCredentials, Likely, "", "", ""},
		{"another registry's trouble is not this one's", pullFailed, map[string]report.Credential{"other.azurecr.io": other},
			cause.InvalidCredentials, Possible, "", "", ""},
		{"a node's pull is not this machine's login", `Warning  Failed  kubelet  Failed to pull image "myreg.azurecr.io/app:1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://myreg.azurecr.io/oauth2/token?scope=repository%3Aapp%3Apull&service=myreg.azurecr.io: 401 Unauthorized`,
			map[string]report.Credential{"myreg.azurecr.io": expiredTok},
			cause.InvalidCredentials, Likely, "on AKS, let the cluster's kubelet identity pull: az aks update -n <cluster> -g <group> --attach-acr myreg", "", ""},
		{"a true fact the text does not show", "Get https://myreg.azurecr.io/v2/: dial tcp 20.1.2.3:443: i/o timeout",
			map[string]report.Credential{"myreg.azurecr.io": expiredTok},
			cause.NetworkUnreachable, Certain, "", cause.ExpiredCredentials, Possible},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			fs := ExplainWith(tc.text, Options{Machine: func(h string) (report.Credential, bool) {
				asked = append(asked, h)
				c, ok := tc.cred[h]
				return c, ok
			}})
			if len(asked) == 0 || asked[0] != "myreg.azurecr.io" {
				t.Errorf("Machine asked for %q", asked)
			}
			if len(fs) == 0 || fs[0].Cause.ID != tc.first || fs[0].Confidence != tc.band {
				t.Fatalf("findings %v (%v), want %s %s first", ids(fs), fs, tc.first, tc.band)
			}
			if tc.fixed != "" && !slices.Contains(fs[0].Cause.Remediation, tc.fixed) {
				t.Errorf("remediation %q lacks the store's %q", fs[0].Cause.Remediation, tc.fixed)
			}
			if tc.has != "" {
				i := slices.Index(ids(fs), tc.has)
				if i < 0 || fs[i].Confidence != tc.conf || fs[i].LineNo != 0 || fs[i].Line != "" || fs[i].Cause.Evidence == "" {
					t.Errorf("%s: %+v", tc.has, fs)
				}
			}
		})
	}
	// Nil Machine: the text alone, the same as ExplainString.
	if a, b := ExplainWith(pullFailed, Options{}), ExplainString(pullFailed); !slices.EqualFunc(a, b, func(x, y Finding) bool { return x.Cause.ID == y.Cause.ID }) {
		t.Errorf("nil Machine: %v vs %v", ids(a), ids(b))
	}
}

// TestFoldMasksGivenSecret: what this machine says (a helper's error that
// echoes what it was given) is masked as the text is, where it repeats a
// secret the text gave.
func TestFoldMasksGivenSecret(t *testing.T) {
	cred := report.Credential{Registry: "myreg.azurecr.io", Causes: []cause.Cause{
		cause.New(cause.CredentialStore, "docker-credential-x get: failed: bad entry Sup3rS3cret9 for myreg.azurecr.io"),
	}}
	text := "+ docker login myreg.azurecr.io -u admin -p Sup3rS3cret9\n" + pullFailed
	fs := ExplainWith(text, Options{Machine: func(h string) (report.Credential, bool) { return cred, h == "myreg.azurecr.io" }})
	blob, _ := json.Marshal(fs)
	if len(fs) == 0 || strings.Contains(string(blob), "Sup3rS3cret9") {
		t.Errorf("the given secret shows: %s", blob)
	}
}
