// Package acremu is an Azure Container Registry emulator: a real HTTPS
// server on 127.0.0.1 that speaks ACR's authentication protocol (the /v2/
// challenge, /oauth2/token GET and POST, /oauth2/exchange) for registries
// with real-looking names such as myreg.azurecr.io, and that can be told to
// fail in each way acr-doctor must diagnose.
//
// Tests, the real `docker login` and the demo reach it three ways, since
// the names do not resolve: through an HTTP CONNECT proxy
// (HTTPS_PROXY=[Server.ProxyURL]), through [Server.DialContext] in an
// http.Transport, or by asking [Server.Lookup] what a name resolves to. Its
// certificates come from a CA made at [Start] and written to
// [Server.CAFile], which Go programs, Docker included, trust through
// SSL_CERT_FILE.
//
// # Contract and wire format
//
// Bodies, headers, token claims and lifetimes follow what public sources
// show of the real service (acr-protocol.md in the project's reference
// notes). Where the sources are silent the emulator picks one answer and
// the comment beside it says so. Tokens are RS256, signed by
// [tokentest.Default], which is also the key the emulator verifies with, so
// a test can mint a token with tokentest and present it.
//
// It also serves an Azure AD token endpoint on [AuthorityHost], so that
// azidentity's real client-credential path can run against it and feed
// /oauth2/exchange.
//
// # Azure Resource Manager and Log Analytics
//
// A registry whose [Registry.ARM] is set also exists on the management
// plane: [ARMHost] answers the Azure Resource Manager paths that read it
// (subscriptions, the registry resource, the caller's permissions on it,
// its diagnostic settings) as the real SDK clients request and decode them,
// and [LogAnalyticsHost] answers Log Analytics queries over the
// ContainerRegistryLoginEvents that the registry's token endpoints append
// when a workspace collects them ([Resource.Workspace]), in a small subset
// of KQL. Both take bearer tokens from [AuthorityHost]; [Server.Cloud] is
// the azcore cloud configuration that points the SDK at all three. The
// ARM settings and the data plane agree: a registry whose public network
// access is disabled refuses as under the [PublicAccessDisabled] fault,
// and a registry under that fault shows it disabled in ARM.
//
// The emulator never dials anything but its own loopback listeners.
package acremu

import (
	"net/url"
	"time"
)

// NullGUID is the username that tells ACR the password is an ACR refresh
// token, as `az acr login --expose-token` users and Docker's identity
// token flow use it.
const NullGUID = "00000000-0000-0000-0000-000000000000"

// OtherRealmHost is a host the emulator serves besides the registries: the
// token realm a registry with the [RealmOtherHost] fault points at. It issues
// tokens for whichever registry the `service` parameter names, so a client
// that follows the realm logs in, and its requests there show whether it
// sent the registry's credentials to another host.
const OtherRealmHost = "login.other-host.example"

// Defaults for Registry fields left empty.
const (
	DefaultClientIP  = "203.0.113.7" // TEST-NET-3: a documentation address, never contacted
	DefaultPrivateIP = "10.1.2.3"
	// DefaultPublicIP is what Lookup answers for a registry with a private
	// endpoint whose private DNS zone is not linked ([PrivateDNSNotLinked]):
	// the registry's public address. TEST-NET-2, never contacted; the
	// connection still reaches the emulator.
	DefaultPublicIP = "198.51.100.20"
)

// Registry configures one emulated registry. The maps are read, never
// written, by the emulator; they must not change after [Start].
type Registry struct {
	// Host is the login server, e.g. "myreg.azurecr.io". The admin user's
	// name is its first label.
	Host string

	AdminEnabled  bool
	AdminPassword string

	// ServicePrincipals are keyed by app ID (a GUID).
	ServicePrincipals map[string]Principal
	// Users are the Azure AD identities, by UPN (or object ID), that may
	// exchange an AAD token for an ACR refresh token and use it.
	Users map[string]Identity
	// Tokens are repository-scoped tokens, by token name.
	Tokens map[string]ScopedToken

	// AnonymousPull lets requests without credentials pull.
	AnonymousPull bool
	// BasicLoginReturnsRefreshToken makes a token request with the admin
	// user, a service principal or a repository token and offline_token=true
	// return a refresh_token too. Public configs show only `auth` for those
	// logins, so it is off by default.
	BasicLoginReturnsRefreshToken bool

	// Repositories maps a repository to its tags. Manifests are synthesized.
	Repositories map[string][]string

	// Tenant is the AAD tenant of the registry's tokens, and the one its
	// service principals are in at [AuthorityHost].
	Tenant string
	// AuthenticationAsARMDisabled makes /oauth2/exchange accept only AAD
	// tokens for ACR's own audience ([ACRAudience]), not ARM's, as
	// `az acr config authentication-as-arm update --status disabled` does.
	AuthenticationAsARMDisabled bool

	// Faults are the failures switched on at start; see [Server.SetFaults].
	Faults []Fault

	// Latency is added to every request, before it is answered.
	Latency time.Duration
	// ClockOffset is the registry's clock minus the local one: the Date
	// header and the iat, nbf and exp of tokens use now+ClockOffset, and so
	// does the validity check of presented tokens.
	ClockOffset time.Duration

	// ClientIP is the client address the Firewall and PublicAccessDisabled
	// errors report; DefaultClientIP when empty.
	ClientIP string
	// PrivateIP is what Lookup answers with the PrivateEndpoint fault;
	// DefaultPrivateIP when empty.
	PrivateIP string

	// ARM is the registry's Azure Resource Manager side; nil: ARM does not
	// show the registry at all.
	ARM *Resource
}

