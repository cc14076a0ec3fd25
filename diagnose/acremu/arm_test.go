package acremu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// Principals of the ARM tests, added to the emulated Azure AD with
// armSecret. spPull, a registry's service principal, holds AcrPull there
// by implication.
const (
	appReader   = "11111111-1111-4111-8111-111111111111" // Reader on the registries of subA
	appOwner    = "22222222-2222-4222-8222-222222222222" // Owner on the registry of subB
	appNoRole   = "33333333-3333-4333-8333-333333333333" // nothing anywhere
	appLogs     = "44444444-4444-4444-8444-444444444444" // reader of the workspace
	armSecret   = "arm-secret-1"
	otherTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
	subA        = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
	subB        = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"
)

// armRegistry is registry() named name, in subA, read by appReader.
func armRegistry(name string) acremu.Registry {
	r := registry()
	r.Host = name + ".azurecr.io"
	r.ARM = &acremu.Resource{Subscription: subA, RoleAssignments: map[string][]string{appReader: {"Reader"}}}
	return r
}

// startARM starts regs and registers the test applications.
func startARM(t *testing.T, regs ...acremu.Registry) *acremu.Server {
	t.Helper()
	s := start(t, regs...)
	for _, app := range []string{appReader, appOwner, appNoRole, appLogs} {
		s.AddApplication(tenant, app, armSecret)
	}
	s.AddApplication(otherTenant, appReader, armSecret)
	return s
}

// credential is azidentity's client-secret credential against the
// emulated Azure AD.
func credential(t *testing.T, s *acremu.Server, tenantID, clientID, secret string) azcore.TokenCredential {
	t.Helper()
	c, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: s.Cloud(), Transport: s.Client()},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func appCredential(t *testing.T, s *acremu.Server, clientID string) azcore.TokenCredential {
	t.Helper()
	if clientID == spPull {
		return credential(t, s, tenant, spPull, spSecret)
	}
	return credential(t, s, tenant, clientID, armSecret)
}

// armOptions points an arm client at the emulator, without retries so
// that 429 and 500 come back at once.
func armOptions(s *acremu.Server) *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: s.Cloud(), Transport: s.Client(), Retry: policy.RetryOptions{MaxRetries: -1},
	}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// responseError is err's *azcore.ResponseError, or a failure.
func responseError(t *testing.T, err error) *azcore.ResponseError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want an *azcore.ResponseError", err, err)
	}
	return re
}

func registries(t *testing.T, s *acremu.Server, cred azcore.TokenCredential, sub string) ([]*armcontainerregistry.Registry, error) {
	t.Helper()
	c, err := armcontainerregistry.NewRegistriesClient(sub, cred, armOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	var out []*armcontainerregistry.Registry
	for p := c.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			return nil, err
		}
		out = append(out, page.Value...)
	}
	return out, nil
}

