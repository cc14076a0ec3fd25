package azure

import (
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

func TestLoginEvents(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	refresh := probe.Credential{Kind: string(credkind.RefreshToken), Username: "<token>",
		Token: &token.Token{Claims: token.Claims{Subject: `o'brien@contoso.com`, JWTID: "0a14ceb8-1111"}}}
	tests := []struct {
		name, workspace string
		cred            probe.Credential
		want, wantNot   []string
	}{
		{
			name: "refresh token: jti and user",
			cred: refresh,
			want: []string{
				"ContainerRegistryLoginEvents\n| where TimeGenerated between (datetime(2026-11-28T09:00:00Z) .. datetime(2026-11-29T09:05:00Z))",
				`| where LoginServer =~ "myreg.azurecr.io"`,
				`| where JwtId == "0a14ceb8-1111" or Identity =~ "o'brien@contoso.com"`,
				"| take 20",
				// The quote in the UPN survives the shell.
				`--analytics-query 'ContainerRegistryLoginEvents | where`, `Identity =~ "o'\''brien@contoso.com"`,
				// Without ARM, the command finds the workspace itself.
				`az monitor diagnostic-settings list --resource "$(az acr show -n myreg --query id -o tsv)"`,
			},
			wantNot: []string{"<token>"},
		},
		{
			name:      "service principal, workspace known",
			workspace: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs",
			cred:      probe.Credential{Kind: string(credkind.ServicePrincipal), Username: "aaaaaaaa-0000-0000-0000-000000000001"},
			want: []string{
				`| where Identity =~ "aaaaaaaa-0000-0000-0000-000000000001"`,
				`az monitor log-analytics workspace show --ids /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs --query customerId`,
			},
			wantNot: []string{"JwtId ==", "diagnostic-settings"},
		},
		{
			name: "admin user: the username is what ACR logs",
			cred: probe.Credential{Kind: string(credkind.AdminUser), Username: "myreg"},
			want: []string{`| where Identity =~ "myreg"`},
		},
		{
			name:    "a username the report redacts (a token given as one) is not matched",
			cred:    probe.Credential{Kind: string(credkind.Unknown), Username: redact.Mark},
			wantNot: []string{"Identity =~", redact.Mark},
			want:    []string{`LoginServer =~ "myreg.azurecr.io"`},
		},
		{
			name:    "anonymous: the login server alone",
			cred:    probe.Credential{Kind: string(credkind.Anonymous)},
			wantNot: []string{"Identity =~", "JwtId =="},
			want:    []string{`LoginServer =~ "myreg.azurecr.io"`},
		},
		{
			name: "a KQL string cannot be broken out of",
			cred: probe.Credential{Kind: string(credkind.ServicePrincipal), Username: `x" or 1==1 //`},
			want: []string{`Identity =~ "x\" or 1==1 //"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := LoginEvents("myreg.azurecr.io", "myreg", tt.cred, now, tt.workspace)
			all := ev.Query + "\n" + ev.Command
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(all, w) {
					t.Errorf("unexpected %q in:\n%s", w, all)
				}
			}
			if ev.Ran || ev.Events != nil {
				t.Error("building the query ran it")
			}
		})
	}
}

func TestAuthFailure(t *testing.T) {
	for _, tt := range []struct {
		causes []cause.Cause
		want   bool
	}{
		{nil, false},
		{[]cause.Cause{cause.New(cause.NetworkFirewall, "")}, false},
		{[]cause.Cause{cause.New(cause.InvalidCredentials, "")}, true},
		{[]cause.Cause{cause.New(cause.AADNotRegistered, "")}, true},
		{[]cause.Cause{cause.Warn(cause.ExpiredCredentials, "expires soon")}, false},
		{[]cause.Cause{cause.New(cause.InsufficientPermission, "")}, false},
	} {
		if got := AuthFailure(tt.causes); got != tt.want {
			t.Errorf("AuthFailure(%v) = %v", tt.causes, got)
		}
	}
}
