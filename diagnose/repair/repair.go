// Package repair changes local credential state for `docker acrdoctor
// fix`: the one part of acr-doctor that writes. Each repair goes through
// the store that holds the credential (config.json's auths through
// configedit's checked write, a helper through its own store and erase),
// is recorded without its secret, and can be undone; an undo refuses
// where what the repair left has changed since.
//
// The repair built so far moves a credential stored under a key Docker
// never looks up (upper case, a port) to the key it does.
package repair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

// ErrNothingToUndo is returned, wrapped, when no fix run is recorded.
var ErrNothingToUndo = errors.New("nothing to undo")

// Move is one repair: the credential under From, a key Docker never looks
// up for the registry's images, moved to To, the key it does, in the same
// store. It never holds the credential.
type Move struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Source credstore.Source `json:"source"`
	Why    string           `json:"why"` // why Docker does not use From
	// Manual is the same change by hand.
	Manual []string `json:"manual"`
	// Fingerprint names the credential moved (package fingerprint), so
	// that an undo moves back only what the run moved.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Skip is a finding fix leaves alone, and why.
type Skip struct {
	Key string `json:"key"`
	Why string `json:"why"`
}

// Plan is what fix would do.
type Plan struct {
	Moves   []Move `json:"moves"`
	Skipped []Skip `json:"skipped"`
}

// Repairer applies plans to one Docker configuration.
type Repairer struct {
	Store  *credstore.Store
	Config string // config.json's path
	Dir    string // the state directory (statedir.Dir)
	Now    func() time.Time
}

// Plan finds the repairs for the ACR keys of the store; with hosts named,
// only for those registries.
func (r *Repairer) Plan(ctx context.Context, hosts []string) Plan {
	p := Plan{Moves: []Move{}, Skipped: []Skip{}}
	entries, _ := r.Store.Entries(ctx)
	for _, e := range entries {
		if _, acr := loginserver.Check(e.Registry); !acr {
			continue
		}
		why := check.Stray(e, r.Store.Config)
		to := dockerKey(e.Registry)
		if why == "" || (len(hosts) > 0 && !slices.Contains(hosts, to)) {
			continue
		}
		if m, skip := r.move(ctx, e, to, why); skip != "" {
			p.Skipped = append(p.Skipped, Skip{Key: e.Registry, Why: skip})
		} else {
			p.Moves = append(p.Moves, m)
		}
	}
	return p
}

// dockerKey is the key Docker looks an ACR registry's credential up by:
// the login server, lower case, with no port (ACR serves 443 only).
func dockerKey(key string) string {
	host := loginserver.Host(key)
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// move plans the move of e to the key to, or says why not.
func (r *Repairer) move(ctx context.Context, e credstore.Entry, to, why string) (Move, string) {
	switch {
	case e.Source.Kind == credstore.Env:
		return Move{}, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: correct the key there"
	case e.Err != nil:
		return Move{}, "its store could not be read: " + e.Err.Error()
	case e.NotFound:
		return Move{}, "its store holds nothing under it"
	}
	at := r.Store.Lookup(ctx, to)
	switch {
	case at.Err != nil:
		return Move{}, fmt.Sprintf("Docker looks %s up in %s, which could not be read: %v", to, at.Source, at.Err)
	case at.Source != e.Source:
		return Move{}, fmt.Sprintf("Docker looks %s up in %s, not in %s where this key is: log in again (az acr login -n %s)", to, at.Source, e.Source, registryName(to))
	case !at.NotFound:
		return Move{}, fmt.Sprintf("%s holds a credential of its own, which Docker uses; to drop this one: docker logout %s", to, e.Registry)
	}
	m := Move{From: e.Registry, To: to, Source: e.Source, Why: why}
	m.Manual = []string{
		shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>")),
		shell.Sprintf("az acr login -n %s   # or docker login %s with the same credential", shell.RegistryName(registryName(to)), shell.Host(to)),
	}
	return m, ""
}

func registryName(host string) string {
	name, _, _ := strings.Cut(host, ".")
	return name
}

// Record is one fix run, kept in the state directory until undone.
type Record struct {
	ID     string    `json:"id"`
	Config string    `json:"config"`
	Time   time.Time `json:"time"`
	Moves  []Move    `json:"moves"`
}

func (r *Repairer) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Repairer) runsDir() string { return filepath.Join(r.Dir, "fix") }

