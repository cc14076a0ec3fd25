package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRead: whatever a crash, a tampering hand or a full disk left
// between two whole lines, Read keeps both lines' entries, first and last,
// returns only entries with a time, none older than asked, and no more
// than there are lines; only a line longer than it reads past stops it,
// with an error.
func FuzzRead(f *testing.F) {
	t0 := time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC)
	exp := t0.Add(-27 * time.Minute)
	first := Entry{Time: t0, Registry: "myreg.azurecr.io", Kind: "refresh_token", ExpiresAt: &exp, Outcome: Expired, Backend: "pass", Fingerprint: "hmac:0123456789ab"}
	last := Entry{Time: t0.Add(time.Hour), Registry: "other.azurecr.io", Kind: "admin_user", Outcome: Served, Backend: "file", Username: "other"}
	for _, s := range []string{
		"",
		`{"time":"2026-11-29T10:40:00Z","registry":"myreg.azurecr.io","kind":"unknown","outcome":"renewed"}`,
		`{"time":"2026-11-29T10:40:00Z","registry":"myreg.azurecr.io","kind":"unk`, // cut by a crash
		`{"registry":"myreg.azurecr.io","outcome":"served"}`,                       // no time
		`{"time":"2026-11-29T09:00:00+14:00","expires_at":null,"outcome":7}`,
		`{"time":"0000-01-01T00:00:00-23:59"}`,
		`{"time":"2026-11-29T10:40:00Z","registry":"myreg.azurecr.io","outcome":"expired"}`, // no expiry
		"\x00\x00\x00\x00\n\r\n{}\n[]\nnull",
		`{"time":"2026-11-29T10:40:00Z"}{"time":"2026-11-29T10:41:00Z"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	path := filepath.Join(f.TempDir(), "journal.jsonl") // a worker runs one input at a time
	f.Fuzz(func(t *testing.T, junk []byte, recent bool) {
		a, err := encode(first)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encode(last)
		if err != nil {
			t.Fatal(err)
		}
		data := append(append(append(a, junk...), '\n'), b...)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var since time.Time
		if recent {
			since = t0.Add(time.Second)
		}
		es, err := Read(path, since)
		long := false
		for line := range bytes.SplitSeq(junk, []byte("\n")) {
			long = long || len(line) >= maxScan
		}
		if err != nil {
			if !long {
				t.Fatalf("Read: %v, with no line longer than %d bytes", err, maxScan)
			}
			return
		}
		if long {
			t.Fatalf("a line of %d bytes or more read with no error", maxScan)
		}
		if lines := bytes.Count(data, []byte("\n")); len(es) > lines {
			t.Fatalf("%d entries from %d lines", len(es), lines)
		}
		for _, e := range es {
			if e.Time.IsZero() || !since.IsZero() && e.Time.Before(since) {
				t.Fatalf("entry at %v returned (since %v)", e.Time, since)
			}
			// check writes "had expired at" from ExpiresAt.
			if (e.Outcome == Expired || e.Outcome == Expiring) && e.ExpiresAt == nil {
				t.Fatalf("a %s entry with no expiry returned", e.Outcome)
			}
		}
		if len(es) == 0 || !same(es[len(es)-1], last) {
			t.Fatalf("the last line's entry is lost: %+v", es)
		}
		if !recent && !same(es[0], first) {
			t.Fatalf("the first line's entry is lost: %+v", es[0])
		}
		if _, ok := Last(es, "MyReg.azurecr.io"); !recent && !ok {
			t.Fatalf("Last does not find the first line's registry")
		}
	})
}

// same compares entries as a JSON round trip leaves them: times equal,
// not identical.
func same(x, y Entry) bool {
	if !x.Time.Equal(y.Time) || (x.ExpiresAt == nil) != (y.ExpiresAt == nil) ||
		x.ExpiresAt != nil && !x.ExpiresAt.Equal(*y.ExpiresAt) {
		return false
	}
	x.Time, y.Time, x.ExpiresAt, y.ExpiresAt = time.Time{}, time.Time{}, nil, nil
	return x == y
}

// TestReadLineBound: the longest line Read skips as not an entry, and the
// shortest that stops it with an error, which FuzzRead relies on.
func TestReadLineBound(t *testing.T) {
	line, err := encode(Entry{Time: time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC), Outcome: Served})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{maxScan - 1, maxScan} {
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		data := append(append(bytes.Repeat([]byte("x"), n), '\n'), line...)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		es, err := Read(path, time.Time{})
		if skipped := n < maxScan; skipped != (err == nil && len(es) == 1) {
			t.Errorf("a line of %d bytes: %d entries, %v", n, len(es), err)
		}
	}
}

// FuzzAppendJSON: an entry's line is json.Marshal's, byte for byte,
// whatever its strings and times hold, and fails where json.Marshal fails.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "myreg.azurecr.io", `a"b\c`, "<script>&", "\u2028\u2029", "\x00\x1f\b\f\n\r\t\x7f", "\xff\xfe", "é😀\ufffd", "hmac:0123456789ab"} {
		f.Add(s, s, int64(1764585600), int64(0), true)
	}
	f.Add("r", "u", int64(-62135596801), int64(253402300800), true) // years outside 0–9999
	f.Add("r", "u", int64(1764585600), int64(1764585600), false)
	f.Fuzz(func(t *testing.T, s, u string, sec, exp int64, expires bool) {
		e := Entry{Time: time.Unix(sec, 999).UTC(), Registry: s, Kind: u, Outcome: Outcome(s), Backend: u, Username: s, Fingerprint: u}
		if expires {
			x := time.Unix(exp, 0).In(time.FixedZone("x", 3600))
			e.ExpiresAt = &x
		}
		want, werr := json.Marshal(e)
		got, gerr := e.appendJSON(nil)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("appendJSON error %v, json.Marshal error %v", gerr, werr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("appendJSON:\n%s\njson.Marshal:\n%s", got, want)
		}
	})
}
