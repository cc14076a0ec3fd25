package renew_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/renew"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

const (
	host     = "myreg.azurecr.io"
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	spPull   = "4f1c2a7e-5b3d-4e8f-9a06-1c2d3e4f5a6b"
	spSecret = "sp-secret-1"
	// outsider is an application Azure AD knows that is on no registry.
	outsider       = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
	outsiderSecret = "outsider-secret"
	authority      = "https://" + acremu.AuthorityHost + "/"
)

func registry(h string) acremu.Registry {
	return acremu.Registry{
		Host:              h,
		Tenant:            tenant,
		ServicePrincipals: map[string]acremu.Principal{spPull: {Secret: spSecret, Actions: []string{"pull"}}},
		Repositories:      map[string][]string{"hello-world": {"latest"}},
	}
}

func start(t *testing.T, regs ...acremu.Registry) *acremu.Server {
	t.Helper()
	s, err := acremu.Start(regs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.AddApplication(tenant, outsider, outsiderSecret)
	return s
}

// identityEnv sets the environment to hold exactly a service principal
// (none when clientID is empty) whose Azure AD is the emulator's, and no
// other identity: no managed identity endpoint, no az on PATH.
func identityEnv(t *testing.T, clientID, secret string) {
	for _, k := range []string{
		"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT",
		"IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_TOKEN_CREDENTIALS",
		"AZURE_REGIONAL_AUTHORITY_NAME", "AZURE_AUTHORITY_HOST",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("PATH", t.TempDir())
	t.Setenv("AZURE_AUTHORITY_HOST", authority)
	if clientID != "" {
		t.Setenv("AZURE_TENANT_ID", tenant)
		t.Setenv("AZURE_CLIENT_ID", clientID)
		t.Setenv("AZURE_CLIENT_SECRET", secret)
	}
}

// recorder is a credential that notes the scopes asked for.
type recorder struct {
	azcore.TokenCredential
	mu     sync.Mutex
	scopes []string
}

func (r *recorder) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	r.mu.Lock()
	r.scopes = append(r.scopes, o.Scopes...)
	r.mu.Unlock()
	return r.TokenCredential.GetToken(ctx, o)
}

// renewer is a Renewer whose credential is the chain NewCredential builds
// from the environment, talking to the emulator.
func renewer(t *testing.T, s *acremu.Server, h string) (*renew.Renewer, *recorder) {
	t.Helper()
	cred, err := renew.NewCredential(h, &azcore.ClientOptions{Transport: s.Client()})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TokenCredential: cred}
	return &renew.Renewer{Credential: rec, HTTPClient: s.Client(), Timeout: 10 * time.Second}, rec
}

