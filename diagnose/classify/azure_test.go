package classify

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

const regID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-myreg/providers/Microsoft.ContainerRegistry/registries/myreg"

func resource(change func(*report.AzureResource)) *report.AzureResource {
	r := &report.AzureResource{
		ID: regID, Name: "myreg", Subscription: "11111111-1111-1111-1111-111111111111", ResourceGroup: "rg-myreg",
		LoginServer: "myreg.azurecr.io", PublicNetworkAccess: "Enabled", DefaultAction: "Allow",
		RoleAssignmentMode: "LegacyRegistryPermissions", AuthenticationAsARM: "enabled",
	}
	if change != nil {
		change(r)
	}
	return r
}

func firewalled(dns *probe.DNSResult) *probe.Transcript {
	return &probe.Transcript{
		Registry: "myreg.azurecr.io", DNS: dns,
		Exchanges: []probe.Exchange{{Purpose: probe.Ping, Method: "GET", URL: "https://myreg.azurecr.io/v2/", Status: 403, Body: denied}},
	}
}

var publicDNS = &probe.DNSResult{Addrs: []string{"198.51.100.20"}}

func sp(granted ...string) *probe.Transcript {
	return &probe.Transcript{
		Registry:   "myreg.azurecr.io",
		Credential: probe.Credential{Kind: string(credkind.ServicePrincipal), Username: "aaaaaaaa-0000-0000-0000-000000000001"},
		Scope:      "repository:team/app:pull,push", Granted: granted,
	}
}

