package credstore

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// SourceKind is where Docker reads a credential from.
type SourceKind string

const (
	File        SourceKind = "file"
	CredsStore  SourceKind = "credsStore"
	CredHelpers SourceKind = "credHelpers"
	Env         SourceKind = "env"
)

// Source is a place that holds credentials: the file, the environment, or a
// helper named by credsStore or credHelpers.
type Source struct {
	Kind   SourceKind `json:"kind"`
	Helper string     `json:"helper,omitempty"` // helper suffix, for CredsStore and CredHelpers
}

// String is the form of DESIGN.md §4: file, credsStore:NAME,
// credHelpers:NAME, env:DOCKER_AUTH_CONFIG.
func (s Source) String() string {
	switch s.Kind {
	case CredsStore, CredHelpers:
		return string(s.Kind) + ":" + s.Helper
	case Env:
		return "env:DOCKER_AUTH_CONFIG"
	}
	return string(s.Kind)
}

// Entry is the credential Docker would use for one registry key.
type Entry struct {
	Registry string // the key, exactly as stored
	Source   Source
	Username string // as stored; credkind.TokenUsername for a helper-held identity token
	Password string
	// IdentityToken is an OAuth2 refresh token (for ACR, an ACR refresh
	// token): from `identitytoken` in the file, or a helper's `<token>` entry.
	IdentityToken string
	// NotFound is set when the source has no credential for the key, so
	// Docker sends none.
	NotFound bool
	// Err is the *HelperError of a helper that failed to answer.
	Err error
	// Shadowed are other places holding a credential for this key that
	// Docker does not read because Source comes first.
	Shadowed []Source
	// Namespaces is Config.Namespaces of the file the key is in: a key
	// with a scheme or a path is then its tool's own.
	Namespaces bool
	// PassFiles are, for a key pass holds (through docker-credential-pass,
	// or the wrapper over it), the files of its folder in the password
	// store, by name, as the helper reads them: each credential is a
	// username with .gpg, and the helper answers the first.
	PassFiles []PassFile
}

// PassFile is a file in a registry's folder of the password store.
type PassFile struct {
	Name    string
	ModTime time.Time
}

// Secret is what the entry authenticates with: the identity token if there
// is one (Docker prefers it), else the password.
func (e Entry) Secret() string {
	if e.IdentityToken != "" {
		return e.IdentityToken
	}
	return e.Password
}

// StoreStatus is the outcome of listing a credsStore helper.
type StoreStatus struct {
	Source  Source
	Default bool // picked by Docker's platform default, not written in config.json
	Entries int
	Err     error
}

// Store resolves credentials over a loaded config.
type Store struct {
	Config *Config
	// Timeout bounds each helper call; 0 means 5 s.
	Timeout time.Duration
	Trace   func(Call)
	// Getenv is the environment the helpers run in; nil means os.Getenv.
	Getenv func(string) string

	// hung are the helpers a get ran out of time on (name: its
	// *HelperError): a helper that hangs for one key hangs for the next,
	// so later lookups get the same answer at once instead of a timeout
	// each.
	hung sync.Map
}

// Helper is the helper program name, run as the store runs its helpers.
func (s *Store) Helper(name string) Helper {
	return Helper{Name: name, Timeout: s.Timeout, Trace: s.Trace}
}

// helperFor is the helper Docker runs for key, if any.
func (s *Store) helperFor(key string) (Source, bool) {
	if h, ok := s.Config.CredHelpers[key]; ok {
		return Source{Kind: CredHelpers, Helper: h}, true
	}
	if s.Config.CredsStore != "" {
		return Source{Kind: CredsStore, Helper: s.Config.CredsStore}, true
	}
	return Source{}, false
}

