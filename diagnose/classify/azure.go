package classify

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// Azure is what ARM showed of a registry, for the classifier to weigh
// beside what the network showed.
type Azure struct {
	Resource *report.AzureResource
	// Permissions are the effective permissions, on the registry, of the
	// identity that read ARM.
	Permissions *report.Permissions
	// Callers are the names that identity goes by: UPN, app ID, object ID.
	Callers []string
}

// isCaller reports whether identity (a UPN, app ID or object ID) is the
// one that read ARM, so that Permissions are its own.
func (in *Azure) isCaller(identity string) bool {
	return identity != "" && slices.ContainsFunc(in.Callers, func(id string) bool { return strings.EqualFold(id, identity) })
}

// refine weighs what ARM showed beside what the network showed (causes,
// judged from t): the setting behind a 403, the private endpoint a DNS
// answer bypasses, the admin user that is off, and the role an identity
// lacks in the registry's role-assignment mode.
func (in *Azure) refine(causes []cause.Cause, t *probe.Transcript) []cause.Cause {
	if in == nil || in.Resource == nil || t == nil {
		return causes
	}
	res := in.Resource
	out := make([]cause.Cause, 0, len(causes)+1)
	for _, c := range causes {
		switch c.ID {
		case cause.NetworkFirewall:
			c = in.firewall(c, t)
		case cause.InvalidCredentials, cause.AADNotRegistered:
			if t.Credential.Kind == string(credkind.AdminUser) && !res.AdminUserEnabled {
				c.Evidence += "; ARM: the admin user is disabled"
				name := shell.RegistryName(res.Name)
				c = c.Fixed(new(shell.Fix).
					Add("az acr update -n %s --admin-enabled true", name).
					Add("or log in with your own identity instead: az acr login -n %s", name))
			}
		case cause.InsufficientPermission:
			c = in.permission(c, t)
		case cause.AnonymousPullBlocked:
			if res.AnonymousPullEnabled {
				c.Evidence += "; ARM: anonymous pull is enabled on the registry"
			}
		}
		out = append(out, c)
	}
	if c, ok := in.privateDNS(t, out); ok {
		out = append(out, c)
	}
	return out
}

// firewall says which setting made the registry answer 403.
func (in *Azure) firewall(c cause.Cause, t *probe.Transcript) cause.Cause {
	res := in.Resource
	ip := ClientIP(t)
	name, login := shell.RegistryName(res.Name), shell.Host(res.LoginServer)
	fix := new(shell.Fix)
	if strings.EqualFold(res.PublicNetworkAccess, "Disabled") {
		c.Title = "Public network access to the registry is disabled"
		c.Evidence = fmt.Sprintf("ARM: publicNetworkAccess is Disabled on %s; %s", res.Name, c.Evidence)
		if len(res.PrivateEndpoints) > 0 {
			fix.Add("reach %s through its private endpoint (%s): from its virtual network, or one peered or connected to it, where %s resolves to a private address", login, peNames(res), login)
		} else {
			fix.Add("the registry has no private endpoint either: create one, or allow public access: az network private-endpoint create --name %s-pe --connection-name %s-pe --group-id registry --private-connection-resource-id %s --resource-group <resource-group> --vnet-name <virtual-network> --subnet <subnet>", name, name, shell.ResourceID(res.ID))
		}
		fix.Add("to allow public access again: az acr update -n %s --public-network-enabled true", name)
		return c.Fixed(fix)
	}
	if !strings.EqualFold(res.DefaultAction, "Deny") {
		c.Evidence += "; ARM shows public access enabled and network rules allowing everyone, so the 403 comes from something else in between, or the rules changed in the last minutes"
		return c
	}
	rules := "no IP rule"
	if len(res.IPRules) > 0 {
		rules = "only " + strings.Join(res.IPRules, ", ")
	}
	switch rule, ok := allowedBy(ip, res.IPRules); {
	case ip == "":
		c.Evidence = fmt.Sprintf("ARM: network rules deny by default and allow %s; %s", rules, c.Evidence)
	case ok:
		c.Evidence = fmt.Sprintf("ARM: the registry saw this client as %s, which the IP rule %s allows, yet it refused it: a rule added a few minutes ago may not be in force yet; %s", ip, rule, c.Evidence)
		fix.Add("wait a few minutes after changing network rules, then retry")
	default:
		c.Evidence = fmt.Sprintf("ARM: network rules deny by default and allow %s; the registry saw this client as %s, which none of them allows; %s", rules, ip, c.Evidence)
		fix.Add("az acr network-rule add -n %s --ip-address %s", name, shell.IP(ip).Named("client IP in the registry's answer"))
	}
	fix.Add("if this client's address changes (NAT, proxy, CI runners), allow its range or use a private endpoint; list the rules with: az acr network-rule list -n %s", name)
	if len(res.DataEndpoints) > 0 {
		eps := make([]shell.Arg, len(res.DataEndpoints))
		for i, e := range res.DataEndpoints {
			eps[i] = shell.Host(e).Named("data endpoint").Or("<data-endpoint>")
		}
		fix.Add("a client-side firewall must also allow the data endpoints: "+strings.TrimSuffix(strings.Repeat("%s, ", len(eps)), ", "), eps...)
	}
	return c.Fixed(fix)
}

