package token_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const (
	host   = "myreg.azurecr.io"
	tenant = "5818bd20-1d24-4a4e-9e43-3a1e5e0b2f71"
	upn    = "alice@contoso.com"
	jti    = "0a14ceb8-7b1c-4c36-9f87-3f0d5b1a2e44"
	oid    = "6f1c1e5a-3c1d-4b5e-8f7a-2d9c0b4e1a33"
	aadSub = "q1McPs-SOUUdeeO6AeUcFgIh_929QLN6wNuHBGHnZ7g" // pairwise, per app
)

// iat is when every fixture token was issued.
var iat = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// fix replaces the random ids tokentest puts in claims, so expectations
// can name them.
func fix(m map[string]any) map[string]any {
	if _, ok := m["jti"]; ok {
		m["jti"] = jti
	}
	if _, ok := m["oid"]; ok {
		m["oid"] = oid
	}
	if _, ok := m["tid"]; ok {
		m["sub"] = aadSub
	}
	return m
}

// raw builds a token from literal header and payload JSON and a fake
// signature, for shapes tokentest would not mint.
func raw(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + enc([]byte("not a real signature"))
}

// unsecured is raw without a signature, as for alg "none".
func unsecured(header, payload string) string {
	r := raw(header, payload)
	return r[:strings.LastIndexByte(r, '.')+1]
}

// at is one instant a fixture is judged at.
type at struct {
	t           time.Time
	expired     bool
	notYetValid bool
}

