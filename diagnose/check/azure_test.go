package check_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

const (
	tenant       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	armReader    = "3c9d1e2f-aaaa-4bbb-8ccc-0d1e2f3a4b5c"
	armSecret    = "arm-reader-secret-of-the-fixture"
	readerOnly   = "Reader"
	workspaceFor = "logs-acremu"
)

// withARM gives reg an ARM resource the test's reader identity can read,
// whose login events go to a workspace it can query.
func withARM(reg acremu.Registry, change func(*acremu.Resource)) acremu.Registry {
	res := &acremu.Resource{
		RoleAssignments: map[string][]string{armReader: {readerOnly}},
		Workspace:       &acremu.Workspace{Name: workspaceFor, Readers: []string{armReader}},
	}
	if change != nil {
		change(res)
	}
	reg.ARM = res
	return reg
}

// azureInspector reads the emulator's ARM through the real SDK clients as
// the application clientID.
func azureInspector(t testing.TB, emu *acremu.Server, clientID, secret string) *azure.Inspector {
	t.Helper()
	c := emu.Cloud()
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: c, Transport: emu.Client()}, DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &azure.Inspector{Credential: cred, Cloud: &c, Transport: emu.Client(), StepTimeout: 3 * time.Second}
}

// TestAzure: with --azure, every finding of the Azure side is produced
// through the real SDK clients against the emulator's ARM and Log
// Analytics, joined with what the network showed.
func TestAzure(t *testing.T) {
	type azureScenario struct {
		name    string
		reg     acremu.Registry
		stored  func(*acremu.Server, string) types.AuthConfig
		push    bool
		causes  []cause.ID
		want    []string // in the causes' text
		events  bool     // the login-event query ran and found this check's own failed login
		setting string   // in the arm_settings step
	}
	scs := []azureScenario{
		{
			name: "public access disabled, private DNS zone not linked",
			reg: withARM(registry("pubdisabled.azurecr.io", acremu.PrivateDNSNotLinked), func(r *acremu.Resource) {
				r.PublicNetworkAccessDisabled, r.PrivateEndpoints = true, []string{"pe-pubdisabled"}
			}),
			stored: basic("pubdisabled", adminPW),
			causes: []cause.ID{cause.NetworkFirewall, cause.NetworkFirewall},
			want: []string{"Public network access to the registry is disabled", "through its private endpoint (pe-pubdisabled)",
				"resolved to " + acremu.DefaultPublicIP, "privatelink.azurecr.io is not linked", "az acr update -n pubdisabled --public-network-enabled true"},
			setting: "public network access disabled",
		},
		{
			name: "client IP outside the IP rules",
			reg: withARM(registry("iprules.azurecr.io"), func(r *acremu.Resource) {
				r.DefaultAction, r.IPRules = "Deny", []string{"198.51.100.0/24", "192.0.2.10"}
			}),
			stored: basic("iprules", adminPW),
			causes: []cause.ID{cause.NetworkFirewall},
			want: []string{"allow only 198.51.100.0/24, 192.0.2.10", "saw this client as " + acremu.DefaultClientIP + ", which none of them allows",
				"az acr network-rule add -n iprules --ip-address " + acremu.DefaultClientIP},
			setting: "network rules deny by default (2 IP rules)",
		},
		{
			name: "ABAC registry, reader role, push probed",
			reg: withARM(registry("abacreg.azurecr.io"), func(r *acremu.Resource) {
				r.ABAC = true
			}),
			stored: basic(spPull, spSecret), push: true,
			causes:  []cause.ID{cause.InsufficientPermission},
			want:    []string{"ABAC repository permissions, which ignore AcrPull", `az role assignment create --assignee ` + spPull + ` --role "Container Registry Repository Writer" --scope /subscriptions/`},
			setting: "ABAC repository permissions",
		},
		{
			name:    "admin user disabled, and the registry's log of the refusal",
			reg:     withARM(registry("adminoff.azurecr.io", acremu.AdminDisabled), nil),
			stored:  basic("adminoff", adminPW),
			causes:  []cause.ID{cause.InvalidCredentials},
			want:    []string{"ARM: the admin user is disabled", "az acr update -n adminoff --admin-enabled true"},
			events:  true,
			setting: "admin user off",
		},
		{
			name:   "expired refresh token found in the log by its jti",
			reg:    withARM(registry("expiredlog.azurecr.io"), nil),
			stored: refresh(alice, 4*time.Hour),
			causes: []cause.ID{cause.ExpiredCredentials},
			events: true,
		},
		{
			// Expired, but the login never reached the registry: nothing
			// of it is in the registry's log.
			name:   "expired refresh token, registry unreachable",
			reg:    withARM(registry("expiredoff.azurecr.io", acremu.Unreachable), nil),
			stored: refresh(alice, 4*time.Hour),
			causes: []cause.ID{cause.ExpiredCredentials, cause.NetworkUnreachable},
		},
	}
	regs := make([]acremu.Registry, len(scs))
	for i, sc := range scs {
		regs[i] = sc.reg
	}
	emu := startRegistries(t, regs...)
	auths := map[string]types.AuthConfig{}
	for _, sc := range scs {
		auths[sc.reg.Host] = sc.stored(emu, sc.reg.Host)
	}
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: auths}}
	emu.AddApplication(tenant, armReader, armSecret)
	inspector := azureInspector(t, emu, armReader, armSecret)

	for _, push := range []bool{false, true} {
		var targets []string
		for _, sc := range scs {
			if sc.push == push {
				targets = append(targets, sc.reg.Host)
			}
		}
		opts := check.Options{Targets: targets, Push: push, Repository: "team/app", Timeout: 20 * time.Second,
			StepTimeout: 6 * time.Second, Probe: probeOptions(emu), Azure: inspector}
		results, _ := check.Run(context.Background(), store, opts, nil)
		assertNoSecrets(t, results, auths)
		assertOnePerTarget(t, results, targets)
		for _, r := range results {
			sc := scs[slices.IndexFunc(scs, func(s azureScenario) bool { return s.reg.Host == r.Registry.Registry })]
			t.Run(sc.name, func(t *testing.T) {
				b, _ := json.MarshalIndent(r.Registry, "", "  ")
				var ids []cause.ID
				var text strings.Builder
				for _, c := range r.Causes {
					ids = append(ids, c.ID)
					text.WriteString(c.Title + "\n" + c.Evidence + "\n" + strings.Join(c.Remediation, "\n") + "\n")
				}
				if !slices.Equal(ids, sc.causes) {
					t.Fatalf("causes %v, want %v\n%s", ids, sc.causes, b)
				}
				for _, w := range sc.want {
					if !strings.Contains(text.String(), w) {
						t.Errorf("missing %q in\n%s", w, text.String())
					}
				}
				az := r.Azure
				if az == nil || az.Resource == nil || len(az.Unseen) > 0 {
					t.Fatalf("the Azure side was not read: %s", b)
				}
				if az.Caller != armReader || az.Permissions == nil || !az.Permissions.ReadSettings || az.Permissions.Push {
					t.Errorf("caller %q permissions %+v: want the reader's", az.Caller, az.Permissions)
				}
				if !strings.HasSuffix(az.Resource.LogWorkspace, "/workspaces/"+workspaceFor) {
					t.Errorf("login-events workspace %q", az.Resource.LogWorkspace)
				}
				if sc.setting != "" && !slices.ContainsFunc(r.Steps, func(s report.Step) bool { return s.Name == "arm_settings" && strings.Contains(s.Detail, sc.setting) }) {
					t.Errorf("no arm_settings step says %q: %s", sc.setting, b)
				}
				ev := r.LoginEvents
				if !sc.events {
					if ev != nil {
						t.Errorf("login events for a failure that is not about authentication: %+v", ev)
					}
					return
				}
				if ev == nil || !ev.Ran || ev.Error != "" || len(ev.Events) == 0 {
					t.Fatalf("login events not read: %s", b)
				}
				cred := r.Registry.Credential
				for _, e := range ev.Events {
					if cred.Token != nil && e.JwtID != cred.Token.JWTID && !strings.EqualFold(e.Identity, cred.Token.Subject) {
						t.Errorf("event of another token or identity: %+v", e)
					}
					if cred.Token == nil && !strings.EqualFold(e.Identity, cred.Username) {
						t.Errorf("event of another identity: %+v", e)
					}
				}
				if !slices.ContainsFunc(ev.Events, func(e report.LoginEvent) bool {
					return e.ResultType == "401" && e.CallerIPAddress == acremu.DefaultClientIP
				}) {
					t.Errorf("the check's own refused login is not among the events: %+v", ev.Events)
				}
			})
		}
	}
	// ARM is never written.
	for _, req := range emu.Requests(acremu.ARMHost) {
		if req.Method != "GET" {
			t.Errorf("ARM was sent %s %s", req.Method, req.Path)
		}
	}
}

