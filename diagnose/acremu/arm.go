package acremu

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/golang-jwt/jwt/v5"
)

// ARMHost is the emulator's Azure Resource Manager: the management
// endpoint the SDK's arm clients call, reached like the registries, with a
// certificate from the emulator's CA. It answers GET only, on the paths
// that read a registry (see [Resource]):
//
//   - /subscriptions, /subscriptions/{sub}: the subscriptions where the
//     caller holds a role on a registry, or reads a workspace;
//   - /subscriptions/{sub}[/resourceGroups/{rg}]/providers/Microsoft.ContainerRegistry/registries:
//     the registries the caller may read (Owner, Contributor, Reader; not
//     AcrPull or AcrPush alone);
//   - {registry ID}: the registry;
//   - {registry ID}/providers/Microsoft.Authorization/permissions: the
//     caller's roles' permissions there;
//   - {registry ID}/providers/Microsoft.Insights/diagnosticSettings[/{name}]:
//     the setting sending its logs to its workspace, if any.
//
// ARM is never written by the tool, so any other method is refused with
// 405 and recorded, for tests to assert that no write happened. Tokens come
// from [AuthorityHost] for one of ARM's audiences; [Server.Cloud]
// configures the SDK for it. The caller is the token's appid for an app
// token, its upn for a user's. Refusals carry ARM's codes:
// AuthenticationFailed, InvalidAuthenticationToken,
// ExpiredAuthenticationToken, InvalidAuthenticationTokenTenant (a token
// from another tenant than the subscription's), SubscriptionNotFound (also
// for a subscription the caller sees nothing in), ResourceGroupNotFound,
// ResourceNotFound, AuthorizationFailed, InvalidResourceType.
//
// /metadata/endpoints answers without a token, as ARM's does, the cloud's
// endpoints. Real metadata carries no Log Analytics query endpoint; the
// emulator adds it under "logAnalytics" (some metadata versions carry
// service endpoints by name): it is [LogAnalyticsHost].
const ARMHost = "management.acremu.test"

// DefaultSubscription is the subscription of a Resource that names none.
const DefaultSubscription = "8f3c1d2e-6a4b-4c5d-9e7f-0a1b2c3d4e5f"

// creationDate is every emulated registry's creationDate: the real one is
// fixed at creation, so any fixed time will do.
const creationDate = "2024-01-02T03:04:05Z"

// Resource is a registry's Azure Resource Manager side: what ARM shows of
// it, and who may see it.
//
// ARM and the data plane agree, both ways, as computed at [Start] and by
// [Server.SetFaults]:
//   - PublicNetworkAccessDisabled makes the data plane refuse as under the
//     [PublicAccessDisabled] fault, and that fault shows publicNetworkAccess
//     Disabled;
//   - DefaultAction "Deny" with the registry's ClientIP matched by no IP
//     rule makes it refuse as under [Firewall], and that fault shows
//     defaultAction Deny (with the IP rules as configured);
//   - PrivateEndpoints make Lookup answer the PrivateIP, as under
//     [PrivateEndpoint] (the public address under [PrivateDNSNotLinked]),
//     and that fault shows one private endpoint, pe-<name>.
//
// A client that reaches the registry over its private endpoint (it has one
// and the private DNS zone is linked) is not subject to the public network
// rules, as in Azure: PublicNetworkAccessDisabled and the IP rules then
// refuse nothing. The Firewall and PublicAccessDisabled faults, set
// explicitly, refuse whatever the path.
//
// adminUserEnabled is AdminEnabled unless the AdminDisabled fault is set,
// anonymousPullEnabled is AnonymousPull, and the
// azureADAuthenticationAsArmPolicy is disabled iff
// AuthenticationAsARMDisabled.
type Resource struct {
	Subscription  string // DefaultSubscription when empty
	ResourceGroup string // "rg-" + the registry's name when empty
	Location      string // "eastus" when empty
	SKU           string // "Basic", "Standard" or "Premium" (the default)

	PublicNetworkAccessDisabled bool
	DefaultAction               string   // "Allow" (the default) or "Deny"
	IPRules                     []string // addresses or CIDRs allowed when DefaultAction is Deny
	NetworkRuleBypass           string   // "AzureServices" (the default) or "None"
	DataEndpointEnabled         bool
	// PrivateEndpoints are the names of private endpoints with approved
	// connections to the registry.
	PrivateEndpoints []string
	// ABAC sets roleAssignmentMode AbacRepositoryPermissions (else
	// LegacyRegistryPermissions).
	ABAC bool

	// RoleAssignments maps a principal (an application's client ID, as
	// AddApplication knows it, or a user's UPN or object ID) to the names of
	// its roles on the registry: "Owner", "Contributor", "Reader",
	// "AcrPull", "AcrPush", "AcrDelete", "Container Registry Repository
	// Reader", "Container Registry Repository Writer", "Container Registry
	// Repository Contributor", "Container Registry Repository Catalog
	// Lister" or "Log Analytics Reader". Keys match case-insensitively.
	//
	// The data-plane config implies roles too, so that the two sides agree:
	// a ServicePrincipals or Users entry with the actions pull, push and
	// delete holds AcrPull, AcrPush and AcrDelete (with ABAC, Container
	// Registry Repository Reader, Writer and Contributor).
	RoleAssignments map[string][]string

	// Workspace, when set, is where a diagnostic setting sends the
	// registry's ContainerRegistryLoginEvents, which [LogAnalyticsHost]
	// queries.
	Workspace *Workspace
}

