// Package check runs the whole diagnosis for a set of registries: the
// offline inventory of what Docker holds, then, for each registry in
// parallel, the live replay of Docker's login and its classification.
package check

import (
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/classify"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/inventory"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
)

// Options tunes a check.
type Options struct {
	// Targets are the registries (or image references) named by the user;
	// empty means every ACR registry in the credential store.
	Targets []string
	// Repository and Push choose the scope probed; a target that is an
	// image reference probes its own repository.
	Repository string
	Push       bool
	// Offline skips the network: only the inventory's findings.
	Offline bool
	// Timeout bounds the whole run; StepTimeout each network step.
	Timeout     time.Duration
	StepTimeout time.Duration
	// Probe carries the network hooks (tests point them at the emulator).
	Probe probe.Options
	// Journal is what docker-credential-acrdoctor recorded; each registry's
	// last entry says what Docker was last given.
	Journal []journal.Entry
	// Azure, when set, reads each registry's Azure side (ARM settings,
	// permissions, login events) alongside the network replay.
	Azure *azure.Inspector
	Now   func() time.Time
}

// Result is one registry's outcome with the transcript behind it.
type Result struct {
	report.Registry
	Transcript *probe.Transcript // nil offline
}

// Run checks every target and calls emit with each result in target
// order, as soon as it and those before it are done, then returns them
// all in that order: a report streams, yet reads the same every run. With no
// target named, it checks every ACR key of the store, and also returns
// what each credential store named by credsStore says of itself: a store
// that cannot list its entries is a finding, never "nothing to check".
func Run(ctx context.Context, store *credstore.Store, opts Options, emit func(Result)) ([]Result, []report.Store) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	// The system's roots are loaded once, in the first TLS handshake, with
	// every registry's waiting on them: load them while the store is read.
	go x509.SystemCertPool()
	var targets []target
	var stores []report.Store
	if len(opts.Targets) == 0 {
		entries, statuses := store.Entries(ctx)
		targets = storeTargets(entries, store.Config, opts.Repository)
		for _, st := range statuses {
			stores = append(stores, inventory.AssessStore(st, store.Config))
		}
	} else {
		targets = namedTargets(opts.Targets, opts.Repository)
	}
	results := make([]Result, len(targets))
	done := make([]bool, len(targets))
	next := 0 // the first result not yet emitted
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, maxParallel)
	for i, tg := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var r Result
			switch {
			case tg.stray != "":
				r = strayResult(store, tg, opts)
			case ctx.Err() != nil:
				r = notChecked(store, tg, opts)
			default:
				r = runOne(ctx, store, tg, opts)
			}
			mu.Lock()
			defer mu.Unlock()
			results[i], done[i] = r, true
			for ; next < len(results) && done[next]; next++ {
				if emit != nil {
					emit(results[next])
				}
			}
		})
	}
	wg.Wait()
	return results, stores
}

// maxParallel bounds the registries replayed at once: enough that a
// dozen slow ones do not queue, few enough that a config.json naming
// thousands cannot exhaust memory or the file-descriptor limit.
const maxParallel = 16

// notChecked is the result for a target whose turn came after the time
// limit: what the store says of it, offline, and a step saying why no
// more. A time limit is then never mistaken for a network failure.
func notChecked(store *credstore.Store, tg target, opts Options) Result {
	o := opts
	o.Offline = true
	r := runOne(context.Background(), store, tg, o)
	r.Healthy = false
	r.Steps = append(r.Steps, report.Step{
		Name: report.StepLive, Status: report.StepWarn,
		Detail: fmt.Sprintf("not checked: the time limit (%s) ran out before its turn", opts.Timeout),
	})
	return r
}

type target struct {
	key   string // the credential-store key (or what the user typed)
	host  string // the host to probe
	repo  string
	entry *credstore.Entry // set when taken from the store listing
	// stray says why Docker does not use the credential under key for
	// the registry's references: it is then reported as it stands, not
	// replayed.
	stray string
}

