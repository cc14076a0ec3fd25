package configedit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const secretAuth = "YWRtaW46czNjcmV0LWFkbWluLXB3" // admin:s3cret-admin-pw

type fixture struct {
	t      *testing.T
	ed     *Editor
	config string
}

func newFixture(t *testing.T, raw string) *fixture {
	t.Helper()
	dir := t.TempDir()
	fx := &fixture{t: t, ed: &Editor{Dir: filepath.Join(dir, "state")}, config: filepath.Join(dir, "docker", "config.json")}
	if raw != "" {
		if err := os.MkdirAll(filepath.Dir(fx.config), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fx.config, []byte(raw), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

func (fx *fixture) read() *File {
	fx.t.Helper()
	f, err := Read(fx.config)
	if err != nil {
		fx.t.Fatal(err)
	}
	return f
}

// configure plans and applies req, as the plugin does.
func (fx *fixture) configure(req Request) (*Record, error) {
	fx.t.Helper()
	f := fx.read()
	p, err := Configure(f, req)
	if err != nil {
		fx.t.Fatal(err)
	}
	return fx.ed.Apply(f, p)
}

func (fx *fixture) undo(force bool) error {
	fx.t.Helper()
	rec, err := fx.ed.Last(fx.config)
	if err != nil {
		return err
	}
	u, err := fx.ed.PlanUndo(rec)
	if err != nil {
		return err
	}
	return fx.ed.Commit(u, force)
}

func (fx *fixture) doc() map[string]any {
	fx.t.Helper()
	raw, err := os.ReadFile(fx.config)
	if err != nil {
		fx.t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		fx.t.Fatal(err)
	}
	return v
}

// dockerLogin rewrites config.json as Docker does after a login through a
// helper: its own serialisation, with an empty entry for the registry.
func (fx *fixture) dockerLogin(registry string) {
	fx.t.Helper()
	v := fx.doc()
	auths, _ := v["auths"].(map[string]any)
	if auths == nil {
		auths = map[string]any{}
	}
	auths[registry] = map[string]any{}
	v["auths"] = auths
	raw, _ := json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(fx.config, raw, 0o600); err != nil {
		fx.t.Fatal(err)
	}
}

func same(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("config.json =\n  %v\nwant\n  %v", got, w)
	}
}

const original = `{"auths":{"a.azurecr.io":{},"keep.example.com":{"auth":"` + secretAuth + `"}},"credsStore":"pass","proxies":{"default":{"httpProxy":"http://127.0.0.1:3128"}},"x-unknown":[1,2.50,{"deep":null}]}`

func TestApplyUndo(t *testing.T) {
	fx := newFixture(t, original)
	rec, err := fx.configure(Request{Hosts: []string{"a.azurecr.io"}, Hooks: true, HookCommands: "push"})
	if err != nil || rec == nil {
		t.Fatalf("apply: %v %v", rec, err)
	}
	cfg := fx.doc()
	if cfg["credHelpers"].(map[string]any)["a.azurecr.io"] != "acrdoctor" || cfg["features"].(map[string]any)["hooks"] != "true" {
		t.Fatalf("configured: %v", cfg)
	}
	if fi, _ := os.Stat(fx.config); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
	}
	// The backup is the file before, private; the record holds no secret.
	if b, err := os.ReadFile(rec.Backup); err != nil || string(b) != original {
		t.Errorf("backup %q: %v", b, err)
	}
	if fi, _ := os.Stat(rec.Backup); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", fi.Mode().Perm())
	}
	recRaw, _ := os.ReadFile(filepath.Join(fx.ed.Dir, "configure", rec.ID+".json"))
	if len(recRaw) == 0 || strings.Contains(string(recRaw), secretAuth) || strings.Contains(string(recRaw), "auths") {
		t.Errorf("the record holds what it must not: %s", recRaw)
	}

	// Docker logs in to another registry meanwhile: undo keeps that.
	fx.dockerLogin("b.azurecr.io")
	if err := fx.undo(false); err != nil {
		t.Fatal(err)
	}
	same(t, fx.doc(), `{"auths":{"a.azurecr.io":{},"b.azurecr.io":{},"keep.example.com":{"auth":"`+secretAuth+`"}},"credsStore":"pass","proxies":{"default":{"httpProxy":"http://127.0.0.1:3128"}},"x-unknown":[1,2.5,{"deep":null}]}`)
	if _, err := os.Stat(rec.Backup); err != nil {
		t.Errorf("the backup went with the undo: %v", err)
	}
	if err := fx.undo(false); !errors.Is(err, ErrNothingToUndo) {
		t.Errorf("a second undo: %v", err)
	}
}