// Lookup returns the credential Docker would use for key, resolved in
// Docker's order: DOCKER_AUTH_CONFIG, credHelpers[key], credsStore, auths.
func (s *Store) Lookup(ctx context.Context, key string) Entry {
	e := Entry{Registry: key}
	fileAuth, inFile := s.Config.Auths[key]
	fileHolds := inFile && (fileAuth.Username != "" || fileAuth.Password != "" || fileAuth.IdentityToken != "")

	if env, ok := s.Config.Env[key]; ok {
		e.Source = Source{Kind: Env}
		e.Username, e.Password = env.Username, env.Password
		if src, ok := s.helperFor(key); ok {
			e.Shadowed = append(e.Shadowed, src)
		} else if fileHolds {
			e.Shadowed = append(e.Shadowed, Source{Kind: File})
		}
		return e
	}

	src, ok := s.helperFor(key)
	if !ok {
		if k, n := s.Config.FileKey(key); !inFile && n == 1 {
			e.Registry, fileAuth = k, s.Config.Auths[k]
			fileHolds = fileAuth.Username != "" || fileAuth.Password != "" || fileAuth.IdentityToken != ""
		}
		e.Source = Source{Kind: File}
		e.NotFound = !fileHolds
		e.Username, e.Password, e.IdentityToken = fileAuth.Username, fileAuth.Password, fileAuth.IdentityToken
		return e
	}
	e.Source = src
	if fileHolds {
		e.Shadowed = append(e.Shadowed, Source{Kind: File})
	}
	var cred Credential
	var err error
	var he *HelperError
	if v, ok := s.hung.Load(src.Helper); ok {
		err = v.(*HelperError)
	} else if cred, err = s.Helper(src.Helper).Get(ctx, key); errors.As(err, &he) && he.Failure == HelperTimedOut {
		s.hung.Store(src.Helper, he)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		e.NotFound = true
	case errors.As(err, &he) && he.Failure == HelperEmpty && !inFile:
		// Debian's golang-docker-credential-helpers 0.6.x answers so for
		// a key it does not hold, and Docker then sends no credential:
		// for a key Docker has no login for (none in auths), that is
		// nothing stored. With one, the store lost what Docker thinks it
		// holds: a finding.
		e.NotFound = true
	case err != nil:
		e.Err = err
	case cred.Username == credkind.TokenUsername:
		e.Username, e.IdentityToken = cred.Username, cred.Secret
	default:
		e.Username, e.Password = cred.Username, cred.Secret
	}
	if s.wraps(src.Helper) == "pass" {
		e.PassFiles = s.passFiles(key)
		if e.NotFound || Empty(e.Err) {
			// Nothing found in a pass that is missing or has no key is no
			// answer: Debian's helper says so for every key (empty, or not
			// found), and no login can store one there either.
			if err := s.passUninitialised("get"); err != nil {
				e.NotFound, e.Err = false, err
			}
		}
	}
	return e
}

// maxPassFiles bounds what passFiles lists: a registry's folder holds a
// file a username.
const maxPassFiles = 64

