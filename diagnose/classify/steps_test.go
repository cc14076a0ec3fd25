package classify

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// TestAnonymousStepUnread: the anonymous_token step concludes whether
// anonymous pull is allowed only from an answer it read; an answer too
// large, never finished or redirected is no usable answer.
func TestAnonymousStepUnread(t *testing.T) {
	const host = "example.com" // httptest's certificate is issued for it
	tests := []struct {
		name   string
		token  http.HandlerFunc
		status report.StepStatus
		detail string // a piece of the step's Detail
	}{
		{name: "refused", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		}, status: report.StepOK, detail: "; anonymous pull not allowed"},
		{name: "too large", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(strings.Repeat("x", 300<<10)))
		}, status: report.StepWarn, detail: "no usable answer: the body is larger than 256 KiB"},
		{name: "drip", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			for r.Context().Err() == nil {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}, status: report.StepWarn, detail: "no usable answer: the body came"},
		{name: "redirect loop", token: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"?n=x"+r.URL.Query().Get("n"), http.StatusTemporaryRedirect)
		}, status: report.StepWarn, detail: "no usable answer: "},
		// A redirect the probe refused fails the step, as every refusal does.
		{name: "redirect elsewhere", token: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/token", http.StatusTemporaryRedirect)
		}, status: report.StepFail, detail: "no usable answer: 307 Temporary Redirect, not followed"},
		{name: "200 without a token", token: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"nothing":"here"}`)
		}, status: report.StepWarn, detail: "no usable answer: 200 OK without a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s"`, host, host))
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				tt.token(w, r)
			}))
			defer srv.Close()
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			opts := probe.Options{
				StepTimeout: 2 * time.Second,
				Lookup:      func(context.Context, string) ([]net.IP, error) { return []net.IP{net.IPv4(20, 62, 128, 38)}, nil },
				Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
				},
				Proxy:   func(*http.Request) (*url.URL, error) { return nil, nil },
				RootCAs: pool,
			}
			tr := probe.Run(context.Background(), host, probe.Credential{Mode: "none"}, probe.Secret{}, opts)
			var got *report.Step
			for _, s := range steps(tr) {
				if s.Name == report.StepName(probe.AnonymousToken) {
					got = &s
				}
			}
			if got == nil {
				t.Fatalf("no anonymous_token step: %+v", tr.Exchanges)
			}
			if got.Status != tt.status || !strings.Contains(got.Detail, tt.detail) {
				t.Errorf("step %s %q; want %s with %q", got.Status, got.Detail, tt.status, tt.detail)
			}
			if tt.status != report.StepOK && strings.Contains(got.Detail, "anonymous pull") {
				t.Errorf("concluded from an answer not read: %q", got.Detail)
			}
		})
	}
}

// TestProxyStepUnparseable: a proxy setting that does not parse fails the
// proxy step, named, with no password shown, and no tcp step follows,
// since nothing was dialled.
func TestProxyStepUnparseable(t *testing.T) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"} {
		t.Setenv(k, "")
	}
	t.Setenv("HTTPS_PROXY", "http://alice:PX%SECRET1@127.0.0.1:18080")
	opts := probe.Options{
		StepTimeout: 2 * time.Second,
		Lookup: func(context.Context, string) ([]net.IP, error) {
			t.Error("looked the registry up around the proxy")
			return nil, fmt.Errorf("no lookup")
		},
		Dial: func(context.Context, string, string) (net.Conn, error) {
			t.Error("dialled around the proxy")
			return nil, fmt.Errorf("no dial")
		},
	}
	tr := probe.Run(context.Background(), "myreg.azurecr.io", probe.Credential{Mode: "none"}, probe.Secret{}, opts)
	got := steps(tr)
	if len(got) != 1 || got[0].Name != "proxy" || got[0].Status != report.StepFail ||
		!strings.HasPrefix(got[0].Detail, "HTTPS_PROXY is not a valid URL: ") {
		t.Fatalf("steps %+v; want only the proxy step, failing", got)
	}
	if strings.Contains(got[0].Detail, "SECRET1") {
		t.Errorf("the proxy password is shown: %q", got[0].Detail)
	}
}
