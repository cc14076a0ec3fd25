package acremu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// authError is why a credential was refused: one of the messages ACR
// answers with.
type authError string

func (e authError) Error() string { return string(e) }

const (
	errAuthRequired  authError = msgAuthRequired
	errNotRegistered authError = msgNotRegistered
	errInvalidClient authError = msgInvalidClient
)

// Identity kinds, as the credential kinds of the creds report name them.
const (
	kindAdmin     = "admin_user"
	kindSP        = "service_principal"
	kindToken     = "repository_token"
	kindUser      = "user"
	kindAnonymous = "anonymous"
	kindBearer    = "bearer"
)

// identity is who a credential proved to be.
type identity struct {
	kind     string
	subject  string
	actions  []string            // service principals and users: pull, push, delete
	scopeMap map[string][]string // repository tokens
	access   grants              // a bearer access token: what it grants
	// refreshed is set when the credential was an ACR refresh token.
	refreshed bool
}

// allowed is what id may do on repository repo, as scope actions.
func (id identity) allowed(reg *registry, repo string) []string {
	switch id.kind {
	case kindAdmin:
		return []string{"*"}
	case kindSP, kindUser:
		var out []string
		for _, a := range id.actions {
			switch a {
			case "pull":
				out = append(out, "pull", "metadata_read")
			case "push":
				out = append(out, "push", "metadata_write")
			default:
				out = append(out, a)
			}
		}
		return out
	case kindToken:
		var out []string
		for pattern, actions := range id.scopeMap {
			if !matchRepo(pattern, repo) {
				continue
			}
			for _, a := range actions {
				if sa, ok := tokenActions[a]; ok {
					out = append(out, sa)
				}
			}
		}
		return out
	case kindAnonymous:
		if reg.AnonymousPull {
			return []string{"pull"}
		}
	}
	return nil
}

// allowedFor is what id may do within sc.
func (id identity) allowedFor(reg *registry, sc scope) []string {
	switch {
	case sc.typ == "repository":
		return id.allowed(reg, sc.name)
	case sc.typ == "registry" && sc.name == "catalog" && id.kind == kindAdmin:
		return []string{"*"} // repository tokens cannot list the catalog (MSDOC token permissions)
	}
	return nil
}

// tokenActions maps a scope map's actions to the scope actions they allow.
var tokenActions = map[string]string{
	"content/read":   "pull",
	"content/write":  "push",
	"content/delete": "delete",
	"metadata/read":  "metadata_read",
	"metadata/write": "metadata_write",
}

// matchRepo reports whether a scope map entry covers repo: the name
// itself, "samples/*" for everything under samples/, or "*".
func matchRepo(pattern, repo string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(repo, prefix)
	}
	return pattern == repo
}