// Workspace is a Log Analytics workspace.
type Workspace struct {
	Name string // "logs-acremu" when empty
	// ResourceID is the workspace's ARM ID; when empty,
	// /subscriptions/<the registry's subscription>/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/<Name>.
	ResourceID string
	// CustomerID is the workspace GUID the query API takes; when empty, a
	// GUID derived from ResourceID.
	CustomerID string
	// Readers are principals (client IDs, UPNs or object IDs) allowed to
	// query it, as with the Log Analytics Reader role on the workspace.
	Readers []string
}

// ARMFault is a way Azure Resource Manager, and the Log Analytics API
// behind the same front door, can fail. Unlike a Fault it is server-wide.
type ARMFault string

// The ARM faults. They apply to every ARM and Log Analytics path but
// /metadata/endpoints, before the token is looked at.
const (
	// ARMThrottled: 429 TooManyRequests, Retry-After: 30, as ARM answers a
	// principal over its read limit.
	ARMThrottled ARMFault = "arm_throttled"
	// ARMFailing: 500 InternalServerError.
	ARMFailing ARMFault = "arm_failing"
	// ARMHung: requests are read and never answered, until the client
	// gives up or the server closes.
	ARMHung ARMFault = "arm_hung"
)

// SetARMFaults replaces the ARM faults. Requests in flight keep the faults
// they started with.
func (s *Server) SetARMFaults(faults ...ARMFault) {
	next := make(map[ARMFault]bool, len(faults))
	for _, f := range faults {
		next[f] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armFaults = next
}

// SetARMLatency adds d to every ARM and Log Analytics answer but
// /metadata/endpoints, as Registry.Latency does for a registry.
func (s *Server) SetARMLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armDelay = d
}

func (s *Server) armLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.armDelay
}

func (s *Server) hasARMFault(f ARMFault) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.armFaults[f]
}

// Cloud is the azcore cloud configuration of the emulator: its Azure AD,
// ARM and Log Analytics, for azidentity's, the arm clients' and azlogs'
// ClientOptions.Cloud (with [Server.Client] as their Transport). The
// audiences are the public cloud's, which the emulator's Azure AD issues
// tokens for.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: "https://" + AuthorityHost + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: "https://" + ARMHost, Audience: "https://management.core.windows.net/"},
			azlogs.ServiceName:    {Endpoint: "https://" + LogAnalyticsHost, Audience: logAnalyticsAudiences[0]},
		},
	}
}

// roleDef is a built-in role definition's permissions.
type roleDef struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

const repoPerm = "Microsoft.ContainerRegistry/registries/repositories/"

// roleDefs are the built-in roles a Resource may assign, with their real
// permissions (az role definition list --name <role>).
var roleDefs = map[string]roleDef{
	"Owner": {Actions: []string{"*"}},
	"Contributor": {Actions: []string{"*"}, NotActions: []string{
		"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
	}},
	"Reader":    {Actions: []string{"*/read"}},
	"AcrPull":   {Actions: []string{"Microsoft.ContainerRegistry/registries/pull/read"}},
	"AcrPush":   {Actions: []string{"Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"}},
	"AcrDelete": {Actions: []string{"Microsoft.ContainerRegistry/registries/artifacts/delete"}},
	"Container Registry Repository Reader": {DataActions: []string{
		repoPerm + "metadata/read", repoPerm + "content/read",
	}},
	"Container Registry Repository Writer": {DataActions: []string{
		repoPerm + "metadata/read", repoPerm + "content/read", repoPerm + "metadata/write", repoPerm + "content/write",
	}},
	"Container Registry Repository Contributor": {DataActions: []string{
		repoPerm + "metadata/read", repoPerm + "content/read", repoPerm + "metadata/write", repoPerm + "content/write",
		repoPerm + "metadata/delete", repoPerm + "content/delete",
	}},
	"Container Registry Repository Catalog Lister": {DataActions: []string{"Microsoft.ContainerRegistry/registries/catalog/read"}},
	"Log Analytics Reader": {Actions: []string{
		"*/read", "Microsoft.OperationalInsights/workspaces/analytics/query/action", "Microsoft.OperationalInsights/workspaces/search/action",
	}},
}

