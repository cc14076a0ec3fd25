package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const regHost = "myreg.azurecr.io"

// hostile is a TLS server standing in for a registry, reached under a real
// registry name through Options.Dial. It records what it received.
type hostile struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []string // "METHOD host path auth=<scheme>"
	credTo []string // "host path" of each request that carried a credential
	cred   atomic.Bool
}

func newHostile(t *testing.T, h http.HandlerFunc) *hostile {
	t.Helper()
	return newHostileTLS(t, h, nil)
}

// newHostileTLS is newHostile with the server's TLS settings; nil is
// httptest's, a certificate for testHost.
func newHostileTLS(t *testing.T, h http.HandlerFunc, conf *tls.Config) *hostile {
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
			hs.mu.Lock()
			hs.credTo = append(hs.credTo, r.Host+" "+r.URL.Path)
			hs.mu.Unlock()
		}
		h(w, r)
	}))
	hs.srv.TLS = conf
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
	var mu sync.Mutex
	var queries []url.Values // of the token requests, in order
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Server", "AzureContainerRegistry")
		w.Header().Set("X-Content-Type-Options", "nosniff") // not kept
		if r.URL.Path == "/oauth2/token" {
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
		}
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
			// Docker's login asks for a refresh token; a pull or push
			// asks for its scope alone.
			login := r.URL.Query().Get("scope") == ""
			if q := r.URL.Query(); q.Get("account") != "myreg" || login != (q.Get("client_id") == "docker" && q.Get("offline_token") == "true") {
				t.Errorf("token request is not Docker's: %s", r.URL.RawQuery)
			}
			fmt.Fprintf(w, `{"access_token":%q}`, s.Sign(tokentest.ACRAccess(testHost, "myreg", "", time.Now(), token.Access{Type: "repository", Name: "team/app", Actions: []string{"pull", "push"}})))
		}
	})
	opts := h.options()
	opts.Repository, opts.Push = "team/app", true
	var dials atomic.Int32
	var dialed atomic.Value
	dial := opts.Dial
	opts.Dial = func(ctx context.Context, n, a string) (net.Conn, error) {
		dials.Add(1)
		dialed.Store(a)
		return dial(ctx, n, a)
	}

	tr := Run(context.Background(), testHost, basicCred(), secret, opts)
	if tr.DNS == nil || tr.TCP.Err != "" || tr.TLS.Err != "" || tr.TLS.Version == "" {
		t.Fatalf("connectivity: %+v %+v %+v", tr.DNS, tr.TCP, tr.TLS)
	}
	// A caller's Dial gets the name, the report the address looked up.
	if a := dialed.Load(); a != testHost+":443" || tr.TCP.Target != "20.62.128.38:443" {
		t.Errorf("dialed %v, TCP target %q", a, tr.TCP.Target)
	}
	if tr.DNS.Private || tr.TimedOut || tr.Scope != "repository:team/app:pull,push" {
		t.Errorf("private %v, timed out %v, scope %q", tr.DNS.Private, tr.TimedOut, tr.Scope)
	}
	// Docker's token requests: the login asks for no scope, the scope
	// probe for the repository, the anonymous one for pull, unauthenticated.
	want := []string{
		"account=myreg&client_id=docker&offline_token=true&service=example.com",
		"account=myreg&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&service=example.com",
		"scope=repository%3Ateam%2Fapp%3Apull&service=example.com",
	}
	mu.Lock()
	var got []string
	for _, q := range queries {
		got = append(got, q.Encode())
	}
	mu.Unlock()
	sorted := slices.Sorted(slices.Values(want))
	if slices.Sort(got); !slices.Equal(got, sorted) {
		t.Errorf("token requests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(sorted, "\n"))
	}
	if ex := tr.Exchange(TokenRequest); ex == nil || ex.URL != "https://example.com/oauth2/token?"+want[0] || !ex.SentCredential {
		t.Errorf("token exchange = %+v", ex)
	}
	if ex := tr.Exchange(AnonymousToken); ex == nil || ex.SentCredential {
		t.Errorf("anonymous exchange = %+v", ex)
	}
	// Only the kept headers that came, each with its values.
	ping := tr.Exchange(Ping)
	for k, v := range ping.Header {
		if len(v) == 0 || !slices.Contains(KeptHeaders, k) {
			t.Errorf("ping header %s: %q", k, v)
		}
	}
	if ping.Header.Get("Server") != "AzureContainerRegistry" || ping.Header.Get("Www-Authenticate") == "" {
		t.Errorf("ping headers %v", ping.Header)
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
	// Five requests; the token requests go side by side, each on a
	// connection of its own, and the authenticated /v2/ reuses one: no
	// more connections than requests in flight at once.
	if dials.Load() > 4 || requests.Load() != 5 {
		t.Errorf("%d dials, %d requests; want at most 4 and 5", dials.Load(), requests.Load())
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
	// Docker's login with an identity token: a refresh-token grant that
	// asks to go on offline (the login is refused, so it is the only POST).
	if form.Get("grant_type") != "refresh_token" || form.Get("client_id") != "docker" || form.Get("service") != testHost || !form.Has("scope") || form.Get("access_type") != "offline" {
		t.Errorf("form = %v", form)
	}
	ex := tr.Exchange(TokenRequest)
	// The server echoed the refresh token: the kept body must not.
	if ex == nil || ex.Status != 401 || !ex.SentCredential || !strings.Contains(ex.Body, "echo <redacted>") {
		t.Errorf("token exchange = %+v", ex)
	}
	assertNoSecret(t, tr, refresh)
}

func TestHostileServers(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		errKind  ErrKind // of the ping
		status   int
		requests int // the server saw, when not 0
	}{
		// Never answers: once the client gives up, the handler aborts
		// rather than return, which would send a 200 the client might
		// still read.
		{"hung socket", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done(); panic(http.ErrAbortHandler) }, "timeout", 0, 0},
		// The status line comes, then nothing: a timeout, not a drip.
		{"headers, then silence", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			panic(http.ErrAbortHandler)
		}, "timeout", 401, 0},
		{"drip", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			for i := 0; i < 100 && r.Context().Err() == nil; i++ {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		}, "drip", 401, 0},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			chunk := []byte(strings.Repeat("A", 32<<10))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "too_large", 401, 0},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v2/?n=x"+r.URL.Query().Get("n"), http.StatusTemporaryRedirect)
		}, "redirect_loop", 0, maxRedirects},
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
			h.mu.Lock()
			defer h.mu.Unlock()
			if tt.requests != 0 && len(h.seen) != tt.requests {
				t.Errorf("the server saw %d requests, want %d: %v", len(h.seen), tt.requests, h.seen)
			}
		})
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
	t.Run("private addresses", func(t *testing.T) {
		tests := []struct {
			ips     []net.IP
			private bool
		}{
			{[]net.IP{net.IPv4(10, 1, 2, 3)}, true},
			{[]net.IP{net.IPv4(10, 1, 2, 3), net.IPv4(127, 0, 0, 1)}, true},
			{[]net.IP{net.ParseIP("fd00::4")}, true},
			{[]net.IP{net.IPv4(10, 1, 2, 3), net.IPv4(20, 62, 128, 38)}, false},
			{[]net.IP{net.IPv4(127, 0, 0, 1)}, false}, // a hosts-file redirect, not a private endpoint
			{[]net.IP{net.IPv4(20, 62, 128, 38)}, false},
		}
		for _, tt := range tests {
			opts := Options{
				Lookup: func(context.Context, string) ([]net.IP, error) { return tt.ips, nil },
				Dial: func(_ context.Context, network, _ string) (net.Conn, error) {
					return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
				},
				Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
			tr := Run(context.Background(), regHost, basicCred(), secret, opts)
			if tr.DNS.Private != tt.private || len(tr.DNS.Addrs) != len(tt.ips) || tr.TCP.ErrKind != "refused" {
				t.Errorf("%v: dns %+v, tcp %+v", tt.ips, tr.DNS, tr.TCP)
			}
		}
	})
	t.Run("no addresses", func(t *testing.T) {
		opts := Options{
			Lookup: func(context.Context, string) ([]net.IP, error) { return nil, nil },
			Dial: func(context.Context, string, string) (net.Conn, error) {
				t.Error("dialed with no address")
				return nil, errors.New("no address")
			},
			Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
		tr := Run(context.Background(), regHost, basicCred(), secret, opts)
		if !tr.DNS.NotFound || tr.DNS.Private || tr.TCP != nil {
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
	t.Run("another host's certificate", func(t *testing.T) {
		// The test certificate is for example.com: a TLS-terminating
		// device, not the registry, answering for myreg.azurecr.io.
		h := newHostile(t, challenge401(testHost))
		tr := Run(context.Background(), regHost, basicCred(), secret, h.options())
		if tr.TLS.Verify != "hostname" || tr.TLS.ErrKind != "tls" || !slices.Contains(tr.TLS.PeerDNS, testHost) || len(h.seen) != 0 {
			t.Errorf("tls %+v, requests %v", tr.TLS, h.seen)
		}
	})
	t.Run("not TLS", func(t *testing.T) {
		plain := httptest.NewServer(challenge401(testHost))
		defer plain.Close()
		opts := Options{StepTimeout: 2 * time.Second,
			Lookup: func(context.Context, string) ([]net.IP, error) { return []net.IP{net.IPv4(20, 62, 128, 38)}, nil },
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, plain.Listener.Addr().String())
			},
			Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}
		tr := Run(context.Background(), regHost, basicCred(), secret, opts)
		if tr.TLS.Err == "" || tr.TLS.ErrKind != "tls" || tr.TLS.Verify != "" || tr.TLS.PeerSubject != "" || len(tr.Exchanges) != 0 {
			t.Errorf("tls %+v", tr.TLS)
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
	for _, ex := range append(tr.Exchanges, tr.Unused...) {
		check("URL", ex.URL)
		check("body", ex.Body)
		check("error", ex.Err)
		for k, v := range ex.Header {
			check("header "+k, strings.Join(v, " "))
		}
	}
}

// TestNothingStored: with no credential, the probe sends none and asks
// only for the challenge and an anonymous token, as Docker would.
func TestNothingStored(t *testing.T) {
	s := tokentest.Default()
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			challenge401(testHost)(w, r)
			return
		}
		fmt.Fprintf(w, `{"access_token":%q}`, s.Sign(tokentest.ACRAccess(testHost, "", "", time.Now(),
			token.Access{Type: "repository", Name: DefaultRepository, Actions: []string{"pull"}})))
	})
	tr := Run(context.Background(), testHost, Credential{Kind: "anonymous", Mode: "none"}, Secret{}, h.options())
	var purposes []string
	for _, ex := range tr.Exchanges {
		purposes = append(purposes, fmt.Sprintf("%s:%d", ex.Purpose, ex.Status))
	}
	if got := strings.Join(purposes, " "); got != "challenge:401 anonymous_token:200" {
		t.Errorf("exchanges = %s", got)
	}
	if h.cred.Load() || tr.Granted != nil || !slices.Equal(tr.AnonymousGranted, []string{"pull"}) {
		t.Errorf("credential sent %v, granted %v, anonymous %v", h.cred.Load(), tr.Granted, tr.AnonymousGranted)
	}
}

// TestDefaults: zero options mean the documented defaults, not a zero
// step timeout that would fail every step.
func TestDefaults(t *testing.T) {
	h := newHostile(t, challenge401(testHost))
	opts := h.options()
	opts.StepTimeout = 0
	tr := Run(context.Background(), testHost, basicCred(), Secret{}, opts)
	if tr.TCP.Err != "" || tr.TLS.Err != "" {
		t.Fatalf("tcp %+v tls %+v", tr.TCP, tr.TLS)
	}
	if ping := tr.Exchange(Ping); ping == nil || ping.Status != http.StatusUnauthorized || ping.Err != "" {
		t.Errorf("ping = %+v", ping)
	}
	if tr.Scope != "repository:"+DefaultRepository+":pull" {
		t.Errorf("scope %q", tr.Scope)
	}
}

// TestRunDeadline: the caller's deadline ends the probe mid-step, however
// long the step timeout, and the transcript says so.
func TestRunDeadline(t *testing.T) {
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			challenge401(testHost)(w, r)
			return
		}
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	})
	opts := h.options()
	opts.StepTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	tr := Run(ctx, testHost, basicCred(), secret, opts)
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v with a 2s deadline", took)
	}
	if ex := tr.Exchange(TokenRequest); !tr.TimedOut || ex == nil || ex.ErrKind != "timeout" {
		t.Errorf("timed out %v, token exchange %+v", tr.TimedOut, ex)
	}
}

