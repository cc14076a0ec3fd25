package wrapper

import (
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// TestHintDate: the hint names the expiry by its time of day within 20
// hours either way, and with its date beyond.
func TestHintDate(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := loginserver.Server{Host: "myreg.azurecr.io", Name: "myreg"}
	for _, tt := range []struct {
		off  time.Duration
		want string
	}{
		{-20 * time.Hour, "(at 16:00 UTC)"},
		{-20*time.Hour - time.Second, "(at 2026-11-29 15:59 UTC)"},
		{20 * time.Hour, "(at 08:00 UTC)"},
		{20*time.Hour + time.Second, "(at 2026-12-01 08:00 UTC)"},
		{-time.Hour, "expired 1h ago (at 11:00 UTC); run: az acr login -n myreg"},
		{time.Hour, "expires in 1h (at 13:00 UTC); run: az acr login -n myreg"},
	} {
		if got := hint(s, "ACR refresh token", now.Add(tt.off), now); !strings.Contains(got, tt.want) {
			t.Errorf("expiry %v from now: %q, want %q in it", tt.off, got, tt.want)
		}
	}
}
