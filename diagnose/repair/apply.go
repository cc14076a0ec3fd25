package repair

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
)

// Record is one fix run, kept in the state directory until undone.
type Record struct {
	ID     string    `json:"id"`
	Run    string    `json:"run,omitempty"`  // Repairer.Run
	Tool   string    `json:"tool,omitempty"` // Repairer.Tool
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

// Apply carries out the moves, in order, and records those done. A move
// that fails leaves its credential as it was (a store is undone when the
// erase after it fails), so the others still go: the error says which
// failed, and the record what was done.
func (r *Repairer) Apply(ctx context.Context, moves []Move) (*Record, error) {
	key, err := fingerprint.Keep(r.Dir)
	if err != nil {
		return nil, fmt.Errorf("the fingerprint key: %w", err)
	}
	rec := &Record{ID: r.runID(), Run: r.Run, Tool: string(r.Tool), Config: r.Config, Time: r.now().UTC()}
	var failed []error
	for _, m := range moves {
		err = r.asPlanned(ctx, m)
		switch {
		case err != nil:
		case m.Kind == Renew:
			err = r.renew(ctx, &m, key)
		case m.Kind == SetHelper:
			err = r.setHelper(ctx, &m, key)
		case m.Kind == Configure:
			err = r.configureWrapper(&m)
		default:
			m.Fingerprint, err = r.relocate(ctx, m.Source, m.From, m.To, key, "")
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", m.subject(), err))
			continue
		}
		rec.Moves = append(rec.Moves, m)
	}
	if len(rec.Moves) == 0 {
		return nil, errors.Join(failed...)
	}
	if err := r.writeRecord(rec); err != nil {
		failed = append(failed, fmt.Errorf("recording the run for undo: %w", err))
	}
	return rec, errors.Join(failed...)
}

// subject is what m repairs: its registry, or the setting of config.json.
func (m Move) subject() string {
	if m.Registry != "" {
		return m.Registry
	}
	return m.Setting
}

// asPlanned refuses m where what it is about has changed since the plan
// (a login, an edit, another run while the prompt waited): the plan was
// shown, and agreed to, for what it saw.
func (r *Repairer) asPlanned(ctx context.Context, m Move) error {
	if m.Kind == SetHelper {
		f, err := configedit.Read(r.Config)
		if err != nil {
			return err
		}
		if f.Doc.String(strings.SplitN(m.Setting, ".", 2)...) != m.From {
			return fmt.Errorf("%s no longer names %s: changed since the plan", m.Setting, m.From)
		}
		return nil
	}
	if m.seen == "" {
		return nil // not planned here (a test's hand-made move)
	}
	// DOCKER_AUTH_CONFIG is left out: fix never writes it.
	cfg, err := r.Reread(func(string) string { return "" })
	if err != nil {
		return err
	}
	switch m.Source.Kind {
	case credstore.CredsStore:
		if cfg.CredsStore != m.Source.Helper {
			return fmt.Errorf("credsStore no longer names %s: changed since the plan", m.Source.Helper)
		}
	case credstore.CredHelpers:
		if cfg.CredHelpers[m.From] != m.Source.Helper {
			return fmt.Errorf("credHelpers no longer sends %s to %s: changed since the plan", m.From, m.Source.Helper)
		}
	}
	// As the plan's entry had them: a helper's username as stored
	// (<token> for a token), the secret Docker would send.
	var now string
	if m.Source.Kind == credstore.File {
		a := cfg.Auths[m.From]
		now = r.sight(a.Username, credstore.Entry{Password: a.Password, IdentityToken: a.IdentityToken}.Secret())
	} else {
		c, err := r.Store.Helper(m.Source.Helper).Get(ctx, m.From)
		if err != nil {
			return fmt.Errorf("%s: %w", m.From, err)
		}
		now = r.sight(c.Username, c.Secret)
	}
	if now != m.seen {
		return fmt.Errorf("the credential under %s changed since the plan", m.From)
	}
	return nil
}

// Reread reads the file again, as its tool reads it; Docker's with
// getenv's DOCKER_AUTH_CONFIG.
func (r *Repairer) Reread(getenv func(string) string) (*credstore.Config, error) {
	if r.Tool == "" || r.Tool == tools.Docker {
		return credstore.Load(filepath.Dir(r.Config), getenv)
	}
	cfg, _, err := tools.Read(r.Tool, r.Config)
	return cfg, err
}

// relocate moves the credential under from to to in src, and returns its
// fingerprint. With want set, it moves only a credential of that
// fingerprint (an undo moves back only what the run moved).
func (r *Repairer) relocate(ctx context.Context, src credstore.Source, from, to string, key *fingerprint.Key, want string) (string, error) {
	if src.Kind == credstore.File {
		var fp string
		err := r.editAuths(func(doc configedit.Doc) (configedit.Doc, error) {
			v, ok := doc.Get("auths", from)
			if !ok {
				return nil, fmt.Errorf("%s has no entry %s any more", r.Config, from)
			}
			if fp = key.Of(compact(v)); want != "" && fp != want {
				return nil, fmt.Errorf("the entry %s changed since fix moved it", from)
			}
			return configedit.MoveAuth(doc, from, to)
		}, from, to)
		return fp, err
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
	if err := r.storeNew(ctx, h, to, c); err != nil {
		return "", err
	}
	if err := h.Erase(ctx, from); err != nil {
		// Not both: the copy goes, the credential stays where it was.
		if rerr := h.Erase(ctx, to); rerr != nil {
			return "", fmt.Errorf("%w; and erasing the copy under %s failed too: %w", err, to, rerr)
		}
		return "", fmt.Errorf("%w; the credential stays under %s", err, from)
	}
	r.movePlaceholder(from, to)
	return fp, nil
}

// movePlaceholder renames the empty auths entry Docker's login writes into
// config.json beside a credential it stores in a helper (and its logout
// removes), so that config.json indexes the helper's keys as Docker
// would leave them. Best effort: the credential has moved already.
func (r *Repairer) movePlaceholder(from, to string) {
	_ = r.editAuths(func(doc configedit.Doc) (configedit.Doc, error) {
		v, ok := doc.Get("auths", from)
		if !ok || compact(v) != "{}" {
			return nil, errNoPlaceholder
		}
		return configedit.MoveAuth(doc, from, to)
	}, from, to)
}

var errNoPlaceholder = errors.New("no placeholder")

// storeNew stores c under key, which must be free, and reads it back: a
// caller erases the old key only once the new one answers with it.
func (r *Repairer) storeNew(ctx context.Context, h credstore.Helper, key string, c credstore.Credential) error {
	switch _, err := h.Get(ctx, key); {
	case err == nil:
		return fmt.Errorf("%s holds a credential under %s now", h.Program(), key)
	case !absent(err):
		return fmt.Errorf("%s get %s: %w", h.Program(), key, err)
	}
	if err := h.Store(ctx, key, c); err != nil {
		return err
	}
	if got, err := h.Get(ctx, key); err != nil || got != c {
		_ = h.Erase(ctx, key)
		return fmt.Errorf("%s did not keep the credential under %s", h.Program(), key)
	}
	return nil
}

// renew gets a fresh refresh token for m's registry, sets the old one
// aside at m.To and stores the new one under m.From, as Docker's login
// would; m gets both fingerprints.
func (r *Repairer) renew(ctx context.Context, m *Move, key *fingerprint.Key) error {
	refresh, _, err := r.renewer().Renew(ctx, m.Registry)
	if err != nil {
		return fmt.Errorf("renewing: %w", err)
	}
	if m.Source.Kind == credstore.File {
		// As Docker's file store keeps an identity token.
		v, _ := json.Marshal(map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(credkind.NullGUID + ":")), "identitytoken": refresh})
		m.Renewed = key.Of(compact(v))
		return r.editAuths(func(doc configedit.Doc) (configedit.Doc, error) {
			old, ok := doc.Get("auths", m.From)
			if !ok {
				return nil, fmt.Errorf("%s has no entry %s any more", r.Config, m.From)
			}
			m.Fingerprint = key.Of(compact(old))
			doc, err := configedit.MoveAuth(doc, m.From, m.To)
			if err != nil {
				return nil, err
			}
			return doc, doc.Set(v, "auths", m.From)
		}, m.From, m.To)
	}
	if m.Fingerprint, err = r.relocate(ctx, m.Source, m.From, m.To, key, ""); err != nil {
		return err
	}
	h := r.Store.Helper(m.Source.Helper)
	fresh := credstore.Credential{Username: credkind.TokenUsername, Secret: refresh}
	if err := r.storeNew(ctx, h, m.From, fresh); err != nil {
		_, _ = r.relocate(ctx, m.Source, m.To, m.From, key, m.Fingerprint)
		return err
	}
	m.Renewed = key.Of(refresh)
	return nil
}

