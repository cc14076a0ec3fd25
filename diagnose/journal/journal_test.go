package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

func TestPath(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	if p, ok := Path(env("ACRDOCTOR_JOURNAL", "/x/j.jsonl", "XDG_STATE_HOME", "/s")); !ok || p != "/x/j.jsonl" {
		t.Errorf("override: %q %v", p, ok)
	}
	if _, ok := Path(env("ACRDOCTOR_JOURNAL", "OFF", "XDG_STATE_HOME", "/s")); ok {
		t.Error("off is on")
	}
	if p, _ := Path(env("XDG_STATE_HOME", "/s", "HOME", "/h")); p != filepath.Join("/s", "acr-doctor", "journal.jsonl") {
		t.Errorf("XDG_STATE_HOME: %q", p)
	}
	if p, _ := Path(env("XDG_STATE_HOME", "relative", "HOME", "/h")); !strings.HasPrefix(p, "/h") {
		t.Errorf("a relative XDG_STATE_HOME must be ignored, got %q", p)
	}
	if p, ok := Path(env("ACRDOCTOR_JOURNAL", "j.jsonl", "HOME", "/h")); ok {
		t.Errorf("a relative ACRDOCTOR_JOURNAL is used: %q", p)
	}
}

// TestLockHeld: a run stopped while it holds the journal's lock (Ctrl-Z
// on a pull that was rotating it) delays an append by lockWait at most,
// and the append says why it wrote nothing.
func TestLockHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Skip(err)
	}
	start := time.Now()
	err = Append(path, Entry{Registry: "r.azurecr.io", Outcome: Served})
	if took := time.Since(start); !errors.Is(err, statedir.ErrLockHeld) || took > lockWait+time.Second {
		t.Errorf("Append with the lock held: %v after %s", err, took)
	}
}

// TestRegistryUserinfo: what a request's URL held before "@" (a user and
// password) is not journalled with the registry.
func TestRegistryUserinfo(t *testing.T) {
	line, err := encode(Entry{Registry: "user:S3cretPw2@myreg.azurecr.io", Outcome: Served})
	if err != nil || strings.Contains(string(line), "S3cretPw2") || !strings.Contains(string(line), `"registry":"myreg.azurecr.io"`) {
		t.Errorf("encode = %s, %v", line, err)
	}
}

// TestGluedLine: a line cut short (a full disk, a crash) with the next
// entry appended to it loses the cut one only.
func TestGluedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	t0 := time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC)
	a, _ := encode(Entry{Time: t0, Registry: "a.azurecr.io", Outcome: Served})
	b, _ := encode(Entry{Time: t0.Add(time.Minute), Registry: "b.azurecr.io", Outcome: Served})
	if err := os.WriteFile(path, append(a[:len(a)-20], b...), 0o600); err != nil {
		t.Fatal(err)
	}
	if es, err := Read(path, time.Time{}); err != nil || len(es) != 1 || es[0].Registry != "b.azurecr.io" {
		t.Errorf("Read = %+v, %v; want the entry glued to the cut line", es, err)
	}
}