// allowedBy reports the first of rules (addresses or CIDR ranges) that
// allows ip.
func allowedBy(ip string, rules []string) (string, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", false
	}
	for _, r := range rules {
		if p, err := netip.ParsePrefix(r); err == nil && p.Contains(addr) {
			return r, true
		}
		if a, err := netip.ParseAddr(r); err == nil && a == addr {
			return r, true
		}
	}
	return "", false
}

// privateDNS: a registry with a private endpoint that this client
// reached at a public address. Either its name resolved to a public
// address here, because the private DNS zone is not linked to this
// client's network (acr-protocol.md §5), or a proxy resolved it and was
// refused at the public endpoint.
func (in *Azure) privateDNS(t *probe.Transcript, causes []cause.Cause) (cause.Cause, bool) {
	res := in.Resource
	refused := slices.ContainsFunc(causes, func(c cause.Cause) bool { return c.ID == cause.NetworkFirewall })
	if len(res.PrivateEndpoints) == 0 {
		return cause.Cause{}, false
	}
	var c cause.Cause
	name, login := shell.RegistryName(res.Name), shell.Host(res.LoginServer)
	switch d := t.DNS; {
	case d == nil && t.Proxy != "" && refused:
		c = cause.New(cause.NetworkFirewall,
			fmt.Sprintf("ARM: %s has the private endpoint %s, but the requests went through the proxy %s, which resolved %s itself and was refused at the public endpoint",
				res.Name, peNames(res), t.Proxy, res.LoginServer)).Fixed(new(shell.Fix).
			Add("connect to the private endpoint directly: add %s to NO_PROXY (and no_proxy), with its data endpoints (*.data.azurecr.io)", login).
			Add("or have the proxy resolve privatelink.azurecr.io through the virtual network's DNS"))
	case d == nil || d.Err != "" || len(d.Addrs) == 0 || d.Private:
		return cause.Cause{}, false
	default:
		mk := cause.Warn
		if strings.EqualFold(res.PublicNetworkAccess, "Disabled") || refused {
			mk = cause.New
		}
		c = mk(cause.NetworkFirewall,
			fmt.Sprintf("ARM: %s has the private endpoint %s, but %s resolved to %s, not a private address: the private DNS zone privatelink.azurecr.io is not linked to this network, so traffic takes the public path",
				res.Name, peNames(res), res.LoginServer, strings.Join(d.Addrs, ", "))).Fixed(new(shell.Fix).
			Add("az network private-dns link vnet create -g <zone-resource-group> -z privatelink.azurecr.io -n %s-link -v <virtual-network-id> -e false", name).
			Add("az network private-dns record-set a list -g <zone-resource-group> -z privatelink.azurecr.io -o table   # %s and its data endpoints need A records", name).
			Add("with custom or on-premises DNS, forward azurecr.io to Azure DNS (168.63.129.16) through a resolver in the virtual network"))
	}
	c.Title = "The registry's private endpoint is bypassed: this client reaches its public address"
	return c, true
}

