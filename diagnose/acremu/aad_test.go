package acremu_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

const aadBase = "https://" + acremu.AuthorityHost + "/" + tenant

// aadToken asks the emulated Azure AD for a client-credentials token.
func aadToken(t *testing.T, s *acremu.Server, clientID, secret, scope string) (int, map[string]any) {
	t.Helper()
	resp, body := post(t, s, aadBase+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
		"scope": {scope + " openid offline_access profile"},
	})
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, m
}

// TestAADDiscovery: the tenant document MSAL reads when instance discovery
// is off names endpoints on the authority host.
func TestAADDiscovery(t *testing.T) {
	s := start(t, registry())
	resp, body := get(t, s, aadBase+"/v2.0/.well-known/openid-configuration", "", "")
	var doc map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"token_endpoint":         aadBase + "/oauth2/v2.0/token",
		"authorization_endpoint": aadBase + "/oauth2/v2.0/authorize",
		"issuer":                 aadBase + "/v2.0",
	} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %s", k, doc[k], want)
		}
	}
	if resp, _ := get(t, s, "https://"+acremu.AuthorityHost+"/common/discovery/instance", "", ""); resp.StatusCode != 404 {
		t.Errorf("instance discovery answered %d; the emulator must not pretend to serve it", resp.StatusCode)
	}
}

