package probe

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// FuzzScrub: whatever a registry answers, the body a transcript keeps is
// bounded, valid UTF-8, holds no JWT, and never the stored password or
// identity token (of four characters or more, as scrub hides them).
func FuzzScrub(f *testing.F) {
	f.Add([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`), "hunter2-admin-password", "")
	f.Add([]byte(`{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln","refresh_token":"eyJ0.eyJ0.x"}`), "", "eyJ0.eyJ0.x")
	f.Add([]byte("bad password s3cr and s3cr again\xff\xfe"), "s3cr", "")
	f.Add([]byte(strings.Repeat("é", keptBody)+"s3cr3t"), "s3cr3t", "")
	f.Add([]byte("echo: grant_type=refresh_token&refresh_token=not-a-jwt-identity-token"), "", "not-a-jwt-identity-token")
	f.Fuzz(func(t *testing.T, body []byte, password, identity string) {
		p := &prober{secret: Secret{Username: "myreg", Password: password, IdentityToken: identity}}
		got := p.scrub(body)
		if len(got) > 3*keptBody || !utf8.ValidString(got) {
			t.Fatalf("scrub kept %d bytes, valid UTF-8: %v", len(got), utf8.ValidString(got))
		}
		if m := jwtRE.FindString(got); m != "" {
			t.Fatalf("scrub kept the token %q", m)
		}
		for _, secret := range []string{password, identity} {
			// The marks scrub writes, and '?' for a byte that is not
			// UTF-8, could spell a secret made of their characters
			// with the text around them: no secret is in that.
			if len(secret) < 4 || strings.ContainsAny(secret, "<>?") {
				continue
			}
			if strings.Contains(got, secret) {
				t.Fatalf("scrub(%q) = %q keeps the secret %q", body, got, secret)
			}
		}
	})
}

// FuzzTokenAnswer: the token read from a token endpoint's answer is one
// the 200 answer's JSON holds, never from another status; and what it
// grants on a repository is a list of distinct actions the token gives
// that repository.
func FuzzTokenAnswer(f *testing.F) {
	access := func(claims string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
	}
	f.Add(200, []byte(`{"access_token":"`+access(`{"access":[{"type":"repository","name":"acr-doctor/probe","actions":["pull","pull","push"]}]}`)+`"}`))
	f.Add(200, []byte(`{"token":"`+access(`{"access":[{"type":"repository","name":"*","actions":["*"]},{"type":"registry","name":"catalog","actions":["*"]}]}`)+`","access_token":""}`))
	f.Add(200, []byte(`{"token":"`+access(`{"access":[]}`)+`"}`))
	f.Add(200, []byte(`{"access_token":7}`))
	f.Add(401, []byte(`{"access_token":"x"}`))
	f.Add(200, []byte(`{"refresh_token":"x"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tok := accessToken(&Exchange{Status: status, raw: body})
		if tok == "" {
			return
		}
		var answer struct {
			Token       string `json:"token"`
			AccessToken string `json:"access_token"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &answer) != nil || tok != answer.AccessToken && tok != answer.Token {
			t.Fatalf("accessToken of %d %q = %q", status, body, tok)
		}
		d, err := token.Decode(tok)
		if err != nil {
			return
		}
		const repo = "acr-doctor/probe"
		acts := granted(d, repo)
		for i, a := range acts {
			if slices.Contains(acts[:i], a) || !slices.ContainsFunc(d.Claims.Access, func(x token.Access) bool {
				return x.Type == "repository" && (x.Name == repo || x.Name == "*") && slices.Contains(x.Actions, a)
			}) {
				t.Fatalf("granted %q from %+v", acts, d.Claims.Access)
			}
		}
	})
}

// FuzzBearerRealm: a realm read from any challenge a registry sends is
// one a credential may go to: https, no user-info, a lower-case DNS name,
// port 443; and a refused one is shown without user-info.
func FuzzBearerRealm(f *testing.F) {
	f.Add(`Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`, "")
	f.Add(`Basic realm="Azure Container Registry"`, `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="repository:a:pull"`)
	f.Add(`Bearer realm=https://myreg.azurecr.io/oauth2/token`, "")
	f.Add(`Bearer realm="https://user:s3cr3t@myreg.azurecr.io/oauth2/token"`, "")
	f.Add(`Bearer realm="http://169.254.169.254/metadata",service="x"`, "")
	f.Add(`Bearer realm="https://myreg.azurecr.io:8443/token"`, `Bearer realm="https://other.example/"`)
	f.Fuzz(func(t *testing.T, h1, h2 string) {
		headers := []string{h1}
		if h2 != "" {
			headers = append(headers, h2)
		}
		realm, _, err := BearerRealm(headers)
		if err != nil {
			var refused *RefusedError
			if errors.As(err, &refused) {
				if u, perr := url.Parse(refused.URL); perr == nil && u.User != nil {
					t.Fatalf("refusal %q shows user-info", refused.URL)
				}
			}
			return
		}
		if realm.Scheme != "https" || realm.User != nil || realm.Opaque != "" || !dnsName(realm.Hostname()) ||
			realm.Port() != "" && realm.Port() != "443" || !quotedRealm(headers) {
			t.Fatalf("BearerRealm(%q) accepted %q", headers, realm)
		}
	})
}

// FuzzConnectAnswer: whatever a proxy answers a CONNECT with, the tunnel
// is taken only on a 200; otherwise the message reported, once fail has
// redacted it, is bounded and holds neither the proxy password nor the
// Proxy-Authorization sent, however the proxy echoes them.
func FuzzConnectAnswer(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 Connection established\r\n\r\n",
		"HTTP/1.0 200 OK\r\nProxy-Agent: squid\r\n\r\n",
		"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 45\r\n\r\nbad credentials: Proxy-Authorization: {AUTH}",
		"HTTP/1.1 403 Forbidden {PASS}\r\n\r\n{USERINFO} is not allowed",
		"SSH-2.0-OpenSSH_9.6\r\n",
		"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<h1>{AUTH}</h1>",
		"",
	} {
		f.Add([]byte(s), "alice", "Pa#s\"s/word")
	}
	f.Add([]byte("HTTP/1.1 200\r\n\r\n"), "bob", "")
	// A status line the error quotes at four times its length.
	f.Add([]byte(strings.Repeat("\x01", 8<<10)+"\r\n"), "carol", "s3cr3t")
	p := &prober{}
	tunnel := regexp.MustCompile(`^HTTP/[0-9]+\.[0-9]+ +200(?: |\r?\n|$)`)
	f.Fuzz(func(t *testing.T, answer []byte, user, pass string) {
		proxy := &url.URL{Scheme: "http", User: url.UserPassword(user, pass), Host: "proxy.corp.example:3128"}
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		const addr = "myreg.azurecr.io:443"
		// said is what the report shows of the proxy answering answer,
		// echoing what it was sent where answer has a placeholder.
		said := func(answer string, auth, pass, userinfo string) (string, bool) {
			echoed := strings.NewReplacer("{AUTH}", "Basic "+auth, "{PASS}", pass, "{USERINFO}", userinfo).Replace(answer)
			req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
			req.Header.Set("Proxy-Authorization", "Basic "+auth)
			msg, ok := p.connectAnswer(bufio.NewReader(strings.NewReader(echoed)), req)
			if ok && !tunnel.MatchString(echoed) {
				t.Fatalf("a tunnel taken on %q", echoed)
			}
			return ProxyRedactor(proxy.String())(msg), ok
		}
		shown, ok := said(string(answer), auth, pass, proxy.User.String())
		if ok {
			return
		}
		if len(shown) > 16<<10 {
			t.Fatalf("a message of %d bytes", len(shown))
		}
		// What the same answer shows with nothing echoed holds no secret:
		// a piece of one found there is the proxy's own text.
		control, _ := said(string(answer), "", "", "")
		for _, secret := range []string{auth, pass, strings.Trim(strconv.Quote(pass), `"`)} {
			// Passwords under four characters are left alone (proxySecrets),
			// but not the Proxy-Authorization made of them.
			if secret != auth && len(pass) < 4 || strings.Contains(control, secret) || strings.Contains(user, secret) {
				continue
			}
			if strings.Contains(shown, secret) {
				t.Fatalf("the message %q shows %q", shown, secret)
			}
		}
	})
}
