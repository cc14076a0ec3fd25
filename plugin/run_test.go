package main

import (
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/explain"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// TestAnswerAfterLiveCheck: once the live check names a cause, the output's
// findings add only what it shows at least likely, and nothing twice.
func TestAnswerAfterLiveCheck(t *testing.T) {
	expired := cause.Cause{ID: cause.ExpiredCredentials, Severity: cause.Error, Title: "The credentials have expired"}
	live := []check.Result{{Registry: report.Registry{Registry: "myreg.azurecr.io", Causes: []cause.Cause{expired}}}}
	finding := func(id cause.ID, c explain.Confidence) report.Finding {
		return report.Finding{Cause: cause.Cause{ID: id, Severity: cause.Error, Title: string(id)}, Registry: "myreg.azurecr.io", Confidence: string(c)}
	}
	fs := []report.Finding{
		finding(cause.ExpiredCredentials, explain.Certain),
		finding(cause.InvalidCredentials, explain.Possible),
		finding(cause.Throttled, explain.Likely),
	}
	var b strings.Builder
	textWriter{w: &b, p: palette{}, now: renderNow}.answer(fs, live)
	out := b.String()
	if !strings.Contains(out, "The output also shows:") || !strings.Contains(out, "throttled") {
		t.Errorf("the likely finding is not shown:\n%s", out)
	}
	if strings.Contains(out, "invalid_credentials") || strings.Count(out, "expired_credentials") != 1 {
		t.Errorf("a possible finding, or the live cause twice:\n%s", out)
	}

	// A possible cause stays where the live check did not decide: for
	// another registry, or beside a warning only.
	warned := []check.Result{{Registry: report.Registry{Registry: "warned.azurecr.io",
		Causes: []cause.Cause{{ID: cause.ClockSkew, Severity: cause.Warning, Title: "clock"}}}}}
	for name, tc := range map[string]struct {
		live []check.Result
		f    report.Finding
	}{
		"another registry": {live, report.Finding{Cause: cause.Cause{ID: cause.InsufficientPermission, Severity: cause.Error, Title: "perm"}, Registry: "other.azurecr.io", Confidence: string(explain.Possible)}},
		"a warning only":   {warned, report.Finding{Cause: cause.Cause{ID: cause.InsufficientPermission, Severity: cause.Error, Title: "perm"}, Registry: "warned.azurecr.io", Confidence: string(explain.Possible)}},
	} {
		var b strings.Builder
		textWriter{w: &b, p: palette{}, now: renderNow}.answer([]report.Finding{tc.f}, tc.live)
		if !strings.Contains(b.String(), "insufficient_permissions") {
			t.Errorf("%s: the only cause the output shows is hidden:\n%s", name, b.String())
		}
	}
}