// TestAADClientCredentials: a registry's service principal gets an app-only
// v1 token for the resource of its scope; bad requests get Azure AD's codes.
func TestAADClientCredentials(t *testing.T) {
	s := start(t, registry())
	status, m := aadToken(t, s, spPull, spSecret, "https://management.core.windows.net//.default")
	if status != 200 || m["token_type"] != "Bearer" || m["expires_in"] != float64(3599) || m["ext_expires_in"] != float64(3599) {
		t.Fatalf("%d %v", status, m)
	}
	tok, err := token.Decode(m["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	c := tok.Claims
	if tok.Kind != token.AADToken || !c.HasAudience("https://management.core.windows.net/") || c.AppID != spPull ||
		c.Tenant != tenant || c.ObjectID == "" || c.Subject != c.ObjectID || c.Name != "" ||
		c.ExpiresAt.Sub(c.IssuedAt) != acremu.AADTokenLifetime || tok.Payload["idtyp"] != "app" {
		t.Errorf("token %v %+v", tok.Kind, tok.Payload)
	}
	if _, m2 := aadToken(t, s, strings.ToUpper(spPull), spSecret, "https://management.core.windows.net/.default"); m2["access_token"] == nil {
		t.Errorf("an upper-case client ID was refused: %v", m2)
	} else if tok2, _ := token.Decode(m2["access_token"].(string)); tok2.Claims.ObjectID != c.ObjectID {
		t.Errorf("the object ID changed between tokens: %s, %s", c.ObjectID, tok2.Claims.ObjectID)
	}
	_, m = aadToken(t, s, spPull, spSecret, acremu.ACRAudience+"/.default")
	if tok, _ := token.Decode(m["access_token"].(string)); tok == nil || !tok.Claims.HasAudience(acremu.ACRAudience) {
		t.Errorf("ACR scope: %v", m)
	}

	s.AddApplication(tenant, "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "app-secret")
	if status, m := aadToken(t, s, "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "app-secret", "https://management.core.windows.net//.default"); status != 200 {
		t.Errorf("AddApplication's app: %d %v", status, m)
	}

	for name, tt := range map[string]struct {
		client, secret, scope string
		status                int
		aadsts                float64
	}{
		"unknown app":     {"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", spSecret, "https://management.core.windows.net//.default", 400, 700016},
		"wrong secret":    {spPull, "nope", "https://management.core.windows.net//.default", 401, 7000215},
		"expired secret":  {spOld, spSecret, "https://management.core.windows.net//.default", 401, 7000222},
		"no .default":     {spPull, spSecret, "https://management.core.windows.net/", 400, 1002012},
		"no secret":       {spPull, "", "https://management.core.windows.net//.default", 400, 7000218},
		"another's token": {spNone, spSecret + "x", "https://management.core.windows.net//.default", 401, 7000215},
	} {
		status, m := aadToken(t, s, tt.client, tt.secret, tt.scope)
		codes, _ := m["error_codes"].([]any)
		desc, _ := m["error_description"].(string)
		if status != tt.status || len(codes) != 1 || codes[0] != tt.aadsts || !strings.HasPrefix(desc, "AADSTS") {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	// The registry's service principals are in its tenant only.
	resp, body := post(t, s, "https://"+acremu.AuthorityHost+"/f8cdef31-a31e-4b4a-93e4-5f571e91255a/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {spPull}, "client_secret": {spSecret},
		"scope": {"https://management.core.windows.net//.default"},
	})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "AADSTS700016") {
		t.Errorf("other tenant: %d %s", resp.StatusCode, body)
	}
	for _, r := range s.Requests(acremu.AuthorityHost) {
		if r.Query != nil || strings.Contains(strings.Join(r.Form, " "), "secret=") {
			t.Errorf("recorded %+v", r)
		}
	}
}

// TestExchangeServicePrincipal: a service principal's app-only token from
// the emulated Azure AD becomes a refresh token whose sub is the app ID and
// that the registry accepts; the audience decides with authentication-as-arm.
func TestExchangeServicePrincipal(t *testing.T) {
	noARM := registry()
	noARM.Host = "noarm.azurecr.io"
	noARM.AuthenticationAsARMDisabled = true
	s := start(t, registry(), noARM)
	s.AddApplication(tenant, "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "app-secret")

	appToken := func(client, secret, scope string) string {
		_, m := aadToken(t, s, client, secret, scope)
		tok, _ := m["access_token"].(string)
		if tok == "" {
			t.Fatalf("no token for %s: %v", client, m)
		}
		return tok
	}
	exchange := func(reg, aad string) (int, string) {
		resp, body := post(t, s, "https://"+reg+"/oauth2/exchange", url.Values{
			"grant_type": {"access_token"}, "service": {reg}, "tenant": {tenant}, "access_token": {aad},
		})
		var m map[string]string
		json.Unmarshal(body, &m)
		return resp.StatusCode, m["refresh_token"]
	}
	arm := appToken(spPull, spSecret, "https://management.core.windows.net//.default")
	acr := appToken(spPull, spSecret, acremu.ACRAudience+"/.default")
	graph := appToken(spPull, spSecret, "https://graph.microsoft.com/.default")

	status, rt := exchange(host, arm)
	if status != 200 {
		t.Fatalf("exchange: %d", status)
	}
	tok, err := token.Decode(rt)
	if err != nil || tok.Claims.Subject != spPull || !tok.Claims.HasAudience(host) {
		t.Fatalf("refresh token %v %+v", err, tok)
	}
	resp, body := post(t, s, "https://"+host+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "service": {host}, "scope": {"repository:hello-world:pull"}, "refresh_token": {rt},
	})
	if resp.StatusCode != 200 || len(granted(t, decodeTokens(t, body).AccessToken)) != 1 {
		t.Errorf("using the refresh token: %d %s", resp.StatusCode, body)
	}

	for name, tt := range map[string]struct {
		reg, aad string
		status   int
	}{
		"ACR audience":           {host, acr, 200},
		"graph audience":         {host, graph, 401},
		"not on the registry":    {host, appToken("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "app-secret", "https://management.core.windows.net//.default"), 401},
		"ARM, as-arm disabled":   {noARM.Host, arm, 401},
		"ACR, as-arm disabled":   {noARM.Host, acr, 200},
		"user, as-arm disabled":  {noARM.Host, s.AADToken(tenant, alice, time.Now()), 401},
		"user, as-arm (default)": {host, s.AADToken(tenant, alice, time.Now()), 200},
	} {
		if status, _ := exchange(tt.reg, tt.aad); status != tt.status {
			t.Errorf("%s: %d, want %d", name, status, tt.status)
		}
	}
}
