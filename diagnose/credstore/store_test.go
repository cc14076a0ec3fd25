package credstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
)

func TestLookupOrder(t *testing.T) {
	fakeHelpers(t, map[string]string{
		"store":  `read url; echo "{\"Username\":\"from-store\",\"Secret\":\"s\"}"`,
		"helper": `read url; echo "{\"Username\":\"<token>\",\"Secret\":\"` + jwt + `\"}"`,
		"nf":     `echo "credentials not found in native keychain"; exit 1`,
		// Debian's golang-docker-credential-helpers 0.6.x, for a key it
		// does not hold.
		"empty": `read url; echo '{"ServerURL":"","Username":"","Secret":""}'`,
	})
	file := map[string]types.AuthConfig{
		"env.azurecr.io":    {Username: "file", Password: "p"},
		"helped.azurecr.io": {Username: "file", Password: "p"},
		"stored.azurecr.io": {},
		"nf.azurecr.io":     {},
	}
	cfg := &Config{
		Auths:       file,
		CredsStore:  "store",
		CredHelpers: map[string]string{"helped.azurecr.io": "helper", "nf.azurecr.io": "nf", "empty.azurecr.io": "empty"},
		Env:         map[string]types.AuthConfig{"env.azurecr.io": {Username: "env", Password: "e"}},
	}
	s := &Store{Config: cfg}
	tests := []struct {
		key      string
		source   string
		user     string
		idtok    string
		notFound bool
		shadowed []Source
	}{
		{key: "env.azurecr.io", source: "env:DOCKER_AUTH_CONFIG", user: "env", shadowed: []Source{{CredsStore, "store"}}},
		{key: "helped.azurecr.io", source: "credHelpers:helper", user: credkind.TokenUsername, idtok: jwt, shadowed: []Source{{Kind: File}}},
		{key: "stored.azurecr.io", source: "credsStore:store", user: "from-store"},
		{key: "nf.azurecr.io", source: "credHelpers:nf", notFound: true},
		{key: "empty.azurecr.io", source: "credHelpers:empty", notFound: true},
	}
	for _, tt := range tests {
		e := s.Lookup(context.Background(), tt.key)
		if e.Source.String() != tt.source || e.Username != tt.user || e.IdentityToken != tt.idtok ||
			e.NotFound != tt.notFound || e.Err != nil || !slices.Equal(e.Shadowed, tt.shadowed) {
			t.Errorf("Lookup(%q) = %+v", tt.key, e)
		}
	}

	// With a login Docker remembers (a key in auths), the empty answer is
	// the store losing it.
	file["empty.azurecr.io"] = types.AuthConfig{}
	if e := s.Lookup(context.Background(), "empty.azurecr.io"); e.NotFound || e.Err == nil {
		t.Errorf("an empty answer for a key in auths = %+v, want the helper's error", e)
	}
	delete(file, "empty.azurecr.io")

	// Without a store, the file is the source.
	s.Config = &Config{Auths: file}
	if e := s.Lookup(context.Background(), "helped.azurecr.io"); e.Source.Kind != File || e.Password != "p" || e.NotFound {
		t.Errorf("file Lookup = %+v", e)
	}
	if e := s.Lookup(context.Background(), "stored.azurecr.io"); !e.NotFound {
		t.Errorf("an empty file entry should be NotFound: %+v", e)
	}
}

