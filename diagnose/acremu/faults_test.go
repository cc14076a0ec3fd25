package acremu_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// faulty is the test registry with faults switched on.
func faulty(name string, faults ...acremu.Fault) acremu.Registry {
	r := registry()
	r.Host = name + ".azurecr.io"
	r.Faults = faults
	return r
}

// TestHTTPFaults: each HTTP-level fault's status, headers and body on
// /v2/, and on the token endpoint where they apply to every path.
func TestHTTPFaults(t *testing.T) {
	firewall := faulty("fw", acremu.Firewall)
	firewall.ClientIP = "198.51.100.23"
	s := start(t,
		firewall,
		faulty("private", acremu.PublicAccessDisabled),
		faulty("busy", acremu.Throttle),
		faulty("down", acremu.ServerError),
		faulty("nochallenge", acremu.NoChallenge),
		faulty("malformed", acremu.MalformedChallenge),
		faulty("realm", acremu.RealmOtherHost),
	)
	denied := func(ip string) string {
		return `{"errors":[{"code":"DENIED","message":"client with IP '` + ip + `' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."}]}`
	}
	tests := []struct {
		host      string
		path      string
		status    int
		header    string // name=value that must be there; value "" means absent
		body      string
		anyPathOK bool
	}{
		{"fw.azurecr.io", "/v2/", 403, "", denied("198.51.100.23"), true},
		{"private.azurecr.io", "/v2/", 403, "", denied("203.0.113.7"), true},
		{"busy.azurecr.io", "/v2/", 429, "Retry-After=30", `{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}`, true},
		{"down.azurecr.io", "/v2/", 503, "Server=AzureContainerRegistry", `{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}`, true},
		{"nochallenge.azurecr.io", "/v2/", 401, "Www-Authenticate=", "", false},
		{"malformed.azurecr.io", "/v2/", 401, "Www-Authenticate=Bearer realm=https://malformed.azurecr.io/oauth2/token,service", "", false},
		{"realm.azurecr.io", "/v2/", 401, `Www-Authenticate=Bearer realm="https://login.other-host.example/oauth2/token",service="realm.azurecr.io"`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			paths := []string{tt.path}
			if tt.anyPathOK {
				paths = append(paths, "/oauth2/token?service="+tt.host, "/v2/hello-world/manifests/latest")
			}
			for _, p := range paths {
				resp, body := get(t, s, "https://"+tt.host+p, "myreg", adminPW)
				if p == tt.path {
					resp, body = get(t, s, "https://"+tt.host+p, "", "")
				}
				if resp.StatusCode != tt.status {
					t.Errorf("%s: status %d, want %d", p, resp.StatusCode, tt.status)
				}
				if tt.body != "" && string(body) != tt.body {
					t.Errorf("%s: body %s", p, body)
				}
				if name, value, ok := strings.Cut(tt.header, "="); ok {
					if got, present := resp.Header[http.CanonicalHeaderKey(name)]; value == "" && present || value != "" && (len(got) != 1 || got[0] != value) {
						t.Errorf("%s: %s = %q, want %q", p, name, got, value)
					}
				}
			}
		})
	}
}

// TestRealmOtherHost: the other host issues tokens for the registry that
// sent the client there, and records the credentials it was given.
func TestRealmOtherHost(t *testing.T) {
	s := start(t, faulty("realm", acremu.RealmOtherHost))
	resp, body := get(t, s, tokenURL("realm.azurecr.io", "realm"), "realm", adminPW)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body) // on the registry itself, still fine
	}
	otherURL := strings.Replace(tokenURL("realm.azurecr.io", "realm", "repository:hello-world:pull"), "https://realm.azurecr.io", "https://"+acremu.OtherRealmHost, 1)
	resp, body = get(t, s, otherURL, "realm", adminPW)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", "https://realm.azurecr.io/v2/", nil)
	req.Header.Set("Authorization", "Bearer "+decodeTokens(t, body).AccessToken)
	if resp, _ := do(t, s, req); resp.StatusCode != 200 {
		t.Errorf("the other host's token is refused by the registry: %d", resp.StatusCode)
	}
	reqs := s.Requests(acremu.OtherRealmHost)
	if len(reqs) != 1 || reqs[0].Auth != "Basic" || reqs[0].Username != "realm" || reqs[0].Query.Get("service") != "realm.azurecr.io" {
		t.Errorf("recorded at the other host: %+v", reqs)
	}
	if resp, _ := get(t, s, "https://"+acremu.OtherRealmHost+"/oauth2/token?service=nope.azurecr.io", "", ""); resp.StatusCode != 400 {
		t.Errorf("unknown service: %d", resp.StatusCode)
	}
}