func TestDecode(t *testing.T) {
	s := tokentest.Default()
	// The 2017 protocol's refresh token carried the AAD refresh token.
	const aadRefresh = "AQABAAAAAAD--DLA3VO7QrddgJg7WevrAgAAAAAAAPTHISISASECRETaadrefreshTOKENvalue"
	exp := iat.Add(11700 * time.Second)

	refreshLower := fix(tokentest.ACRRefresh(host, "live.com#alice@outlook.com", tenant, iat))
	delete(refreshLower, "rid")
	delete(refreshLower, "appid")
	refreshLower["permissions"] = map[string]any{"actions": []string{"read", "write"}, "notActions": []string{"delete"}}

	refresh2017 := fix(tokentest.ACRRefresh(host, upn, tenant, iat, "*"))
	refresh2017["grant_type"] = "access_token_refresh_token"
	refresh2017["exp"] = iat.Unix() + 2089
	refresh2017["credential"] = aadRefresh

	aadV1 := fix(tokentest.AAD(tenant, upn, iat))
	aadV1["unique_name"] = "live.com#" + upn // upn wins

	aadV2 := fix(tokentest.AAD(tenant, upn, iat))
	aadV2["iss"] = "https://login.microsoftonline.com/" + tenant + "/v2.0"
	aadV2["aud"] = tokentest.AzureCLIAppID
	aadV2["azp"] = tokentest.AzureCLIAppID
	aadV2["preferred_username"] = upn
	aadV2["ver"] = "2.0"
	for _, k := range []string{"appid", "upn", "unique_name", "scp"} {
		delete(aadV2, k)
	}

	aadChina := fix(tokentest.AAD(tenant, upn, iat))
	aadChina["iss"] = "https://sts.chinacloudapi.cn/" + tenant + "/"
	aadChina["aud"] = "https://management.core.chinacloudapi.cn/"
	delete(aadChina, "upn")

	aadGov := fix(tokentest.AAD(tenant, upn, iat))
	aadGov["iss"] = "https://login.microsoftonline.us/" + tenant + "/v2.0"
	delete(aadGov, "oid") // the issuer alone tells

	tidOid := map[string]any{"iss": "https://contoso.ciamlogin.com/" + tenant + "/v2.0", "tid": tenant, "oid": oid, "email": upn}

	// A Docker Hub token has an `access` claim too; it is not ACR's.
	hub := map[string]any{
		"iss": "auth.docker.io", "sub": "alice", "aud": "registry.docker.io", "jti": jti,
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": iat.Unix() + 300,
		"access": []any{map[string]any{"type": "repository", "name": "library/alpine", "actions": []string{"pull"}}},
	}

	audArray := fix(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	audArray["aud"] = []string{host, "other.azurecr.io"}

	floatExp := fix(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	floatExp["exp"] = float64(iat.Unix()) + 11700.5

	noExp := fix(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	delete(noExp, "exp")

	anonymous := fix(tokentest.ACRAccess(host, "", tenant, iat,
		token.Access{Type: "repository", Name: "public/hello", Actions: []string{"pull"}}))
	anonymous["grant_type"] = "password"
	delete(anonymous, "sub")

	noGrant := fix(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	delete(noGrant, "grant_type")

	refreshWant := token.Claims{
		Issuer: "Azure Container Registry", Subject: upn, JWTID: jti, Audience: []string{host},
		Tenant: tenant, GrantType: "refresh_token", Version: "1.0", AppID: tokentest.AzureCLIAppID,
		Roles:       []string{},
		Permissions: &token.Permissions{Actions: []string{"read"}},
		IssuedAt:    iat, NotBefore: iat, ExpiresAt: exp,
	}
	with := func(c token.Claims, f func(*token.Claims)) token.Claims { f(&c); return c }

	tests := []struct {
		name     string
		token    string
		kind     token.Kind
		want     token.Claims
		lifetime time.Duration
		at       []at
		secret   string // a claim value that must not survive into Payload
	}{
		{
			name:  "refresh token, Actions/NotActions:null (2022-)",
			token: s.Sign(fix(tokentest.ACRRefresh(host, upn, tenant, iat, "read", "write", "delete", "deleted/read", "deleted/restore/action"))),
			kind:  token.RefreshToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.Permissions = &token.Permissions{Actions: []string{"read", "write", "delete", "deleted/read", "deleted/restore/action"}}
			}),
			lifetime: 11700 * time.Second,
			at: []at{
				{t: iat.Add(-time.Second), notYetValid: true},
				{t: iat},
				{t: exp.Add(-time.Second)},
				{t: exp, expired: true},
				{t: exp.Add(time.Hour), expired: true},
			},
		},
		{
			name:  "refresh token, actions/notActions, no rid or appid (2020)",
			token: s.Sign(refreshLower),
			kind:  token.RefreshToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.Subject = "live.com#alice@outlook.com"
				c.AppID = ""
				c.Permissions = &token.Permissions{Actions: []string{"read", "write"}, NotActions: []string{"delete"}}
			}),
			lifetime: 11700 * time.Second,
		},
		{
			name:  "refresh token, access_token_refresh_token with credential (2017)",
			token: s.Sign(refresh2017),
			kind:  token.RefreshToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.GrantType = "access_token_refresh_token"
				c.Permissions = &token.Permissions{Actions: []string{"*"}}
				c.ExpiresAt = iat.Add(2089 * time.Second)
			}),
			lifetime: 2089 * time.Second,
			at:       []at{{t: iat.Add(35 * time.Minute), expired: true}},
			secret:   aadRefresh,
		},
		{
			name:  "refresh token without grant_type",
			token: s.Sign(noGrant),
			kind:  token.RefreshToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.GrantType = ""
			}),
			lifetime: 11700 * time.Second,
		},
		{
			name: "access token",
			token: s.Sign(fix(tokentest.ACRAccess(host, upn, tenant, iat,
				token.Access{Type: "repository", Name: "hello-world", Actions: []string{"pull", "push"}},
				token.Access{Type: "registry", Name: "catalog", Actions: []string{"*"}}))),
			kind: token.AccessToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.GrantType = "access_token"
				c.Permissions = nil
				c.Access = []token.Access{
					{Type: "repository", Name: "hello-world", Actions: []string{"pull", "push"}},
					{Type: "registry", Name: "catalog", Actions: []string{"*"}},
				}
				c.ExpiresAt = iat.Add(4500 * time.Second)
			}),
			lifetime: 75 * time.Minute,
			at: []at{
				{t: iat.Add(74 * time.Minute)},
				{t: iat.Add(75 * time.Minute), expired: true},
			},
		},
		{
			name:  "access token granting nothing",
			token: s.Sign(fix(tokentest.ACRAccess(host, upn, tenant, iat))),
			kind:  token.AccessToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.GrantType = "access_token"
				c.Permissions = nil
				c.Access = []token.Access{} // present and empty, not absent
				c.ExpiresAt = iat.Add(4500 * time.Second)
			}),
			lifetime: 75 * time.Minute,
		},
		{
			name:  "anonymous access token, grant_type password",
			token: s.Sign(anonymous),
			kind:  token.AccessToken,
			want: with(refreshWant, func(c *token.Claims) {
				c.Subject = ""
				c.GrantType = "password"
				c.Permissions = nil
				c.Access = []token.Access{{Type: "repository", Name: "public/hello", Actions: []string{"pull"}}}
				c.ExpiresAt = iat.Add(4500 * time.Second)
			}),
			lifetime: 75 * time.Minute,
		},
		{
			name:  "AAD v1 for ARM",
			token: s.Sign(aadV1),
			kind:  token.AADToken,
			want: token.Claims{
				Issuer: "https://sts.windows.net/" + tenant + "/", Subject: aadSub, Audience: []string{"https://management.core.windows.net/"},
				Tenant: tenant, Version: "1.0", AppID: tokentest.AzureCLIAppID, ObjectID: oid, Name: upn,
				Scope: "user_impersonation", IssuedAt: iat, NotBefore: iat, ExpiresAt: iat.Add(65 * time.Minute),
			},
			lifetime: 65 * time.Minute,
			at: []at{
				{t: iat.Add(64 * time.Minute)},
				{t: iat.Add(65 * time.Minute), expired: true},
			},
		},
		{
			name:  "AAD v2: azp, preferred_username",
			token: s.Sign(aadV2),
			kind:  token.AADToken,
			want: token.Claims{
				Issuer: "https://login.microsoftonline.com/" + tenant + "/v2.0", Subject: aadSub, Audience: []string{tokentest.AzureCLIAppID},
				Tenant: tenant, Version: "2.0", AppID: tokentest.AzureCLIAppID, ObjectID: oid, Name: upn,
				IssuedAt: iat, NotBefore: iat, ExpiresAt: iat.Add(65 * time.Minute),
			},
			lifetime: 65 * time.Minute,
		},
		{
			name:  "AAD China, unique_name",
			token: s.Sign(aadChina),
			kind:  token.AADToken,
			want: token.Claims{
				Issuer: "https://sts.chinacloudapi.cn/" + tenant + "/", Subject: aadSub, Audience: []string{"https://management.core.chinacloudapi.cn/"},
				Tenant: tenant, Version: "1.0", AppID: tokentest.AzureCLIAppID, ObjectID: oid, Name: upn,
				Scope: "user_impersonation", IssuedAt: iat, NotBefore: iat, ExpiresAt: iat.Add(65 * time.Minute),
			},
			lifetime: 65 * time.Minute,
		},
		{
			name:  "AAD US Government, no oid",
			token: s.Sign(aadGov),
			kind:  token.AADToken,
			want: token.Claims{
				Issuer: "https://login.microsoftonline.us/" + tenant + "/v2.0", Subject: aadSub, Audience: []string{"https://management.core.windows.net/"},
				Tenant: tenant, Version: "1.0", AppID: tokentest.AzureCLIAppID, Name: upn,
				Scope: "user_impersonation", IssuedAt: iat, NotBefore: iat, ExpiresAt: iat.Add(65 * time.Minute),
			},
			lifetime: 65 * time.Minute,
		},
		{
			name:  "Entra tid and oid, unlisted issuer, email",
			token: s.Sign(tidOid),
			kind:  token.AADToken,
			want: token.Claims{
				Issuer: "https://contoso.ciamlogin.com/" + tenant + "/v2.0", Tenant: tenant, ObjectID: oid, Name: upn,
			},
			at: []at{{t: iat.Add(1000 * time.Hour)}}, // no exp: never expired
		},
		{
			name:  "Docker Hub token with an access claim",
			token: s.Sign(hub),
			kind:  token.OtherJWT,
			want: token.Claims{
				Issuer: "auth.docker.io", Subject: "alice", JWTID: jti, Audience: []string{"registry.docker.io"},
				Access:   []token.Access{{Type: "repository", Name: "library/alpine", Actions: []string{"pull"}}},
				IssuedAt: iat, NotBefore: iat, ExpiresAt: iat.Add(5 * time.Minute),
			},
			lifetime: 5 * time.Minute,
		},
		{
			name:     "aud as an array",
			token:    s.Sign(audArray),
			kind:     token.RefreshToken,
			want:     with(refreshWant, func(c *token.Claims) { c.Audience = []string{host, "other.azurecr.io"} }),
			lifetime: 11700 * time.Second,
		},
		{
			name:     "fractional exp",
			token:    s.Sign(floatExp),
			kind:     token.RefreshToken,
			want:     with(refreshWant, func(c *token.Claims) { c.ExpiresAt = exp.Add(500 * time.Millisecond) }),
			lifetime: 11700*time.Second + 500*time.Millisecond,
			at: []at{
				{t: exp},
				{t: exp.Add(499 * time.Millisecond)},
				{t: exp.Add(500 * time.Millisecond), expired: true},
			},
		},
		{
			name:     "no exp",
			token:    s.Sign(noExp),
			kind:     token.RefreshToken,
			want:     with(refreshWant, func(c *token.Claims) { c.ExpiresAt = time.Time{} }),
			lifetime: 0,
			at:       []at{{t: iat.Add(100 * 365 * 24 * time.Hour)}},
		},
		{
			name:  "unsecured (alg none, no signature), unknown claims ignored",
			token: unsecured(`{"alg":"none"}`, `{"iss":"Azure Container Registry","grant_type":"refresh_token","roles":"one","scp":5,"upn":["x"]}`),
			kind:  token.RefreshToken,
			want:  token.Claims{Issuer: "Azure Container Registry", GrantType: "refresh_token", Roles: []string{"one"}},
		},
		{
			name:  "empty claim set",
			token: raw(`{"alg":"RS256"}`, `{}`),
			kind:  token.OtherJWT,
		},
		{
			name:  "empty claim set in white space",
			token: raw(`{"alg":"RS256"}`, "\r\n {\n}\n"),
			kind:  token.OtherJWT,
		},
		{
			// NumericDates at the ends of what Decode reads: the first
			// second after the zero time, which means "absent", and the
			// last second of year 9999.
			name:     "dates at the ends of the range",
			token:    raw(`{"alg":"RS256"}`, `{"iat":-62135596799,"nbf":-62135596799,"exp":253402300799}`),
			kind:     token.OtherJWT,
			want:     token.Claims{IssuedAt: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), NotBefore: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), ExpiresAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
			lifetime: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Sub(time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)),
			at: []at{
				{t: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), notYetValid: true},
				{t: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), expired: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := token.Decode(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", tok.Kind, tt.kind)
			}
			if !reflect.DeepEqual(tok.Claims, tt.want) {
				t.Errorf("Claims =\n%+v\nwant\n%+v", tok.Claims, tt.want)
			}
			if got := tok.Lifetime(); got != tt.lifetime {
				t.Errorf("Lifetime() = %v, want %v", got, tt.lifetime)
			}
			for _, a := range tt.at {
				if got := tok.Expired(a.t); got != a.expired {
					t.Errorf("Expired(%v) = %v, want %v", a.t, got, a.expired)
				}
				if got := tok.NotYetValid(a.t); got != a.notYetValid {
					t.Errorf("NotYetValid(%v) = %v, want %v", a.t, got, a.notYetValid)
				}
			}
			if tok.Size != len(tt.token) {
				t.Errorf("Size = %d, want %d", tok.Size, len(tt.token))
			}
			if tok.Header.Algorithm == "" {
				t.Error("Header.Algorithm is empty")
			}
			payload, err := json.Marshal(tok.Payload)
			if err != nil {
				t.Fatalf("Payload does not marshal: %v", err)
			}
			if tt.secret != "" {
				if strings.Contains(string(payload), tt.secret) {
					t.Errorf("Payload holds the secret: %s", payload)
				}
				if tok.Payload["credential"] != "<redacted>" {
					t.Errorf("credential = %v, want <redacted>", tok.Payload["credential"])
				}
			}
			if tok.Payload["iss"] != tt.want.Issuer && tt.want.Issuer != "" {
				t.Errorf("Payload iss = %v", tok.Payload["iss"])
			}
		})
	}
}

