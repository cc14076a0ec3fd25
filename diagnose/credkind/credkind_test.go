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
		// -u and -p swapped for the admin user and a service principal.
		{"admin password as the username, swapped", Credential{Username: adminPassword, Password: "MyReg"}, true, Unknown, false},
		{"client secret as the username, swapped", Credential{Username: clientSecret, Password: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}, true, Unknown, false},
		{"a GUID password under a GUID", Credential{Username: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", Password: "1f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}, true, ServicePrincipal, false},
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

// Secrets as ACR and Azure AD generate them, of the forms they take.
const (
	adminPassword = "Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt"
	clientSecret  = "wJ88Q~5tFhcV3Sdf.bGz2Kc3lQfC7Vd8zQxT1bbL"
)

func TestSwapped(t *testing.T) {
	for _, tc := range []struct {
		username, password string
		want               bool
	}{
		{adminPassword, "myreg", true},
		{adminPassword, " MyReg\n", true},
		{"anything", "myreg", true}, // no password ACR generates is its name
		{"myreg", "myreg", false},   // odd, but not the wrong way round
		{clientSecret, "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", true},
		{"hunter2xyz", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", true}, // any shape of secret
		{"Xy8Q~abc.DEF_ghi-JKLmn\noPQRstuVWxyz012345", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", true},
		{"1f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", false}, // an old GUID password
		{"myreg", adminPassword, false},
		{"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", clientSecret, false},
	} {
		if got := Swapped(tc.username, tc.password, "myreg"); got != tc.want {
			t.Errorf("Swapped(%q, %q) = %v", tc.username, tc.password, got)
		}
	}
	if Swapped(adminPassword, "", "") || Swapped("ci-pull", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "") {
		t.Error("with no registry name (not ACR's), only the null GUID tells")
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
