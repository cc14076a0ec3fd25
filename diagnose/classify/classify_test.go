package classify

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const host = "myreg.azurecr.io"

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// Transcript builders: each returns the transcript of a probe that got as
// far as the step named, with ACR's real answers.

func connected() *probe.Transcript {
	return &probe.Transcript{
		Registry:   host,
		Started:    now,
		DNS:        &probe.DNSResult{Step: probe.Step{Target: host}, Addrs: []string{"20.62.128.38"}},
		TCP:        &probe.Step{Target: "20.62.128.38:443"},
		TLS:        &probe.TLSResult{Step: probe.Step{Target: host}, Version: "TLS 1.3", PeerSubject: "CN=*.azurecr.io"},
		ServerDate: now,
		LocalDate:  now,
		Credential: probe.Credential{Source: "file", Kind: "admin_user", Username: "myreg", Mode: "basic"},
		Scope:      "repository:team/app:pull",
	}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

const (
	acrChallenge = `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`
	authRequired = `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required, visit https://aka.ms/acr/authorization for more information."}]}`
	notInAAD     = `{"errors":[{"code":"UNAUTHORIZED","message":"Application not registered with AAD."}]}`
	denied       = `{"errors":[{"code":"DENIED","message":"client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."}]}`
)

func pinged(t *probe.Transcript) *probe.Transcript {
	t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Method: "GET", URL: "https://" + host + "/v2/",
		Status: 401, Header: hdr("Www-Authenticate", acrChallenge, "Server", "AzureContainerRegistry"), Body: authRequired})
	return t
}

func answered(t *probe.Transcript, p probe.Purpose, status int, body string) *probe.Transcript {
	t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: p, Method: "GET", URL: "https://" + host + "/oauth2/token?service=" + host, Status: status, Body: body, Header: hdr()})
	return t
}

func loggedIn(t *probe.Transcript, granted ...string) *probe.Transcript {
	answered(pinged(t), probe.TokenRequest, 200, `{"access_token":"<token>"}`)
	answered(t, probe.AuthedPing, 200, "{}")
	answered(t, probe.ScopeProbe, 200, `{"access_token":"<token>"}`)
	t.Granted = append([]string{}, granted...)
	return answered(t, probe.AnonymousToken, 401, authRequired)
}

func with(t *probe.Transcript, f func(*probe.Transcript)) *probe.Transcript { f(t); return t }

func decoded(claims map[string]any) *token.Token {
	tok, err := token.Decode(tokentest.Default().Sign(claims))
	if err != nil {
		panic(err)
	}
	return tok
}

