package probe

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const regHost = "myreg.azurecr.io"

// hostile is a TLS server standing in for a registry, reached under a real
// registry name through Options.Dial. It records what it received.
type hostile struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path auth=<scheme>"
	cred atomic.Bool
}

func newHostile(t *testing.T, h http.HandlerFunc) *hostile {
	t.Helper()
	hs := &hostile{}
	hs.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		hs.mu.Lock()
		hs.seen = append(hs.seen, fmt.Sprintf("%s %s %s auth=%s", r.Method, r.Host, r.URL.Path, scheme))
		hs.mu.Unlock()
		if scheme != "" || r.PostForm.Get("refresh_token") != "" || r.PostForm.Get("password") != "" {
			hs.cred.Store(true)
		}
		h(w, r)
	}))
	hs.srv.StartTLS()
	t.Cleanup(hs.srv.Close)
	return hs
}

func (h *hostile) options() Options {
	pool := x509.NewCertPool()
	pool.AddCert(h.srv.Certificate())
	addr := h.srv.Listener.Addr().String()
	return Options{
		// Far above what a step takes on a loaded machine with -race;
		// the hostile servers' tests wait for it to pass.
		StepTimeout: 2 * time.Second,
		Lookup:      func(context.Context, string) ([]net.IP, error) { return []net.IP{net.IPv4(20, 62, 128, 38)}, nil },
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		Proxy:   func(*http.Request) (*url.URL, error) { return nil, nil },
		RootCAs: pool,
	}
}

// testHost is the name httptest's certificate is issued for.
const testHost = "example.com"

func challenge401(realmHost string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s"`, realmHost, testHost))
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
	}
}

var secret = Secret{Username: "myreg", Password: "hunter2-admin-password"}

func basicCred() Credential { return Credential{Kind: "admin_user", Username: "myreg", Mode: "basic"} }

func TestHappyPathAndRoundTrips(t *testing.T) {
	s := tokentest.Default()
	var requests atomic.Int32
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch {
		case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
			challenge401(testHost)(w, r)
		case r.URL.Path == "/v2/":
			fmt.Fprint(w, "{}")
		case r.URL.Path == "/oauth2/token":
			if u, p, ok := r.BasicAuth(); !ok || u != "myreg" || p != secret.Password {
				// anonymous: pull only
				fmt.Fprintf(w, `{"access_token":%q}`, s.Sign(tokentest.ACRAccess(testHost, "", "", time.Now(), token.Access{Type: "repository", Name: "team/app", Actions: []string{"pull"}})))
				return
			}
			if r.URL.Query().Get("account") != "myreg" || r.URL.Query().Get("client_id") != "docker" || r.URL.Query().Get("offline_token") != "true" {
				t.Errorf("token request is not Docker's: %s", r.URL.RawQuery)
			}
			fmt.Fprintf(w, `{"access_token":%q}`, s.Sign(tokentest.ACRAccess(testHost, "myreg", "", time.Now(), token.Access{Type: "repository", Name: "team/app", Actions: []string{"pull", "push"}})))
		}
	})
	opts := h.options()
	opts.Repository, opts.Push = "team/app", true
	var dials atomic.Int32
	dial := opts.Dial
	opts.Dial = func(ctx context.Context, n, a string) (net.Conn, error) { dials.Add(1); return dial(ctx, n, a) }

	tr := Run(context.Background(), testHost, basicCred(), secret, opts)
	if tr.DNS == nil || tr.TCP.Err != "" || tr.TLS.Err != "" || tr.TLS.Version == "" {
		t.Fatalf("connectivity: %+v %+v %+v", tr.DNS, tr.TCP, tr.TLS)
	}
	var purposes []string
	for _, ex := range tr.Exchanges {
		purposes = append(purposes, fmt.Sprintf("%s:%d", ex.Purpose, ex.Status))
	}
	if got := strings.Join(purposes, " "); got != "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:200" {
		t.Errorf("exchanges = %s", got)
	}
	if strings.Join(tr.Granted, ",") != "pull,push" || strings.Join(tr.AnonymousGranted, ",") != "pull" {
		t.Errorf("granted %v, anonymous %v", tr.Granted, tr.AnonymousGranted)
	}
	// One connection, five requests: the round trips the handshake needs.
	if dials.Load() != 1 || requests.Load() != 5 {
		t.Errorf("%d dials, %d requests; want 1 and 5", dials.Load(), requests.Load())
	}
	if tr.ServerDate.IsZero() {
		t.Error("Date not recorded")
	}
	assertNoSecret(t, tr, secret.Password)
}

func TestRefreshTokenFlow(t *testing.T) {
	refresh := tokentest.Default().Sign(tokentest.ACRRefresh(testHost, "alice", "t", time.Now(), "read"))
	var form url.Values
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			challenge401(testHost)(w, r)
		case r.Method == http.MethodPost:
			form = r.PostForm
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required, echo %s"}]}`, r.PostForm.Get("refresh_token"))
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	sec := Secret{Username: "00000000-0000-0000-0000-000000000000", IdentityToken: refresh}
	tr := Run(context.Background(), testHost, Credential{Kind: "refresh_token", Mode: "refresh_token"}, sec, h.options())
	if form.Get("grant_type") != "refresh_token" || form.Get("client_id") != "docker" || form.Get("service") != testHost || !form.Has("scope") {
		t.Errorf("form = %v", form)
	}
	ex := tr.Exchange(TokenRequest)
	// The server echoed the refresh token: the kept body must not.
	if ex == nil || ex.Status != 401 || !ex.SentCredential || !strings.Contains(ex.Body, "<token>") {
		t.Errorf("token exchange = %+v", ex)
	}
	assertNoSecret(t, tr, refresh)
}

