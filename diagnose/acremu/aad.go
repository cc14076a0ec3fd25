package acremu

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// AuthorityHost is the emulator's Azure AD: the token service of the
// Microsoft identity platform as MSAL, and so azidentity, calls it, for
// client-credential (service principal secret) requests. Point
// azidentity's authority host at "https://"+AuthorityHost+"/" with
// instance discovery disabled; it is reached like the registries, through
// the proxy or DialContext, with a certificate from the emulator's CA.
//
// It knows the service principals of every registry, in that registry's
// Tenant (any tenant when Tenant is empty), with their Secret and
// ExpiresAt, and the applications added with [Server.AddApplication]. It
// answers two paths, the ones MSAL Go requests when instance discovery is
// off:
//
//   - GET /{tenant}/v2.0/.well-known/openid-configuration, the tenant's
//     endpoints;
//   - POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials,
//     client_id, client_secret and scope=<resource>/.default: a v1 access
//     token for <resource>, signed like every emulator token, which the
//     registries' /oauth2/exchange accepts for their own service principals.
//
// Its refusals carry the AADSTS codes Azure AD answers with, so that what
// azidentity prints reads as it does against the real service.
const AuthorityHost = "login.acremu.test"

// AADTokenLifetime is expires_in of the tokens AuthorityHost issues, as
// Azure AD answers client-credential requests.
const AADTokenLifetime = 3599 * time.Second

// application is a client the emulated Azure AD knows.
type application struct {
	tenant    string // "" matches any tenant
	secret    string
	expiresAt time.Time
}

// AddApplication adds a service principal to the emulated Azure AD only:
// it can get tokens from [AuthorityHost] but is on no registry unless a
// Registry lists it too. Secrets added here are checked before the
// registries' ones.
func (s *Server) AddApplication(tenant, clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps == nil {
		s.apps = make(map[string][]application)
	}
	id := strings.ToLower(clientID)
	s.apps[id] = append(s.apps[id], application{tenant: tenant, secret: secret})
}

// applications returns the credentials clientID has in tenant: those
// added with AddApplication, then those of the registries listing it.
func (s *Server) applications(tenant, clientID string) []application {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []application
	for _, a := range s.apps[strings.ToLower(clientID)] {
		if a.tenant == "" || strings.EqualFold(a.tenant, tenant) {
			out = append(out, a)
		}
	}
	for _, reg := range s.regs {
		if reg.Tenant != "" && !strings.EqualFold(reg.Tenant, tenant) {
			continue
		}
		if _, sp, ok := lookupFold(reg.ServicePrincipals, clientID); ok {
			out = append(out, application{tenant: reg.Tenant, secret: sp.Secret, expiresAt: sp.ExpiresAt})
		}
	}
	return out
}

// serveAAD answers a request to AuthorityHost.
func (x *exchange) serveAAD() {
	r := x.r
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		if r.Method != http.MethodGet {
			x.text(http.StatusMethodNotAllowed, "method not allowed\n")
			return
		}
		x.serveOpenIDConfiguration(parts[0])
	case len(parts) == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token":
		if r.Method != http.MethodPost {
			x.text(http.StatusMethodNotAllowed, "method not allowed\n")
			return
		}
		x.serveAADToken(parts[0])
	default:
		x.text(http.StatusNotFound, "404 page not found\n")
	}
}

// serveOpenIDConfiguration answers the tenant discovery document, the
// three fields MSAL reads and checks (the issuer must be on the authority
// host).
func (x *exchange) serveOpenIDConfiguration(tenant string) {
	base := "https://" + AuthorityHost + "/" + tenant
	x.ok(map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"issuer":                                base + "/v2.0",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"tenant_region_scope":                   "NA",
	})
}