func TestClassify(t *testing.T) {
	const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	expired := decoded(tokentest.ACRRefresh(host, "alice@contoso.com", tenant, now.Add(-4*time.Hour)))
	valid := decoded(tokentest.ACRRefresh(host, "alice@contoso.com", tenant, now.Add(-time.Hour)))
	namedClaims := tokentest.ACRRefresh(host, "5d6f1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b", tenant, now.Add(-time.Hour))
	namedClaims["unique_name"] = "bob@contoso.com"
	named := decoded(namedClaims)
	refreshCred := probe.Credential{Source: "file", Kind: "refresh_token", Username: NullGUID, Mode: "refresh_token"}

	tests := []struct {
		name     string
		t        *probe.Transcript
		loggedIn bool
		causes   []cause.ID
		evidence string // a piece of the first cause's evidence
		fix      string // a piece of the first cause's remediation
		notFix   string // what the first cause's remediation must not say
	}{
		{name: "healthy", t: loggedIn(connected(), "pull"), loggedIn: true},
		{name: "nxdomain", t: with(connected(), func(t *probe.Transcript) {
			t.DNS = &probe.DNSResult{Step: probe.Step{Err: "lookup myreg.azurecr.io: no such host", ErrKind: "dns"}, NotFound: true}
			t.TCP, t.TLS = nil, nil
		}), causes: []cause.ID{cause.RegistryName}, evidence: "DNS has no record", fix: "az acr show -n myreg --query loginServer"},
		{name: "no name resolves", t: with(connected(), func(t *probe.Transcript) {
			t.DNS = &probe.DNSResult{Step: probe.Step{Err: "lookup myreg.azurecr.io: no such host", ErrKind: "dns"}, NotFound: true, NothingResolves: "management.azure.com (lookup management.azure.com: no such host)"}
			t.TCP, t.TLS = nil, nil
		}), causes: []cause.ID{cause.NetworkUnreachable}, evidence: "and management.azure.com (lookup management.azure.com: no such host), which exists, fails too", fix: "nslookup management.azure.com"},
		{name: "proxy cannot resolve", t: with(connected(), func(t *probe.Transcript) {
			t.DNS, t.TLS, t.Proxy = nil, nil, "http://127.0.0.1:3128"
			t.TCP = &probe.Step{Err: "proxy answered CONNECT myreg.azurecr.io:443 with 502 Bad Gateway: dial tcp: lookup myreg.azurecr.io on 127.0.0.53:53: no such host", ErrKind: "proxy"}
		}), causes: []cause.ID{cause.RegistryName}, evidence: "the proxy http://127.0.0.1:3128 could not resolve"},
		{name: "dns server failure", t: with(connected(), func(t *probe.Transcript) {
			t.DNS = &probe.DNSResult{Step: probe.Step{Err: "lookup myreg.azurecr.io: i/o timeout", ErrKind: "timeout"}}
		}), causes: []cause.ID{cause.NetworkUnreachable}, fix: "168.63.129.16"},
		{name: "tcp timeout", t: with(connected(), func(t *probe.Transcript) {
			t.TCP = &probe.Step{Target: "20.62.128.38:443", Err: "dial tcp 20.62.128.38:443: i/o timeout", ErrKind: "timeout"}
			t.TLS = nil
		}), causes: []cause.ID{cause.NetworkUnreachable}, evidence: "i/o timeout", fix: "az acr show-endpoints -n myreg", notFix: "NO_PROXY"},
		{name: "proxy refuses CONNECT", t: with(connected(), func(t *probe.Transcript) {
			t.DNS, t.TLS, t.Proxy = nil, nil, "http://proxy.corp.example:3128"
			t.TCP = &probe.Step{Target: "myreg.azurecr.io:443 via proxy proxy.corp.example:3128", Err: "proxy answered CONNECT myreg.azurecr.io:443 with 403 Forbidden: blocked by policy", ErrKind: "proxy"}
		}), causes: []cause.ID{cause.NetworkUnreachable}, evidence: "blocked by policy", fix: "check the proxy http://proxy.corp.example:3128, or exempt the registry: NO_PROXY=myreg.azurecr.io"},
		{name: "tls intercepted", t: with(connected(), func(t *probe.Transcript) {
			t.TLS = &probe.TLSResult{Step: probe.Step{Err: "tls: failed to verify certificate: x509: certificate signed by unknown authority", ErrKind: "tls"},
				PeerSubject: "CN=myreg.azurecr.io", PeerIssuer: "CN=Fortinet FortiGate SSL Proxy", Verify: "unknown_authority"}
		}), causes: []cause.ID{cause.TLS}, evidence: `issued by "CN=Fortinet FortiGate SSL Proxy"`, fix: "update-ca-certificates"},
		{name: "firewall on /v2/", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 403, denied)
		}), causes: []cause.ID{cause.NetworkFirewall}, evidence: "client with IP '203.0.113.7' is not allowed access", fix: "az acr network-rule add -n myreg --ip-address 203.0.113.7"},
		{name: "throttled", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}`).Exchanges[0].Header = hdr("Retry-After", "30")
		}), causes: []cause.ID{cause.Throttled}, evidence: "Retry-After: 30"},
		{name: "503", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 503, "<html>Service Unavailable</html>")
		}), causes: []cause.ID{cause.RegistryError}, evidence: "503 Service Unavailable", fix: "azure.status.microsoft"},
		{name: "500", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 500, `{"errors":[{"code":"UNKNOWN","message":"internal server error"}]}`)
		}), causes: []cause.ID{cause.RegistryError}, evidence: "GET /v2/ answered 500 Internal Server Error", fix: "azure.status.microsoft"},
		{name: "no authentication asked", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 200, "{}")
		}), loggedIn: true},
		{name: "no challenge", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 401, authRequired)
		}), causes: []cause.ID{cause.RegistryError}, evidence: "without a WWW-Authenticate"},
		{name: "malformed challenge", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 401, authRequired).Exchanges[0].Header = hdr("Www-Authenticate", `Bearer realm="https://myreg.azurecr.io/oauth2/token,service`)
		}), causes: []cause.ID{cause.RegistryError}, evidence: "cannot be used"},
		{name: "realm on another host", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 401, authRequired).Exchanges[0].Header = hdr("Www-Authenticate", `Bearer realm="https://login.other-host.example/oauth2/token",service="myreg.azurecr.io"`)
		}), causes: []cause.ID{cause.RegistryError}, evidence: "did not send your credentials there"},
		{name: "captive portal 404", t: with(connected(), func(t *probe.Transcript) {
			answered(t, probe.Ping, 404, "<html>Sign in to Wi-Fi</html>").Exchanges[0].Header = hdr("Server", "nginx")
		}), causes: []cause.ID{cause.RegistryError}, evidence: `404 Not Found from a server calling itself "nginx", not ACR, where ACR answers 401`, fix: "a captive portal"},
		{name: "hung server", t: with(connected(), func(t *probe.Transcript) {
			t.Exchanges = []probe.Exchange{{Purpose: probe.Ping, Method: "GET", Err: "context deadline exceeded", ErrKind: "timeout"}}
		}), causes: []cause.ID{cause.RegistryError}, evidence: "did not answer in time"},
		{name: "redirect loop", t: with(connected(), func(t *probe.Transcript) {
			t.Exchanges = []probe.Exchange{{Purpose: probe.Ping, Method: "GET", Err: "stopped after 5 redirects", ErrKind: "redirect_loop"}}
		}), causes: []cause.ID{cause.RegistryError}, evidence: "redirects in a loop"},
		{name: "dripping body", t: with(connected(), func(t *probe.Transcript) {
			t.Exchanges = []probe.Exchange{{Purpose: probe.Ping, Method: "GET", Status: 401, Err: "the body came 20 bytes in 2s and never finished", ErrKind: "drip"}}
		}), causes: []cause.ID{cause.RegistryError}, evidence: "GET /v2/: the body came 20 bytes in 2s and never finished: the answer is not what a registry sends"},
		{name: "clock skew", t: with(loggedIn(connected(), "pull"), func(t *probe.Transcript) {
			t.ServerDate = now.Add(-3 * time.Hour)
		}), loggedIn: true, causes: []cause.ID{cause.ClockSkew}, evidence: "3h ahead of"},
		{name: "clock behind", t: with(loggedIn(connected(), "pull"), func(t *probe.Transcript) {
			t.ServerDate = now.Add(10 * time.Minute)
		}), loggedIn: true, causes: []cause.ID{cause.ClockSkew}, evidence: "10m behind the registry's"},
		{name: "clock skew within tolerance", t: with(loggedIn(connected(), "pull"), func(t *probe.Transcript) {
			t.ServerDate = now.Add(-MaxSkew)
		}), loggedIn: true},
		{name: "wrong admin password", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 401, authRequired)
			answered(t, probe.AnonymousToken, 401, authRequired)
		}), causes: []cause.ID{cause.InvalidCredentials}, evidence: "authentication required", fix: "az acr show -n myreg --query adminUserEnabled"},
		{name: "unknown service principal", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "service_principal", Username: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", Mode: "basic"}
			answered(t, probe.TokenRequest, 401, notInAAD)
		}), causes: []cause.ID{cause.AADNotRegistered}, evidence: "Application not registered with AAD", fix: "az ad sp show --id 8b1c5d52", notFix: NullGUID},
		{name: "identity token under a user name", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "refresh_token", Username: "alice@contoso.com", Mode: "refresh_token"}
			answered(t, probe.TokenRequest, 401, notInAAD)
		}), causes: []cause.ID{cause.AADNotRegistered}, evidence: `does not know the username "alice@contoso.com"`,
			fix: "an ACR token must be used with the username " + NullGUID},
		{name: "expired SP secret", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "service_principal", Username: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", Mode: "basic"}
			answered(t, probe.TokenRequest, 401, `{"errors":[{"code":"UNAUTHORIZED","message":"Invalid clientid or client secret."}]}`)
		}), causes: []cause.ID{cause.ExpiredCredentials}, fix: "az ad sp credential reset --id 8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b"},
		{name: "expired refresh token", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = refreshCred
			t.Credential.Token = expired
			answered(t, probe.TokenRequest, 401, authRequired)
		}), causes: []cause.ID{cause.ExpiredCredentials}, evidence: "expired 45m ago by the registry's clock", fix: "az acr login -n myreg"},
		{name: "valid token refused", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = refreshCred
			t.Credential.Token = valid
			answered(t, probe.TokenRequest, 401, authRequired)
		}), causes: []cause.ID{cause.InvalidCredentials}, fix: "docker logout myreg.azurecr.io"},
		{name: "disabled repository token", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "repository_token", Username: "ci-pull", Mode: "basic"}
			answered(t, probe.TokenRequest, 401, authRequired)
		}), causes: []cause.ID{cause.InvalidCredentials}, evidence: "the token is disabled", fix: "az acr token credential generate -n ci-pull -r myreg"},
		{name: "token not yet valid by the registry's clock", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = refreshCred
			t.Credential.Token = valid
			t.ServerDate = now.Add(-2 * time.Hour)
			answered(t, probe.TokenRequest, 401, authRequired)
		}), causes: []cause.ID{cause.ClockSkew}},
		{name: "stale credential blocks anonymous pull", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 401, authRequired)
			answered(t, probe.AnonymousToken, 200, `{"access_token":"<token>"}`)
			t.AnonymousGranted = []string{"pull"}
		}), causes: []cause.ID{cause.AnonymousPullBlocked, cause.InvalidCredentials}},
		{name: "stale credential, pushing, anonymous pull on", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Scope = "repository:team/app:pull,push"
			answered(t, probe.TokenRequest, 401, authRequired)
			answered(t, probe.AnonymousToken, 200, `{"access_token":"<token>"}`)
			t.AnonymousGranted = []string{"pull"}
		}), causes: []cause.ID{cause.InvalidCredentials, cause.AnonymousPullBlocked}},
		{name: "the store failed, anonymous pull on", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "unknown", Mode: "none", StoreFailed: true}
			answered(t, probe.AnonymousToken, 200, `{"access_token":"<token>"}`)
			t.AnonymousGranted = []string{"pull"}
		}), loggedIn: false},
		{name: "nothing stored, anonymous pull on", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			answered(t, probe.AnonymousToken, 200, `{"access_token":"<token>"}`)
			t.AnonymousGranted = []string{"pull"}
		}), loggedIn: true},
		{name: "nothing stored", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			answered(t, probe.AnonymousToken, 401, authRequired)
		}), causes: []cause.ID{cause.InvalidCredentials}, evidence: "holds no credential"},
		{name: "nothing stored, anonymous request throttled", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			answered(t, probe.AnonymousToken, 429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}`)
		}), causes: []cause.ID{cause.InvalidCredentials, cause.Throttled}},
		{name: "nothing stored, cut short after the challenge", t: with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			t.TimedOut = true
		}), causes: []cause.ID{cause.InvalidCredentials, cause.NetworkUnreachable}},
		{name: "firewall on the token endpoint", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 403, denied)
		}), causes: []cause.ID{cause.NetworkFirewall}, evidence: "GET /oauth2/token answered 403: denied: client with IP"},
		{name: "pull only, push probed", t: with(loggedIn(connected(), "pull"), func(t *probe.Transcript) {
			t.Scope = "repository:team/app:pull,push"
			t.Credential = probe.Credential{Kind: "service_principal", Username: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", Mode: "basic"}
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, evidence: `grants it pull on repository "team/app", not push`,
			fix: "az role assignment create --assignee 8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b --role AcrPush"},
		{name: "no access", t: with(loggedIn(connected()), func(t *probe.Transcript) {
			t.Credential = refreshCred
			t.Credential.Token = valid
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, evidence: "alice@contoso.com but grants it nothing", fix: "--assignee alice@contoso.com --role AcrPull"},
		{name: "no access, the token names the user", t: with(loggedIn(connected()), func(t *probe.Transcript) {
			t.Credential = refreshCred
			t.Credential.Token = named
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, evidence: "authenticated bob@contoso.com but", fix: "--assignee bob@contoso.com"},
		{name: "no access, admin user", t: with(loggedIn(connected()), func(t *probe.Transcript) {
			t.Scope = "repository:team/ap:pull"
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, evidence: `authenticated myreg but grants it nothing on repository "team/ap"`,
			fix: `the admin user has every right; check the repository name team/ap`},
		{name: "scope-map token without push", t: with(loggedIn(connected(), "pull"), func(t *probe.Transcript) {
			t.Scope = "repository:team/app:pull,push"
			t.Credential = probe.Credential{Kind: "repository_token", Username: "ci-pull", Mode: "basic"}
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, evidence: "grants it pull", fix: "--add-repository team/app content/read content/write"},
		{name: "scope-map token without pull", t: with(loggedIn(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "repository_token", Username: "ci-pull", Mode: "basic"}
		}), loggedIn: true, causes: []cause.ID{cause.InsufficientPermission}, fix: "az acr token show -n ci-pull -r myreg --query scopeMapId", notFix: "content/write"},
		{name: "token refused on /v2/", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 200, `{"access_token":"<token>"}`)
			answered(t, probe.AuthedPing, 401, authRequired)
		}), causes: []cause.ID{cause.RegistryError}, evidence: "/v2/ refused it (401 Unauthorized)"},
		{name: "token dropped on /v2/", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 200, `{"access_token":"<token>"}`)
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.AuthedPing, Method: "GET", URL: "https://" + host + "/v2/",
				Err: "read tcp 10.0.0.4:51234->20.62.128.38:443: read: connection reset by peer", ErrKind: "reset"})
		}), causes: []cause.ID{cause.RegistryError}, evidence: "/v2/ refused it (read tcp 10.0.0.4:51234->20.62.128.38:443: read: connection reset by peer)"},
		{name: "cut short after the token", t: with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 200, `{"access_token":"<token>"}`)
			t.TimedOut = true
		}), causes: []cause.ID{cause.RegistryError, cause.NetworkUnreachable}, evidence: "/v2/ refused it (no answer)"},
		{name: "timed out", t: with(connected(), func(t *probe.Transcript) { t.TimedOut = true }), causes: []cause.ID{cause.NetworkUnreachable}},
	}
	seen := map[cause.ID]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.t, Facts{})
			var ids []cause.ID
			for _, c := range v.Causes {
				ids = append(ids, c.ID)
				seen[c.ID] = true
				if c.Title == "" || c.Evidence == "" || len(c.Remediation) == 0 {
					t.Errorf("cause %s incomplete: %+v", c.ID, c)
				}
			}
			if v.LoggedIn != tt.loggedIn || !slices.Equal(ids, tt.causes) {
				t.Fatalf("Classify = logged in %v, causes %v; want %v, %v", v.LoggedIn, ids, tt.loggedIn, tt.causes)
			}
			if tt.evidence != "" && !strings.Contains(v.Causes[0].Evidence, tt.evidence) {
				t.Errorf("evidence %q lacks %q", v.Causes[0].Evidence, tt.evidence)
			}
			if tt.fix != "" && !strings.Contains(strings.Join(v.Causes[0].Remediation, "\n"), tt.fix) {
				t.Errorf("remediation %q lacks %q", v.Causes[0].Remediation, tt.fix)
			}
			if tt.notFix != "" && strings.Contains(strings.Join(v.Causes[0].Remediation, "\n"), tt.notFix) {
				t.Errorf("remediation %q says %q", v.Causes[0].Remediation, tt.notFix)
			}
		})
	}
	// Every live-reachable cause has a case; the rest come from the
	// inventory (credential_store, expired stored tokens) or are not
	// network findings (docker_environment).
	for _, id := range cause.IDs() {
		switch id {
		case cause.CredentialStore, cause.DockerEnvironment:
			continue
		}
		if !seen[id] {
			t.Errorf("no test case reaches %s", id)
		}
	}
}

// TestRegistryName: the az commands take the resource name, which a login
// server with a domain-name-label hash, or in upper case, does not spell.
func TestRegistryName(t *testing.T) {
	tests := []struct{ host, want string }{
		{"myreg.azurecr.io", "myreg"},
		{"myreg-dad4auhga8feekaq.azurecr.io", "myreg"},
		{"MyReg.azurecr.cn", "myreg"},
		{"myreg.westeurope.data.azurecr.io", "myreg"},
		{"registry.example.com", "registry"},
		{"localhost:5000", "localhost:5000"},
	}
	for _, tt := range tests {
		if got := registryName(tt.host); got != tt.want {
			t.Errorf("registryName(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
	v := Classify(with(connected(), func(t *probe.Transcript) {
		t.Registry = "myreg-dad4auhga8feekaq.azurecr.io"
		answered(t, probe.Ping, 503, "")
	}), Facts{})
	if fix := strings.Join(v.Causes[0].Remediation, "\n"); !strings.Contains(fix, "az acr check-health -n myreg --yes") {
		t.Errorf("remediation %q does not name the resource myreg", fix)
	}
}

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 250)
	tests := []struct{ name, body, want string }{
		{"distribution error", authRequired, "unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information."},
		{"first of several errors", `{"errors":[{"code":"DENIED","message":"first"},{"code":"UNAUTHORIZED","message":"second"}]}`, "denied: first"},
		{"no code", `{"errors":[{"message":"Application not registered with AAD."}]}`, "Application not registered with AAD."},
		{"no errors", `{"errors":[]}`, `{"errors":[]}`},
		{"not JSON", "<html>\n<body>Sign in to Wi-Fi</body>\n</html>", "<html>"},
		{"padded", "\n  Bad Gateway  \n", "Bad Gateway"},
		{"a long line", long, strings.Repeat("x", 200) + "…"},
		{"exactly the limit", long[:200], long[:200]},
		{"empty", "", "(empty body)"},
		{"white space", " \r\n ", "(empty body)"},
	}
	for _, tt := range tests {
		if got := errorMessage(tt.body); got != tt.want {
			t.Errorf("%s: errorMessage(%q) = %q, want %q", tt.name, tt.body, got, tt.want)
		}
	}
}

func TestScopeRepo(t *testing.T) {
	tests := []struct{ scope, want string }{
		{"repository:team/app:pull", "team/app"},
		{"repository:team/app:pull,push", "team/app"},
		{"repository:acr-doctor/probe:pull", "acr-doctor/probe"},
		{"repository::pull", ""}, // no repository named: none, not the actions
		{"team/app", "team/app"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := scopeRepo(tt.scope); got != tt.want {
			t.Errorf("scopeRepo(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://myreg.azurecr.io/oauth2/token?service=myreg.azurecr.io&scope=repository%3Ateam%2Fapp%3Apull", "/oauth2/token"},
		{"https://myreg.azurecr.io/v2/", "/v2/"},
		{"https://myreg.azurecr.io", "myreg.azurecr.io"},
		{"/v2/?n=1", "/v2/"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := path(tt.url); got != tt.want {
			t.Errorf("path(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(401, acrChallenge, authRequired, 401, notInAAD, "lookup x: no such host", true)
	f.Add(403, "", denied, 0, "", "", false)
	f.Add(200, `Basic realm="Azure Container Registry"`, "{}", 200, `{"access_token":"x"}`, "", false)
	f.Add(401, `Bearer realm=`, `{"errors":[{}]}`, 429, `{"errors":null}`, "", false)
	f.Fuzz(func(t *testing.T, pingStatus int, challenge, pingBody string, tokenStatus int, tokenBody, dnsErr string, notFound bool) {
		tr := connected()
		if dnsErr != "" {
			tr.DNS.Err, tr.DNS.NotFound = dnsErr, notFound
		}
		tr.Exchanges = []probe.Exchange{{Purpose: probe.Ping, Status: pingStatus, Header: hdr("Www-Authenticate", challenge), Body: pingBody}}
		if tokenStatus != 0 {
			tr.Exchanges = append(tr.Exchanges, probe.Exchange{Purpose: probe.TokenRequest, Status: tokenStatus, Body: tokenBody, Header: hdr()})
		}
		v := Classify(tr, Facts{})
		for _, c := range v.Causes {
			if _, ok := cause.Lookup(c.ID); !ok || c.Evidence == "" {
				t.Fatalf("bad cause %+v", c)
			}
		}
		if v.LoggedIn && len(v.Causes) > 0 && cause.Failed(v.Causes) && v.Causes[0].ID == cause.NetworkFirewall {
			t.Fatalf("logged in despite a firewall: %+v", v)
		}
	})
}

// TestFacts: what else is known is weighed with the transcript, once.
func TestFacts(t *testing.T) {
	wrongPassword := func() *probe.Transcript {
		return with(pinged(connected()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 401, authRequired)
			answered(t, probe.AnonymousToken, 401, authRequired)
		})
	}
	anonymous := func() *probe.Transcript {
		return with(pinged(connected()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			answered(t, probe.AnonymousToken, 200, `{"access_token":"<token>"}`)
			t.AnonymousGranted = []string{"pull"}
		})
	}
	storeEmpty := cause.New(cause.CredentialStore, "the helper answered with nothing")
	stale := cause.New(cause.InvalidCredentials, "stored: malformed")
	adminOff := &Azure{Resource: &report.AzureResource{Name: "myreg", LoginServer: host, AdminUserEnabled: false}}
	tests := []struct {
		name       string
		t          *probe.Transcript
		f          Facts
		causes     []cause.ID
		stored     int
		evidence   string // in the first cause
		notInFirst string
	}{
		{name: "a stored finding the live check repeats is said once, in the live words", t: wrongPassword(),
			f: Facts{Stored: []cause.Cause{stale}}, causes: []cause.ID{cause.InvalidCredentials}, stored: 1, notInFirst: "stored: malformed"},
		{name: "stored findings come first", t: wrongPassword(),
			f: Facts{Stored: []cause.Cause{storeEmpty}}, causes: []cause.ID{cause.CredentialStore, cause.InvalidCredentials}, stored: 1},
		{name: "nothing stored, anonymous pull works: the store's silence is moot", t: anonymous(),
			f: Facts{Stored: []cause.Cause{storeEmpty}, NothingStored: true}, stored: 0},
		{name: "a store that failed stays a finding", t: anonymous(),
			f: Facts{Stored: []cause.Cause{storeEmpty}}, causes: []cause.ID{cause.CredentialStore}, stored: 1},
		{name: "ARM: the admin user is off", t: wrongPassword(),
			f: Facts{Azure: adminOff}, causes: []cause.ID{cause.InvalidCredentials}, evidence: "ARM: the admin user is disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.t, tt.f)
			var ids []cause.ID
			for _, c := range v.Causes {
				ids = append(ids, c.ID)
			}
			if !slices.Equal(ids, tt.causes) || len(v.Stored) != tt.stored {
				t.Fatalf("causes %v, stored %d; want %v, %d", ids, len(v.Stored), tt.causes, tt.stored)
			}
			if len(v.Causes) > 0 {
				if !strings.Contains(v.Causes[0].Evidence, tt.evidence) || (tt.notInFirst != "" && strings.Contains(v.Causes[0].Evidence, tt.notInFirst)) {
					t.Errorf("evidence %q", v.Causes[0].Evidence)
				}
			}
		})
	}
}
