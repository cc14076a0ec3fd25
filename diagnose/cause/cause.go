// Package cause holds acr-doctor's cause catalogue: the stable IDs every
// diagnosis is named by (they are the JSON contract), with the title, the
// Microsoft Learn pages and the `az acr check-health` error code of each.
package cause

import (
	"fmt"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// ID names a cause. IDs never change meaning; new ones may be added.
type ID string

// The catalogue. The order is the order of the table in DESIGN.md §3.
const (
	RegistryName           ID = "registry_name"
	NetworkUnreachable     ID = "network_unreachable"
	NetworkFirewall        ID = "network_firewall"
	TLS                    ID = "tls"
	InvalidCredentials     ID = "invalid_credentials"
	AADNotRegistered       ID = "aad_not_registered"
	ExpiredCredentials     ID = "expired_credentials"
	InsufficientPermission ID = "insufficient_permissions"
	AnonymousPullBlocked   ID = "anonymous_pull_blocked"
	DockerEnvironment      ID = "docker_environment"
	CredentialStore        ID = "credential_store"
	ClockSkew              ID = "clock_skew"
	Throttled              ID = "throttled"
	RegistryError          ID = "registry_error"
)

// Severity tells a problem from a warning. Only problems make a command exit 1.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Cause is one diagnosis: what is wrong, what showed it, and what fixes it.
type Cause struct {
	ID       ID       `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	// Evidence is what was seen, in the registry's or the helper's own words
	// where there are any. It never holds a secret.
	Evidence string `json:"evidence"`
	// Remediation is commands and steps filled in with the real registry,
	// identity and address, most likely fix first. Each value in them went
	// through diagnose/shell: checked against its shape, or quoted as one
	// word, or left out for a placeholder that Evidence explains, so any
	// command is safe to paste.
	Remediation []string `json:"remediation"`
	Docs        []string `json:"docs"`
	// CheckHealth is the `az acr check-health` error code this corresponds
	// to, so a user can map between the two tools.
	CheckHealth string `json:"check_health,omitempty"`
}

// Entry is the fixed part of a cause: what the catalogue knows about an ID.
type Entry struct {
	ID          ID
	Title       string
	Docs        []string
	CheckHealth string
}

const learn = "https://learn.microsoft.com/azure/container-registry/"

var (
	docLogin       = learn + "container-registry-troubleshoot-login-authn-authz"
	docAuth        = learn + "container-registry-authentication"
	docAccess      = learn + "container-registry-troubleshoot-access"
	docRoles       = learn + "container-registry-roles"
	docHealth      = learn + "container-registry-health-error-reference"
	docAnonymous   = learn + "anonymous-pull-access"
	docFAQ         = learn + "container-registry-faq"
	docSP          = learn + "container-registry-auth-service-principal"
	docScoped      = learn + "container-registry-token-based-repository-permissions"
	docPerformance = learn + "container-registry-troubleshoot-performance"
	docCredStore   = "https://docs.docker.com/reference/cli/docker/login/#credential-stores"
)

var catalogue = map[ID]Entry{
	RegistryName: {
		Title:       "The registry or image name is wrong, or does not exist",
		Docs:        []string{docLogin, docFAQ},
		CheckHealth: "CONNECTIVITY_DNS_ERROR",
	},
	NetworkUnreachable: {
		Title:       "The registry cannot be reached over the network",
		Docs:        []string{docAccess, docHealth},
		CheckHealth: "CONNECTIVITY_CHALLENGE_ERROR",
	},
	NetworkFirewall: {
		Title:       "The registry's network rules refuse this client",
		Docs:        []string{docAccess, docHealth},
		CheckHealth: "CONNECTIVITY_FORBIDDEN_ERROR",
	},
	TLS: {
		Title:       "The TLS connection to the registry failed",
		Docs:        []string{docAccess, docHealth},
		CheckHealth: "CONNECTIVITY_SSL_ERROR",
	},
	InvalidCredentials: {
		Title:       "The stored credentials are not valid for this registry",
		Docs:        []string{docLogin, docAuth},
		CheckHealth: "CONNECTIVITY_ACCESS_TOKEN_ERROR",
	},
	AADNotRegistered: {
		Title:       "The registry does not know this username (Application not registered with AAD)",
		Docs:        []string{docLogin, docSP},
		CheckHealth: "CONNECTIVITY_AAD_LOGIN_ERROR",
	},
	ExpiredCredentials: {
		Title:       "The credentials have expired",
		Docs:        []string{docLogin, docAuth},
		CheckHealth: "CONNECTIVITY_REFRESH_TOKEN_ERROR",
	},
	InsufficientPermission: {
		Title:       "The identity is not allowed this operation",
		Docs:        []string{docRoles, docScoped, docLogin},
		CheckHealth: "CONNECTIVITY_ACCESS_TOKEN_ERROR",
	},
	AnonymousPullBlocked: {
		Title: "Stored credentials that fail are sent where anonymous pull would work",
		Docs:  []string{docAnonymous, docLogin},
	},
	DockerEnvironment: {
		Title:       "Docker is missing, too old, or its daemon is not running",
		Docs:        []string{docLogin, docHealth},
		CheckHealth: "DOCKER_COMMAND_ERROR",
	},
	CredentialStore: {
		Title: "Docker's credential store fails",
		Docs:  []string{docCredStore, docLogin},
	},
	ClockSkew: {
		Title: "The local clock and the registry's clock disagree",
		Docs:  []string{docLogin},
	},
	Throttled: {
		Title:       "The registry is throttling requests",
		Docs:        []string{docPerformance, docHealth},
		CheckHealth: "CONNECTIVITY_TOOMANYREQUESTS_ERROR",
	},
	RegistryError: {
		Title:       "The registry answered with a server error or no usable challenge",
		Docs:        []string{docHealth, docAccess},
		CheckHealth: "CONNECTIVITY_CHALLENGE_ERROR",
	},
}

func init() {
	for id, e := range catalogue {
		e.ID = id
		catalogue[id] = e
	}
}

// IDs lists every ID of the catalogue, in catalogue order.
func IDs() []ID {
	return []ID{
		RegistryName, NetworkUnreachable, NetworkFirewall, TLS, InvalidCredentials,
		AADNotRegistered, ExpiredCredentials, InsufficientPermission, AnonymousPullBlocked,
		DockerEnvironment, CredentialStore, ClockSkew, Throttled, RegistryError,
	}
}

// Lookup returns the catalogue entry of id.
func Lookup(id ID) (Entry, bool) {
	e, ok := catalogue[id]
	return e, ok
}

// New makes an error-severity cause from the catalogue. It panics on an ID
// outside the catalogue: that is a programming error, caught by any test
// that reaches the call.
func New(id ID, evidence string, remediation ...string) Cause {
	e, ok := catalogue[id]
	if !ok {
		panic(fmt.Sprintf("cause: %q is not in the catalogue", id))
	}
	return Cause{
		ID:          id,
		Severity:    Error,
		Title:       e.Title,
		Evidence:    evidence,
		Remediation: remediation,
		Docs:        e.Docs,
		CheckHealth: e.CheckHealth,
	}
}

// Warn is New with warning severity: worth saying, not yet a failure.
func Warn(id ID, evidence string, remediation ...string) Cause {
	c := New(id, evidence, remediation...)
	c.Severity = Warning
	return c
}

// Fixed is c with f as its remediation. Where a value from outside could
// not go into f's commands, the evidence says which and why: the commands
// show a placeholder in its place.
func (c Cause) Fixed(f *shell.Fix) Cause {
	c.Remediation = f.Lines()
	for _, n := range f.Notes() {
		if !strings.Contains(c.Evidence, n) {
			c.Evidence += "; " + n
		}
	}
	return c
}

// Failed reports whether any of causes is a problem rather than a warning.
func Failed(causes []Cause) bool {
	for _, c := range causes {
		if c.Severity != Warning {
			return true
		}
	}
	return false
}
