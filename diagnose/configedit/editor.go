package configedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

// ErrChanged is returned when config.json changed between reading it and
// writing it: by Docker, or by another program. Nothing was written.
var ErrChanged = errors.New("config.json changed while acr-doctor was editing it")

// ErrNothingToUndo is returned, wrapped, when no configure run is recorded.
var ErrNothingToUndo = errors.New("nothing to undo")

// Record is one run of configure: what it changed in which file, kept in
// the state directory until the run is undone. It holds no secret: only
// the keys of editable are ever edited.
type Record struct {
	ID     string    `json:"id"`
	Config string    `json:"config"` // absolute path of config.json
	Time   time.Time `json:"time"`
	// Existed says whether config.json existed before the run; Backup is
	// the copy of it then, kept in the state directory.
	Existed bool   `json:"existed"`
	Backup  string `json:"backup,omitempty"`
	Edits   []Edit `json:"edits"`
	// Implicit is Plan.Implicit: the store Docker used by default then.
	Implicit string `json:"implicit,omitempty"`
}

// Editor writes config.json and keeps the records of its runs under Dir,
// a state directory (statedir.Dir).
type Editor struct {
	Dir string
	Now func() time.Time // nil means time.Now
}

func (e *Editor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Editor) runsDir() string { return filepath.Join(e.Dir, "configure") }

func (e *Editor) lock() (func(), error) {
	return statedir.Lock(filepath.Join(e.Dir, "configure.lock"))
}

// Apply writes the plan's document over config.json, which must still be
// what was read as from, and records the run so that an undo can revert
// it. It returns the record; with nothing to change it writes nothing and
// returns nil.
func (e *Editor) Apply(from *File, p *Plan) (*Record, error) {
	to := p.Doc
	edits := Diff(from.Doc, to)
	if len(edits) == 0 {
		return nil, nil
	}
	if err := checkEditable(edits); err != nil {
		return nil, err
	}
	data, err := to.Marshal()
	if err != nil {
		return nil, err
	}
	unlock, err := e.lock()
	if err != nil {
		return nil, fmt.Errorf("locking the state directory: %w", err)
	}
	defer unlock()
	if err := unchangedSince(from); err != nil {
		return nil, err
	}
	name, err := Canonical(from.Name)
	if err != nil {
		return nil, err
	}
	rec := &Record{Config: name, Time: e.now().UTC(), Existed: from.Exists, Edits: edits, Implicit: p.Implicit}
	rec.ID = rec.Time.Format("20060102T150405.000000000Z")
	dir, err := statedir.Sub(e.Dir, "configure")
	if err != nil {
		return nil, err
	}
	if from.Exists {
		// The file before, secrets and all, as private as config.json.
		rec.Backup = filepath.Join(dir, rec.ID+".config.json")
		if err := writeNew(rec.Backup, from.Raw); err != nil {
			return nil, fmt.Errorf("keeping a copy of %s: %w", name, err)
		}
	}
	recPath := filepath.Join(dir, rec.ID+".json")
	if err := writeRecord(recPath, rec); err != nil {
		removeRun(rec, recPath)
		return nil, err
	}
	unchanged := func() error { return unchangedSince(from) }
	if err := atomicfile.WriteIf(from.Name, data, from.Mode, unchanged); err != nil {
		removeRun(rec, recPath)
		return nil, err
	}
	return rec, nil
}

// Canonical names config.json by the absolute path of its folder with
// links resolved, so that ~/.docker and a DOCKER_CONFIG naming it through
// another link find the same records.
func Canonical(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	// The deepest folder that exists: configure may be about to create
	// the rest.
	rest := filepath.Base(abs)
	for dir := filepath.Dir(abs); ; dir, rest = filepath.Dir(dir), filepath.Join(filepath.Base(dir), rest) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest), nil
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
	}
}

// unchangedSince re-reads config.json and compares it with what was read.
func unchangedSince(f *File) error {
	raw, err := configjson.ReadFile(f.Name)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if exists != f.Exists || !bytes.Equal(raw, f.Raw) {
		return ErrChanged
	}
	return nil
}

