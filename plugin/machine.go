package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/cli/cli/config"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/inventory"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// machine answers explain's question "what does this machine hold for the
// registry the text names?" from Docker's credential store and the
// wrapper's journal. It only reads: credential helpers run read-only
// (setting.ReadOnlyEnv), so no renewal, no network, no write. Each
// registry is looked up once.
type machine struct {
	store   *credstore.Store
	helpers bool // false: config.json alone, for the hooks, which must answer at once
	journal []journal.Entry
	now     time.Time

	mu   sync.Mutex
	seen map[string]machineAnswer
}

type machineAnswer struct {
	cred report.Credential
	ok   bool
}

// newMachine reads config.json and the journal; a store that cannot be read
// only means the machine knows nothing.
func newMachine(helpers bool, timeout time.Duration) *machine {
	m := &machine{helpers: helpers, now: time.Now(), seen: map[string]machineAnswer{}}
	getenv := os.Getenv // the hooks do not wait for the client's version
	if helpers {
		getenv, _ = dockerGetenv(context.Background())
	}
	cfg, err := credstore.Load(config.Dir(), getenv)
	if err != nil {
		return m
	}
	m.store = &credstore.Store{Config: cfg, Timeout: timeout}
	if path, ok := journal.Path(os.Getenv); ok {
		m.journal, _ = journal.Read(path, m.now.Add(-24*time.Hour))
	}
	return m
}

// Credential is the store's credential for host with its offline findings,
// and the journal's last get folded in; false when Docker holds none.
func (m *machine) Credential(host string) (report.Credential, bool) {
	if m == nil || m.store == nil {
		return report.Credential{}, false
	}
	host = strings.ToLower(loginserver.Host(host))
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.seen[host]; ok {
		return a.cred, a.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.store.Timeout)
	defer cancel()
	a := m.lookup(ctx, host)
	m.seen[host] = a
	return a.cred, a.ok
}

// machineFor is the machine explain and run fold in for a text naming
// registries, their credentials looked up before the text is read.
func machineFor(registries []string) *machine {
	m := newMachine(true, machineTimeout)
	m.prefetch(registries)
	return m
}

// machineLookups is how many helpers prefetch runs at once.
const machineLookups = 4

// prefetch looks up the registries a text names, machineLookups at a time,
// starting none once a timeout of the store's has passed: a store that
// answers slowly, or several that hang, cost about that much once, not
// once a registry. What was not asked by then is taken as not known; what
// was asked has its whole time, so that a slow answer is not reported as
// a hung helper.
func (m *machine) prefetch(hosts []string) {
	if m == nil || m.store == nil || len(hosts) == 0 {
		return
	}
	last := time.Now().Add(m.store.Timeout)
	todo := make(chan string)
	var wg sync.WaitGroup
	for range min(machineLookups, len(hosts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range todo {
				if time.Now().After(last) {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), m.store.Timeout)
				a := m.lookup(ctx, h)
				cancel()
				m.mu.Lock()
				m.seen[h] = a
				m.mu.Unlock()
			}
		}()
	}
	for _, h := range hosts {
		h = strings.ToLower(loginserver.Host(h))
		m.mu.Lock()
		_, done := m.seen[h]
		if !done {
			m.seen[h] = machineAnswer{} // not known, unless answered in time
		}
		m.mu.Unlock()
		if !done {
			todo <- h
		}
	}
	close(todo)
	wg.Wait()
}

func (m *machine) lookup(ctx context.Context, host string) machineAnswer {
	key, ok := m.key(host)
	if !ok {
		return machineAnswer{}
	}
	e := m.store.Lookup(ctx, key)
	var he *credstore.HelperError
	switch {
	case e.NotFound && e.Err == nil || errors.As(e.Err, &he) && he.Failure == credstore.HelperEmpty:
		// Debian's pass answers an empty credential for one it does not
		// hold: to Docker, as to the text, that is not logged in.
		return machineAnswer{}
	case errors.As(e.Err, &he) && he.Failure == credstore.HelperTimedOut:
		// A helper that did not answer the doctor in its time says
		// nothing of a failure the text shows: Docker waits on its
		// helpers, and would have hung, not failed.
		return machineAnswer{}
	}
	c := inventory.Assess(e, m.now)
	if last, ok := journal.LastServed(m.journal, host, e.Source.Helper, c.Fingerprint); ok && last.Outcome == journal.Expired && !hasCause(c.Causes, cause.ExpiredCredentials) {
		c.Causes = append(c.Causes, cause.New(cause.ExpiredCredentials, fmt.Sprintf(
			"at %s the credential helper gave Docker a %s that had expired at %s",
			last.Time.Local().Format("15:04"), strings.ReplaceAll(last.Kind, "_", " "), last.ExpiresAt.Local().Format("15:04"))))
	}
	return machineAnswer{cred: c, ok: true}
}

// key is the store key Docker would use for host: the exact one first,
// else one that differs only in case or form (an upper-case key, a
// scheme), which Docker misses and the assessment names.
func (m *machine) key(host string) (string, bool) {
	cfg := m.store.Config
	keys := slices.Concat(slices.Collect(maps.Keys(cfg.Env)), slices.Collect(maps.Keys(cfg.CredHelpers)), slices.Collect(maps.Keys(cfg.Auths)))
	if m.helpers && cfg.CredsStore != "" && !cfg.DefaultStore {
		// A store helper holds keys config.json does not list: Lookup
		// asks it for the host itself. Not the one Docker would pick for
		// a config.json that names none: nothing was ever stored through
		// it (a login writes its name), so it holds nothing the text
		// could be about, broken or not.
		keys = append(keys, host)
	}
	slices.Sort(keys)
	var near string
	for _, k := range keys {
		if !m.helpers && m.store.RunsHelper(k) {
			continue
		}
		switch {
		case k == host:
			return k, true
		case near == "" && strings.EqualFold(loginserver.Host(k), host):
			near = k
		}
	}
	return near, near != ""
}

func hasCause(cs []cause.Cause, id cause.ID) bool {
	return slices.ContainsFunc(cs, func(c cause.Cause) bool { return c.ID == id })
}
