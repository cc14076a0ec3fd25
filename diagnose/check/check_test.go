package check_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

const (
	nullGUID = "00000000-0000-0000-0000-000000000000"
	spPull   = "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b"
	spPush   = "1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
	alice    = "alice@contoso.com"
	nobody   = "nobody@contoso.com"
	adminPW  = "admin-password-of-the-fixture"
	spSecret = "sp-secret-of-the-fixture"
	tokPW    = "scoped-token-password"
)

// scenario is one registry of the emulator, broken one way, with what
// Docker holds for it and what check must say.
type scenario struct {
	name    string
	reg     acremu.Registry
	stored  func(s *acremu.Server, host string) types.AuthConfig
	push    bool
	healthy bool
	causes  []cause.ID
}

func basic(user, pass string) func(*acremu.Server, string) types.AuthConfig {
	return func(*acremu.Server, string) types.AuthConfig { return types.AuthConfig{Username: user, Password: pass} }
}

func refresh(user string, age time.Duration) func(*acremu.Server, string) types.AuthConfig {
	return func(s *acremu.Server, host string) types.AuthConfig {
		return types.AuthConfig{Username: nullGUID, IdentityToken: s.RefreshToken(host, user, time.Now().Add(-age))}
	}
}

func registry(host string, faults ...acremu.Fault) acremu.Registry {
	return acremu.Registry{
		Host: host, AdminEnabled: true, AdminPassword: adminPW, Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47",
		ServicePrincipals: map[string]acremu.Principal{
			spPull: {Secret: spSecret, Actions: []string{"pull"}},
			spPush: {Secret: spSecret, Actions: []string{"pull", "push"}},
		},
		Users:        map[string]acremu.Identity{alice: {Actions: []string{"pull", "push"}}, nobody: {}},
		Tokens:       map[string]acremu.ScopedToken{"ci-pull": {Password: tokPW, ScopeMap: map[string][]string{"*": {"content/read", "metadata/read"}}}},
		Repositories: map[string][]string{"team/app": {"1", "latest"}},
		Faults:       faults,
	}
}