func TestHostileServers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		errKind string // of the ping
		status  int
	}{
		// Never answers: once the client gives up, the handler aborts
		// rather than return, which would send a 200 the client might
		// still read.
		{"hung socket", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done(); panic(http.ErrAbortHandler) }, "timeout", 0},
		{"drip", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			for i := 0; i < 100 && r.Context().Err() == nil; i++ {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}, "drip", 401},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			chunk := []byte(strings.Repeat("A", 32<<10))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "too_large", 401},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v2/?n=x"+r.URL.Query().Get("n"), http.StatusTemporaryRedirect)
		}, "redirect_loop", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t, tt.handler)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			tr := Run(ctx, testHost, basicCred(), secret, h.options())
			// One step's timeout, not the run's: the hostile answer ends
			// the step it hangs.
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %v with a 2s step timeout", took)
			}
			ping := tr.Exchange(Ping)
			if ping == nil || ping.ErrKind != tt.errKind || ping.Status != tt.status {
				t.Fatalf("ping = %+v", ping)
			}
			if len(ping.Body) > keptBody {
				t.Errorf("kept %d bytes of body", len(ping.Body))
			}
			if h.cred.Load() {
				t.Error("credentials were sent to a server that never issued a challenge")
			}
		})
	}
}

func TestRealmOnAnotherHost(t *testing.T) {
	h := newHostile(t, challenge401("evil.example"))
	tr := Run(context.Background(), testHost, basicCred(), secret, h.options())
	if len(tr.Exchanges) != 1 {
		t.Errorf("exchanges after a foreign realm: %+v", tr.Exchanges)
	}
	if h.cred.Load() {
		t.Error("credentials sent")
	}
	for _, s := range h.seen {
		if strings.Contains(s, "evil.example") {
			t.Errorf("contacted the foreign realm: %s", s)
		}
	}
}

// TestNoCrossHostRedirect: a token endpoint that redirects elsewhere is
// not followed, so a POSTed refresh token never leaves the registry host.
func TestNoCrossHostRedirect(t *testing.T) {
	refresh := tokentest.Default().Sign(tokentest.ACRRefresh(testHost, "alice", "t", time.Now(), "read"))
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			challenge401(testHost)(w, r)
			return
		}
		http.Redirect(w, r, "https://collector.example/steal", http.StatusTemporaryRedirect)
	})
	opts := h.options()
	var dialed []string
	dial := opts.Dial
	opts.Dial = func(ctx context.Context, n, a string) (net.Conn, error) {
		dialed = append(dialed, a)
		return dial(ctx, n, a)
	}
	tr := Run(context.Background(), testHost, Credential{Mode: "refresh_token"}, Secret{IdentityToken: refresh}, opts)
	if ex := tr.Exchange(TokenRequest); ex == nil || ex.Status != http.StatusTemporaryRedirect {
		t.Errorf("token exchange = %+v", ex)
	}
	for _, a := range dialed {
		if strings.Contains(a, "collector.example") {
			t.Errorf("followed the redirect to %s", a)
		}
	}
}

func TestConnectivityFailures(t *testing.T) {
	t.Run("nxdomain", func(t *testing.T) {
		opts := Options{Lookup: func(context.Context, string) ([]net.IP, error) {
			return nil, &net.DNSError{Err: "no such host", Name: regHost, IsNotFound: true}
		}, Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
		tr := Run(context.Background(), regHost, basicCred(), secret, opts)
		if !tr.DNS.NotFound || tr.TCP != nil || len(tr.Exchanges) != 0 {
			t.Errorf("%+v", tr)
		}
	})
	t.Run("private endpoint", func(t *testing.T) {
		opts := Options{StepTimeout: 200 * time.Millisecond,
			Lookup: func(context.Context, string) ([]net.IP, error) { return []net.IP{net.IPv4(10, 1, 2, 3)}, nil },
			Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
		tr := Run(context.Background(), regHost, basicCred(), secret, opts)
		if !tr.DNS.Private || tr.TCP.ErrKind != "timeout" {
			t.Errorf("dns %+v tcp %+v", tr.DNS, tr.TCP)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		h := newHostile(t, challenge401(testHost))
		opts := h.options()
		opts.RootCAs = x509.NewCertPool() // trusts nothing
		tr := Run(context.Background(), testHost, basicCred(), secret, opts)
		if tr.TLS.Verify != "unknown_authority" || !strings.Contains(tr.TLS.PeerIssuer, "Acme") || len(h.seen) != 0 {
			t.Errorf("tls %+v, requests %v", tr.TLS, h.seen)
		}
	})
	t.Run("proxy refuses", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "dial tcp: lookup myreg.azurecr.io on 127.0.0.53:53: no such host", http.StatusBadGateway)
		}))
		defer proxy.Close()
		pu, _ := url.Parse(proxy.URL)
		opts := Options{StepTimeout: time.Second, Proxy: func(*http.Request) (*url.URL, error) { return pu, nil }}
		tr := Run(context.Background(), regHost, basicCred(), secret, opts)
		if tr.DNS != nil || tr.TCP.ErrKind != "proxy" || !strings.Contains(tr.TCP.Err, "no such host") || tr.Proxy == "" {
			t.Errorf("proxy %q tcp %+v", tr.Proxy, tr.TCP)
		}
	})
}

func assertNoSecret(t *testing.T, tr *Transcript, secret string) {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte("myreg:" + secret))
	check := func(where, s string) {
		if strings.Contains(s, secret) || strings.Contains(s, b64) {
			t.Errorf("%s holds the secret: %q", where, s)
		}
	}
	for _, ex := range tr.Exchanges {
		check("URL", ex.URL)
		check("body", ex.Body)
		check("error", ex.Err)
		for k, v := range ex.Header {
			check("header "+k, strings.Join(v, " "))
		}
	}
}