// unrenew takes a renewal back: the token it stored goes, if it is still
// the one under m.From, and the old one returns from m.To.
func (r *Repairer) unrenew(ctx context.Context, m Move, key *fingerprint.Key) error {
	if m.Source.Kind == credstore.File {
		return r.editAuths(func(doc configedit.Doc) (configedit.Doc, error) {
			cur, ok := doc.Get("auths", m.From)
			if !ok || key.Of(compact(cur)) != m.Renewed {
				return nil, fmt.Errorf("the entry %s changed since fix renewed it", m.From)
			}
			if old, ok := doc.Get("auths", m.To); !ok || key.Of(compact(old)) != m.Fingerprint {
				return nil, fmt.Errorf("the entry %s changed since fix set it aside", m.To)
			}
			if err := doc.Set(nil, "auths", m.From); err != nil {
				return nil, err
			}
			return configedit.MoveAuth(doc, m.To, m.From)
		}, m.From, m.To)
	}
	h := r.Store.Helper(m.Source.Helper)
	cur, err := h.Get(ctx, m.From)
	if err != nil || key.Of(cur.Secret) != m.Renewed {
		return fmt.Errorf("the credential under %s changed since fix renewed it", m.From)
	}
	if err := h.Erase(ctx, m.From); err != nil {
		return err
	}
	if _, err := r.relocate(ctx, m.Source, m.To, m.From, key, m.Fingerprint); err != nil {
		_ = h.Store(ctx, m.From, cur)
		return err
	}
	return nil
}

