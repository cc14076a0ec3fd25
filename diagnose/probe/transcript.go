// Package probe replays, against one registry, the login Docker performs:
// DNS, TCP, TLS, the /v2/ challenge, the token request with the stored
// credential exactly as Docker sends it, an anonymous token request, and a
// scope probe that reads the granted actions from the access token. It
// records what happened in a Transcript, which the classifier judges; it
// judges nothing itself.
package probe

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Transcript is what one probe saw. It holds no secret: bodies are capped
// and scrubbed of tokens, Authorization headers are never recorded.
type Transcript struct {
	Registry string    // the host probed, e.g. myreg.azurecr.io
	Started  time.Time // local clock when the probe began
	// Proxy is the proxy URL used for the registry (HTTPS_PROXY, unless
	// NO_PROXY excludes the host), "" when connecting directly.
	Proxy   string
	NoProxy string // the NO_PROXY in effect, for the report

	DNS *DNSResult // nil when a proxy resolves names
	TCP *Step
	TLS *TLSResult

	// Exchanges are the HTTP requests of Docker's login, in its order.
	Exchanges []Exchange
	// Unused are requests made beside the challenge to an ACR registry's
	// usual realm (its own /oauth2/token) that the challenge did not
	// confirm: sent, shown, never judged.
	Unused []Exchange

	// ServerDate is the registry's Date header on the first answer of
	// Exchanges that carried one; zero when none did.
	ServerDate time.Time
	// LocalDate is the local clock when that answer arrived.
	LocalDate time.Time

	// Credential is what was sent: the kind and username from the store,
	// never the secret.
	Credential Credential

	// Scope is the scope the token requests asked for, e.g.
	// "repository:hello-world:pull,push".
	Scope string
	// Granted are the actions the stored credential's access token grants
	// for Scope's repository; nil when no access token was obtained.
	Granted []string
	// AnonymousGranted are the actions an anonymous token grants; nil when
	// the anonymous request failed.
	AnonymousGranted []string

	// TimedOut is set when the probe's overall deadline ended it.
	TimedOut bool
}

// Skew is how far the local clock is ahead of the registry's (negative:
// behind), in whole seconds; ok is false when no answer carried a Date.
// A Date header is the registry's time cut down to the second, so the
// difference is rounded down too: rounded to the nearest, an exact clock
// would read "1s ahead" half the time, and a registry 3h ahead "2h59m59s".
func (t *Transcript) Skew() (skew time.Duration, ok bool) {
	if t.ServerDate.IsZero() {
		return 0, false
	}
	d := t.LocalDate.Sub(t.ServerDate)
	return d - (d%time.Second+time.Second)%time.Second, true
}

// Credential describes the stored credential used, without its secret.
type Credential struct {
	Source   string // as in the creds report: file, credsStore:pass, …
	Kind     string // as in the creds report: refresh_token, admin_user, …
	Username string
	// Mode is how Docker presents it: "refresh_token" (OAuth2 POST with
	// grant_type=refresh_token), "basic" (GET with Basic auth), "none".
	Mode  string
	Token *token.Token // the decoded stored token, when it is a JWT
	// StoreFailed is set when the store failed to give the credential
	// (a missing or broken helper): "none" is then its finding, not the
	// registry's.
	StoreFailed bool
}

// Step is one network step's outcome.
type Step struct {
	Target   string // address or URL the step used
	Duration time.Duration
	Err      string // "" on success
	ErrKind  ErrKind
}

// ErrKind sorts a step's or an exchange's error for the classifier.
type ErrKind string

// The kinds of errors the probe meets. The last three are an exchange's
// only: an answer that is not a registry's.
const (
	KindTimeout      ErrKind = "timeout"
	KindDNS          ErrKind = "dns"
	KindRefused      ErrKind = "refused"
	KindReset        ErrKind = "reset"
	KindUnreachable  ErrKind = "unreachable"
	KindTLS          ErrKind = "tls"
	KindProxy        ErrKind = "proxy"
	KindOther        ErrKind = "other"
	KindTooLarge     ErrKind = "too_large"
	KindRedirectLoop ErrKind = "redirect_loop"
	KindDrip         ErrKind = "drip"
)

// DNSResult is the name resolution of the registry host.
type DNSResult struct {
	Step
	Addrs    []string // A and AAAA answers
	CNAMEs   []string // the canonical-name chain, where the resolver tells it
	NotFound bool     // NXDOMAIN
	// NothingResolves names a host that exists, and its lookup's error,
	// when the registry's was not found and it could not be resolved
	// either: the resolver finds no name at all.
	NothingResolves string
	Private         bool // every address is private: a private endpoint
}

// TLSResult is the TLS handshake with the registry.
type TLSResult struct {
	Step
	Version string
	// Peer is the certificate the server presented, recorded even when
	// verification failed, so a TLS-intercepting proxy shows.
	PeerSubject string
	PeerIssuer  string
	PeerDNS     []string
	// Verify says why verification failed: "unknown_authority",
	// "hostname", "expired", "other"; "" when it passed.
	Verify string
}

// Exchange is one HTTP request and its answer.
type Exchange struct {
	Purpose  Purpose
	Method   string
	URL      string // scheme, host, path and query; the query holds no secret
	Status   int
	Header   http.Header // the answer's headers of interest, see KeptHeaders
	Body     string      // the answer's body, capped at 4 KiB, scrubbed of the secret, tokens and secret fields
	Duration time.Duration
	Err      string
	ErrKind  ErrKind
	// SentCredential is set when the request carried the stored
	// credential (Basic auth, or a refresh token in the form).
	SentCredential bool
	// Refused says where this exchange led that the probe would not go,
	// and why: the challenge's realm, or a redirect, that is not
	// https://<registry>:443 (see CredentialDestination). Nothing, and no
	// credential, was sent there.
	Refused string

	raw  []byte // the whole body of a 200, for reading a token; never shown
	read []byte // what was read of the body, until keep scrubs it into Body
	// date is the answer's Date header, and local the local clock when
	// it came; zero without one.
	date, local time.Time
}

// Purpose says why an exchange was made.
type Purpose string

const (
	Ping           Purpose = "challenge"       // GET /v2/ without credentials
	TokenRequest   Purpose = "token"           // the realm, with the stored credential, as Docker sends it
	AnonymousToken Purpose = "anonymous_token" // the realm, without credentials
	ScopeProbe     Purpose = "scope"           // the realm again for the probed repository scope
	AuthedPing     Purpose = "authenticated"   // GET /v2/ with the bearer token obtained
)

// KeptHeaders are the response headers a transcript keeps.
var KeptHeaders = []string{
	"Www-Authenticate", "Date", "Retry-After", "Location", "Server",
	"Content-Type", "X-Ms-Correlation-Request-Id", "Docker-Distribution-Api-Version",
}

// Missing is what the scope probe asked for and the registry did not
// grant; nil when no token answer was read (Granted is nil).
func (t *Transcript) Missing() []string {
	if t.Scope == "" || t.Granted == nil {
		return nil
	}
	var out []string
	for _, op := range strings.Split(t.Scope[strings.LastIndex(t.Scope, ":")+1:], ",") {
		if !slices.Contains(t.Granted, op) {
			out = append(out, op)
		}
	}
	return out
}

// Exchange returns the first exchange made for purpose, or nil.
func (t *Transcript) Exchange(p Purpose) *Exchange {
	for i := range t.Exchanges {
		if t.Exchanges[i].Purpose == p {
			return &t.Exchanges[i]
		}
	}
	return nil
}