// TestAzure: what ARM showed, weighed beside what the network showed.
func TestAzure(t *testing.T) {
	firewall := cause.New(cause.NetworkFirewall, "GET /v2/ answered 403: client with IP '203.0.113.7' is not allowed access")
	perm := cause.New(cause.InsufficientPermission, "the registry authenticated aaaaaaaa-0000-0000-0000-000000000001 but grants it pull on repository \"team/app\", not push")
	tests := []struct {
		name     string
		res      *report.AzureResource
		perms    *report.Permissions
		callers  []string
		t        *probe.Transcript
		in       []cause.Cause
		wantIDs  []cause.ID
		want     []string // substrings of the joined causes' text
		wantNot  []string
		severity cause.Severity // of the last cause, when set
	}{
		{
			name: "public network access disabled",
			res:  resource(func(r *report.AzureResource) { r.PublicNetworkAccess = "Disabled" }),
			t:    firewalled(nil), in: []cause.Cause{firewall},
			wantIDs: []cause.ID{cause.NetworkFirewall},
			want:    []string{"Public network access to the registry is disabled", "publicNetworkAccess is Disabled", "az acr update -n myreg --public-network-enabled true", "no private endpoint either"},
		},
		{
			name: "client IP outside the IP rules",
			res: resource(func(r *report.AzureResource) {
				r.DefaultAction, r.IPRules = "Deny", []string{"10.0.0.0/8", "198.51.100.7"}
			}),
			t: firewalled(nil), in: []cause.Cause{firewall},
			wantIDs: []cause.ID{cause.NetworkFirewall},
			want:    []string{"allow only 10.0.0.0/8, 198.51.100.7", "saw this client as 203.0.113.7, which none of them allows", "az acr network-rule add -n myreg --ip-address 203.0.113.7"},
		},
		{
			name: "client IP inside a rule yet refused",
			res: resource(func(r *report.AzureResource) {
				r.DefaultAction, r.IPRules = "Deny", []string{"203.0.113.0/24"}
				r.DataEndpoints = []string{"myreg.eastus.data.azurecr.io"}
			}),
			t: firewalled(nil), in: []cause.Cause{firewall},
			wantIDs: []cause.ID{cause.NetworkFirewall},
			want:    []string{"which the IP rule 203.0.113.0/24 allows", "myreg.eastus.data.azurecr.io"},
			wantNot: []string{"network-rule add"},
		},
		{
			name: "no restriction in ARM",
			res:  resource(nil), t: firewalled(nil), in: []cause.Cause{firewall},
			wantIDs: []cause.ID{cause.NetworkFirewall},
			want:    []string{"something else in between"},
		},
		{
			name: "private endpoint, public DNS answer, public access off",
			res: resource(func(r *report.AzureResource) {
				r.PublicNetworkAccess = "Disabled"
				r.PrivateEndpoints = []report.PrivateEndpoint{{ID: regID + "/../privateEndpoints/pe-myreg", Status: "Approved"}}
			}),
			t: firewalled(publicDNS), in: []cause.Cause{firewall},
			wantIDs:  []cause.ID{cause.NetworkFirewall, cause.NetworkFirewall},
			want:     []string{"private endpoint pe-myreg", "resolved to 198.51.100.20", "privatelink.azurecr.io is not linked", "az network private-dns link vnet create", "through its private endpoint (pe-myreg)"},
			severity: cause.Error,
		},
		{
			name: "private endpoint bypassed while public access works: a warning",
			res: resource(func(r *report.AzureResource) {
				r.PrivateEndpoints = []report.PrivateEndpoint{{ID: "/x/privateEndpoints/pe-myreg", Status: "Approved"}}
			}),
			t:        &probe.Transcript{Registry: "myreg.azurecr.io", DNS: publicDNS},
			wantIDs:  []cause.ID{cause.NetworkFirewall},
			want:     []string{"private endpoint is bypassed"},
			severity: cause.Warning,
		},
		{
			name: "private endpoint, refused through a proxy that resolves names itself",
			res: resource(func(r *report.AzureResource) {
				r.PublicNetworkAccess = "Disabled"
				r.PrivateEndpoints = []report.PrivateEndpoint{{ID: "/x/privateEndpoints/pe-myreg", Status: "Approved"}}
			}),
			t: func() *probe.Transcript {
				t := firewalled(nil)
				t.Proxy = "http://proxy.corp:3128"
				return t
			}(),
			in:       []cause.Cause{firewall},
			wantIDs:  []cause.ID{cause.NetworkFirewall, cause.NetworkFirewall},
			want:     []string{"through the proxy http://proxy.corp:3128", "add myreg.azurecr.io to NO_PROXY"},
			severity: cause.Error,
		},
		{
			name: "a proxy that was not refused says nothing about the endpoint",
			res: resource(func(r *report.AzureResource) {
				r.PrivateEndpoints = []report.PrivateEndpoint{{ID: "/x/privateEndpoints/pe-myreg", Status: "Approved"}}
			}),
			t: &probe.Transcript{Registry: "myreg.azurecr.io", Proxy: "http://proxy.corp:3128"},
		},
		{
			name: "private endpoint resolved privately: nothing to add",
			res: resource(func(r *report.AzureResource) {
				r.PrivateEndpoints = []report.PrivateEndpoint{{ID: "/x/privateEndpoints/pe-myreg", Status: "Approved"}}
			}),
			t: &probe.Transcript{Registry: "myreg.azurecr.io", DNS: &probe.DNSResult{Addrs: []string{"10.1.2.3"}, Private: true}},
		},
		{
			name:    "admin user disabled",
			res:     resource(nil),
			t:       &probe.Transcript{Registry: "myreg.azurecr.io", Credential: probe.Credential{Kind: string(credkind.AdminUser), Username: "myreg"}},
			in:      []cause.Cause{cause.New(cause.AADNotRegistered, "GET /oauth2/token answered 401: Application not registered with AAD.")},
			wantIDs: []cause.ID{cause.AADNotRegistered},
			want:    []string{"ARM: the admin user is disabled", "az acr update -n myreg --admin-enabled true"},
		},
		{
			name:    "missing push in RBAC mode, for the caller itself",
			res:     resource(nil),
			perms:   &report.Permissions{Pull: true},
			callers: []string{"aaaaaaaa-0000-0000-0000-000000000001"},
			t:       sp("pull"), in: []cause.Cause{perm},
			wantIDs: []cause.ID{cause.InsufficientPermission},
			want:    []string{"role assignments on myreg allow no push", `az role assignment create --assignee aaaaaaaa-0000-0000-0000-000000000001 --role "AcrPush" --scope ` + regID},
			wantNot: []string{"ABAC"},
		},
		{
			name:    "missing push in ABAC mode, another identity than the caller",
			res:     resource(func(r *report.AzureResource) { r.RoleAssignmentMode = report.ABAC }),
			perms:   &report.Permissions{Pull: true, Push: true},
			callers: []string{"someone@contoso.com"},
			t:       sp("pull"), in: []cause.Cause{perm},
			wantIDs: []cause.ID{cause.InsufficientPermission},
			want:    []string{"ABAC repository permissions, which ignore AcrPull", `--role "Container Registry Repository Writer"`},
			wantNot: []string{"role assignments on myreg allow", "do allow"},
		},
		{
			name:    "ARM allows what the registry refused: propagation",
			res:     resource(nil),
			perms:   &report.Permissions{Pull: true, Push: true},
			callers: []string{"aaaaaaaa-0000-0000-0000-000000000001"},
			t:       sp("pull"), in: []cause.Cause{perm},
			want:    []string{"do allow push", "10 minutes"},
			wantIDs: []cause.ID{cause.InsufficientPermission},
		},
		{
			name: "a refresh token's user is the assignee",
			res:  resource(nil),
			t: &probe.Transcript{
				Registry:   "myreg.azurecr.io",
				Credential: probe.Credential{Kind: string(credkind.RefreshToken), Token: &token.Token{Claims: token.Claims{Subject: "alice@contoso.com"}}},
				Scope:      "repository:team/app:pull", Granted: []string{},
			},
			in:      []cause.Cause{perm},
			wantIDs: []cause.ID{cause.InsufficientPermission},
			want:    []string{`--assignee alice@contoso.com --role "AcrPull"`},
		},
		{
			name: "a repository token's scope map is left to the classifier",
			res:  resource(nil),
			t: &probe.Transcript{Registry: "myreg.azurecr.io", Credential: probe.Credential{Kind: string(credkind.RepositoryToken), Username: "ci"},
				Scope: "repository:team/app:pull", Granted: []string{}},
			in:      []cause.Cause{cause.New(cause.InsufficientPermission, "x", "az acr scope-map update")},
			wantIDs: []cause.ID{cause.InsufficientPermission},
			want:    []string{"az acr scope-map update"},
			wantNot: []string{"role assignment"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			az := &Azure{Resource: tt.res, Permissions: tt.perms, Callers: tt.callers}
			input := slices.Clone(tt.in)
			got := az.refine(tt.in, tt.t)
			if !reflect.DeepEqual(tt.in, input) {
				t.Error("refine changed its input")
			}
			var ids []cause.ID
			var text strings.Builder
			for _, c := range got {
				ids = append(ids, c.ID)
				text.WriteString(c.Title + "\n" + c.Evidence + "\n" + strings.Join(c.Remediation, "\n") + "\n")
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Fatalf("causes %v, want %v", ids, tt.wantIDs)
			}
			for _, w := range tt.want {
				if !strings.Contains(text.String(), w) {
					t.Errorf("missing %q in:\n%s", w, text.String())
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(text.String(), w) {
					t.Errorf("unexpected %q in:\n%s", w, text.String())
				}
			}
			if tt.severity != "" && got[len(got)-1].Severity != tt.severity {
				t.Errorf("severity %s, want %s", got[len(got)-1].Severity, tt.severity)
			}
		})
	}
}

func TestAzureUnread(t *testing.T) {
	causes := []cause.Cause{cause.New(cause.NetworkFirewall, "403")}
	for _, az := range []*Azure{nil, {}} {
		if got := az.refine(causes, firewalled(nil)); !slices.EqualFunc(got, causes, func(a, b cause.Cause) bool { return a.Evidence == b.Evidence }) {
			t.Errorf("%+v changed the causes: %+v", az, got)
		}
	}
}

func TestRole(t *testing.T) {
	for _, tt := range []struct{ op, mode, want string }{
		{"pull", "", "AcrPull"},
		{"push", "LegacyRegistryPermissions", "AcrPush"},
		{"delete", "", "AcrDelete"},
		{"pull", report.ABAC, "Container Registry Repository Reader"},
		{"push", report.ABAC, "Container Registry Repository Writer"},
		{"delete", report.ABAC, "Container Registry Repository Contributor"},
	} {
		if got := Role(tt.op, tt.mode); got != tt.want {
			t.Errorf("Role(%q, %q) = %q, want %q", tt.op, tt.mode, got, tt.want)
		}
	}
}
