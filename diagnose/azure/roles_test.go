package azure

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

func perm(actions, notActions, dataActions []string) *armauthorization.Permission {
	ptrs := func(ss []string) []*string {
		out := make([]*string, len(ss))
		for i := range ss {
			out[i] = &ss[i]
		}
		return out
	}
	return &armauthorization.Permission{Actions: ptrs(actions), NotActions: ptrs(notActions), DataActions: ptrs(dataActions)}
}

// Role definitions as Azure publishes them.
var (
	owner       = perm([]string{"*"}, nil, nil)
	contributor = perm([]string{"*"}, []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"}, nil)
	reader      = perm([]string{"*/read"}, nil, nil)
	acrPull     = perm([]string{"Microsoft.ContainerRegistry/registries/pull/read"}, nil, nil)
	acrPush     = perm([]string{"Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"}, nil, nil)
	acrDelete   = perm([]string{"Microsoft.ContainerRegistry/registries/artifacts/delete"}, nil, nil)
	repoReader  = perm(nil, nil, []string{"Microsoft.ContainerRegistry/registries/repositories/metadata/read", "Microsoft.ContainerRegistry/registries/repositories/content/read"})
	repoWriter  = perm(nil, nil, []string{"Microsoft.ContainerRegistry/registries/repositories/metadata/read", "Microsoft.ContainerRegistry/registries/repositories/content/read",
		"Microsoft.ContainerRegistry/registries/repositories/metadata/write", "Microsoft.ContainerRegistry/registries/repositories/content/write"})
	// A custom role whose NotActions take push away again.
	pushDenied = perm([]string{"Microsoft.ContainerRegistry/*"}, []string{"Microsoft.ContainerRegistry/registries/push/*"}, nil)
)

func TestEvaluate(t *testing.T) {
	type want struct{ read, pull, push, del bool }
	tests := []struct {
		name  string
		perms []*armauthorization.Permission
		mode  string
		want  want
	}{
		{"nothing", nil, "", want{}},
		{"Owner", []*armauthorization.Permission{owner}, "", want{true, true, true, true}},
		{"Contributor", []*armauthorization.Permission{contributor}, "", want{true, true, true, true}},
		{"Reader includes pull", []*armauthorization.Permission{reader}, "", want{read: true, pull: true}},
		{"AcrPull cannot read settings", []*armauthorization.Permission{acrPull}, "", want{pull: true}},
		{"AcrPush", []*armauthorization.Permission{acrPush}, "", want{pull: true, push: true}},
		{"AcrDelete", []*armauthorization.Permission{acrDelete}, "", want{del: true}},
		{"NotActions subtract", []*armauthorization.Permission{pushDenied}, "", want{read: true, pull: true, del: true}},
		{"NotActions of one assignment leave another's alone", []*armauthorization.Permission{pushDenied, acrPush}, "", want{true, true, true, true}},
		{"ABAC ignores AcrPull and AcrPush", []*armauthorization.Permission{acrPush, reader}, report.ABAC, want{read: true}},
		{"ABAC repository reader", []*armauthorization.Permission{repoReader}, report.ABAC, want{pull: true}},
		{"ABAC repository writer", []*armauthorization.Permission{repoWriter}, report.ABAC, want{pull: true, push: true}},
		{"Owner's actions are not data actions", []*armauthorization.Permission{owner}, report.ABAC, want{read: true}},
		{"repository roles mean nothing in RBAC mode", []*armauthorization.Permission{repoWriter}, "LegacyRegistryPermissions", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := evaluate(tt.perms, tt.mode)
			got := want{p.ReadSettings, p.Pull, p.Push, p.Delete}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything/at/all", true},
		{"*/read", "microsoft.containerregistry/registries/read", true},
		{"*/read", "microsoft.containerregistry/registries/push/write", false},
		{"microsoft.containerregistry/*", "microsoft.containerregistry/registries/pull/read", true},
		{"microsoft.containerregistry/registries/*/read", "microsoft.containerregistry/registries/pull/read", true},
		{"microsoft.containerregistry/registries/*/read", "microsoft.containerregistry/registries/pull/write", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	}
	for _, tt := range tests {
		if got := wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
