package check_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// hostileHost is the name httptest's certificate is issued for.
const hostileHost = "example.com"

// hostileRegistry is a registry on httptest's TLS server, reached as
// hostileHost, whose challenge names realm and whose token endpoint
// redirects to tokenTo when it is set. It returns the probe's options and
// where credentials arrived ("host path").
func hostileRegistry(t *testing.T, realm, tokenTo string) (check.Options, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var credTo []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Header.Get("Authorization") != "" || r.PostForm.Get("refresh_token") != "" {
			mu.Lock()
			credTo = append(credTo, r.Host+" "+r.URL.Path)
			mu.Unlock()
		}
		switch {
		case r.URL.Path == "/v2/":
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="%s",service="%s"`, realm, hostileHost))
			w.WriteHeader(http.StatusUnauthorized)
		case tokenTo != "":
			http.Redirect(w, r, tokenTo, http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opts := check.Options{Targets: []string{hostileHost}, Timeout: 20 * time.Second, StepTimeout: 3 * time.Second}
	opts.Probe.Lookup = func(context.Context, string) ([]net.IP, error) { return []net.IP{net.IPv4(20, 62, 128, 38)}, nil }
	opts.Probe.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	opts.Probe.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	opts.Probe.RootCAs = pool
	return opts, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(credTo)
	}
}

// TestRefusedDestinationInReport: where the registry sends the credential
// somewhere other than https://<registry>:443, the report's step fails
// and names the URL refused and why, and nothing reached it.
func TestRefusedDestinationInReport(t *testing.T) {
	refreshToken := "a-refresh-token-" + strings.Repeat("x", 20)
	registryRealm := "https://" + hostileHost + "/oauth2/token"
	tests := []struct {
		name, realm, tokenTo string
		step                 report.StepName // the step that fails
		detail               string          // in its detail
	}{
		{name: "token endpoint redirects to http on the same host", realm: registryRealm, tokenTo: "http://" + hostileHost + "/oauth2/token",
			step: "token", detail: "POST https://" + hostileHost + "/oauth2/token → 307 Temporary Redirect; did not follow the redirect to http://" + hostileHost + "/oauth2/token: it is http, not https"},
		{name: "token endpoint redirects to another host", realm: registryRealm, tokenTo: "https://evil.example/steal",
			step: "token", detail: "did not follow the redirect to https://evil.example/steal: it is not on the registry's host " + hostileHost},
		{name: "realm on another port", realm: "https://" + hostileHost + ":8443/oauth2/token",
			step: "challenge", detail: `refused the realm https://` + hostileHost + `:8443/oauth2/token: it is on port "8443": credentials go only to port 443; no credential was sent`},
		{name: "realm on plain http", realm: "http://" + hostileHost + "/oauth2/token",
			step: "challenge", detail: "refused the realm http://" + hostileHost + "/oauth2/token: it is http, not https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, credTo := hostileRegistry(t, tt.realm, tt.tokenTo)
			store := &credstore.Store{Config: &credstore.Config{Auths: map[string]types.AuthConfig{
				hostileHost: {Username: nullGUID, IdentityToken: refreshToken},
			}}}
			results, _ := check.Run(context.Background(), store, opts, nil)
			if len(results) != 1 {
				t.Fatalf("%d results", len(results))
			}
			r := results[0]
			i := slices.IndexFunc(r.Steps, func(s report.Step) bool { return s.Name == tt.step })
			if i < 0 || r.Steps[i].Status != report.StepFail || !strings.Contains(r.Steps[i].Detail, tt.detail) {
				b, _ := json.MarshalIndent(r.Steps, "", "  ")
				t.Errorf("want a failed %s step with %q; steps:\n%s", tt.step, tt.detail, b)
			}
			if r.Healthy || !slices.ContainsFunc(r.Causes, func(c cause.Cause) bool { return c.ID == cause.RegistryError }) {
				t.Errorf("healthy %v, causes %+v", r.Healthy, r.Causes)
			}
			for _, to := range credTo() {
				if to != hostileHost+" /oauth2/token" {
					t.Errorf("a credential went to %s", to)
				}
			}
			assertNoSecrets(t, results, map[string]types.AuthConfig{hostileHost: {IdentityToken: refreshToken}})
		})
	}
}

