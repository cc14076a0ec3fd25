package acremu_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const (
	host     = "myreg.azurecr.io"
	adminPW  = "admin-password-1"
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	spPull   = "4f1c2a7e-5b3d-4e8f-9a06-1c2d3e4f5a6b" // AcrPull
	spSecret = "sp-secret-1"
	spOld    = "8d7c6b5a-4e3f-4a1b-8c2d-9e0f1a2b3c4d" // secret expired
	spNone   = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d" // no role
	alice    = "alice@contoso.com"                    // pull, push
	bob      = "bob@contoso.com"                      // pull
)

const msgAuthRequired = "authentication required, visit https://aka.ms/acr/authorization for more information."

// registry is the registry most tests use: one identity of each kind.
func registry() acremu.Registry {
	return acremu.Registry{
		Host:          host,
		AdminEnabled:  true,
		AdminPassword: adminPW,
		ServicePrincipals: map[string]acremu.Principal{
			spPull: {Secret: spSecret, Actions: []string{"pull"}},
			spOld:  {Secret: spSecret, Actions: []string{"pull"}, ExpiresAt: time.Now().Add(-time.Hour)},
			spNone: {Secret: spSecret},
		},
		Users: map[string]acremu.Identity{
			alice: {Actions: []string{"pull", "push"}},
			bob:   {Actions: []string{"pull"}},
		},
		Tokens: map[string]acremu.ScopedToken{
			"ci": {Password: "ci-password", ScopeMap: map[string][]string{
				"hello-world": {"content/read", "metadata/read"},
				"samples/*":   {"content/read", "content/write"},
			}},
			"off":  {Password: "off-password", Disabled: true, ScopeMap: map[string][]string{"*": {"content/read"}}},
			"gone": {Password: "gone-password", ExpiresAt: time.Now().Add(-time.Minute), ScopeMap: map[string][]string{"*": {"content/read"}}},
		},
		Repositories: map[string][]string{"hello-world": {"latest", "v1"}, "samples/nginx": {"1.27"}},
		Tenant:       tenant,
	}
}

