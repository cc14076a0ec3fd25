package classify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// armOutside are the values refine and the login-event command take from
// ARM, the registry's answers, the stored credential and the environment.
type armOutside struct {
	name, id, login, endpoint, pe, registry, ip, user, identity, proxy, workspace string
}

var armBenign = armOutside{
	name: "myreg", id: regID, login: "myreg.azurecr.io", endpoint: "myreg.eastus.data.azurecr.io", pe: "pe-myreg",
	registry: "myreg.azurecr.io", ip: "203.0.113.7", user: "aaaaaaaa-0000-0000-0000-000000000001", identity: "alice@contoso.com",
	proxy: "http://proxy.corp:3128", workspace: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs",
}

type joinCase struct {
	res *report.AzureResource
	t   *probe.Transcript
	in  []cause.Cause
}

// joinCases are refine's paths that write commands, filled with o.
func joinCases(o armOutside) map[string]joinCase {
	res := func(change func(*report.AzureResource)) *report.AzureResource {
		r := resource(change)
		r.Name, r.ID, r.LoginServer, r.DataEndpoints = o.name, o.id, o.login, []string{o.endpoint}
		return r
	}
	pe := []report.PrivateEndpoint{{ID: "/x/privateEndpoints/" + o.pe, Status: "Pending"}}
	firewalledBy := func(dns *probe.DNSResult) *probe.Transcript {
		t := firewalled(dns)
		t.Registry, t.Proxy = o.registry, o.proxy
		t.Exchanges[0].Body = `{"errors":[{"code":"DENIED","message":"client with IP '` + strings.ReplaceAll(o.ip, `"`, `\"`) + `' is not allowed access"}]}`
		return t
	}
	fw := []cause.Cause{cause.New(cause.NetworkFirewall, "403")}
	perm := []cause.Cause{cause.New(cause.InsufficientPermission, "no push")}
	spT := sp("pull")
	spT.Registry, spT.Credential.Username = o.registry, o.user
	rtT := &probe.Transcript{Registry: o.registry, Scope: "repository:team/app:pull", Granted: []string{},
		Credential: probe.Credential{Kind: string(credkind.RefreshToken), Token: &token.Token{Claims: token.Claims{Name: o.identity}}}}
	return map[string]joinCase{
		"admin disabled": {res(nil), &probe.Transcript{Registry: o.registry, Credential: probe.Credential{Kind: string(credkind.AdminUser), Username: o.user}},
			[]cause.Cause{cause.New(cause.InvalidCredentials, "401")}},
		"public access off, private endpoint": {res(func(r *report.AzureResource) { r.PublicNetworkAccess, r.PrivateEndpoints = "Disabled", pe }), firewalledBy(&probe.DNSResult{Addrs: []string{"198.51.100.20"}}), fw},
		"public access off, no endpoint":      {res(func(r *report.AzureResource) { r.PublicNetworkAccess = "Disabled" }), firewalledBy(nil), fw},
		"ip outside the rules":                {res(func(r *report.AzureResource) { r.DefaultAction, r.IPRules = "Deny", []string{"10.0.0.0/8"} }), firewalledBy(nil), fw},
		"refused through a proxy": {res(func(r *report.AzureResource) { r.PublicNetworkAccess, r.PrivateEndpoints = "Disabled", pe }),
			firewalledBy(nil), fw},
		"service principal lacks push": {res(nil), spT, perm},
		"refresh token lacks pull":     {res(func(r *report.AzureResource) { r.RoleAssignmentMode = report.ABAC }), rtT, perm},
	}
}

// TestJoinHostileValues puts each hostile value in each of ARM's and the
// transcript's values, alone and all at once.
func TestAzureHostileValues(t *testing.T) {
	ref := map[string][]cause.Cause{}
	for name, jc := range joinCases(armBenign) {
		got := (&Azure{Resource: jc.res}).refine(jc.in, jc.t)
		ref[name] = got
		for _, c := range got {
			if len(c.Remediation) == 0 || strings.Contains(c.Evidence, "in its place") {
				t.Errorf("%s: %+v", name, c)
			}
			for _, l := range c.Remediation {
				if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
	fields := []string{"name", "id", "login", "endpoint", "pe", "registry", "ip", "user", "identity", "proxy"}
	for _, h := range shelltest.Hostile {
		variants := map[string]armOutside{"all": {h, h, h, h, h, h, h, h, h, h, h}}
		for i, f := range fields {
			o := armBenign
			*[]*string{&o.name, &o.id, &o.login, &o.endpoint, &o.pe, &o.registry, &o.ip, &o.user, &o.identity, &o.proxy}[i] = h
			variants[f] = o
		}
		// Pieces of h the code takes: a private endpoint's name is the
		// last segment of its ID.
		values := []string{h, h[strings.LastIndex(h, "/")+1:] + " (Pending)"}
		for field, o := range variants {
			for name, jc := range joinCases(o) {
				got := (&Azure{Resource: jc.res}).refine(jc.in, jc.t)
				for _, c := range got {
					what := fmt.Sprintf("%s, %q in %s", name, h, field)
					checkLines(t, what, c.Remediation, values, c.Evidence, ref[name])
					if field != "user" && field != "identity" && field != "pe" && field != "all" {
						// Values with a shape: never in a command, not even quoted.
						for _, l := range c.Remediation {
							if strings.Contains(l, shelltest.Marker) {
								t.Errorf("%s: the value is in %q", what, l)
							}
						}
					}
				}
			}
		}
	}
}

// checkLines checks lines with hostile values, and that each placeholder
// not in the benign causes ref is explained by evidence.
func checkLines(t *testing.T, what string, lines, values []string, evidence string, ref []cause.Cause) {
	t.Helper()
	var before strings.Builder
	for _, r := range ref {
		before.WriteString(strings.Join(r.Remediation, "\n"))
	}
	for _, l := range lines {
		if err := shelltest.CheckLine(l, values, shell.Quote); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		for _, p := range []string{"<registry-name>", "<login-server>", "<resource-id>", "<registry-resource-id>", "<your public IP>", "<identity>", "<data-endpoint>"} {
			if strings.Contains(l, p) && !strings.Contains(before.String(), p) && !strings.Contains(evidence, "show "+p+" in its place") {
				t.Errorf("%s: %q has %s, and the evidence does not say why: %s", what, l, p, evidence)
			}
		}
	}
}
