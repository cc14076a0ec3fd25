// Package repair changes local credential state for `docker acrdoctor
// fix`: the one part of acr-doctor that writes. Each repair goes through
// the store that holds the credential (config.json's auths through
// configedit's checked write, a helper through its own store and erase),
// is recorded without its secret, and can be undone; an undo refuses
// where what the repair left has changed since.
//
// The repairs are the Kinds below. Each applies only to what its plan saw
// (a credential or setting changed since is refused), and the plan says
// what the check found that no repair answers.
package repair

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/renew"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
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
	// Renew stores a fresh ACR refresh token in place of one expired or
	// expiring, from the Azure identity at hand; the old one is set aside
	// at ParkedKey for an undo.
	Renew Kind = "renew"
	// Configure sends a registry whose token was renewed to
	// docker-credential-acrdoctor, which renews such tokens on the way, as
	// `docker acrdoctor configure REGISTRY` does.
	Configure Kind = "configure"
	// SetHelper names a working credential helper where config.json names
	// one that is not installed (From, in Setting), or drops a credHelpers
	// entry for a key config.json holds a credential for (To is then "").
	SetHelper Kind = "set_helper"
)

// Move is one repair: the credential under From moved to To, in the same
// store. It never holds the credential.
type Move struct {
	Kind     Kind             `json:"kind"`
	Registry string           `json:"registry"` // the registry repaired, checked before and after
	From     string           `json:"from"`
	To       string           `json:"to"`
	Source   credstore.Source `json:"source"`
	Why      string           `json:"why"` // what is wrong
	// Identity is, for Renew, the Azure identities tried, in order.
	Identity string `json:"identity,omitempty"`
	// Setting is, for SetHelper, the key of config.json changed:
	// credsStore, or credHelpers.<host>; Edits are the change, recorded
	// for the undo (helper names only, never a credential).
	Setting string            `json:"setting,omitempty"`
	Edits   []configedit.Edit `json:"edits,omitempty"`
	// Held names what the helper named held when fix named it, each key
	// with the fingerprint of its secret; an undo refuses once it holds
	// anything else.
	Held []string `json:"held,omitempty"`
	// Implicit is, for Configure, the store Docker used by default before
	// (configedit.Plan.Implicit), which an undo keeps named; Backend the
	// store the plan wrapped, which Apply requires still.
	Implicit string `json:"implicit,omitempty"`
	Backend  string `json:"backend,omitempty"`
	// seen names the credential as the plan saw it, with the run's own
	// key, kept in memory only: Apply refuses one changed since.
	seen string
	// Manual is the same change by hand; Then, what is left to run after
	// it (a login), which fix prints and never runs.
	Manual []string `json:"manual"`
	Then   []string `json:"then,omitempty"`
	// Fingerprint names the credential moved (package fingerprint), and
	// Renewed the one a renewal stored, so that an undo takes back only
	// what the run left.
	Fingerprint string `json:"fingerprint,omitempty"`
	Renewed     string `json:"renewed,omitempty"`
	// Tool and File are, with --tool, the tool whose file the repair is
	// in, and the file.
	Tool string `json:"tool,omitempty"`
	File string `json:"file,omitempty"`
}

// Skip is a finding fix leaves alone, and why.
type Skip struct {
	Key string `json:"key"`
	Why string `json:"why"`
	// Tool and File are, with --tool, the tool file the key is in.
	Tool string `json:"tool,omitempty"`
	File string `json:"file,omitempty"`
}

// Plan is what fix would do.
type Plan struct {
	Moves   []Move `json:"moves"`
	Skipped []Skip `json:"skipped"`
}

// Repairer applies plans to one Docker configuration, or to one file of
// another tool in Docker's format.
type Repairer struct {
	Store  *credstore.Store
	Config string // config.json's path, or the tool's file
	Dir    string // the state directory (statedir.Dir)
	// Run names the fix run, shared by the Repairers of the files one fix
	// repairs, so that its undo takes back all of them.
	Run string
	// Tool is, with --tool, whose file Config is; its plan's moves and
	// skips say so. Another tool than Docker keys and names helpers its
	// own way: its plan moves no key and names no helper, and says how to
	// do what it leaves in the tool's own commands.
	Tool tools.Tool
	Now  func() time.Time
	// Renewer renews tokens; nil means one with the Azure identity of the
	// environment (renew.NewCredential).
	Renewer *renew.Renewer
	// Identities are the Azure identities a renewal may use, as
	// renew.Identities names them; nil means renew.Identities().
	Identities []string
	// Helpers are the credential helpers fix may name in place of a
	// broken one, the first that works; nil means this system's own
	// (platformHelpers, then desktop).
	Helpers []string
	id      string           // runID's
	planKey *fingerprint.Key // names what the plan saw, for Apply to compare
}

