package azure

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

const workspace = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs"

func TestLoginEventsHostileValues(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for _, h := range append([]string{""}, shelltest.Hostile...) {
		cred := probe.Credential{Kind: string(credkind.RefreshToken), Username: h,
			Token: &token.Token{Claims: token.Claims{Subject: h, JWTID: h}}}
		for _, args := range [][3]string{{h, h, h}, {"myreg.azurecr.io", h, ""}, {"myreg.azurecr.io", "myreg", h}, {h, "myreg", workspace}} {
			ev := LoginEvents(args[0], args[1], cred, now, args[2])
			query := strings.ReplaceAll(ev.Query, "\n| ", " | ")
			if err := shelltest.CheckLine(ev.Command, []string{query}, shell.Quote); err != nil {
				t.Errorf("%q: %v", h, err)
			}
			toks, err := shelltest.Split(ev.Command)
			if err != nil || len(toks) != 8 || toks[7].Value != query || len(toks[5].Subs) != 1 {
				t.Errorf("%q: the command reads %v (%v)", h, toks, err)
			}
		}
	}
	in := &Inspector{}
	for _, h := range shelltest.Hostile {
		ev := &report.LoginEvents{}
		in.RunLoginEvents(context.Background(), &Inspection{Azure: report.Azure{Resource: &report.AzureResource{Name: h, ID: h}}, cred: &staticCredential{}}, ev)
		if err := shelltest.CheckLine(ev.Error, []string{h}, shell.Quote); err != nil || !strings.Contains(ev.Error, "--resource <registry-resource-id>") {
			t.Errorf("%q: %q: %v", h, ev.Error, err)
		}
	}
}
