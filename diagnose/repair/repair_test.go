package repair

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/renew"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
	"github.com/acr-doctor/acr-doctor/internal/testbin"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// newRepairer writes config.json into a fresh folder and loads it, as the
// plugin does, with env as DOCKER_AUTH_CONFIG's environment.
func newRepairer(t *testing.T, config string, env map[string]string) *Repairer {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := credstore.Load(dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return &Repairer{Store: &credstore.Store{Config: cfg}, Config: filepath.Join(dir, "config.json"), Dir: t.TempDir()}
}

// TestPlan: which stray keys fix moves, and why it leaves the others.
func TestPlan(t *testing.T) {
	pw := b64("user:pw")
	tests := []struct {
		name   string
		config string
		env    map[string]string
		hosts  []string
		moves  []string // from→to
		skips  []string // pieces of the reasons
	}{
		{name: "upper case", config: `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"}}}`, moves: []string{"MyReg.azurecr.io→myreg.azurecr.io"}},
		{name: "port", config: `{"auths":{"myreg.azurecr.io:443":{"auth":"` + pw + `"}}}`, moves: []string{"myreg.azurecr.io:443→myreg.azurecr.io"}},
		{name: "Docker's key taken", config: `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"},"myreg.azurecr.io":{"auth":"` + b64("other:pw") + `"}}}`,
			skips: []string{"holds a credential of its own"}},
		{name: "two keys for one", config: `{"auths":{"MYREG.azurecr.io:443":{"auth":"` + pw + `"},"https://MyReg.AZURECR.io/v2/":{"auth":"` + pw + `"}}}`,
			moves: []string{"MYREG.azurecr.io:443→myreg.azurecr.io"}, skips: []string{"moves to myreg.azurecr.io already"}},
		{name: "no login server", config: `{"auths":{"Reg00.azurecr.io;touch x":{"auth":"` + pw + `"}}}`,
			skips: []string{"is no registry's login server either"}},
		{name: "healthy key", config: `{"auths":{"myreg.azurecr.io":{"auth":"` + pw + `"}}}`},
		{name: "scheme and path: Docker finds it", config: `{"auths":{"https://myreg.azurecr.io/v2/":{"auth":"` + pw + `"}}}`},
		{name: "not ACR", config: `{"auths":{"Ghcr.io":{"auth":"` + pw + `"}}}`},
		{name: "another store for Docker's key", config: `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"}},"credHelpers":{"myreg.azurecr.io":"nosuchhelper"}}`,
			skips: []string{"no other credential helper works here", "Docker looks myreg.azurecr.io up in credHelpers:nosuchhelper"}},
		{name: "environment", config: `{}`, env: map[string]string{"DOCKER_AUTH_CONFIG": `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"}}}`},
			skips: []string{"DOCKER_AUTH_CONFIG"}},
		{name: "another registry named", config: `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"}}}`, hosts: []string{"other.azurecr.io"}},
		{name: "this registry named", config: `{"auths":{"MyReg.azurecr.io":{"auth":"` + pw + `"}}}`, hosts: []string{"myreg.azurecr.io"},
			moves: []string{"MyReg.azurecr.io→myreg.azurecr.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := newRepairer(t, tt.config, tt.env)
			rp.Helpers = []string{}
			p := rp.Plan(context.Background(), tt.hosts, nil)
			var moves []string
			for _, m := range p.Moves {
				moves = append(moves, m.From+"→"+m.To)
				if len(m.Manual) == 0 || m.Why == "" {
					t.Errorf("move %+v: no reason or manual command", m)
				}
			}
			if !slices.Equal(moves, tt.moves) {
				t.Errorf("moves %v; want %v", moves, tt.moves)
			}
			if len(p.Skipped) != len(tt.skips) {
				t.Fatalf("skipped %+v; want %d", p.Skipped, len(tt.skips))
			}
			for i, s := range p.Skipped {
				if !strings.Contains(s.Why, tt.skips[i]) {
					t.Errorf("skipped %q; want %q", s.Why, tt.skips[i])
				}
			}
		})
	}
}

// TestApplyUndoFile: the file store's move and its undo, and an undo that
// refuses once the moved entry changed.
func TestApplyUndoFile(t *testing.T) {
	ctx := context.Background()
	orig := `{"auths":{"MyReg.azurecr.io":{"auth":"` + b64("user:pw") + `"}},"credsStore":""}`
	rp := newRepairer(t, orig, nil)
	p := rp.Plan(ctx, nil, nil)
	rec, err := rp.Apply(ctx, p.Moves)
	if err != nil || rec == nil || len(rec.Moves) != 1 || rec.Moves[0].Fingerprint == "" {
		t.Fatalf("Apply: %+v, %v", rec, err)
	}
	data, _ := os.ReadFile(rp.Config)
	if strings.Contains(string(data), "MyReg") || !strings.Contains(string(data), `"myreg.azurecr.io"`) {
		t.Fatalf("after the move: %s", data)
	}
	record, _ := os.ReadFile(filepath.Join(rp.Dir, "fix", rec.ID+".json"))
	if strings.Contains(string(record), b64("user:pw")) || strings.Contains(string(record), "pw") && strings.Contains(string(record), `"auth"`) {
		t.Errorf("the record holds the credential: %s", record)
	}
	last, err := rp.Last()
	if err != nil || last.ID != rec.ID {
		t.Fatalf("Last: %+v, %v", last, err)
	}
	if err := rp.Undo(ctx, last); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(rp.Config)
	if !strings.Contains(string(data), `"MyReg.azurecr.io"`) || strings.Contains(string(data), `"myreg.azurecr.io"`) {
		t.Fatalf("after the undo: %s", data)
	}
	if _, err := rp.Last(); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("a second Last: %v", err)
	}

	// Moved again, then a login overwrites the entry: no undo.
	rec, err = rp.Apply(ctx, rp.Plan(ctx, nil, nil).Moves)
	if err != nil {
		t.Fatal(err)
	}
	changed := `{"auths":{"myreg.azurecr.io":{"auth":"` + b64("other:pw2") + `"}}}`
	if err := os.WriteFile(rp.Config, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rp.Undo(ctx, rec); err == nil || !strings.Contains(err.Error(), "changed since fix moved it") {
		t.Fatalf("undo over a changed entry: %v", err)
	}
	if data, _ := os.ReadFile(rp.Config); string(data) != changed {
		t.Errorf("the refused undo wrote: %s", data)
	}
}

// TestApplyUndoHelper: through a credential helper, the credential moves
// by get, store, erase; the undo by the same.
func TestApplyUndoHelper(t *testing.T) {
	useFake(t)
	log := filepath.Join(t.TempDir(), "calls")
	t.Setenv("FAKE_LOG", log)
	ctx := context.Background()
	rp := newRepairer(t, `{"credsStore":"fake"}`, nil)
	h := rp.Store.Helper("fake")
	if err := h.Store(ctx, "MyReg.azurecr.io", credstore.Credential{Username: "user", Secret: "pw"}); err != nil {
		t.Fatal(err)
	}
	list := func() []string {
		l, err := h.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Sorted(func(yield func(string) bool) {
			for k := range l {
				if !yield(k) {
					return
				}
			}
		})
	}
	p := rp.Plan(ctx, nil, nil)
	if len(p.Moves) != 1 || p.Moves[0].Source != (credstore.Source{Kind: credstore.CredsStore, Helper: "fake"}) {
		t.Fatalf("plan %+v", p)
	}
	rec, err := rp.Apply(ctx, p.Moves)
	if err != nil {
		t.Fatal(err)
	}
	if got := list(); !slices.Equal(got, []string{"myreg.azurecr.io"}) {
		t.Fatalf("after the move: %v", got)
	}
	if c, err := h.Get(ctx, "myreg.azurecr.io"); err != nil || c != (credstore.Credential{Username: "user", Secret: "pw"}) {
		t.Fatalf("moved credential: %+v, %v", c, err)
	}
	if err := rp.Undo(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if got := list(); !slices.Equal(got, []string{"MyReg.azurecr.io"}) {
		t.Fatalf("after the undo: %v", got)
	}
	calls, _ := os.ReadFile(log)
	if strings.Contains(string(calls), "pw") {
		t.Errorf("the helper's log holds the secret: %s", calls)
	}
}

// TestApplyStoreFails: a helper whose store fails leaves the credential
// where it was, and no record.
func TestApplyStoreFails(t *testing.T) {
	useFake(t)
	ctx := context.Background()
	rp := newRepairer(t, `{"credsStore":"fake"}`, nil)
	if err := rp.Store.Helper("fake").Store(ctx, "MyReg.azurecr.io", credstore.Credential{Username: "user", Secret: "pw"}); err != nil {
		t.Fatal(err)
	}
	p := rp.Plan(ctx, nil, nil)
	t.Setenv("FAKE_FAIL_STORE", "the keyring is locked")
	rec, err := rp.Apply(ctx, p.Moves)
	if err == nil || rec != nil {
		t.Fatalf("Apply: %+v, %v", rec, err)
	}
	if _, err := rp.Store.Helper("fake").Get(ctx, "MyReg.azurecr.io"); err != nil {
		t.Errorf("the credential is gone: %v", err)
	}
	if _, err := rp.Last(); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("a failed run was recorded: %v", err)
	}
}

// TestPlanLogOut: a credential Docker should not send is logged out,
// parked in its own store; Docker's key is then free.
func TestPlanLogOut(t *testing.T) {
	ctx := context.Background()
	other := tokentest.Default().Sign(tokentest.ACRRefresh("other.azurecr.io", "alice", "tenant", time.Now(), "pull"))
	own := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice", "tenant", time.Now(), "pull"))
	blocked := []check.Result{{Registry: report.Registry{Registry: "anon.azurecr.io", Causes: []cause.Cause{cause.New(cause.AnonymousPullBlocked, "")}}}}
	tests := []struct {
		name   string
		config string
		live   []check.Result
		moves  []string
	}{
		{"token for another registry", `{"auths":{"myreg.azurecr.io":{"auth":"` + b64(credkind.NullGUID+":") + `","identitytoken":"` + other + `"}}}`, nil,
			[]string{"myreg.azurecr.io→parked.acrdoctor.invalid/myreg.azurecr.io"}},
		{"its own token", `{"auths":{"myreg.azurecr.io":{"auth":"` + b64(credkind.NullGUID+":") + `","identitytoken":"` + own + `"}}}`, nil, nil},
		{"anonymous pull blocked", `{"auths":{"https://anon.azurecr.io":{"auth":"` + b64("u:p") + `"}}}`, blocked,
			[]string{"https://anon.azurecr.io→parked.acrdoctor.invalid/https:%2F%2Fanon.azurecr.io"}},
		{"anonymous pull blocked, nothing stored", `{"auths":{}}`, blocked, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := newRepairer(t, tt.config, nil)
			p := rp.Plan(ctx, nil, tt.live)
			var moves []string
			for _, m := range p.Moves {
				moves = append(moves, m.From+"→"+strings.Replace(m.To, rp.runID()+"/", "", 1))
				if m.Kind != LogOut {
					t.Errorf("kind %s", m.Kind)
				}
			}
			if !slices.Equal(moves, tt.moves) {
				t.Fatalf("moves %v; want %v (skipped %+v)", moves, tt.moves, p.Skipped)
			}
			if len(p.Moves) == 0 {
				return
			}
			rec, err := rp.Apply(ctx, p.Moves)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _ := credstore.Load(filepath.Dir(rp.Config), func(string) string { return "" })
			if got := (&credstore.Store{Config: cfg}).Lookup(ctx, rec.Moves[0].Registry); !got.NotFound {
				t.Errorf("Docker still finds a credential for %s: %+v", rec.Moves[0].Registry, got.Source)
			}
			if _, acr := loginserver.Check(rec.Moves[0].To); acr {
				t.Errorf("the parked key %s counts as an ACR key", rec.Moves[0].To)
			}
			if err := rp.Undo(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if data, _ := os.ReadFile(rp.Config); strings.Contains(string(data), "parked") {
				t.Errorf("after the undo: %s", data)
			}
		})
	}
}

// TestPlanRenew: an ACR refresh token expired or within the margin of
// expiry is renewed where an Azure identity is at hand; where none is, the
// plan says which login to run.
func TestPlanRenew(t *testing.T) {
	now := time.Now()
	stored := func(iat time.Time) string {
		tok := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice", "tenant", iat, "read"))
		return `{"auths":{"myreg.azurecr.io":{"auth":"` + b64(credkind.NullGUID+":") + `","identitytoken":"` + tok + `"}}}`
	}
	life := tokentest.RefreshLifetime
	tests := []struct {
		name   string
		config string
		ids    []string
		renew  bool
		skip   string
	}{
		{"expired", stored(now.Add(-life - time.Hour)), []string{"EnvironmentCredential"}, true, ""},
		{"within the margin", stored(now.Add(-life + RenewMargin - time.Minute)), []string{"AzureCLICredential"}, true, ""},
		{"beyond the margin", stored(now.Add(-life + RenewMargin + time.Minute)), []string{"AzureCLICredential"}, false, ""},
		{"no identity", stored(now.Add(-life - time.Hour)), []string{}, false, "no Azure identity here to renew it with: run az acr login -n myreg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := newRepairer(t, tt.config, nil)
			rp.Identities = tt.ids
			p := rp.Plan(context.Background(), nil, nil)
			if got := len(p.Moves) == 1 && p.Moves[0].Kind == Renew; got != tt.renew {
				t.Errorf("renew %v; want %v: %+v", got, tt.renew, p)
			}
			if tt.renew && p.Moves[0].Identity != tt.ids[0] {
				t.Errorf("identity %q", p.Moves[0].Identity)
			}
			if tt.skip != "" && (len(p.Skipped) != 1 || p.Skipped[0].Why != tt.skip) {
				t.Errorf("skipped %+v; want %q", p.Skipped, tt.skip)
			}
		})
	}
}