// start starts an emulator that the test closes.
func start(t *testing.T, regs ...acremu.Registry) *acremu.Server {
	t.Helper()
	s, err := acremu.Start(regs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// do sends req with s's client and returns the answer with its body read.
func do(t *testing.T, s *acremu.Server, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	resp, err := s.Client().Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func get(t *testing.T, s *acremu.Server, rawURL, user, pass string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	return do(t, s, req)
}

func post(t *testing.T, s *acremu.Server, rawURL string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, s, req)
}

// tokenURL is Docker's login request: GET with account, client_id and
// offline_token, and the scopes asked for.
func tokenURL(h, account string, scopes ...string) string {
	q := url.Values{"service": {h}, "client_id": {"docker"}, "offline_token": {"true"}}
	if account != "" {
		q.Set("account", account)
	}
	for _, sc := range scopes {
		q.Add("scope", sc)
	}
	return "https://" + h + "/oauth2/token?" + q.Encode()
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Token        string `json:"token"`
}

func decodeTokens(t *testing.T, body []byte) tokenResponse {
	t.Helper()
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatalf("token body %q: %v", body, err)
	}
	return tr
}

// granted decodes an access token's `access` claim with diagnose/token.
func granted(t *testing.T, accessToken string) []token.Access {
	t.Helper()
	tok, err := token.Decode(accessToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != token.AccessToken {
		t.Fatalf("kind %q, want an access token", tok.Kind)
	}
	if tok.Claims.Access == nil {
		t.Fatal("access token without an access claim")
	}
	return tok.Claims.Access
}

// errorMessage is the single message of an ACR error body.
func errorMessage(t *testing.T, body []byte) (code, message string) {
	t.Helper()
	var e struct {
		Errors []struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Errors[0].Code, e.Errors[0].Message
}

// TestPing pins the /v2/ challenge, headers and body, and the answers to
// each kind of credential sent directly to the data plane.
func TestPing(t *testing.T) {
	s := start(t, registry())
	resp, body := get(t, s, "https://"+host+"/v2/", "", "")
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{
		"Www-Authenticate":                `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`,
		"Server":                          "AzureContainerRegistry",
		"Docker-Distribution-Api-Version": "registry/2.0",
		"Content-Type":                    "application/json; charset=utf-8",
		"X-Content-Type-Options":          "nosniff",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if id := resp.Header.Get("X-Ms-Correlation-Request-Id"); len(id) != 36 {
		t.Errorf("correlation id %q", id)
	}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(date).Abs() > time.Minute {
		t.Errorf("Date %q (%v)", resp.Header.Get("Date"), err)
	}
	if len(resp.Header.Values("Strict-Transport-Security")) != 2 {
		t.Errorf("HSTS sent %d times, ACR sends it twice", len(resp.Header.Values("Strict-Transport-Security")))
	}
	if string(body) != `{"errors":[{"code":"UNAUTHORIZED","message":"`+msgAuthRequired+`"}]}` {
		t.Errorf("body %s", body)
	}

	tests := []struct {
		name       string
		user, pass string
		bearer     bool
		status     int
		challenge  string
	}{
		{"admin basic", "myreg", adminPW, false, 200, ""},
		{"service principal basic", spPull, spSecret, false, 200, ""},
		{"scoped token basic", "ci", "ci-password", false, 200, ""},
		{"wrong password basic", "myreg", "nope", false, 401, `Basic realm="Azure Container Registry"`},
		{"unknown user basic", "someone", "nope", false, 401, `Basic realm="Azure Container Registry"`},
		{"access token", "myreg", adminPW, true, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "https://"+host+"/v2/", nil)
			if tt.bearer {
				_, body := get(t, s, tokenURL(host, tt.user), tt.user, tt.pass)
				req.Header.Set("Authorization", "Bearer "+decodeTokens(t, body).AccessToken)
			} else {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, body := do(t, s, req)
			if resp.StatusCode != tt.status || resp.Header.Get("WWW-Authenticate") != tt.challenge {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.status, tt.challenge)
			}
			if tt.status == 200 && string(body) != "{}" {
				t.Errorf("body %s", body)
			}
		})
	}

	// A token for another registry, or signed by another key, is refused.
	other, err := tokentest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"other registry": tokentest.Default().Sign(tokentest.ACRAccess("other.azurecr.io", "myreg", tenant, time.Now())),
		"other key":      other.Sign(tokentest.ACRAccess(host, "myreg", tenant, time.Now())),
		"expired":        tokentest.Default().Sign(tokentest.ACRAccess(host, "myreg", tenant, time.Now().Add(-2*time.Hour))),
		"refresh token":  s.RefreshToken(host, alice, time.Now()),
	} {
		req, _ := http.NewRequest(http.MethodGet, "https://"+host+"/v2/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, _ := do(t, s, req)
		if resp.StatusCode != 401 || !strings.HasSuffix(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// TestTokenGET walks every kind of credential through Docker's login
// request, with the scope a push asks for.
func TestTokenGET(t *testing.T) {
	s := start(t, registry(), acremu.Registry{Host: "disabled.azurecr.io", AdminEnabled: true, AdminPassword: "pw", Faults: []acremu.Fault{acremu.AdminDisabled}})
	now := time.Now()
	other, err := tokentest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	const scope = "repository:hello-world:pull,push"
	tests := []struct {
		name       string
		host       string
		user, pass string
		status     int
		message    string   // on a 401
		actions    []string // granted on hello-world, on a 200
		refresh    bool     // a refresh_token comes back
	}{
		{"admin", host, "myreg", adminPW, 200, "", []string{"pull", "push"}, false},
		{"admin name in upper case", host, "MyReg", adminPW, 200, "", []string{"pull", "push"}, false},
		{"service principal, pull only", host, spPull, spSecret, 200, "", []string{"pull"}, false},
		{"service principal, app id in upper case", host, strings.ToUpper(spPull), spSecret, 200, "", []string{"pull"}, false},
		{"service principal without a role", host, spNone, spSecret, 200, "", nil, false},
		{"scoped token", host, "ci", "ci-password", 200, "", []string{"pull"}, false},
		{"refresh token", host, acremu.NullGUID, s.RefreshToken(host, alice, now), 200, "", []string{"pull", "push"}, true},
		{"refresh token, pull only user", host, acremu.NullGUID, s.RefreshToken(host, bob, now), 200, "", []string{"pull"}, true},

		{"unknown username", host, "alice@contoso.com", "hunter2", 401, "Application not registered with AAD.", nil, false},
		{"unknown app id", host, "9e4a2c71-3b8d-4f06-a5e1-7d2c9b4f6a18", "x", 401, "Application not registered with AAD.", nil, false},
		{"admin, wrong password", host, "myreg", "nope", 401, msgAuthRequired, nil, false},
		{"admin disabled", "disabled.azurecr.io", "disabled", "pw", 401, msgAuthRequired, nil, false},
		{"service principal, wrong secret", host, spPull, "nope", 401, "Invalid clientid or client secret.", nil, false},
		{"service principal, expired secret", host, spOld, spSecret, 401, "Invalid clientid or client secret.", nil, false},
		{"scoped token, wrong password", host, "ci", "nope", 401, msgAuthRequired, nil, false},
		{"scoped token, disabled", host, "off", "off-password", 401, msgAuthRequired, nil, false},
		{"scoped token, expired", host, "gone", "gone-password", 401, msgAuthRequired, nil, false},
		{"refresh token, expired", host, acremu.NullGUID, s.RefreshToken(host, alice, now.Add(-4*time.Hour)), 401, msgAuthRequired, nil, false},
		{"refresh token, not yet valid", host, acremu.NullGUID, s.RefreshToken(host, alice, now.Add(time.Hour)), 401, msgAuthRequired, nil, false},
		{"refresh token, other registry", host, acremu.NullGUID, s.RefreshToken("other.azurecr.io", alice, now), 401, msgAuthRequired, nil, false},
		{"refresh token, other key", host, acremu.NullGUID, other.Sign(tokentest.ACRRefresh(host, alice, tenant, now, "read")), 401, msgAuthRequired, nil, false},
		{"refresh token, unknown user", host, acremu.NullGUID, s.RefreshToken(host, "mallory@contoso.com", now), 401, msgAuthRequired, nil, false},
		{"access token as password", host, acremu.NullGUID, tokentest.Default().Sign(tokentest.ACRAccess(host, alice, tenant, now)), 401, msgAuthRequired, nil, false},
		{"not a token", host, acremu.NullGUID, "not-a-jwt", 401, msgAuthRequired, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, s, tokenURL(tt.host, tt.user, scope), tt.user, tt.pass)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				code, msg := errorMessage(t, body)
				if code != "UNAUTHORIZED" || msg != tt.message {
					t.Errorf("error %s %q, want UNAUTHORIZED %q", code, msg, tt.message)
				}
				// Docker prints a JSON body's message and a non-JSON body
				// whole: what users see for each (Azure/azure-cli#29659).
				wantType := "application/json; charset=utf-8"
				if tt.message == msgAuthRequired {
					wantType = "text/plain; charset=utf-8"
				}
				if ct := resp.Header.Get("Content-Type"); ct != wantType {
					t.Errorf("Content-Type %q, want %q", ct, wantType)
				}
				return
			}
			tr := decodeTokens(t, body)
			if tr.Token != "" {
				t.Error(`ACR answers "access_token" only, not "token"`)
			}
			if (tr.RefreshToken != "") != tt.refresh {
				t.Errorf("refresh_token given: %v, want %v", tr.RefreshToken != "", tt.refresh)
			}
			want := []token.Access{}
			if tt.actions != nil {
				want = []token.Access{{Type: "repository", Name: "hello-world", Actions: tt.actions}}
			}
			if got := granted(t, tr.AccessToken); !reflect.DeepEqual(got, want) {
				t.Errorf("granted %+v, want %+v", got, want)
			}
		})
	}
}

// TestAccessTokenClaims pins the shape of what the token endpoint issues.
func TestAccessTokenClaims(t *testing.T) {
	s := start(t, registry())
	_, body := get(t, s, tokenURL(host, acremu.NullGUID, "repository:hello-world:pull"), acremu.NullGUID, s.RefreshToken(host, alice, time.Now()))
	tr := decodeTokens(t, body)
	at, err := token.Decode(tr.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	c := at.Claims
	if at.Header.Algorithm != "RS256" || at.Header.KeyID != tokentest.Default().KeyID() ||
		c.Issuer != "Azure Container Registry" || !c.HasAudience(host) || c.GrantType != "access_token" ||
		c.Subject != alice || c.Tenant != tenant || at.Lifetime() != 4500*time.Second || time.Since(c.IssuedAt).Abs() > time.Minute {
		t.Errorf("access token %+v %+v", at.Header, c)
	}
	rt, err := token.Decode(tr.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c = rt.Claims
	if rt.Kind != token.RefreshToken || rt.Lifetime() != 11700*time.Second || !c.NotBefore.Equal(c.IssuedAt) ||
		c.Permissions == nil || !slices.Equal(c.Permissions.Actions, []string{"read", "write"}) || c.Subject != alice {
		t.Errorf("refresh token %+v %+v", c, c.Permissions)
	}
}

// TestGrants: the access claim lists only what was both asked for and
// allowed, per scope, and a scope with nothing allowed is left out.
func TestGrants(t *testing.T) {
	s := start(t, registry())
	admin := [2]string{"myreg", adminPW}
	sp := [2]string{spPull, spSecret}
	ci := [2]string{"ci", "ci-password"}
	repo := func(name string, actions ...string) token.Access {
		return token.Access{Type: "repository", Name: name, Actions: actions}
	}
	tests := []struct {
		name   string
		cred   [2]string
		scopes []string
		want   []token.Access
	}{
		{"no scope", admin, nil, []token.Access{}},
		{"admin, everything asked", admin, []string{"repository:samples/nginx:pull,push,delete"}, []token.Access{repo("samples/nginx", "pull", "push", "delete")}},
		{"admin, wildcard", admin, []string{"repository:hello-world:*"}, []token.Access{repo("hello-world", "*")}},
		{"admin, catalog", admin, []string{"registry:catalog:*"}, []token.Access{{Type: "registry", Name: "catalog", Actions: []string{"*"}}}},
		{"pull only, push asked", sp, []string{"repository:hello-world:pull,push"}, []token.Access{repo("hello-world", "pull")}},
		{"pull only, push alone asked", sp, []string{"repository:hello-world:push"}, []token.Access{}},
		{"pull only, catalog", sp, []string{"registry:catalog:*"}, []token.Access{}},
		{"pull only, metadata", sp, []string{"repository:hello-world:metadata_read"}, []token.Access{repo("hello-world", "metadata_read")}},
		{"scope map, exact repository", ci, []string{"repository:hello-world:pull,push,metadata_read"}, []token.Access{repo("hello-world", "pull", "metadata_read")}},
		{"scope map, wildcard", ci, []string{"repository:samples/nginx:pull,push,delete"}, []token.Access{repo("samples/nginx", "pull", "push")}},
		{"scope map, deeper under the wildcard", ci, []string{"repository:samples/a/b:push"}, []token.Access{repo("samples/a/b", "push")}},
		{"scope map, not covered", ci, []string{"repository:other:pull"}, []token.Access{}},
		{"scope map, catalog", ci, []string{"registry:catalog:*"}, []token.Access{}},
		{"several scopes", ci, []string{"repository:other:pull", "repository:hello-world:pull", "repository:samples/x:pull,push"},
			[]token.Access{repo("hello-world", "pull"), repo("samples/x", "pull", "push")}},
		{"space-separated scopes", ci, []string{"repository:hello-world:pull repository:samples/x:push"},
			[]token.Access{repo("hello-world", "pull"), repo("samples/x", "push")}},
		{"malformed scope", admin, []string{"hello-world"}, []token.Access{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, s, tokenURL(host, tt.cred[0], tt.scopes...), tt.cred[0], tt.cred[1])
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := granted(t, decodeTokens(t, body).AccessToken); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("granted %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestTokenPOST: the OAuth2 form Docker sends once it holds an identity
// token, the password grant, and the anonymous one.
func TestTokenPOST(t *testing.T) {
	reg := registry()
	reg.AnonymousPull = true
	s := start(t, reg)
	rt := s.RefreshToken(host, alice, time.Now())
	form := func(kv ...string) url.Values {
		v := url.Values{"service": {host}, "scope": {"repository:hello-world:pull,push"}, "client_id": {"docker"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		form    url.Values
		status  int
		actions []string
		refresh string // "": none, "echo": the one sent, "new": another
	}{
		{"refresh grant", form("grant_type", "refresh_token", "refresh_token", rt), 200, []string{"pull", "push"}, ""},
		{"refresh grant, offline", form("grant_type", "refresh_token", "refresh_token", rt, "access_type", "offline"), 200, []string{"pull", "push"}, "echo"},
		{"refresh grant, empty scope", form("grant_type", "refresh_token", "refresh_token", rt, "scope", ""), 200, nil, ""},
		{"refresh grant, expired", form("grant_type", "refresh_token", "refresh_token", s.RefreshToken(host, alice, time.Now().Add(-4*time.Hour))), 401, nil, ""},
		{"refresh grant, wrong service", form("grant_type", "refresh_token", "refresh_token", rt, "service", "other.azurecr.io"), 401, nil, ""},
		{"password grant, admin", form("grant_type", "password", "username", "myreg", "password", adminPW), 200, []string{"pull", "push"}, ""},
		{"password grant, admin, offline", form("grant_type", "password", "username", "myreg", "password", adminPW, "access_type", "offline"), 200, []string{"pull", "push"}, ""},
		{"password grant, refresh token, offline", form("grant_type", "password", "username", acremu.NullGUID, "password", rt, "access_type", "offline"), 200, []string{"pull", "push"}, "new"},
		{"password grant, wrong password", form("grant_type", "password", "username", "myreg", "password", "nope"), 401, nil, ""},
		{"anonymous, pull", form("grant_type", "password", "refresh_token", "", "scope", "repository:hello-world:pull"), 200, []string{"pull"}, ""},
		{"anonymous, push", form("grant_type", "password", "refresh_token", ""), 401, nil, ""},
		{"unknown grant", form("grant_type", "client_credentials"), 400, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, s, "https://"+host+"/oauth2/token", tt.form)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			tr := decodeTokens(t, body)
			switch {
			case tt.refresh == "" && tr.RefreshToken != "",
				tt.refresh == "echo" && tr.RefreshToken != rt,
				tt.refresh == "new" && (tr.RefreshToken == "" || tr.RefreshToken == rt):
				t.Errorf("refresh_token %.20q, want %s", tr.RefreshToken, tt.refresh)
			}
			want := []token.Access{}
			if tt.actions != nil {
				want = []token.Access{{Type: "repository", Name: "hello-world", Actions: tt.actions}}
			}
			if got := granted(t, tr.AccessToken); !reflect.DeepEqual(got, want) {
				t.Errorf("granted %+v, want %+v", got, want)
			}
		})
	}
}

// TestBasicLoginReturnsRefreshToken: with the option, an admin login asking
// for offline access gets a refresh token that works as one.
func TestBasicLoginReturnsRefreshToken(t *testing.T) {
	reg := registry()
	reg.BasicLoginReturnsRefreshToken = true
	s := start(t, reg)
	_, body := get(t, s, tokenURL(host, "myreg"), "myreg", adminPW)
	rt := decodeTokens(t, body).RefreshToken
	if rt == "" {
		t.Fatal("no refresh_token")
	}
	resp, body := post(t, s, "https://"+host+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "service": {host}, "scope": {"repository:x:delete"}, "refresh_token": {rt},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if got := granted(t, decodeTokens(t, body).AccessToken); !reflect.DeepEqual(got, []token.Access{{Type: "repository", Name: "x", Actions: []string{"delete"}}}) {
		t.Errorf("granted %+v", got)
	}
}

// TestAnonymous: anonymous pull on and off, through GET without
// credentials.
func TestAnonymous(t *testing.T) {
	on := registry()
	on.Host, on.AnonymousPull = "public.azurecr.io", true
	s := start(t, registry(), on)
	tests := []struct {
		host   string
		scope  string
		status int
	}{
		{"public.azurecr.io", "repository:hello-world:pull", 200},
		{"public.azurecr.io", "repository:hello-world:pull,push", 401},
		{"public.azurecr.io", "registry:catalog:*", 401},
		{host, "repository:hello-world:pull", 401},
	}
	for _, tt := range tests {
		resp, body := get(t, s, "https://"+tt.host+"/oauth2/token?service="+tt.host+"&scope="+url.QueryEscape(tt.scope), "", "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.host, tt.scope, resp.StatusCode, tt.status)
			continue
		}
		if tt.status == 401 {
			if code, msg := errorMessage(t, body); code != "UNAUTHORIZED" || msg != msgAuthRequired {
				t.Errorf("%s %s: %s %q", tt.host, tt.scope, code, msg)
			}
			continue
		}
		if got := granted(t, decodeTokens(t, body).AccessToken); !reflect.DeepEqual(got, []token.Access{{Type: "repository", Name: "hello-world", Actions: []string{"pull"}}}) {
			t.Errorf("granted %+v", got)
		}
	}
}

// TestExchange: an AAD token for a known user becomes a refresh token that
// works at /oauth2/token; the registry's faults bend its times.
func TestExchange(t *testing.T) {
	s := start(t, registry())
	now := time.Now()
	exchange := func(aad string, kv ...string) (*http.Response, []byte) {
		f := url.Values{"grant_type": {"access_token"}, "service": {host}, "tenant": {tenant}, "access_token": {aad}}
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return post(t, s, "https://"+host+"/oauth2/exchange", f)
	}
	resp, body := exchange(s.AADToken(tenant, alice, now))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var m map[string]string
	json.Unmarshal(body, &m)
	if len(m) != 1 || m["refresh_token"] == "" {
		t.Fatalf("body keys %v, want refresh_token alone", slices.Collect(func(yield func(string) bool) {
			for k := range m {
				yield(k)
			}
		}))
	}
	rt, err := token.Decode(m["refresh_token"])
	if err != nil {
		t.Fatal(err)
	}
	if rt.Kind != token.RefreshToken || rt.Claims.Subject != alice || rt.Expired(now) || rt.NotYetValid(now.Add(time.Second)) {
		t.Errorf("refresh token %+v", rt.Claims)
	}
	resp, body = post(t, s, "https://"+host+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "service": {host}, "scope": {"repository:hello-world:push"}, "refresh_token": {m["refresh_token"]},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("using the exchanged token: %d %s", resp.StatusCode, body)
	}

	for name, tt := range map[string]struct {
		aad    string
		kv     []string
		status int
	}{
		"unknown user":     {s.AADToken(tenant, "mallory@contoso.com", now), nil, 401},
		"other tenant":     {s.AADToken("f8cdef31-a31e-4b4a-93e4-5f571e91255a", alice, now), []string{"tenant", ""}, 401},
		"tenant mismatch":  {s.AADToken(tenant, alice, now), []string{"tenant", "f8cdef31-a31e-4b4a-93e4-5f571e91255a"}, 401},
		"expired":          {s.AADToken(tenant, alice, now.Add(-2*time.Hour)), nil, 401},
		"wrong service":    {s.AADToken(tenant, alice, now), []string{"service", "other.azurecr.io"}, 401},
		"no access token":  {"", nil, 400},
		"deprecated grant": {s.AADToken(tenant, alice, now), []string{"grant_type", "refresh_token"}, 400},
	} {
		if resp, body := exchange(tt.aad, tt.kv...); resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d: %s", name, resp.StatusCode, tt.status, body)
		}
	}

	for _, f := range []acremu.Fault{acremu.ExpiredTokens, acremu.NotYetValidTokens} {
		s.SetFaults(host, f)
		_, body := exchange(s.AADToken(tenant, alice, now))
		json.Unmarshal(body, &m)
		rt, err := token.Decode(m["refresh_token"])
		if err != nil {
			t.Fatal(err)
		}
		if f == acremu.ExpiredTokens && !rt.Expired(now) || f == acremu.NotYetValidTokens && !rt.NotYetValid(now) {
			t.Errorf("%s: issued %v–%v", f, rt.Claims.NotBefore, rt.Claims.ExpiresAt)
		}
		// The registry itself refuses what it issued.
		resp, _ := get(t, s, tokenURL(host, acremu.NullGUID), acremu.NullGUID, m["refresh_token"])
		if resp.StatusCode != 401 {
			t.Errorf("%s: its own token accepted", f)
		}
	}
}

// TestClockOffset: the registry's clock drives its Date header and its
// verdict on token times.
func TestClockOffset(t *testing.T) {
	reg := registry()
	reg.ClockOffset = 3 * time.Hour
	s := start(t, reg)
	resp, _ := get(t, s, "https://"+host+"/v2/", "", "")
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil || (time.Until(date)-3*time.Hour).Abs() > time.Minute {
		t.Errorf("Date %v, want 3h ahead (%v)", date, err)
	}
	// Issued 30 minutes ago by the local clock: 3h30m old by the registry's.
	resp, _ = get(t, s, tokenURL(host, acremu.NullGUID), acremu.NullGUID, s.RefreshToken(host, alice, time.Now().Add(-30*time.Minute)))
	if resp.StatusCode != 401 {
		t.Errorf("a token expired by the registry's clock: %d", resp.StatusCode)
	}
	// Issued 2h50m in the local future: fine for the registry.
	resp, _ = get(t, s, tokenURL(host, acremu.NullGUID), acremu.NullGUID, s.RefreshToken(host, alice, time.Now().Add(2*time.Hour+50*time.Minute)))
	if resp.StatusCode != 200 {
		t.Errorf("a token valid by the registry's clock: %d", resp.StatusCode)
	}
	_, body := get(t, s, tokenURL(host, "myreg"), "myreg", adminPW)
	at, _ := token.Decode(decodeTokens(t, body).AccessToken)
	if (time.Until(at.Claims.IssuedAt) - 3*time.Hour).Abs() > time.Minute {
		t.Errorf("access token issued at %v, want the registry's now", at.Claims.IssuedAt)
	}
}

// TestRepository: manifests, the config blob and tags, behind a pull grant.
func TestRepository(t *testing.T) {
	s := start(t, registry())
	bearer := func(user, pass, scope string) string {
		_, body := get(t, s, tokenURL(host, user, scope), user, pass)
		return "Bearer " + decodeTokens(t, body).AccessToken
	}
	pull := bearer(spPull, spSecret, "repository:hello-world:pull")
	none := bearer(spNone, spSecret, "repository:hello-world:pull")
	send := func(method, path, auth string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, "https://"+host+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return do(t, s, req)
	}

	resp, body := send("GET", "/v2/hello-world/manifests/latest", pull)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.docker.distribution.manifest.v2+json" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256(body))
	if resp.Header.Get("Docker-Content-Digest") != digest {
		t.Errorf("digest %s, body hashes to %s", resp.Header.Get("Docker-Content-Digest"), digest)
	}
	var m struct {
		SchemaVersion int
		Config        struct{ Digest string }
	}
	if err := json.Unmarshal(body, &m); err != nil || m.SchemaVersion != 2 {
		t.Fatalf("manifest %s: %v", body, err)
	}
	resp, blob := send("GET", "/v2/hello-world/blobs/"+m.Config.Digest, pull)
	if resp.StatusCode != 200 || fmt.Sprintf("sha256:%x", sha256.Sum256(blob)) != m.Config.Digest {
		t.Errorf("config blob: %d, digest mismatch", resp.StatusCode)
	}
	if resp, body := send("HEAD", "/v2/hello-world/manifests/"+digest, pull); resp.StatusCode != 200 || len(body) != 0 ||
		resp.Header.Get("Docker-Content-Digest") != digest {
		t.Errorf("HEAD by digest: %d", resp.StatusCode)
	}
	if _, body := send("GET", "/v2/hello-world/tags/list", pull); string(body) != `{"name":"hello-world","tags":["latest","v1"]}` {
		t.Errorf("tags %s", body)
	}

	tests := []struct {
		path, auth string
		status     int
		code       string
		challenge  string
	}{
		{"/v2/hello-world/manifests/nope", pull, 404, "MANIFEST_UNKNOWN", ""},
		{"/v2/hello-world/blobs/sha256:0000", pull, 404, "BLOB_UNKNOWN", ""},
		{"/v2/samples/nginx/manifests/1.27", pull, 401, "UNAUTHORIZED",
			`Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="repository:samples/nginx:pull"`},
		{"/v2/hello-world/manifests/latest", "", 401, "UNAUTHORIZED",
			`Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="repository:hello-world:pull"`},
		{"/v2/hello-world/manifests/latest", none, 401, "UNAUTHORIZED", ""},
		{"/v2/hello-world/manifests/latest", "Basic " + base64.StdEncoding.EncodeToString([]byte(spPull+":"+spSecret)), 200, "", ""},
		{"/v2/hello-world/manifests/latest", "Basic " + base64.StdEncoding.EncodeToString([]byte(spNone+":"+spSecret)), 401, "UNAUTHORIZED", `Basic realm="Azure Container Registry"`},
		{"/v2/_catalog", bearer("myreg", adminPW, "registry:catalog:*"), 200, "", ""},
		{"/v2/_catalog", bearer(spPull, spSecret, "registry:catalog:*"), 401, "UNAUTHORIZED", ""},
	}
	for _, tt := range tests {
		resp, body := send("GET", tt.path, tt.auth)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.challenge != "" && resp.Header.Get("WWW-Authenticate") != tt.challenge {
			t.Errorf("%s: challenge %q", tt.path, resp.Header.Get("WWW-Authenticate"))
		}
		if tt.code != "" {
			if code, _ := errorMessage(t, body); code != tt.code {
				t.Errorf("%s: code %s, want %s", tt.path, code, tt.code)
			}
		}
	}
	// Unknown repositories are 404 only to those who may pull them.
	admin := bearer("myreg", adminPW, "repository:nope:pull")
	if resp, body := send("GET", "/v2/nope/manifests/latest", admin); resp.StatusCode != 404 || !strings.Contains(string(body), "NAME_UNKNOWN") {
		t.Errorf("unknown repository: %d %s", resp.StatusCode, body)
	}
	// The 401 names what was missing, with ACR's capitalised detail keys.
	_, body = send("GET", "/v2/hello-world/manifests/latest", "")
	if want := `{"errors":[{"code":"UNAUTHORIZED","message":"` + msgAuthRequired + `","detail":[{"Type":"repository","Name":"hello-world","Action":"pull"}]}]}`; string(body) != want {
		t.Errorf("body %s", body)
	}
}

// TestRequests: every request is recorded with what a test needs to tell
// where credentials went, and no secret.
func TestRequests(t *testing.T) {
	s := start(t, registry())
	rt := s.RefreshToken(host, alice, time.Now())
	get(t, s, "https://"+host+"/v2/", "", "")
	get(t, s, tokenURL(host, "myreg", "repository:hello-world:pull"), "myreg", adminPW)
	post(t, s, "https://"+host+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "service": {host}, "refresh_token": {rt}, "scope": {""}, "client_id": {"docker"},
	})
	get(t, s, "https://"+host+"/oauth2/token?service="+host+"&password=leaked&refresh_token="+rt, "", "")
	aad := s.AADToken(tenant, alice, time.Now())
	post(t, s, "https://"+host+"/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {host}, "access_token": {aad}})

	reqs := s.Requests(host)
	want := []acremu.Request{
		{Host: host, Method: "GET", Path: "/v2/", Status: 401},
		{Host: host, Method: "GET", Path: "/oauth2/token", Auth: "Basic", Username: "myreg", Status: 200, Query: url.Values{
			"account": {"myreg"}, "client_id": {"docker"}, "offline_token": {"true"}, "scope": {"repository:hello-world:pull"}, "service": {host}}},
		{Host: host, Method: "POST", Path: "/oauth2/token", Status: 200, Form: []string{"client_id", "grant_type", "refresh_token", "scope", "service"}},
		{Host: host, Method: "GET", Path: "/oauth2/token", Status: 401, Query: url.Values{
			"password": {"<redacted>"}, "refresh_token": {"<redacted>"}, "service": {host}}},
		{Host: host, Method: "POST", Path: "/oauth2/exchange", Status: 200, Form: []string{"access_token", "grant_type", "service"}},
	}
	for i := range reqs {
		reqs[i].UserAgent = ""
	}
	if !reflect.DeepEqual(reqs, want) {
		t.Errorf("recorded\n%+v\nwant\n%+v", reqs, want)
	}
	all, _ := json.Marshal(s.Requests(host))
	for _, secret := range []string{adminPW, rt, aad, "leaked"} {
		if strings.Contains(string(all), secret) {
			t.Errorf("a secret was recorded: %.12s…", secret)
		}
	}
	s.ResetRequests(host)
	if len(s.Requests(host)) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

func TestStartErrors(t *testing.T) {
	for _, regs := range [][]acremu.Registry{
		{{Host: ""}},
		{{Host: "https://myreg.azurecr.io"}},
		{{Host: "a.azurecr.io"}, {Host: "A.azurecr.io"}},
		{{Host: acremu.OtherRealmHost}},
	} {
		if s, err := acremu.Start(regs...); err == nil {
			s.Close()
			t.Errorf("Start(%v) succeeded", regs)
		}
	}
}