// roleName is the canonical name of a built-in role, matched
// case-insensitively, as az role assignment create does.
func roleName(name string) (string, bool) {
	for n := range roleDefs {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// impliedRoles maps a data-plane action to the role that grants it, in
// the legacy and the ABAC role assignment modes.
var impliedRoles = map[string][2]string{
	"pull":   {"AcrPull", "Container Registry Repository Reader"},
	"push":   {"AcrPush", "Container Registry Repository Writer"},
	"delete": {"AcrDelete", "Container Registry Repository Contributor"},
}

// prepareARM fills the defaults of reg's ARM side, on a copy, and checks it.
func prepareARM(reg *Registry, name string) error {
	if reg.ARM == nil {
		return nil
	}
	a := *reg.ARM
	reg.ARM = &a
	if a.Subscription == "" {
		a.Subscription = DefaultSubscription
	}
	if a.ResourceGroup == "" {
		a.ResourceGroup = "rg-" + name
	}
	if a.Location == "" {
		a.Location = "eastus"
	}
	for _, f := range []struct {
		name    string
		value   *string
		allowed []string // the first is the default
	}{
		{"SKU", &a.SKU, []string{"Premium", "Basic", "Standard"}},
		{"DefaultAction", &a.DefaultAction, []string{"Allow", "Deny"}},
		{"NetworkRuleBypass", &a.NetworkRuleBypass, []string{"AzureServices", "None"}},
	} {
		switch {
		case *f.value == "":
			*f.value = f.allowed[0]
		case !slices.Contains(f.allowed, *f.value):
			return fmt.Errorf("acremu: %s: %s %q is not one of %s", reg.Host, f.name, *f.value, strings.Join(f.allowed, ", "))
		}
	}
	for _, rule := range a.IPRules {
		if _, err := parseIPRule(rule); err != nil {
			return fmt.Errorf("acremu: %s: IP rule %q: %w", reg.Host, rule, err)
		}
	}
	roles := make(map[string][]string, len(a.RoleAssignments))
	for principal, names := range a.RoleAssignments {
		for _, n := range names {
			canon, ok := roleName(n)
			if !ok {
				return fmt.Errorf("acremu: %s: %s: unknown role %q", reg.Host, principal, n)
			}
			roles[principal] = append(roles[principal], canon)
		}
	}
	a.RoleAssignments = roles
	if a.Workspace != nil {
		w := *a.Workspace
		a.Workspace = &w
		if w.Name == "" {
			w.Name = "logs-acremu"
		}
		if w.ResourceID == "" {
			w.ResourceID = "/subscriptions/" + a.Subscription + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/" + w.Name
		}
		if w.CustomerID == "" {
			w.CustomerID = derivedGUID("workspace " + strings.ToLower(w.ResourceID))
		}
	}
	return nil
}

func parseIPRule(rule string) (netip.Prefix, error) {
	if strings.Contains(rule, "/") {
		return netip.ParsePrefix(rule)
	}
	a, err := netip.ParseAddr(rule)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// derivedGUID is a GUID fixed by seed.
func derivedGUID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// imply adds to r's faults those its ARM side implies.
func (r *registry) imply() {
	a := r.ARM
	if a == nil {
		return
	}
	if len(a.PrivateEndpoints) > 0 {
		r.faults[PrivateEndpoint] = true
	}
	if r.overPrivateLink() {
		return // public network rules do not apply
	}
	if a.PublicNetworkAccessDisabled {
		r.faults[PublicAccessDisabled] = true
	}
	if a.DefaultAction == "Deny" && !ipAllowed(a.IPRules, r.ClientIP) {
		r.faults[Firewall] = true
	}
}

// overPrivateLink reports whether clients reach r over a private endpoint:
// it has one, and the name resolves to it.
func (r *registry) overPrivateLink() bool {
	return r.has(PrivateEndpoint) && !r.has(PrivateDNSNotLinked)
}

func ipAllowed(rules []string, ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, rule := range rules {
		if p, err := parseIPRule(rule); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// id is the registry's ARM resource ID.
func (r *registry) id() string {
	return "/subscriptions/" + r.ARM.Subscription + "/resourceGroups/" + r.ARM.ResourceGroup +
		"/providers/Microsoft.ContainerRegistry/registries/" + r.admin
}

// caller is who an ARM or Log Analytics bearer token names.
type caller struct {
	principal string // the appid of an app token, else the upn
	oid       string
	tenant    string
}

// matches reports whether key names c.
func (c caller) matches(key string) bool {
	return (c.principal != "" && strings.EqualFold(key, c.principal)) || (c.oid != "" && strings.EqualFold(key, c.oid))
}

// inTenant reports whether c is in the directory of r.
func (c caller) inTenant(r *registry) bool {
	return r.Tenant == "" || strings.EqualFold(r.Tenant, c.tenant)
}

// roles are the roles c holds on r: its assignments, then those its
// data-plane entries imply, each once.
func (r *registry) roles(c caller) []string {
	if r.ARM == nil || !c.inTenant(r) {
		return nil
	}
	var out []string
	add := func(role string) {
		if !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	keys := make([]string, 0, len(r.ARM.RoleAssignments))
	for k := range r.ARM.RoleAssignments {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if c.matches(k) {
			for _, role := range r.ARM.RoleAssignments[k] {
				add(role)
			}
		}
	}
	mode := 0
	if r.ARM.ABAC {
		mode = 1
	}
	var actions []string
	for _, key := range []string{c.principal, c.oid} {
		if key == "" {
			continue
		}
		if _, sp, ok := lookupFold(r.ServicePrincipals, key); ok {
			actions = append(actions, sp.Actions...)
		}
		if _, u, ok := lookupFold(r.Users, key); ok {
			actions = append(actions, u.Actions...)
		}
	}
	for _, a := range []string{"pull", "push", "delete"} {
		if slices.Contains(actions, a) {
			add(impliedRoles[a][mode])
		}
	}
	return out
}

// permits reports whether roles allow the control-plane action.
func permits(roles []string, action string) bool {
	for _, name := range roles {
		def := roleDefs[name]
		if slices.ContainsFunc(def.Actions, func(p string) bool { return wildcard(p, action) }) &&
			!slices.ContainsFunc(def.NotActions, func(p string) bool { return wildcard(p, action) }) {
			return true
		}
	}
	return false
}

// wildcard matches an action against a role's pattern, where * stands for
// any run of characters, case-insensitively, as ARM matches them.
func wildcard(pattern, s string) bool {
	pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	star, mark := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// The actions the ARM paths check.
const (
	actionRegistryRead = "Microsoft.ContainerRegistry/registries/read"
	actionDiagRead     = "Microsoft.Insights/diagnosticSettings/read"
	actionLogsRead     = "Microsoft.Insights/logs/ContainerRegistryLoginEvents/read"
)

// armRegistries are the registries ARM shows, by host; with gone, those
// under the NotFound fault too, which ARM does not show but whose
// subscription and resource group remain.
func (s *Server) armRegistries(gone bool) []*registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*registry
	for _, r := range s.regs {
		if r.ARM != nil && (gone || !r.has(NotFound)) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *registry) int { return strings.Compare(a.host, b.host) })
	return out
}

// subscription is what ARM knows of one subscription.
type subscription struct {
	id, tenant string
	// visible: the caller holds a role on a registry, or may read a
	// workspace, in it.
	visible bool
	groups  []string // resource groups, as first spelled
}

// subscriptions are the subscriptions of the ARM registries and their
// workspaces, as c sees them, by lower-case ID.
func (s *Server) subscriptions(c caller) map[string]*subscription {
	subs := make(map[string]*subscription)
	note := func(r *registry, id, group string, visible bool) {
		sub := subs[strings.ToLower(id)]
		if sub == nil {
			sub = &subscription{id: id, tenant: r.Tenant}
			subs[strings.ToLower(id)] = sub
		}
		if sub.tenant == "" {
			sub.tenant = r.Tenant
		}
		sub.visible = sub.visible || visible
		if !slices.ContainsFunc(sub.groups, func(g string) bool { return strings.EqualFold(g, group) }) {
			sub.groups = append(sub.groups, group)
		}
	}
	for _, r := range s.armRegistries(true) {
		note(r, r.ARM.Subscription, r.ARM.ResourceGroup, !r.has(NotFound) && len(r.roles(c)) > 0)
		if w := r.ARM.Workspace; w != nil {
			if sub, group, ok := subscriptionOf(w.ResourceID); ok {
				note(r, sub, group, readsWorkspace(r, c))
			}
		}
	}
	return subs
}

// readsWorkspace reports whether c is one of the Readers of r's workspace.
func readsWorkspace(r *registry, c caller) bool {
	w := r.ARM.Workspace
	return w != nil && c.inTenant(r) && slices.ContainsFunc(w.Readers, c.matches)
}

// subscriptionOf splits /subscriptions/<sub>/resourceGroups/<rg>/… into
// its subscription and resource group.
func subscriptionOf(id string) (sub, group string, ok bool) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) < 4 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") {
		return "", "", false
	}
	return p[1], p[3], true
}

// armError is ARM's error body.
func armError(code, message string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return b
}

// armHeaders sets what every ARM answer carries.
func (x *exchange) armHeaders() {
	h := x.w.Header()
	id := guid()
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "-1")
	h.Set("X-Ms-Request-Id", id)
	h.Set("X-Ms-Correlation-Request-Id", id)
	h.Set("X-Ms-Routing-Request-Id", "EASTUS:"+time.Now().UTC().Format("20060102T150405Z")+":"+id)
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Cache", "CONFIG_NOCACHE")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
}

// armFault answers the request as the ARM faults have it, and reports
// whether it did. sub is the subscription the path names, if any.
func (x *exchange) armFault(sub string) bool {
	s := x.s
	if !s.wait(x.r.Context(), s.armLatency()) {
		abort()
	}
	switch {
	case s.hasARMFault(ARMHung):
		select {
		case <-x.r.Context().Done():
		case <-s.closing:
		}
		abort()
	case s.hasARMFault(ARMThrottled):
		h := x.w.Header()
		h.Set("Retry-After", "30")
		h.Set("X-Ms-Ratelimit-Remaining-Subscription-Reads", "0")
		h.Set("X-Ms-Failure-Cause", "gateway")
		x.json(http.StatusTooManyRequests, armError("TooManyRequests",
			"The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits"))
		return true
	case s.hasARMFault(ARMFailing):
		x.json(http.StatusInternalServerError, armError("InternalServerError", fmt.Sprintf(
			"Encountered internal server error. Diagnostic information: timestamp '%s' , subscription id '%s' , tracking id '%s' , request correlation id '%s'.",
			time.Now().UTC().Format("20060102T150405Z"), sub, guid(), x.w.Header().Get("X-Ms-Correlation-Request-Id"))))
		return true
	}
	return false
}

// bearerError is why a bearer token was refused.
type bearerError struct {
	kind string // "missing", "scheme", "invalid", "expired", "audience"
	aud  string // the token's audience, for "audience"
	exp  time.Time
	tid  string // the token's tenant, when it could be read
}

func (e *bearerError) Error() string { return "bearer token " + e.kind }

// bearer checks the request's bearer token: the emulator's signature, not
// expired, for one of auds. It returns who it names.
func (s *Server) bearer(r *http.Request, auds []string) (caller, *bearerError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return caller{}, &bearerError{kind: "missing"}
	}
	scheme, raw, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return caller{}, &bearerError{kind: "scheme"}
	}
	now := time.Now()
	claims, err := s.verify(nil, strings.TrimSpace(raw), now)
	tid, _ := claims["tid"].(string)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		exp, _ := claims.GetExpirationTime()
		e := &bearerError{kind: "expired", tid: tid}
		if exp != nil {
			e.exp = exp.Time
		}
		return caller{}, e
	case err != nil:
		return caller{}, &bearerError{kind: "invalid"}
	}
	aud, _ := claims["aud"].(string)
	if !slices.ContainsFunc(auds, func(a string) bool {
		return strings.EqualFold(strings.TrimSuffix(a, "/"), strings.TrimSuffix(aud, "/"))
	}) {
		return caller{}, &bearerError{kind: "audience", aud: aud, tid: tid}
	}
	c := caller{tenant: tid}
	c.oid, _ = claims["oid"].(string)
	appid, _ := claims["appid"].(string)
	if appid == "" {
		appid, _ = claims["azp"].(string)
	}
	upn, _ := claims["upn"].(string)
	if upn == "" {
		upn, _ = claims["unique_name"].(string)
	}
	if upn == "" {
		upn, _ = claims["preferred_username"].(string)
	}
	// A user's token carries the appid of the client it signed in with
	// (the Azure CLI's): the principal is the user.
	if claims["idtyp"] == "app" || upn == "" {
		c.principal = appid
	} else {
		c.principal = upn
	}
	if c.principal == "" {
		return caller{}, &bearerError{kind: "invalid"}
	}
	return c, nil
}