// envProxy reads HTTPS_PROXY as net/http's ProxyFromEnvironment does
// (golang.org/x/net/http/httpproxy's parseProxy), but on every call:
// ProxyFromEnvironment reads the environment once per process, which
// t.Setenv cannot change.
func envProxy(*http.Request) (*url.URL, error) {
	proxy := os.Getenv("HTTPS_PROXY")
	if proxy == "" {
		proxy = os.Getenv("https_proxy")
	}
	if proxy == "" {
		return nil, nil
	}
	proxyURL, err := url.Parse(proxy)
	if err != nil || proxyURL.Scheme == "" || proxyURL.Host == "" {
		if proxyURL, err := url.Parse("http://" + proxy); err == nil {
			return proxyURL, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("invalid proxy address %q: %v", proxy, err)
	}
	return proxyURL, nil
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "arm-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestProxyPasswordInReport: however HTTPS_PROXY is written, its password
// is in no step, cause or transcript of the report, JSON or what the text
// output prints from it, while the proxy's host:port is. The Azure side's
// requests go through net/http's own proxy handling, whose errors quote a
// setting it cannot parse.
func TestProxyPasswordInReport(t *testing.T) {
	const hp = "proxy.corp.example:3128"
	tests := []struct{ env, setting, password string }{
		{"HTTPS_PROXY", "http://alice:Pa#ss@" + hp, "Pa#ss"},
		{"HTTPS_PROXY", "http://alice:se/cret@" + hp, "se/cret"},
		{"HTTPS_PROXY", "http://alice:se?cret@" + hp, "se?cret"},
		{"HTTPS_PROXY", "http://alice:p@ssword@" + hp, "p@ssword"},
		{"HTTPS_PROXY", "http://alice:Pa%23ss@" + hp, "Pa#ss"},
		{"https_proxy", "http://alice:s3cret-pw@" + hp, "s3cret-pw"},
		{"HTTPS_PROXY", "alice:s3cret-pw@" + hp, "s3cret-pw"},
		{"HTTPS_PROXY", "http://alice:pa%zzword@" + hp, "pa%zzword"},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			t.Setenv("HTTPS_PROXY", "")
			t.Setenv("https_proxy", "")
			t.Setenv(tt.env, tt.setting)
			refuse := func(_ context.Context, network, _ string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			opts := check.Options{Targets: []string{"myreg.azurecr.io"}, Timeout: 20 * time.Second, StepTimeout: 3 * time.Second}
			opts.Probe.Proxy = envProxy
			opts.Probe.Dial = refuse
			opts.Probe.Lookup = func(context.Context, string) ([]net.IP, error) { return nil, fmt.Errorf("no lookup through a proxy") }
			public := cloud.AzurePublic
			opts.Azure = &azure.Inspector{Credential: staticToken{}, Cloud: &public, StepTimeout: 3 * time.Second,
				Transport: &http.Client{Transport: &http.Transport{Proxy: envProxy, DialContext: refuse}}}
			store := &credstore.Store{Config: &credstore.Config{Auths: map[string]types.AuthConfig{
				"myreg.azurecr.io": {Username: "myreg", Password: "registry-password"},
			}}}
			results, _ := check.Run(context.Background(), store, opts, nil)
			b, err := json.Marshal(results)
			if err != nil {
				t.Fatal(err)
			}
			out := string(b)
			// What JSON escapes, the text output prints as it is.
			var texts []string
			for _, r := range results {
				for _, s := range r.Steps {
					texts = append(texts, s.Detail)
				}
				for _, c := range r.Causes {
					texts = append(texts, c.Evidence)
					texts = append(texts, c.Remediation...)
				}
			}
			all := out + strings.Join(texts, "\n")
			for _, secret := range []string{tt.password, url.PathEscape(tt.password), url.QueryEscape(tt.password),
				base64.StdEncoding.EncodeToString([]byte("alice:" + tt.password))} {
				if strings.Contains(all, secret) {
					t.Errorf("the report holds the proxy password (as %q):\n%s", secret, strings.Join(texts, "\n"))
				}
			}
			// Nor a piece of it an error quotes: `invalid URL escape "%zz"`.
			for _, q := range quotedRE.FindAllString(all, -1) {
				if piece, err := strconv.Unquote(q); err == nil && len(piece) >= 3 && strings.Contains(tt.password, piece) {
					t.Errorf("the report quotes a piece of the proxy password: %s", q)
				}
			}
			if !strings.Contains(all, hp) {
				t.Errorf("the report does not name the proxy %s:\n%s", hp, strings.Join(texts, "\n"))
			}
			if !slices.ContainsFunc(results[0].Steps, func(s report.Step) bool { return s.Name == "arm" }) {
				t.Errorf("no Azure step, so net/http's errors were not tried: %+v", results[0].Steps)
			}
		})
	}
}