// refreshActions are the `permissions.Actions` of a refresh token for id.
func (id identity) refreshActions(reg *registry) []string {
	var scopeActions []string
	switch id.kind {
	case kindAdmin:
		return []string{"read", "write", "delete"}
	case kindToken:
		for _, actions := range id.scopeMap {
			for _, a := range actions {
				scopeActions = append(scopeActions, tokenActions[a])
			}
		}
	default:
		scopeActions = id.actions
	}
	var out []string
	for _, a := range scopeActions {
		var p string
		switch a {
		case "pull":
			p = "read"
		case "push":
			p = "write"
		case "delete":
			p = "delete"
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// scope is one Docker token scope, "repository:hello-world:pull,push".
type scope struct {
	typ, name string
	actions   []string
}

func (sc scope) String() string { return sc.typ + ":" + sc.name + ":" + strings.Join(sc.actions, ",") }

// permits reports whether granted covers every action sc asks for.
func (sc scope) permits(granted []string) bool {
	if slices.Contains(granted, "*") {
		return true
	}
	for _, a := range sc.actions {
		if !slices.Contains(granted, a) {
			return false
		}
	}
	return true
}

// parseScopes reads scope parameters: repeated (GET, as distribution
// sends them) or space-separated in one (POST). Malformed ones are
// dropped, and so grant nothing.
func parseScopes(values []string) []scope {
	var out []scope
	for _, v := range values {
		for _, s := range strings.Fields(v) {
			typ, rest, ok1 := strings.Cut(s, ":")
			i := strings.LastIndex(rest, ":")
			if !ok1 || i <= 0 {
				continue
			}
			out = append(out, scope{typ: typ, name: rest[:i], actions: strings.Split(rest[i+1:], ",")})
		}
	}
	return out
}

// grants is an access token's `access` claim.
type grants []token.Access

// actions is what g grants within sc's resource.
func (g grants) actions(sc scope) []string {
	var out []string
	for _, a := range g {
		if a.Type == sc.typ && a.Name == sc.name {
			out = append(out, a.Actions...)
		}
	}
	return out
}

func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate checks a username and password as ACR's token service
// does (acr-protocol.md §3).
func (s *Server) authenticate(reg *registry, user, pass string, now time.Time) (identity, error) {
	if user == NullGUID {
		return s.fromRefresh(reg, pass, now)
	}
	if strings.EqualFold(user, reg.admin) {
		if !reg.AdminEnabled || reg.has(AdminDisabled) || !secretEqual(pass, reg.AdminPassword) {
			return identity{}, errAuthRequired
		}
		return identity{kind: kindAdmin, subject: reg.admin}, nil
	}
	if appID, sp, ok := lookupFold(reg.ServicePrincipals, user); ok {
		if expired(sp.ExpiresAt, now) || !secretEqual(pass, sp.Secret) {
			// An expired and a wrong secret read the same
			// (Azure/docker-login#46, azure-pipelines-tasks#15548).
			return identity{}, errInvalidClient
		}
		return identity{kind: kindSP, subject: appID, actions: sp.Actions}, nil
	}
	if tok, ok := reg.Tokens[user]; ok {
		if tok.Disabled || expired(tok.ExpiresAt, now) || !secretEqual(pass, tok.Password) {
			return identity{}, errAuthRequired
		}
		return identity{kind: kindToken, subject: user, scopeMap: tok.ScopeMap}, nil
	}
	return identity{}, errNotRegistered
}

// subject is the identity an ACR token's `sub` names, as it is now: a
// refresh token outlives role changes, and ACR checks roles when it is used.
func (s *Server) subject(reg *registry, sub string) (identity, bool) {
	if u, ok := reg.Users[sub]; ok {
		return identity{kind: kindUser, subject: sub, actions: u.Actions}, true
	}
	if appID, sp, ok := lookupFold(reg.ServicePrincipals, sub); ok {
		return identity{kind: kindSP, subject: appID, actions: sp.Actions}, true
	}
	if strings.EqualFold(sub, reg.admin) && reg.AdminEnabled && !reg.has(AdminDisabled) {
		return identity{kind: kindAdmin, subject: reg.admin}, true
	}
	if tok, ok := reg.Tokens[sub]; ok && !tok.Disabled {
		return identity{kind: kindToken, subject: sub, scopeMap: tok.ScopeMap}, true
	}
	return identity{}, false
}

func lookupFold[V any](m map[string]V, key string) (string, V, bool) {
	if v, ok := m[key]; ok {
		return key, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) { // app IDs are GUIDs, in either case
			return k, v, true
		}
	}
	var zero V
	return "", zero, false
}

func expired(at, now time.Time) bool { return !at.IsZero() && !now.Before(at) }

// verify checks raw's signature, issuer, audience and times by the
// registry's clock, and returns its claims.
func (s *Server) verify(reg *registry, raw string, now time.Time, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	opts = append(opts,
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithExpirationRequired(),
	)
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.signer.PublicKey(), nil }, opts...)
	return claims, err
}

// fromRefresh checks an ACR refresh token for reg: signed by the
// emulator's key, for this registry, within its lifetime by the registry's
// clock, and naming a subject the registry still knows.
func (s *Server) fromRefresh(reg *registry, raw string, now time.Time) (identity, error) {
	claims, err := s.verify(reg, raw, now, jwt.WithAudience(reg.host), jwt.WithIssuer(tokentest.ACRIssuer))
	if err != nil || claims["grant_type"] != "refresh_token" {
		return identity{}, errAuthRequired
	}
	sub, _ := claims["sub"].(string)
	id, ok := s.subject(reg, sub)
	if !ok {
		return identity{}, errAuthRequired
	}
	id.refreshed = true
	return id, nil
}

// verifyAccess checks an ACR access token for reg and returns what it grants.
func (s *Server) verifyAccess(reg *registry, raw string, now time.Time) (grants, error) {
	claims, err := s.verify(reg, raw, now, jwt.WithAudience(reg.host), jwt.WithIssuer(tokentest.ACRIssuer))
	if err != nil {
		return nil, err
	}
	if claims["grant_type"] != "access_token" {
		return nil, errors.New("not an access token")
	}
	tok, err := token.Decode(raw)
	if err != nil {
		return nil, err
	}
	return tok.Claims.Access, nil
}

// accessToken mints an access token for id granting, per scope asked for,
// the actions both asked for and allowed. A scope with nothing allowed is
// left out rather than refused: ACR, like distribution, answers 200 with
// `access: []`.
func (s *Server) accessToken(reg *registry, id identity, scopes []scope, now time.Time) string {
	var access []token.Access
	for _, sc := range scopes {
		allowed := id.allowedFor(reg, sc)
		var granted []string
		for _, a := range sc.actions {
			if (slices.Contains(allowed, a) || slices.Contains(allowed, "*")) && !slices.Contains(granted, a) {
				granted = append(granted, a)
			}
		}
		if len(granted) > 0 {
			access = append(access, token.Access{Type: sc.typ, Name: sc.name, Actions: granted})
		}
	}
	return s.signer.Sign(tokentest.ACRAccess(reg.host, id.subject, reg.Tenant, now, access...))
}

