// Package repair changes local credential state for `docker acrdoctor
// fix`: the one part of acr-doctor that writes. Each repair goes through
// the store that holds the credential (config.json's auths through
// configedit's checked write, a helper through its own store and erase),
// is recorded without its secret, and can be undone; an undo refuses
// where what the repair left has changed since.
//
// The repairs:
//   - a credential stored under a key Docker never looks up (upper case, a
//     port) is moved to the key it does;
//   - a credential Docker should not send (the registry refuses it and
//     allows anonymous pull, or it is an ACR token for another registry)
//     is logged out: moved aside, within its store, to a key no image
//     reference names (ParkedKey), where --undo finds it again.
package repair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// ErrNothingToUndo is returned, wrapped, when no fix run is recorded.
var ErrNothingToUndo = errors.New("nothing to undo")

// Kind is what a repair does.
type Kind string

const (
	// MoveKey moves a credential to the key Docker looks it up by.
	MoveKey Kind = "move_key"
	// LogOut moves a credential aside, to ParkedKey: Docker stops sending it.
	LogOut Kind = "log_out"
)

// Move is one repair: the credential under From moved to To, in the same
// store. It never holds the credential.
type Move struct {
	Kind     Kind             `json:"kind"`
	Registry string           `json:"registry"` // the registry repaired, checked before and after
	From     string           `json:"from"`
	To       string           `json:"to"`
	Source   credstore.Source `json:"source"`
	Why      string           `json:"why"` // why Docker does not use From
	// Manual is the same change by hand; Then, what is left to run after
	// it (a login), which fix prints and never runs.
	Manual []string `json:"manual"`
	Then   []string `json:"then,omitempty"`
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

// Plan finds the repairs for the ACR keys of the store, from what it
// holds and from live, the check's results for it; with hosts named,
// only for those registries.
func (r *Repairer) Plan(ctx context.Context, hosts []string, live []check.Result) Plan {
	p := Plan{Moves: []Move{}, Skipped: []Skip{}}
	add := func(m Move, skip string) {
		if skip != "" {
			p.Skipped = append(p.Skipped, Skip{Key: m.From, Why: skip})
		} else {
			p.Moves = append(p.Moves, m)
		}
	}
	wanted := func(host string) bool { return len(hosts) == 0 || slices.Contains(hosts, host) }
	entries, _ := r.Store.Entries(ctx)
	for _, e := range entries {
		if _, acr := loginserver.Check(e.Registry); !acr || !wanted(dockerKey(e.Registry)) {
			continue
		}
		if why := check.Stray(e, r.Store.Config); why != "" {
			add(r.move(ctx, e, why))
		} else if why := otherRegistry(e); why != "" {
			add(r.park(ctx, e, why, "az acr login -n %s"))
		}
	}
	for _, res := range live {
		if !wanted(res.Registry.Registry) || !slices.ContainsFunc(res.Causes, func(c cause.Cause) bool { return c.ID == cause.AnonymousPullBlocked }) ||
			slices.ContainsFunc(p.Moves, func(m Move) bool { return m.From == res.Registry.Registry }) {
			continue
		}
		e := r.Store.Lookup(ctx, res.Registry.Registry)
		if e.NotFound || e.Err != nil {
			continue
		}
		if e.Source.Kind == credstore.File {
			// The key Docker found it under, which need not be the host.
			e.Registry, _ = r.Store.Config.FileKey(e.Registry)
		}
		add(r.park(ctx, e, "the registry allows anonymous pull, but Docker sends this credential, which the registry refuses", ""))
	}
	return p
}

// otherRegistry says why e, an ACR token issued for another registry, is
// of no use for its own; "" when it is not one.
func otherRegistry(e credstore.Entry) string {
	s := e.Secret()
	if !token.LooksLikeJWT(s) {
		return ""
	}
	tok, err := token.Decode(s)
	host := dockerKey(e.Registry)
	if err != nil || (tok.Kind != token.RefreshToken && tok.Kind != token.AccessToken) || len(tok.Claims.Audience) == 0 || tok.Claims.HasAudience(host) {
		return ""
	}
	return fmt.Sprintf("the ACR token stored for %s was issued for %s, which the registry refuses", host, strings.Join(tok.Claims.Audience, ", "))
}

// ParkedKey is where LogOut moves the credential under key: a key in the
// same store whose host is in .invalid (RFC 2606), so no image reference
// names it and Docker never sends it anywhere, and which is no ACR key.
// key is escaped: a "://" in it would make Docker read the host from it.
func ParkedKey(key string) string { return "parked.acrdoctor.invalid/" + url.PathEscape(key) }

// park plans the log-out of e, with then the login to run after it
// (a format of the registry's name), or says why not.
func (r *Repairer) park(ctx context.Context, e credstore.Entry, why, then string) (Move, string) {
	m := Move{Kind: LogOut, Registry: dockerKey(e.Registry), From: e.Registry, To: ParkedKey(e.Registry), Source: e.Source, Why: why}
	switch {
	case e.Source.Kind == credstore.Env:
		return m, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: remove it there"
	case e.Err != nil:
		return m, "its store could not be read: " + e.Err.Error()
	case r.holds(ctx, e.Source, m.To):
		return m, "an earlier fix parked a credential at " + m.To + ": remove it first, or undo that fix"
	}
	m.Manual = []string{shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>"))}
	if then != "" {
		m.Then = []string{shell.Sprintf(then, shell.RegistryName(registryName(m.Registry)))}
	}
	return m, ""
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

// move plans the move of e to the key Docker looks it up by, or says why
// not.
func (r *Repairer) move(ctx context.Context, e credstore.Entry, why string) (Move, string) {
	to := dockerKey(e.Registry)
	m := Move{Kind: MoveKey, Registry: to, From: e.Registry, To: to, Source: e.Source, Why: why}
	switch {
	case e.Source.Kind == credstore.Env:
		return m, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: correct the key there"
	case e.Err != nil:
		return m, "its store could not be read: " + e.Err.Error()
	case e.NotFound:
		return m, "its store holds nothing under it"
	}
	at := r.Store.Lookup(ctx, to)
	switch {
	case at.Err != nil:
		return m, fmt.Sprintf("Docker looks %s up in %s, which could not be read: %v", to, at.Source, at.Err)
	case at.Source != e.Source:
		return m, fmt.Sprintf("Docker looks %s up in %s, not in %s where this key is: log in again (az acr login -n %s)", to, at.Source, e.Source, registryName(to))
	case !at.NotFound:
		return m, fmt.Sprintf("%s holds a credential of its own, which Docker uses; to drop this one: docker logout %s", to, e.Registry)
	}
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

// holds reports whether src holds a credential under key, asked directly:
// a parked key is in the store of the credential parked, which need not
// be where Docker would look it up.
func (r *Repairer) holds(ctx context.Context, src credstore.Source, key string) bool {
	if src.Kind == credstore.File {
		_, ok := r.Store.Config.Auths[key]
		return ok
	}
	_, err := r.Store.Helper(src.Helper).Get(ctx, key)
	return !absent(err)
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
