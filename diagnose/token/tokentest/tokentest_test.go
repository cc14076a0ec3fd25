package tokentest_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

var iat = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// TestSign: what Sign makes verifies with PublicKey, RS256, under the kid.
func TestSign(t *testing.T) {
	s := tokentest.Default()
	if tokentest.Default() != s {
		t.Fatal("Default makes a new Signer per call")
	}
	signed := s.Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", "t", iat, "read"))
	parsed, err := jwt.Parse(signed, func(tok *jwt.Token) (any, error) { return s.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return iat.Add(time.Minute) }),
		jwt.WithAudience("myreg.azurecr.io"), jwt.WithIssuer("Azure Container Registry"))
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["kid"] != s.KeyID() || parsed.Header["typ"] != "JWT" {
		t.Errorf("header = %v", parsed.Header)
	}
	if s.PublicKey().Size() != 2048/8 {
		t.Errorf("key is %d bits", s.PublicKey().Size()*8)
	}
	// libtrust key ids, as ACR's: WAAQ:ESPD:XVXF:BHEL:KYZO:OSWS:CLD2:IA32:XYFZ:3RZV:4ASW:HX2B
	if !regexp.MustCompile(`^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$`).MatchString(s.KeyID()) {
		t.Errorf("kid = %q", s.KeyID())
	}

	other, err := tokentest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	if other.KeyID() == s.KeyID() {
		t.Error("two keys share a kid")
	}
	if _, err := jwt.Parse(other.Sign(jwt.MapClaims{}), func(*jwt.Token) (any, error) { return s.PublicKey(), nil }); err == nil {
		t.Error("a token from another Signer verifies")
	}
}

// TestClaims pins the wire shape of each kind against what real tokens
// carry (acr-protocol.md §2), and that Decode reads it back as that kind.
func TestClaims(t *testing.T) {
	s := tokentest.Default()
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name   string
		claims map[string]any
		kind   token.Kind
		life   time.Duration
		want   string // JSON the claims must include
	}{
		{
			"refresh", tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", "t", iat, "read", "write"),
			token.RefreshToken, 11700 * time.Second,
			`{"iss":"Azure Container Registry","aud":"myreg.azurecr.io","sub":"alice@contoso.com","tenant":"t","version":"1.0",
			  "grant_type":"refresh_token","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","roles":[],
			  "nbf":1795946400,"iat":1795946400,"exp":1795958100,
			  "permissions":{"Actions":["read","write"],"NotActions":null}}`,
		},
		{
			"refresh without actions", tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", "t", iat),
			token.RefreshToken, 11700 * time.Second,
			`{"permissions":{"Actions":[],"NotActions":null}}`,
		},
		{
			"access", tokentest.ACRAccess("myreg.azurecr.io", "alice@contoso.com", "t", iat,
				token.Access{Type: "repository", Name: "hello", Actions: []string{"pull"}}),
			token.AccessToken, 4500 * time.Second,
			`{"iss":"Azure Container Registry","grant_type":"access_token","exp":1795950900,
			  "access":[{"type":"repository","name":"hello","actions":["pull"]}],"roles":[]}`,
		},
		{
			"access granting nothing", tokentest.ACRAccess("myreg.azurecr.io", "alice@contoso.com", "t", iat),
			token.AccessToken, 4500 * time.Second,
			`{"access":[]}`,
		},
		{
			"aad", tokentest.AAD("t", "alice@contoso.com", iat),
			token.AADToken, 3900 * time.Second,
			`{"aud":"https://management.core.windows.net/","iss":"https://sts.windows.net/t/","tid":"t",
			  "appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","upn":"alice@contoso.com","scp":"user_impersonation",
			  "ver":"1.0","nbf":1795946400,"exp":1795950300}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			var got, want map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if g, _ := json.Marshal(got[k]); string(g) != mustJSON(t, v) {
					t.Errorf("%s = %s, want %s", k, g, mustJSON(t, v))
				}
			}
			for _, k := range []string{"jti", "oid"} {
				if v, ok := got[k]; ok && !guid.MatchString(v.(string)) {
					t.Errorf("%s = %v, not a GUID", k, v)
				}
			}
			if rid, ok := got["rid"]; ok && !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(rid.(string)) {
				t.Errorf("rid = %v", rid)
			}
			tok, err := token.Decode(s.Sign(tt.claims))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Kind != tt.kind || tok.Lifetime() != tt.life {
				t.Errorf("decoded as %q lasting %v, want %q lasting %v", tok.Kind, tok.Lifetime(), tt.kind, tt.life)
			}
		})
	}
	a, b := tokentest.ACRRefresh("h", "s", "t", iat), tokentest.ACRRefresh("h", "s", "t", iat)
	if a["jti"] == b["jti"] || a["rid"] == b["rid"] {
		t.Error("jti and rid repeat between tokens")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
