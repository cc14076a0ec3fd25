package token_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

func TestExtract(t *testing.T) {
	s := tokentest.Default()
	jwt := s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat, "read"))
	aad := s.Sign(tokentest.AAD(tenant, upn, iat))
	tests := []struct {
		name        string
		in          string
		tok, server string
	}{
		{"bare", jwt, jwt, ""},
		{"trailing newline", jwt + "\n", jwt, ""},
		{"CRLF and indentation", "  \t" + jwt + "\r\n", jwt, ""},
		{"byte order mark", "\uFEFF" + jwt, jwt, ""},
		{"double-quoted", `"` + jwt + `"` + "\n", jwt, ""},
		{"single-quoted", `'` + jwt + `'`, jwt, ""},
		{"Bearer", "Bearer " + jwt, jwt, ""},
		{"bearer, extra space", "bearer   " + jwt, jwt, ""},
		{"Bearer and a tab", "Bearer\t" + jwt, jwt, ""},
		{"Bearer glued to the token is left for Decode", "Bearer" + jwt, "Bearer" + jwt, ""},
		{"Authorization header", "Authorization: Bearer " + jwt, jwt, ""},
		{"--expose-token before 2.72", `{
  "accessToken": "` + jwt + `",
  "loginServer": "myreg.azurecr.io"
}
`, jwt, "myreg.azurecr.io"},
		{"--expose-token since 2.72", `{
  "accessToken": "` + jwt + `",
  "loginServer": "myreg.azurecr.io",
  "refreshToken": "` + jwt + `",
  "username": "00000000-0000-0000-0000-000000000000"
}`, jwt, "myreg.azurecr.io"},
		{"refreshToken preferred", `{"accessToken":"` + aad + `","refreshToken":"` + jwt + `"}`, jwt, ""},
		{"keys in any case", `{"LOGINSERVER":"MyReg.azurecr.io","AccessToken":"` + jwt + `"}`, jwt, "MyReg.azurecr.io"},
		{"a field of another type is skipped", `{"loginServer":["x"],"accessToken":"` + jwt + `"}`, jwt, ""},
		{"az account get-access-token", `{"accessToken":"` + aad + `","expiresOn":"2026-11-29 11:05:00.000000","subscription":"x","tenant":"` + tenant + `","tokenType":"Bearer"}`, aad, ""},
		{"config.json auth entry", `{"auth":"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==","identitytoken":"` + jwt + `"}`, jwt, ""},
		{"credential helper get", `{"ServerURL":"myreg.azurecr.io","Username":"<token>","Secret":"` + jwt + `"}` + "\n", jwt, "myreg.azurecr.io"},
		// Not a token at all: returned for Decode to explain.
		{"a password", "hunter2\n", "hunter2", ""},
		{"a JSON array", `["` + jwt + `"]`, `["` + jwt + `"]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, server, err := token.Extract([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if tok != tt.tok {
				t.Errorf("token = %.40q…, want %.40q…", tok, tt.tok)
			}
			if server != tt.server {
				t.Errorf("login server = %q, want %q", server, tt.server)
			}
		})
	}
}

func TestExtractError(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "the input is empty"},
		{"blank", " \n\t\r\n", "the input is empty"},
		{"empty quotes", `""`, "the input holds no token"},
		{"only Bearer", "Bearer ", "the input holds no token"},
		{"JSON without a token", `{"loginServer":"myreg.azurecr.io","username":"00000000-0000-0000-0000-000000000000"}`, "the JSON has no accessToken or refreshToken field"},
		{"JSON with an empty token", `{"accessToken":"","loginServer":"myreg.azurecr.io"}`, "the JSON has no accessToken or refreshToken field"},
		{"JSON with a non-JWT accessToken", `{"accessToken":"this-is-a-secret-but-no-jwt","loginServer":"myreg.azurecr.io"}`, "the accessToken field of the JSON does not hold a JWT"},
		{"JSON with a helper password", `{"ServerURL":"myreg","Username":"admin","Secret":"s3cr3t-admin-password-value"}`, "the Secret field of the JSON does not hold a JWT"},
		{"broken JSON", `{"accessToken":"eyJhbGciOiJSUzI1NiJ9.eyJ9.c2ln"`, "the input starts with { but is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, _, err := token.Extract([]byte(tt.in))
			if err == nil {
				t.Fatalf("Extract = %q, want an error", tok)
			}
			var de *token.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, token.ErrNotJWT) {
				t.Fatalf("error %T %v is not a *DecodeError matching ErrNotJWT", err, err)
			}
			if de.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", de.Reason, tt.reason)
			}
			for _, secret := range []string{"this-is-a-secret-but-no-jwt", "s3cr3t-admin-password-value", "eyJhbGciOiJSUzI1NiJ9"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q echoes the input", err)
				}
			}
		})
	}
}

// TestExtractDecode is the `token` command's path: paste in, claims out.
func TestExtractDecode(t *testing.T) {
	s := tokentest.Default()
	in := `{"accessToken":"` + s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat, "read")) + `","loginServer":"` + host + `"}`
	raw, server, err := token.Extract([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != token.RefreshToken || !tok.Claims.HasAudience(server) {
		t.Errorf("kind %q, audience %q, login server %q", tok.Kind, tok.Claims.Audience, server)
	}
}