// storeTargets is every ACR key of the store, each its own target, in the
// order of the host they are for. Two keys for one registry (differing in
// case, scheme, path or port) are both reported: the one Docker looks up
// is replayed, the other is a finding of its own.
func storeTargets(entries []credstore.Entry, cfg *credstore.Config, repo string) []target {
	var out []target
	for i := range entries {
		e := &entries[i]
		if _, acr := loginserver.Check(e.Registry); !acr {
			continue
		}
		out = append(out, target{key: e.Registry, host: loginserver.Host(e.Registry), repo: repo, entry: e, stray: Stray(*e, cfg)})
	}
	slices.SortStableFunc(out, func(a, b target) int {
		return cmp.Or(strings.Compare(a.host, b.host), strings.Compare(a.key, b.key))
	})
	return out
}

// Stray says why Docker does not use the credential stored under e's
// key for the registry's image references, as its own lookup goes
// (docker/cli config/credentials): by the host as the reference spells
// it, which for ACR is the lower-case login server with no port, and in
// the file store by credstore's FileKey; in a file whose keys are
// namespaces (Podman's), by the key's host alone. "" when it is used.
func Stray(e credstore.Entry, cfg *credstore.Config) string {
	host := loginserver.DockerHost(e.Registry)
	if cfg.Namespaces {
		// A namespace key (myreg.azurecr.io/team) is used for the images
		// under it; a key with a scheme loses it, and its path, and is its
		// host's, unless another key is too: only the host is judged.
		key := tools.PodmanKey(e.Registry)
		host, _, _ = strings.Cut(key, "/")
		n := 0
		for k := range cfg.Auths {
			if tools.PodmanKey(k) == key {
				n++
			}
		}
		switch {
		case host != strings.ToLower(host) || strings.Contains(host, ":"):
		case n > 1:
			return fmt.Sprintf("Podman takes any one of the %d keys that read as %s", n, key)
		default:
			return ""
		}
	}
	switch {
	case host != strings.ToLower(host):
		return "Docker uses it only for image references that spell the registry " + host + "; ACR's login server, and the references az prints, are lower case"
	case strings.Contains(host, ":"):
		return "Docker uses it only for image references that name the port; ACR's have none"
	case host == e.Registry:
		return ""
	case e.Source.Kind != credstore.File:
		return "Docker asks " + e.Source.String() + " for the bare host " + host
	}
	switch key, n := cfg.FileKey(host); {
	case key == e.Registry:
		return ""
	case n > 1:
		return fmt.Sprintf("Docker takes any one of the %d keys for %s, a different one from run to run: none is replayed", n, host)
	default:
		return "Docker finds the key " + key + " first"
	}
}

// strayResult is the result for a key Docker does not use: what the
// store holds under it, offline, and why it was not replayed.
func strayResult(store *credstore.Store, tg target, opts Options) Result {
	o := opts
	o.Offline = true
	r := runOne(context.Background(), store, tg, o)
	if !opts.Offline {
		r.Steps = append(r.Steps, report.Step{Name: report.StepLive, Status: report.StepWarn, Detail: "not replayed: " + tg.stray})
	}
	return r
}

// namedTargets are the registries the user named, each once.
func namedTargets(args []string, repository string) []target {
	var out []target
	seen := map[string]bool{}
	for _, arg := range args {
		host, repo := ParseTarget(arg)
		if repository != "" {
			repo = repository
		}
		if seen[host+"/"+repo] {
			continue
		}
		seen[host+"/"+repo] = true
		out = append(out, target{key: host, host: host, repo: repo})
	}
	return out
}

// ParseTarget reads what a user names: a registry host
// (myreg.azurecr.io), a resource name (myreg), or an image reference
// (myreg.azurecr.io/team/app:1, whose repository is then probed).
func ParseTarget(arg string) (host, repo string) {
	arg = strings.TrimSpace(arg)
	arg = strings.TrimPrefix(strings.TrimPrefix(arg, "https://"), "http://")
	host, rest, _ := strings.Cut(arg, "/")
	if rest != "" {
		rest, _, _ = strings.Cut(rest, "@")
		if i := strings.LastIndex(rest, ":"); i >= 0 {
			rest = rest[:i]
		}
		repo = strings.TrimSuffix(rest, "/")
	}
	host = strings.ToLower(host)
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		host += ".azurecr.io" // the resource name `az acr login -n` takes
	}
	return host, repo
}

