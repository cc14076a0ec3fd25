package probe_test

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/classify"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
)

// TestUnparseableProxySetting: a proxy setting that does not parse, which
// net/http's ProxyFromEnvironment drops without a word, fails the probe's
// proxy step by name, with no password shown and no connection made,
// and the classifier blames the network path, not the registry's name.
// The registry answers directly, so a probe that went around the proxy
// would show.
func TestUnparseableProxySetting(t *testing.T) {
	var reached atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tests := []struct {
		name, env, setting, password, noProxy string
		exempt                                bool // NO_PROXY exempts the registry: Docker goes direct, as meant
	}{
		{name: "bad escape in the password", env: "HTTPS_PROXY", setting: "http://alice:PX%SECRET1@127.0.0.1:18080", password: "PX%SECRET1"},
		{name: "leading blank", env: "HTTPS_PROXY", setting: " http://alice:PXSECRET2@127.0.0.1:18080", password: "PXSECRET2"},
		{name: "lower case", env: "https_proxy", setting: "http://alice:PX%ZZSECRET3@127.0.0.1:18080", password: "PX%ZZSECRET3"},
		{name: "exempt by NO_PROXY", env: "HTTPS_PROXY", setting: "http://alice:PX%SECRET1@127.0.0.1:18080", password: "PX%SECRET1",
			noProxy: ".com", exempt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"} {
				t.Setenv(k, "")
			}
			t.Setenv(tt.env, tt.setting)
			t.Setenv("NO_PROXY", tt.noProxy)
			reached.Store(0)
			var lookups, dials atomic.Int32
			opts := probe.Options{
				StepTimeout: 2 * time.Second,
				// Proxy left to its default: the environment.
				Lookup: func(context.Context, string) ([]net.IP, error) {
					lookups.Add(1)
					return []net.IP{net.IPv4(20, 62, 128, 38)}, nil
				},
				Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
					dials.Add(1)
					return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
				},
				RootCAs: pool,
			}
			tr := probe.Run(context.Background(), "example.com", probe.Credential{Mode: "none"}, probe.Secret{}, opts)
			if tt.exempt {
				if tr.TCP == nil || tr.TCP.Err != "" || reached.Load() == 0 {
					t.Errorf("NO_PROXY exempts the registry, yet the probe did not reach it: tcp %+v", tr.TCP)
				}
				return
			}
			if lookups.Load() != 0 || dials.Load() != 0 || reached.Load() != 0 || tr.DNS != nil || tr.TLS != nil || len(tr.Exchanges) != 0 {
				t.Fatalf("connected around the proxy: %d lookups, %d dials, %d requests; dns %+v tls %+v", lookups.Load(), dials.Load(), reached.Load(), tr.DNS, tr.TLS)
			}
			want := tt.env + " is not a valid URL: "
			if tr.TCP == nil || tr.TCP.Target != probe.ProxyTarget || tr.TCP.ErrKind != "proxy" || !strings.HasPrefix(tr.TCP.Err, want) {
				t.Fatalf("tcp %+v; want the proxy step failing with %q", tr.TCP, want)
			}
			if tr.Proxy != "http://127.0.0.1:18080" {
				t.Errorf("proxy shown as %q", tr.Proxy)
			}
			for _, s := range []string{tr.Proxy, tr.TCP.Err} {
				for _, secret := range []string{tt.password, url.QueryEscape(tt.password), tt.password[2:6]} {
					if strings.Contains(s, secret) {
						t.Errorf("%q holds the proxy password (as %q)", s, secret)
					}
				}
			}
			v := classify.Classify(tr, classify.Facts{})
			if len(v.Causes) == 0 || v.Causes[0].ID != cause.NetworkUnreachable {
				t.Fatalf("causes %+v, want %s first", v.Causes, cause.NetworkUnreachable)
			}
			for _, c := range v.Causes {
				if c.ID == cause.RegistryName {
					t.Errorf("the registry's name is blamed: %+v", c)
				}
			}
		})
	}
}