// TestSetHelper: a credsStore helper that is missing is replaced by the
// first that works; the undo names it again. With none working, or a
// helper that runs but fails (a locked keyring), there is no repair.
func TestSetHelper(t *testing.T) {
	useFake(t)
	ctx := context.Background()
	for _, tc := range []struct {
		helpers []string
		want    string // credsStore after the fix; "" for none
	}{
		{[]string{"acrdoctor-test-missing", "fake"}, "fake"},
	} {
		rp := newRepairer(t, `{"credsStore":"nosuchhelper","auths":{"x.io":{}}}`, nil)
		rp.Helpers = tc.helpers
		// What the helper held before the fix: a login since replaces it.
		if err := rp.Store.Helper("fake").Store(ctx, "held.azurecr.io", credstore.Credential{Username: "u", Secret: "old"}); err != nil {
			t.Fatal(err)
		}
		// The check found the registry failing for the store: naming
		// another store answers it, and it is not left alone too.
		failed := check.Result{Registry: report.Registry{Registry: "myreg.azurecr.io",
			Causes: []cause.Cause{cause.New(cause.CredentialStore, "docker-credential-nosuchhelper get: executable file not found in $PATH")}}}
		p := rp.Plan(ctx, nil, []check.Result{failed})
		if len(p.Moves) != 1 || p.Moves[0].Kind != SetHelper || p.Moves[0].To != tc.want || p.Moves[0].Setting != "credsStore" || len(p.Skipped) != 0 {
			t.Fatalf("helpers %v: plan %+v", tc.helpers, p)
		}
		rec, err := rp.Apply(ctx, p.Moves)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := configedit.Read(rp.Config)
		if got := f.Doc.String("credsStore"); got != tc.want {
			t.Errorf("credsStore %q; want %q", got, tc.want)
		}
		if strings.Contains(fmt.Sprint(rec.Moves[0].Edits), "auths") {
			t.Errorf("the record's edits reach auths: %v", rec.Moves[0].Edits)
		}
		// A login since, under a key the helper held, or a list that
		// fails: the undo refuses.
		h := rp.Store.Helper("fake")
		if err := h.Store(ctx, "held.azurecr.io", credstore.Credential{Username: "u", Secret: "new"}); err != nil {
			t.Fatal(err)
		}
		if err := rp.Undo(ctx, rec); err == nil || !strings.Contains(err.Error(), "stored since the fix (held.azurecr.io)") {
			t.Fatalf("undo over a login since: %v", err)
		}
		if err := h.Store(ctx, "held.azurecr.io", credstore.Credential{Username: "u", Secret: "old"}); err != nil {
			t.Fatal(err)
		}
		t.Setenv("FAKE_FAIL", "locked")
		if err := rp.Undo(ctx, rec); err == nil || !strings.Contains(err.Error(), "cannot tell what") {
			t.Fatalf("undo with a failing list: %v", err)
		}
		t.Setenv("FAKE_FAIL", "")
		if err := rp.Undo(ctx, rec); err != nil {
			t.Fatal(err)
		}
		f, _ = configedit.Read(rp.Config)
		if got := f.Doc.String("credsStore"); got != "nosuchhelper" {
			t.Errorf("after the undo, credsStore %q", got)
		}
	}
}

