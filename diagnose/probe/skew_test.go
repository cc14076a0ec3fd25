package probe

import (
	"slices"
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

// TestMissing: what the scope probe asked for and was not granted, and
// nothing when no token answer was read.
func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		scope   string
		granted []string
		want    []string
	}{
		{"repository:app:pull,push", []string{"pull", "push"}, nil},
		{"repository:app:pull,push", []string{"pull"}, []string{"push"}},
		{"repository:app:pull,push", []string{}, []string{"pull", "push"}},
		{"repository:team/app:pull", []string{"pull"}, nil},
		{"repository:app:pull", nil, nil}, // no answer read: nothing concluded
		{"", []string{"pull"}, nil},
	} {
		tr := &Transcript{Scope: tc.scope, Granted: tc.granted}
		if got := tr.Missing(); !slices.Equal(got, tc.want) {
			t.Errorf("Missing(%q, %q) = %q; want %q", tc.scope, tc.granted, got, tc.want)
		}
	}
}
