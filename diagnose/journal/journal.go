// Package journal keeps a record of what the credential helper
// docker-credential-acrdoctor gave Docker: one JSON line per `get`, with
// the registry, the kind of credential, its expiry and the outcome, so that
// `docker acrdoctor check` can say "at 10:32 Docker was given a token that
// had expired at 10:05".
//
// The journal never holds a secret: no password, no token, at most its
// fingerprint. It is bounded (MaxSize; past it the newest half is kept)
// and safe under concurrent writers: each line is one O_APPEND write, made
// under a shared lock of a sibling ".lock" file, and rotation takes that
// lock exclusively, so no line is lost to a rename.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

// Outcome says what Docker was given for one `get`.
type Outcome string

const (
	Served       Outcome = "served"        // the stored credential, valid or with no expiry to judge
	Expired      Outcome = "expired"       // the stored token, already expired
	Expiring     Outcome = "expiring"      // the stored token, expiring within the margin
	Renewed      Outcome = "renewed"       // a new token, exchanged through Azure AD and stored in place of an expired or expiring one
	NotFound     Outcome = "not_found"     // the backend holds nothing for the registry
	BackendError Outcome = "backend_error" // the backend failed or answered outside the protocol
	Empty        Outcome = "empty"         // the backend answered an empty username and secret (turned into not found)
)

// Entry is one line of the journal. It holds no secret.
type Entry struct {
	Time     time.Time `json:"time"`
	Registry string    `json:"registry"`
	// Kind is a credential kind as `creds` names it (refresh_token,
	// admin_user, …), or "unknown".
	Kind      string     `json:"kind"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Outcome   Outcome    `json:"outcome"`
	// Backend is the helper suffix the wrapper asked, or "file".
	Backend string `json:"backend,omitempty"`
	// Username is the stored username when it cannot be a secret.
	Username string `json:"username,omitempty"`
	// Fingerprint names the secret without revealing it: "hmac:" and 12
	// hex digits under the installation's key (package fingerprint).
	Fingerprint string `json:"fingerprint,omitempty"`
}

// MaxSize is the size past which the journal is cut to its newest half.
const MaxSize = 1 << 20

// maxScan bounds a line Read gets past: far longer than any entry
// (maxLine), so that a stray long line is skipped as not an entry; one
// longer still stops the read with an error.
const maxScan = 64 << 10

// maxLine keeps a line within PIPE_BUF, the size one O_APPEND write is
// certainly not interleaved with another at.
const maxLine = 4096

// lockWait bounds how long an append waits for the journal's lock: a
// get is on the path of every pull, and a run stopped while it holds the
// lock (Ctrl-Z on a docker pull) must not stop the others. A line that
// cannot have it in time is not written; a rotation is left to the next
// append.
var lockWait = time.Second // a test of many writers waits longer

// Off is the ACRDOCTOR_JOURNAL value that turns the journal off.
const Off = "off"

// Path is where the journal lives: ACRDOCTOR_JOURNAL if set (ok is false
// for "off", and for a relative path, which would name a file in
// whatever directory Docker was started from), else journal.jsonl in the
// state directory (statedir.Dir).
func Path(getenv func(string) string) (path string, ok bool) {
	if v := getenv("ACRDOCTOR_JOURNAL"); v != "" {
		if strings.EqualFold(v, Off) || !filepath.IsAbs(v) {
			return "", false
		}
		return v, true
	}
	dir, ok := statedir.Dir(getenv)
	if !ok {
		return "", false
	}
	return filepath.Join(dir, "journal.jsonl"), true
}

// Append adds e as one line to the journal at path, creating it and its
// directory (mode 0700/0600) as needed, and cuts the journal to its newest
// half once it passes MaxSize.
func Append(path string, e Entry) error {
	line, err := encode(e)
	if err != nil {
		return err
	}
	// A journal pointed at something that is not a file (/dev/null, to
	// turn it off) gets no line, and no lock file beside it either.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", path, statedir.ErrNotRegular)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lock, err := statedir.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := statedir.LockSharedWithin(lock, lockWait); err != nil {
		return err
	}
	size, err := appendLine(path, line)
	statedir.Unlock(lock)
	if err != nil {
		return err
	}
	if overfull(size) {
		return rotate(path, lock)
	}
	return nil
}

// overfull reports whether a journal of size bytes is due to be cut.
func overfull(size int64) bool { return size > MaxSize }

func encode(e Entry) ([]byte, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	if e.ExpiresAt != nil {
		t := e.ExpiresAt.UTC()
		e.ExpiresAt = &t
	}
	if e.Kind == "" {
		e.Kind = "unknown"
	}
	if i := strings.LastIndexByte(e.Registry, '@'); i >= 0 {
		e.Registry = e.Registry[i+1:] // a URL's user and password: never a registry's
	}
	line, err := e.appendJSON(nil)
	if err != nil {
		return nil, err
	}
	if len(line)+1 > maxLine {
		// Only a registry key or username that long can do this: keep
		// the line whole and the record, without them.
		e.Registry, e.Username = shorten(e.Registry), ""
		if line, err = e.appendJSON(line[:0]); err != nil {
			return nil, err
		}
		if len(line)+1 > maxLine {
			return nil, errors.New("journal: entry too long")
		}
	}
	return append(line, '\n'), nil
}

// appendJSON appends e as json.Marshal writes it, byte for byte
// (TestAppendJSON). The credential helper writes one entry per get, on
// the path of every pull, and encoding/json's first use of a type costs
// it more than the rest of the write: about 80 µs to learn Entry's fields.
func (e Entry) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"time":`...)
	b, err := appendTime(b, e.Time)
	if err != nil {
		return nil, err
	}
	b = appendString(append(b, `,"registry":`...), e.Registry)
	b = appendString(append(b, `,"kind":`...), e.Kind)
	if e.ExpiresAt != nil {
		if b, err = appendTime(append(b, `,"expires_at":`...), *e.ExpiresAt); err != nil {
			return nil, err
		}
	}
	b = appendString(append(b, `,"outcome":`...), string(e.Outcome))
	for _, f := range [...]struct{ key, v string }{{"backend", e.Backend}, {"username", e.Username}, {"fingerprint", e.Fingerprint}} {
		if f.v != "" { // omitempty
			b = appendString(append(append(append(b, `,"`...), f.key...), `":`...), f.v)
		}
	}
	return append(b, '}'), nil
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	j, err := t.MarshalJSON() // fails for a year past 9999, as json.Marshal does
	return append(b, j...), err
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it: HTML's <, > and &, the line and paragraph separators, and
// invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '<', '>', '&', '\u2028', '\u2029':
			b = append(b, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			switch {
			case r < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
			case r == utf8.RuneError && n == 1:
				b = append(b, `\ufffd`...)
			default:
				b = append(b, s[i:i+n]...)
			}
		}
		i += n
	}
	return append(b, '"')
}