// refreshToken mints a refresh token for id as the registry issues it,
// expired or not yet valid under those faults.
func (s *Server) refreshToken(reg *registry, id identity, now time.Time) string {
	iat := now
	switch {
	case reg.has(ExpiredTokens):
		iat = now.Add(-tokentest.RefreshLifetime - 10*time.Minute)
	case reg.has(NotYetValidTokens):
		iat = now.Add(time.Hour)
	}
	return s.signer.Sign(tokentest.ACRRefresh(reg.host, id.subject, reg.Tenant, iat, id.refreshActions(reg)...))
}

// serveToken answers /oauth2/token for reg (acr-protocol.md §1.3, §1.4).
func (x *exchange) serveToken(reg *registry) {
	s, r, now := x.s, x.r, reg.now()
	var (
		id      identity
		err     error
		scopes  []scope
		service string
		refresh string // the refresh_token field of the answer
		offline bool   // the client asked for a refresh token
	)
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		scopes, service = parseScopes(q["scope"]), q.Get("service")
		offline = q.Get("offline_token") == "true"
		switch user, pass, ok := r.BasicAuth(); {
		case r.Header.Get("Authorization") == "":
			id = identity{kind: kindAnonymous}
		case !ok:
			err = errAuthRequired
		default:
			id, err = s.authenticate(reg, user, pass, now)
		}
	case http.MethodPost:
		f := r.PostForm
		scopes, service = parseScopes(f["scope"]), f.Get("service")
		offline = f.Get("access_type") == "offline"
		switch f.Get("grant_type") {
		case "refresh_token":
			id, err = s.fromRefresh(reg, f.Get("refresh_token"), now)
			if err == nil && offline {
				refresh = f.Get("refresh_token") // echoed, as distribution's token server does
			}
			offline = false
		case "password":
			if f.Get("username") == "" && f.Get("password") == "" && f.Get("refresh_token") == "" {
				id = identity{kind: kindAnonymous} // the Go SDK's anonymous request
			} else {
				id, err = s.authenticate(reg, f.Get("username"), f.Get("password"), now)
			}
		default:
			x.json(http.StatusBadRequest, errorBody("UNSUPPORTED", "unsupported grant_type", nil))
			return
		}
	default:
		x.json(http.StatusMethodNotAllowed, errorBody("UNSUPPORTED", "The operation is unsupported.", nil))
		return
	}
	if err == nil && service != "" && !strings.EqualFold(service, reg.host) {
		err = errAuthRequired
	}
	if err == nil && id.kind == kindAnonymous && !anonymousOK(reg, scopes) {
		err = errAuthRequired
	}
	if err != nil {
		x.refuse(err)
		return
	}
	body := map[string]string{"access_token": s.accessToken(reg, id, scopes, now)}
	if offline && (id.refreshed || (reg.BasicLoginReturnsRefreshToken && id.kind != kindAnonymous)) {
		refresh = s.refreshToken(reg, id, now)
	}
	if refresh != "" {
		body["refresh_token"] = refresh
	}
	x.ok(body)
}

// anonymousOK reports whether an anonymous request may have a token for
// scopes: only with anonymous pull on, and only to pull.
func anonymousOK(reg *registry, scopes []scope) bool {
	if !reg.AnonymousPull {
		return false
	}
	for _, sc := range scopes {
		if sc.typ != "repository" {
			return false
		}
		for _, a := range sc.actions {
			if a != "pull" {
				return false
			}
		}
	}
	return true
}

// refuse answers a token request with 401 and err's message.
//
// Docker prints a token endpoint's error as "unauthorized: <message>" when
// the body is JSON, and as "unauthorized: <body>" when it is not
// (distribution registry/client/errors.go, parseHTTPErrorResponse). Real
// users saw both for ACR (Azure/azure-cli#29659): an unknown username gives
// "unauthorized: Application not registered with AAD.", a known one with a
// wrong password "unauthorized: {"errors":[{"code":"UNAUTHORIZED",…}]}".
// So the authentication-required answer goes out with a non-JSON content
// type, which reproduces what Docker shows; the rest is JSON.
func (x *exchange) refuse(err error) {
	msg := msgAuthRequired
	var ae authError
	if errors.As(err, &ae) {
		msg = string(ae)
	}
	body := errorBody("UNAUTHORIZED", msg, nil)
	if msg == msgAuthRequired {
		x.body(http.StatusUnauthorized, "text/plain; charset=utf-8", body)
		return
	}
	x.json(http.StatusUnauthorized, body)
}