// useFake puts docker-credential-fake, a store in files, first on PATH,
// and returns its folder.
func useFake(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	if err := testbin.Install(bin, testbin.Fake); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_STORE", t.TempDir())
	return bin
}

// TestSetHelperCannotStore: a helper that lists but cannot store (a pass
// whose GPG key is gone) is not named: the run fails, config.json stays.
func TestSetHelperCannotStore(t *testing.T) {
	useFake(t)
	ctx := context.Background()
	rp := newRepairer(t, `{"credsStore":"nosuchhelper"}`, nil)
	rp.Helpers = []string{"fake"}
	p := rp.Plan(ctx, nil, nil)
	if len(p.Moves) != 1 || p.Moves[0].To != "fake" {
		t.Fatalf("plan %+v", p)
	}
	t.Setenv("FAKE_FAIL_STORE", "gpg: skipped: No public key")
	if rec, err := rp.Apply(ctx, p.Moves); err == nil || rec != nil || !strings.Contains(err.Error(), "cannot keep a credential here") {
		t.Fatalf("Apply: %+v, %v", rec, err)
	}
	if data, _ := os.ReadFile(rp.Config); string(data) != `{"credsStore":"nosuchhelper"}` {
		t.Errorf("config.json changed: %s", data)
	}
}

// TestSetHelperFileHolds: a broken credHelpers entry for a key config.json
// holds a credential for is dropped, not replaced: Docker then uses it.
func TestSetHelperFileHolds(t *testing.T) {
	useFake(t)
	rp := newRepairer(t, `{"credHelpers":{"myreg.azurecr.io":"nosuchhelper"},"auths":{"myreg.azurecr.io":{"auth":"`+b64("u:p")+`"}}}`, nil)
	rp.Helpers = []string{"fake"}
	p := rp.Plan(context.Background(), nil, nil)
	if len(p.Moves) != 1 || p.Moves[0].To != "" || !strings.Contains(p.Moves[0].Why, "config.json holds a credential for myreg.azurecr.io") {
		t.Fatalf("plan %+v", p)
	}
}

