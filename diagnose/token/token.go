// Package token decodes the JWTs a registry login deals in: ACR refresh and
// access tokens, and the Azure AD (Entra ID) tokens they are exchanged from.
//
// Tokens are decoded, never verified: ACR publishes no key to check its
// signatures with, so the claims say what a token claims to be and the
// registry has the last word. Nothing here prints or reads the clock;
// callers pass the time to judge a token against.
//
// References: Azure/acr docs/AAD-OAuth.md (claim lists, lifetimes),
// RFC 7519 (JWT), RFC 7515 (compact JWS).
package token

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Kind says what issued a token and for what.
type Kind string

const (
	// RefreshToken is an ACR refresh token: what `az acr login` stores as
	// Docker's identitytoken and what --expose-token prints. Issued by
	// "Azure Container Registry" with grant_type refresh_token, or
	// access_token_refresh_token in the 2017 protocol.
	RefreshToken Kind = "refresh_token"
	// AccessToken is an ACR access token: what /oauth2/token returns for a
	// scope, with the granted actions in its `access` claim.
	AccessToken Kind = "access_token"
	// AADToken is an Azure AD / Entra ID token, in any cloud: the input to
	// /oauth2/exchange, never a registry credential by itself.
	AADToken Kind = "aad_token"
	// OtherJWT is a well-formed JWT from some other issuer.
	OtherJWT Kind = "unknown"
)

// Permissions is the `permissions` claim of an ACR refresh token: the
// registry actions its holder's roles allow. Real tokens spell the keys
// both `Actions` and `actions`, and send NotActions as null.
// Title names the kind in words, for messages.
func (k Kind) Title() string {
	switch k {
	case RefreshToken:
		return "ACR refresh token"
	case AccessToken:
		return "ACR access token"
	case AADToken:
		return "Azure AD token"
	}
	return "token"
}

type Permissions struct {
	Actions    []string `json:"actions"`
	NotActions []string `json:"notActions,omitempty"` // nil when null or absent
}

// Access is one entry of an ACR access token's `access` claim, as in
// Docker's token spec: {"type":"repository","name":"hello","actions":["pull"]}.
type Access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Claims are the claims that tell what a token is, for whom, and until when.
// A claim that is absent leaves its field zero.
type Claims struct {
	Issuer    string
	Subject   string
	JWTID     string
	Audience  []string // `aud` may be a string or an array
	Tenant    string   // `tenant` (ACR) or `tid` (AAD)
	GrantType string   // ACR's `grant_type`
	Version   string   // ACR's `version`, or AAD's `ver`
	AppID     string   // `appid` (AAD v1, ACR) or `azp` (AAD v2)
	ObjectID  string   // `oid`
	Name      string   // `upn`, else `unique_name`, else `preferred_username`, else `email`
	Scope     string   // `scp`
	Roles     []string
	// Permissions is nil unless the token has a `permissions` claim.
	Permissions *Permissions
	// Access is nil when the token has no `access` claim and empty when
	// the claim is []: the registry authenticated the caller but granted
	// nothing.
	Access []Access

	IssuedAt  time.Time
	NotBefore time.Time
	ExpiresAt time.Time
}

// HasAudience reports whether host is one of the token's audiences,
// ignoring case: Docker lower-cases registry hosts, ACR need not.
func (c Claims) HasAudience(host string) bool {
	for _, a := range c.Audience {
		if strings.EqualFold(a, host) {
			return true
		}
	}
	return false
}

// Header is the JOSE header. ACR's kid is a libtrust-style key id
// ("WAAQ:ESPD:…") that differs between registries and regions.
type Header struct {
	Algorithm string // alg
	KeyID     string // kid
	Type      string // typ
}

// Token is a decoded, unverified JWT.
type Token struct {
	Kind   Kind
	Header Header
	Claims Claims
	// Payload is every claim as decoded, for JSON output. A claim that
	// itself carries a secret is replaced by "<redacted>": the 2017 ACR
	// refresh token's `credential` claim held an AAD refresh token, and any
	// claim holding a JWT holds a bearer token of its own.
	Payload map[string]any
	// Size is the length of the encoded token in bytes: Windows Credential
	// Manager truncates secrets over 2560 bytes, which large custom-role
	// tokens exceed.
	Size int
}

// Expired reports whether the token has an expiry and now is at or past it.
func (t *Token) Expired(now time.Time) bool {
	return !t.Claims.ExpiresAt.IsZero() && !now.Before(t.Claims.ExpiresAt)
}

// NotYetValid reports whether the token has a not-before time still ahead
// of now: a sign that one of the two clocks is wrong.
func (t *Token) NotYetValid(now time.Time) bool {
	return !t.Claims.NotBefore.IsZero() && now.Before(t.Claims.NotBefore)
}

// Lifetime is how long the issuer meant the token to last, exp − iat, or 0
// when either is missing. ACR refresh tokens last 3h15m, access tokens 75m.
func (t *Token) Lifetime() time.Duration {
	c := t.Claims
	if c.ExpiresAt.IsZero() || c.IssuedAt.IsZero() {
		return 0
	}
	return c.ExpiresAt.Sub(c.IssuedAt)
}

// Humanize renders d for messages like "expired 2h13m ago" or "expires in
// 41m": days and hours from 48h up ("3d4h"), then hours and minutes
// ("2h13m"), minutes ("41m") or seconds ("12s"). It truncates, and never
// shows more than two units, since a token's remaining life needs no more.
// A negative d gets a leading "-".
func Humanize(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 { // which has no positive counterpart
			d++
		}
		return "-" + Humanize(-d)
	}
	const day = 24 * time.Hour
	if d >= 48*time.Hour {
		return twoUnits(int64(d/day), "d", int64(d%day/time.Hour), "h")
	}
	if d >= time.Hour {
		return twoUnits(int64(d/time.Hour), "h", int64(d%time.Hour/time.Minute), "m")
	}
	if d >= time.Minute {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
}
