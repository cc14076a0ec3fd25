package probe

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

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

// TestProxyPassword: however the proxy setting is written, its password
// reaches no part of the transcript, while the proxy's host:port does.
func TestProxyPassword(t *testing.T) {
	// echo answers CONNECT with 407 and the credential it was sent.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Proxy-Authorization")
		b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		http.Error(w, fmt.Sprintf("bad credential %s (%s)", auth, b), http.StatusProxyAuthRequired)
	}))
	defer echo.Close()
	echoAddr := echo.Listener.Addr().String()
	const hp = "proxy.corp.example:3128"
	tests := []struct {
		name, env, setting, password string
		hostPort                     string // shown; hp when ""
		tcpErr                       string // a piece of TCP.Err
	}{
		{name: "percent-encoded", env: "HTTPS_PROXY", setting: "http://alice:Pa%23ss@" + hp, password: "Pa#ss", tcpErr: "connection refused"},
		{name: "unencoded #", env: "HTTPS_PROXY", setting: "http://alice:Pa#ss@" + hp, password: "Pa#ss", tcpErr: "does not parse as written"},
		{name: "unencoded /", env: "HTTPS_PROXY", setting: "http://alice:se/cret@" + hp, password: "se/cret", tcpErr: "does not parse as written"},
		{name: "unencoded ?", env: "HTTPS_PROXY", setting: "http://alice:se?cret@" + hp, password: "se?cret", tcpErr: "does not parse as written"},
		{name: "unencoded @", env: "HTTPS_PROXY", setting: "http://alice:p@ssword@" + hp, password: "p@ssword", tcpErr: "connection refused"},
		{name: "digits, then #", env: "HTTPS_PROXY", setting: "http://alice:1234#5678@" + hp, password: "1234#5678", tcpErr: "does not parse as written"},
		{name: "@ and #", env: "HTTPS_PROXY", setting: "http://alice:pw@x#yz@" + hp, password: "pw@x#yz", tcpErr: "does not parse as written"},
		{name: "https_proxy", env: "https_proxy", setting: "http://alice:s3cret-pw@" + hp, password: "s3cret-pw", tcpErr: "connection refused"},
		{name: "no scheme", env: "HTTPS_PROXY", setting: "alice:s3cret-pw@" + hp, password: "s3cret-pw", tcpErr: "connection refused"},
		{name: "no scheme, unencoded /", env: "HTTPS_PROXY", setting: "alice:se/cret@" + hp, password: "se/cret", tcpErr: "does not parse as written"},
		{name: "an https proxy", env: "HTTPS_PROXY", setting: "https://alice:s3cret-pw@" + hp, password: "s3cret-pw", tcpErr: "connection refused"},
		{name: "does not parse at all", env: "HTTPS_PROXY", setting: "http://alice:pa%zzword@" + hp, password: "pa%zzword", tcpErr: "invalid proxy setting HTTPS_PROXY=http://" + hp + ": invalid proxy address: parse: invalid URL escape"},
		{name: "a control character", env: "HTTPS_PROXY", setting: "http://alice:pa\x7fssword@" + hp, password: "pa\x7fssword", tcpErr: "invalid control character"},
		{name: "the proxy echoes the credential", env: "HTTPS_PROXY", setting: "http://alice:echoed-pw@" + echoAddr, password: "echoed-pw",
			hostPort: echoAddr, tcpErr: "407 Proxy Authentication Required: bad credential Basic <redacted> (<redacted>)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HTTPS_PROXY", "")
			t.Setenv("https_proxy", "")
			t.Setenv(tt.env, tt.setting)
			hostPort := tt.hostPort
			if hostPort == "" {
				hostPort = hp
			}
			opts := Options{
				StepTimeout: 2 * time.Second,
				Proxy:       envProxy,
				Lookup: func(context.Context, string) ([]net.IP, error) {
					return nil, fmt.Errorf("looked the registry up locally")
				},
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					if addr == echoAddr {
						return (&net.Dialer{}).DialContext(ctx, network, addr)
					}
					return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
				},
			}
			tr := Run(context.Background(), regHost, basicCred(), secret, opts)
			if tr.TCP == nil || tr.TCP.ErrKind != "proxy" || !strings.Contains(tr.TCP.Err, tt.tcpErr) {
				t.Errorf("tcp %+v; want an error with %q", tr.TCP, tt.tcpErr)
			}
			if tr.Proxy != "http://"+hostPort && tr.Proxy != "https://"+hostPort {
				t.Errorf("proxy shown as %q, want its host:port %s", tr.Proxy, hostPort)
			}
			u, p := "alice", tt.password
			for _, s := range []string{tr.Proxy, tr.TCP.Target, tr.TCP.Err} {
				for _, secret := range []string{p, url.QueryEscape(p), url.PathEscape(p), base64.StdEncoding.EncodeToString([]byte(u + ":" + p))} {
					if strings.Contains(s, secret) {
						t.Errorf("%q holds the password (as %q)", s, secret)
					}
				}
			}
		})
	}
}

