package credkind

import (
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

func TestOf(t *testing.T) {
	signer, err := tokentest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	refresh := signer.Sign(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", now, "read"))
	access := signer.Sign(tokentest.ACRAccess("myreg.azurecr.io", "u", "t", now, token.Access{Type: "repository", Name: "app", Actions: []string{"pull"}}))
	aad := signer.Sign(tokentest.AAD("t", "u@example.com", now))
	other := signer.Sign(map[string]any{"iss": "https://example.com", "exp": now.Add(time.Hour).Unix()})
	const damaged = "eyJhbGciOiJSUzI1NiJ9.eyJub3QganNvbg.c2ln"
	tests := []struct {
		name  string
		c     Credential
		acr   bool
		kind  Kind
		token bool
	}{
		{"nothing", Credential{}, true, Anonymous, false},
		{"refresh token as identity token", Credential{IdentityToken: refresh}, true, RefreshToken, true},
		{"refresh token as password", Credential{Username: NullGUID, Password: refresh}, true, RefreshToken, true},
		{"access token as identity token", Credential{IdentityToken: access}, true, IdentityToken, true},
		{"access token as password", Credential{Username: NullGUID, Password: access}, true, IdentityToken, true},
		{"AAD token", Credential{Username: NullGUID, Password: aad}, true, AADToken, true},
		{"another JWT as identity token", Credential{IdentityToken: other}, false, IdentityToken, true},
		{"another JWT as password", Credential{Username: "u", Password: other}, true, Unknown, true},
		{"damaged identity token", Credential{IdentityToken: damaged}, true, IdentityToken, false},
		{"damaged token as password", Credential{Username: NullGUID, Password: damaged}, true, Unknown, false},
		{"service principal", Credential{Username: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", Password: "s"}, true, ServicePrincipal, false},
		{"admin user, any case", Credential{Username: "MyReg", Password: "s"}, true, AdminUser, false},
		{"repository token", Credential{Username: "ci-pull", Password: "s"}, true, RepositoryToken, false},
		{"e-mail address", Credential{Username: "me@example.com", Password: "s"}, true, Unknown, false},
		{"token as the username, swapped", Credential{Username: refresh, Password: NullGUID}, true, Unknown, false},
		{"null GUID and no token", Credential{Username: NullGUID, Password: "s"}, true, Unknown, false},
		{"another registry", Credential{Username: "ci-pull", Password: "s"}, false, Unknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Of(tt.c, tt.acr, "myreg")
			if j.Kind != tt.kind || (j.Token != nil) != tt.token {
				t.Errorf("Of = %s, token %v; want %s, token %v", j.Kind, j.Token != nil, tt.kind, tt.token)
			}
			if looksLikeToken := tt.c.IdentityToken != "" || token.LooksLikeJWT(tt.c.Password); looksLikeToken != (j.Token != nil || j.TokenErr != nil) {
				t.Errorf("a JWT is decoded where one is stored: token %v, error %v", j.Token != nil, j.TokenErr)
			}
			if j.AsPassword != (tt.c.IdentityToken == "" && token.LooksLikeJWT(tt.c.Password)) {
				t.Errorf("AsPassword = %v", j.AsPassword)
			}
		})
	}
}

func TestValidGUID(t *testing.T) {
	for s, want := range map[string]bool{
		NullGUID:                               true,
		"0F1E2D3C-4B5A-6978-8A9B-0C1D2E3F4A5B": true,
		"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5":  false,
		"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5g": false,
		"0f1e2d3c4b5a-6978-8a9b-0c1d2e3f4a5b-": false,
		"":                                     false,
	} {
		if ValidGUID(s) != want {
			t.Errorf("ValidGUID(%q) = %v", s, !want)
		}
	}
}
