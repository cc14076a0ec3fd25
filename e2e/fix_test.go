package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

type fixJSON struct {
	Plan struct {
		Moves []struct {
			From, To string
		} `json:"moves"`
		Skipped []struct{ Key, Why string } `json:"skipped"`
	} `json:"plan"`
	Applied []struct{ From, To string } `json:"applied"`
	Outcome []struct {
		Registry, Before, After string
		Healthy                 bool
	} `json:"outcome"`
}

// TestFixMovesKey: a credential stored under a key Docker never looks up
// (upper case) fails the check, and docker login does not find it; fix off a terminal
// changes nothing; fix --yes moves it, through the store that holds it,
// and the check and docker login then pass; fix --undo puts it back.
func TestFixMovesKey(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"file", "pass"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			const host, stray = "fixreg.azurecr.io", "FixReg.azurecr.io"
			emu := startEmu(t, emuRegistry(host))
			e := newEnv(t)
			e.useEmu(emu)
			// keys lists the keys the store holds.
			keys := func() []string {
				var out []string
				if store == "file" {
					for k := range readConfig(t, e)["auths"].(map[string]any) {
						out = append(out, k)
					}
				} else {
					r := e.run("", "docker-credential-pass", "list")
					var list map[string]string
					if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
						t.Fatalf("docker-credential-pass list: %v", r)
					}
					for k := range list {
						out = append(out, k)
					}
				}
				slices.Sort(out)
				return out
			}
			e.holdIn(store, stray, "fixreg", adminPassword)
			healthy := func(when string) bool { return e.checkOne(host, when).Healthy }
			// docker login with no credential given uses the one Docker
			// finds for host, and says so (it then needs the daemon,
			// which this sandbox does not run, to check it).
			dockerFinds := func() bool {
				r := e.run("", "docker", "login", host)
				return strings.Contains(r.stderr, "Authenticating with existing credentials... [Username: fixreg]")
			}
			if healthy("before") {
				t.Fatal("healthy before the fix")
			}
			if dockerFinds() {
				t.Fatal("docker login found the stray credential before the fix")
			}
			config := filepath.Join(e.configDir, "config.json")
			before, _ := os.ReadFile(config)

			// Off a terminal, without --yes: the plan, and nothing changed.
			// Exit 1, as check's: the registry still fails.
			r := e.docker("acrdoctor", "fix")
			if r.code != 1 || !strings.Contains(r.stdout, "move the credential under "+stray+" to "+host) || !strings.Contains(r.stdout, "Nothing written") {
				t.Fatalf("fix without --yes: %v", r)
			}
			if now, _ := os.ReadFile(config); string(now) != string(before) || !slices.Equal(keys(), []string{stray}) {
				t.Fatalf("fix without --yes changed the store: %v", keys())
			}

			r = e.docker("acrdoctor", "fix", "--yes", "--format", "json")
			var got fixJSON
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
				t.Fatalf("fix --yes: %v", r)
			}
			if len(got.Applied) != 1 || len(got.Outcome) != 1 || got.Outcome[0].Before != "login fails" || !got.Outcome[0].Healthy {
				t.Fatalf("fix --yes: %+v", got)
			}
			if k := keys(); !slices.Equal(k, []string{host}) {
				t.Fatalf("after the fix the store holds %v, want only %s", k, host)
			}
			if !healthy("after") {
				t.Fatal("not healthy after the fix")
			}
			if !dockerFinds() {
				t.Fatal("docker login does not find the credential after the fix")
			}
			assertNoSecrets(t, e, []string{adminPassword, b64("fixreg:" + adminPassword)}, [][]string{
				{"acrdoctor", "fix"}, {"acrdoctor", "fix", "--format", "json"}, {"acrdoctor", "fix", "--undo"},
			})

			if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "Undone.") {
				t.Fatalf("fix --undo: %v", r)
			}
			if k := keys(); !slices.Equal(k, []string{stray}) {
				t.Fatalf("after the undo the store holds %v, want only %s", k, stray)
			}
			if healthy("after the undo") {
				t.Fatal("healthy after the undo")
			}
			if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "nothing to undo") {
				t.Fatalf("a second undo: %v", r)
			}
		})
	}
}

