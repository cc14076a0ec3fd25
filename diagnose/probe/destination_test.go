package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// TestCredentialDestinations: a hostile registry names, as the realm or
// in a redirect of a request that carries the credential, every kind of
// place that is not https://<registry>:443. The probe sends nothing
// there, with either kind of credential, and the exchange says which URL
// it refused and why. ACR's own realm, and :443 written out, still work.
func TestCredentialDestinations(t *testing.T) {
	const registryRealm = "https://" + testHost + "/oauth2/token"
	tests := []struct {
		name     string
		realm    string // the challenge's realm; registryRealm when ""
		tokenTo  string // the token endpoint redirects here (307), when set
		v2To     string // the authenticated /v2/ redirects here (307), when set
		refused  Purpose
		url      string // the refused URL, as the exchange shows it
		reason   string // a piece of the reason
		err      string // a piece of the exchange's error, when Go itself refuses the URL
		accepted bool   // the credential reaches the registry and is accepted
	}{
		{name: "ACR's realm", accepted: true},
		{name: "realm with :443", realm: "https://" + testHost + ":443/oauth2/token", accepted: true},
		{name: "redirect on the registry with :443", tokenTo: "https://" + testHost + ":443/oauth2/token?moved=1", accepted: true},

		// The scheme.
		{name: "http realm", realm: "http://" + testHost + "/oauth2/token",
			refused: Ping, url: "http://" + testHost + "/oauth2/token", reason: "not https"},
		{name: "token redirect to http on the same host", tokenTo: "http://" + testHost + "/oauth2/token",
			refused: TokenRequest, url: "http://" + testHost + "/oauth2/token", reason: "http, not https"},
		{name: "authenticated /v2/ redirect to http", v2To: "http://" + testHost + "/v2/",
			refused: AuthedPing, url: "http://" + testHost + "/v2/", reason: "http, not https"},
		// The port.
		{name: "realm on another port", realm: "https://" + testHost + ":8443/oauth2/token",
			refused: Ping, url: "https://" + testHost + ":8443/oauth2/token", reason: `port "8443"`},
		{name: "token redirect to another port", tokenTo: "https://" + testHost + ":8443/oauth2/token",
			refused: TokenRequest, url: "https://" + testHost + ":8443/oauth2/token", reason: `port "8443"`},
		{name: "realm on an empty port", realm: "https://" + testHost + ":/oauth2/token",
			refused: Ping, url: "https://" + testHost + ":/oauth2/token", reason: `port ""`},
		// The host.
		{name: "realm on another host", realm: "https://evil.example/oauth2/token",
			refused: Ping, url: "https://evil.example/oauth2/token", reason: "not on the registry's host " + testHost},
		{name: "token redirect to another host", tokenTo: "https://evil.example/steal",
			refused: TokenRequest, url: "https://evil.example/steal", reason: "not on the registry's host"},
		{name: "realm on a subdomain", realm: "https://login." + testHost + "/oauth2/token",
			refused: Ping, url: "https://login." + testHost + "/oauth2/token", reason: "not on the registry's host"},
		// User-info tricks.
		{name: "realm: the registry as another host's user-info", realm: "https://" + testHost + "@evil.example:443/oauth2/token",
			refused: Ping, url: "https://evil.example:443/oauth2/token", reason: "user-info"},
		{name: "realm: user-info on the registry", realm: "https://evil.example@" + testHost + "/oauth2/token",
			refused: Ping, url: "https://" + testHost + "/oauth2/token", reason: "user-info"},
		// In a quoted-string a backslash escapes the next character: the
		// realm is evil.example@<registry>, and with two, one backslash
		// stays, which net/url refuses in user-info.
		{name: `realm: backslash before "@"`, realm: `https://evil.example\@` + testHost + "/oauth2/token",
			refused: Ping, url: "https://" + testHost + "/oauth2/token", reason: "user-info"},
		{name: `realm: escaped backslash before "@"`, realm: `https://evil.example\\@` + testHost + "/oauth2/token",
			refused: Ping, url: `"https://evil.example\\@` + testHost + `/oauth2/token"`, reason: "does not parse as a URL"},
		{name: `token redirect: backslash before "@"`, tokenTo: `https://evil.example\@` + testHost + "/oauth2/token",
			err: "failed to parse Location header"},
		{name: "token redirect with user-info", tokenTo: "https://alice:pw@" + testHost + "/oauth2/token",
			refused: TokenRequest, url: "https://" + testHost + "/oauth2/token", reason: "user-info"},
		{name: "token redirect: the registry as another host's user-info", tokenTo: "https://" + testHost + "@evil.example/steal",
			refused: TokenRequest, url: "https://evil.example/steal", reason: "user-info"},
		// Hosts written in a form ACR never uses.
		{name: "realm on an IPv6 literal", realm: "https://[::1]/oauth2/token",
			refused: Ping, url: "https://[::1]/oauth2/token", reason: `host "::1" is not a lower-case DNS name`},
		{name: "token redirect to an IPv6 literal", tokenTo: "https://[::1]:443/steal",
			refused: TokenRequest, url: "https://[::1]:443/steal", reason: "not a lower-case DNS name"},
		{name: "realm with a trailing dot", realm: "https://" + testHost + "./oauth2/token",
			refused: Ping, url: "https://" + testHost + "./oauth2/token", reason: "not a lower-case DNS name"},
		{name: "token redirect with a trailing dot", tokenTo: "https://" + testHost + "./oauth2/token",
			refused: TokenRequest, url: "https://" + testHost + "./oauth2/token", reason: "not a lower-case DNS name"},
		{name: "realm in upper case", realm: "https://EXAMPLE.com/oauth2/token",
			refused: Ping, url: "https://EXAMPLE.com/oauth2/token", reason: "not a lower-case DNS name"},
		{name: "token redirect in upper case", tokenTo: "https://Example.Com/oauth2/token",
			refused: TokenRequest, url: "https://Example.Com/oauth2/token", reason: "not a lower-case DNS name"},
		{name: "realm on a look-alike (Cyrillic a)", realm: "https://ex\u0430mple.com/oauth2/token",
			refused: Ping, reason: `"ex\u0430mple.com" is not a lower-case DNS name`},
		{name: "realm in punycode", realm: "https://xn--exmple-4nf.com/oauth2/token",
			refused: Ping, url: "https://xn--exmple-4nf.com/oauth2/token", reason: "not on the registry's host"},
		{name: "token redirect to punycode", tokenTo: "https://xn--exmple-4nf.com/oauth2/token",
			refused: TokenRequest, url: "https://xn--exmple-4nf.com/oauth2/token", reason: "not on the registry's host"},
		{name: "realm percent-encoded", realm: "https://ex%61mple.com/oauth2/token",
			refused: Ping, url: `"https://ex%61mple.com/oauth2/token"`, reason: "does not parse as a URL"},
		// net/url refuses a percent-encoded host itself: the client stops
		// at the Location, and the error names it.
		{name: "token redirect percent-encoded", tokenTo: "https://ex%61mple.com/oauth2/token",
			err: `failed to parse Location header "https://ex%61mple.com/oauth2/token"`},
	}
	for _, tt := range tests {
		for _, mode := range []string{"refresh_token", "basic"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				realm := tt.realm
				if realm == "" {
					realm = registryRealm
				}
				h := newHostile(t, credentialServer(realm, tt.tokenTo, tt.v2To))
				opts := h.options()
				var mu sync.Mutex
				var dialed []string
				dial := opts.Dial
				opts.Dial = func(ctx context.Context, n, a string) (net.Conn, error) {
					mu.Lock()
					dialed = append(dialed, a)
					mu.Unlock()
					return dial(ctx, n, a)
				}
				cred, sec := basicCred(), secret
				if mode == "refresh_token" {
					cred = Credential{Kind: "refresh_token", Mode: "refresh_token"}
					sec = Secret{Username: "00000000-0000-0000-0000-000000000000",
						IdentityToken: tokentest.Default().Sign(tokentest.ACRRefresh(testHost, "alice", "t", time.Now(), "read"))}
				}
				tr := Run(context.Background(), testHost, cred, sec, opts)

				// Nothing but the registry on 443 was dialled, and the
				// credential reached nothing but the registry's own
				// token endpoint and /v2/.
				// net/http may still be finishing a dial it started for a
				// request another connection served: read under the lock.
				mu.Lock()
				seen := slices.Clone(dialed)
				mu.Unlock()
				for _, a := range seen {
					if a != testHost+":443" {
						t.Errorf("dialled %s", a)
					}
				}
				h.mu.Lock()
				for _, to := range h.credTo {
					if to != testHost+" /oauth2/token" && to != testHost+":443 /oauth2/token" && to != testHost+" /v2/" {
						t.Errorf("a credential went to %s (requests: %v)", to, h.seen)
					}
				}
				h.mu.Unlock()
				var refused []string
				for _, ex := range tr.Exchanges {
					if ex.Refused != "" {
						refused = append(refused, string(ex.Purpose)+": "+ex.Refused)
					}
				}
				if tt.refused == "" && len(refused) > 0 {
					t.Errorf("refused %v", refused)
				}
				if tt.refused != "" {
					ex := tr.Exchange(tt.refused)
					if ex == nil || !strings.Contains(ex.Refused, tt.url+": ") || !strings.Contains(ex.Refused, tt.reason) {
						t.Errorf("refused %v; want %s refusing %s for %q", refused, tt.refused, tt.url, tt.reason)
					}
				}
				if ex := tr.Exchange(tt.refused); tt.refused != "" && tt.refused != Ping && (ex == nil || ex.Status != http.StatusTemporaryRedirect) {
					t.Errorf("the refused redirect's exchange is %+v, want the 307 that asked for it", ex)
				}
				if tt.refused == Ping {
					if len(tr.Exchanges) != 1 || h.cred.Load() {
						t.Errorf("after a refused realm: exchanges %+v, credential sent %v", tr.Exchanges, h.cred.Load())
					}
				}
				if tt.err != "" {
					if ex := tr.Exchange(TokenRequest); ex == nil || !strings.Contains(ex.Err, tt.err) {
						t.Errorf("token exchange %+v; want an error with %q", ex, tt.err)
					}
				}
				if authed := tr.Exchange(AuthedPing); tt.accepted != (authed != nil && authed.Status == http.StatusOK && authed.Refused == "") {
					t.Errorf("accepted: authenticated /v2/ = %+v, want accepted %v", authed, tt.accepted)
				}
				assertNoSecret(t, tr, sec.Password+sec.IdentityToken)
			})
		}
	}
}