// TestAzureUnseen: when the Azure side cannot be read, the check says what
// it could not see and why in one line, and every other finding is
// exactly what it is without --azure.
func TestAzureUnseen(t *testing.T) {
	reg := withARM(registry("unseen.azurecr.io", acremu.Firewall), nil)
	other := registry("elsewhere.azurecr.io")
	other.ARM = &acremu.Resource{Subscription: "22222222-2222-2222-2222-222222222222"}
	pullOnly := withARM(registry("pullonlyarm.azurecr.io", acremu.Firewall), func(r *acremu.Resource) {
		r.RoleAssignments = map[string][]string{"5e6f7a8b-0000-4000-8000-00000000000a": {"AcrPull"}}
	})
	emu := startRegistries(t, reg, other, pullOnly)
	const pullApp = "5e6f7a8b-0000-4000-8000-00000000000a"
	emu.AddApplication(tenant, armReader, armSecret)
	emu.AddApplication(tenant, pullApp, armSecret)
	auths := map[string]types.AuthConfig{
		"unseen.azurecr.io":      {Username: "unseen", Password: adminPW},
		"elsewhere.azurecr.io":   {Username: "elsewhere", Password: adminPW},
		"pullonlyarm.azurecr.io": {Username: "pullonlyarm", Password: adminPW},
	}
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: auths}}
	run := func(in *azure.Inspector, target string) check.Result {
		t.Helper()
		opts := check.Options{Targets: []string{target}, Timeout: 10 * time.Second, StepTimeout: 3 * time.Second, Probe: probeOptions(emu), Azure: in}
		results, _ := check.Run(context.Background(), store, opts, nil)
		return results[0]
	}
	baseline := run(nil, "unseen.azurecr.io")

	noIdentity := &azure.Inspector{Cloud: ptr(emu.Cloud()), Transport: emu.Client(), Getenv: func(string) string { return "" }}
	t.Setenv("AZURE_TENANT_ID", "")
	t.Setenv("AZURE_CLIENT_ID", "")
	t.Setenv("AZURE_CLIENT_SECRET", "")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", "")
	t.Setenv("IDENTITY_ENDPOINT", "")
	t.Setenv("MSI_ENDPOINT", "")
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "")
	t.Setenv("PATH", t.TempDir()) // no az

	tests := []struct {
		name   string
		in     func() *azure.Inspector
		target string
		faults []acremu.ARMFault
		what   string
		why    []string
	}{
		{name: "no Azure credentials", in: func() *azure.Inspector { return noIdentity }, target: "unseen.azurecr.io",
			what: azure.WhatIdentity, why: []string{"no Azure identity in the environment", "az login"}},
		{name: "a wrong secret", in: func() *azure.Inspector { return azureInspector(t, emu, armReader, "not-the-secret") }, target: "unseen.azurecr.io",
			what: azure.WhatIdentity, why: []string{"AADSTS"}},
		{name: "too few rights to read ARM", in: func() *azure.Inspector { return azureInspector(t, emu, pullApp, armSecret) }, target: "pullonlyarm.azurecr.io",
			what: azure.WhatResource, why: []string{"pullonlyarm.azurecr.io is not among the registries of the 1 subscription", "Reader role"}},
		{name: "a registry in no visible subscription", in: func() *azure.Inspector { return azureInspector(t, emu, armReader, armSecret) }, target: "elsewhere.azurecr.io",
			what: azure.WhatResource, why: []string{"elsewhere.azurecr.io is not among the registries of the 1 subscription"}},
		{name: "throttled ARM", in: func() *azure.Inspector { return azureInspector(t, emu, armReader, armSecret) }, target: "unseen.azurecr.io",
			faults: []acremu.ARMFault{acremu.ARMThrottled}, what: azure.WhatResource, why: []string{"429 TooManyRequests", "Retry-After: 30"}},
		{name: "failing ARM", in: func() *azure.Inspector { return azureInspector(t, emu, armReader, armSecret) }, target: "unseen.azurecr.io",
			faults: []acremu.ARMFault{acremu.ARMFailing}, what: azure.WhatResource, why: []string{"500 InternalServerError"}},
		{name: "ARM that never answers", in: func() *azure.Inspector {
			in := azureInspector(t, emu, armReader, armSecret)
			// Long enough for the Azure AD token under load: the ARM
			// call after it never answers.
			in.StepTimeout = 2 * time.Second
			return in
		}, target: "unseen.azurecr.io",
			faults: []acremu.ARMFault{acremu.ARMHung}, what: azure.WhatResource, why: []string{"did not answer in time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu.SetARMFaults(tt.faults...)
			defer emu.SetARMFaults()
			r := run(tt.in(), tt.target)
			b, _ := json.MarshalIndent(r.Registry, "", "  ")
			if r.Azure == nil || len(r.Azure.Unseen) != 1 || r.Azure.Resource != nil {
				t.Fatalf("want exactly one unseen line and no resource: %s", b)
			}
			u := r.Azure.Unseen[0]
			if u.What != tt.what || strings.Contains(u.Why, "\n") {
				t.Errorf("unseen %+v, want one line about the %s", u, tt.what)
			}
			for _, w := range tt.why {
				if !strings.Contains(u.Why, w) {
					t.Errorf("why %q lacks %q", u.Why, w)
				}
			}
			if strings.Contains(string(b), armSecret) {
				t.Error("the report holds the Azure secret")
			}
			if tt.target != "unseen.azurecr.io" {
				return
			}
			// Everything else is as without --azure.
			if !slices.EqualFunc(r.Causes, baseline.Causes, func(a, b cause.Cause) bool {
				return a.ID == b.ID && a.Evidence == b.Evidence && slices.Equal(a.Remediation, b.Remediation)
			}) {
				t.Errorf("causes changed:\n%+v\nwithout --azure:\n%+v", r.Causes, baseline.Causes)
			}
			if r.Healthy != baseline.Healthy {
				t.Errorf("healthy %v, without --azure %v", r.Healthy, baseline.Healthy)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