// TestKindByIssuer: an issuer alone, without tid and oid, tells an AAD
// token, in every cloud, and only when it is one.
func TestKindByIssuer(t *testing.T) {
	tests := []struct {
		iss  string
		want token.Kind
	}{
		{"https://sts.windows.net/" + tenant + "/", token.AADToken},
		{"https://login.microsoftonline.com/" + tenant + "/v2.0", token.AADToken},
		{"https://login.windows.net/" + tenant + "/", token.AADToken},
		{"https://sts.chinacloudapi.cn/" + tenant + "/", token.AADToken},
		{"https://login.chinacloudapi.cn/" + tenant + "/v2.0", token.AADToken},
		{"https://login.partner.microsoftonline.cn/" + tenant + "/v2.0", token.AADToken},
		{"https://login.microsoftonline.us/" + tenant + "/v2.0", token.AADToken},
		{"https://Login.MicrosoftOnline.com/" + tenant + "/v2.0", token.AADToken},
		{"Azure Container Registry", token.AccessToken}, // no grant_type, no permissions
		{"azure container registry", token.AccessToken},
		{"http://sts.windows.net/" + tenant + "/", token.OtherJWT},
		{"https://sts.windows.net.example.com/" + tenant + "/", token.OtherJWT},
		{"https://example.com/login.microsoftonline.com/", token.OtherJWT},
		{"https://accounts.google.com", token.OtherJWT},
		{"", token.OtherJWT},
	}
	for _, tt := range tests {
		tok, err := token.Decode(raw(`{"alg":"RS256"}`, `{"iss":"`+tt.iss+`","tid":"`+tenant+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind != tt.want {
			t.Errorf("iss %q: Kind = %q, want %q", tt.iss, tok.Kind, tt.want)
		}
	}
}

func TestDecodeHeader(t *testing.T) {
	s := tokentest.Default()
	tok, err := token.Decode(s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat)))
	if err != nil {
		t.Fatal(err)
	}
	want := token.Header{Algorithm: "RS256", KeyID: s.KeyID(), Type: "JWT"}
	if tok.Header != want {
		t.Errorf("Header = %+v, want %+v", tok.Header, want)
	}
}