// serveAADToken answers the client-credentials grant.
func (x *exchange) serveAADToken(tenant string) {
	f, now := x.r.PostForm, time.Now()
	clientID := f.Get("client_id")
	switch {
	case f.Get("grant_type") != "client_credentials":
		x.aadError(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+f.Get("grant_type")+"'.")
		return
	case clientID == "":
		x.aadError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	case f.Get("client_secret") == "":
		// MSAL sends client_assertion for certificates; the emulator has none.
		x.aadError(http.StatusBadRequest, "invalid_request", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	resource := ""
	for _, sc := range strings.Fields(f.Get("scope")) {
		if r, ok := strings.CutSuffix(sc, "/.default"); ok {
			resource = r
		}
	}
	if resource == "" {
		x.aadError(http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope "+f.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
		return
	}
	apps := x.s.applications(tenant, clientID)
	if len(apps) == 0 {
		x.aadError(http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant))
		return
	}
	found, stale := false, false
	for _, a := range apps {
		if secretEqual(f.Get("client_secret"), a.secret) {
			if expired(a.expiresAt, now) {
				stale = true
				continue
			}
			found = true
			break
		}
	}
	switch {
	case !found && stale:
		x.aadError(http.StatusUnauthorized, "invalid_client", 7000222, fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", clientID))
		return
	case !found:
		x.aadError(http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
		return
	}
	raw := x.s.signer.Sign(appToken(tenant, clientID, audienceOf(resource), now))
	x.ok(map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(AADTokenLifetime / time.Second),
		"ext_expires_in": int(AADTokenLifetime / time.Second),
		"access_token":   raw,
	})
}

// audienceOf is the `aud` Azure AD puts in a v1 token for resource: the
// resource's application ID URI as registered, which has a trailing slash
// for ARM and none for ACR.
func audienceOf(resource string) string {
	r := strings.TrimSuffix(resource, "/")
	for _, arm := range armAudiences {
		if strings.EqualFold(r, strings.TrimSuffix(arm, "/")) {
			return arm
		}
	}
	return r
}

// armAudiences are Azure Resource Manager's application ID URIs in the
// three clouds, and management.azure.com, which scripts also ask for.
var armAudiences = []string{
	"https://management.core.windows.net/",
	"https://management.azure.com/",
	"https://management.core.chinacloudapi.cn/",
	"https://management.chinacloudapi.cn/",
	"https://management.core.usgovcloudapi.net/",
	"https://management.usgovcloudapi.net/",
}

// ACRAudience is Azure Container Registry's own AAD audience, what a
// registry with [Registry.AuthenticationAsARMDisabled] requires.
const ACRAudience = "https://containerregistry.azure.net"

// exchangeAudience reports whether a registry accepts an AAD token for
// aud at /oauth2/exchange.
func exchangeAudience(reg *registry, aud string) bool {
	a := strings.TrimSuffix(aud, "/")
	if strings.EqualFold(a, ACRAudience) {
		return true
	}
	if reg.AuthenticationAsARMDisabled {
		return false
	}
	for _, arm := range armAudiences {
		if strings.EqualFold(a, strings.TrimSuffix(arm, "/")) {
			return true
		}
	}
	return false
}

// appToken is the claim set of a v1 app-only access token for clientID.
func appToken(tenant, clientID, aud string, iat time.Time) map[string]any {
	c := tokentest.AAD(tenant, "", iat)
	for _, k := range []string{"upn", "unique_name", "scp", "amr", "acr"} {
		delete(c, k)
	}
	oid := objectID(tenant, clientID)
	c["aud"] = aud
	c["exp"] = iat.Add(AADTokenLifetime).Unix()
	c["appid"] = clientID
	c["appidacr"] = "1"
	c["idp"] = "https://sts.windows.net/" + tenant + "/"
	c["idtyp"] = "app"
	c["oid"] = oid
	c["sub"] = oid
	return c
}

// objectID is the service principal's object ID in tenant: a GUID fixed
// by the two, as a real one is fixed at creation.
func objectID(tenant, clientID string) string {
	h := sha256.Sum256([]byte(strings.ToLower(tenant) + "/" + strings.ToLower(clientID)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// aadError answers as Azure AD refuses a token request.
func (x *exchange) aadError(status int, code string, aadsts int, description string) {
	now := time.Now().UTC()
	trace, corr := guid(), guid()
	b, _ := json.Marshal(map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			aadsts, description, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("https://%s/error?code=%d", AuthorityHost, aadsts),
	})
	x.json(status, b)
}
