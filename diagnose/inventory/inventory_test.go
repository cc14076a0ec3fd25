package inventory

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func file(key, user, pass, idtok string) credstore.Entry {
	return credstore.Entry{Registry: key, Source: credstore.Source{Kind: credstore.File}, Username: user, Password: pass, IdentityToken: idtok}
}

func inHelper(helper, key, user, secret string) credstore.Entry {
	e := credstore.Entry{Registry: key, Source: credstore.Source{Kind: credstore.CredsStore, Helper: helper}, Username: user}
	if user == credkind.TokenUsername {
		e.IdentityToken = secret
	} else {
		e.Password = secret
	}
	return e
}

func TestAssess(t *testing.T) {
	s := tokentest.Default()
	refresh := func(host string, iat time.Time) string {
		return s.Sign(tokentest.ACRRefresh(host, "alice@contoso.com", tenant, iat, "read", "write"))
	}
	valid := refresh("myreg.azurecr.io", now.Add(-time.Hour))
	expired := refresh("myreg.azurecr.io", now.Add(-4*time.Hour))
	expiring := refresh("myreg.azurecr.io", now.Add(-3*time.Hour-10*time.Minute))
	future := refresh("myreg.azurecr.io", now.Add(2*time.Hour))
	otherAud := refresh("other.azurecr.io", now.Add(-time.Hour))
	access := s.Sign(tokentest.ACRAccess("myreg.azurecr.io", "alice@contoso.com", tenant, now.Add(-time.Minute)))
	aad := s.Sign(tokentest.AAD(tenant, "alice@contoso.com", now.Add(-time.Minute)))

	tests := []struct {
		name   string
		entry  credstore.Entry
		acr    bool
		kind   credkind.Kind
		causes []string // "!" marks a warning
	}{
		{"refresh token in the file", file("myreg.azurecr.io", credkind.NullGUID, "", valid), true, credkind.RefreshToken, nil},
		{"refresh token in a helper", inHelper("pass", "myreg.azurecr.io", "<token>", valid), true, credkind.RefreshToken, nil},
		{"expose-token style login", file("myreg.azurecr.io", credkind.NullGUID, valid, ""), true, credkind.RefreshToken, nil},
		{"expired", file("myreg.azurecr.io", credkind.NullGUID, "", expired), true, credkind.RefreshToken, []string{"expired_credentials"}},
		{"expiring in 5 minutes", file("myreg.azurecr.io", credkind.NullGUID, "", expiring), true, credkind.RefreshToken, []string{"!expired_credentials"}},
		{"not valid for two hours", file("myreg.azurecr.io", credkind.NullGUID, "", future), true, credkind.RefreshToken, []string{"clock_skew"}},
		{"token for another registry", file("myreg.azurecr.io", credkind.NullGUID, "", otherAud), true, credkind.RefreshToken, []string{"invalid_credentials"}},
		{"ACR token with a non-GUID username", file("myreg.azurecr.io", "alice", valid, ""), true, credkind.RefreshToken, []string{"invalid_credentials"}},
		{"access token as identity token", file("myreg.azurecr.io", credkind.NullGUID, "", access), true, credkind.IdentityToken, []string{"!expired_credentials"}},
		{"AAD token as password", file("myreg.azurecr.io", credkind.NullGUID, aad, ""), true, credkind.AADToken, []string{"invalid_credentials"}},
		{"AAD token as identity token", file("myreg.azurecr.io", "", "", aad), true, credkind.AADToken, []string{"invalid_credentials"}},
		{"admin user", file("myreg.azurecr.io", "myreg", "pw", ""), true, credkind.AdminUser, nil},
		{"admin user, other case", file("myreg.azurecr.io", "MyReg", "pw", ""), true, credkind.AdminUser, nil},
		{"service principal", file("myreg.azurecr.io", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", "sp-secret", ""), true, credkind.ServicePrincipal, nil},
		{"repository token", file("myreg.azurecr.io", "ci-pull", "pw", ""), true, credkind.RepositoryToken, nil},
		{"e-mail as username", file("myreg.azurecr.io", "alice@contoso.com", "pw", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"null GUID, password not a token", file("myreg.azurecr.io", credkind.NullGUID, "hunter2", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"null GUID, token lost", file("myreg.azurecr.io", credkind.NullGUID, "", ""), true, credkind.Unknown, []string{"credential_store"}},
		{"identity token that is not a JWT", inHelper("pass", "myreg.azurecr.io", "<token>", "not-a-token"), true, credkind.IdentityToken, []string{"invalid_credentials"}},
		{"<token> with nothing", inHelper("pass", "myreg.azurecr.io", "<token>", ""), true, credkind.Anonymous, []string{"!credential_store"}},
		{"token and null GUID swapped", file("myreg.azurecr.io", valid, credkind.NullGUID, ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"swapped, the token padded", file("myreg.azurecr.io", "  "+valid+"\n", credkind.NullGUID, ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"admin user swapped", file("myreg.azurecr.io", "Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt", "myreg", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"service principal swapped", file("myreg.azurecr.io", "wJ88Q~5tFhcV3Sdf.bGz2Kc3lQfC7Vd8zQxT1bbL", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		// The secret in the username is hidden whatever it looks like: a
		// few digits only, a word, a token cut by a line break.
		{"admin user swapped, few digits", file("myreg.azurecr.io", "Tvo/hBKqFYY/kv5ZJr3J1TWDtkwtDDb+xHKas1VOqg+ACRD6YYZY", "myreg", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"admin user swapped, a word", file("myreg.azurecr.io", "hunter2-longer", "MyReg", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"ACR token under a generated password as the username", file("myreg.azurecr.io", "Tvo/hBKqFYY/kv5ZJr3J1TWDtkwtDDb+xHKas1VOqg+ACRD6YYZY", valid, ""), true, credkind.RefreshToken, []string{"invalid_credentials"}},
		// Keys that are no well-formed login server hide it too.
		{"service principal swapped, a port in the key", file("myreg.azurecr.io:443", "sEcReT7word", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", ""), true, credkind.Unknown, []string{"registry_name"}},
		{"service principal swapped, a misspelt suffix", file("myreg.azurcr.io", "sEcReT7word", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", ""), true, credkind.Unknown, []string{"registry_name"}},
		{"service principal swapped, a word", file("myreg.azurecr.io", "hunter2xyz", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"service principal swapped, few digits", file("myreg.azurecr.io", "PtY8Q~gjmUh.Bel31iEl2hpChYgCfrL1spNxnyVm", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"token cut by a line break, swapped", file("myreg.azurecr.io", valid[:40]+"\n"+valid[40:], credkind.NullGUID, ""), true, credkind.Unknown, []string{"invalid_credentials"}},
		{"truncated token", file("myreg.azurecr.io", credkind.NullGUID, "", valid[:len(valid)/2]), true, credkind.IdentityToken, []string{"credential_store"}},
		{"token with its signature cut", file("myreg.azurecr.io", credkind.NullGUID, "", valid[:len(valid)-20]), true, credkind.RefreshToken, []string{"credential_store"}},
		{"upper case key", file("MyReg.azurecr.io", "myreg", "pw", ""), true, credkind.AdminUser, []string{"registry_name"}},
		// Docker's file store drops a scheme and a path when it looks up a
		// key; a helper is asked for the bare host, and a port is kept.
		{"scheme and path in the file", file("https://myreg.azurecr.io/v2/", "myreg", "pw", ""), true, credkind.AdminUser, []string{"!registry_name", "!registry_name"}},
		{"scheme in a helper", inHelper("pass", "https://myreg.azurecr.io", "myreg", "pw"), true, credkind.AdminUser, []string{"registry_name"}},
		{"port in the file", file("myreg.azurecr.io:443", "myreg", "pw", ""), true, credkind.AdminUser, []string{"registry_name"}},
		{"misspelt suffix", file("myreg.azurecr.com", "myreg", "pw", ""), true, credkind.AdminUser, []string{"registry_name"}},
		{"regional endpoint", file("myreg.westeurope.geo.azurecr.io", credkind.NullGUID, "", refresh("myreg.azurecr.io", now.Add(-time.Hour))), true, credkind.RefreshToken, nil},
		{"empty placeholder", file("myreg.azurecr.io", "", "", ""), true, credkind.Anonymous, nil},
		{"helper has nothing", credstore.Entry{Registry: "myreg.azurecr.io", Source: credstore.Source{Kind: credstore.CredHelpers, Helper: "acr-env"}, NotFound: true}, true, credkind.Anonymous, []string{"!credential_store"}},
		{"helper failed", credstore.Entry{Registry: "myreg.azurecr.io", Source: credstore.Source{Kind: credstore.CredsStore, Helper: "pass"},
			Err: &credstore.HelperError{Helper: "docker-credential-pass", Action: "get", Failure: credstore.HelperFailed, Message: "pass store is uninitialized"}}, true, credkind.Unknown, []string{"credential_store"}},
		{"Docker Hub", file("https://index.docker.io/v1/", "hubuser", "pw", ""), false, credkind.Unknown, nil},
		{"other registry with a token", file("ghcr.io", "", "", valid), false, credkind.RefreshToken, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Assess(tt.entry, now)
			var ids []string
			for _, cs := range c.Causes {
				id := string(cs.ID)
				if cs.Severity == cause.Warning {
					id = "!" + id
				}
				ids = append(ids, id)
				if cs.Title == "" || len(cs.Docs) == 0 || cs.Evidence == "" {
					t.Errorf("cause %s lacks title, docs or evidence: %+v", cs.ID, cs)
				}
			}
			if c.ACR != tt.acr || c.Kind != tt.kind || !slices.Equal(ids, tt.causes) {
				t.Errorf("Assess = acr %v kind %s causes %v; want %v %s %v", c.ACR, c.Kind, ids, tt.acr, tt.kind, tt.causes)
			}
			if secret := tt.entry.Secret(); secret != "" && c.Fingerprint == "" {
				t.Error("no fingerprint for a secret")
			}
			if tt.entry.Secret() != credkind.NullGUID { // swapped: the username is the secret
				assertNoSecret(t, c, tt.entry.Secret())
			}
			if credkind.SecretUsername(tt.entry.Username, tt.entry.Secret(), "myreg") {
				assertNoSecret(t, c, tt.entry.Username)
				for _, piece := range strings.Fields(tt.entry.Username) {
					assertNoSecret(t, c, piece)
				}
			}
		})
	}
}

// assertNoSecret fails when any text of the report holds the secret.
func assertNoSecret(t *testing.T, c report.Credential, secret string) {
	t.Helper()
	if len(secret) < 8 {
		return
	}
	texts := []string{c.Username, c.Fingerprint}
	for _, cs := range c.Causes {
		texts = append(texts, cs.Evidence)
		texts = append(texts, cs.Remediation...)
	}
	for _, s := range texts {
		if strings.Contains(s, secret) || (len(secret) > 40 && strings.Contains(s, secret[len(secret)-40:])) {
			t.Errorf("report holds the secret: %q", s)
		}
	}
}

func TestRemediationNamesTheRegistry(t *testing.T) {
	s := tokentest.Default()
	expired := s.Sign(tokentest.ACRRefresh("contosoprod.azurecr.io", "ci", tenant, now.Add(-5*time.Hour)))
	c := Assess(file("contosoprod.azurecr.io", credkind.NullGUID, "", expired), now)
	if len(c.Causes) != 1 {
		t.Fatalf("causes = %+v", c.Causes)
	}
	cs := c.Causes[0]
	if cs.Remediation[0] != "az acr login -n contosoprod" || !strings.Contains(cs.Remediation[1], "docker login contosoprod.azurecr.io -u "+credkind.NullGUID+" --password-stdin") {
		t.Errorf("remediation = %q", cs.Remediation)
	}
	if !strings.Contains(cs.Evidence, "expired 1h45m ago, at 2026-11-29 10:15:00 UTC") {
		t.Errorf("evidence = %q", cs.Evidence)
	}
	if cs.CheckHealth != "CONNECTIVITY_REFRESH_TOKEN_ERROR" {
		t.Errorf("check-health code = %q", cs.CheckHealth)
	}
}

func TestHelperCauses(t *testing.T) {
	tests := []struct {
		failure credstore.HelperFailure
		message string
		fix     string
	}{
		{credstore.HelperMissing, "", "install docker-credential-x"},
		{credstore.HelperNotExecutable, "", "chmod +x"},
		{credstore.HelperTimedOut, "", "gpg -d \"$f\""}, // unlocks; reloadagent would empty the cache
		{credstore.HelperEmpty, "", "upgrade the helper"},
		{credstore.HelperGarbage, "", "reinstall docker-credential-x"},
		{credstore.HelperFailed, "pass store is uninitialized", "pass init"},
		{credstore.HelperFailed, "pass not initialized", "pass init"},
		{credstore.HelperFailed, `pass not initialized: exec: "pass": executable file not found in $PATH:`, "install pass"},
		{credstore.HelperFailed, "Cannot autolaunch D-Bus without X11 $DISPLAY", "dbus-launch"},
		{credstore.HelperFailed, "Error from list function in secretservice_linux.c likely due to error in secretservice library", "use pass"},
		{credstore.HelperFailed, "User interaction is not allowed.", "unlock-keychain"},
		{credstore.HelperFailed, "The stub received bad data.", "wincred"},
		{credstore.HelperFailed, "gpg: decryption failed: No secret key", "gpg --import"},
		// An emptied folder in a working store: not pass init.
		{credstore.HelperFailed, "no usernames for myreg.azurecr.io", "rmdir \"${PASSWORD_STORE_DIR:-$HOME/.password-store}\"/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw=="},
		{credstore.HelperFailed, "something else", "echo myreg.azurecr.io | docker-credential-x get"},
	}
	for _, tt := range tests {
		err := &credstore.HelperError{Helper: "docker-credential-x", Action: "get", Failure: tt.failure, Message: tt.message}
		c := helperCause(err, "myreg.azurecr.io", "")
		if c.ID != cause.CredentialStore || !strings.Contains(strings.Join(c.Remediation, "\n"), tt.fix) || c.Evidence != err.Error() && !strings.HasPrefix(c.Evidence, err.Error()) {
			t.Errorf("%s %q: %+v", tt.failure, tt.message, c)
		}
	}
	if c := helperCause(errors.New("boom"), "", ""); c.ID != cause.CredentialStore || c.Evidence != "boom" {
		t.Errorf("untyped error: %+v", c)
	}
}

func TestWincredLimit(t *testing.T) {
	s := tokentest.Default()
	claims := tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", tenant, now.Add(-time.Hour), "read")
	claims["roles"] = slices.Repeat([]string{"a-custom-role-with-a-long-name"}, 100)
	big := s.Sign(claims)
	if len(big) < 2560 {
		t.Fatalf("fixture token only %d bytes", len(big))
	}
	c := Assess(inHelper("wincred", "myreg.azurecr.io", "<token>", big), now)
	if len(c.Causes) != 1 || c.Causes[0].ID != cause.CredentialStore || !strings.Contains(c.Causes[0].Evidence, "wincred keeps at most 2560") {
		t.Errorf("causes = %+v", c.Causes)
	}
	if c := Assess(inHelper("pass", "myreg.azurecr.io", "<token>", big), now); len(c.Causes) != 0 {
		t.Errorf("pass has no such limit: %+v", c.Causes)
	}
}

func TestAssessToken(t *testing.T) {
	s := tokentest.Default()
	decode := func(claims map[string]any) *token.Token {
		t.Helper()
		tok, err := token.Decode(s.Sign(claims))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name   string
		tok    *token.Token
		server string
		want   []cause.ID
	}{
		{"valid refresh token", decode(tokentest.ACRRefresh("myreg.azurecr.io", "a", tenant, now.Add(-time.Hour))), "", nil},
		{"expired refresh token", decode(tokentest.ACRRefresh("myreg.azurecr.io", "a", tenant, now.Add(-4*time.Hour))), "", []cause.ID{cause.ExpiredCredentials}},
		{"exposed for another registry", decode(tokentest.ACRRefresh("myreg.azurecr.io", "a", tenant, now.Add(-time.Hour))), "other.azurecr.io", []cause.ID{cause.InvalidCredentials}},
		{"valid AAD token", decode(tokentest.AAD(tenant, "a@b.c", now.Add(-time.Minute))), "", nil},
		{"expired AAD token", decode(tokentest.AAD(tenant, "a@b.c", now.Add(-2*time.Hour))), "", []cause.ID{cause.ExpiredCredentials}},
		// What az acr login --expose-token prints: no warning that an
		// access token is stored where a refresh token belongs.
		{"exposed access token", decode(tokentest.ACRAccess("myreg.azurecr.io", "a", tenant, now.Add(-time.Minute))), "myreg.azurecr.io", nil},
	}
	for _, tt := range tests {
		var got []cause.ID
		for _, c := range AssessToken(tt.tok, tt.server, now) {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: causes %v, want %v", tt.name, got, tt.want)
		}
	}
	// Pasted, not stored: nothing to log out of.
	other := AssessToken(decode(tokentest.ACRAccess("myreg.azurecr.io", "a", tenant, now.Add(-time.Minute))), "other.azurecr.io", now)
	if len(other) != 1 || strings.Contains(other[0].Evidence, "stored") || other[0].Remediation[0] != "az acr login -n other --expose-token" {
		t.Errorf("a pasted token for another registry: %+v", other)
	}
	expired := decode(tokentest.ACRRefresh("contoso.azurecr.io", "a", tenant, now.Add(-4*time.Hour)))
	if c := AssessToken(expired, "", now); len(c) != 1 || c[0].Remediation[0] != "az acr login -n contoso" {
		t.Errorf("remediation for the token's own registry: %+v", c)
	}
}

// TestAssessStoreDefault: a default store that fails says why Docker
// picked it: no config file at all, or one that holds no credentials.
func TestAssessStoreDefault(t *testing.T) {
	st := credstore.StoreStatus{Source: credstore.Source{Kind: credstore.CredsStore, Helper: "pass"}, Default: true,
		Err: &credstore.HelperError{Helper: "docker-credential-pass", Action: "list", Failure: credstore.HelperFailed, Message: "pass store is uninitialized"}}
	for _, tc := range []struct {
		missing bool
		want    string
	}{
		{true, "(Docker picked pass because there is no /home/u/.docker/config.json)"},
		{false, "(Docker picked pass because /home/u/.docker/config.json holds no credentials)"},
	} {
		s := AssessStore(st, &credstore.Config{Filename: "/home/u/.docker/config.json", Missing: tc.missing})
		if len(s.Causes) != 1 || !strings.HasSuffix(s.Causes[0].Evidence, tc.want) {
			t.Errorf("missing=%v: %+v, want evidence ending %q", tc.missing, s.Causes, tc.want)
		}
	}
}

// TestAssessNamespaces: in a file whose keys are namespaces (Podman's), a
// key with a scheme or a path is no registry_name finding; in Docker's it
// is.
func TestAssessNamespaces(t *testing.T) {
	for _, key := range []string{"myreg.azurecr.io/team", "https://myreg.azurecr.io"} {
		for _, ns := range []bool{false, true} {
			e := credstore.Entry{Registry: key, Source: credstore.Source{Kind: credstore.File}, Username: "u", Password: "p", Namespaces: ns}
			c := Assess(e, time.Now())
			named := slices.ContainsFunc(c.Causes, func(c cause.Cause) bool { return c.ID == cause.RegistryName })
			if named == ns {
				t.Errorf("%s, namespaces %v: causes %+v", key, ns, c.Causes)
			}
		}
	}
}

// TestPassFolder: what a registry's folder in pass says beside the
// helper's answer: a later login ignored (or, the newest served, one that
// would be), or a file that is no credential read first; one credential
// says nothing.
func TestPassFolder(t *testing.T) {
	hour := now.Add(-time.Hour)
	files := func(fs ...credstore.PassFile) []credstore.PassFile { return fs }
	for _, tc := range []struct {
		name   string
		served string // the username the helper answered; "" for its failure
		files  []credstore.PassFile
		causes []string
		says   string
	}{
		{"one credential", "myreg", files(credstore.PassFile{Name: "myreg.gpg", ModTime: now}), nil, ""},
		{"the newest served", "aaa", files(credstore.PassFile{Name: "aaa.gpg", ModTime: now}, credstore.PassFile{Name: "myreg.gpg", ModTime: hour}),
			[]string{"credential_store"}, "would go on answering it after a login under another username"},
		// The later one is not named: its username may be a secret given
		// with -u, which its password, not read, would tell.
		{"a later login ignored", "aaa", files(credstore.PassFile{Name: "aaa.gpg", ModTime: hour}, credstore.PassFile{Name: "zzzsEcReTswap.gpg", ModTime: now}),
			[]string{"credential_store"}, "the latest login is ignored"},
		{"a stray file read first", "", files(credstore.PassFile{Name: ".keep", ModTime: now}, credstore.PassFile{Name: "myreg.gpg", ModTime: hour}),
			[]string{"credential_store"}, `holds ".keep", which is no credential`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := inHelper("pass", "myreg.azurecr.io", tc.served, "s3cr3tPassword9")
			e.PassFiles = tc.files
			if tc.served == "" {
				e.Username, e.Password = "", ""
				e.Err = &credstore.HelperError{Helper: "docker-credential-pass", Action: "get", Failure: credstore.HelperFailed, Message: "exit status 1: Error: docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==/.keep is not in the password store."}
			}
			c := Assess(e, now)
			var ids []string
			for _, cs := range c.Causes {
				if cs.ID == cause.CredentialStore {
					ids = append(ids, string(cs.ID))
					if !strings.Contains(cs.Evidence, tc.says) || strings.Contains(cs.Evidence, "sEcReT") {
						t.Errorf("evidence %q, want %q and no other username", cs.Evidence, tc.says)
					}
				}
			}
			if !slices.Equal(ids, tc.causes) {
				t.Errorf("causes %v, want %v", ids, tc.causes)
			}
		})
	}
}