// TestARMSubscriptions: each caller lists the subscriptions where it holds
// a role, in its tenant.
func TestARMSubscriptions(t *testing.T) {
	b := armRegistry("armb")
	b.ARM = &acremu.Resource{Subscription: subB, RoleAssignments: map[string][]string{appOwner: {"owner"}}}
	b.ServicePrincipals = nil
	logs := armRegistry("armlogs")
	logs.ARM.Workspace = &acremu.Workspace{ResourceID: "/subscriptions/" + subB + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/w", Readers: []string{appLogs}}
	s := startARM(t, armRegistry("arma"), b, logs, registry())

	for _, tt := range []struct {
		name   string
		cred   azcore.TokenCredential
		want   []string
		tenant string
	}{
		{"reader", appCredential(t, s, appReader), []string{subA}, tenant},
		{"owner", appCredential(t, s, appOwner), []string{subB}, tenant},
		{"AcrPull by its data-plane role", appCredential(t, s, spPull), []string{subA}, tenant},
		{"workspace reader", appCredential(t, s, appLogs), []string{subB}, tenant},
		{"no role", appCredential(t, s, appNoRole), nil, tenant},
		{"reader, other tenant", credential(t, s, otherTenant, appReader, armSecret), nil, otherTenant},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := armsubscriptions.NewClient(tt.cred, armOptions(s))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for p := c.NewListPager(nil); p.More(); {
				page, err := p.NextPage(ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				for _, sub := range page.Value {
					if *sub.ID != "/subscriptions/"+*sub.SubscriptionID || *sub.TenantID != tt.tenant || *sub.State != armsubscriptions.SubscriptionStateEnabled || *sub.DisplayName == "" {
						t.Errorf("subscription %+v", sub)
					}
					got = append(got, *sub.SubscriptionID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("subscriptions %v, want %v", got, tt.want)
			}
		})
	}
}

// armView is what a test checks of a registry as the SDK decoded it.
type armView struct {
	ID, Location, SKU, Public, Action, Bypass, Policy, Mode string
	IPRules, PEs, DataHosts                                 []string
	Admin, Anonymous, DataEndpoint                          bool
}

func viewOf(r *armcontainerregistry.Registry) armView {
	p := r.Properties
	v := armView{
		ID: *r.ID, Location: *r.Location, SKU: string(*r.SKU.Name),
		Public: string(*p.PublicNetworkAccess), Action: string(*p.NetworkRuleSet.DefaultAction),
		Bypass: string(*p.NetworkRuleBypassOptions), Policy: string(*p.Policies.AzureADAuthenticationAsArmPolicy.Status),
		Mode: string(*p.RoleAssignmentMode), Admin: *p.AdminUserEnabled, Anonymous: *p.AnonymousPullEnabled,
		DataEndpoint: *p.DataEndpointEnabled,
	}
	for _, rule := range p.NetworkRuleSet.IPRules {
		v.IPRules = append(v.IPRules, *rule.IPAddressOrRange)
	}
	for _, pe := range p.PrivateEndpointConnections {
		if *pe.Properties.PrivateLinkServiceConnectionState.Status == armcontainerregistry.ConnectionStatusApproved {
			v.PEs = append(v.PEs, *pe.Name)
		}
	}
	for _, h := range p.DataEndpointHostNames {
		v.DataHosts = append(v.DataHosts, *h)
	}
	return v
}

// TestARMRegistry: the SDK decodes every setting, and the data plane
// agrees with ARM, both ways.
func TestARMRegistry(t *testing.T) {
	tests := []struct {
		name   string // the registry's
		set    func(*acremu.Registry)
		want   func(*armView)
		ping   int    // what GET /v2/ answers
		lookup string // what the name resolves to
	}{
		{"armdefaults", nil, nil, 401, "127.0.0.1"},
		{"armpublicoff",
			func(r *acremu.Registry) { r.ARM.PublicNetworkAccessDisabled = true },
			func(v *armView) { v.Public = "Disabled" }, 403, "127.0.0.1"},
		{"armpublicfault",
			func(r *acremu.Registry) { r.Faults = []acremu.Fault{acremu.PublicAccessDisabled} },
			func(v *armView) { v.Public = "Disabled" }, 403, "127.0.0.1"},
		{"armdeny",
			func(r *acremu.Registry) {
				r.ARM.DefaultAction, r.ARM.IPRules = "Deny", []string{"198.51.100.0/24", "192.0.2.1"}
			},
			func(v *armView) { v.Action, v.IPRules = "Deny", []string{"198.51.100.0/24", "192.0.2.1"} }, 403, "127.0.0.1"},
		{"armallowed",
			func(r *acremu.Registry) { r.ARM.DefaultAction, r.ARM.IPRules = "Deny", []string{"203.0.113.0/24"} },
			func(v *armView) { v.Action, v.IPRules = "Deny", []string{"203.0.113.0/24"} }, 401, "127.0.0.1"},
		{"armfwfault",
			func(r *acremu.Registry) { r.Faults = []acremu.Fault{acremu.Firewall} },
			func(v *armView) { v.Action = "Deny" }, 403, "127.0.0.1"},
		{"armpe", // reached over the private endpoint: public rules do not apply
			func(r *acremu.Registry) {
				r.ARM.PrivateEndpoints, r.ARM.PublicNetworkAccessDisabled = []string{"pe-build"}, true
			},
			func(v *armView) {
				v.Public, v.PEs, v.DataHosts = "Disabled", []string{"pe-build"}, []string{"armpe.eastus.data.azurecr.io"}
			}, 401, acremu.DefaultPrivateIP},
		{"armpenodns", // resolves publicly, where public access is off
			func(r *acremu.Registry) {
				r.ARM.PrivateEndpoints, r.ARM.PublicNetworkAccessDisabled = []string{"pe-build"}, true
				r.Faults = []acremu.Fault{acremu.PrivateDNSNotLinked}
			},
			func(v *armView) {
				v.Public, v.PEs, v.DataHosts = "Disabled", []string{"pe-build"}, []string{"armpenodns.eastus.data.azurecr.io"}
			}, 403, acremu.DefaultPublicIP},
		{"armpefault",
			func(r *acremu.Registry) { r.Faults = []acremu.Fault{acremu.PrivateEndpoint} },
			func(v *armView) {
				v.PEs, v.DataHosts = []string{"pe-armpefault"}, []string{"armpefault.eastus.data.azurecr.io"}
			}, 401, acremu.DefaultPrivateIP},
		{"armother",
			func(r *acremu.Registry) {
				r.Faults = []acremu.Fault{acremu.AdminDisabled}
				r.AnonymousPull, r.AuthenticationAsARMDisabled = true, true
				a := r.ARM
				a.ABAC, a.SKU, a.Location, a.ResourceGroup, a.NetworkRuleBypass, a.DataEndpointEnabled = true, "Basic", "westeurope", "rg-other", "None", true
			},
			func(v *armView) {
				v.Admin, v.Anonymous, v.Policy, v.Mode = false, true, "disabled", "AbacRepositoryPermissions"
				v.SKU, v.Location, v.Bypass, v.DataEndpoint = "Basic", "westeurope", "None", true
				v.DataHosts = []string{"armother.westeurope.data.azurecr.io"}
				v.ID = "/subscriptions/" + subA + "/resourceGroups/rg-other/providers/Microsoft.ContainerRegistry/registries/armother"
			}, 401, "127.0.0.1"},
	}
	var regs []acremu.Registry
	for _, tt := range tests {
		r := armRegistry(tt.name)
		if tt.set != nil {
			tt.set(&r)
		}
		regs = append(regs, r)
	}
	s := startARM(t, regs...)
	cred := appCredential(t, s, appReader)
	client, err := armcontainerregistry.NewRegistriesClient(subA, cred, armOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := registries(t, s, cred, subA)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(tests) {
		t.Fatalf("listed %d registries, want %d", len(listed), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group := "rg-" + tt.name
			if g := regs[i].ARM.ResourceGroup; g != "" {
				group = g
			}
			want := armView{ID: "/subscriptions/" + subA + "/resourceGroups/" + group + "/providers/Microsoft.ContainerRegistry/registries/" + tt.name,
				Location: "eastus", SKU: "Premium", Public: "Enabled", Action: "Allow",
				Bypass: "AzureServices", Policy: "enabled", Mode: "LegacyRegistryPermissions", Admin: true}
			if tt.want != nil {
				tt.want(&want)
			}
			got, err := client.Get(ctx(t), group, tt.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v := viewOf(&got.Registry); !reflect.DeepEqual(v, want) {
				t.Errorf("registry\n got %+v\nwant %+v", v, want)
			}
			if i := slices.IndexFunc(listed, func(r *armcontainerregistry.Registry) bool { return *r.Name == tt.name }); i < 0 || !reflect.DeepEqual(viewOf(listed[i]), want) {
				t.Errorf("the list does not show it as Get does")
			}
			p := got.Properties
			if *p.LoginServer != tt.name+".azurecr.io" || *p.ProvisioningState != armcontainerregistry.ProvisioningStateSucceeded ||
				p.CreationDate == nil || p.CreationDate.IsZero() || *got.Type != "Microsoft.ContainerRegistry/registries" {
				t.Errorf("properties %+v", p)
			}
			resp, body := get(t, s, "https://"+tt.name+".azurecr.io/v2/", "", "")
			if resp.StatusCode != tt.ping {
				t.Errorf("GET /v2/: %d %s, want %d", resp.StatusCode, body, tt.ping)
			}
			if tt.ping == 403 && !strings.Contains(string(body), "client with IP '"+acremu.DefaultClientIP+"' is not allowed access") {
				t.Errorf("403 body %s", body)
			}
			if ips, err := s.Lookup(tt.name + ".azurecr.io"); err != nil || len(ips) != 1 || ips[0].String() != tt.lookup {
				t.Errorf("Lookup: %v %v, want %s", ips, err, tt.lookup)
			}
		})
	}
}

// TestARMSetFaults: faults switched later show in ARM too, and ARM's
// settings survive SetFaults.
func TestARMSetFaults(t *testing.T) {
	r := armRegistry("armset")
	r.ARM.PublicNetworkAccessDisabled = true
	s := startARM(t, r, armRegistry("armkeep"))
	client, err := armcontainerregistry.NewRegistriesClient(subA, appCredential(t, s, appReader), armOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	view := func() armView {
		got, err := client.Get(ctx(t), "rg-armset", "armset", nil)
		if err != nil {
			t.Fatal(err)
		}
		return viewOf(&got.Registry)
	}
	s.SetFaults(r.Host, acremu.Firewall, acremu.AdminDisabled)
	if v := view(); v.Public != "Disabled" || v.Action != "Deny" || v.Admin {
		t.Errorf("after SetFaults: %+v", v)
	}
	if resp, _ := get(t, s, "https://armset.azurecr.io/v2/", "", ""); resp.StatusCode != 403 {
		t.Errorf("GET /v2/: %d", resp.StatusCode)
	}
	s.SetFaults(r.Host)
	if v := view(); v.Public != "Disabled" || v.Action != "Allow" || !v.Admin {
		t.Errorf("after clearing: %+v", v)
	}
	if resp, _ := get(t, s, "https://armset.azurecr.io/v2/", "", ""); resp.StatusCode != 403 {
		t.Errorf("public access is disabled in ARM, yet GET /v2/ answered %d", resp.StatusCode)
	}
	s.SetFaults(r.Host, acremu.NotFound)
	if _, err := client.Get(ctx(t), "rg-armset", "armset", nil); responseError(t, err).ErrorCode != "ResourceNotFound" {
		t.Errorf("a NotFound registry: %v", err)
	}
}

// TestARMPermissions: the permissions API lists the caller's roles'
// definitions on the registry, implied roles included.
func TestARMPermissions(t *testing.T) {
	abac := armRegistry("armabac")
	abac.ARM.ABAC = true
	abac.ARM.RoleAssignments = map[string][]string{appOwner: {"Owner", "Container Registry Repository Catalog Lister"}}
	abac.ServicePrincipals = map[string]acremu.Principal{spPull: {Secret: spSecret, Actions: []string{"pull", "push", "delete"}}}
	legacy := armRegistry("armlegacy")
	legacy.ARM.RoleAssignments[strings.ToUpper(appOwner)] = []string{"Contributor", "AcrPush"}
	legacy.ServicePrincipals[spPull] = acremu.Principal{Secret: spSecret, Actions: []string{"pull", "delete"}}
	s := startARM(t, abac, legacy)

	type perm struct{ Actions, NotActions, DataActions, NotDataActions []string }
	reader := perm{Actions: []string{"*/read"}}
	acrPull := perm{Actions: []string{"Microsoft.ContainerRegistry/registries/pull/read"}}
	acrDelete := perm{Actions: []string{"Microsoft.ContainerRegistry/registries/artifacts/delete"}}
	acrPush := perm{Actions: []string{"Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"}}
	owner := perm{Actions: []string{"*"}}
	contributor := perm{Actions: []string{"*"}, NotActions: []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"}}
	lister := perm{DataActions: []string{"Microsoft.ContainerRegistry/registries/catalog/read"}}
	const repo = "Microsoft.ContainerRegistry/registries/repositories/"
	repoReader := perm{DataActions: []string{repo + "metadata/read", repo + "content/read"}}
	repoWriter := perm{DataActions: []string{repo + "metadata/read", repo + "content/read", repo + "metadata/write", repo + "content/write"}}
	repoContributor := perm{DataActions: append(slices.Clone(repoWriter.DataActions), repo+"metadata/delete", repo+"content/delete")}

	for _, tt := range []struct {
		name, app, registry string
		want                []perm
		code                string
	}{
		{"reader", appReader, "armlegacy", []perm{reader}, ""},
		{"AcrPull and AcrDelete from the data plane", spPull, "armlegacy", []perm{acrPull, acrDelete}, ""},
		{"assigned under another case", appOwner, "armlegacy", []perm{contributor, acrPush}, ""},
		{"owner and lister, ABAC", appOwner, "armabac", []perm{owner, lister}, ""},
		{"repository roles from the data plane, ABAC", spPull, "armabac", []perm{repoReader, repoWriter, repoContributor}, ""},
		{"no role", appNoRole, "armlegacy", nil, "SubscriptionNotFound"},
		{"unknown registry", appReader, "armnope", nil, "ResourceNotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := armauthorization.NewPermissionsClient(subA, appCredential(t, s, tt.app), armOptions(s))
			if err != nil {
				t.Fatal(err)
			}
			var got []perm
			group := "rg-" + tt.registry
			if tt.registry == "armnope" {
				group = "rg-armlegacy"
			}
			for p := c.NewListForResourcePager(group, "Microsoft.ContainerRegistry", "", "registries", tt.registry, nil); p.More(); {
				page, err := p.NextPage(ctx(t))
				if tt.code != "" {
					if re := responseError(t, err); re.ErrorCode != tt.code || re.StatusCode != 404 {
						t.Errorf("error %d %s, want 404 %s", re.StatusCode, re.ErrorCode, tt.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range page.Value {
					str := func(ps []*string) []string {
						var out []string
						for _, p := range ps {
							out = append(out, *p)
						}
						return out
					}
					got = append(got, perm{str(v.Actions), str(v.NotActions), str(v.DataActions), str(v.NotDataActions)})
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("permissions\n got %v\nwant %v", got, tt.want)
			}
		})
	}

	// A user (pull, push): roles from Users, by UPN, in ABAC mode.
	tok := s.AADToken(tenant, alice, time.Now())
	resp, body := bearerGet(t, s, "https://"+acremu.ARMHost+"/subscriptions/"+subA+"/resourcegroups/rg-armabac/providers/Microsoft.ContainerRegistry/registries/armabac/providers/Microsoft.Authorization/permissions?api-version=2022-04-01", tok)
	var perms struct{ Value []perm }
	if resp.StatusCode != 200 || json.Unmarshal(body, &perms) != nil || len(perms.Value) != 2 ||
		!slices.Equal(perms.Value[0].DataActions, repoReader.DataActions) || !slices.Equal(perms.Value[1].DataActions, repoWriter.DataActions) ||
		perms.Value[0].Actions == nil {
		t.Errorf("alice: %d %s", resp.StatusCode, body)
	}
}

func bearerGet(t *testing.T, s *acremu.Server, rawURL, tok string) (*http.Response, []byte) {
	t.Helper()
	return bearerDo(t, s, http.MethodGet, rawURL, tok)
}

func bearerDo(t *testing.T, s *acremu.Server, method, rawURL, tok string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return do(t, s, req)
}

// TestARMDiagnosticSettings: the workspace a registry's logs go to, for
// callers that may read the registry.
func TestARMDiagnosticSettings(t *testing.T) {
	logged := armRegistry("armlogged")
	logged.ARM.Workspace = &acremu.Workspace{Name: "logs-prod"}
	s := startARM(t, logged, armRegistry("armquiet"))
	wsID := "/subscriptions/" + subA + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs-prod"

	list := func(app, name string) ([]*armmonitor.DiagnosticSettingsResource, error) {
		c, err := armmonitor.NewDiagnosticSettingsClient(appCredential(t, s, app), armOptions(s))
		if err != nil {
			t.Fatal(err)
		}
		var out []*armmonitor.DiagnosticSettingsResource
		for p := c.NewListPager("/subscriptions/"+subA+"/resourceGroups/rg-"+name+"/providers/Microsoft.ContainerRegistry/registries/"+name, nil); p.More(); {
			page, err := p.NextPage(ctx(t))
			if err != nil {
				return nil, err
			}
			out = append(out, page.Value...)
		}
		return out, nil
	}
	got, err := list(appReader, "armlogged")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || *got[0].Name != "acr-logs" || *got[0].Properties.WorkspaceID != wsID {
		t.Fatalf("settings %+v", got)
	}
	var cats []string
	for _, l := range got[0].Properties.Logs {
		if *l.Enabled {
			cats = append(cats, *l.Category)
		}
	}
	if !slices.Equal(cats, []string{"ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"}) {
		t.Errorf("categories %v", cats)
	}
	if got, err := list(appReader, "armquiet"); err != nil || len(got) != 0 {
		t.Errorf("no workspace: %v %v", got, err)
	}
	_, err = list(spPull, "armlogged")
	if re := responseError(t, err); re.StatusCode != 403 || re.ErrorCode != "AuthorizationFailed" ||
		!strings.Contains(re.Error(), "'Microsoft.Insights/diagnosticSettings/read'") {
		t.Errorf("AcrPull only: %v", err)
	}
}

// TestARMErrors: refusals and faults come back as *azcore.ResponseError
// with ARM's codes.
func TestARMErrors(t *testing.T) {
	b := armRegistry("armb")
	b.ARM = &acremu.Resource{Subscription: subB, RoleAssignments: map[string][]string{appOwner: {"Owner"}}}
	s := startARM(t, armRegistry("arma"), b)

	getReg := func(app, sub, group, name string) error {
		c, err := armcontainerregistry.NewRegistriesClient(sub, appCredential(t, s, app), armOptions(s))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get(ctx(t), group, name, nil)
		return err
	}
	listRegs := func(app, sub string) error {
		_, err := registries(t, s, appCredential(t, s, app), sub)
		return err
	}
	for _, tt := range []struct {
		name   string
		call   func() error
		status int
		code   string
		text   string
	}{
		{"AcrPull cannot read the registry", func() error { return getReg(spPull, subA, "rg-arma", "arma") }, 403, "AuthorizationFailed",
			"The client '" + spPull + "' with object id '"},
		{"unknown registry", func() error { return getReg(appReader, subA, "rg-arma", "nope") }, 404, "ResourceNotFound",
			"The Resource 'Microsoft.ContainerRegistry/registries/nope' under resource group 'rg-arma' was not found."},
		{"unknown resource group", func() error { return getReg(appReader, subA, "rg-nope", "arma") }, 404, "ResourceGroupNotFound", ""},
		{"unknown subscription", func() error { return listRegs(appReader, "cccccccc-3333-4333-8333-cccccccccccc") }, 404, "SubscriptionNotFound",
			"The subscription 'cccccccc-3333-4333-8333-cccccccccccc' could not be found."},
		{"subscription not visible", func() error { return listRegs(appReader, subB) }, 404, "SubscriptionNotFound", ""},
		{"wrong tenant", func() error {
			_, err := registries(t, s, credential(t, s, otherTenant, appReader, armSecret), subA)
			return err
		}, 401, "InvalidAuthenticationTokenTenant", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			re := responseError(t, tt.call())
			if re.StatusCode != tt.status || re.ErrorCode != tt.code || !strings.Contains(re.Error(), tt.text) {
				t.Errorf("%d %s, want %d %s %q\n%v", re.StatusCode, re.ErrorCode, tt.status, tt.code, tt.text, re)
			}
		})
	}
	if regs, err := registries(t, s, appCredential(t, s, spPull), subA); err != nil || len(regs) != 0 {
		t.Errorf("AcrPull lists %v, %v; want none", regs, err)
	}
	if regs, err := registries(t, s, appCredential(t, s, appOwner), subB); err != nil || len(regs) != 1 || *regs[0].Name != "armb" {
		t.Errorf("owner lists %v, %v", regs, err)
	}

	// Faults, server-wide.
	cred := appCredential(t, s, appReader)
	for _, tt := range []struct {
		fault  acremu.ARMFault
		status int
		code   string
		header string
	}{
		{acremu.ARMThrottled, 429, "TooManyRequests", "30"},
		{acremu.ARMFailing, 500, "InternalServerError", ""},
	} {
		s.SetARMFaults(tt.fault)
		_, err := registries(t, s, cred, subA)
		re := responseError(t, err)
		if re.StatusCode != tt.status || re.ErrorCode != tt.code || re.RawResponse.Header.Get("Retry-After") != tt.header {
			t.Errorf("%s: %d %s %q", tt.fault, re.StatusCode, re.ErrorCode, re.RawResponse.Header.Get("Retry-After"))
		}
	}
	s.SetARMFaults(acremu.ARMHung)
	c, err := armcontainerregistry.NewRegistriesClient(subA, cred, armOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if _, err := c.Get(short, "rg-arma", "arma", nil); !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 5*time.Second {
		t.Errorf("hung: %v after %v", err, time.Since(begin))
	}
	s.SetARMFaults()
	if _, err := registries(t, s, cred, subA); err != nil {
		t.Errorf("after clearing the faults: %v", err)
	}
}

// TestARMWire: what the SDK does not show: the metadata endpoint, the
// 401s and their challenge, methods other than GET, recorded requests.
func TestARMWire(t *testing.T) {
	s := startARM(t, armRegistry("arma"))
	base := "https://" + acremu.ARMHost
	resp, body := get(t, s, base+"/metadata/endpoints?api-version=2022-09-01", "", "")
	var clouds []struct {
		Name, ResourceManager, LogAnalytics string
		Authentication                      struct{ LoginEndpoint string }
		Suffixes                            struct{ AcrLoginServer string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &clouds) != nil || len(clouds) != 1 ||
		clouds[0].ResourceManager != "https://management.acremu.test/" || clouds[0].Authentication.LoginEndpoint != "https://login.acremu.test/" ||
		clouds[0].LogAnalytics != "https://api.loganalytics.acremu.test" || clouds[0].Suffixes.AcrLoginServer != "azurecr.io" {
		t.Errorf("metadata: %d %s", resp.StatusCode, body)
	}
	s.SetARMFaults(acremu.ARMFailing)
	if resp, _ := get(t, s, base+"/metadata/endpoints?api-version=2022-09-01", "", ""); resp.StatusCode != 200 {
		t.Errorf("metadata under ARMFailing: %d", resp.StatusCode)
	}
	s.SetARMFaults()

	_, m := aadToken(t, s, appReader, armSecret, "https://management.core.windows.net//.default")
	armTok, _ := m["access_token"].(string)
	_, m = aadToken(t, s, appReader, armSecret, "https://api.loganalytics.io/.default")
	laTok, _ := m["access_token"].(string)
	expired := tokentest.Default().Sign(tokentest.AAD(tenant, alice, time.Now().Add(-3*time.Hour)))
	list := base + "/subscriptions/" + subA + "/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01"
	challenge := `Bearer authorization_uri="https://login.acremu.test/` + tenant + `", error="invalid_token", error_description=`
	for _, tt := range []struct {
		name, method, url, tok string
		status                 int
		code, challenge        string
	}{
		{"no token", "GET", list, "", 401, "AuthenticationFailed", challenge + `"The authentication failed because of missing 'Authorization' header."`},
		{"no token, no subscription", "GET", base + "/subscriptions?api-version=2022-12-01", "", 401, "AuthenticationFailed", `Bearer authorization_uri="https://login.acremu.test/", error="invalid_token"`},
		{"Log Analytics token", "GET", list, laTok, 401, "InvalidAuthenticationToken", challenge},
		{"expired", "GET", list, expired, 401, "ExpiredAuthenticationToken", challenge},
		{"not a token", "GET", list, "nope", 401, "InvalidAuthenticationToken", challenge},
		{"no api-version", "GET", strings.TrimSuffix(list, "?api-version=2025-11-01"), armTok, 400, "MissingApiVersionParameter", ""},
		{"PUT", "PUT", base + "/subscriptions/" + subA + "/resourceGroups/rg-arma/providers/Microsoft.ContainerRegistry/registries/arma?api-version=2025-11-01", armTok, 405, "MethodNotAllowed", ""},
		{"unknown type", "GET", base + "/subscriptions/" + subA + "/providers/Microsoft.ContainerRegistry/widgets?api-version=2025-11-01", armTok, 404, "InvalidResourceType", ""},
		{"unknown path", "GET", base + "/nothing?api-version=1", armTok, 404, "NotFound", ""},
		{"ok", "GET", list, armTok, 200, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := bearerDo(t, s, tt.method, tt.url, tt.tok)
			var e struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal(body, &e)
			if resp.StatusCode != tt.status || e.Error.Code != tt.code || (tt.code != "" && e.Error.Message == "") {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), tt.challenge) {
				t.Errorf("WWW-Authenticate %q, want %q…", resp.Header.Get("WWW-Authenticate"), tt.challenge)
			}
		})
	}
	var writes []acremu.Request
	for _, r := range s.Requests(acremu.ARMHost) {
		if r.Method != "GET" {
			writes = append(writes, r)
		}
		if r.Query.Get("access_token") != "" {
			t.Errorf("recorded %+v", r)
		}
	}
	if len(writes) != 1 || writes[0].Status != 405 || writes[0].Auth != "Bearer" {
		t.Errorf("writes recorded: %+v", writes)
	}
	for _, h := range []string{acremu.ARMHost, acremu.LogAnalyticsHost} {
		if ips, err := s.Lookup(h); err != nil || ips[0].String() != "127.0.0.1" {
			t.Errorf("Lookup(%s) = %v, %v", h, ips, err)
		}
		if status, body := connect(t, s, h+":443"); status != "200" {
			t.Errorf("CONNECT %s: %s %s", h, status, body)
		}
	}
	for _, h := range []string{acremu.ARMHost, acremu.LogAnalyticsHost} {
		if s2, err := acremu.Start(acremu.Registry{Host: h}); err == nil {
			s2.Close()
			t.Errorf("Start accepted %s as a registry", h)
		}
	}
}

// TestARMConfigErrors: Start refuses ARM settings Azure would.
func TestARMConfigErrors(t *testing.T) {
	for name, a := range map[string]acremu.Resource{
		"SKU":            {SKU: "Gold"},
		"default action": {DefaultAction: "Block"},
		"bypass":         {NetworkRuleBypass: "Everything"},
		"IP rule":        {DefaultAction: "Deny", IPRules: []string{"10.0.0.0/33"}},
		"role":           {RoleAssignments: map[string][]string{appReader: {"AcrPuller"}}},
	} {
		r := armRegistry("armbad")
		r.ARM = &a
		if s, err := acremu.Start(r); err == nil {
			s.Close()
			t.Errorf("%s: Start accepted %+v", name, a)
		}
	}
	// Role names match in any case, as az role assignment create takes them.
	r := armRegistry("armcase")
	r.ARM.RoleAssignments = map[string][]string{appReader: {"acrpull", "READER"}}
	startARM(t, r)
}

// TestARMHungClose: Close ends requests ARMHung holds, at once.
func TestARMHungClose(t *testing.T) {
	s, err := acremu.Start(armRegistry("armhung"))
	if err != nil {
		t.Fatal(err)
	}
	s.SetARMFaults(acremu.ARMHung)
	done := make(chan error, 1)
	go func() {
		resp, err := s.Client().Get("https://" + acremu.LogAnalyticsHost + "/v1/workspaces/x/query")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); len(s.Requests(acremu.LogAnalyticsHost)) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	begin := time.Now()
	s.Close()
	if err := <-done; err == nil || time.Since(begin) > 2*time.Second {
		t.Errorf("after Close: %v, in %v", err, time.Since(begin))
	}
}