// paths lists "METHOD path status" of what h received.
func paths(s *acremu.Server, h string) []string {
	var out []string
	for _, r := range s.Requests(h) {
		out = append(out, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	return out
}

// TestRenew: through azidentity's real EnvironmentCredential and MSAL,
// against the emulated Azure AD, a service principal's refresh token for
// the registry, which the registry then accepts.
func TestRenew(t *testing.T) {
	for _, tt := range []struct {
		name, host string
		noARM      bool
		scopes     []string
	}{
		{"public", host, false, []string{"https://management.core.windows.net/.default"}},
		{"China", "myreg.azurecr.cn", false, []string{"https://management.core.chinacloudapi.cn/.default"}},
		{"US Government", "myreg.azurecr.us", false, []string{"https://management.core.usgovcloudapi.net/.default"}},
		{"authentication-as-arm disabled", host, true, []string{"https://management.core.windows.net/.default", renew.ACRScope}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry(tt.host)
			reg.AuthenticationAsARMDisabled = tt.noARM
			s := start(t, reg)
			identityEnv(t, spPull, spSecret)
			r, rec := renewer(t, s, tt.host)

			refresh, tok, err := r.Renew(context.Background(), tt.host)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rec.scopes, tt.scopes) {
				t.Errorf("scopes %q, want %q", rec.scopes, tt.scopes)
			}
			now := time.Now()
			if tok.Kind != token.RefreshToken || !tok.Claims.HasAudience(tt.host) || tok.Claims.Subject != spPull ||
				tok.Expired(now) || tok.Claims.Tenant != tenant {
				t.Errorf("token %v %+v", tok.Kind, tok.Claims)
			}
			if again, err := token.Decode(refresh); err != nil || again.Claims.JWTID != tok.Claims.JWTID {
				t.Errorf("the token returned is not the one decoded: %v", err)
			}

			// The registry takes it, as Docker will present it.
			resp, err := s.Client().PostForm("https://"+tt.host+"/oauth2/token", url.Values{
				"grant_type": {"refresh_token"}, "service": {tt.host}, "scope": {"repository:hello-world:pull"},
				"refresh_token": {refresh},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var answer struct {
				AccessToken string `json:"access_token"`
			}
			json.NewDecoder(resp.Body).Decode(&answer)
			at, err := token.Decode(answer.AccessToken)
			if resp.StatusCode != 200 || err != nil || len(at.Claims.Access) != 1 || !slices.Equal(at.Claims.Access[0].Actions, []string{"pull"}) {
				t.Fatalf("the registry refused the renewed token: %d %v", resp.StatusCode, err)
			}

			// What went where: MSAL's two requests to Azure AD, ours to the registry.
			aad := s.Requests(acremu.AuthorityHost)
			if got := paths(s, acremu.AuthorityHost); !slices.Equal(got[:2], []string{
				"GET /" + tenant + "/v2.0/.well-known/openid-configuration OK",
				"POST /" + tenant + "/oauth2/v2.0/token OK",
			}) {
				t.Errorf("Azure AD got %q", got)
			}
			if !slices.Equal(aad[1].Form, []string{"client_id", "client_secret", "grant_type", "scope"}) {
				t.Errorf("token request form %q", aad[1].Form)
			}
			want := []string{"GET /v2/ Unauthorized", "POST /oauth2/exchange OK"}
			if tt.noARM {
				want = []string{"GET /v2/ Unauthorized", "POST /oauth2/exchange Unauthorized", "POST /oauth2/exchange OK"}
			}
			got := paths(s, tt.host)
			if !slices.Equal(got[:len(want)], want) {
				t.Errorf("the registry got %q, want %q first", got, want)
			}
			if x := s.Requests(tt.host)[1]; !slices.Equal(x.Form, []string{"access_token", "grant_type", "service", "tenant"}) || x.Auth != "" {
				t.Errorf("exchange request %+v", x)
			}
		})
	}
}

// TestRenewFailures: each way a renewal fails gives the error a caller
// can explain in one line, and sends nothing where it should not.
func TestRenewFailures(t *testing.T) {
	for _, tt := range []struct {
		name             string
		client, secret   string // the environment's service principal
		faults           []acremu.Fault
		timeout          time.Duration
		check            func(t *testing.T, err error, tok *token.Token)
		wantAAD, wantReg []string // paths asked, in order; nil: nothing
	}{
		{
			name: "unknown service principal", client: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", secret: spSecret,
			check: func(t *testing.T, err error, _ *token.Token) {
				var ie *renew.IdentityError
				var afe *azidentity.AuthenticationFailedError
				if !errors.As(err, &ie) || ie.Status != 400 || ie.Code != "AADSTS700016" ||
					!strings.Contains(ie.Message, "was not found in the directory") || !errors.As(err, &afe) {
					t.Errorf("%#v", err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("not one line: %q", err)
				}
			},
			wantAAD: []string{"GET", "POST"}, wantReg: []string{"GET /v2/"},
		},
		{
			name: "wrong secret", client: spPull, secret: "wrong",
			check: func(t *testing.T, err error, _ *token.Token) {
				var ie *renew.IdentityError
				if !errors.As(err, &ie) || ie.Status != 401 || ie.Code != "AADSTS7000215" {
					t.Errorf("%v", err)
				}
			},
			wantAAD: []string{"GET", "POST"}, wantReg: []string{"GET /v2/"},
		},
		{
			name: "service principal not on the registry", client: outsider, secret: outsiderSecret,
			check: func(t *testing.T, err error, _ *token.Token) {
				var xe *renew.ExchangeError
				if !errors.As(err, &xe) || xe.Status != 401 || xe.Method != "POST" || !strings.HasPrefix(xe.Message, "authentication required") {
					t.Errorf("%v", err)
				}
			},
			// ARM's audience, then ACR's, both refused.
			wantAAD: []string{"GET", "POST", "POST"}, wantReg: []string{"GET /v2/", "POST /oauth2/exchange", "POST /oauth2/exchange"},
		},
		{
			name: "firewall", client: spPull, secret: spSecret, faults: []acremu.Fault{acremu.Firewall},
			check: func(t *testing.T, err error, _ *token.Token) {
				var xe *renew.ExchangeError
				if !errors.As(err, &xe) || xe.Status != 403 || xe.Code != "DENIED" ||
					!strings.Contains(xe.Message, "client with IP '203.0.113.7' is not allowed access") {
					t.Errorf("%v", err)
				}
			},
			wantReg: []string{"GET /v2/"},
		},
		{
			name: "realm on another host", client: spPull, secret: spSecret, faults: []acremu.Fault{acremu.RealmOtherHost},
			check: func(t *testing.T, err error, _ *token.Token) {
				if !errors.Is(err, renew.ErrForeignRealm) || !strings.Contains(err.Error(), acremu.OtherRealmHost) {
					t.Errorf("%v", err)
				}
			},
			wantReg: []string{"GET /v2/"},
		},
		{
			name: "no identity", client: "",
			check: func(t *testing.T, err error, _ *token.Token) {
				var unavailable interface{ NonRetriable() } // azidentity's credential-unavailable error
				if !errors.Is(err, renew.ErrNoIdentity) || !errors.As(err, &unavailable) {
					t.Errorf("%v", err)
				}
			},
		},
		{
			name: "hung socket", client: spPull, secret: spSecret, faults: []acremu.Fault{acremu.HungSocket}, timeout: 300 * time.Millisecond,
			check: func(t *testing.T, err error, _ *token.Token) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%v", err)
				}
			},
			wantReg: []string{"GET /v2/"},
		},
		{
			name: "huge body", client: spPull, secret: spSecret, faults: []acremu.Fault{acremu.HugeBody},
			check: func(t *testing.T, err error, _ *token.Token) {
				if err == nil || !strings.Contains(err.Error(), "larger than 64 KiB") {
					t.Errorf("%v", err)
				}
			},
			wantReg: []string{"GET /v2/"},
		},
		{
			name: "expired as issued", client: spPull, secret: spSecret, faults: []acremu.Fault{acremu.ExpiredTokens},
			check: func(t *testing.T, err error, tok *token.Token) {
				if !errors.Is(err, renew.ErrBadToken) || !strings.Contains(err.Error(), "expired") || tok == nil || tok.Claims.Subject != spPull {
					t.Errorf("%v %v", err, tok)
				}
			},
			wantAAD: []string{"GET", "POST"}, wantReg: []string{"GET /v2/", "POST /oauth2/exchange"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry(host)
			reg.Faults = tt.faults
			s := start(t, reg)
			identityEnv(t, tt.client, tt.secret)
			r := &renew.Renewer{HTTPClient: s.Client(), Timeout: 10 * time.Second}
			if tt.client != "" {
				r, _ = renewer(t, s, host)
			}
			if tt.timeout != 0 {
				r.Timeout = tt.timeout
			}

			began := time.Now()
			refresh, tok, err := r.Renew(context.Background(), host)
			took := time.Since(began)
			if err == nil || refresh != "" {
				t.Fatalf("renewed (%t) with no error: %v", refresh != "", err)
			}
			tt.check(t, err, tok)
			// A failure is said at once, not at the end of the renewal's
			// time: but for the hung socket, which is what the time is for.
			if tt.timeout == 0 && took >= r.Timeout {
				t.Errorf("took %v, the whole of the renewal's %v", took, r.Timeout)
			}
			if strings.Contains(err.Error(), "eyJ") {
				t.Errorf("a token in the error: %v", err)
			}

			var aad, regs []string
			for _, q := range s.Requests(acremu.AuthorityHost) {
				aad = append(aad, q.Method)
			}
			for _, q := range s.Requests(host) {
				regs = append(regs, q.Method+" "+q.Path)
			}
			if !slices.Equal(aad, tt.wantAAD) || !slices.Equal(regs, tt.wantReg) {
				t.Errorf("Azure AD got %q, want %q; the registry got %q, want %q", aad, tt.wantAAD, regs, tt.wantReg)
			}
			if got := s.Requests(acremu.OtherRealmHost); len(got) != 0 {
				t.Errorf("the other realm got %+v", got)
			}
		})
	}
}

// TestNewCredential: with nothing the environment offers, ErrNoIdentity,
// wrapping azidentity's own word for it (credential.go's credentials says
// what the chain holds otherwise).
func TestNewCredential(t *testing.T) {
	identityEnv(t, "", "")
	_, err := renew.NewCredential(host, nil)
	var unavailable interface{ NonRetriable() }
	if !errors.Is(err, renew.ErrNoIdentity) || !errors.As(err, &unavailable) {
		t.Errorf("%v, want ErrNoIdentity", err)
	}
}

// TestRenewThroughAzureCLI: with the Azure CLI as the only identity, a
// logged-in az's token is exchanged for the user's refresh token; a
// logged-out az is ErrCLILogin with az's words, not Azure AD refusing.
func TestRenewThroughAzureCLI(t *testing.T) {
	const upn = "alice@contoso.com"
	reg := registry(host)
	reg.Users = map[string]acremu.Identity{upn: {Actions: []string{"pull"}}}
	s := start(t, reg)
	for _, tc := range []struct{ name, az string }{
		{"logged in", fmt.Sprintf("echo '{\"accessToken\": \"%s\", \"expires_on\": %d, \"tokenType\": \"Bearer\"}'",
			s.AADToken(tenant, upn, time.Now()), time.Now().Add(time.Hour).Unix())},
		{"logged out", "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			identityEnv(t, "", "")
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "az"), []byte("#!/bin/sh\n"+tc.az+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin) // azidentity runs /bin/sh -c "az …"
			r, rec := renewer(t, s, host)
			refresh, tok, err := r.Renew(context.Background(), host)
			if tc.name == "logged out" {
				if !errors.Is(err, renew.ErrCLILogin) || !strings.Contains(err.Error(), "Please run 'az login'") || strings.Contains(err.Error(), "refused the identity") {
					t.Errorf("%v", err)
				}
				return
			}
			if err != nil || refresh == "" || tok.Claims.Subject != upn || !slices.Equal(rec.scopes, []string{renew.ARMScope(host)}) {
				t.Errorf("renewed %t as %v, scopes %q: %v", refresh != "", tok, rec.scopes, err)
			}
		})
	}
}

func TestARMScope(t *testing.T) {
	for h, want := range map[string]string{
		"myreg.azurecr.io":             "https://management.core.windows.net/.default",
		"myreg.eastus.data.azurecr.io": "https://management.core.windows.net/.default",
		"myreg.azurecr.cn":             "https://management.core.chinacloudapi.cn/.default",
		"MyReg.azurecr.us":             "https://management.core.usgovcloudapi.net/.default",
		"registry.example.com":         "https://management.core.windows.net/.default",
	} {
		if got := renew.ARMScope(h); got != want {
			t.Errorf("%s: %s, want %s", h, got, want)
		}
	}
}