func TestEntries(t *testing.T) {
	fakeHelpers(t, map[string]string{
		"store": `case "$1" in
list) echo '{"listed.azurecr.io":"<token>","both.azurecr.io":"admin"}';;
get) read url; echo "{\"Username\":\"admin\",\"Secret\":\"pw-$url\"}";;
esac`,
		"broken": `echo "pass store is uninitialized"; exit 1`,
	})
	cfg := &Config{
		Auths:       map[string]types.AuthConfig{"both.azurecr.io": {}, "file-only.azurecr.io": {}},
		CredsStore:  "store",
		CredHelpers: map[string]string{"z.azurecr.io": "missing-helper"},
	}
	entries, stores := (&Store{Config: cfg}).Entries(context.Background())
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Registry)
	}
	want := []string{"both.azurecr.io", "file-only.azurecr.io", "listed.azurecr.io", "z.azurecr.io"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys = %v, want %v", keys, want)
	}
	if entries[2].Password != "pw-listed.azurecr.io" {
		t.Errorf("listed entry = %+v", entries[2])
	}
	var he *HelperError
	if !errors.As(entries[3].Err, &he) || he.Failure != HelperMissing {
		t.Errorf("missing helper entry = %+v", entries[3])
	}
	if len(stores) != 1 || stores[0].Entries != 2 || stores[0].Err != nil {
		t.Errorf("stores = %+v", stores)
	}

	cfg.CredsStore = "broken"
	_, stores = (&Store{Config: cfg}).Entries(context.Background())
	if !errors.As(stores[0].Err, &he) || he.Action != "list" || he.Message != "pass store is uninitialized" {
		t.Errorf("broken store = %+v", stores[0])
	}
}