// TestEncodeBounds: a line of exactly maxLine bytes, newline included, is
// written whole; one byte more and the registry is shortened and the
// username dropped; a line still too long then is refused.
func TestEncodeBounds(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC)
	base := Entry{Time: t0, Kind: "refresh_token", Outcome: Served, Backend: "pass", Username: "admin"}
	size := func(e Entry) int {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	// withRegistry is base with a registry of x's making its line n bytes
	// long, newline excluded.
	withRegistry := func(n int) Entry {
		e := base
		e.Registry = strings.Repeat("x", n-size(base))
		return e
	}
	short := strings.Repeat("x", 256) + "…"
	// withFingerprint has a long registry, and a fingerprint making the
	// line n bytes long once the registry is shortened.
	withFingerprint := func(n int) Entry {
		e := base
		e.Registry, e.Username, e.Fingerprint = short, "", "f"
		e.Fingerprint = strings.Repeat("f", n-size(e)+1)
		e.Registry, e.Username = strings.Repeat("x", 1000), "admin"
		return e
	}
	tests := []struct {
		name     string
		e        Entry
		registry string // as written
		username string
		err      bool
	}{
		{name: "fits exactly", e: withRegistry(maxLine - 1), registry: withRegistry(maxLine - 1).Registry, username: "admin"},
		{name: "one byte over", e: withRegistry(maxLine), registry: short},
		{name: "shortened fits exactly", e: withFingerprint(maxLine - 1), registry: short},
		{name: "shortened one byte over", e: withFingerprint(maxLine), err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.jsonl")
			err := Append(path, tt.e)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), "entry too long") {
					t.Fatalf("Append = %v, want entry too long", err)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("a journal was written: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if len(data) > maxLine || bytes.Count(data, []byte("\n")) != 1 {
				t.Fatalf("line of %d bytes", len(data))
			}
			var got Entry
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if got.Registry != tt.registry || got.Username != tt.username || got.Fingerprint != tt.e.Fingerprint || !got.Time.Equal(t0) {
				t.Errorf("written registry of %d bytes, username %q, fingerprint of %d bytes; want %d, %q, %d",
					len(got.Registry), got.Username, len(got.Fingerprint), len(tt.registry), tt.username, len(tt.e.Fingerprint))
			}
		})
	}
}

