package azure

import (
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// The operations that decide what an identity may do with a registry. In
// RBAC mode the registry honours AcrPull, AcrPush and AcrDelete, which are
// control-plane actions; in ABAC mode it ignores them and reads the
// repository data actions of the Container Registry Repository roles
// (acr-protocol.md §3).
const (
	actionRead   = "Microsoft.ContainerRegistry/registries/read"
	actionPull   = "Microsoft.ContainerRegistry/registries/pull/read"
	actionPush   = "Microsoft.ContainerRegistry/registries/push/write"
	actionDelete = "Microsoft.ContainerRegistry/registries/artifacts/delete"
	dataPull     = "Microsoft.ContainerRegistry/registries/repositories/content/read"
	dataPush     = "Microsoft.ContainerRegistry/registries/repositories/content/write"
	dataDelete   = "Microsoft.ContainerRegistry/registries/repositories/content/delete"
)

// evaluate says what permissions allow in the registry's mode. Each entry
// is one role assignment's; its NotActions subtract from its own Actions
// only, as ARM evaluates them.
func evaluate(perms []*armauthorization.Permission, mode string) *report.Permissions {
	p := &report.Permissions{Actions: []string{}}
	type rule struct{ allow, deny []string }
	var control, data []rule
	for _, e := range perms {
		if e == nil {
			continue
		}
		c := rule{strs(e.Actions), strs(e.NotActions)}
		d := rule{strs(e.DataActions), strs(e.NotDataActions)}
		control, data = append(control, c), append(data, d)
		p.Actions = append(p.Actions, c.allow...)
		p.NotActions = append(p.NotActions, c.deny...)
		p.DataActions = append(p.DataActions, d.allow...)
		p.NotDataActions = append(p.NotDataActions, d.deny...)
	}
	allowed := func(rules []rule, op string) bool {
		for _, r := range rules {
			if matchAny(r.allow, op) && !matchAny(r.deny, op) {
				return true
			}
		}
		return false
	}
	p.ReadSettings = allowed(control, actionRead)
	if mode == report.ABAC {
		p.Pull, p.Push, p.Delete = allowed(data, dataPull), allowed(data, dataPush), allowed(data, dataDelete)
	} else {
		p.Pull, p.Push, p.Delete = allowed(control, actionPull), allowed(control, actionPush), allowed(control, actionDelete)
	}
	return p
}

// matchAny reports whether op matches one of ARM's action patterns, where
// * stands for any run of characters and case does not matter.
func matchAny(patterns []string, op string) bool {
	for _, p := range patterns {
		if wildcard(strings.ToLower(p), strings.ToLower(op)) {
			return true
		}
	}
	return false
}

func wildcard(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	// The rest of the pattern must match some suffix of what is left.
	for i := star; i <= len(s); i++ {
		if wildcard(pattern[star+1:], s[i:]) {
			return true
		}
	}
	return false
}

func strs(ps []*string) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}
