package azure

import (
	"fmt"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// Steps are the check's steps for the Azure side: what was read, and a
// line for each thing that could not be, saying why.
func (in *Inspection) Steps() []report.Step {
	var out []report.Step
	ms := in.took.Milliseconds() // the Azure side is read as one step
	if res := in.Resource; res != nil {
		out = append(out,
			report.Step{Name: report.StepARM, Status: report.StepOK, DurationMS: ms, Detail: fmt.Sprintf("%s in resource group %s, subscription %s (%s, %s), read as %s", res.Name, res.ResourceGroup, res.Subscription, res.SKU, res.Location, orSomeone(in.Caller))},
			report.Step{Name: report.StepARMSettings, Status: report.StepOK, Detail: settings(res)})
	}
	if p := in.Permissions; p != nil {
		s := report.Step{Name: report.StepARMPermissions, Status: report.StepOK, Detail: fmt.Sprintf("%s may %s", orSomeone(p.Identity), mayList(p))}
		out = append(out, s)
	}
	for _, u := range in.Unseen {
		out = append(out, report.Step{Name: report.StepARM, Status: report.StepWarn, DurationMS: ms, Detail: fmt.Sprintf("could not see the %s: %s", u.What, u.Why)})
	}
	return out
}

func settings(r *report.AzureResource) string {
	onOff := map[bool]string{true: "on", false: "off"}
	parts := []string{"public network access " + strings.ToLower(r.PublicNetworkAccess)}
	if strings.EqualFold(r.DefaultAction, "Deny") {
		parts = append(parts, fmt.Sprintf("network rules deny by default (%s)", Count(len(r.IPRules), "IP rule")))
	}
	if len(r.PrivateEndpoints) > 0 {
		parts = append(parts, Count(len(r.PrivateEndpoints), "private endpoint"))
	}
	mode := "RBAC"
	if r.RoleAssignmentMode == report.ABAC {
		mode = "ABAC repository permissions"
	}
	parts = append(parts,
		"admin user "+onOff[r.AdminUserEnabled],
		"anonymous pull "+onOff[r.AnonymousPullEnabled],
		"data endpoints "+onOff[r.DataEndpointEnabled],
		mode,
		"Azure AD tokens for ARM "+r.AuthenticationAsARM)
	if r.LogWorkspace != "" {
		parts = append(parts, "login events to "+r.LogWorkspace[strings.LastIndex(r.LogWorkspace, "/")+1:])
	}
	return strings.Join(parts, "; ")
}

func mayList(p *report.Permissions) string {
	var may []string
	for _, x := range []struct {
		ok   bool
		what string
	}{{p.ReadSettings, "read its settings"}, {p.Pull, "pull"}, {p.Push, "push"}, {p.Delete, "delete"}} {
		if x.ok {
			may = append(may, x.what)
		}
	}
	if len(may) == 0 {
		return "do nothing with this registry"
	}
	return strings.Join(may, ", ")
}

// Count is n and noun, plural unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