// TestFixUndoRefusesChanged: an undo moves back only the credential the
// fix moved; a login since, with another credential, stays.
func TestFixUndoRefusesChanged(t *testing.T) {
	t.Parallel()
	const host, stray = "fixreg.azurecr.io", "FIXREG.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	writeJSONConfig(t, e, map[string]any{"auths": map[string]any{stray: map[string]any{"auth": b64("fixreg:" + adminPassword)}}})
	if r := e.docker("acrdoctor", "fix", "--yes"); r.code != 0 {
		t.Fatalf("fix --yes: %v", r)
	}
	cfg := readConfig(t, e)
	cfg["auths"].(map[string]any)[host] = map[string]any{"auth": b64("someone:else")}
	writeJSONConfig(t, e, cfg)
	r := e.docker("acrdoctor", "fix", "--undo", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "changed since fix moved it") {
		t.Fatalf("undo over a changed entry: %v", r)
	}
	auths := readConfig(t, e)["auths"].(map[string]any)
	if _, ok := auths[stray]; ok || auths[host].(map[string]any)["auth"] != b64("someone:else") {
		t.Fatalf("the undo changed the file: %v", auths)
	}
}

// TestFixLogsOut: a registry that allows anonymous pull refuses the
// stored credential, which Docker sends all the same; fix logs Docker
// out by parking the credential in its store, and the check passes;
// --undo brings the credential back, and the check fails as before.
func TestFixLogsOut(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"file", "pass"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			const host = "anonreg.azurecr.io"
			reg := emuRegistry(host)
			reg.AnonymousPull = true
			emu := startEmu(t, reg)
			e := newEnv(t)
			e.useEmu(emu)
			e.holdIn(store, host, "anonreg", "wrong-password")
			check := func(when string) registryJSON { return e.checkOne(host, when) }
			if got := check("before"); got.Healthy || len(got.Causes) == 0 || got.Causes[0].ID != "anonymous_pull_blocked" {
				t.Fatalf("before: %+v", got)
			}
			r := e.docker("acrdoctor", "fix", host, "--yes")
			if r.code != 0 || !strings.Contains(r.stdout, "log Docker out of "+host) || !strings.Contains(r.stdout, host+": login fails → healthy") {
				t.Fatalf("fix --yes: %v", r)
			}
			if got := check("after"); !got.Healthy {
				t.Fatalf("after: %+v", got)
			}
			if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code != 0 {
				t.Fatalf("fix --undo: %v", r)
			}
			if got := check("after the undo"); got.Healthy || got.Causes[0].ID != "anonymous_pull_blocked" {
				t.Fatalf("after the undo: %+v", got)
			}
		})
	}
}

// TestFixRenews: an expired ACR refresh token, with a service principal in
// the environment, is renewed into the store that held it (and, in pass
// with the wrapper installed, the registry sent to the wrapper); the check
// then passes, and --undo brings the expired one back and config.json as
// it was.
func TestFixRenews(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"file", "pass"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			const host = "renewreg.azurecr.io"
			reg := emuRegistry(host)
			reg.ServicePrincipals[spApp] = acremu.Principal{Secret: spSecret, Actions: []string{"pull"}}
			emu := startEmu(t, reg)
			e := newEnv(t)
			e.useEmu(emu)
			expired := emu.RefreshToken(host, spApp, time.Now().Add(-5*time.Hour))
			e.holdIn(store, host, "<token>", expired)
			check := func(when string) registryJSON { return e.checkOne(host, when) }
			if got := check("before"); got.Healthy || got.Causes[0].ID != "expired_credentials" {
				t.Fatalf("before: %+v", got)
			}
			// Without an identity: the login to run, nothing changed, and
			// exit 1: the registry still fails.
			r := e.docker("acrdoctor", "fix", "--yes")
			if r.code != 1 || !strings.Contains(r.stdout, "no Azure identity here to renew it with: run az acr login -n renewreg") {
				t.Fatalf("fix without an identity: %v", r)
			}
			e.setenv("AZURE_TENANT_ID="+tenant, "AZURE_CLIENT_ID="+spApp, "AZURE_CLIENT_SECRET="+spSecret,
				"AZURE_AUTHORITY_HOST=https://"+acremu.AuthorityHost+"/")
			if store == "pass" {
				// With the wrapper installed and the token in a helper,
				// fix also sends the registry to the wrapper.
				e.useWrapper()
			}
			r = e.docker("acrdoctor", "fix", "--yes")
			if r.code != 0 || !strings.Contains(r.stdout, "renew the ACR refresh token under "+host) || !strings.Contains(r.stdout, host+": login fails → healthy") ||
				strings.Contains(r.stdout, "have the acr-doctor credential helper answer for "+host) != (store == "pass") {
				t.Fatalf("fix --yes: %v", r)
			}
			if got := check("after"); !got.Healthy {
				t.Fatalf("after: %+v", got)
			}
			if cfg := readConfig(t, e); store == "pass" && (cfg["credHelpers"] == nil || cfg["credHelpers"].(map[string]any)[host] != "acrdoctor") {
				t.Fatalf("not sent to the wrapper: %v", cfg)
			}
			assertNoSecrets(t, e, []string{expired, spSecret}, [][]string{{"acrdoctor", "fix"}, {"acrdoctor", "fix", "--undo"}, {"acrdoctor", "creds", "--all"}})
			if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "put the old token back under "+host) {
				t.Fatalf("fix --undo: %v", r)
			}
			if got := check("after the undo"); got.Healthy || got.Causes[0].ID != "expired_credentials" {
				t.Fatalf("after the undo: %+v", got)
			}
			cfg := readConfig(t, e)
			if store == "file" {
				auths := cfg["auths"].(map[string]any)
				if len(auths) != 1 || auths[host].(map[string]any)["identitytoken"] != expired {
					t.Fatalf("after the undo: %v", auths)
				}
			} else if cfg["credsStore"] != "pass" || len(cfg) != 1 {
				t.Fatalf("after the undo: %v", cfg)
			}
		})
	}
}