// probeKey is the key setHelper stores a throwaway credential under, to
// see that a helper can keep one: a host in .invalid, which no image names.
const probeKey = "probe.acrdoctor.invalid"

// setHelper names m.To, or no helper, in m.Setting, once m.To has shown
// it can keep a credential (a pass whose GPG key is gone lists, but
// cannot store). m gets the edits, and what m.To held then.
func (r *Repairer) setHelper(ctx context.Context, m *Move, key *fingerprint.Key) error {
	if m.To != "" {
		h := r.Store.Helper(m.To)
		_ = h.Erase(ctx, probeKey) // left by a run that was killed
		if err := r.storeNew(ctx, h, probeKey, credstore.Credential{Username: "acrdoctor", Secret: "probe, not a secret"}); err != nil {
			return fmt.Errorf("docker-credential-%s cannot keep a credential here: %w", m.To, err)
		}
		if err := h.Erase(ctx, probeKey); err != nil {
			return fmt.Errorf("docker-credential-%s cannot erase a credential here: %w", m.To, err)
		}
		held, err := r.holdings(ctx, h, key)
		if err != nil {
			return err
		}
		m.Held = held
	}
	f, err := configedit.Read(r.Config)
	if err != nil {
		return err
	}
	path := strings.SplitN(m.Setting, ".", 2)
	doc := f.Doc.Clone()
	if m.To == "" {
		err = doc.Set(nil, path...)
	} else {
		err = doc.SetString(m.To, path...)
	}
	if err != nil {
		return err
	}
	ed := configedit.Editor{Dir: r.Dir}
	m.Edits, err = ed.WriteSettings(f, doc)
	return err
}

// configureWrapper sends m.Registry to the wrapper, as configure would
// plan it over config.json as it is now.
func (r *Repairer) configureWrapper(m *Move) error {
	f, err := configedit.Read(r.Config)
	if err != nil {
		return err
	}
	cp, err := r.configure(f, m.Registry)
	if err != nil {
		return err
	}
	if m.Backend != "" && cp.Backend != m.Backend {
		return fmt.Errorf("the wrapper would now wrap %s, not %s: changed since the plan", cp.Backend, m.Backend)
	}
	m.Implicit = cp.Implicit
	ed := configedit.Editor{Dir: r.Dir}
	m.Edits, err = ed.WriteSettings(f, cp.Doc)
	return err
}