func TestUndoRefusesChangedKeys(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass"}`)
	if _, err := fx.configure(Request{Store: true}); err != nil {
		t.Fatal(err)
	}
	// Someone points credsStore elsewhere after configure.
	if err := os.WriteFile(fx.config, []byte(`{"credsStore":"desktop","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := fx.undo(false)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || !strings.Contains(err.Error(), `credsStore was set to "acrdoctor" by configure, and is now "desktop"`) {
		t.Fatalf("undo over a changed key: %v", err)
	}
	same(t, fx.doc(), `{"credsStore":"desktop","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`)
	if err := fx.undo(true); err != nil {
		t.Fatal(err)
	}
	same(t, fx.doc(), `{"credsStore":"pass"}`)
}

func TestEveryRunKeepsItsBackup(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass"}`)
	var recs []*Record
	for _, h := range []string{"a.azurecr.io", "b.azurecr.io", "c.azurecr.io"} {
		rec, err := fx.configure(Request{Hosts: []string{h}})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if b, _ := os.ReadFile(recs[0].Backup); string(b) != `{"credsStore":"pass"}` {
		t.Errorf("the first run's backup is %q: the original is lost", b)
	}
	if all, _ := fx.ed.Records(); len(all) != 3 || all[0].ID != recs[2].ID {
		t.Errorf("records %v, want 3, newest first", all)
	}
	for range recs {
		if err := fx.undo(false); err != nil {
			t.Fatal(err)
		}
	}
	same(t, fx.doc(), `{"credsStore":"pass"}`)
}

func TestNoConfigFile(t *testing.T) {
	fx := newFixture(t, "")
	rec, err := fx.configure(Request{Store: true, DefaultStore: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Backup != "" || rec.Existed {
		t.Errorf("a backup of nothing: %+v", rec)
	}
	if fi, err := os.Stat(fx.config); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("new config.json: %v %v", fi, err)
	}
	if err := fx.undo(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fx.config); !os.IsNotExist(err) {
		t.Errorf("config.json should be gone again: %v", err)
	}
	if recs, err := fx.ed.Records(); err != nil || len(recs) != 0 {
		t.Errorf("the undone run is still recorded: %v, %v", recs, err)
	}
	// Undo of a file removed since: nothing to revert, the record goes.
	if _, err := fx.configure(Request{Store: true, DefaultStore: "pass"}); err != nil {
		t.Fatal(err)
	}
	os.Remove(fx.config)
	if err := fx.undo(false); err != nil {
		t.Errorf("undo after the file went: %v", err)
	}
}

func TestApplyRefusesAChangedFile(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass"}`)
	f := fx.read()
	p, err := Configure(f, Request{Store: true})
	if err != nil {
		t.Fatal(err)
	}
	fx.dockerLogin("a.azurecr.io") // between plan and write
	if _, err := fx.ed.Apply(f, p); !errors.Is(err, ErrChanged) {
		t.Fatalf("apply over a changed file: %v", err)
	}
	if fx.doc()["credsStore"] != "pass" {
		t.Error("written anyway")
	}
	if recs, _ := fx.ed.Records(); len(recs) != 0 {
		t.Errorf("a record of a run that wrote nothing: %v", recs)
	}
	if ents, _ := os.ReadDir(filepath.Join(fx.ed.Dir, "configure")); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

// TestConcurrentConfigure: parallel runs, each retrying when another got
// in first as the plugin asks its user to, lose no entry.
func TestConcurrentConfigure(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass"}`)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			for try := 0; ; try++ {
				f, err := Read(fx.config)
				if err != nil {
					errs[i] = err
					return
				}
				p, err := Configure(f, Request{Hosts: []string{fmt.Sprintf("r%d.azurecr.io", i)}})
				if err != nil {
					errs[i] = err
					return
				}
				_, err = fx.ed.Apply(f, p)
				if !errors.Is(err, ErrChanged) || try > 100 {
					errs[i] = err
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	helpers := fx.doc()["credHelpers"].(map[string]any)
	if len(helpers) != n {
		t.Errorf("%d credHelpers entries, want %d: %v", len(helpers), n, helpers)
	}
	if recs, _ := fx.ed.Records(); len(recs) != n {
		t.Errorf("%d records, want %d", len(recs), n)
	}
}

func TestSymlinkedConfig(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	fx := newFixture(t, "")
	target := filepath.Join(t.TempDir(), "dotfiles", "docker.json")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte(`{"credsStore":"pass"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(fx.config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, fx.config); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.configure(Request{Store: true}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(fx.config); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file: %v", fi.Mode())
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), `"acrdoctor"`) {
		t.Errorf("the target was not written: %s", b)
	}
}

func TestReadRefuses(t *testing.T) {
	dir := t.TempDir()
	for raw, want := range map[string]string{"null": "holds null", "[]": "holds an array", "7": "holds a number", "": "is empty"} {
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q read as %v, want %q", raw, err, want)
		}
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder as config.json: %v", err)
	}
}

// TestRecordsFollowLinks: a run recorded through a linked folder is found
// through the real one, and the other way round.
func TestRecordsFollowLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	fx := newFixture(t, `{"credsStore":"pass"}`)
	link := filepath.Join(t.TempDir(), "docker-link")
	if err := os.Symlink(filepath.Dir(fx.config), link); err != nil {
		t.Fatal(err)
	}
	f, err := Read(filepath.Join(link, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Configure(f, Request{Store: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.ed.Apply(f, p); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.ed.Last(fx.config); err != nil {
		t.Errorf("the run made through the link is not found: %v", err)
	}
}

// TestUndoKeepsDockersDefault: on a config that names no store, Docker
// uses its platform default; configure names it, and an undo after logins
// (whose empty entries would end that default) keeps it named, so every
// registry still goes to the same store.
func TestUndoKeepsDockersDefault(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   Request
		login bool
		want  string // config.json after the undo; "" for none
	}{
		{"one registry, then a login", Request{Hosts: []string{"a.azurecr.io"}, DefaultStore: "pass"}, true, `{"auths":{"b.azurecr.io":{}},"credsStore":"pass"}`},
		{"one registry, nothing since", Request{Hosts: []string{"a.azurecr.io"}, DefaultStore: "pass"}, false, ""},
		{"every registry, then a login", Request{Store: true, DefaultStore: "pass"}, true, `{"auths":{"b.azurecr.io":{}},"credsStore":"pass"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, "")
			if _, err := fx.configure(tc.req); err != nil {
				t.Fatal(err)
			}
			if tc.login {
				fx.dockerLogin("b.azurecr.io")
			}
			if err := fx.undo(false); err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if _, err := os.Stat(fx.config); !os.IsNotExist(err) {
					t.Errorf("config.json left: %v", fx.doc())
				}
				return
			}
			same(t, fx.doc(), tc.want)
		})
	}
}

// TestUndoKeepsWhatOthersAdded: configure made credHelpers and plugins;
// gcloud then adds its entry beside configure's, the user a setting of
// the plugin's: undo removes configure's values and keeps theirs, and a
// key already put back by hand is no conflict.
func TestUndoKeepsWhatOthersAdded(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass","auths":{"a.azurecr.io":{}}}`)
	if _, err := fx.configure(Request{Hosts: []string{"a.azurecr.io", "b.azurecr.io"}}); err != nil {
		t.Fatal(err)
	}
	v := fx.doc()
	helpers := v["credHelpers"].(map[string]any)
	helpers["gcr.io"] = "gcloud"    // gcloud auth configure-docker
	delete(helpers, "b.azurecr.io") // removed by hand
	v["plugins"].(map[string]any)["acrdoctor"].(map[string]any)["azure"] = "on"
	raw, _ := json.Marshal(v)
	if err := os.WriteFile(fx.config, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fx.undo(false); err != nil {
		t.Fatal(err)
	}
	same(t, fx.doc(), `{"auths":{"a.azurecr.io":{}},"credHelpers":{"gcr.io":"gcloud"},"credsStore":"pass","plugins":{"acrdoctor":{"azure":"on"}}}`)
}

// TestApplyFailures: when the copy or the write fails, config.json stays
// as it was and no record says otherwise.
func TestApplyFailures(t *testing.T) {
	t.Run("no state directory", func(t *testing.T) {
		fx := newFixture(t, `{"credsStore":"pass"}`)
		if err := os.WriteFile(fx.ed.Dir, []byte("a file where the folder goes"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.configure(Request{Store: true}); err == nil {
			t.Fatal("applied without a place for its record")
		}
		same(t, fx.doc(), `{"credsStore":"pass"}`)
	})
	t.Run("config.json cannot be written", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("needs /proc, where not even root makes a folder")
		}
		fx := newFixture(t, "")
		if err := os.MkdirAll(filepath.Dir(fx.config), 0o700); err != nil {
			t.Fatal(err)
		}
		// A link to where no file can be: read as missing, never written.
		if err := os.Symlink("/proc/acrdoctor-test/config.json", fx.config); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.configure(Request{Store: true, DefaultStore: "pass"}); err == nil {
			t.Fatal("the write did not fail")
		}
		if recs, _ := fx.ed.Records(); len(recs) != 0 {
			t.Errorf("a record of a run that wrote nothing: %+v", recs[0])
		}
		if ents, _ := os.ReadDir(filepath.Join(fx.ed.Dir, "configure")); len(ents) != 0 {
			t.Errorf("files left: %v", ents)
		}
	})
}

// TestCanonical: config.json is named through its folder's real path,
// found from the deepest folder that exists, links resolved.
func TestCanonical(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	real, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "docker-link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(real)
	tests := []struct{ name, want string }{
		{filepath.Join(link, "config.json"), filepath.Join(real, "config.json")},
		{filepath.Join(link, "not", "yet", "config.json"), filepath.Join(real, "not", "yet", "config.json")},
		{"config.json", filepath.Join(real, "config.json")},
		{filepath.Join("sub", "config.json"), filepath.Join(real, "sub", "config.json")},
	}
	for _, tt := range tests {
		if got, err := Canonical(tt.name); err != nil || got != tt.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

// TestApplyWriteFails: when config.json exists but its replacement cannot
// be made, neither the copy of it nor the record stays.
func TestApplyWriteFails(t *testing.T) {
	fx := newFixture(t, "")
	// A name so long that the temporary file beside it cannot be named.
	fx.config = filepath.Join(filepath.Dir(fx.config), strings.Repeat("c", 240)+".json")
	if err := os.MkdirAll(filepath.Dir(fx.config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.config, []byte(`{"credsStore":"pass"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.configure(Request{Store: true}); err == nil {
		t.Fatal("the write did not fail")
	}
	if b, _ := os.ReadFile(fx.config); string(b) != `{"credsStore":"pass"}` {
		t.Errorf("config changed: %s", b)
	}
	if ents, _ := os.ReadDir(filepath.Join(fx.ed.Dir, "configure")); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

// TestUndoOfNothingLeftWritesNothing: a run whose edits were all put back
// by hand is undone without rewriting config.json, whose bytes stay as
// they are, and its record goes.
func TestUndoOfNothingLeftWritesNothing(t *testing.T) {
	fx := newFixture(t, `{"credsStore":"pass"}`)
	if _, err := fx.configure(Request{Hosts: []string{"a.azurecr.io"}}); err != nil {
		t.Fatal(err)
	}
	const byHand = "{ \"credsStore\" : \"pass\" }"
	if err := os.WriteFile(fx.config, []byte(byHand), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fx.undo(false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fx.config); string(b) != byHand {
		t.Errorf("config.json rewritten: %q", b)
	}
	if recs, err := fx.ed.Records(); err != nil || len(recs) != 0 {
		t.Errorf("records left: %v, %v", recs, err)
	}
}