func (r *Repairer) renewer() *renew.Renewer {
	if r.Renewer != nil {
		return r.Renewer
	}
	return &renew.Renewer{}
}

// RenewMargin is how close to its expiry a token is renewed, as the
// credential helper's default margin.
const RenewMargin = 5 * time.Minute

// Plan finds the repairs for the ACR keys of the store, from what it
// holds and from live, the check's results for it; with hosts named,
// only for those registries.
func (r *Repairer) Plan(ctx context.Context, hosts []string, live []check.Result) Plan {
	p := Plan{Moves: []Move{}, Skipped: []Skip{}}
	add := func(m Move, skip string) {
		if skip != "" {
			key := m.From
			if m.Kind == SetHelper {
				key = m.Setting
			}
			p.Skipped = append(p.Skipped, Skip{Key: key, Why: skip})
		} else {
			p.Moves = append(p.Moves, m)
		}
	}
	wanted := func(host string) bool { return len(hosts) == 0 || slices.Contains(hosts, host) }
	docker := r.Tool == "" || r.Tool == tools.Docker
	entries, stores := r.Store.Entries(ctx)
	if docker {
		for _, m := range r.helperRepairs(ctx, entries, stores, wanted) {
			add(m.Move, m.skip)
		}
	}
	for _, e := range entries {
		if _, acr := loginserver.Check(e.Registry); !acr || !wanted(dockerKey(e.Registry)) {
			continue
		}
		if why := check.Stray(e, r.Store.Config); why != "" {
			if !docker {
				add(Move{From: e.Registry}, why+"; fix moves keys only in docker's own config.json: log in again under the registry's own name, and out of this key ("+shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>"))+")")
				continue
			}
			m, skip := r.move(ctx, e, why, live)
			if j := slices.IndexFunc(p.Moves, func(o Move) bool { return o.Kind == MoveKey && o.To == m.To && o.Source == m.Source }); j >= 0 && skip == "" {
				skip = "the key " + p.Moves[j].From + " moves to " + m.To + " already"
			}
			add(m, skip)
		} else if why := otherRegistry(e); why != "" {
			add(r.park(ctx, e, why, "az acr login -n %s"))
		} else if why := r.expiring(e); why != "" {
			m, skip := r.renewal(ctx, e, why)
			add(m, skip)
			if skip == "" && docker {
				if c, ok := r.wrap(e); ok {
					p.Moves = append(p.Moves, c)
				}
			}
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
	// What the check found that no repair here answers is said, so that
	// "nothing to repair" never reads as "nothing wrong".
	// A store named anew (SetHelper of credsStore) answers for every
	// registry that failed for its store.
	storeSet := slices.ContainsFunc(p.Moves, func(m Move) bool { return m.Kind == SetHelper && m.Setting == "credsStore" })
	for _, res := range live {
		key := res.Registry.Registry
		if res.Healthy || !wanted(dockerKey(key)) || slices.ContainsFunc(p.Moves, func(m Move) bool { return m.From == key || m.Registry == key }) ||
			slices.ContainsFunc(p.Skipped, func(s Skip) bool { return s.Key == key }) {
			continue
		}
		if storeSet && slices.ContainsFunc(res.Causes, func(c cause.Cause) bool { return c.ID == cause.CredentialStore && c.Severity == cause.Error }) {
			continue
		}
		why := "login fails"
		if i := slices.IndexFunc(res.Causes, func(c cause.Cause) bool { return c.Severity == cause.Error }); i >= 0 {
			why = string(res.Causes[i].ID) + ": " + res.Causes[i].Title
		}
		p.Skipped = append(p.Skipped, Skip{Key: key, Why: "no local repair for " + why + "; the check shows the commands that fix it"})
	}
	if r.Tool != "" {
		for i := range p.Moves {
			m := &p.Moves[i]
			m.Tool, m.File = string(r.Tool), r.Config
			m.Why = r.Tool.Reword(m.Why, m.Registry)
			for _, lines := range [][]string{m.Manual, m.Then} {
				for j, l := range lines {
					lines[j] = r.Tool.Reword(l, m.Registry)
				}
			}
			if m.Kind == LogOut && !docker && m.From != m.Registry {
				// The tool's logout takes a registry, and drops a scheme
				// and a path from it: this key goes by hand.
				m.Manual = []string{shell.Sprintf("remove the key %s from auths in %s", shell.Text("key", m.From, "<key>"), shell.Text("file", r.Config, "<file>"))}
			}
		}
		for i := range p.Skipped {
			sk := &p.Skipped[i]
			sk.Tool, sk.File = string(r.Tool), r.Config
			sk.Why = r.Tool.Reword(sk.Why, dockerKey(sk.Key))
		}
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

// Platform helpers fix may name instead of a broken one, in the order
// Docker's own default picks them, on each system.
var platformHelpers = map[string][]string{
	"linux":   {"secretservice", "pass"},
	"darwin":  {"osxkeychain"},
	"windows": {"wincred"},
}

// helperMove is a SetHelper move, or the reason there is none.
type helperMove struct {
	Move
	skip string
}

// gone reports whether err says a helper program is not there to run:
// missing, or not executable. Such a helper serves no credential, so there
// is none to move first. One that runs and fails (a locked keyring, a
// pass without its key) may still answer get, and its own fix is not a
// rename: check names it, fix leaves it.
func gone(err error) bool {
	var he *credstore.HelperError
	return errors.As(err, &he) && (he.Failure == credstore.HelperMissing || he.Failure == credstore.HelperNotExecutable)
}

// helperRepairs plans, for credsStore and each ACR credHelpers entry
// naming a helper that is not installed, the first helper that works
// here instead; a credHelpers entry for a key config.json holds a
// credential for goes instead. With no helper working, there is no
// repair: Docker would pick its platform default, or config.json, which
// is not fix's to choose.
func (r *Repairer) helperRepairs(ctx context.Context, entries []credstore.Entry, stores []credstore.StoreStatus, wanted func(string) bool) []helperMove {
	var broken []helperMove
	for _, st := range stores {
		if gone(st.Err) && !st.Default && len(r.Store.Config.Env) == 0 {
			broken = append(broken, helperMove{Move: Move{Kind: SetHelper, Setting: "credsStore", From: st.Source.Helper, Why: st.Err.Error()}})
		}
	}
	for _, e := range entries {
		if e.Source.Kind != credstore.CredHelpers || !gone(e.Err) || !wanted(dockerKey(e.Registry)) {
			continue
		}
		if _, acr := loginserver.Check(e.Registry); acr {
			broken = append(broken, helperMove{Move: Move{Kind: SetHelper, Registry: e.Registry, Setting: "credHelpers." + e.Registry, From: e.Source.Helper, Why: e.Err.Error()}})
		}
	}
	if len(broken) == 0 {
		return nil
	}
	candidates := r.Helpers
	if candidates == nil {
		candidates = append(slices.Clone(platformHelpers[runtime.GOOS]), "desktop")
	}
	var working []string
	for _, name := range candidates {
		if r.Store.Usable(ctx, name) == nil {
			working = append(working, name)
		}
	}
	for i := range broken {
		m := &broken[i].Move
		if slices.Contains(working, m.From) {
			broken[i].skip = "docker-credential-" + m.From + " answers a list: it fails only for some calls"
			continue
		}
		setting := strings.Replace(m.Setting, ".", `["`, 1)
		if m.Registry != "" {
			setting += `"]`
		}
		a := r.Store.Config.Auths[m.Registry]
		fileHolds := m.Registry != "" && r.Store.Config.CredsStore == "" && (a.Username != "" || a.Password != "" || a.IdentityToken != "")
		switch {
		case fileHolds:
			// Without the entry Docker takes the credential config.json
			// holds for it: no helper is needed to find it.
			m.Manual = []string{fmt.Sprintf("remove %s from %s", setting, r.Config)}
			m.Why += "; config.json holds a credential for " + m.Registry + ", which Docker uses once the entry is gone"
			continue
		case len(working) > 0:
			m.To = working[0]
			m.Manual = []string{fmt.Sprintf(`set %s to %q in %s`, setting, m.To, r.Config)}
			if len(working) > 1 {
				m.Why += "; working here: " + strings.Join(working, ", ")
			}
		default:
			fallback := "config.json itself, in plain text"
			if d := configjson.DefaultStore(); d != "" {
				fallback = "docker-credential-" + d + ", which may fail as well"
			}
			// fix does not drop the setting itself: what Docker falls back
			// to is not one fix has seen work.
			broken[i].skip = m.Why + "; no other credential helper works here to name instead: install one (pass: apt-get install pass golang-docker-credential-helpers, then pass init <your-gpg-key-id>), or remove " + setting + " by hand, and Docker falls back to " + fallback
			continue
		}
		m.Then = []string{"docker login again for the registries it held: az acr login -n <registry>"}
	}
	return broken
}

// expiring says when e's ACR refresh token expired or expires, when that
// is within RenewMargin; "" otherwise.
func (r *Repairer) expiring(e credstore.Entry) string {
	if e.IdentityToken == "" && e.Username != credkind.NullGUID {
		return ""
	}
	tok, err := token.Decode(e.Secret())
	if err != nil || tok.Kind != token.RefreshToken || tok.Claims.ExpiresAt.IsZero() {
		return ""
	}
	now := r.now()
	at := tok.Claims.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
	switch left := tok.Claims.ExpiresAt.Sub(now); {
	case left <= 0:
		return "the ACR refresh token stored for " + dockerKey(e.Registry) + " expired at " + at
	case left <= RenewMargin:
		return "the ACR refresh token stored for " + dockerKey(e.Registry) + " expires at " + at
	}
	return ""
}

// renewal plans the renewal of e's token, or says which login to run.
func (r *Repairer) renewal(ctx context.Context, e credstore.Entry, why string) (Move, string) {
	host := dockerKey(e.Registry)
	m := Move{Kind: Renew, Registry: host, From: e.Registry, To: ParkedKey(r.runID(), e.Registry), Source: e.Source, Why: why}
	login := shell.Sprintf("az acr login -n %s", shell.RegistryName(registryName(host)))
	ids := r.Identities
	if ids == nil {
		ids = renew.Identities()
	}
	switch {
	case e.Source.Kind == credstore.Env:
		return m, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: renew it there, with " + login + " --expose-token"
	case len(ids) == 0:
		return m, "no Azure identity here to renew it with: run " + login
	case r.holds(ctx, e.Source, m.To):
		return m, "an earlier fix set a credential aside at " + m.To + ": remove it first, or undo that fix"
	}
	m.Identity = strings.Join(ids, ", then ")
	m.Manual = []string{login}
	m.seen = r.sight(e.Username, e.Secret())
	return m, ""
}

// wrap offers, beside the renewal of e's token, the wrapper that would
// have renewed it on the way: where docker-credential-acrdoctor is
// installed, the token lives in a helper (the wrapper wraps helpers, not
// config.json), and configure would not skip the registry.
func (r *Repairer) wrap(e credstore.Entry) (Move, bool) {
	host := dockerKey(e.Registry)
	cfg := r.Store.Config
	if e.Source.Kind != credstore.CredsStore && e.Source.Kind != credstore.CredHelpers ||
		configjson.RoutesToWrapper(cfg.CredsStore, map[string]string{host: cfg.CredHelpers[host]}) {
		return Move{}, false
	}
	if _, err := exec.LookPath("docker-credential-" + configedit.Helper); err != nil {
		return Move{}, false
	}
	f, err := configedit.Read(r.Config)
	if err != nil {
		return Move{}, false
	}
	cp, err := r.configure(f, host)
	if err != nil || len(configedit.Diff(f.Doc, cp.Doc)) == 0 {
		return Move{}, false
	}
	return Move{Kind: Configure, Registry: host, Backend: cp.Backend,
		Why:    fmt.Sprintf("its token expires every three hours; the acr-doctor credential helper, wrapping the store %q, renews it when Docker asks for it, as this fix does once", e.Source.Helper),
		Manual: []string{shell.Sprintf("docker acrdoctor configure %s", shell.Host(host))},
	}, true
}

// configure is configure's plan for host over f.
func (r *Repairer) configure(f *configedit.File, host string) (*configedit.Plan, error) {
	def := ""
	if r.Store.Config.DefaultStore {
		def = r.Store.Config.CredsStore
	}
	cp, err := configedit.Configure(f, configedit.Request{Hosts: []string{host}, DefaultStore: def})
	if err == nil && len(cp.Skipped) > 0 {
		err = errors.New(cp.Skipped[0].Reason)
	}
	return cp, err
}

// ParkedKey is where LogOut moves the credential under key in run, and
// Renew the token it replaces: a key in the same store whose host is in
// .invalid (RFC 2606), so no image reference names it and Docker never
// sends it anywhere, and which is no ACR key. key is escaped: a "://" in
// it would make Docker read the host from it.
// Each run parks under its own ID, so a later run (the next renewal of a
// token renewed once) never finds the place taken.
func ParkedKey(run, key string) string {
	return "parked.acrdoctor.invalid/" + run + "/" + url.PathEscape(key)
}

// sight names a credential as the plan sees it.
func (r *Repairer) sight(username, secret string) string {
	if r.planKey == nil {
		r.planKey = fingerprint.New()
	}
	return r.planKey.Of(username + "\x00" + secret)
}

// runID names this run: its plan's parked keys, and its record.
func (r *Repairer) runID() string {
	if r.id == "" {
		r.id = RunID(r.now())
	}
	return r.id
}

// RunID names a fix run that starts at t: sorted as the runs are.
func RunID(t time.Time) string { return t.UTC().Format("20060102T150405.000000000Z") }

// park plans the log-out of e, with then the login to run after it
// (a format of the registry's name), or says why not.
func (r *Repairer) park(ctx context.Context, e credstore.Entry, why, then string) (Move, string) {
	m := Move{Kind: LogOut, Registry: dockerKey(e.Registry), From: e.Registry, To: ParkedKey(r.runID(), e.Registry), Source: e.Source, Why: why}
	switch {
	case e.Source.Kind == credstore.Env:
		return m, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: remove it there"
	case e.Err != nil:
		return m, "its store could not be read: " + e.Err.Error()
	case r.holds(ctx, e.Source, m.To):
		return m, "an earlier fix parked a credential at " + m.To + ": remove it first, or undo that fix"
	}
	m.Manual = []string{shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>"))}
	m.seen = r.sight(e.Username, e.Secret())
	if then != "" {
		m.Then = []string{shell.Sprintf(then, shell.RegistryName(registryName(m.Registry)))}
	}
	return m, ""
}

// Unchecked are the registries a key move would go to that live, the
// check's results, does not cover: the key Docker looks a stray key's
// registry up by is not in the store, so a check of the store's keys
// never replays it. fix checks them too before planning.
func (r *Repairer) Unchecked(ctx context.Context, live []check.Result) []string {
	entries, _ := r.Store.Entries(ctx)
	var out []string
	for _, e := range entries {
		to := dockerKey(e.Registry)
		if _, acr := loginserver.Check(e.Registry); !acr || check.Stray(e, r.Store.Config) == "" || slices.Contains(out, to) ||
			slices.ContainsFunc(live, func(res check.Result) bool { return res.Registry.Registry == to }) {
			continue
		}
		if _, ok := loginserver.Parse(to); ok && shell.ValidHost(to) {
			out = append(out, to)
		}
	}
	return out
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
func (r *Repairer) move(ctx context.Context, e credstore.Entry, why string, live []check.Result) (Move, string) {
	to := dockerKey(e.Registry)
	m := Move{Kind: MoveKey, Registry: to, From: e.Registry, To: to, Source: e.Source, Why: why}
	if _, acr := loginserver.Parse(to); !acr || !shell.ValidHost(to) {
		return m, to + " is no registry's login server either: log in to the registry meant (az acr login -n <registry>), and docker logout this key"
	}
	if i := slices.IndexFunc(live, func(res check.Result) bool { return res.Registry.Registry == to }); i >= 0 && live[i].Healthy {
		// Pulls work with what Docker sends now (nothing, where anonymous
		// pull is on): this credential, untried, could only be worse.
		return m, to + " works as it is; to drop this key: " + shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>"))
	}
	switch {
	case e.Source.Kind == credstore.Env:
		return m, "it is in DOCKER_AUTH_CONFIG, which acr-doctor does not write: correct the key there"
	case e.NotFound || credstore.Empty(e.Err):
		return m, "its store holds nothing under it"
	case e.Err != nil:
		return m, "its store could not be read: " + e.Err.Error()
	}
	at := r.Store.Lookup(ctx, to)
	switch {
	case at.Err != nil:
		return m, fmt.Sprintf("Docker looks %s up in %s, which could not be read: %v", to, at.Source, at.Err)
	case at.Source != e.Source:
		return m, fmt.Sprintf("Docker looks %s up in %s, not in %s where this key is: log in again (%s)", to, at.Source, e.Source,
			shell.Sprintf("az acr login -n %s", shell.RegistryName(registryName(to))))
	case !at.NotFound:
		return m, to + " holds a credential of its own, which Docker uses; to drop this one: " +
			shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>"))
	}
	m.Manual = []string{
		shell.Sprintf("docker logout %s", shell.Text("key", e.Registry, "<key>")),
		shell.Sprintf("az acr login -n %s   # or docker login %s with the same credential", shell.RegistryName(registryName(to)), shell.Host(to)),
	}
	m.seen = r.sight(e.Username, e.Secret())
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