func TestHasAudience(t *testing.T) {
	c := token.Claims{Audience: []string{"MyReg.azurecr.io", "other.azurecr.us"}}
	for _, h := range []string{"myreg.azurecr.io", "MYREG.AZURECR.IO", "other.azurecr.us"} {
		if !c.HasAudience(h) {
			t.Errorf("HasAudience(%q) = false", h)
		}
	}
	for _, h := range []string{"", "myreg", "myreg.azurecr.io:443", "myreg.azurecr.cn"} {
		if c.HasAudience(h) {
			t.Errorf("HasAudience(%q) = true", h)
		}
	}
}

// TestPayload: every claim is there for JSON output, except secrets.
func TestPayload(t *testing.T) {
	s := tokentest.Default()
	const secret = "AQABAAAAAAD--DLA3VO7QrddgJg7WevrAgAAAAAAAPTHISISASECRET"
	nested := s.Sign(tokentest.AAD(tenant, upn, iat))
	claims := tokentest.ACRRefresh(host, upn, tenant, iat, "read")
	claims["grant_type"] = "access_token_refresh_token"
	claims["credential"] = secret
	claims["act"] = map[string]any{"assertion": nested, "CREDENTIAL": map[string]any{"v": secret}}
	claims["chain"] = []any{"plain", nested}
	claims["xms_big"] = 1 << 52

	tok, err := token.Decode(s.Sign(claims))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(tok.Payload)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{secret, nested, nested[:40]} {
		if strings.Contains(string(out), leak) {
			t.Errorf("payload JSON holds a secret: %s", out)
		}
	}
	var got struct {
		Credential string            `json:"credential"`
		Act        map[string]string `json:"act"`
		Chain      []string          `json:"chain"`
		Rid        string            `json:"rid"`
		Exp        int64             `json:"exp"`
		Big        int64             `json:"xms_big"`
		Perm       map[string]any    `json:"permissions"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Credential != "<redacted>" || got.Act["assertion"] != "<redacted>" || got.Act["CREDENTIAL"] != "<redacted>" {
		t.Errorf("not redacted: %s", out)
	}
	if !slices.Equal(got.Chain, []string{"plain", "<redacted>"}) {
		t.Errorf("chain = %q", got.Chain)
	}
	if got.Rid != claims["rid"] || got.Exp != iat.Unix()+11700 || got.Big != 1<<52 {
		t.Errorf("claims not kept as decoded: %s", out)
	}
	if _, ok := got.Perm["NotActions"]; !ok || got.Perm["NotActions"] != nil {
		t.Errorf("permissions = %v, want NotActions kept as null", got.Perm)
	}
}

func TestDecodeBadInput(t *testing.T) {
	s := tokentest.Default()
	good := s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	enc := base64.RawURLEncoding.EncodeToString
	head := enc([]byte(`{"alg":"RS256","typ":"JWT"}`))
	body := enc([]byte(`{"iss":"x"}`))
	huge := make([]byte, 1<<20)
	for i := range huge {
		huge[i] = byte(i*7 + i>>8)
	}
	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "empty"},
		{"a word", "abc", "not three dot-separated segments (found 1)"},
		{"two segments", "a.b", "not three dot-separated segments (found 2)"},
		{"one char segments", "a.b.c", "header is not base64url"},
		{"not base64", "ab!c.defg.hijk", "header is not base64url"},
		{"standard base64", head + "." + body + "+/==." + "sig", "payload is not base64url"},
		{"signature not base64", head + "." + body + ".sig%", "signature is not base64url"},
		{"empty header", "." + body + ".sig", "header is empty"},
		{"empty payload", head + "..sig", "payload is empty"},
		{"header not JSON", raw(`{"alg":RS256}`, `{}`), "header is not JSON"},
		{"header null", raw(`null`, `{}`), "header is not a JSON object"},
		{"header null, payload broken", raw(`null`, `{`), "header is not a JSON object"},
		{"header array", raw(`["RS256"]`, `{}`), "header is not a JSON object"},
		{"no alg", raw(`{"typ":"JWT"}`, `{}`), "header has no alg"},
		{"payload not JSON", raw(`{"alg":"RS256"}`, `{"exp":1`), "payload is not JSON"},
		{"payload array", raw(`{"alg":"RS256"}`, `[{"exp":1}]`), "payload is not a JSON object"},
		{"payload null", raw(`{"alg":"RS256"}`, `null`), "payload is not a JSON object"},
		{"payload string", raw(`{"alg":"RS256"}`, `"eyJ"`), "payload is not a JSON object"},
		{"exp a string", raw(`{"alg":"RS256"}`, `{"exp":"1700000000"}`), `claim "exp" is not a number`},
		{"exp out of range", raw(`{"alg":"RS256"}`, `{"exp":1e300}`), `claim "exp" is not a date between the years 1 and 9999`},
		{"iat negative beyond year 1", raw(`{"alg":"RS256"}`, `{"iat":-1e12}`), `claim "iat" is not a date between the years 1 and 9999`},
		{"iat at the zero time", raw(`{"alg":"RS256"}`, `{"iat":-62135596800}`), `claim "iat" is not a date between the years 1 and 9999`},
		{"exp a second past year 9999", raw(`{"alg":"RS256"}`, `{"exp":253402300800}`), `claim "exp" is not a date between the years 1 and 9999`},
		{"aud a number", raw(`{"alg":"RS256"}`, `{"aud":5}`), `claim "aud" is not a string or an array of strings`},
		{"aud array of numbers", raw(`{"alg":"RS256"}`, `{"aud":["a",5]}`), `claim "aud" is not a string or an array of strings`},
		{"iss an object", raw(`{"alg":"RS256"}`, `{"iss":{}}`), `claim "iss" is not a string`},
		{"JWE", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ", "five dot-separated segments"},
		{"space inside", good[:40] + " " + good[40:], "contains whitespace"},
		{"line-wrapped", good[:76] + "\n" + good[76:], "contains whitespace"},
		{"line-wrapped on Windows", good[:76] + "\r\n" + good[76:], "contains whitespace"},
		{"tab inside", good[:40] + "\t" + good[40:], "contains whitespace"},
		{"trailing newline", good + "\n", "contains whitespace"},
		{"Bearer prefix", "Bearer " + good, "contains whitespace"},
		{"truncated", good[:strings.LastIndexByte(good, '.')-3], "not three dot-separated segments (found 2)"},
		{"truncated to 4n+1", good[:strings.IndexByte(good, '.')+1+4*10+1] + ".x", "payload is not base64url"},
		{"payload cut short", head + "." + body[:len(body)-4] + ".sig", "payload is not JSON"},
		{"MaxSize bytes are read", strings.Repeat("a", token.MaxSize), "not three dot-separated segments (found 1)"},
		{"a byte over MaxSize is not", strings.Repeat("a", token.MaxSize+1), "65537 bytes long, more than any real token (at most 65536)"},
		{"huge garbage", string(huge), "1048576 bytes long, more than any real token"},
		{"huge base64 garbage", strings.Repeat("eyJhbGciOi", 100_000) + ".eyJ9.sig", "1000009 bytes long, more than any real token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := token.Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode = %+v, want an error", tok)
			}
			var de *token.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if !errors.Is(err, token.ErrNotJWT) {
				t.Errorf("errors.Is(%v, ErrNotJWT) = false", err)
			}
			if !strings.HasPrefix(de.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to start %q", de.Reason, tt.reason)
			}
			if len(tt.in) > 3 && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q echoes the input", err)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestDecodeErrorCause: the decoder's own words survive, for "truncated?".
func TestDecodeErrorCause(t *testing.T) {
	_, err := token.Decode(raw(`{"alg":"RS256"}`, `{"exp":1`))
	var syntaxErr *json.SyntaxError
	if !errors.As(err, &syntaxErr) {
		t.Errorf("%v does not unwrap to a *json.SyntaxError", err)
	}
	if want := "not a JWT: payload is not JSON (unexpected end of JSON input)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	_, err = token.Decode("ab!c.defg.hijk")
	var b64Err base64.CorruptInputError
	if !errors.As(err, &b64Err) || b64Err != 2 {
		t.Errorf("%v does not unwrap to base64.CorruptInputError(2)", err)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	good := tokentest.Default().Sign(tokentest.ACRRefresh(host, upn, tenant, iat))
	tests := []struct {
		in   string
		want bool
	}{
		{good, true},
		{"eyJhbGciOiJub25lIn0.eyJ9.", true}, // unsecured: no signature
		{"eyJa.b.c", true},
		{"", false},
		{"eyJ", false},
		{"eyJa.b", false},
		{"eyJa..c", false},
		{"eyJa.b.c.d.e", false},
		{"eyJa.b.c.d", false},
		{"hunter2", false},
		{"abJa.b.c", false},
		{good + "\n", false},
		{" " + good, false},
		{good[:50] + "+" + good[51:], false},
		{"Bearer " + good, false},
	}
	for _, tt := range tests {
		if got := token.LooksLikeJWT(tt.in); got != tt.want {
			t.Errorf("LooksLikeJWT(%.30q…) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHumanize(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{12 * time.Second, "12s"},
		{59*time.Second + 999*time.Millisecond, "59s"},
		{time.Minute, "1m"},
		{41*time.Minute + 59*time.Second, "41m"},
		{time.Hour, "1h"},
		{2*time.Hour + 13*time.Minute + 59*time.Second, "2h13m"},
		{3*time.Hour + 15*time.Minute, "3h15m"},
		{47*time.Hour + 59*time.Minute, "47h59m"},
		{48 * time.Hour, "2d"},
		{76*time.Hour + 59*time.Minute, "3d4h"},
		{400 * 24 * time.Hour, "400d"},
		{-(2*time.Hour + 13*time.Minute), "-2h13m"},
		{-12 * time.Second, "-12s"},
		{math.MaxInt64, "106751d23h"},
		{math.MinInt64, "-106751d23h"},
	}
	for _, tt := range tests {
		if got := token.Humanize(tt.d); got != tt.want {
			t.Errorf("Humanize(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	s := tokentest.Default()
	big := tokentest.ACRRefresh(host, upn, tenant, iat, "read", "write")
	// As many roles as fit under the size a token may have (64 KiB).
	roles := make([]string, 300)
	for i := range roles {
		roles[i] = "/subscriptions/" + tenant + "/providers/Microsoft.Authorization/roleDefinitions/" + tenant
	}
	big["roles"] = roles
	for _, bm := range []struct {
		name string
		tok  string
	}{
		// As TOK4 (2023): five actions, rid and appid.
		{"refresh", s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat, "read", "write", "delete", "deleted/read", "deleted/restore/action"))},
		{"aad", s.Sign(tokentest.AAD(tenant, upn, iat))},
		{"refresh-300-roles", s.Sign(big)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.tok)))
			for b.Loop() {
				if _, err := token.Decode(bm.tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCheckSignature: an RSA-signed token whose signature is cut (or
// gone) is said to be; one of an RSA key's length, or of another
// algorithm, is not.
func TestCheckSignature(t *testing.T) {
	signed := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", time.Now(), "read"))
	unsecured := "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0."
	for _, tc := range []struct {
		name, s string
		cut     bool
	}{
		{"whole", signed, false},
		{"cut by 20", signed[:len(signed)-20], true},
		{"no signature", signed[:strings.LastIndexByte(signed, '.')+1], true},
		{"alg none", unsecured, false},
	} {
		tok, err := token.Decode(tc.s)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := token.CheckSignature(tc.s, tok); (err != nil) != tc.cut {
			t.Errorf("%s: CheckSignature = %v, want cut: %v", tc.name, err, tc.cut)
		}
	}
}