func TestRedirectLoop(t *testing.T) {
	s := start(t, faulty("loop", acremu.RedirectLoop))
	c := s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get("https://loop.azurecr.io/v2/?redirect=41")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "/v2/?redirect=42" {
		t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := s.Client().Get("https://loop.azurecr.io/v2/"); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("following: %v", err)
	}
	if n := len(s.Requests("loop.azurecr.io")); n != 11 { // 1, then 10 more until the client gives up
		t.Errorf("%d requests recorded, want 11", n)
	}
}

func TestLatency(t *testing.T) {
	reg := registry()
	reg.Latency = 150 * time.Millisecond
	s := start(t, reg)
	begin := time.Now()
	get(t, s, "https://"+host+"/v2/", "", "")
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
}

// TestBodyFaults: drip, endless and huge bodies, streamed.
func TestBodyFaults(t *testing.T) {
	s := start(t, faulty("drip", acremu.DripBody), faulty("endless", acremu.EndlessBody), faulty("huge", acremu.HugeBody))

	t.Run("drip", func(t *testing.T) {
		resp, err := s.Client().Get("https://drip.azurecr.io/v2/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		begin := time.Now()
		buf := make([]byte, 3)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(begin); d < 350*time.Millisecond || string(buf) != `{"e` {
			t.Errorf("3 bytes %q in %v", buf, d)
		}
	})
	t.Run("endless", func(t *testing.T) {
		resp, err := s.Client().Get("https://endless.azurecr.io/v2/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		head := make([]byte, 12)
		io.ReadFull(resp.Body, head)
		n, err := io.CopyN(io.Discard, resp.Body, 8<<20)
		if resp.StatusCode != 401 || string(head) != `{"padding":"` || n != 8<<20 || err != nil {
			t.Errorf("%d %q, read %d: %v", resp.StatusCode, head, n, err)
		}
	})
	t.Run("huge", func(t *testing.T) {
		resp, err := s.Client().Get(tokenURL("huge.azurecr.io", "huge", "repository:hello-world:pull"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		// No credentials: the 401 is huge too. Count it, keep its ends.
		var w headTail
		n, err := io.Copy(&w, resp.Body)
		if resp.ContentLength != 64<<20 || n != 64<<20 || err != nil {
			t.Fatalf("Content-Length %d, read %d: %v", resp.ContentLength, n, err)
		}
		// Valid JSON, the real answer at the end, for a client that reads it all.
		if !strings.HasPrefix(string(w.head), `{"padding":"aaaa`) ||
			!strings.HasSuffix(string(w.tail), `aaaa","errors":[{"code":"UNAUTHORIZED","message":"`+msgAuthRequired+`"}]}`) {
			t.Errorf("huge body: %q … %q", w.head, w.tail)
		}
	})
}

// headTail keeps the first and last 256 bytes written to it.
type headTail struct{ head, tail []byte }

func (w *headTail) Write(p []byte) (int, error) {
	if len(w.head) < 256 {
		w.head = append(w.head, p[:min(len(p), 256-len(w.head))]...)
	}
	w.tail = append(w.tail, p[max(0, len(p)-256):]...)
	w.tail = w.tail[max(0, len(w.tail)-256):]
	return len(p), nil
}

// TestTLSFaults: the certificates each name gets.
func TestTLSFaults(t *testing.T) {
	s := start(t, registry(), faulty("mitm", acremu.UntrustedCert), faulty("wrongcert", acremu.WrongHostCert))
	peer := func(name string) *x509.Certificate {
		conn, err := s.DialContext(context.Background(), "tcp", name+":443")
		if err != nil {
			t.Fatal(err)
		}
		c := tls.Client(conn, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		defer c.Close()
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
		return c.ConnectionState().PeerCertificates[0]
	}

	cert := peer(host)
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: s.CertPool()}); err != nil {
		t.Errorf("%s: %v", host, err)
	}
	pem, err := os.ReadFile(s.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CAFile holds no PEM certificate")
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
		t.Errorf("CAFile does not verify: %v", err)
	}

	cert = peer("mitm.azurecr.io")
	if cert.Subject.CommonName != "Fortinet FortiGate SSL Proxy" || cert.Issuer.CommonName != cert.Subject.CommonName {
		t.Errorf("intercepting certificate: subject %q issuer %q", cert.Subject, cert.Issuer)
	}
	var unknown x509.UnknownAuthorityError
	if _, err := s.Client().Get("https://mitm.azurecr.io/v2/"); !errors.As(err, &unknown) {
		t.Errorf("untrusted: %v", err)
	}

	cert = peer("wrongcert.azurecr.io")
	if _, err := cert.Verify(x509.VerifyOptions{Roots: s.CertPool()}); err != nil {
		t.Errorf("the wrong-host certificate should chain to the CA: %v", err)
	}
	var hostname x509.HostnameError
	if _, err := s.Client().Get("https://wrongcert.azurecr.io/v2/"); !errors.As(err, &hostname) {
		t.Errorf("wrong host: %v", err)
	}
}

// TestNetwork: Lookup, DialContext and the proxy agree on what exists.
func TestNetwork(t *testing.T) {
	pe := faulty("pe", acremu.PrivateEndpoint)
	pe.PrivateIP = "10.9.8.7"
	s := start(t, registry(), pe, faulty("gone", acremu.NotFound), faulty("far", acremu.Unreachable))

	lookups := map[string]string{
		host:                  "127.0.0.1",
		"MyReg.AzureCR.io.":   "127.0.0.1",
		acremu.OtherRealmHost: "127.0.0.1",
		"pe.azurecr.io":       "10.9.8.7",
		"far.azurecr.io":      "127.0.0.1",
		"gone.azurecr.io":     "",
		"nope.azurecr.io":     "",
	}
	for name, want := range lookups {
		ips, err := s.Lookup(name)
		var dnsErr *net.DNSError
		switch {
		case want == "" && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound):
			t.Errorf("Lookup(%s) = %v, %v; want not found", name, ips, err)
		case want != "" && (err != nil || len(ips) != 1 || ips[0].String() != want):
			t.Errorf("Lookup(%s) = %v, %v; want %s", name, ips, err, want)
		}
	}

	// Dialling.
	_, err := s.DialContext(context.Background(), "tcp", "nope.azurecr.io:443")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || err.Error() != "dial tcp: lookup nope.azurecr.io on 127.0.0.53:53: no such host" {
		t.Errorf("dial unknown: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = s.DialContext(ctx, "tcp", "far.azurecr.io:443")
	var ne net.Error
	// An unreachable address answers nothing: the dial ends with the
	// context, not before.
	if deadline, _ := ctx.Deadline(); !errors.As(err, &ne) || !ne.Timeout() || err.Error() != "dial tcp 127.0.0.1:443: i/o timeout" || time.Now().Before(deadline) {
		t.Errorf("dial unreachable: %v, %v before the deadline", err, time.Until(deadline))
	}
	if resp, _ := get(t, s, "https://pe.azurecr.io/v2/", "", ""); resp.StatusCode != 401 {
		t.Errorf("private endpoint does not serve: %d", resp.StatusCode)
	}

	// The proxy.
	proxyURL, _ := url.Parse(s.ProxyURL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: s.CertPool()}}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("https://" + host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("Server") != "AzureContainerRegistry" {
		t.Errorf("through the proxy: %d", resp.StatusCode)
	}
	for target, want := range map[string]string{
		"nope.azurecr.io:443": "502 dial tcp: lookup nope.azurecr.io on 127.0.0.53:53: no such host",
		"gone.azurecr.io:443": "502 dial tcp: lookup gone.azurecr.io on 127.0.0.53:53: no such host",
		"far.azurecr.io:443":  "504 dial tcp 127.0.0.1:443: i/o timeout",
		"pe.azurecr.io:443":   "200 ",
	} {
		status, body := connect(t, s, target)
		if got := status + " " + strings.TrimSpace(body); got != want {
			t.Errorf("CONNECT %s: %q, want %q", target, got, want)
		}
	}
	if resp, err := http.Get(s.ProxyURL() + "/"); err != nil || resp.StatusCode != 405 {
		t.Errorf("plain GET to the proxy: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// connect sends CONNECT target to the proxy and returns the status code
// and, for a refusal, the body.
func connect(t *testing.T, s *acremu.Server, target string) (string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.ProxyURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "CONNECT"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == 200 {
		return "200", ""
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.Status[:3], string(body)
}

// TestSetFaults switches faults while requests run (meaningful with -race).
func TestSetFaults(t *testing.T) {
	s := start(t, registry())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				resp, err := s.Client().Get("https://" + host + "/v2/")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 401 && resp.StatusCode != 403 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	for i := range 40 {
		if i%2 == 0 {
			s.SetFaults(host, acremu.Firewall)
		} else {
			s.SetFaults(host)
		}
	}
	wg.Wait()
	s.SetFaults("unknown.azurecr.io", acremu.Firewall) // ignored
	if resp, _ := get(t, s, "https://"+host+"/v2/", "", ""); resp.StatusCode != 401 {
		t.Errorf("after clearing faults: %d", resp.StatusCode)
	}
	s.SetFaults(host, acremu.NotFound)
	var notFound *net.DNSError
	if _, err := s.Lookup(host); !errors.As(err, &notFound) || !notFound.IsNotFound {
		t.Errorf("NotFound switched on: %v", err)
	}
}

// TestClose: Close ends hung, dripping, endless and huge answers at once,
// over direct and proxied connections, and leaves no goroutine behind.
func TestClose(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := acremu.Start(
		faulty("hung", acremu.HungSocket), faulty("drip", acremu.DripBody),
		faulty("endless", acremu.EndlessBody), faulty("huge", acremu.HugeBody),
		faulty("far", acremu.Unreachable),
	)
	if err != nil {
		t.Fatal(err)
	}
	proxyURL, _ := url.Parse(s.ProxyURL())
	direct := s.Client()
	proxied := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: s.CertPool()}}}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	call := func(c *http.Client, name string, readSome bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get("https://" + name + ".azurecr.io/v2/")
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if readSome { // then stop reading: the server blocks on a full socket
				io.CopyN(io.Discard, resp.Body, 1<<10)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			errs <- err
		}()
	}
	for _, c := range []*http.Client{direct, proxied} {
		call(c, "hung", false)
		call(c, "drip", false)
		call(c, "endless", false)
		call(c, "huge", true)
	}
	wg.Add(1)
	go func() { // a dial that would wait for its deadline
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := s.DialContext(ctx, "tcp", "far.azurecr.io:443")
		errs <- err
	}()
	// Wait until the server holds them all.
	deadline := time.Now().Add(5 * time.Second)
	for _, h := range []string{"hung", "drip", "endless", "huge"} {
		for len(s.Requests(h+".azurecr.io")) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("requests to %s did not arrive", h)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(50 * time.Millisecond)

	ca := s.CAFile()
	begin := time.Now()
	s.Close()
	// Close ends what it holds rather than waiting for it: a bound well
	// above any scheduling delay, far below a hung socket's lifetime.
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if err == nil {
			t.Error("a request completed normally")
		}
		n++
	}
	if n != 9 {
		t.Errorf("%d calls returned", n)
	}
	if _, err := os.Stat(ca); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CA file left behind: %v", err)
	}
	if _, err := net.Dial("tcp", strings.TrimPrefix(s.ProxyURL(), "http://")); err == nil {
		t.Error("the proxy still accepts connections")
	}
	s.Close() // twice is fine

	direct.CloseIdleConnections()
	proxied.CloseIdleConnections()
	for deadline := time.Now().Add(3 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines before Start, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}
