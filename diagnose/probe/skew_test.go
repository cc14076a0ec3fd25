package probe

import (
	"testing"
	"time"
)

// TestSkew: a Date header is cut to the second; the skew allows for it,
// so an exact clock reads 0 and a registry 3 hours ahead reads -3h, at
// any fraction of a second.
func TestSkew(t *testing.T) {
	local := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		offset time.Duration // the registry's clock minus the local one
		want   time.Duration
	}{
		{"exact", 0, 0},
		{"3h ahead", 3 * time.Hour, -3 * time.Hour},
		{"3h behind", -3 * time.Hour, 3 * time.Hour},
		{"2s behind", -2 * time.Second, 2 * time.Second},
	} {
		for _, frac := range []time.Duration{0, 100 * time.Millisecond, 900 * time.Millisecond} {
			sent := local.Add(tc.offset).Add(frac)
			tr := &Transcript{ServerDate: sent.Truncate(time.Second), LocalDate: local.Add(frac)}
			if got, ok := tr.Skew(); !ok || got != tc.want {
				t.Errorf("%s, +%s: Skew = %s, %v; want %s", tc.name, frac, got, ok, tc.want)
			}
		}
	}
	if _, ok := (&Transcript{}).Skew(); ok {
		t.Error("no Date, yet a skew")
	}
}