func TestSetHelperNone(t *testing.T) {
	useFake(t)
	ctx := context.Background()
	rp := newRepairer(t, `{"credsStore":"nosuchhelper"}`, nil)
	rp.Helpers = []string{}
	if p := rp.Plan(ctx, nil, nil); len(p.Moves) != 0 || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0].Why, "no other credential helper works here") {
		t.Errorf("no helper working: %+v", p)
	}
	// A helper that runs and fails its list, as a locked keyring does.
	rp = newRepairer(t, `{"credsStore":"fake"}`, nil)
	rp.Helpers = []string{"fake"}
	t.Setenv("FAKE_FAIL", "the keyring is locked")
	if p := rp.Plan(ctx, nil, nil); len(p.Moves) != 0 {
		t.Errorf("a locked store replaced: %+v", p)
	}
}

// TestApplyEraseFails: a helper that stores the copy but will not erase
// the original keeps one copy, the original, and no record.
func TestApplyEraseFails(t *testing.T) {
	useFake(t)
	ctx := context.Background()
	rp := newRepairer(t, `{"credsStore":"fake"}`, nil)
	h := rp.Store.Helper("fake")
	if err := h.Store(ctx, "MyReg.azurecr.io", credstore.Credential{Username: "user", Secret: "pw"}); err != nil {
		t.Fatal(err)
	}
	p := rp.Plan(ctx, nil, nil)
	t.Setenv("FAKE_FAIL_ERASE", "MyReg.azurecr.io")
	if rec, err := rp.Apply(ctx, p.Moves); err == nil || rec != nil || !strings.Contains(err.Error(), "the credential stays under MyReg.azurecr.io") {
		t.Fatalf("Apply: %+v, %v", rec, err)
	}
	l, _ := h.List(ctx)
	if _, ok := l["myreg.azurecr.io"]; ok || len(l) != 1 {
		t.Errorf("after the failed move the helper holds %v", l)
	}
}

