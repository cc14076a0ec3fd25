// Package credkind names what sort of credential a registry is given,
// from its username and secret alone: the one judgement the doctor's
// inventory and the credential helper's journal share. It links nothing
// heavier than package token, since the helper judges every get.
package credkind

import (
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
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

// NullGUID is the username that tells ACR the password is an ACR token.
const NullGUID = "00000000-0000-0000-0000-000000000000"

// TokenUsername is the username a helper stores an identity token under.
const TokenUsername = "<token>"

// Credential is what a store gives one registry: a username and password,
// or an identity token.
type Credential struct {
	Username, Password, IdentityToken string
}

// Judgement is a credential's kind, and the token it holds.
type Judgement struct {
	Kind Kind
	// Token is the JWT stored as the identity token or the password,
	// decoded; TokenErr says why one that looks like a JWT did not decode.
	Token    *token.Token
	TokenErr error
	// AsPassword is set for a JWT stored as the password.
	AsPassword bool
}

// Of judges c, given to a registry that is an ACR (acr) named registry
// (its resource name, which is the admin user's username).
func Of(c Credential, acr bool, registry string) Judgement {
	if c.Username == TokenUsername {
		c.Username = "" // no username: Docker sends the identity token alone
	}
	switch {
	case c.Username == "" && c.Password == "" && c.IdentityToken == "":
		return Judgement{Kind: Anonymous}
	case c.IdentityToken != "":
		return ofToken(c.IdentityToken, false)
	case token.LooksLikeJWT(c.Password):
		return ofToken(c.Password, true)
	case !acr, c.Username == NullGUID, UsernameIsToken(c.Username), Swapped(c.Username, c.Password, registry):
		// A token as the username is no user: given with -u, swapped.
		return Judgement{Kind: Unknown}
	case ValidGUID(c.Username):
		return Judgement{Kind: ServicePrincipal}
	case strings.EqualFold(c.Username, registry):
		return Judgement{Kind: AdminUser}
	case strings.Contains(c.Username, "@"):
		return Judgement{Kind: Unknown} // an e-mail address: ACR knows no such user
	}
	return Judgement{Kind: RepositoryToken}
}

// ofToken judges a JWT stored as the identity token or, with asPassword,
// as the password.
func ofToken(secret string, asPassword bool) Judgement {
	tok, err := token.Decode(secret)
	j := Judgement{Kind: IdentityToken, Token: tok, TokenErr: err, AsPassword: asPassword}
	switch {
	case err != nil:
	case tok.Kind == token.AADToken:
		j.Kind = AADToken
		return j
	case tok.Kind == token.RefreshToken:
		j.Kind = RefreshToken
		return j
	case tok.Kind == token.AccessToken:
		return j
	}
	if asPassword {
		j.Kind = Unknown // not a token of ACR's, which is all it takes as a password
	}
	return j
}

// UsernameIsToken reports whether a username is a JWT, around any white
// space: a token given with -u, and the username with -p.
func UsernameIsToken(u string) bool { return token.LooksLikeJWT(strings.TrimSpace(u)) }

// Swapped reports whether a username and password were given the wrong
// way round, where that shows: the password is the null GUID, which is
// ACR's username for a token (the token is then the username); or, for an
// ACR registry, its name, which is the admin user's username, or a GUID, a
// service principal's application ID, under a username that is no GUID.
// ACR generates no password of either shape (a service principal's, older
// ones, may be a GUID, under its own GUID). registry is the registry's
// name, "" for another registry's.
func Swapped(username, password, registry string) bool {
	u, p := strings.TrimSpace(username), strings.TrimSpace(password)
	return u != "" && u != NullGUID && (p == NullGUID ||
		registry != "" && strings.EqualFold(p, registry) && !strings.EqualFold(u, registry) ||
		registry != "" && ValidGUID(p) && !ValidGUID(u))
}

// SecretUsername reports whether a username must be shown as the secret
// is, not at all: redact.SecretUsername's, or one given the wrong way round
// with its password (Swapped), which is the password. host is the
// registry as the credential is keyed, whose first label stands for its
// name whether or not it is a well-formed ACR login server (a port, a
// misspelt suffix): to hide, the guess errs towards hiding.
func SecretUsername(username, password, host string) bool {
	name, _, _ := strings.Cut(loginserver.Host(host), ".")
	name, _, _ = strings.Cut(name, ":")
	return redact.SecretUsername(username, password) || Swapped(username, password, name)
}

// ValidGUID reports whether s is a GUID: 8-4-4-4-12 hex digits. By hand,
// not a regexp: the credential helper asks on every get, and compiling
// one there costs more than the rest of its judging.
func ValidGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}
