// Package report is the model of what acr-doctor reports: the JSON contract
// of DESIGN.md §4. Fields may be added, never removed or renamed.
package report

import (
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Creds is the output of `creds`.
type Creds struct {
	Config      string       `json:"config"` // the config.json read
	Credentials []Credential `json:"credentials"`
	Stores      []Store      `json:"stores,omitempty"`
	// Files are, with --tool, the files read for each tool.
	Files []ToolFile `json:"files,omitempty"`
}

// Unreadable reports whether a file --tool reads could not be read.
func Unreadable(files []ToolFile) bool {
	for _, f := range files {
		if f.Error != "" {
			return true
		}
	}
	return false
}

// ToolFile is a file a tool keeps credentials in, as --tool reads it.
type ToolFile struct {
	Tool string `json:"tool"`
	File string `json:"file"`
	// Note says how the tool reads it differently from Docker.
	Note string `json:"note,omitempty"`
	// Error is why it could not be read: a problem of its own.
	Error string `json:"error,omitempty"`
}

// Failed reports whether any problem (not a warning) was found.
func (c Creds) Failed() bool {
	if Unreadable(c.Files) {
		return true
	}
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
	ACR    bool          `json:"acr"`
	Source string        `json:"source"`
	Kind   credkind.Kind `json:"kind"`
	// Username is never a secret; the secret is named by its fingerprint.
	Username    string `json:"username,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Token       *Token `json:"token,omitempty"`
	// Shadowed names other places holding a credential for this registry
	// that Docker ignores.
	Shadowed []string `json:"shadowed,omitempty"`
	// Tool and File say whose credential it is, with --tool: docker,
	// podman, helm or regctl, and the file it is read from.
	Tool   string        `json:"tool,omitempty"`
	File   string        `json:"file,omitempty"`
	Causes []cause.Cause `json:"causes"`
}

// Store is a credential helper named by credsStore.
type Store struct {
	Source string `json:"source"`
	// Tool and File say, with --tool, whose config names the store.
	Tool    string        `json:"tool,omitempty"`
	File    string        `json:"file,omitempty"`
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
	// Stores are the credential stores credsStore names, each with what
	// it said when asked to list its entries.
	Stores []Store `json:"stores,omitempty"`
	Docker *Docker `json:"docker,omitempty"`
	// Files are, with --tool, the files read for each tool.
	Files []ToolFile `json:"files,omitempty"`
}

// Docker is the Docker client the credentials are for.
type Docker struct {
	Path    string        `json:"path,omitempty"`
	Version string        `json:"version,omitempty"`
	Causes  []cause.Cause `json:"causes"`
}

// Failed reports whether any registry is unhealthy or has a problem.
func (c Check) Failed() bool {
	if Unreadable(c.Files) || c.Docker != nil && cause.Failed(c.Docker.Causes) {
		return true
	}
	for _, s := range c.Stores {
		if cause.Failed(s.Causes) {
			return true
		}
	}
	for _, r := range c.Registries {
		if !r.Healthy {
			return true
		}
	}
	return false
}

// Registry is one registry's diagnosis.
type Registry struct {
	Registry string `json:"registry"`
	// Healthy is set when Docker can log in with what it has stored, as
	// `docker login REGISTRY` with no password would (with nothing
	// stored, when anonymous pull works), and no cause is an error: a
	// missing push permission asked for with --push makes it false.
	Healthy bool `json:"healthy"`
	// LoginFailed is set when the replayed login itself failed, as
	// opposed to a problem beside it: text says "login fails".
	LoginFailed bool          `json:"-"`
	Credential  Credential    `json:"credential"`
	Steps       []Step        `json:"steps"`
	Causes      []cause.Cause `json:"causes"`
	// Azure is set by `check --azure`.
	Azure *Azure `json:"azure,omitempty"`
	// LoginEvents is set when the login failed on authentication: where
	// the registry's own log of it can be found.
	LoginEvents *LoginEvents `json:"login_events,omitempty"`
}

// Step is one step of a check.
type Step struct {
	Name       StepName   `json:"name"`
	Status     StepStatus `json:"status"`
	DurationMS int64      `json:"duration_ms"`
	Detail     string     `json:"detail"`
}

// StepName names a step of a check, as text and JSON say it. The
// registry exchanges' steps are named by their probe.Purpose.
type StepName string

const (
	StepCredential     StepName = "credential"      // what the store holds
	StepLastGet        StepName = "last_get"        // what the helper last gave Docker
	StepLive           StepName = "live"            // why the login was not replayed
	StepProxy          StepName = "proxy"           // HTTPS_PROXY and NO_PROXY
	StepDNS            StepName = "dns"             // the registry's addresses
	StepTCP            StepName = "tcp"             // the connection to 443
	StepTLS            StepName = "tls"             // the handshake
	StepClock          StepName = "clock"           // the registry's Date against the local clock
	StepARM            StepName = "arm"             // the registry's Azure resource
	StepARMSettings    StepName = "arm_settings"    // its settings
	StepARMPermissions StepName = "arm_permissions" // what the Azure identity may do
	StepLoginEvents    StepName = "login_events"    // the registry's log of the login
)

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
	// Confidence is "certain", "likely" or "possible".
	Confidence string `json:"confidence"`
	// Alternatives are other causes the same evidence fits.
	Alternatives []cause.ID `json:"alternatives,omitempty"`
	// Shown is what showed the cause, each piece marked as from the text
	// or from this machine's credential store.
	Shown []Shown `json:"shown_by,omitempty"`
}

// Shown is one piece of evidence of a Finding.
type Shown struct {
	Source string `json:"source"` // "text" or "machine"
	LineNo int    `json:"line,omitempty"`
	Text   string `json:"text"`
}

// Azure is what Azure Resource Manager and the registry's logs showed of a
// registry, read with an Azure identity from the environment (`check
// --azure`). Whatever could not be read is in Unseen with the reason;
// nothing here is required for the rest of the diagnosis.
type Azure struct {
	// Caller is the Azure identity that read ARM: a UPN, or an
	// application (client) ID.
	Caller   string         `json:"caller,omitempty"`
	Resource *AzureResource `json:"resource,omitempty"`
	// Permissions are the caller's effective permissions on the registry,
	// from ARM's permissions API.
	Permissions *Permissions `json:"permissions,omitempty"`
	Unseen      []Unseen     `json:"unseen,omitempty"`
}

// ABAC is the role-assignment mode with ABAC repository permissions.
const ABAC = "AbacRepositoryPermissions"

// AzureResource is the registry's resource and the settings that decide
// who may log in, from where.
type AzureResource struct {
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	Subscription             string            `json:"subscription"`
	ResourceGroup            string            `json:"resource_group"`
	Location                 string            `json:"location,omitempty"`
	SKU                      string            `json:"sku,omitempty"`
	LoginServer              string            `json:"login_server"`
	AdminUserEnabled         bool              `json:"admin_user_enabled"`
	AnonymousPullEnabled     bool              `json:"anonymous_pull_enabled"`
	PublicNetworkAccess      string            `json:"public_network_access,omitempty"`
	DefaultAction            string            `json:"network_default_action,omitempty"`
	IPRules                  []string          `json:"ip_rules,omitempty"`
	NetworkRuleBypassOptions string            `json:"network_rule_bypass_options,omitempty"`
	DataEndpointEnabled      bool              `json:"data_endpoint_enabled"`
	DataEndpoints            []string          `json:"data_endpoints,omitempty"`
	PrivateEndpoints         []PrivateEndpoint `json:"private_endpoints,omitempty"`
	// RoleAssignmentMode is "LegacyRegistryPermissions" (RBAC) or ABAC.
	RoleAssignmentMode string `json:"role_assignment_mode,omitempty"`
	// AuthenticationAsARM is "enabled" or "disabled": whether the registry
	// takes Azure AD tokens for ARM's audience (az acr login's).
	AuthenticationAsARM string `json:"authentication_as_arm,omitempty"`
	// LogWorkspace is the Log Analytics workspace a diagnostic setting
	// sends ContainerRegistryLoginEvents to; "" when none does.
	LogWorkspace string `json:"login_events_workspace,omitempty"`
}

// PrivateEndpoint is one private endpoint connection of a registry.
type PrivateEndpoint struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// Permissions are an identity's effective permissions on a registry, and
// what they allow.
type Permissions struct {
	Identity       string   `json:"identity"`
	Actions        []string `json:"actions"`
	NotActions     []string `json:"not_actions,omitempty"`
	DataActions    []string `json:"data_actions,omitempty"`
	NotDataActions []string `json:"not_data_actions,omitempty"`
	// Pull, Push and Delete say what the permissions allow on the
	// registry's content, in its role-assignment mode; ReadSettings
	// whether they allow reading its ARM resource (Reader).
	Pull         bool `json:"pull"`
	Push         bool `json:"push"`
	Delete       bool `json:"delete"`
	ReadSettings bool `json:"read_settings"`
}

// Unseen is something the Azure side could not read, and why.
type Unseen struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// LoginEvents is the Log Analytics query over ContainerRegistryLoginEvents
// that finds a registry's authentication failures, the command that runs
// it, and, with --azure, what it returned.
type LoginEvents struct {
	Query   string `json:"query"`
	Command string `json:"command"`
	// Workspace is the workspace's resource ID, when ARM told it.
	Workspace string       `json:"workspace,omitempty"`
	Events    []LoginEvent `json:"events,omitempty"`
	// Ran is set when the query was run; Error says why it could not be.
	Ran   bool   `json:"ran"`
	Error string `json:"error,omitempty"`
}

// LoginEvent is one row of ContainerRegistryLoginEvents.
type LoginEvent struct {
	Time              time.Time `json:"time"`
	Identity          string    `json:"identity"`
	CallerIPAddress   string    `json:"caller_ip_address"`
	ResultType        string    `json:"result_type"`
	ResultDescription string    `json:"result_description"`
	JwtID             string    `json:"jwt_id,omitempty"`
	UserAgent         string    `json:"user_agent,omitempty"`
}