func writeNew(name string, data []byte) error {
	f, err := statedir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeRecord(name string, rec *Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeNew(name, append(data, '\n'))
}

func removeRun(rec *Record, recPath string) {
	os.Remove(recPath)
	if rec.Backup != "" {
		os.Remove(rec.Backup)
	}
}

// maxRecord bounds a record read back: a few hundred bytes each.
const maxRecord = 1 << 20

// Records returns every recorded run, newest first. Files that are not
// records are skipped.
func (e *Editor) Records() ([]*Record, error) {
	ents, err := os.ReadDir(e.runsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, ent := range ents {
		n := ent.Name()
		if !strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".config.json") {
			continue
		}
		rec, err := readRecord(filepath.Join(e.runsDir(), n))
		if err != nil || rec.ID+".json" != n {
			continue
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b *Record) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

func readRecord(name string) (*Record, error) {
	f, err := statedir.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecord))
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	if rec.ID == "" || rec.Config == "" || checkEditable(rec.Edits) != nil || slices.ContainsFunc(rec.Edits, func(e Edit) bool { return len(e.Path) == 0 }) {
		return nil, errors.New("not a record")
	}
	return &rec, nil
}

// Last is the newest run recorded for the config.json at name.
func (e *Editor) Last(name string) (*Record, error) {
	abs, err := Canonical(name)
	if err != nil {
		return nil, err
	}
	recs, err := e.Records()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Config == abs {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w: no configure run is recorded for %s", ErrNothingToUndo, abs)
}

// Conflict is a key a run set that has changed since.
type Conflict struct {
	Edit Edit
	Now  json.RawMessage // the value there now; nil when absent
}

func (c Conflict) String() string {
	now := "removed"
	if c.Now != nil {
		now = "now " + compact(c.Now)
	}
	set := "removed"
	if c.Edit.After != nil {
		set = compact(c.Edit.After)
	}
	return fmt.Sprintf("%s was set to %s by configure, and is %s", strings.Join(c.Edit.Path, "."), set, now)
}

// Undo is the plan to revert one run.
type Undo struct {
	Record *Record
	File   *File // config.json as it is now
	// Result is config.json with the run's edits reverted where their
	// keys still hold what the run set; Forced reverts every edit.
	Result, Forced Doc
	Conflicts      []Conflict
}

// PlanUndo works out what reverting rec would do to config.json now.
func (e *Editor) PlanUndo(rec *Record) (*Undo, error) {
	f, err := Read(rec.Config)
	if err != nil {
		return nil, err
	}
	return Revert(rec, f)
}

// Revert works out what reverting rec would do to f, config.json as it is
// or as reverting newer runs would leave it.
func Revert(rec *Record, f *File) (*Undo, error) {
	u := &Undo{Record: rec, File: f, Result: f.Doc.Clone(), Forced: f.Doc.Clone()}
	if !f.Exists {
		return u, nil // removed since: nothing left to revert
	}
	// The values in an object before the object: the run's edits last
	// to first.
	for _, ed := range slices.Backward(rec.Edits) {
		cur, ok := u.Result.Get(ed.Path...)
		if !ok {
			cur = nil
		}
		switch {
		case Equal(cur, ed.Before):
			continue // back as it was already
		case ed.frame() && isObject(cur) && !Equal(cur, emptyObject):
			continue // an object the run made, holding what others put in since
		case !Equal(cur, ed.After):
			u.Conflicts = append(u.Conflicts, Conflict{Edit: ed, Now: cur})
		default:
			if err := u.Result.Set(ed.Before, ed.Path...); err != nil {
				return nil, fmt.Errorf("%s: %w", rec.Config, err)
			}
		}
		if err := u.Forced.Set(ed.Before, ed.Path...); err != nil {
			return nil, fmt.Errorf("%s: %w", rec.Config, err)
		}
	}
	for _, doc := range []Doc{u.Result, u.Forced} {
		if err := keepStore(doc, rec.Implicit); err != nil {
			return nil, fmt.Errorf("%s: %w", rec.Config, err)
		}
	}
	return u, nil
}

// keepStore names the store Docker used by default before the run, when
// the undo leaves config.json naming none but holding entries (logins
// since add them), with which Docker would no longer pick it by itself.
func keepStore(doc Doc, implicit string) error {
	if implicit == "" || doc.String("credsStore") != "" || (doc.len("credHelpers") == 0 && doc.len("auths") == 0) {
		return nil
	}
	return doc.SetString(implicit, "credsStore")
}

// Doc is what config.json becomes: Result, or Forced when force is set.
func (u *Undo) Doc(force bool) Doc {
	if force {
		return u.Forced
	}
	return u.Result
}

// ConflictError is an undo refused because keys the run set have changed
// since.
type ConflictError struct {
	Config    string
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	var parts []string
	for _, c := range e.Conflicts {
		parts = append(parts, c.String())
	}
	return fmt.Sprintf("%s changed since configure: %s", e.Config, strings.Join(parts, "; "))
}

// Commit reverts the run: config.json becomes u.Doc(force), if it is
// still the file PlanUndo read, and the run's record goes; the copy of
// the file before the run stays. A config.json that did not exist before
// the run and is left with no settings is removed.
func (e *Editor) Commit(u *Undo, force bool) error {
	if len(u.Conflicts) > 0 && !force {
		return &ConflictError{Config: u.Record.Config, Conflicts: u.Conflicts}
	}
	unlock, err := e.lock()
	if err != nil {
		return fmt.Errorf("locking the state directory: %w", err)
	}
	defer unlock()
	doc := u.Doc(force)
	switch {
	case !u.File.Exists:
		// Nothing to revert in a file that is gone.
	case len(doc) == 0 && !u.Record.Existed:
		if err := unchangedSince(u.File); err != nil {
			return err
		}
		if err := os.Remove(atomicfile.Target(u.File.Name)); err != nil {
			return err
		}
	default:
		data, err := doc.Marshal()
		if err != nil {
			return err
		}
		if len(Diff(u.File.Doc, doc)) > 0 {
			unchanged := func() error { return unchangedSince(u.File) }
			if err := atomicfile.WriteIf(u.File.Name, data, u.File.Mode, unchanged); err != nil {
				return err
			}
		}
	}
	err = os.Remove(filepath.Join(e.runsDir(), u.Record.ID+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	return err
}