// unsetHelper names m.From again, unless the helper the fix named holds
// anything it did not hold then (a docker login since, under a new key or
// an old one), which Docker would no longer find, or cannot say what it
// holds.
func (r *Repairer) unsetHelper(ctx context.Context, m Move, key *fingerprint.Key) error {
	if m.To != "" {
		now, err := r.holdings(ctx, r.Store.Helper(m.To), key)
		if err != nil {
			return fmt.Errorf("cannot tell what docker-credential-%s holds now, which an undo would hide from Docker: %w", m.To, err)
		}
		var since []string
		for _, h := range now {
			if !slices.Contains(m.Held, h) {
				since = append(since, strings.SplitN(h, " ", 2)[0])
			}
		}
		if len(since) > 0 {
			return fmt.Errorf("docker-credential-%s holds credentials stored since the fix (%s): undoing would hide them from Docker; keep the fix", m.To, strings.Join(since, ", "))
		}
	}
	ed := configedit.Editor{Dir: r.Dir}
	return ed.RevertEdits(r.Config, m.Edits, "")
}

// maxHoldings bounds the gets holdings makes.
const maxHoldings = 200

// holdings names what h holds: each key with the fingerprint of its
// secret, sorted; a helper holding more than maxHoldings is named by its
// keys alone.
func (r *Repairer) holdings(ctx context.Context, h credstore.Helper, key *fingerprint.Key) ([]string, error) {
	list, err := h.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, k := range slices.Sorted(maps.Keys(list)) {
		entry := k
		if len(list) <= maxHoldings {
			c, err := h.Get(ctx, k)
			if err != nil && !absent(err) {
				return nil, err
			}
			entry += " " + key.Of(c.Username+"\x00"+c.Secret)
		}
		out = append(out, entry)
	}
	return out, nil
}

// editAuths rewrites config.json's auths entries keys with edit, in one
// write over the file as read.
func (r *Repairer) editAuths(edit func(configedit.Doc) (configedit.Doc, error), keys ...string) error {
	f, err := configedit.Read(r.Config)
	if err != nil {
		return err
	}
	doc, err := edit(f.Doc.Clone())
	if err != nil {
		return fmt.Errorf("%s: %w", r.Config, err)
	}
	ed := configedit.Editor{Dir: r.Dir}
	return ed.WriteAuths(f, doc, keys...)
}

// absent: the helper holds nothing under the key. Debian's pass helper
// says so with an empty answer and exit 0.
func absent(err error) bool {
	return errors.Is(err, credstore.ErrNotFound) || credstore.Empty(err)
}

// compact is a JSON value in one form, whatever its spacing and key order:
// Docker rewrites config.json with its own (configedit's whitespace-only
// compact would see a rewritten entry as changed).
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
	recs, err := Records(r.Dir)
	if err != nil {
		return nil, err
	}
	for _, rec := range slices.Backward(recs) {
		if rec.Config == r.Config {
			return rec, nil
		}
	}
	return nil, fmt.Errorf("%w: no fix run is recorded for %s", ErrNothingToUndo, r.Config)
}

// Records are the fix runs recorded in the state directory dir, oldest
// first, each a file's part of a run; one that cannot be read is passed
// over.
func Records(dir string) ([]*Record, error) {
	runs := filepath.Join(dir, "fix")
	ents, err := os.ReadDir(runs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []*Record
	for _, de := range ents {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		f, err := statedir.OpenFile(filepath.Join(runs, de.Name()), os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		var rec Record
		err = json.NewDecoder(f).Decode(&rec)
		f.Close()
		if err == nil && len(rec.Moves) > 0 {
			out = append(out, &rec)
		}
	}
	slices.SortStableFunc(out, func(a, b *Record) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// Undo takes back, last first, what rec did, each only if what it left is
// still there unchanged; then the record goes. It stops at the first it
// cannot take back, and the record keeps what is left.
func (r *Repairer) Undo(ctx context.Context, rec *Record) error {
	key, err := fingerprint.Read(r.Dir)
	if err != nil {
		return fmt.Errorf("the fingerprint key: %w", err)
	}
	for i, m := range slices.Backward(rec.Moves) {
		switch m.Kind {
		case Renew:
			err = r.unrenew(ctx, m, key)
		case SetHelper:
			err = r.unsetHelper(ctx, m, key)
		case Configure:
			ed := configedit.Editor{Dir: r.Dir}
			err = ed.RevertEdits(r.Config, m.Edits, m.Implicit)
		default:
			_, err = r.relocate(ctx, m.Source, m.To, m.From, key, m.Fingerprint)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.subject(), err)
		}
		rec.Moves = rec.Moves[:i]
		if i > 0 {
			if err := r.writeRecord(rec); err != nil {
				return err
			}
		}
	}
	return os.Remove(filepath.Join(r.runsDir(), rec.ID+".json"))
}
