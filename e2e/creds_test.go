package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const (
	nullGUID = "00000000-0000-0000-0000-000000000000"
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// credsJSON is the part of `creds --format json` the tests read.
type credsJSON struct {
	Config      string       `json:"config"`
	Credentials []credential `json:"credentials"`
	Stores      []struct {
		Source  string `json:"source"`
		Entries int    `json:"entries"`
	} `json:"stores"`
}

type credential struct {
	Registry    string `json:"registry"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Username    string `json:"username"`
	Fingerprint string `json:"fingerprint"`
	Token       *struct {
		Subject   string     `json:"subject"`
		Tenant    string     `json:"tenant"`
		ExpiresAt *time.Time `json:"expires_at"`
		Expired   bool       `json:"expired"`
	} `json:"token"`
	Causes []struct {
		ID       string   `json:"id"`
		Severity string   `json:"severity"`
		Evidence string   `json:"evidence"`
		Fix      []string `json:"remediation"`
	} `json:"causes"`
}

func decodeCreds(t *testing.T, r result) credsJSON {
	t.Helper()
	var c credsJSON
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("creds --format json is not JSON: %v\n%v", err, r)
	}
	return c
}

type want struct {
	source, kind string
	expired      bool
	causes       []string // cause IDs, in order; "!" prefix for a warning
}

func checkCreds(t *testing.T, got credsJSON, wants map[string]want) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range got.Credentials {
		w, ok := wants[c.Registry]
		if !ok {
			t.Errorf("unexpected credential %q (%s)", c.Registry, c.Kind)
			continue
		}
		seen[c.Registry] = true
		var causes []string
		for _, cs := range c.Causes {
			id := cs.ID
			if cs.Severity == "warning" {
				id = "!" + id
			}
			causes = append(causes, id)
		}
		if c.Source != w.source || c.Kind != w.kind || !slices.Equal(causes, w.causes) {
			t.Errorf("%s: source %s kind %s causes %v; want %s %s %v", c.Registry, c.Source, c.Kind, causes, w.source, w.kind, w.causes)
		}
		if c.Token != nil && c.Token.Expired != w.expired {
			t.Errorf("%s: expired = %v, want %v", c.Registry, c.Token.Expired, w.expired)
		}
	}
	for reg := range wants {
		if !seen[reg] {
			t.Errorf("credential %q missing from the report", reg)
		}
	}
}

// TestCredsFileAndHelpers: credentials in the file as `docker login` writes
// them, and credHelpers naming a helper that does not exist and one that hangs.
func TestCredsFileAndHelpers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	s := tokentest.Default()
	expired := s.Sign(tokentest.ACRRefresh("expired.azurecr.io", "alice@contoso.com", tenant, now.Add(-5*time.Hour), "read", "write"))
	fresh := s.Sign(tokentest.ACRRefresh("fresh.azurecr.io", "alice@contoso.com", tenant, now.Add(-10*time.Minute), "read"))
	const adminPassword = "Adm1nPassw0rd+fromTheFixture"
	const hubPassword = "hub-password-from-the-fixture"
	e.writeConfig(`{
  "auths": {
    "expired.azurecr.io": {"auth": "` + b64(nullGUID+":") + `", "identitytoken": "` + expired + `"},
    "fresh.azurecr.io": {"auth": "` + b64(nullGUID+":") + `", "identitytoken": "` + fresh + `"},
    "adminreg.azurecr.io": {"auth": "` + b64("adminreg:"+adminPassword) + `"},
    "MyReg.azurecr.io": {"auth": "` + b64("adminreg:"+adminPassword) + `"},
    "https://index.docker.io/v1/": {"auth": "` + b64("hubuser:"+hubPassword) + `"}
  },
  "credHelpers": {
    "missing.azurecr.io": "nosuchhelper",
    "hungreg.azurecr.io": "hang"
  }
}`)
	e.helper("hang", "sleep 60\n")
	secrets := []string{expired, fresh, adminPassword, hubPassword, b64("adminreg:" + adminPassword)}

	start := time.Now()
	r := e.docker("acrdoctor", "creds", "--format", "json", "--timeout", "1s")
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("creds took %v with a hung helper and --timeout 1s", took)
	}
	if r.code != 1 {
		t.Fatalf("want exit 1 (problems found): %v", r)
	}
	got := decodeCreds(t, r)
	if !strings.HasSuffix(got.Config, "/docker/config.json") {
		t.Errorf("config = %q, want the sandbox's DOCKER_CONFIG", got.Config)
	}
	checkCreds(t, got, map[string]want{
		"expired.azurecr.io":  {source: "file", kind: "refresh_token", expired: true, causes: []string{"expired_credentials"}},
		"fresh.azurecr.io":    {source: "file", kind: "refresh_token"},
		"adminreg.azurecr.io": {source: "file", kind: "admin_user"},
		"MyReg.azurecr.io":    {source: "file", kind: "repository_token", causes: []string{"registry_name"}},
		"missing.azurecr.io":  {source: "credHelpers:nosuchhelper", kind: "unknown", causes: []string{"credential_store"}},
		"hungreg.azurecr.io":  {source: "credHelpers:hang", kind: "unknown", causes: []string{"credential_store"}},
	})
	for _, c := range got.Credentials {
		switch c.Registry {
		case "expired.azurecr.io":
			if c.Token == nil || c.Token.Subject != "alice@contoso.com" || c.Token.Tenant != tenant || c.Token.ExpiresAt == nil {
				t.Errorf("expired token claims = %+v", c.Token)
			}
			if c.Username != nullGUID || !regexp.MustCompile(`^hmac:[0-9a-f]{12}$`).MatchString(c.Fingerprint) {
				t.Errorf("username %q fingerprint %q", c.Username, c.Fingerprint)
			}
			if fix := c.Causes[0].Fix; len(fix) == 0 || fix[0] != "az acr login -n expired" {
				t.Errorf("remediation = %q", fix)
			}
		case "missing.azurecr.io":
			if ev := c.Causes[0].Evidence; !strings.Contains(ev, "docker-credential-nosuchhelper") || !strings.Contains(ev, "not found") {
				t.Errorf("evidence = %q", ev)
			}
		case "hungreg.azurecr.io":
			if ev := c.Causes[0].Evidence; !strings.Contains(ev, "no answer in time") {
				t.Errorf("evidence = %q", ev)
			}
		}
	}

	// --all adds Docker Hub; nothing else changes.
	all := decodeCreds(t, e.docker("acrdoctor", "creds", "--all", "--format", "json", "--timeout", "1s"))
	hub := slices.IndexFunc(all.Credentials, func(c credential) bool { return c.Registry == "https://index.docker.io/v1/" })
	if len(all.Credentials) != len(got.Credentials)+1 || hub < 0 || all.Credentials[hub].Kind != "unknown" || len(all.Credentials[hub].Causes) != 0 {
		t.Errorf("--all listed %d credentials (Docker Hub at %d), want %d", len(all.Credentials), hub, len(got.Credentials)+1)
	}

	// -D traces each helper run.
	if r := e.docker("-D", "acrdoctor", "creds", "--timeout", "1s"); !strings.Contains(r.stderr, "docker-credential-hang get hungreg.azurecr.io: docker-credential-hang get: no answer in time") {
		t.Errorf("-D does not trace the hung helper: %v", r)
	}

	assertNoSecrets(t, e, secrets, [][]string{
		{"acrdoctor", "creds", "--timeout", "1s"},
		{"acrdoctor", "creds", "--all", "--format", "json", "--timeout", "1s"},
		{"acrdoctor", "creds", "--all", "--format", "{{json .}}", "--timeout", "1s"},
		{"-D", "acrdoctor", "creds", "--all", "--timeout", "1s"},
	})
}

// TestCredsPass: credsStore "pass" with the real docker-credential-pass.
func TestCredsPass(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withPass()
	now := time.Now()
	s := tokentest.Default()
	// Issued 3h10m ago: 5 minutes of its 3h15m left.
	expiring := s.Sign(tokentest.ACRRefresh("passreg.azurecr.io", "bob@contoso.com", tenant, now.Add(-3*time.Hour-10*time.Minute), "read", "write", "delete"))
	e.passStore("passreg.azurecr.io", "<token>", expiring)
	// Docker keeps an empty auths entry beside a store's credentials; the
	// second is one the store never had (Debian's pass helper answers empty).
	e.writeConfig(`{"auths": {"passreg.azurecr.io": {}, "goneregistry.azurecr.io": {}}, "credsStore": "pass"}`)

	r := e.docker("acrdoctor", "creds", "--format", "json")
	if r.code != 1 {
		t.Fatalf("want exit 1: %v", r)
	}
	got := decodeCreds(t, r)
	checkCreds(t, got, map[string]want{
		"passreg.azurecr.io":      {source: "credsStore:pass", kind: "refresh_token", causes: []string{"!expired_credentials"}},
		"goneregistry.azurecr.io": {source: "credsStore:pass", kind: "unknown", causes: []string{"credential_store"}},
	})
	if len(got.Stores) != 1 || got.Stores[0].Source != "credsStore:pass" || got.Stores[0].Entries != 1 {
		t.Errorf("stores = %+v", got.Stores)
	}
	for _, c := range got.Credentials {
		if c.Registry == "passreg.azurecr.io" && (c.Username != "<token>" || c.Token == nil || c.Token.Subject != "bob@contoso.com") {
			t.Errorf("passreg = %+v", c)
		}
	}
	assertNoSecrets(t, e, []string{expiring}, [][]string{
		{"acrdoctor", "creds"},
		{"-D", "acrdoctor", "creds", "--format", "json"},
	})

	// A registry never logged in to, named: the helper answers it empty,
	// which is nothing stored, not a broken store.
	r = e.docker("acrdoctor", "check", "--offline", "--format", "json", "never.azurecr.io")
	if r.code != 0 || strings.Contains(r.stdout, `"severity": "error"`) || !strings.Contains(r.stdout, `"kind": "anonymous"`) {
		t.Errorf("a registry never logged in to: %v", r)
	}
}

// TestCredsPassEmptyFolder: a registry's folder in the real pass store
// that holds no credential (one removed by hand) makes docker-credential-
// pass fail every list and that registry's get. The fix is to remove the
// folder, not pass init: run as printed, it mends the store.
func TestCredsPassEmptyFolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withPass()
	e.passStore("keptreg.azurecr.io", "keptreg", "kept-password")
	var store string
	for _, kv := range e.vars {
		if v, ok := strings.CutPrefix(kv, "PASSWORD_STORE_DIR="); ok {
			store = v
		}
	}
	empty := filepath.Join(store, "docker-credential-helpers", base64.URLEncoding.EncodeToString([]byte("emptied.azurecr.io")))
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(`{"auths": {"keptreg.azurecr.io": {}, "emptied.azurecr.io": {}}, "credsStore": "pass"}`)

	r := e.docker("acrdoctor", "creds")
	var rmdir string
	for _, line := range strings.Split(r.stdout, "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "→ rmdir "); ok && rmdir == "" {
			rmdir = "rmdir " + cmd
		}
	}
	if r.code != 1 || rmdir == "" || strings.Contains(r.stdout, "pass init") || !strings.Contains(r.stdout, "az acr login -n emptied") {
		t.Fatalf("want the empty folder's removal, not pass init: %v", r)
	}
	if fix := e.run("", "sh", "-c", rmdir); fix.code != 0 {
		t.Fatalf("%s: %v", rmdir, fix)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("%s left the folder: %v", rmdir, err)
	}
	got := decodeCreds(t, e.docker("acrdoctor", "creds", "--all", "--format", "json"))
	if len(got.Stores) != 1 || got.Stores[0].Entries != 1 {
		t.Errorf("after %s, stores = %+v", rmdir, got.Stores)
	}
	// The emptied registry now holds nothing, which Debian's helper
	// answers empty, as for goneregistry in TestCredsPass.
	checkCreds(t, got, map[string]want{
		"keptreg.azurecr.io": {source: "credsStore:pass", kind: "admin_user"},
		"emptied.azurecr.io": {source: "credsStore:pass", kind: "unknown", causes: []string{"credential_store"}},
	})
}

// TestCredsPassFolderFiles: a registry's folder in the real pass store
// with a file that is no credential (.keep), which docker-credential-pass
// reads first and fails on; and one with two credentials, where the helper
// answers the first by name and the later login is ignored. Each fix, run
// as printed, mends it.
func TestCredsPassFolderFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withPass()
	e.passStore("strayreg.azurecr.io", "strayreg", "stray-password")
	e.passStore("tworeg.azurecr.io", "aaa-old-principal", "old-password")
	e.passStore("tworeg.azurecr.io", "tworeg", "new-password")
	var store string
	for _, kv := range e.vars {
		if v, ok := strings.CutPrefix(kv, "PASSWORD_STORE_DIR="); ok {
			store = v
		}
	}
	folder := func(key string) string {
		return filepath.Join(store, "docker-credential-helpers", base64.URLEncoding.EncodeToString([]byte(key)))
	}
	if err := os.WriteFile(filepath.Join(folder("strayreg.azurecr.io"), ".keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour) // the earlier login, an hour before
	if err := os.Chtimes(filepath.Join(folder("tworeg.azurecr.io"), "aaa-old-principal.gpg"), old, old); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(`{"auths": {"strayreg.azurecr.io": {}, "tworeg.azurecr.io": {}}, "credsStore": "pass"}`)

	r := e.docker("acrdoctor", "creds")
	var rm string
	for _, line := range strings.Split(r.stdout, "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "→ rm "); ok {
			rm = "rm " + cmd
		}
	}
	if r.code != 1 || rm == "" || !strings.Contains(r.stdout, "the latest login is ignored") || !strings.Contains(r.stdout, "docker logout tworeg.azurecr.io") {
		t.Fatalf("want the stray file's removal and the ignored login: %v", r)
	}
	if fix := e.run("", "sh", "-c", rm); fix.code != 0 {
		t.Fatalf("%s: %v", rm, fix)
	}
	if fix := e.docker("logout", "tworeg.azurecr.io"); fix.code != 0 {
		t.Fatalf("docker logout: %v", fix)
	}
	e.passStore("tworeg.azurecr.io", "tworeg", "new-password") // the login again
	got := decodeCreds(t, e.docker("acrdoctor", "creds", "--format", "json"))
	checkCreds(t, got, map[string]want{
		"strayreg.azurecr.io": {source: "credsStore:pass", kind: "admin_user"},
		"tworeg.azurecr.io":   {source: "credsStore:pass", kind: "admin_user"},
	})
}

// TestCredsPassLockedKey: pass's key locked by a passphrase that gpg
// cannot ask for (Docker runs helpers with no terminal) fails with "No
// secret key", as a missing key does. The fix unlocks the key that
// encrypted the credential, in a terminal; run as printed while the user
// answers the pinentry, it mends the store (gpg-connect-agent
// reloadagent, the advice before, would have emptied gpg-agent's cache).
// The store's top .gpg-id names another key, which pass does not use for
// docker-credential-helpers/ (pass init -p): the fix must not unlock that.
func TestCredsPassLockedKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withPassKey("e2e passphrase")
	var store, gnupg string
	for _, kv := range e.vars {
		if v, ok := strings.CutPrefix(kv, "PASSWORD_STORE_DIR="); ok {
			store = v
		}
		if v, ok := strings.CutPrefix(kv, "GNUPGHOME="); ok {
			gnupg = v
		}
	}
	// The key of the store's top .gpg-id now stands for the one it had
	// when docker-credential-helpers/ got a .gpg-id of its own: a second
	// key, without a passphrase, which unlocks nothing the helper reads.
	key, err := os.ReadFile(filepath.Join(store, ".gpg-id"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "pass", "init", "-p", "docker-credential-helpers", strings.TrimSpace(string(key))); r.code != 0 {
		t.Fatalf("pass init -p: %v", r)
	}
	if r := e.run("", "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-generate-key", "other <other@acr-doctor.invalid>", "future-default", "default", "never"); r.code != 0 {
		t.Fatalf("gpg key: %v", r)
	}
	if err := os.WriteFile(filepath.Join(store, ".gpg-id"), []byte("other@acr-doctor.invalid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.passStore("lockedreg.azurecr.io", "lockedreg", "locked-password")
	if r := e.run("", "gpgconf", "--reload", "gpg-agent"); r.code != 0 { // forget the passphrase
		t.Fatalf("gpgconf: %v", r)
	}
	e.writeConfig(`{"auths": {"lockedreg.azurecr.io": {}}, "credsStore": "pass"}`)

	r := e.docker("acrdoctor", "creds")
	var unlock string
	for _, line := range strings.Split(r.stdout, "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "→ "); ok && strings.HasPrefix(cmd, `export GPG_TTY=`) {
			unlock = cmd
		}
	}
	if r.code != 1 || unlock == "" || !strings.Contains(r.stdout, `if gpg says "No secret key" there too`) || strings.Contains(r.stdout, "reloadagent") {
		t.Fatalf("want the locked key's fix: %v", r)
	}
	// The doctor reads without asking for the passphrase: a pinentry
	// would take the user's terminal, and outlive the helper's time.
	if _, err := os.Stat(filepath.Join(gnupg, "pinentry.log")); !os.IsNotExist(err) {
		t.Errorf("creds started a pinentry: %v", err)
	}
	if err := os.WriteFile(filepath.Join(gnupg, "pin-ok"), nil, 0o600); err != nil { // the user types it
		t.Fatal(err)
	}
	if got := e.run("", "sh", "-c", unlock); got.code != 0 {
		t.Fatalf("%s: %v", unlock, got)
	}
	if err := os.Remove(filepath.Join(gnupg, "pin-ok")); err != nil { // and Docker's helper has no terminal
		t.Fatal(err)
	}
	got := decodeCreds(t, e.docker("acrdoctor", "creds", "--format", "json"))
	checkCreds(t, got, map[string]want{"lockedreg.azurecr.io": {source: "credsStore:pass", kind: "admin_user"}})
}

// assertNoSecrets runs each command and fails if any secret, or a long
// piece of one, shows in stdout or stderr.
func assertNoSecrets(t *testing.T, e *env, secrets []string, commands [][]string) {
	t.Helper()
	for _, args := range commands {
		r := e.docker(args...)
		if r.code > 1 {
			t.Errorf("docker %v: %v", args, r)
		}
		for _, s := range secrets {
			for _, piece := range secretPieces(s) {
				if strings.Contains(r.stdout, piece) || strings.Contains(r.stderr, piece) {
					t.Errorf("docker %v printed part of a secret (%q…)", args, piece[:8])
				}
			}
		}
	}
}

// secretPieces: the secret, and for a JWT its payload and signature (the
// header alone is public knowledge).
func secretPieces(s string) []string {
	parts := strings.Split(s, ".")
	if len(parts) == 3 {
		return []string{s, parts[1], parts[2]}
	}
	return []string{s}
}