func TestNoProxyRecorded(t *testing.T) {
	tests := []struct{ upper, lower, want string }{
		{".corp.example,10.0.0.0/8", "", ".corp.example,10.0.0.0/8"},
		{"", "localhost", "localhost"},
		{"upper.example", "lower.example", "upper.example"},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Setenv("NO_PROXY", tt.upper)
		t.Setenv("no_proxy", tt.lower)
		opts := Options{
			Lookup: func(context.Context, string) ([]net.IP, error) {
				return nil, &net.DNSError{Err: "no such host", Name: regHost, IsNotFound: true}
			},
			Proxy: func(*http.Request) (*url.URL, error) { return nil, nil },
		}
		if got := Run(context.Background(), regHost, basicCred(), secret, opts).NoProxy; got != tt.want {
			t.Errorf("NO_PROXY=%q no_proxy=%q: recorded %q, want %q", tt.upper, tt.lower, got, tt.want)
		}
	}
}

// TestTokenAnswers: what the probe makes of the token service's 200s.
func TestTokenAnswers(t *testing.T) {
	s := tokentest.Default()
	jwt := s.Sign(tokentest.ACRAccess(testHost, "myreg", "", time.Now(),
		token.Access{Type: "repository", Name: DefaultRepository, Actions: []string{"pull"}}))
	padded := func(size int) string {
		b := fmt.Sprintf(`{"access_token":%q}`, jwt)
		return b + strings.Repeat(" ", size-len(b))
	}
	tests := []struct {
		name      string
		body      string
		exchanges string
		tokenKind ErrKind // of the token exchange
		granted   []string
		scopeErr  string // a piece of the scope exchange's Err
	}{
		{name: "access_token", body: fmt.Sprintf(`{"access_token":%q,"token":"ignored"}`, jwt),
			exchanges: "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:200", granted: []string{"pull"}},
		{name: "token, the older field", body: fmt.Sprintf(`{"token":%q}`, jwt),
			exchanges: "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:200", granted: []string{"pull"}},
		{name: "opaque token", body: `{"access_token":"opaque"}`,
			exchanges: "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:200", scopeErr: "the access token is not a JWT"},
		{name: "no token", body: `{"expires_in":300}`, exchanges: "challenge:401 token:200 anonymous_token:200"},
		{name: "not JSON", body: `<html>OK</html>`, exchanges: "challenge:401 token:200 anonymous_token:200"},
		{name: "at the size limit", body: padded(maxBody),
			exchanges: "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:200", granted: []string{"pull"}},
		// A body cut at the limit is not the answer, even when what was
		// read parses.
		{name: "over the size limit", body: padded(maxBody + 1),
			exchanges: "challenge:401 token:200 anonymous_token:200", tokenKind: "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
					challenge401(testHost)(w, r)
				case r.URL.Path == "/v2/":
					fmt.Fprint(w, "{}")
				default:
					fmt.Fprint(w, tt.body)
				}
			})
			tr := Run(context.Background(), testHost, basicCred(), secret, h.options())
			var purposes []string
			for _, ex := range tr.Exchanges {
				purposes = append(purposes, fmt.Sprintf("%s:%d", ex.Purpose, ex.Status))
			}
			if got := strings.Join(purposes, " "); got != tt.exchanges {
				t.Errorf("exchanges = %s", got)
			}
			if ex := tr.Exchange(TokenRequest); ex == nil || ex.ErrKind != tt.tokenKind {
				t.Errorf("token exchange = %+v", ex)
			}
			if !slices.Equal(tr.Granted, tt.granted) {
				t.Errorf("granted %v, want %v", tr.Granted, tt.granted)
			}
			if scope := tr.Exchange(ScopeProbe); tt.scopeErr != "" && (scope == nil || !strings.Contains(scope.Err, tt.scopeErr) || scope.ErrKind != "other") {
				t.Errorf("scope exchange = %+v", scope)
			}
		})
	}
}