func runOne(ctx context.Context, store *credstore.Store, tg target, opts Options) Result {
	now := opts.Now()
	var entry credstore.Entry
	start := time.Now()
	if tg.entry != nil {
		entry = *tg.entry
	} else {
		entry = store.Lookup(ctx, tg.key)
	}
	entry.Namespaces = store.Config.Namespaces
	cred := inventory.Assess(entry, now)
	r := Result{Registry: report.Registry{Registry: tg.key, Credential: cred, Steps: []report.Step{}, Causes: []cause.Cause{}}}
	r.Steps = append(r.Steps, credentialStep(cred, time.Since(start)))
	if e, ok := journal.LastServed(opts.Journal, tg.host, entry.Source.Helper, cred.Fingerprint); ok {
		r.Steps = append(r.Steps, journalStep(e))
	}
	offline := cred.Causes
	if opts.Offline {
		r.Causes = offline
		verdict(&r, true)
		return r
	}

	popts := opts.Probe
	popts.Repository = tg.repo
	popts.Push = opts.Push
	if opts.StepTimeout > 0 {
		popts.StepTimeout = opts.StepTimeout
	}
	// The Azure side is read while the login is replayed.
	inspection := make(chan *azure.Inspection, 1)
	if opts.Azure != nil {
		go func() { inspection <- opts.Azure.Inspect(ctx, tg.host) }()
	} else {
		inspection <- nil
	}
	pc := probeCredential(entry, cred)
	t := probe.Run(ctx, tg.host, pc, probe.Secret{
		Username: entry.Username, Password: entry.Password, IdentityToken: entry.IdentityToken,
	}, popts)
	az := <-inspection
	v := classify.Classify(t, classify.Facts{
		Stored:        offline,
		NothingStored: entry.NotFound || credstore.Empty(entry.Err),
		Azure:         az.Facts(),
	})
	if len(v.Stored) < len(offline) {
		r.Credential.Causes = v.Stored
		r.Steps[0] = credentialStep(r.Credential, time.Duration(r.Steps[0].DurationMS)*time.Millisecond)
	}
	r.Transcript = t
	r.Steps = append(r.Steps, v.Steps...)
	// The fixes name the registry; a namespace key is logged out by its
	// own name.
	r.Causes = tools.Docker.Causes(v.Causes, tg.key, store.Config.Filename)

	name, workspace := strings.SplitN(tg.host, ".", 2)[0], ""
	if az != nil {
		r.Azure = &az.Azure
		r.Steps = append(r.Steps, az.Steps()...)
		if res := az.Resource; res != nil {
			name, workspace = res.Name, res.LogWorkspace
		}
	}
	// Only a login the registry refused is in its log: not one that
	// never reached it.
	if azure.AuthFailure(r.Causes) && loginRefused(t) {
		r.LoginEvents = azure.LoginEvents(tg.host, name, pc, now, workspace)
		if az != nil {
			opts.Azure.RunLoginEvents(ctx, az, r.LoginEvents)
			r.Steps = append(r.Steps, loginEventsStep(r.LoginEvents))
		}
	}
	verdict(&r, v.LoggedIn)
	redactProxy(&r)
	return r
}

// loginRefused reports whether the registry answered the stored
// credential with a refusal.
func loginRefused(t *probe.Transcript) bool {
	ex := t.Exchange(probe.TokenRequest)
	return ex != nil && ex.SentCredential && (ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden)
}

// verdict sets what text, JSON and the exit status all go by, once every
// cause (offline, live, Azure's) is in.
func verdict(r *Result, loggedIn bool) {
	r.Healthy = classify.Healthy(loggedIn, r.Causes)
	r.LoginFailed = !loggedIn
}