// TestFixHelper: config.json names a credential helper this machine lacks;
// docker login fails and the check says why. fix names the one that works
// here (pass, initialised), after which docker login stores into it and
// the check passes. --undo refuses while pass holds that login, which it
// would hide from Docker; after docker logout it names the old one again.
func TestFixHelper(t *testing.T) {
	t.Parallel()
	const host = "helperreg.azurecr.io"
	emu := startEmu(t, emuRegistry(host))
	e := newEnv(t)
	e.useEmu(emu)
	e.withPass()
	e.writeConfig(`{"credsStore":"nosuchhelper"}`)
	login := func() result {
		return e.run(adminPassword, "docker", "login", host, "-u", "helperreg", "--password-stdin")
	}
	if r := login(); r.code == 0 {
		t.Fatalf("docker login with a missing helper: %v", r)
	}
	if r := e.docker("acrdoctor", "check", "--format", "json"); r.code != 1 || !strings.Contains(r.stdout, "credential_store") {
		t.Fatalf("check before: %v", r)
	}
	r := e.docker("acrdoctor", "fix", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "name docker-credential-pass in credsStore") ||
		!strings.Contains(r.stdout, "credsStore: docker-credential-nosuchhelper fails → docker-credential-pass answers") {
		t.Fatalf("fix --yes: %v", r)
	}
	if got := readConfig(t, e)["credsStore"]; got != "pass" {
		t.Fatalf("credsStore %v after the fix", got)
	}
	if r := login(); r.code != 0 {
		t.Fatalf("docker login after the fix: %v", r)
	}
	if r := e.docker("acrdoctor", "check", "--format", "json"); r.code != 0 {
		t.Fatalf("check after: %v", r)
	}
	// The login since is in pass: an undo would hide it from Docker.
	if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code == 0 || !strings.Contains(r.stderr, "holds credentials stored since the fix ("+host+")") {
		t.Fatalf("fix --undo over a login since: %v", r)
	}
	if got := readConfig(t, e)["credsStore"]; got != "pass" {
		t.Fatalf("the refused undo changed credsStore: %v", got)
	}
	if r := e.docker("logout", host); r.code != 0 {
		t.Fatalf("docker logout: %v", r)
	}
	if r := e.docker("acrdoctor", "fix", "--undo", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "name docker-credential-nosuchhelper in credsStore again") {
		t.Fatalf("fix --undo: %v", r)
	}
	cfg := readConfig(t, e)
	if cfg["credsStore"] != "nosuchhelper" {
		t.Fatalf("credsStore %v after the undo", cfg["credsStore"])
	}
	if _, ok := cfg["auths"].(map[string]any)[host]; ok {
		t.Errorf("docker logout's change is gone: %v", cfg)
	}
}

// checkOne runs the check on host, through docker, and returns its one
// registry.
func (e *env) checkOne(host, when string) registryJSON {
	e.t.Helper()
	r := e.docker("acrdoctor", "check", host, "--format", "json", "--step-timeout", "5s")
	var got checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Registries) != 1 {
		e.t.Fatalf("check %s: %v", when, r)
	}
	return got.Registries[0]
}

// holdIn stores one credential under key, as docker login leaves it: in
// config.json's auths ("file"), or in pass. The username "<token>" makes
// secret an identity token.
func (e *env) holdIn(store, key, username, secret string) {
	if store == "pass" {
		e.withPass()
		e.writeConfig(`{"credsStore":"pass"}`)
		e.passStore(key, username, secret)
		return
	}
	entry := map[string]any{"auth": b64(username + ":" + secret)}
	if username == "<token>" {
		entry = map[string]any{"auth": b64(nullGUID + ":"), "identitytoken": secret}
	}
	writeJSONConfig(e.t, e, map[string]any{"auths": map[string]any{key: entry}})
}
