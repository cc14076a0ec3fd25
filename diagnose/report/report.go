// Package report is the model of what acr-doctor reports: the JSON contract
// of DESIGN.md §4. Fields may be added, never removed or renamed.
package report

import (
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Kind is what sort of credential an entry holds.
type Kind string

const (
	RefreshToken     Kind = "refresh_token"     // an ACR refresh token: identitytoken, `<token>`, or the null GUID with the token as password
	IdentityToken    Kind = "identity_token"    // an identity token that is not an ACR refresh token
	AdminUser        Kind = "admin_user"        // the registry's admin user
	ServicePrincipal Kind = "service_principal" // an application (client) ID and secret
	RepositoryToken  Kind = "repository_token"  // a repository-scoped token (scope map)
	AADToken         Kind = "aad_token"         // an Azure AD token stored by mistake
	Anonymous        Kind = "anonymous"         // nothing is sent
	Unknown          Kind = "unknown"
)

// Creds is the output of `creds`.
type Creds struct {
	Config      string       `json:"config"` // the config.json read
	Credentials []Credential `json:"credentials"`
	Stores      []Store      `json:"stores,omitempty"`
}

// Failed reports whether any problem (not a warning) was found.
func (c Creds) Failed() bool {
	for _, cr := range c.Credentials {
		if cause.Failed(cr.Causes) {
			return true
		}
	}
	for _, s := range c.Stores {
		if cause.Failed(s.Causes) {
			return true
		}
	}
	return false
}

// Credential is what Docker holds for one registry.
type Credential struct {
	Registry string `json:"registry"`
	// ACR is set for ACR registries and for keys evidently meant as one.
	ACR    bool   `json:"acr"`
	Source string `json:"source"`
	Kind   Kind   `json:"kind"`
	// Username is never a secret; the secret is named by its fingerprint.
	Username    string `json:"username,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Token       *Token `json:"token,omitempty"`
	// Shadowed names other places holding a credential for this registry
	// that Docker ignores.
	Shadowed []string      `json:"shadowed,omitempty"`
	Causes   []cause.Cause `json:"causes"`
}

// Store is a credential helper named by credsStore.
type Store struct {
	Source  string        `json:"source"`
	Default bool          `json:"default"` // Docker's platform default, not in config.json
	Entries int           `json:"entries"`
	Causes  []cause.Cause `json:"causes"`
}

// Token is a decoded token: the output of `token`, and the `token` of a
// credential. It never holds the token or its signature.
type Token struct {
	Kind        token.Kind         `json:"kind"`
	Issuer      string             `json:"issuer,omitempty"`
	Subject     string             `json:"subject,omitempty"`
	Name        string             `json:"name,omitempty"` // upn or a similar human name, where the token has one
	Audience    []string           `json:"audience,omitempty"`
	Tenant      string             `json:"tenant,omitempty"`
	GrantType   string             `json:"grant_type,omitempty"`
	JWTID       string             `json:"jti,omitempty"`
	AppID       string             `json:"appid,omitempty"`
	Permissions *token.Permissions `json:"permissions,omitempty"`
	Access      []token.Access     `json:"access,omitempty"`
	IssuedAt    *time.Time         `json:"issued_at,omitempty"`
	NotBefore   *time.Time         `json:"not_before,omitempty"`
	ExpiresAt   *time.Time         `json:"expires_at,omitempty"`
	Expired     bool               `json:"expired"`
	// Verified is always false: ACR publishes no key to check its
	// signatures with, so claims are decoded, not trusted.
	Verified bool           `json:"verified"`
	Claims   map[string]any `json:"claims"`
}

// NewToken builds the report of a decoded token as seen at now.
func NewToken(t *token.Token, now time.Time) *Token {
	c := t.Claims
	return &Token{
		Kind:        t.Kind,
		Issuer:      c.Issuer,
		Subject:     c.Subject,
		Name:        c.Name,
		Audience:    c.Audience,
		Tenant:      c.Tenant,
		GrantType:   c.GrantType,
		JWTID:       c.JWTID,
		AppID:       c.AppID,
		Permissions: c.Permissions,
		Access:      c.Access,
		IssuedAt:    timePtr(c.IssuedAt),
		NotBefore:   timePtr(c.NotBefore),
		ExpiresAt:   timePtr(c.ExpiresAt),
		Expired:     t.Expired(now),
		Claims:      t.Payload,
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// TokenReport is the output of `token`: the decoded token with what was
// found wrong with it.
type TokenReport struct {
	*Token
	LoginServer string        `json:"login_server,omitempty"` // from an --expose-token document
	Causes      []cause.Cause `json:"causes"`
}

// Check is the output of `check`.
type Check struct {
	Registries []Registry `json:"registries"`
	Docker     *Docker    `json:"docker,omitempty"`
}

// Docker is the Docker client the credentials are for.
type Docker struct {
	Path    string        `json:"path,omitempty"`
	Version string        `json:"version,omitempty"`
	Causes  []cause.Cause `json:"causes"`
}

// Failed reports whether any registry is unhealthy or has a problem.
func (c Check) Failed() bool {
	if c.Docker != nil && cause.Failed(c.Docker.Causes) {
		return true
	}
	for _, r := range c.Registries {
		if !r.Healthy || cause.Failed(r.Causes) {
			return true
		}
	}
	return false
}

// Registry is one registry's diagnosis.
type Registry struct {
	Registry string `json:"registry"`
	// Healthy is set when Docker can log in with what it has stored, as
	// `docker login REGISTRY` with no password would; with nothing
	// stored, when anonymous pull works. Causes may still name problems
	// for the operation probed (a missing push permission).
	Healthy    bool          `json:"healthy"`
	Credential Credential    `json:"credential"`
	Steps      []Step        `json:"steps"`
	Causes     []cause.Cause `json:"causes"`
}

// Step is one step of a check.
type Step struct {
	Name       string     `json:"name"`
	Status     StepStatus `json:"status"`
	DurationMS int64      `json:"duration_ms"`
	Detail     string     `json:"detail"`
}

// StepStatus is a step's outcome.
type StepStatus string

const (
	StepOK   StepStatus = "ok"
	StepWarn StepStatus = "warn"
	StepFail StepStatus = "fail"
)

// Explain is the output of `explain`.
type Explain struct {
	Causes     []Finding `json:"causes"`
	Registries []string  `json:"registries"`
}

// Finding is one cause read from pasted error output. Evidence is the
// line that gave it away.
type Finding struct {
	cause.Cause
	LineNo   int    `json:"line"`
	Registry string `json:"registry,omitempty"`
}