func TestShorten(t *testing.T) {
	x256 := strings.Repeat("x", 256)
	tests := []struct{ in, want string }{
		{"", ""},
		{"myreg.azurecr.io", "myreg.azurecr.io"},
		{x256, x256},
		{x256 + "y", x256 + "…"},
		// A rune cut in two at byte 256 is dropped whole.
		{"a" + strings.Repeat("é", 200), "a" + strings.Repeat("é", 127) + "…"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in); got != tt.want {
			t.Errorf("shorten(%d bytes) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
}

// TestRotationThreshold: a journal of exactly MaxSize bytes is kept
// whole; the next line takes it past MaxSize and cuts it to the newest
// half.
func TestRotationThreshold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	oldest, err := encode(Entry{Time: t0, Registry: "oldest.azurecr.io", Outcome: Served})
	if err != nil {
		t.Fatal(err)
	}
	next := Entry{Time: t0.Add(time.Hour), Registry: "next.azurecr.io", Outcome: Served}
	line, err := encode(next)
	if err != nil {
		t.Fatal(err)
	}
	// The oldest entry, lines that are not entries, room for one more.
	var buf bytes.Buffer
	buf.Write(oldest)
	for rest := MaxSize - len(oldest) - len(line); rest > 0; {
		n := 1000
		if rest < 2*n {
			n = rest
		}
		buf.WriteString(strings.Repeat("#", n-1) + "\n")
		rest -= n
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Append(path, next); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != MaxSize {
		t.Fatalf("journal of %v bytes (%v), want exactly %d, uncut", fi.Size(), err, MaxSize)
	}
	es, err := Read(path, time.Time{})
	if err != nil || len(es) != 2 || es[0].Registry != "oldest.azurecr.io" || es[1].Registry != "next.azurecr.io" {
		t.Fatalf("Read = %+v, %v; want the oldest entry and the next", es, err)
	}
	last := Entry{Time: t0.Add(2 * time.Hour), Registry: "last.azurecr.io", Outcome: Served}
	if err := Append(path, last); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() > MaxSize/2 {
		t.Fatalf("journal of %v bytes (%v) past MaxSize, want it cut to at most %d", fi.Size(), err, MaxSize/2)
	}
	es, err = Read(path, time.Time{})
	if err != nil || len(es) != 2 || es[0].Registry != "next.azurecr.io" || es[1].Registry != "last.azurecr.io" {
		t.Errorf("after the cut, Read = %+v, %v; want the two newest entries", es, err)
	}
}

// TestTail: the whole lines within the last n bytes, however the cut
// falls.
func TestTail(t *testing.T) {
	const data = "aaa\nbbb\nccc\n"
	tests := []struct {
		n    int64
		want string
	}{
		{100, data},
		{int64(len(data)), data},
		{9, "bbb\nccc\n"}, // the cut falls on a newline: the next line is whole
		{8, "ccc\n"},      // a cut at a line's start looks like one inside it: that line goes too
		{7, "ccc\n"},
		{3, ""}, // no newline within: nothing whole
	}
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range tests {
		got, size, err := tail(f, tt.n)
		if err != nil || string(got) != tt.want || size != int64(len(data)) {
			t.Errorf("tail(%d) = %q, %d, %v; want %q, %d", tt.n, got, size, err, tt.want, len(data))
		}
	}
}

// TestReadWhole: a journal smaller than what Read reads is read from its
// first line, and a long stray line is skipped, not an error.
func TestReadWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if i == 2 {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(`{"note":"` + strings.Repeat("z", 20000) + `"}` + "\n")
			f.Close()
		}
		if err := Append(path, Entry{Time: t0.Add(time.Duration(i) * time.Minute), Registry: fmt.Sprintf("r%d.azurecr.io", i), Outcome: Served}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := Read(path, time.Time{})
	if err != nil || len(es) != 3 {
		t.Fatalf("Read = %d entries, %v; want 3", len(es), err)
	}
	for i, e := range es {
		if want := fmt.Sprintf("r%d.azurecr.io", i); e.Registry != want {
			t.Errorf("entry %d is %q, want %q", i, e.Registry, want)
		}
	}
}

// TestConcurrentWriters: 32 goroutines append at once, across several
// rotations. Every line stays whole JSON, the file stays within MaxSize,
// what survives of each writer is an unbroken run ending at its last entry
// (no line lost to a rotation: a writer that finished early may have been
// rotated out whole), and the entry appended last is the last line.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j", "journal.jsonl")
	const writers, per = 32, 250
	// What is tested is that no line is lost or torn, not the wait: on a
	// loaded machine under -race, 32 writers can hold a second.
	defer func(d time.Duration) { lockWait = d }(lockWait)
	lockWait = time.Minute
	pad := strings.Repeat("r", 120) // ~330-byte lines: 8000 lines, ~2.6 MB, several rotations
	var wg sync.WaitGroup
	errs := make(chan error, writers*per)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				e := Entry{Registry: fmt.Sprintf("w%02d-%04d.%s.azurecr.io", w, i, pad), Kind: "refresh_token", Outcome: Served, Fingerprint: "hmac:0123456789ab"}
				if err := Append(path, e); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := Append(path, Entry{Registry: "w99-0000.last.azurecr.io", Outcome: Served}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > MaxSize || len(data) < MaxSize/4 {
		t.Errorf("journal is %d bytes; want at most %d and not emptied", len(data), MaxSize)
	}
	seen := map[int][]int{}
	for n, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d is not JSON (%v): %.80q", n+1, err, line)
		}
		var w, i int
		if _, err := fmt.Sscanf(e.Registry, "w%02d-%04d.", &w, &i); err != nil {
			t.Fatalf("line %d: registry %q", n+1, e.Registry)
		}
		seen[w] = append(seen[w], i)
	}
	t.Logf("%d bytes kept, from %d of %d writers", len(data), len(seen)-1, writers)
	if len(seen[99]) != 1 || !bytes.HasSuffix(data, []byte("\n")) || !bytes.Contains(data[bytes.LastIndexByte(data[:len(data)-1], '\n')+1:], []byte("w99-0000.last")) {
		t.Error("the newest entry is not the last line")
	}
	if len(seen) < 4 {
		t.Errorf("only %d writers kept", len(seen))
	}
	for w := range writers {
		got := seen[w]
		if len(got) == 0 {
			continue
		}
		if got[len(got)-1] != per-1 {
			t.Errorf("writer %d: newest entry missing (kept %d)", w, len(got))
			continue
		}
		for k := 1; k < len(got); k++ {
			if got[k] != got[k-1]+1 {
				t.Errorf("writer %d: entries %d then %d: a line was lost", w, got[k-1], got[k])
				break
			}
		}
	}
	if ms, _ := filepath.Glob(path + ".tmp-*"); len(ms) > 0 {
		t.Errorf("temporary files left: %v", ms)
	}
}

// TestRotationKeepsNewestHalf: passing MaxSize cuts the journal to about
// half, at a line boundary, keeping the newest entries.
func TestRotationKeepsNewestHalf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	base := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	n := 0
	for ; ; n++ {
		if err := Append(path, Entry{Time: base.Add(time.Duration(n) * time.Second), Registry: "a.azurecr.io", Outcome: Served}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if n > 100 && fi.Size() < MaxSize/2+200 {
			break // rotated
		}
		if n > 100000 {
			t.Fatal("never rotated")
		}
	}
	es, err := Read(path, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < 100 || !es[len(es)-1].Time.Equal(base.Add(time.Duration(n)*time.Second)) {
		t.Fatalf("kept %d entries, last %v; want the newest, %v", len(es), es[len(es)-1].Time, base.Add(time.Duration(n)*time.Second))
	}
	for i := 1; i < len(es); i++ {
		if es[i].Time.Sub(es[i-1].Time) != time.Second {
			t.Fatalf("gap between %v and %v", es[i-1].Time, es[i].Time)
		}
	}
	if es[0].Kind != "unknown" {
		t.Errorf("empty kind written as %q, want unknown", es[0].Kind)
	}
}

func TestReadLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	if es, err := Read(path, time.Time{}); err != nil || es != nil {
		t.Fatalf("missing journal: %v, %v", es, err)
	}
	t0 := time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC)
	exp := time.Date(2026, 11, 29, 10, 5, 0, 0, time.UTC)
	for i, e := range []Entry{
		{Time: t0.Add(-time.Hour), Registry: "myreg.azurecr.io", Kind: "refresh_token", Outcome: Served},
		{Time: t0, Registry: "myreg.azurecr.io", Kind: "refresh_token", ExpiresAt: &exp, Outcome: Expired},
		{Time: t0.Add(time.Minute), Registry: "other.azurecr.io", Outcome: NotFound},
	} {
		if err := Append(path, e); err != nil {
			t.Fatal(i, err)
		}
	}
	// A line cut short by a crash is skipped, not an error.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-11-29T10:40:00Z","regis` + "\n")
	f.Close()

	es, err := Read(path, t0.Add(-time.Minute))
	if err != nil || len(es) != 2 {
		t.Fatalf("Read since: %d entries, %v", len(es), err)
	}
	all, _ := Read(path, time.Time{})
	last, ok := Last(all, "https://MyReg.azurecr.io/v2/")
	if !ok || last.Outcome != Expired || last.ExpiresAt == nil || !last.ExpiresAt.Equal(exp) || !last.Time.Equal(t0) {
		t.Errorf("Last = %+v, %v", last, ok)
	}
	if _, ok := Last(all, "nothere.azurecr.io"); ok {
		t.Error("Last found a registry never journalled")
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"expires_at":"2026-11-29T10:05:00Z"`)) {
		t.Errorf("expiry not RFC 3339 UTC: %s", raw)
	}
}

// TestOverlongEntry: a huge registry key still gives one whole line
// within PIPE_BUF.
func TestOverlongEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	if err := Append(path, Entry{Registry: strings.Repeat("x", 10000), Username: strings.Repeat("u", 5000), Outcome: Served}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if len(data) > maxLine || bytes.Count(data, []byte("\n")) != 1 {
		t.Errorf("line of %d bytes", len(data))
	}
}

// TestAppendNotAFile: a journal pointed at what is not a file (/dev/null,
// a FIFO) is left alone: no line, and no lock file made beside it.
func TestAppendNotAFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "journal")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Append(fifo, Entry{Registry: "a.azurecr.io", Outcome: Served}); !errors.Is(err, statedir.ErrNotRegular) {
		t.Errorf("Append to a FIFO: %v", err)
	}
	if _, err := os.Stat(fifo + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a lock file was made beside it: %v", err)
	}
}