// passFiles lists key's folder in the password store, as
// docker-credential-pass names it (docker-credential-helpers/ and the key
// in URL-safe base64); nil when there is none, or it cannot be read.
func (s *Store) passFiles(key string) []PassFile {
	dir := filepath.Join(s.passStore(), "docker-credential-helpers", base64.URLEncoding.EncodeToString([]byte(key)))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil // and a named pipe there is never opened, which would wait for a writer
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	entries, _ := f.ReadDir(maxPassFiles)
	var files []PassFile
	for _, de := range entries {
		if fi, err := de.Info(); err == nil {
			files = append(files, PassFile{Name: de.Name(), ModTime: fi.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b PassFile) int { return strings.Compare(a.Name, b.Name) })
	return files
}

// passStore is the password store pass uses: PASSWORD_STORE_DIR, else
// ~/.password-store.
func (s *Store) passStore() string {
	if dir := s.getenv("PASSWORD_STORE_DIR"); dir != "" {
		return dir
	}
	return s.getenv("HOME") + "/.password-store" // as pass finds it, HOME unset too
}

// RunsHelper reports whether looking key up runs a credential helper
// (credHelpers or credsStore), rather than reading DOCKER_AUTH_CONFIG or
// config.json.
func (s *Store) RunsHelper(key string) bool {
	if _, ok := s.Config.Env[key]; ok {
		return false
	}
	_, ok := s.helperFor(key)
	return ok
}

// maxParallelHelpers bounds concurrent helper processes: each is a fork
// and, for pass, a GPG decryption.
const maxParallelHelpers = 4

// FileKey is the auths key Docker's file store reads host's credential
// from (docker/cli configfile GetAuthConfig): host itself, else a key that
// names it with a scheme or a path. Of several such keys it takes any
// one, a different one from run to run: n counts them, and key is then "".
func (c *Config) FileKey(host string) (key string, n int) {
	if _, ok := c.Auths[host]; ok {
		return host, 1
	}
	for k := range c.Auths {
		if loginserver.DockerHost(k) == host {
			key, n = k, n+1
		}
	}
	if n != 1 {
		key = ""
	}
	return key, n
}

// Usable says why the helper name cannot keep credentials here; nil when
// it can, as far as can be told without storing one: it answers list,
// and pass has a GPG key to encrypt with.
func (s *Store) Usable(ctx context.Context, name string) error {
	if _, err := s.Helper(name).List(ctx); err != nil {
		return err
	}
	if s.wraps(name) == "pass" {
		return s.passUninitialised("list")
	}
	return nil
}

// wraps is the helper that keeps the credentials of helper name: name
// itself, or for docker-credential-acrdoctor the backend it passes
// requests on to, chosen as it chooses it. A broken store stays a finding
// once configure has wrapped it.
func (s *Store) wraps(name string) string {
	if name != setting.Name {
		return name
	}
	if b := s.getenv(setting.BackendEnv); b != "" {
		return b
	}
	b, _ := configjson.Backend(s.Config.PluginSetting(setting.Backend), s.Config.CredsStore)
	return b
}

func (s *Store) getenv(key string) string {
	if s.Getenv == nil {
		return os.Getenv(key)
	}
	return s.Getenv(key)
}

// passUninitialised is the error, in the helper's action, of a pass store
// that is missing or has no GPG key set: its helper lists and finds
// nothing, and every docker login fails to store ("pass not
// initialized"). nil when it is set up, or when that cannot be told.
func (s *Store) passUninitialised(action string) error {
	getenv := s.getenv
	// Debian's helper answers list with {} when pass itself is missing.
	if !onPath(getenv("PATH"), "pass") {
		return &HelperError{Helper: "docker-credential-pass", Action: action, Failure: HelperFailed,
			Message: "pass is not installed: docker-credential-pass keeps every credential through it"}
	}
	dir := s.passStore()
	// pass takes the nearest .gpg-id above what it stores, and the helper
	// stores under docker-credential-helpers/ (pass init -p sets one
	// there); a .gpg-id that is empty, a folder or a dangling link is
	// none: pass and gpg refuse to store with it.
	for _, d := range []string{filepath.Join(dir, "docker-credential-helpers"), dir} {
		fi, err := os.Stat(filepath.Join(d, ".gpg-id"))
		if err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			return nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil // cannot be told
		}
	}
	return &HelperError{Helper: "docker-credential-pass", Action: action, Failure: HelperFailed,
		Message: "the password store " + strconv.Quote(dir) + " has no GPG key (no usable .gpg-id): docker login cannot store a credential in it; try \"pass init\""}
}

// onPath reports whether an executable name is in one of path's absolute
// folders: Go's exec, which docker-credential-pass runs pass with,
// refuses a program found through a relative one (or an empty one, the
// working folder).
func onPath(path, name string) bool {
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// Entries returns every credential Docker holds, one per registry key, in
// key order, with the outcome of listing the credsStore helper.
func (s *Store) Entries(ctx context.Context) ([]Entry, []StoreStatus) {
	return s.EntriesOf(ctx, nil)
}

// EntriesOf is Entries for the keys keep keeps (nil: all): the others are
// not looked up, so no helper decrypts a secret that is not asked for.
func (s *Store) EntriesOf(ctx context.Context, keep func(key string) bool) ([]Entry, []StoreStatus) {
	keys := make(map[string]struct{})
	for k := range s.Config.Env {
		keys[k] = struct{}{}
	}
	for k := range s.Config.CredHelpers {
		keys[k] = struct{}{}
	}
	for k := range s.Config.Auths {
		keys[k] = struct{}{}
	}
	var stores []StoreStatus
	if name := s.Config.CredsStore; name != "" {
		st := StoreStatus{Source: Source{Kind: CredsStore, Helper: name}, Default: s.Config.DefaultStore}
		list, err := s.Helper(name).List(ctx)
		if err == nil && len(list) == 0 && s.wraps(name) == "pass" {
			err = s.passUninitialised("list")
		}
		if he := (*HelperError)(nil); errors.As(err, &he) && he.Failure == HelperTimedOut {
			s.hung.Store(name, he) // its gets would hang as its list did
		}
		st.Entries, st.Err = len(list), err
		for k := range list {
			keys[k] = struct{}{}
		}
		stores = append(stores, st)
	}

	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if keep == nil || keep(k) {
			sorted = append(sorted, k)
		}
	}
	slices.Sort(sorted)

	entries := make([]Entry, len(sorted))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelHelpers)
	for i, key := range sorted {
		if !s.RunsHelper(key) {
			entries[i] = s.Lookup(ctx, key)
			continue
		}
		// Taken before the goroutine starts, so that thousands of keys
		// wait here rather than as thousands of parked goroutines.
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			entries[i] = s.Lookup(ctx, key)
		})
	}
	wg.Wait()
	return entries, stores
}
