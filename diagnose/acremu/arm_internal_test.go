package acremu

import "testing"

// TestPermits: role definitions' wildcards and notActions, as ARM
// evaluates them.
func TestPermits(t *testing.T) {
	for _, tt := range []struct {
		roles  []string
		action string
		want   bool
	}{
		{[]string{"Reader"}, actionRegistryRead, true},
		{[]string{"Reader"}, actionDiagRead, true},
		{[]string{"Reader"}, "Microsoft.ContainerRegistry/registries/write", false},
		{[]string{"Contributor"}, "Microsoft.ContainerRegistry/registries/write", true},
		{[]string{"Contributor"}, "Microsoft.Authorization/roleAssignments/write", false},
		{[]string{"Contributor"}, "microsoft.authorization/roleassignments/delete", false},
		{[]string{"Owner"}, "Microsoft.Authorization/roleAssignments/write", true},
		{[]string{"AcrPull"}, actionRegistryRead, false},
		{[]string{"AcrPull", "AcrPush"}, actionRegistryRead, false},
		{[]string{"AcrPull", "Reader"}, actionRegistryRead, true},
		{[]string{"Log Analytics Reader"}, actionLogsRead, true},
		{[]string{"Container Registry Repository Reader"}, actionRegistryRead, false},
		{nil, actionRegistryRead, false},
	} {
		if got := permits(tt.roles, tt.action); got != tt.want {
			t.Errorf("permits(%v, %s) = %v", tt.roles, tt.action, got)
		}
	}
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*/read", "a/b/read", true}, {"*/read", "a/b/write", false},
		{"a/*/c", "a/x/y/c", true}, {"a/*/c", "a/c", false}, {"*a*b", "xxaxxb", true}, {"a", "ab", false},
	} {
		if got := wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}