// armUnauthorized answers ARM's 401 for e. tenant is the tenant of the
// subscription the path names, if known: ARM's challenge names it, which
// is how clients discover a subscription's tenant.
func (x *exchange) armUnauthorized(e *bearerError, tenant string) {
	if tenant == "" {
		tenant = e.tid
	}
	var code, msg, desc string
	switch e.kind {
	case "missing":
		code, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
		desc = "The authentication failed because of missing 'Authorization' header."
	case "scheme":
		code, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."
		desc = "The authentication failed because of invalid 'Authorization' header."
	case "expired":
		const layout = "1/2/2006 3:04:05 PM"
		code = "ExpiredAuthenticationToken"
		msg = fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", e.exp.UTC().Format(layout), time.Now().UTC().Format(layout))
		desc = "The access token has expired."
	case "audience":
		code = "InvalidAuthenticationToken"
		msg = fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", e.aud)
		desc = "The access token has been obtained for wrong audience or resource."
	default:
		code, msg = "InvalidAuthenticationToken", "The access token is invalid."
		desc = "The access token is invalid."
	}
	x.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://%s/%s", error="invalid_token", error_description="%s"`, AuthorityHost, tenant, desc))
	x.json(http.StatusUnauthorized, armError(code, msg))
}

// serveARM answers a request to ARMHost.
func (x *exchange) serveARM() {
	r := x.r
	x.armHeaders()
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 2 && strings.EqualFold(segs[0], "metadata") && strings.EqualFold(segs[1], "endpoints") {
		x.serveMetadata()
		return
	}
	var subID string
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		subID = segs[1]
	}
	if x.armFault(subID) {
		return
	}
	c, berr := x.s.bearer(r, armAudiences)
	var sub *subscription
	subs := x.s.subscriptions(c) // with no caller, nothing is visible
	if subID != "" {
		sub = subs[strings.ToLower(subID)]
	}
	if berr != nil {
		tenant := ""
		if sub != nil {
			tenant = sub.tenant
		}
		x.armUnauthorized(berr, tenant)
		return
	}
	if sub != nil && sub.tenant != "" && !strings.EqualFold(sub.tenant, c.tenant) {
		x.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://%s/%s", error="invalid_token", error_description="The access token is from the wrong issuer. It must match the tenant associated with this subscription. Please use correct authority to get the token."`, AuthorityHost, sub.tenant))
		x.json(http.StatusUnauthorized, armError("InvalidAuthenticationTokenTenant", fmt.Sprintf(
			"The access token is from the wrong issuer 'https://sts.windows.net/%s/'. It must match the tenant 'https://sts.windows.net/%s/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/%s' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.",
			c.tenant, sub.tenant, sub.tenant)))
		return
	}
	if r.Method != http.MethodGet {
		x.json(http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'."))
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		x.json(http.StatusBadRequest, armError("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
		return
	}

	if len(segs) == 1 && strings.EqualFold(segs[0], "subscriptions") {
		x.serveSubscriptions(c, subs)
		return
	}
	if subID == "" {
		x.armNotFound()
		return
	}
	if sub == nil || !sub.visible {
		x.json(http.StatusNotFound, armError("SubscriptionNotFound", "The subscription '"+subID+"' could not be found."))
		return
	}
	rest := segs[2:]
	const ns, typ = "Microsoft.ContainerRegistry", "registries"
	switch {
	case len(rest) == 0:
		x.ok(subscriptionJSON(sub, c))
	case match(rest, "providers", ns, typ):
		x.serveRegistryList(c, sub.id, "")
	case len(rest) >= 2 && strings.EqualFold(rest[0], "resourceGroups"):
		group := rest[1]
		if !slices.ContainsFunc(sub.groups, func(g string) bool { return strings.EqualFold(g, group) }) {
			x.json(http.StatusNotFound, armError("ResourceGroupNotFound", "Resource group '"+group+"' could not be found."))
			return
		}
		rest = rest[2:]
		switch {
		case match(rest, "providers", ns, typ):
			x.serveRegistryList(c, sub.id, group)
		case len(rest) >= 4 && match(rest[:3], "providers", ns, typ):
			x.serveRegistryResource(c, sub.id, group, rest[3], rest[4:])
		default:
			x.armNotFound()
		}
	default:
		x.armNotFound()
	}
}

// match reports whether segs are want, case-insensitively.
func match(segs []string, want ...string) bool {
	return slices.EqualFunc(segs, want, strings.EqualFold)
}

// armNotFound answers a path the emulator does not serve: with
// InvalidResourceType for a provider's path, as ARM does for a resource
// type it does not know, and NotFound otherwise.
func (x *exchange) armNotFound() {
	segs := strings.Split(strings.Trim(x.r.URL.Path, "/"), "/")
	for i := len(segs) - 3; i >= 0; i-- {
		if strings.EqualFold(segs[i], "providers") {
			x.json(http.StatusNotFound, armError("InvalidResourceType", fmt.Sprintf(
				"The resource type '%s' could not be found in the namespace '%s' for api version '%s'.",
				segs[i+2], segs[i+1], x.r.URL.Query().Get("api-version"))))
			return
		}
	}
	x.json(http.StatusNotFound, armError("NotFound", "The requested resource '"+x.r.URL.Path+"' was not found."))
}

// serveMetadata answers /metadata/endpoints: with an api-version, the
// array of clouds (one here) that ARM's metadata endpoint answers; without
// one, the older single-object form.
func (x *exchange) serveMetadata() {
	if x.r.Method != http.MethodGet {
		x.json(http.StatusMethodNotAllowed, armError("MethodNotAllowed", "The requested resource does not support http method '"+x.r.Method+"'."))
		return
	}
	login := "https://" + AuthorityHost + "/"
	auth := map[string]any{
		"loginEndpoint":    login,
		"audiences":        []string{"https://management.core.windows.net/", "https://management.azure.com/"},
		"tenant":           "common",
		"identityProvider": "AAD",
	}
	if x.r.URL.Query().Get("api-version") == "" {
		x.ok(map[string]any{
			"galleryEndpoint": "",
			"graphEndpoint":   "https://graph.windows.net/",
			"portalEndpoint":  "https://portal.azure.com/",
			"authentication":  auth,
		})
		return
	}
	x.ok([]any{map[string]any{
		"name":            "AzureCloud",
		"resourceManager": "https://" + ARMHost + "/",
		"authentication":  auth,
		"suffixes": map[string]any{
			"acrLoginServer": "azurecr.io",
			"storage":        "core.windows.net",
			"keyVaultDns":    "vault.azure.net",
		},
		"logAnalyticsResourceId":   logAnalyticsAudiences[0],
		"logAnalytics":             "https://" + LogAnalyticsHost,
		"portal":                   "https://portal.azure.com",
		"graph":                    "https://graph.windows.net/",
		"graphAudience":            "https://graph.windows.net/",
		"microsoftGraphResourceId": "https://graph.microsoft.com/",
	}})
}

// serveSubscriptions answers GET /subscriptions: those c sees, in c's
// tenant.
func (x *exchange) serveSubscriptions(c caller, subs map[string]*subscription) {
	var list []*subscription
	for _, sub := range subs {
		if sub.visible && (sub.tenant == "" || strings.EqualFold(sub.tenant, c.tenant)) {
			list = append(list, sub)
		}
	}
	slices.SortFunc(list, func(a, b *subscription) int { return strings.Compare(a.id, b.id) })
	value := make([]any, 0, len(list))
	for _, sub := range list {
		value = append(value, subscriptionJSON(sub, c))
	}
	x.ok(map[string]any{"value": value, "count": map[string]any{"type": "Total", "value": len(value)}})
}

func subscriptionJSON(sub *subscription, c caller) map[string]any {
	tenant := sub.tenant
	if tenant == "" {
		tenant = c.tenant
	}
	name := sub.id
	if len(name) > 8 {
		name = name[:8]
	}
	return map[string]any{
		"id":                  "/subscriptions/" + sub.id,
		"authorizationSource": "RoleBased",
		"managedByTenants":    []any{},
		"subscriptionId":      sub.id,
		"tenantId":            tenant,
		"displayName":         "acremu " + name,
		"state":               "Enabled",
		"subscriptionPolicies": map[string]any{
			"locationPlacementId": "Public_2014-09-01",
			"quotaId":             "PayAsYouGo_2014-09-01",
			"spendingLimit":       "Off",
		},
	}
}

// serveRegistryList answers the registries of a subscription (of one of
// its resource groups when group is set) that c may read.
func (x *exchange) serveRegistryList(c caller, sub, group string) {
	value := []any{}
	for _, r := range x.s.armRegistries(false) {
		if !strings.EqualFold(r.ARM.Subscription, sub) || (group != "" && !strings.EqualFold(r.ARM.ResourceGroup, group)) {
			continue
		}
		if permits(r.roles(c), actionRegistryRead) {
			value = append(value, registryJSON(r))
		}
	}
	x.ok(map[string]any{"value": value})
}

// armRegistry finds the ARM registry name in sub and group.
func (s *Server) armRegistry(sub, group, name string) *registry {
	for _, r := range s.armRegistries(false) {
		if strings.EqualFold(r.ARM.Subscription, sub) && strings.EqualFold(r.ARM.ResourceGroup, group) && strings.EqualFold(r.admin, name) {
			return r
		}
	}
	return nil
}

// authorizationFailed answers ARM's 403 for c, action and scope.
func (x *exchange) authorizationFailed(c caller, action, scope string) {
	x.json(http.StatusForbidden, armError("AuthorizationFailed", fmt.Sprintf(
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		c.principal, c.oid, action, scope)))
}

// serveRegistryResource answers the registry name and the paths under it.
func (x *exchange) serveRegistryResource(c caller, sub, group, name string, rest []string) {
	r := x.s.armRegistry(sub, group, name)
	if r == nil {
		x.json(http.StatusNotFound, armError("ResourceNotFound", fmt.Sprintf(
			"The Resource 'Microsoft.ContainerRegistry/registries/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", name, group)))
		return
	}
	roles := r.roles(c)
	switch {
	case len(rest) == 0:
		if !permits(roles, actionRegistryRead) {
			x.authorizationFailed(c, actionRegistryRead, r.id())
			return
		}
		x.ok(registryJSON(r))
	case match(rest, "providers", "Microsoft.Authorization", "permissions"):
		value := make([]any, 0, len(roles))
		for _, role := range roles {
			value = append(value, roleDefs[role].normalized())
		}
		x.ok(map[string]any{"value": value})
	case len(rest) >= 3 && match(rest[:3], "providers", "Microsoft.Insights", "diagnosticSettings") && len(rest) <= 4:
		if !permits(roles, actionDiagRead) {
			x.authorizationFailed(c, actionDiagRead, r.id())
			return
		}
		settings := diagnosticSettings(r)
		if len(rest) == 3 {
			x.ok(map[string]any{"value": settings})
			return
		}
		for _, d := range settings {
			if strings.EqualFold(d["name"].(string), rest[3]) {
				x.ok(d)
				return
			}
		}
		x.json(http.StatusNotFound, armError("ResourceNotFound", "The diagnostic setting '"+rest[3]+"' doesn't exist."))
	default:
		x.armNotFound()
	}
}

// normalized is d with empty lists rather than nulls, as the permissions
// API answers.
func (d roleDef) normalized() roleDef {
	return roleDef{Actions: nonNil(d.Actions), NotActions: nonNil(d.NotActions), DataActions: nonNil(d.DataActions), NotDataActions: nonNil(d.NotDataActions)}
}

// diagnosticSettings are r's diagnostic settings: one sending its logs to
// its workspace, if it has one.
func diagnosticSettings(r *registry) []map[string]any {
	w := r.ARM.Workspace
	if w == nil {
		return []map[string]any{}
	}
	logs := []any{}
	for _, cat := range []string{"ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"} {
		logs = append(logs, map[string]any{"category": cat, "categoryGroup": nil, "enabled": true,
			"retentionPolicy": map[string]any{"enabled": false, "days": 0}})
	}
	return []map[string]any{{
		"id":   r.id() + "/providers/microsoft.insights/diagnosticSettings/acr-logs",
		"name": "acr-logs",
		"type": "Microsoft.Insights/diagnosticSettings",
		"properties": map[string]any{
			"workspaceId": w.ResourceID,
			"logs":        logs,
			"metrics":     []any{},
		},
	}}
}

// registryJSON is r as ARM shows it: its ARM settings, bent by its faults.
func registryJSON(r *registry) map[string]any {
	a, id := r.ARM, r.id()
	public := "Enabled"
	if a.PublicNetworkAccessDisabled || r.has(PublicAccessDisabled) {
		public = "Disabled"
	}
	action := a.DefaultAction
	if r.has(Firewall) {
		action = "Deny"
	}
	ipRules := []any{}
	for _, rule := range a.IPRules {
		ipRules = append(ipRules, map[string]string{"action": "Allow", "value": rule})
	}
	endpoints := a.PrivateEndpoints
	if len(endpoints) == 0 && r.has(PrivateEndpoint) {
		endpoints = []string{"pe-" + r.admin}
	}
	conns := []any{}
	for _, pe := range endpoints {
		conns = append(conns, map[string]any{
			"id":   id + "/privateEndpointConnections/" + pe,
			"name": pe,
			"type": "Microsoft.ContainerRegistry/registries/privateEndpointConnections",
			"properties": map[string]any{
				"privateEndpoint": map[string]string{"id": "/subscriptions/" + a.Subscription + "/resourceGroups/" + a.ResourceGroup + "/providers/Microsoft.Network/privateEndpoints/" + pe},
				"privateLinkServiceConnectionState": map[string]string{
					"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None",
				},
				"provisioningState": "Succeeded",
			},
		})
	}
	armPolicy, mode := "enabled", "LegacyRegistryPermissions"
	if r.AuthenticationAsARMDisabled {
		armPolicy = "disabled"
	}
	if a.ABAC {
		mode = "AbacRepositoryPermissions"
	}
	props := map[string]any{
		"loginServer":                      r.host,
		"creationDate":                     creationDate,
		"provisioningState":                "Succeeded",
		"adminUserEnabled":                 r.AdminEnabled && !r.has(AdminDisabled),
		"anonymousPullEnabled":             r.AnonymousPull,
		"dataEndpointEnabled":              a.DataEndpointEnabled,
		"dataEndpointHostNames":            []string{},
		"publicNetworkAccess":              public,
		"networkRuleBypassOptions":         a.NetworkRuleBypass,
		"networkRuleBypassAllowedForTasks": false,
		"networkRuleSet":                   map[string]any{"defaultAction": action, "ipRules": ipRules},
		"policies": map[string]any{
			"quarantinePolicy":                 map[string]string{"status": "disabled"},
			"trustPolicy":                      map[string]string{"type": "Notary", "status": "disabled"},
			"retentionPolicy":                  map[string]any{"days": 7, "status": "disabled"},
			"exportPolicy":                     map[string]string{"status": "enabled"},
			"azureADAuthenticationAsArmPolicy": map[string]string{"status": armPolicy},
		},
		"encryption":                 map[string]string{"status": "disabled"},
		"zoneRedundancy":             "Disabled",
		"privateEndpointConnections": conns,
		"roleAssignmentMode":         mode,
	}
	if a.DataEndpointEnabled || len(endpoints) > 0 {
		props["dataEndpointHostNames"] = []string{r.admin + "." + a.Location + ".data.azurecr.io"}
	}
	return map[string]any{
		"id":         id,
		"name":       r.admin,
		"type":       "Microsoft.ContainerRegistry/registries",
		"location":   a.Location,
		"tags":       map[string]string{},
		"sku":        map[string]string{"name": a.SKU, "tier": a.SKU},
		"properties": props,
	}
}