// credentialServer is a registry whose challenge names realm, whose token
// endpoint redirects to tokenTo (unless asked with moved=1) and whose
// authenticated /v2/ redirects to v2To, when they are set; otherwise it
// accepts any credential.
func credentialServer(realm, tokenTo, v2To string) http.HandlerFunc {
	access := tokentest.Default().Sign(tokentest.ACRAccess(testHost, "myreg", "", time.Now(),
		token.Access{Type: "repository", Name: DefaultRepository, Actions: []string{"pull"}}))
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="%s",service="%s"`, realm, testHost))
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/v2/" && v2To != "":
			http.Redirect(w, r, v2To, http.StatusTemporaryRedirect)
		case r.URL.Path == "/v2/":
			fmt.Fprint(w, "{}")
		case r.URL.Path == "/oauth2/token" && tokenTo != "" && !r.URL.Query().Has("moved"):
			http.Redirect(w, r, tokenTo, http.StatusTemporaryRedirect)
		case r.URL.Path == "/oauth2/token":
			fmt.Fprintf(w, `{"access_token":%q}`, access)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}
}

// TestCredentialDestination: the rule itself, on the URLs a registry may
// name; the hostile servers above show it applied.
func TestCredentialDestination(t *testing.T) {
	tests := []struct {
		registry, url string
		reason        string // "" when allowed
	}{
		{"myreg.azurecr.io", "https://myreg.azurecr.io/oauth2/token", ""},
		{"myreg.azurecr.io", "https://myreg.azurecr.io:443/v2/", ""},
		{"MyReg.azurecr.io", "https://myreg.azurecr.io/v2/", ""}, // the registry as the user typed it
		{"10.1.2.3", "https://10.1.2.3/v2/", ""},
		{"myreg.azurecr.io", "HTTPS://myreg.azurecr.io/v2/", ""}, // net/url lower-cases the scheme
		{"myreg.azurecr.io", "http://myreg.azurecr.io/v2/", "http, not https"},
		{"myreg.azurecr.io", "ftp://myreg.azurecr.io/v2/", "not https"},
		{"myreg.azurecr.io", "https:myreg.azurecr.io/v2/", "not an absolute URL"},
		{"myreg.azurecr.io", "//myreg.azurecr.io/v2/", "not https"},
		{"myreg.azurecr.io", "https:///myreg.azurecr.io/v2/", "not an absolute URL"},
		{"myreg.azurecr.io", "https://myreg.azurecr.io:0443/v2/", `port "0443"`},
		{"myreg.azurecr.io", "https://myreg.azurecr.io:80/v2/", `port "80"`},
		{"myreg.azurecr.io", "https://myreg.azurecr.io.evil.example/v2/", "not on the registry's host"},
		{"myreg.azurecr.io", "https://evil-myreg.azurecr.io/v2/", "not on the registry's host"},
		{"myreg.azurecr.io", "https://myreg.azurecr.io\u212a/v2/", `"myreg.azurecr.io\u212a"`}, // Kelvin sign, which EqualFold takes for k
		{"myreg.azurecr.io", "https://:443/v2/", "not a lower-case DNS name"},
		{"myreg.azurecr.io", "https://myreg..azurecr.io/v2/", "not a lower-case DNS name"},
		{"localhost:5000", "https://localhost:5000/v2/", "port"},
		{"localhost:5000", "https://localhost/v2/", "is not a DNS name"},
		{"", "https://myreg.azurecr.io/v2/", "is not a DNS name"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		err = CredentialDestination(tt.registry, u)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s for %s: refused: %v", tt.url, tt.registry, err)
		case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
			t.Errorf("%s for %s: %v, want a refusal with %q", tt.url, tt.registry, err, tt.reason)
		}
	}
}

// FuzzCredentialDestination: whatever a registry writes, an allowed URL
// is https, carries no user-info, and is on the registry host at 443, as
// the transport would dial it.
func FuzzCredentialDestination(f *testing.F) {
	for _, s := range []string{
		"https://myreg.azurecr.io/oauth2/token", "https://myreg.azurecr.io:443/", "http://myreg.azurecr.io/",
		"https://myreg.azurecr.io@evil:443/", `https://evil\@myreg.azurecr.io/`, "https://[::1]/",
		"https://myreg.azurecr.io./", "https://MYREG.azurecr.io/", "https://xn--myrg-7oa.azurecr.io/",
		"https://myreg%2eazurecr.io/", "https://myreg.azurecr.io:/", "https://myreg.azurecr.io\u212a/",
	} {
		f.Add("myreg.azurecr.io", s)
	}
	f.Fuzz(func(t *testing.T, registry, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		// The same text as a challenge's realm, where it can be written
		// without escapes.
		var realmErr error
		plain := !strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r > '~' || r == '"' || r == '\\' })
		if plain {
			var realm *url.URL
			realm, _, realmErr = BearerRealm([]string{`Bearer realm="` + raw + `"`})
			if realmErr == nil && realm.String() != u.String() {
				t.Fatalf("BearerRealm read %q as %q", raw, realm)
			}
		}
		if CredentialDestination(registry, u) != nil {
			return
		}
		reg := strings.ToLower(registry)
		if u.Scheme != "https" || u.User != nil || u.Opaque != "" || u.Hostname() != reg || (u.Port() != "" && u.Port() != "443") {
			t.Fatalf("allowed %q for %q", raw, registry)
		}
		if realmErr != nil {
			t.Fatalf("allowed %q for %q, which BearerRealm refuses: %v", raw, registry, realmErr)
		}
		// What the transport would dial: the host, ASCII and lower case,
		// on 443.
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			host, port = u.Host, "443"
		}
		if host != reg || port != "443" || !dnsName(host) {
			t.Fatalf("allowed %q for %q: would dial %s:%s", raw, registry, host, port)
		}
	})
}
