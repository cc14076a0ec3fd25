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
		return report.Finding{Cause: cause.Cause{ID: id, Severity: cause.Error, Title: string(id)}, Confidence: string(c)}
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
}