// peNames lists the registry's private endpoints by name, with any
// connection status other than Approved.
func peNames(res *report.AzureResource) shell.Arg {
	names := make([]string, len(res.PrivateEndpoints))
	for i, pe := range res.PrivateEndpoints {
		names[i] = pe.ID[strings.LastIndex(pe.ID, "/")+1:]
		if pe.Status != "" && !strings.EqualFold(pe.Status, "Approved") {
			names[i] += " (" + pe.Status + ")"
		}
	}
	return shell.Text("private endpoints", strings.Join(names, ", "), "<private-endpoint>")
}

// permission names the role the stored identity lacks, in the registry's
// mode, with the assignment that grants it on the registry itself.
func (in *Azure) permission(c cause.Cause, t *probe.Transcript) cause.Cause {
	res := in.Resource
	kind := t.Credential.Kind
	if kind == string(credkind.RepositoryToken) || kind == string(credkind.AdminUser) {
		return c // scope maps and the admin user are outside role assignments
	}
	ops := t.Missing()
	if len(ops) == 0 {
		return c
	}
	who := Identity(t.Credential)
	var notes []string
	if res.RoleAssignmentMode == report.ABAC {
		notes = append(notes, "ARM: the registry uses ABAC repository permissions, which ignore AcrPull, AcrPush and AcrDelete")
	}
	if p := in.Permissions; p != nil && in.isCaller(who) {
		may := map[string]bool{"pull": p.Pull, "push": p.Push, "delete": p.Delete}
		var have, lack []string
		for _, op := range ops {
			if may[op] {
				have = append(have, op)
			} else {
				lack = append(lack, op)
			}
		}
		if len(lack) > 0 {
			notes = append(notes, fmt.Sprintf("ARM: %s's role assignments on %s allow no %s", who, res.Name, strings.Join(lack, " or ")))
		}
		if len(have) > 0 {
			notes = append(notes, fmt.Sprintf("ARM: %s's role assignments do allow %s: an assignment made in the last 10 minutes has not reached the registry yet, or an ABAC condition leaves out this repository", who, strings.Join(have, " and ")))
		}
	}
	if len(notes) > 0 {
		c.Evidence += "; " + strings.Join(notes, "; ")
	}
	assignee, scope := shell.Text("identity", who, "<identity>"), shell.ResourceID(res.ID).Or("<registry-resource-id>")
	fix := new(shell.Fix)
	for _, op := range ops {
		// The role is the program's own words, one of a fixed few.
		if role := Role(op, res.RoleAssignmentMode); role != "" {
			fix.Add(`az role assignment create --assignee %s --role "`+role+`" --scope %s`, assignee, scope)
		}
	}
	fix.Add("new role assignments take up to 10 minutes to reach the registry: then docker logout %s and log in again", shell.HostPort(t.Registry))
	return c.Fixed(fix)
}

// Identity is who a stored credential belongs to, as `az role assignment
// --assignee` takes it: a service principal's app ID, or a refresh
// token's user (its UPN or subject); "" when that cannot be told.
func Identity(c probe.Credential) string {
	switch credkind.Kind(c.Kind) {
	case credkind.ServicePrincipal:
		return c.Username
	case credkind.AdminUser, credkind.RepositoryToken, credkind.Anonymous:
		return ""
	}
	if tok := c.Token; tok != nil {
		for _, id := range []string{tok.Claims.Name, tok.Claims.Subject} {
			if id != "" {
				return id
			}
		}
	}
	return ""
}

// Role is the built-in role that grants op ("pull", "push" or "delete")
// in a registry's role-assignment mode.
func Role(op, mode string) string {
	if mode == report.ABAC {
		return map[string]string{
			"pull":   "Container Registry Repository Reader",
			"push":   "Container Registry Repository Writer",
			"delete": "Container Registry Repository Contributor",
		}[op]
	}
	return map[string]string{"pull": "AcrPull", "push": "AcrPush", "delete": "AcrDelete"}[op]
}