// Principal is a service principal's password credential.
type Principal struct {
	Secret    string
	Actions   []string  // "pull", "push", "delete"
	ExpiresAt time.Time // zero: never
}

// Identity is an Azure AD user (or managed identity) with registry roles.
type Identity struct {
	Actions []string // "pull", "push", "delete"
}

// ScopedToken is a repository-scoped token (`az acr token create`).
type ScopedToken struct {
	Password  string
	ExpiresAt time.Time // zero: never
	// ScopeMap maps a repository, "samples/*" or "*" to the actions
	// "content/read", "content/write", "content/delete", "metadata/read",
	// "metadata/write".
	ScopeMap map[string][]string
	Disabled bool
}

// Fault is a way a registry, or the network in front of it, can fail.
type Fault string

// The faults. A wrong password or an unknown user needs no fault: present
// one. Clock skew is [Registry.ClockOffset], slowness [Registry.Latency].
const (
	// ExpiredTokens: refresh tokens the registry issues (exchange, offline
	// login) are already expired.
	ExpiredTokens Fault = "expired_tokens"
	// NotYetValidTokens: refresh tokens the registry issues start an hour
	// from now.
	NotYetValidTokens Fault = "not_yet_valid_tokens"
	// AdminDisabled: the admin user is off, whatever AdminEnabled says.
	AdminDisabled Fault = "admin_disabled"
	// Firewall: every path answers 403 DENIED "client with IP … is not
	// allowed access". ARM shows the registry's defaultAction as Deny. A
	// registry whose ARM network rules deny its ClientIP behaves so too,
	// unless reached over its private endpoint (see [Resource]).
	Firewall Fault = "firewall"
	// PublicAccessDisabled: as Firewall; ACR says the same. ARM shows
	// publicNetworkAccess Disabled, and a registry whose ARM side disables
	// it behaves so too, unless reached over its private endpoint.
	PublicAccessDisabled Fault = "public_access_disabled"
	// Throttle: every path answers 429 TOOMANYREQUESTS, Retry-After: 30.
	Throttle Fault = "throttle"
	// ServerError: every path answers 503.
	ServerError Fault = "server_error"
	// NoChallenge: 401s carry no WWW-Authenticate.
	NoChallenge Fault = "no_challenge"
	// MalformedChallenge: the Bearer challenge's quoting is broken.
	MalformedChallenge Fault = "malformed_challenge"
	// RealmOtherHost: the challenge's realm is on [OtherRealmHost].
	RealmOtherHost Fault = "realm_other_host"
	// DripBody: /v2/ and token bodies come one byte per 200 ms.
	DripBody Fault = "drip_body"
	// EndlessBody: /v2/ and token bodies never end.
	EndlessBody Fault = "endless_body"
	// HugeBody: /v2/ and token bodies are 64 MiB, the real body at the end.
	HugeBody Fault = "huge_body"
	// RedirectLoop: /v2/ redirects to itself, forever.
	RedirectLoop Fault = "redirect_loop"
	// HungSocket: requests are read and never answered.
	HungSocket Fault = "hung_socket"
	// UntrustedCert: TLS presents a self-signed certificate, as a
	// TLS-intercepting proxy does.
	UntrustedCert Fault = "untrusted_cert"
	// WrongHostCert: TLS presents a trusted certificate for another name.
	WrongHostCert Fault = "wrong_host_cert"
	// Unreachable: the name resolves but connections time out.
	Unreachable Fault = "unreachable"
	// PrivateEndpoint: the name resolves to a private address (PrivateIP);
	// the registry still answers. It is what [Resource.PrivateEndpoints]
	// implies, and ARM shows a registry under it with one private
	// endpoint, pe-<name>.
	PrivateEndpoint Fault = "private_endpoint"
	// NotFound: the name does not resolve, as for a registry that does not
	// exist. ARM does not show it either.
	NotFound Fault = "not_found"
	// PrivateDNSNotLinked: the registry has a private endpoint (the
	// PrivateEndpoint fault or [Resource.PrivateEndpoints]) but the
	// privatelink.azurecr.io zone is not linked to the client's network, so
	// the name resolves to the public address, DefaultPublicIP, and the
	// client reaches the registry over the public network, where its
	// network rules apply. Without a private endpoint it changes nothing.
	PrivateDNSNotLinked Fault = "private_dns_not_linked"
)

// Faults lists every Fault, for tests that walk them.
var Faults = []Fault{
	ExpiredTokens, NotYetValidTokens, AdminDisabled, Firewall, PublicAccessDisabled,
	Throttle, ServerError, NoChallenge, MalformedChallenge, RealmOtherHost,
	DripBody, EndlessBody, HugeBody, RedirectLoop, HungSocket,
	UntrustedCert, WrongHostCert, Unreachable, PrivateEndpoint, NotFound,
	PrivateDNSNotLinked,
}

// Request is what the emulator recorded of one request. It holds no
// secret: passwords and tokens are never recorded, only whether and how a
// credential was sent.
type Request struct {
	Host   string // lower case, no port
	Method string
	Path   string
	// Query is the query string, with the values of keys that carry
	// secrets (password, refresh_token, access_token, …) replaced by
	// "<redacted>".
	Query url.Values
	// Form lists the names of the url-encoded form fields posted, sorted.
	Form []string
	// Auth is the Authorization scheme as sent ("Basic", "Bearer"), ""
	// when there was none.
	Auth string
	// Username is the Basic username, if any.
	Username  string
	UserAgent string
	// Status is the status answered; 0 while the request is in flight or
	// when it was never answered (HungSocket).
	Status int
}