func TestRedactProxyURL(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"http://proxy.corp.example:3128", "http://proxy.corp.example:3128"},
		{"http://alice:pw@proxy.corp.example:3128/", "http://proxy.corp.example:3128"},
		{"HTTP://alice:p@ss#w/o?rd@Proxy.Corp.Example:3128/path?q#f", "http://Proxy.Corp.Example:3128"},
		{"alice:pw@proxy.corp.example:3128", "http://proxy.corp.example:3128"},
		{"socks5://alice:pw@[fd00::1]:1080", "socks5://[fd00::1]:1080"},
		{"proxy.corp.example", "http://proxy.corp.example"},
		{" http://proxy.corp.example:3128\n", "http://proxy.corp.example:3128"},
		// No host part to show: never guess at one.
		{"http://alice:secret", UnparseableProxy},
		{"http://alice:pa ss@proxy corp:3128", UnparseableProxy},
		{"http://alice:pw@", UnparseableProxy},
		{"alice:p://w@proxy.corp.example:3128", UnparseableProxy},
		{"", UnparseableProxy},
	}
	for _, tt := range tests {
		if got := RedactProxyURL(tt.raw); got != tt.want {
			t.Errorf("RedactProxyURL(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestProxyRedactor: net/http's errors quote an unparseable setting
// whole; the redactor drops what they quote, shows the setting redacted
// elsewhere, and takes the password out in the forms a message may hold it.
func TestProxyRedactor(t *testing.T) {
	const raw = `http://alice:Pa#s"s/word@proxy.corp.example:3128`
	redact := ProxyRedactor(raw, "", "http://proxy.other.example:8080", "http://bob:pw@p.example:1")
	tests := []struct{ in, want string }{
		// net/http's error quotes the setting, then what failed in it.
		{fmt.Sprintf(`Get "https://management.azure.com/": invalid proxy address %q: parse %q: invalid URL escape "%%zz"`, raw, raw),
			`Get "https://management.azure.com/": invalid proxy address: parse: invalid URL escape`},
		{fmt.Sprintf(`the setting %q is wrong`, raw), `the setting "http://proxy.corp.example:3128" is wrong`},
		{"proxy said: alice:Pa#s\"s/word", "proxy said: <redacted>"},
		{"Pa%23s%22s%2Fword and Pa%23s%22s%2Fword", "<redacted> and <redacted>"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte(`alice:Pa#s"s/word`)), "Basic <redacted>"},
		// A password under four characters is left: "pw" is in too many words.
		{"bob:pw and pwned", "<redacted> and pwned"},
		{"nothing to hide at proxy.other.example:8080", "nothing to hide at proxy.other.example:8080"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRedactProxyURL: whatever the setting, what is shown holds no '@',
// nothing after the last '@' but the host part, and no password.
func FuzzRedactProxyURL(f *testing.F) {
	for _, s := range [][3]string{
		{"http", "Pa#ss", "proxy.corp.example:3128"}, {"", "se/cret", "proxy:3128"}, {"https", "p@ss?w", "[fd00::1]:3128"},
		{"http", "1234#5678", "proxy"}, {"", "pa%zz", "10.0.0.1:80"},
	} {
		f.Add(s[0], "alice", s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, scheme, user, password, hostPort string) {
		raw := user + ":" + password + "@" + hostPort
		if scheme != "" {
			raw = scheme + "://" + raw
		}
		shown := RedactProxyURL(raw)
		if shown == UnparseableProxy {
			return
		}
		_, rest, ok := strings.Cut(shown, "://")
		if !ok || rest == "" || strings.ContainsAny(rest, "@/?# \t\r\n") || !strings.HasPrefix(raw[strings.LastIndexByte(raw, '@')+1:], rest) {
			t.Fatalf("RedactProxyURL(%q) = %q: not the host part", raw, shown)
		}
		if len(password) >= 4 && strings.Contains(rest, password) && !strings.Contains(hostPort, password) {
			t.Fatalf("RedactProxyURL(%q) = %q holds the password", raw, shown)
		}
		// An error that quotes the setting, as net/http's does, keeps
		// nothing of it but what RedactProxyURL shows.
		msg := ProxyRedactor(raw)(fmt.Sprintf("the proxy %q: %s", raw, raw))
		if want := fmt.Sprintf("the proxy %q: %s", shown, shown); msg != want {
			t.Fatalf("ProxyRedactor(%q) made %q, want %q", raw, msg, want)
		}
	})
}