func shorten(s string) string {
	if len(s) <= 256 {
		return s
	}
	return strings.ToValidUTF8(s[:256], "") + "…"
}

func appendLine(path string, line []byte) (int64, error) {
	f, err := statedir.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := f.Write(line); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// rotate keeps the newest half of the journal, whole lines only, writing
// it to a temporary file that replaces the journal. It holds the lock
// exclusively, so no writer appends to the file being replaced.
func rotate(path string, lock *os.File) error {
	if err := statedir.LockExclusiveWithin(lock, lockWait); errors.Is(err, statedir.ErrLockHeld) {
		return nil // writers keep it shared: the next append cuts the journal
	} else if err != nil {
		return err
	}
	defer statedir.Unlock(lock)
	f, err := statedir.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	keep, size, err := tail(f, MaxSize/2)
	f.Close()
	if err != nil {
		return err
	}
	if !overfull(size) { // another writer rotated first
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(keep); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Read returns the entries of the journal at path written at or after
// since, oldest first. A missing journal has no entries and is no error;
// lines that are not entries (a line cut by a crash) are skipped. Only the
// newest 2×MaxSize bytes are read, whatever the file has grown to.
func Read(path string, since time.Time) ([]Entry, error) {
	f, err := statedir.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, _, err := tail(f, 2*MaxSize)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return read(bytes.NewReader(data), since, path)
}

// tail returns the whole lines within the last n bytes of f, and f's size.
func tail(f *os.File, n int64) ([]byte, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size := fi.Size()
	off := max(0, size-n)
	data, err := io.ReadAll(io.NewSectionReader(f, off, n))
	if err != nil {
		return nil, 0, err
	}
	if off > 0 { // the first line is cut
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	}
	return data, size, nil
}

// glued is the entry a line ends with: a line cut short (a full disk, a
// crash) has the next append glued to it, and that one is whole.
func glued(line []byte) []byte {
	if i := bytes.LastIndex(line, []byte(`{"time":`)); i > 0 {
		return line[i:]
	}
	return line
}

func read(r io.Reader, since time.Time, path string) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxScan), maxScan)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(glued(sc.Bytes()), &e); err != nil || !e.whole() {
			continue
		}
		if !since.IsZero() && e.Time.Before(since) {
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

// whole reports whether e is an entry as Append writes one: a time, and
// an expiry for the outcomes that are about one, which readers show ("had
// expired at 10:05"). A tampered line may have neither.
func (e Entry) whole() bool {
	switch e.Outcome {
	case Expired, Expiring:
		if e.ExpiresAt == nil {
			return false
		}
	}
	return !e.Time.IsZero()
}

// LastServed is Last, where the journal speaks of the credential there is
// now: the wrapper serves the key (helper, the one Docker runs for it, is
// setting.Name: the journal is the wrapper's), and the entry's secret is
// the one stored now, where both fingerprints are known. A journal line
// of a login since undone, or replaced, is of another credential.
func LastServed(entries []Entry, registry, helper, fingerprint string) (Entry, bool) {
	if helper != setting.Name {
		return Entry{}, false
	}
	last, ok := Last(entries, registry)
	if ok && last.Fingerprint != "" && fingerprint != "" && last.Fingerprint != fingerprint {
		return Entry{}, false
	}
	return last, ok
}

// Last returns the newest entry for registry, compared as the host Docker
// looks credentials up by ("https://MyReg.azurecr.io/v2/" matches
// "myreg.azurecr.io").
func Last(entries []Entry, registry string) (Entry, bool) {
	host := loginserver.Host(registry)
	var last Entry
	found := false
	for _, e := range entries {
		if loginserver.Host(e.Registry) != host {
			continue
		}
		if !found || !e.Time.Before(last.Time) {
			last, found = e, true
		}
	}
	return last, found
}