// redactProxy takes the user-info of the environment's proxy settings out
// of every text of r that may quote one. The probe shows its proxy
// redacted already; the Azure side's errors come from net/http, which
// quotes an unparseable setting whole.
func redactProxy(r *Result) {
	redact := probe.ProxyRedactor(probe.ProxyEnv()...)
	for i := range r.Steps {
		r.Steps[i].Detail = redact(r.Steps[i].Detail)
	}
	for i := range r.Causes {
		c := &r.Causes[i]
		c.Evidence = redact(c.Evidence)
		for j := range c.Remediation {
			c.Remediation[j] = redact(c.Remediation[j])
		}
	}
	if r.Azure != nil {
		for i := range r.Azure.Unseen {
			r.Azure.Unseen[i].Why = redact(r.Azure.Unseen[i].Why)
		}
	}
	if r.LoginEvents != nil {
		r.LoginEvents.Error = redact(r.LoginEvents.Error)
	}
}

func loginEventsStep(ev *report.LoginEvents) report.Step {
	s := report.Step{Name: report.StepLoginEvents, Status: report.StepOK}
	switch {
	case ev.Error != "":
		s.Status, s.Detail = report.StepWarn, "could not see the login events: "+ev.Error
	default:
		s.Detail = fmt.Sprintf("%s in the last %s", azure.Count(len(ev.Events), "event"), token.Humanize(azure.LoginWindow))
	}
	return s
}

// probeCredential describes the stored credential to the probe and the
// classifier, without its secret: its username as the report shows it
// (a token given as the username is redacted).
func probeCredential(e credstore.Entry, c report.Credential) probe.Credential {
	// An empty answer (Debian's pass 0.6.x for a missing entry) makes
	// Docker send nothing, as not-found does: that is what is replayed.
	pc := probe.Credential{Source: c.Source, Kind: string(c.Kind), Username: c.Username, Mode: "none", StoreFailed: e.Err != nil && !credstore.Empty(e.Err)}
	switch {
	case e.IdentityToken != "":
		pc.Mode = "refresh_token"
	case e.Username != "" && e.Password != "":
		pc.Mode = "basic"
	}
	if s := e.Secret(); token.LooksLikeJWT(s) {
		if tok, err := token.Decode(s); err == nil {
			pc.Token = tok
		}
	}
	return pc
}

func credentialStep(c report.Credential, d time.Duration) report.Step {
	s := report.Step{Name: report.StepCredential, Status: report.StepOK, DurationMS: ms(d)}
	detail := fmt.Sprintf("%s from %s", c.Kind, c.Source)
	if c.Username != "" {
		detail += fmt.Sprintf(", username %s", c.Username)
	}
	if tok := c.Token; tok != nil && tok.ExpiresAt != nil {
		detail += fmt.Sprintf(", expires %s", tok.ExpiresAt.Format(time.RFC3339))
	}
	s.Detail = detail
	if cause.Failed(c.Causes) {
		s.Status = report.StepFail
	} else if len(c.Causes) > 0 {
		s.Status = report.StepWarn
	}
	return s
}

// journalStep says what the credential helper last gave Docker.
func journalStep(e journal.Entry) report.Step {
	s := report.Step{Name: report.StepLastGet, Status: report.StepOK}
	at := e.Time.Local().Format("2006-01-02 15:04")
	what := strings.ReplaceAll(e.Kind, "_", " ")
	from := ""
	if e.Backend != "" {
		from = " from " + e.Backend
	}
	given := fmt.Sprintf("at %s Docker was given %s%s", at, withArticle(what), from)
	switch e.Outcome {
	case journal.Expired:
		s.Status = report.StepWarn
		s.Detail = fmt.Sprintf("%s that had expired at %s", given, e.ExpiresAt.Local().Format("15:04"))
	case journal.Expiring:
		s.Status = report.StepWarn
		s.Detail = fmt.Sprintf("%s that was to expire at %s", given, e.ExpiresAt.Local().Format("15:04"))
	case journal.Renewed:
		s.Detail = fmt.Sprintf("at %s the credential helper renewed the %s%s", at, what, from)
	case journal.Served:
		s.Detail = given
	default:
		s.Status = report.StepWarn
		s.Detail = fmt.Sprintf("at %s Docker asked %s and got nothing usable (%s)", at, cmp.Or(e.Backend, "its store"), strings.ReplaceAll(string(e.Outcome), "_", " "))
	}
	return s
}

// withArticle is "a refresh token", "an admin user".
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