func TestGranted(t *testing.T) {
	const repo = "team/app"
	tests := []struct {
		name   string
		access []token.Access
		want   []string
	}{
		{"the repository", []token.Access{{Type: "repository", Name: repo, Actions: []string{"pull", "push"}}}, []string{"pull", "push"}},
		{"other repositories", []token.Access{
			{Type: "repository", Name: "team/other", Actions: []string{"pull", "push", "delete"}},
			{Type: "repository", Name: repo, Actions: []string{"pull"}},
		}, []string{"pull"}},
		{"a wildcard, merged", []token.Access{
			{Type: "repository", Name: "*", Actions: []string{"pull"}},
			{Type: "repository", Name: repo, Actions: []string{"pull", "push"}},
		}, []string{"pull", "push"}},
		{"not a repository", []token.Access{{Type: "registry", Name: repo, Actions: []string{"*"}}}, []string{}},
		{"nothing", nil, []string{}},
	}
	for _, tt := range tests {
		got := granted(&token.Token{Claims: token.Claims{Access: tt.access}}, repo)
		if got == nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: granted = %#v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	jwt := tokentest.Default().Sign(tokentest.ACRAccess(testHost, "myreg", "", time.Now()))
	tests := []struct {
		name, password, body, want string
	}{
		{"a token", "", `{"access_token":"` + jwt + `"}`, `{"access_token":"<redacted>"}`},
		{"a token in prose", "", "expired: " + jwt, "expired: <token>"},
		{"tokens that are no JWT", "", `{"refresh_token":"RTSECRET77","access_token":"ATSECRET88","expires_in":3600}`,
			`{"refresh_token":"<redacted>","access_token":"<redacted>","expires_in":3600}`},
		{"the password", "hunter2-admin-password", "bad password hunter2-admin-password", "bad password <redacted>"},
		{"a four-character password", "s3cr", "got s3cr", "got <redacted>"},
		{"a shorter one is not worth hiding", "abc", "abc def", "abc def"},
		{"invalid UTF-8", "", "caf\xe9", "caf?"},
		{"capped", "", strings.Repeat("x", keptBody+10), strings.Repeat("x", keptBody)},
		{"a password the cap cuts", "hunter2-admin-password", strings.Repeat("x", keptBody-5) + "hunter2-admin-password", strings.Repeat("x", keptBody-5) + "<reda"},
	}
	for _, tt := range tests {
		p := &prober{secret: Secret{Password: tt.password}}
		if got := p.scrub([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: scrub = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"https://myreg.azurecr.io/oauth2/token?service=myreg.azurecr.io&scope=repository%3Ateam%2Fapp%3Apull",
			"https://myreg.azurecr.io/oauth2/token?scope=repository%3Ateam%2Fapp%3Apull&service=myreg.azurecr.io"},
		{"https://myreg.azurecr.io/oauth2/token?refresh_token=eyJx&Password=p&access_token=a&token=t",
			"https://myreg.azurecr.io/oauth2/token?Password=%3Credacted%3E&access_token=%3Credacted%3E&refresh_token=%3Credacted%3E&token=%3Credacted%3E"},
		{"http://alice:s3cret@proxy.corp.example:3128", "http://proxy.corp.example:3128"},
		{"https://myreg.azurecr.io/v2/", "https://myreg.azurecr.io/v2/"},
		{"http://proxy.corp.example:port", "<invalid URL>"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.raw); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// connectProxy is an HTTP proxy that tunnels CONNECT to the hostile
// server, whatever host is asked for, once the client authenticates as
// user:pass (when user is set).
func connectProxy(t *testing.T, upstream string, user, pass string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var tunnels atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Host != testHost+":443" {
			http.Error(w, "not a CONNECT to "+testHost, http.StatusBadRequest)
			return
		}
		if u, p, ok := (&http.Request{Header: http.Header{"Authorization": r.Header.Values("Proxy-Authorization")}}).BasicAuth(); user != "" && (!ok || u != user || p != pass) {
			w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
			http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", upstream)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		tunnels.Add(1)
		go func() { io.Copy(up, buf); up.Close() }()
		go func() { io.Copy(conn, up); conn.Close() }()
	}))
	t.Cleanup(proxy.Close)
	return proxy, &tunnels
}

func TestThroughProxy(t *testing.T) {
	h := newHostile(t, challenge401(testHost))
	const user, pass = "alice", "proxy-pa55word"
	proxy, tunnels := connectProxy(t, h.srv.Listener.Addr().String(), user, pass)
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword(user, pass)
	proxyAddr := proxy.Listener.Addr().String()

	const dialDelay = 200 * time.Millisecond
	opts := h.options()
	opts.Lookup = func(context.Context, string) ([]net.IP, error) {
		t.Error("looked the registry up locally; the proxy resolves it")
		return nil, errors.New("no lookup through a proxy")
	}
	opts.Proxy = func(*http.Request) (*url.URL, error) { return pu, nil }
	opts.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != proxyAddr {
			return nil, fmt.Errorf("dialed %s, not the proxy", addr)
		}
		time.Sleep(dialDelay)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr := Run(context.Background(), testHost, basicCred(), Secret{}, opts)
	if tr.DNS != nil || tr.TCP.Err != "" || tr.TLS.Err != "" {
		t.Fatalf("dns %+v tcp %+v tls %+v", tr.DNS, tr.TCP, tr.TLS)
	}
	if want := testHost + ":443 via proxy " + proxyAddr; tr.TCP.Target != want {
		t.Errorf("TCP target %q, want %q", tr.TCP.Target, want)
	}
	// The step counts the dial to the proxy as well as the CONNECT.
	if tr.TCP.Duration < dialDelay {
		t.Errorf("TCP took %v, less than the %v dial", tr.TCP.Duration, dialDelay)
	}
	if tr.Proxy != "http://"+proxyAddr {
		t.Errorf("proxy recorded as %q", tr.Proxy)
	}
	if ping := tr.Exchange(Ping); ping == nil || ping.Status != http.StatusUnauthorized || tunnels.Load() == 0 {
		t.Errorf("ping %+v through %d tunnels", ping, tunnels.Load())
	}
}

func TestProxyFailures(t *testing.T) {
	refuse := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	// closed answers nothing at all: the proxy hangs up.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closed.Close() })
	go func() {
		for {
			c, err := closed.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	authProxy, _ := connectProxy(t, "127.0.0.1:1", "alice", "right")
	tests := []struct {
		name   string
		proxy  string
		err    error // from Options.Proxy
		dial   func(context.Context, string, string) (net.Conn, error)
		dialed string // the address Dial must get, when set
		target string
		errMsg string // a piece of TCP.Err
	}{
		{name: "invalid setting", err: errors.New(`parse "http://proxy:port": invalid port`), target: "proxy", errMsg: "invalid proxy setting: parse"},
		{name: "http, no port", proxy: "http://proxy.corp.example", dial: refuse, dialed: "proxy.corp.example:80",
			target: "proxy.corp.example:80", errMsg: "proxy proxy.corp.example:80: dial tcp: connection refused"},
		{name: "https, no port", proxy: "https://proxy.corp.example", dial: refuse, dialed: "proxy.corp.example:443",
			target: "proxy.corp.example:443", errMsg: "proxy proxy.corp.example:443: dial"},
		{name: "port given", proxy: "http://proxy.corp.example:3128", dial: refuse, dialed: "proxy.corp.example:3128",
			target: "proxy.corp.example:3128", errMsg: "proxy proxy.corp.example:3128: dial"},
		{name: "hangs up", proxy: "http://" + closed.Addr().String(),
			target: testHost + ":443 via proxy " + closed.Addr().String(), errMsg: "proxy CONNECT: "},
		{name: "connection gone before the CONNECT", proxy: "http://proxy.corp.example:3128",
			dial: func(context.Context, string, string) (net.Conn, error) {
				c, peer := net.Pipe()
				peer.Close()
				return c, nil
			},
			target: testHost + ":443 via proxy proxy.corp.example:3128", errMsg: "proxy CONNECT: io: read/write on closed pipe"},
		{name: "wrong proxy password", proxy: "http://alice:wrong@" + authProxy.Listener.Addr().String(),
			target: testHost + ":443 via proxy " + authProxy.Listener.Addr().String(), errMsg: "407 Proxy Authentication Required: proxy authentication required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dialed []string
			opts := Options{
				StepTimeout: 2 * time.Second,
				Lookup: func(context.Context, string) ([]net.IP, error) {
					return nil, errors.New("looked the registry up locally")
				},
				Proxy: func(*http.Request) (*url.URL, error) {
					if tt.err != nil {
						return nil, tt.err
					}
					return url.Parse(tt.proxy)
				},
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					dialed = append(dialed, addr)
					if tt.dial != nil {
						return tt.dial(ctx, network, addr)
					}
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				},
			}
			tr := Run(context.Background(), testHost, basicCred(), secret, opts)
			if tr.DNS != nil || tr.TCP == nil || tr.TCP.ErrKind != "proxy" || tr.TLS != nil || len(tr.Exchanges) != 0 {
				t.Fatalf("dns %+v tcp %+v tls %+v exchanges %d", tr.DNS, tr.TCP, tr.TLS, len(tr.Exchanges))
			}
			if tr.TCP.Target != tt.target || !strings.Contains(tr.TCP.Err, tt.errMsg) {
				t.Errorf("tcp %+v; want target %q, error with %q", tr.TCP, tt.target, tt.errMsg)
			}
			if tt.dialed != "" && !slices.Equal(dialed, []string{tt.dialed}) {
				t.Errorf("dialed %v, want %s", dialed, tt.dialed)
			}
			if strings.Contains(tr.Proxy, "wrong") {
				t.Errorf("the proxy password is in the transcript: %q", tr.Proxy)
			}
		})
	}
}