// Apply carries out the moves, in order, and records those done; it stops
// at the first that fails, and returns the record of what was done.
func (r *Repairer) Apply(ctx context.Context, moves []Move) (*Record, error) {
	key, err := fingerprint.Keep(r.Dir)
	if err != nil {
		return nil, fmt.Errorf("the fingerprint key: %w", err)
	}
	rec := &Record{Config: r.Config, Time: r.now().UTC()}
	rec.ID = rec.Time.Format("20060102T150405.000000000Z")
	var failed error
	for _, m := range moves {
		fp, err := r.relocate(ctx, m.Source, m.From, m.To, key, "")
		if err != nil {
			failed = fmt.Errorf("moving %s to %s: %w", m.From, m.To, err)
			break
		}
		m.Fingerprint = fp
		rec.Moves = append(rec.Moves, m)
	}
	if len(rec.Moves) == 0 {
		return nil, failed
	}
	if err := r.writeRecord(rec); err != nil {
		return rec, errors.Join(failed, fmt.Errorf("recording the run for undo: %w", err))
	}
	return rec, failed
}

// relocate moves the credential under from to to in src, and returns its
// fingerprint. With want set, it moves only a credential of that
// fingerprint (an undo moves back only what the run moved).
func (r *Repairer) relocate(ctx context.Context, src credstore.Source, from, to string, key *fingerprint.Key, want string) (string, error) {
	if src.Kind == credstore.File {
		f, err := configedit.Read(r.Config)
		if err != nil {
			return "", err
		}
		v, ok := f.Doc.Get("auths", from)
		if !ok {
			return "", fmt.Errorf("%s has no entry %s any more", r.Config, from)
		}
		fp := key.Of(compact(v))
		if want != "" && fp != want {
			return "", fmt.Errorf("the entry %s changed since fix moved it", from)
		}
		doc, err := configedit.MoveAuth(f.Doc, from, to)
		if err != nil {
			return "", err
		}
		ed := configedit.Editor{Dir: r.Dir}
		return fp, ed.WriteMoved(f, doc)
	}
	h := r.Store.Helper(src.Helper)
	c, err := h.Get(ctx, from)
	if err != nil {
		return "", fmt.Errorf("%s get %s: %w", h.Program(), from, err)
	}
	fp := key.Of(c.Secret)
	if want != "" && fp != want {
		return "", fmt.Errorf("the credential under %s changed since fix moved it", from)
	}
	switch _, err := h.Get(ctx, to); {
	case err == nil:
		return "", fmt.Errorf("%s holds a credential under %s now", h.Program(), to)
	case !absent(err):
		return "", fmt.Errorf("%s get %s: %w", h.Program(), to, err)
	}
	if err := h.Store(ctx, to, c); err != nil {
		return "", err
	}
	// Erase the old key only once the new one answers with it.
	if got, err := h.Get(ctx, to); err != nil || got != c {
		_ = h.Erase(ctx, to)
		return "", fmt.Errorf("%s did not keep the credential under %s", h.Program(), to)
	}
	return fp, h.Erase(ctx, from)
}

// absent: the helper holds nothing under the key. Debian's pass helper
// says so with an empty answer and exit 0.
func absent(err error) bool {
	var he *credstore.HelperError
	return errors.Is(err, credstore.ErrNotFound) || errors.As(err, &he) && he.Failure == credstore.HelperEmpty
}

func compact(v json.RawMessage) string {
	var m any
	if json.Unmarshal(v, &m) != nil {
		return string(v)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func (r *Repairer) writeRecord(rec *Record) error {
	dir, err := statedir.Sub(r.Dir, "fix")
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, rec.ID+".json"), append(data, '\n'), 0o600)
}

// Last is the newest fix run recorded for this config.json.
func (r *Repairer) Last() (*Record, error) {
	ents, err := os.ReadDir(r.runsDir())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, de := range slices.Backward(ents) {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		f, err := statedir.OpenFile(filepath.Join(r.runsDir(), de.Name()), os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		var rec Record
		err = json.NewDecoder(f).Decode(&rec)
		f.Close()
		if err == nil && rec.Config == r.Config && len(rec.Moves) > 0 {
			return &rec, nil
		}
	}
	return nil, fmt.Errorf("%w: no fix run is recorded for %s", ErrNothingToUndo, r.Config)
}

// Undo moves back, last first, what rec moved, each only if it is still
// the credential the run moved and the old key is free; then the record
// goes. It stops at the first move it cannot take back.
func (r *Repairer) Undo(ctx context.Context, rec *Record) error {
	key, err := fingerprint.Read(r.Dir)
	if err != nil {
		return fmt.Errorf("the fingerprint key: %w", err)
	}
	for i, m := range slices.Backward(rec.Moves) {
		if _, err := r.relocate(ctx, m.Source, m.To, m.From, key, m.Fingerprint); err != nil {
			return fmt.Errorf("moving %s back to %s: %w", m.To, m.From, err)
		}
		// What is taken back leaves the record: a later undo resumes.
		rec.Moves = rec.Moves[:i]
		if i > 0 {
			if err := r.writeRecord(rec); err != nil {
				return err
			}
		}
	}
	return os.Remove(filepath.Join(r.runsDir(), rec.ID+".json"))
}