// TestPassUninitialised: Debian's pass helper lists nothing, with status
// 0, from a store pass init never set up, where every docker login then
// fails to store: that is the store's error. A set-up store that is empty
// is not.
func TestPassUninitialised(t *testing.T) {
	fakeHelpers(t, map[string]string{"pass": `case "$1" in list) echo '{}';; get) echo '{"ServerURL":"","Username":"","Secret":""}';; esac`})
	home, bin := t.TempDir(), t.TempDir()
	path := ""
	store := &Store{Config: &Config{CredsStore: "pass"}, Getenv: func(k string) string {
		switch k {
		case "HOME":
			return home
		case "PATH":
			return path
		}
		return ""
	}}
	// The helper is there, pass is not: Debian's answers list with {}.
	_, stores := store.Entries(context.Background())
	var he *HelperError
	if len(stores) != 1 || !errors.As(stores[0].Err, &he) || !strings.Contains(he.Message, "pass is not installed") {
		t.Fatalf("pass not installed: %+v", stores)
	}
	// A key looked up there is not "nothing stored" but the same error:
	// no login could store one either.
	if e := store.Lookup(context.Background(), "myreg.azurecr.io"); e.NotFound || !errors.As(e.Err, &he) || he.Action != "get" || !strings.Contains(he.Message, "pass is not installed") {
		t.Errorf("Lookup with pass not installed: %+v", e)
	}
	// So with a login Docker thinks it holds (auths names the key): the
	// empty answer is pass missing, not an old helper to upgrade.
	store.Config.Auths = map[string]types.AuthConfig{"myreg.azurecr.io": {}}
	if e := store.Lookup(context.Background(), "myreg.azurecr.io"); !errors.As(e.Err, &he) || !strings.Contains(he.Message, "pass is not installed") {
		t.Errorf("Lookup of a login with pass not installed: %+v", e)
	}
	store.Config.Auths = nil
	writeExec(t, bin, "pass", "#!/bin/sh\n")
	path = bin
	if _, stores = store.Entries(context.Background()); !errors.As(stores[0].Err, &he) || !strings.Contains(he.Message, `"pass init"`) {
		t.Fatalf("an uninitialised pass store: %+v", stores)
	}
	dir := filepath.Join(home, ".password-store")
	sub := filepath.Join(dir, "docker-credential-helpers")
	if err := os.MkdirAll(filepath.Join(sub, ".gpg-id"), 0o700); err != nil { // a folder: none
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gpg-id"), nil, 0o600); err != nil { // empty: none
		t.Fatal(err)
	}
	if _, stores = store.Entries(context.Background()); stores[0].Err == nil {
		t.Errorf("a .gpg-id that is a folder or empty taken for a key")
	}
	for _, gpgID := range []string{filepath.Join(dir, ".gpg-id"), filepath.Join(sub, ".gpg-id")} {
		os.RemoveAll(filepath.Join(sub, ".gpg-id"))
		os.Remove(filepath.Join(dir, ".gpg-id"))
		if err := os.WriteFile(gpgID, []byte("0123ABCD\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, stores = store.Entries(context.Background()); stores[0].Err != nil {
			t.Errorf("an initialised, empty pass store (%s): %v", gpgID, stores[0].Err)
		}
	}
	// With HOME unset, pass looks in /.password-store, as does the check.
	home = ""
	if _, stores = store.Entries(context.Background()); !errors.As(stores[0].Err, &he) || !strings.Contains(he.Message, `"/.password-store"`) {
		t.Errorf("no HOME: %+v", stores)
	}
}

// TestPassUninitialisedWrapped: the same pass store behind
// docker-credential-acrdoctor, which passes list and get on to it, is the
// same finding: configure having wrapped a broken store does not hide it.
func TestPassUninitialisedWrapped(t *testing.T) {
	empty := `case "$1" in list) echo '{}';; get) echo "credentials not found in native keychain"; exit 1;; esac`
	fakeHelpers(t, map[string]string{"acrdoctor": empty, "pass": empty})
	// The fake helpers alone: no store Docker would pick by default, which
	// the backend from credsStore must not fall back to unseen.
	t.Setenv("PATH", filepath.SplitList(os.Getenv("PATH"))[0])
	bin := t.TempDir()
	writeExec(t, bin, "pass", "#!/bin/sh\n")
	env := map[string]string{"HOME": t.TempDir(), "PATH": bin}
	plugins := map[string]map[string]string{"acrdoctor": {"credential-backend": "pass"}}
	for _, tc := range []struct {
		name    string
		cfg     *Config
		backend string // ACRDOCTOR_CREDENTIAL_BACKEND
		broken  bool
	}{
		{"backend in config.json", &Config{CredsStore: "acrdoctor", Plugins: plugins}, "", true},
		{"backend in the environment", &Config{CredsStore: "acrdoctor"}, "pass", true},
		{"another backend", &Config{CredsStore: "acrdoctor", Plugins: plugins}, "secretservice", false},
		// No backend named: the wrapper, for a registry of credHelpers,
		// takes the credsStore the others go to.
		{"backend from credsStore", &Config{CredsStore: "pass", CredHelpers: map[string]string{"myreg.azurecr.io": "acrdoctor"}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env["ACRDOCTOR_CREDENTIAL_BACKEND"] = tc.backend
			store := &Store{Config: tc.cfg, Getenv: func(k string) string { return env[k] }}
			_, stores := store.Entries(context.Background())
			var he *HelperError
			if broken := len(stores) == 1 && errors.As(stores[0].Err, &he) && strings.Contains(he.Message, `"pass init"`); broken != tc.broken {
				t.Errorf("stores = %+v, want the uninitialised pass store: %v", stores, tc.broken)
			}
			if e := store.Lookup(context.Background(), "myreg.azurecr.io"); e.NotFound == tc.broken {
				t.Errorf("Lookup = %+v", e)
			}
		})
	}
}

func TestEntrySecret(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Username: credkind.TokenUsername, IdentityToken: jwt}, jwt},
		{Entry{Username: "u", Password: "p", IdentityToken: jwt}, jwt}, // Docker prefers the token
		{Entry{Username: "admin", Password: "s3cret"}, "s3cret"},
		{Entry{NotFound: true}, ""},
	}
	for _, tt := range tests {
		if got := tt.e.Secret(); got != tt.want {
			t.Errorf("Secret of %+v = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// TestLookupAsDockerFinds: with no key that is the host itself, Docker's
// file store takes the one key that names it with a scheme or a path; of
// several it takes any, and none is taken here.
func TestLookupAsDockerFinds(t *testing.T) {
	one := &Store{Config: &Config{Auths: map[string]types.AuthConfig{
		"https://myreg.azurecr.io/v2/": {Username: "myreg", Password: "pw"},
	}}}
	if e := one.Lookup(context.Background(), "myreg.azurecr.io"); e.NotFound || e.Password != "pw" || e.Registry != "https://myreg.azurecr.io/v2/" {
		t.Errorf("one key with a scheme: %+v", e)
	}
	two := &Store{Config: &Config{Auths: map[string]types.AuthConfig{
		"https://myreg.azurecr.io/v2/": {Username: "myreg", Password: "pw"},
		"myreg.azurecr.io/v1/":         {Username: "myreg", Password: "other"},
	}}}
	if e := two.Lookup(context.Background(), "myreg.azurecr.io"); !e.NotFound || e.Password != "" {
		t.Errorf("two keys Docker picks between: %+v", e)
	}
}

// TestOnPath: an executable in one of PATH's folders; an empty element is
// not the working folder, and a file that may not be run is none.
func TestOnPath(t *testing.T) {
	bin, cwd := t.TempDir(), t.TempDir()
	writeExec(t, bin, "pass", "#!/bin/sh\n")
	writeExec(t, cwd, "pass", "#!/bin/sh\n")
	if err := os.WriteFile(filepath.Join(cwd, "gpg"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	for _, tc := range []struct {
		path, name string
		want       bool
	}{
		{bin, "pass", true},
		{"/nonexistent" + string(os.PathListSeparator) + bin, "pass", true},
		{"", "pass", false},
		{string(os.PathListSeparator) + "/nonexistent", "pass", false},
		{".", "pass", false},
		{cwd, "gpg", false},
	} {
		if got := onPath(tc.path, tc.name); got != tc.want {
			t.Errorf("onPath(%q, %q) = %v, want %v", tc.path, tc.name, got, tc.want)
		}
	}
}

// TestLookupHungHelperOnce: a helper that ran out of time for one key is
// not waited on again: the next lookups through it fail at once, the
// same way.
func TestLookupHungHelperOnce(t *testing.T) {
	fakeHelpers(t, map[string]string{"hang": `sleep 30`})
	var calls int
	s := &Store{Config: &Config{CredsStore: "hang"}, Timeout: 200 * time.Millisecond, Trace: func(Call) { calls++ }}
	for _, key := range []string{"one.azurecr.io", "two.azurecr.io", "three.azurecr.io"} {
		var he *HelperError
		if e := s.Lookup(context.Background(), key); !errors.As(e.Err, &he) || he.Failure != HelperTimedOut {
			t.Errorf("%s: %v, want the helper's timeout", key, e.Err)
		}
	}
	if calls != 1 {
		t.Errorf("the hung helper was run %d times, want once", calls)
	}
}

// TestEntriesOf: keys not kept are not looked up: their helper is not run.
func TestEntriesOf(t *testing.T) {
	fakeHelpers(t, map[string]string{"ok": `read k; echo "{\"ServerURL\":\"$k\",\"Username\":\"u\",\"Secret\":\"s\"}"`})
	var asked []string
	s := &Store{Config: &Config{CredHelpers: map[string]string{"myreg.azurecr.io": "ok", "https://index.docker.io/v1/": "ok"}},
		Trace: func(c Call) { asked = append(asked, c.Server) }}
	entries, _ := s.EntriesOf(context.Background(), func(k string) bool { return strings.HasSuffix(k, ".azurecr.io") })
	if len(entries) != 1 || entries[0].Registry != "myreg.azurecr.io" || !slices.Equal(asked, []string{"myreg.azurecr.io"}) {
		t.Errorf("entries %+v, helper asked for %q", entries, asked)
	}
}

// TestEntriesHungStore: a store whose list ran out of time is not asked
// for each of config.json's keys after it.
func TestEntriesHungStore(t *testing.T) {
	fakeHelpers(t, map[string]string{"hang": `sleep 30`})
	var calls int
	s := &Store{Config: &Config{CredsStore: "hang", Auths: map[string]types.AuthConfig{"one.azurecr.io": {}, "two.azurecr.io": {}}},
		Timeout: 200 * time.Millisecond, Trace: func(Call) { calls++ }}
	entries, stores := s.Entries(context.Background())
	if len(stores) != 1 || stores[0].Err == nil || len(entries) != 2 || calls != 1 {
		t.Errorf("stores %+v, %d entries, the helper run %d times; want its list alone, timed out", stores, len(entries), calls)
	}
	for _, e := range entries {
		if e.Err == nil {
			t.Errorf("%s: no error from the hung store", e.Registry)
		}
	}
}