func scenarios() []scenario {
	return []scenario{
		// credHelpers names a helper that is not installed (set in TestEveryCause).
		{name: "helper missing", reg: registry("healthyadmin.azurecr.io"), stored: basic("healthyadmin", adminPW), causes: []cause.ID{cause.CredentialStore}},
		{name: "healthy admin", reg: registry("healthyadmin2.azurecr.io"), stored: basic("healthyadmin2", adminPW), healthy: true},
		{name: "healthy refresh token", reg: registry("healthytoken.azurecr.io"), stored: refresh(alice, time.Hour), push: true, healthy: true},
		{name: "expired refresh token", reg: registry("expiredtoken.azurecr.io"), stored: refresh(alice, 4*time.Hour), causes: []cause.ID{cause.ExpiredCredentials}},
		{name: "wrong admin password", reg: registry("wrongpassword.azurecr.io"), stored: basic("wrongpassword", "not-the-password"), causes: []cause.ID{cause.InvalidCredentials}},
		{name: "admin disabled", reg: registry("admindisabled.azurecr.io", acremu.AdminDisabled), stored: basic("admindisabled", adminPW), causes: []cause.ID{cause.InvalidCredentials}},
		{name: "unknown service principal", reg: registry("unknownsp.azurecr.io"), stored: basic("0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e", spSecret), causes: []cause.ID{cause.AADNotRegistered}},
		{name: "pull-only principal pushing", reg: registry("pullonly.azurecr.io"), stored: basic(spPull, spSecret), push: true, causes: []cause.ID{cause.InsufficientPermission}},
		{name: "identity with no access", reg: registry("noaccess.azurecr.io"), stored: refresh(nobody, time.Hour), causes: []cause.ID{cause.InsufficientPermission}},
		{name: "scope-map token pushing", reg: registry("scopedtoken.azurecr.io"), stored: basic("ci-pull", tokPW), push: true, causes: []cause.ID{cause.InsufficientPermission}},
		{name: "anonymous pull, stale credential", reg: func() acremu.Registry {
			r := registry("anonpull.azurecr.io")
			r.AnonymousPull = true
			return r
		}(), stored: basic("anonpull", "old-password"), causes: []cause.ID{cause.AnonymousPullBlocked, cause.InvalidCredentials}},
		{name: "firewall", reg: registry("firewalled.azurecr.io", acremu.Firewall), stored: basic("firewalled", adminPW), causes: []cause.ID{cause.NetworkFirewall}},
		{name: "public access disabled", reg: registry("privateonly.azurecr.io", acremu.PublicAccessDisabled), stored: basic("privateonly", adminPW), causes: []cause.ID{cause.NetworkFirewall}},
		{name: "throttled", reg: registry("throttled.azurecr.io", acremu.Throttle), stored: basic("throttled", adminPW), causes: []cause.ID{cause.Throttled}},
		{name: "server error", reg: registry("servererror.azurecr.io", acremu.ServerError), stored: basic("servererror", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "no challenge", reg: registry("nochallenge.azurecr.io", acremu.NoChallenge), stored: basic("nochallenge", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "malformed challenge", reg: registry("badchallenge.azurecr.io", acremu.MalformedChallenge), stored: basic("badchallenge", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "realm on another host", reg: registry("otherrealm.azurecr.io", acremu.RealmOtherHost), stored: basic("otherrealm", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "clock skew", reg: func() acremu.Registry {
			r := registry("skewed.azurecr.io")
			r.ClockOffset = -3 * time.Hour
			return r
		}(), stored: basic("skewed", adminPW), causes: []cause.ID{cause.ClockSkew}},
		{name: "tls intercepted", reg: registry("intercepted.azurecr.io", acremu.UntrustedCert), stored: basic("intercepted", adminPW), causes: []cause.ID{cause.TLS}},
		{name: "wrong certificate", reg: registry("wrongcert.azurecr.io", acremu.WrongHostCert), stored: basic("wrongcert", adminPW), causes: []cause.ID{cause.TLS}},
		{name: "not found", reg: registry("doesnotexist.azurecr.io", acremu.NotFound), stored: basic("doesnotexist", adminPW), causes: []cause.ID{cause.RegistryName}},
		{name: "unreachable", reg: registry("unreachable.azurecr.io", acremu.Unreachable), stored: basic("unreachable", adminPW), causes: []cause.ID{cause.NetworkUnreachable}},
		{name: "hung socket", reg: registry("hungsocket.azurecr.io", acremu.HungSocket), stored: basic("hungsocket", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "drip", reg: registry("dripping.azurecr.io", acremu.DripBody), stored: basic("dripping", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "endless body", reg: registry("endless.azurecr.io", acremu.EndlessBody), stored: basic("endless", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "huge body", reg: registry("hugebody.azurecr.io", acremu.HugeBody), stored: basic("hugebody", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "redirect loop", reg: registry("redirecting.azurecr.io", acremu.RedirectLoop), stored: basic("redirecting", adminPW), causes: []cause.ID{cause.RegistryError}},
		{name: "private endpoint", reg: registry("privateendpoint.azurecr.io", acremu.PrivateEndpoint), stored: basic("privateendpoint", adminPW), healthy: true},
	}
}

func startEmulator(t testing.TB, scs []scenario) *acremu.Server {
	t.Helper()
	regs := make([]acremu.Registry, len(scs))
	for i, sc := range scs {
		regs[i] = sc.reg
	}
	return startRegistries(t, regs...)
}

func startRegistries(t testing.TB, regs ...acremu.Registry) *acremu.Server {
	t.Helper()
	emu, err := acremu.Start(regs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// probeOptions reach the emulator's registries by name, directly.
func probeOptions(emu *acremu.Server) probe.Options {
	return probe.Options{
		Lookup:    func(_ context.Context, host string) ([]net.IP, error) { return emu.Lookup(host) },
		KnownHost: acremu.ARMHost,
		Dial:      emu.DialContext,
		Proxy:     func(*http.Request) (*url.URL, error) { return nil, nil },
		RootCAs:   emu.CertPool(),
	}
}

// TestEveryCause: every scenario, checked in one parallel run, names the
// expected causes; every cause ID of the catalogue that the network can
// show is reached.
func TestEveryCause(t *testing.T) {
	scs := scenarios()
	emu := startEmulator(t, scs)
	auths := map[string]types.AuthConfig{}
	var targets []string
	for _, sc := range scs {
		auths[sc.reg.Host] = sc.stored(emu, sc.reg.Host)
	}
	// One more registry whose credential sits behind a helper that is not
	// installed: the credential store itself fails.
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: auths,
		CredHelpers: map[string]string{"healthyadmin.azurecr.io": "acrdoctor-test-missing"}}}
	seen := map[cause.ID]bool{}
	for _, push := range []bool{false, true} {
		targets = targets[:0]
		for _, sc := range scs {
			if sc.push == push {
				targets = append(targets, sc.reg.Host)
			}
		}
		// Some thirty registries at once, each with its requests side by
		// side, make a burst of TLS handshakes and RS256 signatures: under
		// -race on a loaded machine a step needs more than 3 s.
		opts := check.Options{Targets: targets, Push: push, Repository: "team/app", Timeout: 30 * time.Second,
			StepTimeout: 6 * time.Second, Probe: probeOptions(emu)}
		// Emitted in target order, though the slow ones finish last.
		var emitted []string
		results, _ := check.Run(context.Background(), store, opts, func(r check.Result) { emitted = append(emitted, r.Registry.Registry) })
		assertNoSecrets(t, results, auths)
		assertOnePerTarget(t, results, targets)
		if !slices.Equal(emitted, targets) {
			t.Errorf("emitted in the order %v, want %v", emitted, targets)
		}
		for _, r := range results {
			sc := scs[slices.IndexFunc(scs, func(s scenario) bool { return s.reg.Host == r.Registry.Registry })]
			var ids []cause.ID
			for _, c := range r.Causes {
				ids = append(ids, c.ID)
				seen[c.ID] = true
			}
			if r.Healthy != sc.healthy || !slices.Equal(ids, sc.causes) {
				b, _ := json.MarshalIndent(r.Registry, "", "  ")
				t.Errorf("%s: healthy %v causes %v; want %v %v\n%s", sc.name, r.Healthy, ids, sc.healthy, sc.causes, b)
			}
		}
	}
	for _, id := range cause.IDs() {
		switch id {
		case cause.DockerEnvironment: // about the Docker client, not a registry: e2e TestDockerEnvironment
			continue
		}
		if !seen[id] {
			t.Errorf("no scenario reached %s", id)
		}
	}
	// Credentials never went to the foreign realm.
	for _, req := range emu.Requests(acremu.OtherRealmHost) {
		if req.Auth != "" || len(req.Form) > 0 {
			t.Errorf("the foreign realm received a credential: %+v", req)
		}
	}
}

// TestEveryKey: two keys for one registry are both reported, in order,
// each with its own verdict: the one Docker looks up replayed (its expired
// token found), the one it never looks up reported as it stands and never
// sent. A store that cannot list its entries is a finding.
func TestEveryKey(t *testing.T) {
	emu := startRegistries(t, registry("myreg.azurecr.io"))
	auths := map[string]types.AuthConfig{
		"myreg.azurecr.io": refresh(alice, 4*time.Hour)(emu, "myreg.azurecr.io"),
		"MyReg.azurecr.io": {Username: "myreg", Password: adminPW},
	}
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: auths}}
	results, _ := check.Run(context.Background(), store, check.Options{Timeout: 20 * time.Second, StepTimeout: 3 * time.Second, Probe: probeOptions(emu)}, nil)
	var got []string
	for _, r := range results {
		var ids []string
		for _, c := range r.Causes {
			ids = append(ids, string(c.ID))
		}
		got = append(got, fmt.Sprintf("%s healthy=%v %v", r.Registry.Registry, r.Healthy, ids))
	}
	want := []string{
		"MyReg.azurecr.io healthy=false [registry_name]",
		"myreg.azurecr.io healthy=false [expired_credentials]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("results\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, req := range emu.Requests("myreg.azurecr.io") {
		if req.Username == "myreg" {
			t.Errorf("the key Docker never looks up was sent: %+v", req)
		}
	}
	// Two keys Docker's file store may each find the registry by: it takes
	// either, so neither is sent.
	before := len(emu.Requests("myreg.azurecr.io"))
	store = &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: map[string]types.AuthConfig{
		"https://myreg.azurecr.io":    {Username: "myreg", Password: adminPW},
		"https://myreg.azurecr.io/v2": {Username: "myreg", Password: "wrong"},
	}}}
	results, _ = check.Run(context.Background(), store, check.Options{Timeout: 20 * time.Second, StepTimeout: 3 * time.Second, Probe: probeOptions(emu)}, nil)
	if n := len(emu.Requests("myreg.azurecr.io")); len(results) != 2 || n != before {
		t.Errorf("%d results, %d requests for two keys Docker picks between, want 2 and none", len(results), n-before)
	}
	store = &credstore.Store{Config: &credstore.Config{Filename: "config.json", CredsStore: "acrdoctor-test-missing"}}
	results, stores := check.Run(context.Background(), store, check.Options{Offline: true}, nil)
	if len(results) != 0 || len(stores) != 1 || len(stores[0].Causes) != 1 || stores[0].Causes[0].ID != cause.CredentialStore {
		t.Errorf("stores %+v, want the missing helper's credential_store", stores)
	}
}

// assertOnePerTarget: Run reports every registry asked for, once.
func assertOnePerTarget(t *testing.T, results []check.Result, targets []string) {
	t.Helper()
	var got []string
	for _, r := range results {
		got = append(got, r.Registry.Registry)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(targets))
	if !slices.Equal(got, want) {
		t.Errorf("results for %v, want one for each of %v", got, want)
	}
}

// assertNoSecrets: neither the report nor the transcript behind it (what
// -D prints) holds any stored secret, or a JWT's payload or signature.
func assertNoSecrets(t *testing.T, results []check.Result, auths map[string]types.AuthConfig) {
	t.Helper()
	b, err := json.Marshal(results)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for host, a := range auths {
		for _, secret := range []string{a.Password, a.IdentityToken} {
			pieces := []string{secret}
			if parts := strings.Split(secret, "."); len(parts) == 3 {
				pieces = parts[1:]
			}
			for _, p := range pieces {
				if len(p) >= 8 && strings.Contains(out, p) {
					t.Errorf("the report or transcript for %s holds its secret", host)
				}
			}
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct{ in, host, repo string }{
		{"myreg.azurecr.io", "myreg.azurecr.io", ""},
		{"MyReg.azurecr.io", "myreg.azurecr.io", ""},
		{"myreg", "myreg.azurecr.io", ""},
		{"myreg.azurecr.io/team/app:1", "myreg.azurecr.io", "team/app"},
		{"myreg.azurecr.io/team/app@sha256:abc", "myreg.azurecr.io", "team/app"},
		{"https://myreg.azurecr.io/", "myreg.azurecr.io", ""},
		{"localhost:5000/app", "localhost:5000", "app"},
	}
	for _, tt := range tests {
		if h, r := check.ParseTarget(tt.in); h != tt.host || r != tt.repo {
			t.Errorf("ParseTarget(%q) = %q, %q", tt.in, h, r)
		}
	}
}

func TestOffline(t *testing.T) {
	store := &credstore.Store{Config: &credstore.Config{Auths: map[string]types.AuthConfig{
		"myreg.azurecr.io": {Username: "myreg", Password: "pw"},
	}}}
	results, _ := check.Run(context.Background(), store, check.Options{Offline: true, Probe: probe.Options{
		Lookup: func(context.Context, string) ([]net.IP, error) { panic("offline check used the network") },
	}}, nil)
	if len(results) != 1 || !results[0].Healthy || len(results[0].Steps) != 1 || !strings.HasPrefix(results[0].Steps[0].Detail, "admin_user") {
		t.Errorf("offline = %+v", results)
	}
}

func TestLastGet(t *testing.T) {
	// The wrapper serves myreg (its journal is about it); config.json
	// holds other's, which the journal's line for it is not about.
	bin := t.TempDir()
	script := "#!/bin/sh\necho '{\"ServerURL\":\"myreg.azurecr.io\",\"Username\":\"myreg\",\"Secret\":\"pw\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-acrdoctor"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	exp := time.Date(2026, 11, 29, 10, 5, 0, 0, time.Local)
	store := &credstore.Store{Config: &credstore.Config{
		Auths:       map[string]types.AuthConfig{"myreg.azurecr.io": {}, "otherreg.azurecr.io": {Username: "otherreg", Password: "pw"}},
		CredHelpers: map[string]string{"myreg.azurecr.io": "acrdoctor"},
	}}
	results, _ := check.Run(context.Background(), store, check.Options{Offline: true, Journal: []journal.Entry{
		{Time: exp.Add(-time.Hour), Registry: "myreg.azurecr.io", Kind: "refresh_token", Outcome: journal.Served},
		{Time: exp.Add(27 * time.Minute), Registry: "myreg.azurecr.io", Kind: "refresh_token", ExpiresAt: &exp, Outcome: journal.Expired, Backend: "pass"},
		{Time: exp.Add(30 * time.Minute), Registry: "otherreg.azurecr.io", Kind: "admin_user", Outcome: journal.Served},
	}}, nil)
	steps := map[string]string{}
	for _, r := range results {
		for _, s := range r.Steps {
			if s.Name == "last_get" {
				steps[r.Registry.Registry] = s.Detail
			}
		}
	}
	want := map[string]string{"myreg.azurecr.io": "at 2026-11-29 10:32 Docker was given a refresh token from pass that had expired at 10:05"}
	if !maps.Equal(steps, want) {
		t.Errorf("last_get steps = %q, want %q", steps, want)
	}
}

// TestDeadlineAtAnyCount: with thousands of registries whose names never
// resolve, Run holds its time limit, replays a bounded number at once, and
// returns every registry, those whose turn never came marked as not
// checked rather than as network failures.
func TestDeadlineAtAnyCount(t *testing.T) {
	const n = 5000
	auths := make(map[string]types.AuthConfig, n)
	for i := range n {
		auths[fmt.Sprintf("registry%05d.azurecr.io", i)] = types.AuthConfig{Username: "u", Password: "p"}
	}
	store := &credstore.Store{Config: &credstore.Config{Auths: auths}}
	var mu sync.Mutex
	running, most := 0, 0
	opts := check.Options{Timeout: 500 * time.Millisecond, StepTimeout: 30 * time.Second, Probe: probe.Options{
		Lookup: func(ctx context.Context, _ string) ([]net.IP, error) {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			<-ctx.Done() // a resolver that never answers
			mu.Lock()
			running--
			mu.Unlock()
			return nil, ctx.Err()
		},
	}}
	start := time.Now()
	results, _ := check.Run(context.Background(), store, opts, nil)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %s with a 500ms time limit", d)
	}
	if most > 16 {
		t.Errorf("%d registries replayed at once, want at most 16", most)
	}
	skipped := 0
	for _, r := range results {
		if last := r.Steps[len(r.Steps)-1]; last.Name == "live" && strings.Contains(last.Detail, "ran out before its turn") {
			skipped++
			if r.Healthy || len(r.Causes) != 0 {
				t.Fatalf("%s, not checked: healthy %v, causes %v", r.Registry.Registry, r.Healthy, r.Causes)
			}
		}
	}
	// Those whose turn came before the limit were replayed, at most 16 at
	// a time; a turn that came just before it may end before its lookup,
	// hence the margin of a second round.
	if len(results) != n || skipped < n-2*16 {
		t.Errorf("%d results, %d not checked; want %d, at least %d", len(results), skipped, n, n-2*16)
	}
}

// TestSessionResumed: of the three connections a check of a registry
// opens, the first does a full TLS handshake, the one the TLS step checks
// and reports; the others resume its session once the first has read the
// server's ticket, which on loopback can race their dials, so at least
// one of them. On a loaded machine both can lose that race: of three
// checks, one must show it.
func TestSessionResumed(t *testing.T) {
	var got []string
	for i := range 3 {
		host := fmt.Sprintf("resume%d.azurecr.io", i)
		emu, err := acremu.Start(registry(host))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { emu.Close() })
		store := &credstore.Store{Config: &credstore.Config{Auths: map[string]types.AuthConfig{host: {Username: fmt.Sprintf("resume%d", i), Password: adminPW}}}}
		results, _ := check.Run(context.Background(), store, check.Options{Targets: []string{host}, Timeout: time.Minute, Probe: probeOptions(emu)}, nil)
		if len(results) != 1 || !results[0].Healthy {
			t.Fatalf("results %+v", results)
		}
		n, reqs := emu.Handshakes(host), len(emu.Requests(host))
		if n <= 2 && reqs >= 3 {
			return
		}
		got = append(got, fmt.Sprintf("%d full handshakes for %d requests", n, reqs))
	}
	t.Errorf("%v, want at most 2 in one of them", got)
}

// TestNothingStoredAnonymous: a helper with no credential for a registry
// is worth a warning only until the live check shows anonymous pull
// working; where it does not, the warning stays beside the failure.
func TestNothingStoredAnonymous(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-acrdoctor-test-empty"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	open := registry("openreg.azurecr.io")
	open.AnonymousPull = true
	emu := startRegistries(t, open, registry("closedreg.azurecr.io"))
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", CredsStore: "acrdoctor-test-empty"}}
	results, _ := check.Run(context.Background(), store, check.Options{
		Targets: []string{"openreg.azurecr.io", "closedreg.azurecr.io"}, Timeout: time.Minute, Probe: probeOptions(emu),
	}, nil)
	for _, r := range results {
		var ids []cause.ID
		for _, c := range r.Causes {
			ids = append(ids, c.ID)
		}
		switch r.Registry.Registry {
		case "openreg.azurecr.io":
			if !r.Healthy || len(ids) > 0 || r.Steps[0].Status != report.StepOK {
				t.Errorf("%s: healthy %v, causes %v, credential step %s", r.Registry.Registry, r.Healthy, ids, r.Steps[0].Status)
			}
		default:
			if r.Healthy || !slices.Contains(ids, cause.CredentialStore) {
				t.Errorf("%s: healthy %v, causes %v", r.Registry.Registry, r.Healthy, ids)
			}
		}
	}
}