// TestApplyChangedSincePlan: what changed between the plan and the yes
// (a login while the prompt waited) is not touched.
func TestApplyChangedSincePlan(t *testing.T) {
	ctx := context.Background()
	rp := newRepairer(t, `{"auths":{"MyReg.azurecr.io":{"auth":"`+b64("user:pw")+`"}}}`, nil)
	p := rp.Plan(ctx, nil, nil)
	changed := `{"auths":{"MyReg.azurecr.io":{"auth":"` + b64("user:NEW") + `"}}}`
	if err := os.WriteFile(rp.Config, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	if rec, err := rp.Apply(ctx, p.Moves); err == nil || rec != nil || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("Apply: %+v, %v", rec, err)
	}
	if data, _ := os.ReadFile(rp.Config); string(data) != changed {
		t.Errorf("written: %s", data)
	}
	// A helper setting changed since the plan.
	rp = newRepairer(t, `{"credsStore":"nosuchhelper"}`, nil)
	useFake(t)
	rp.Helpers = []string{"fake"}
	p = rp.Plan(ctx, nil, nil)
	if err := os.WriteFile(rp.Config, []byte(`{"credsStore":"fake"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Apply(ctx, p.Moves); err == nil || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("Apply over a changed credsStore: %v", err)
	}
}

// TestPlanConfigure: beside a renewal of a token kept in a helper, fix
// offers the wrapper, when it is installed; not for a token in
// config.json, which the wrapper cannot wrap.
func TestPlanConfigure(t *testing.T) {
	// The fake alone on PATH: a machine with acr-doctor installed has the
	// wrapper on its own.
	t.Setenv("PATH", useFake(t))
	ctx := context.Background()
	tok := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice", "tenant", time.Now().Add(-5*time.Hour), "read"))
	rp := newRepairer(t, `{"credsStore":"fake"}`, nil)
	rp.Identities = []string{"EnvironmentCredential"}
	if err := rp.Store.Helper("fake").Store(ctx, "myreg.azurecr.io", credstore.Credential{Username: credkind.TokenUsername, Secret: tok}); err != nil {
		t.Fatal(err)
	}
	kinds := func() []Kind {
		var k []Kind
		for _, m := range rp.Plan(ctx, nil, nil).Moves {
			k = append(k, m.Kind)
		}
		return k
	}
	if got := kinds(); !slices.Equal(got, []Kind{Renew}) {
		t.Errorf("no wrapper installed: %v", got)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-acrdoctor"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", os.Getenv("PATH")+string(os.PathListSeparator)+bin)
	if got := kinds(); !slices.Equal(got, []Kind{Renew, Configure}) {
		t.Fatalf("wrapper installed: %v", got)
	}
	var c Move
	for _, m := range rp.Plan(ctx, nil, nil).Moves {
		if m.Kind == Configure {
			c = m
		}
	}
	rec, err := rp.Apply(ctx, []Move{c})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := configedit.Read(rp.Config)
	if f.Doc.String("credHelpers", "myreg.azurecr.io") != "acrdoctor" || f.Doc.String("plugins", "acrdoctor", "credential-backend") != "fake" {
		t.Errorf("after the fix: %s", f.Raw)
	}
	if err := rp.Undo(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(rp.Config); !strings.Contains(string(data), `"credsStore"`) || strings.Contains(string(data), "acrdoctor") {
		t.Errorf("after the undo: %s", data)
	}
}

// TestPlanMoveOverHealthy: a stray key is not moved over a registry that
// works as it is (anonymous pull): the credential, untried, could only be
// worse.
func TestPlanMoveOverHealthy(t *testing.T) {
	rp := newRepairer(t, `{"auths":{"Anonreg.azurecr.io":{"auth":"`+b64("u:stale")+`"}}}`, nil)
	rp.Helpers = []string{}
	live := []check.Result{{Registry: report.Registry{Registry: "anonreg.azurecr.io", Healthy: true}}}
	if got := rp.Unchecked(context.Background(), nil); !slices.Equal(got, []string{"anonreg.azurecr.io"}) {
		t.Errorf("unchecked %v", got)
	}
	p := rp.Plan(context.Background(), nil, live)
	if len(p.Moves) != 0 || len(p.Skipped) != 1 || !strings.Contains(p.Skipped[0].Why, "works as it is") {
		t.Fatalf("plan %+v", p)
	}
}

// TestPlanTool: in another tool's file, in Docker's format, fix logs out
// and renews in that file, with the tool's commands by hand, and moves no
// key and names no helper; Podman's credsStore is not its own.
func TestPlanTool(t *testing.T) {
	ctx := context.Background()
	other := tokentest.Default().Sign(tokentest.ACRRefresh("other.azurecr.io", "alice", "tenant", time.Now(), "pull"))
	config := `{"auths":{"myreg.azurecr.io":{"auth":"` + b64(credkind.NullGUID+":") + `","identitytoken":"` + other + `"},` +
		`"MyReg2.azurecr.io":{"auth":"` + b64("u:p") + `"}},"credHelpers":{"x.azurecr.io":"nosuchhelper"}}`
	for _, tool := range []tools.Tool{tools.Podman, tools.Helm} {
		t.Run(string(tool), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "auth.json")
			if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
				t.Fatal(err)
			}
			rp := &Repairer{Config: file, Dir: t.TempDir(), Tool: tool, Helpers: []string{}}
			cfg, err := rp.Reread(nil)
			if err != nil {
				t.Fatal(err)
			}
			rp.Store = &credstore.Store{Config: cfg}
			p := rp.Plan(ctx, nil, nil)
			if len(p.Moves) != 1 || p.Moves[0].Kind != LogOut || p.Moves[0].Tool != string(tool) || p.Moves[0].File != file {
				t.Fatalf("moves %+v", p.Moves)
			}
			if want := map[tools.Tool]string{tools.Podman: "podman logout myreg.azurecr.io", tools.Helm: "helm registry logout myreg.azurecr.io"}[tool]; p.Moves[0].Manual[0] != want ||
				!strings.Contains(p.Moves[0].Then[0], map[tools.Tool]string{tools.Podman: "DOCKER_COMMAND=podman az acr login -n myreg", tools.Helm: "| helm registry login myreg.azurecr.io"}[tool]) {
				t.Errorf("by hand %q, then %q", p.Moves[0].Manual, p.Moves[0].Then)
			}
			if len(p.Skipped) != 1 || p.Skipped[0].Key != "MyReg2.azurecr.io" || !strings.Contains(p.Skipped[0].Why, "moves keys only in docker's own config.json") ||
				p.Skipped[0].File != file || strings.Contains(p.Skipped[0].Why, "docker logout") {
				t.Errorf("skipped %+v", p.Skipped)
			}
			rec, err := rp.Apply(ctx, p.Moves)
			if err != nil {
				t.Fatal(err)
			}
			if err := rp.Undo(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if data, _ := os.ReadFile(file); strings.Contains(string(data), "parked") || !strings.Contains(string(data), other) {
				t.Errorf("after the undo: %s", data)
			}
		})
	}
}

// failingCredential is an Azure identity that gives no token, as the Azure
// CLI does when it is logged out.
type failingCredential struct{}

func (failingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("Please run 'az login' to setup account.")
}

// offline is a transport that reaches nothing: no test leaves the machine.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("offline") }

// TestApplyGoesOn: a renewal that fails changes nothing, and the other
// repairs of the run are still made.
func TestApplyGoesOn(t *testing.T) {
	ctx := context.Background()
	expired := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice", "tenant", time.Now().Add(-tokentest.RefreshLifetime-time.Hour), "read"))
	other := tokentest.Default().Sign(tokentest.ACRRefresh("other.azurecr.io", "alice", "tenant", time.Now(), "pull"))
	rp := newRepairer(t, `{"auths":{"myreg.azurecr.io":{"auth":"`+b64(credkind.NullGUID+":")+`","identitytoken":"`+expired+`"},`+
		`"third.azurecr.io":{"auth":"`+b64(credkind.NullGUID+":")+`","identitytoken":"`+other+`"}}}`, nil)
	rp.Identities = []string{"AzureCLICredential"}
	rp.Renewer = &renew.Renewer{Credential: failingCredential{}, HTTPClient: &http.Client{Transport: offline{}}}
	p := rp.Plan(ctx, nil, nil)
	if len(p.Moves) != 2 || p.Moves[0].Kind != Renew || p.Moves[1].Kind != LogOut {
		t.Fatalf("moves %+v", p.Moves)
	}
	rec, err := rp.Apply(ctx, p.Moves)
	if err == nil || !strings.Contains(err.Error(), "myreg.azurecr.io") {
		t.Errorf("Apply: %v", err)
	}
	if rec == nil || len(rec.Moves) != 1 || rec.Moves[0].Kind != LogOut {
		t.Fatalf("record %+v", rec)
	}
	if data, _ := os.ReadFile(rp.Config); !strings.Contains(string(data), expired) {
		t.Errorf("the failed renewal changed the token: %s", data)
	}
}
