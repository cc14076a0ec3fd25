// Command acremu runs the ACR emulator until interrupted, for the demo and
// the benchmarks.
//
//	go run ./scripts/acremu -demo
//	go run ./scripts/acremu -registries 50 -latency 50ms
//
// It prints one JSON line on stdout, then serves until SIGINT or SIGTERM:
//
//	{"proxy":"http://127.0.0.1:PORT","ca_file":"/tmp/acremu-…/ca.pem",
//	 "registries":[{"host","fault","username","password","refresh_token"}]}
//
// Point Docker at it with HTTPS_PROXY=<proxy> SSL_CERT_FILE=<ca_file>. The
// credentials printed are demo fixtures, valid only against this process.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// Entry is one registry in the output line.
type Entry struct {
	Host string `json:"host"`
	// Fault names the scenario: an acremu.Fault, or what is wrong with the
	// credential ("wrong_password", "pull_only", …); "" when healthy.
	Fault    string `json:"fault"`
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
	// RefreshToken is set for scenarios that log in with an ACR refresh
	// token: docker login -u 00000000-0000-0000-0000-000000000000 -p <it>.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// Output is the line printed at start.
type Output struct {
	Proxy      string  `json:"proxy"`
	CAFile     string  `json:"ca_file"`
	Registries []Entry `json:"registries"`
}

func main() {
	demo := flag.Bool("demo", false, "serve the demo registries, each broken in a different way")
	n := flag.Int("registries", 0, "also serve `N` healthy registries reg00.azurecr.io… with admin password demo-admin-NN")
	latency := flag.Duration("latency", 0, "add this latency to every request")
	flag.Parse()
	if !*demo && *n <= 0 {
		fmt.Fprintln(os.Stderr, "acremu: nothing to serve: give -demo and/or -registries N")
		os.Exit(2)
	}

	var (
		regs    []acremu.Registry
		entries []Entry
		tokens  []tokenFor // refresh tokens to mint once the server runs
	)
	if *demo {
		regs, entries, tokens = demoRegistries()
	}
	for i := range *n {
		name := fmt.Sprintf("reg%02d", i)
		pw := fmt.Sprintf("demo-admin-%02d", i)
		regs = append(regs, acremu.Registry{
			Host:          name + ".azurecr.io",
			AdminEnabled:  true,
			AdminPassword: pw,
			Users:         map[string]acremu.Identity{alice: {Actions: []string{"pull", "push"}}},
			Repositories:  map[string][]string{"hello-world": {"latest"}},
			Tenant:        tenant,
		})
		entries = append(entries, Entry{Host: name + ".azurecr.io", Username: name, Password: pw})
	}
	for i := range regs {
		regs[i].Latency = *latency
	}

	srv, err := acremu.Start(regs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, t := range tokens {
		entries[t.entry].RefreshToken = srv.RefreshToken(entries[t.entry].Host, t.user, t.iat)
	}
	out := Output{Proxy: srv.ProxyURL(), CAFile: srv.CAFile(), Registries: entries}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		srv.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	srv.Close()
}

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	alice  = "alice@contoso.com"
	// Demo service principals. The unknown one is registered nowhere.
	pullOnlySP = "5b1d6f0e-7c3a-4e8b-9d2f-1a6c4e8b0f37"
	unknownSP  = "9e4a2c71-3b8d-4f06-a5e1-7d2c9b4f6a18"
)

// tokenFor asks for a refresh token for entries[entry], minted for user at iat.
type tokenFor struct {
	entry int
	user  string
	iat   time.Time
}

// demoRegistries are the demo's scenarios, one registry each.
func demoRegistries() ([]acremu.Registry, []Entry, []tokenFor) {
	now := time.Now()
	repos := map[string][]string{"hello-world": {"latest", "v1"}, "samples/nginx": {"1.27"}}
	users := map[string]acremu.Identity{alice: {Actions: []string{"pull", "push"}}}
	base := func(name string) acremu.Registry {
		return acremu.Registry{
			Host:          name + ".azurecr.io",
			AdminEnabled:  true,
			AdminPassword: "demo-" + name + "-admin",
			Users:         users,
			Repositories:  repos,
			Tenant:        tenant,
		}
	}
	type scenario struct {
		reg      acremu.Registry
		fault    string
		username string
		password string
		token    *time.Time // mint a refresh token for alice issued then
	}
	at := func(t time.Time) *time.Time { return &t }

	healthy := base("healthy")
	aad := base("aadlogin")
	expired := base("expired")
	expired.Faults = []acremu.Fault{acremu.ExpiredTokens}
	wrongpw := base("adminoff")
	wrongpw.Faults = []acremu.Fault{acremu.AdminDisabled}
	pullOnly := base("pullonly")
	pullOnly.ServicePrincipals = map[string]acremu.Principal{pullOnlySP: {Secret: "demo-pullonly-secret", Actions: []string{"pull"}}}
	unknown := base("unknownsp")
	firewall := base("firewalled")
	firewall.Faults = []acremu.Fault{acremu.Firewall}
	throttled := base("throttled")
	throttled.Faults = []acremu.Fault{acremu.Throttle}
	down := base("unavailable")
	down.Faults = []acremu.Fault{acremu.ServerError}
	intercepted := base("intercepted")
	intercepted.Faults = []acremu.Fault{acremu.UntrustedCert}
	realm := base("otherrealm")
	realm.Faults = []acremu.Fault{acremu.RealmOtherHost}
	skewed := base("skewed")
	skewed.ClockOffset = 3 * time.Hour
	anon := base("anonpull")
	anon.AnonymousPull = true
	anon.AdminPassword = "demo-anonpull-admin-rotated"
	missing := base("nosuchregistry")
	missing.Faults = []acremu.Fault{acremu.NotFound}

	scenarios := []scenario{
		{reg: healthy, username: "healthy", password: healthy.AdminPassword},
		// What `az acr login` does: a fresh refresh token for alice, stored
		// by Docker as an identitytoken.
		{reg: aad, username: acremu.NullGUID, token: at(now)},
		// A refresh token issued 3h30m ago: past its 3h15m.
		{reg: expired, fault: string(acremu.ExpiredTokens), username: acremu.NullGUID, token: at(now.Add(-3*time.Hour - 30*time.Minute))},
		{reg: wrongpw, fault: string(acremu.AdminDisabled), username: "adminoff", password: wrongpw.AdminPassword},
		{reg: pullOnly, fault: "pull_only", username: pullOnlySP, password: "demo-pullonly-secret"},
		{reg: unknown, fault: "unknown_service_principal", username: unknownSP, password: "demo-unknown-secret"},
		{reg: firewall, fault: string(acremu.Firewall), username: "firewalled", password: firewall.AdminPassword},
		{reg: throttled, fault: string(acremu.Throttle), username: "throttled", password: throttled.AdminPassword},
		{reg: down, fault: string(acremu.ServerError), username: "unavailable", password: down.AdminPassword},
		{reg: intercepted, fault: string(acremu.UntrustedCert), username: "intercepted", password: intercepted.AdminPassword},
		{reg: realm, fault: string(acremu.RealmOtherHost), username: "otherrealm", password: realm.AdminPassword},
		// The registry's clock is 3h ahead: a token issued 30 minutes ago
		// by the local clock has expired by the registry's.
		{reg: skewed, fault: "clock_skew", username: acremu.NullGUID, token: at(now.Add(-30 * time.Minute))},
		// Anonymous pull is on, but the stored admin password was rotated.
		{reg: anon, fault: "anonymous_pull_stale_credentials", username: "anonpull", password: "demo-anonpull-admin"},
		{reg: missing, fault: string(acremu.NotFound), username: "nosuchregistry", password: missing.AdminPassword},
	}
	var (
		regs    []acremu.Registry
		entries []Entry
		tokens  []tokenFor
	)
	for i, sc := range scenarios {
		regs = append(regs, sc.reg)
		entries = append(entries, Entry{Host: sc.reg.Host, Fault: sc.fault, Username: sc.username, Password: sc.password})
		if sc.token != nil {
			tokens = append(tokens, tokenFor{entry: i, user: alice, iat: *sc.token})
		}
	}
	return regs, entries, tokens
}