// serveExchange answers POST /oauth2/exchange: an AAD access token for an
// ACR refresh token (acr-protocol.md §1.2). The token must be for ARM's
// audience or ACR's (ACR's only with AuthenticationAsARMDisabled), in the
// registry's tenant, and name one of its Users or, for an app-only token
// (idtyp "app"), one of its ServicePrincipals by appid.
func (x *exchange) serveExchange() {
	s, r, reg := x.s, x.r, x.reg
	now := reg.now()
	if r.Method != http.MethodPost {
		x.json(http.StatusMethodNotAllowed, errorBody("UNSUPPORTED", "The operation is unsupported.", nil))
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "access_token", "access_token_refresh_token":
	default:
		x.json(http.StatusBadRequest, errorBody("UNSUPPORTED", "unsupported grant_type", nil))
		return
	}
	if f.Get("access_token") == "" {
		x.json(http.StatusBadRequest, errorBody("INVALID_REQUEST", "access_token is required", nil))
		return
	}
	if service := f.Get("service"); service != "" && !strings.EqualFold(service, reg.host) {
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
		return
	}
	claims, err := s.verify(reg, f.Get("access_token"), now)
	if err != nil {
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
		return
	}
	tid, _ := claims["tid"].(string)
	if (reg.Tenant != "" && tid != reg.Tenant) || (f.Get("tenant") != "" && f.Get("tenant") != tid) {
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
		return
	}
	if aud, _ := claims["aud"].(string); !exchangeAudience(reg, aud) {
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
		return
	}
	if claims["idtyp"] == "app" {
		// A service principal's app-only token: the registry knows it by
		// app ID, and the refresh token's sub is that app ID.
		appID, _ := claims["appid"].(string)
		if key, sp, ok := lookupFold(reg.ServicePrincipals, appID); ok && appID != "" {
			id := identity{kind: kindSP, subject: key, actions: sp.Actions}
			x.ok(map[string]string{"refresh_token": s.refreshToken(reg, id, now)})
			return
		}
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
		return
	}
	for _, key := range []string{"upn", "unique_name", "oid", "sub"} {
		name, _ := claims[key].(string)
		if u, ok := reg.Users[name]; ok && name != "" {
			id := identity{kind: kindUser, subject: name, actions: u.Actions}
			x.ok(map[string]string{"refresh_token": s.refreshToken(reg, id, now)})
			return
		}
	}
	x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, nil))
}

// RefreshToken mints an ACR refresh token for host issued at iat to user,
// with the permissions user has there: what /oauth2/exchange would have
// issued at iat. user may be a Users key, a service principal's app ID, the
// admin user or a token name; any other user gets a token the registry
// will refuse.
func (s *Server) RefreshToken(host, user string, iat time.Time) string {
	host = strings.ToLower(host)
	s.mu.Lock()
	reg := s.regs[host]
	s.mu.Unlock()
	if reg == nil {
		return s.signer.Sign(tokentest.ACRRefresh(host, user, "", iat))
	}
	id, ok := s.subject(reg, user)
	if !ok {
		id = identity{subject: user}
	}
	return s.signer.Sign(tokentest.ACRRefresh(host, user, reg.Tenant, iat, id.refreshActions(reg)...))
}

// AADToken mints an Azure AD access token for user upn in tenant, issued at
// iat, that the emulator's /oauth2/exchange accepts.
func (s *Server) AADToken(tenant, upn string, iat time.Time) string {
	return s.signer.Sign(tokentest.AAD(tenant, upn, iat))
}

// manifest is a synthesized image manifest and its config blob.
type manifest struct {
	mediaType    string
	body         []byte
	digest       string
	config       []byte
	configDigest string
}

// manifestFor makes the Docker v2 schema 2 manifest of repo:tag, the same
// on every call: a config blob, which is served, and one layer, which is
// not (only its digest is real-looking).
func manifestFor(repo, tag string) manifest {
	digest := func(b []byte) string {
		h := sha256.Sum256(b)
		return "sha256:" + hex.EncodeToString(h[:])
	}
	layer := digest([]byte("layer " + repo + ":" + tag))
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Cmd": []string{"/hello"}, "Labels": map[string]string{"org.opencontainers.image.ref.name": repo + ":" + tag}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{layer}},
	})
	const mt = "application/vnd.docker.distribution.manifest.v2+json"
	body, _ := json.MarshalIndent(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mt,
		"config": map[string]any{
			"mediaType": "application/vnd.docker.container.image.v1+json",
			"size":      len(config),
			"digest":    digest(config),
		},
		"layers": []any{map[string]any{
			"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
			"size":      2479,
			"digest":    layer,
		}},
	}, "", "   ")
	return manifest{mediaType: mt, body: body, digest: digest(body), config: config, configDigest: digest(config)}
}
