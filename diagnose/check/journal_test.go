package check

import (
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/journal"
)

// TestJournalStep: what the last get says, in words.
func TestJournalStep(t *testing.T) {
	at := time.Date(2026, 11, 29, 10, 32, 0, 0, time.Local)
	exp, soon := at.Add(-27*time.Minute), at.Add(3*time.Minute)
	for _, tc := range []struct {
		e    journal.Entry
		want string
	}{
		{journal.Entry{Time: at, Kind: "admin_user", Outcome: journal.Served, Backend: "pass"}, "at 2026-11-29 10:32 Docker was given an admin user from pass"},
		{journal.Entry{Time: at, Kind: "refresh_token", Outcome: journal.Expired, ExpiresAt: &exp}, "at 2026-11-29 10:32 Docker was given a refresh token that had expired at 10:05"},
		{journal.Entry{Time: at, Kind: "refresh_token", Outcome: journal.Expiring, ExpiresAt: &soon}, "at 2026-11-29 10:32 Docker was given a refresh token that was to expire at 10:35"},
		{journal.Entry{Time: at, Kind: "refresh_token", Outcome: journal.Renewed, Backend: "pass"}, "at 2026-11-29 10:32 the credential helper renewed the refresh token from pass"},
		{journal.Entry{Time: at, Kind: "unknown", Outcome: journal.NotFound, Backend: "pass"}, "at 2026-11-29 10:32 Docker asked pass and got nothing usable (not found)"},
		{journal.Entry{Time: at, Kind: "unknown", Outcome: journal.BackendError}, "at 2026-11-29 10:32 Docker asked its store and got nothing usable (backend error)"},
	} {
		if got := journalStep(tc.e).Detail; got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.e.Outcome, tc.e.Kind, got, tc.want)
		}
	}
}
