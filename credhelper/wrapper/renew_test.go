package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

const (
	renewHost   = "renewme.azurecr.io"
	renewTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	renewApp    = "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e"
	renewSecret = "sp-secret-for-renewal"
)

// renewSandbox: a fake backend holding an ACR token for renewHost issued
// at iat, a service principal in the environment, and the emulator as
// Azure AD and the registry, reached through its proxy.
func renewSandbox(t *testing.T, iat time.Time) (*sandbox, *acremu.Server, string) {
	t.Helper()
	emu, err := acremu.Start(acremu.Registry{
		Host: renewHost, Tenant: renewTenant,
		ServicePrincipals: map[string]acremu.Principal{renewApp: {Secret: renewSecret, Actions: []string{"pull", "push"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	old := tokentest.Default().Sign(tokentest.ACRRefresh(renewHost, renewApp, renewTenant, iat, "read", "write"))
	s := newSandbox(t,
		"ACRDOCTOR_CREDENTIAL_BACKEND=fake",
		"AZURE_TENANT_ID="+renewTenant, "AZURE_CLIENT_ID="+renewApp, "AZURE_CLIENT_SECRET="+renewSecret,
		"AZURE_AUTHORITY_HOST=https://"+acremu.AuthorityHost+"/",
		"HTTPS_PROXY="+emu.ProxyURL(), "SSL_CERT_FILE="+emu.CAFile(),
	)
	if r := s.run("fake", "store", creds(renewHost, "<token>", old)); r.code != 0 {
		t.Fatal(r)
	}
	return s, emu, old
}

func decodeServed(t *testing.T, out string) (credentials.Credentials, *token.Token) {
	t.Helper()
	var c credentials.Credentials
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("get answered %q: %v", out, err)
	}
	tok, err := token.Decode(c.Secret)
	if err != nil {
		t.Fatalf("served secret is not a token: %v", err)
	}
	return c, tok
}

// TestRenewal: an expired token is renewed through the real azidentity
// code path, stored back in the backend, and returned.
func TestRenewal(t *testing.T) {
	s, emu, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	r := s.run("acrdoctor", "get", renewHost)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("get: %v", r)
	}
	c, tok := decodeServed(t, r.stdout)
	if c.Username != "<token>" || c.Secret == old || tok.Expired(time.Now()) || !tok.Claims.HasAudience(renewHost) || tok.Kind != token.RefreshToken {
		t.Errorf("served %+v (kind %s, exp %v)", c.Username, tok.Kind, tok.Claims.ExpiresAt)
	}
	if stored := s.run("fake", "get", renewHost); !strings.Contains(stored.stdout, c.Secret) {
		t.Errorf("the backend does not hold the new token: %v", stored)
	}
	es := s.entries()
	if len(es) != 1 || es[0].Outcome != journal.Renewed || es[0].ExpiresAt == nil || !es[0].ExpiresAt.After(time.Now()) {
		t.Errorf("journal = %+v", es)
	}
	exchanges := 0
	for _, q := range emu.Requests(renewHost) {
		if q.Path == "/oauth2/exchange" {
			exchanges++
		}
	}
	if exchanges != 1 {
		t.Errorf("%d exchanges, want 1", exchanges)
	}
	// A second get finds the new token valid: no renewal, no network.
	emu.ResetRequests(renewHost)
	if r := s.run("acrdoctor", "get", renewHost); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, c.Secret) {
		t.Errorf("second get: %v", r)
	}
	if n := len(emu.Requests(renewHost)); n != 0 {
		t.Errorf("the second get made %d requests", n)
	}
}

// TestRenewalConcurrent: 32 parallel gets of an expiring token cause one
// renewal, and all return the new token.
func TestRenewalConcurrent(t *testing.T) {
	s, emu, old := renewSandbox(t, time.Now().Add(-tokentest.RefreshLifetime+2*time.Minute))
	const n = 32
	outs := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { outs[i] = s.run("acrdoctor", "get", renewHost) })
	}
	wg.Wait()
	first := ""
	for i, r := range outs {
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("get %d: %v", i, r)
		}
		c, _ := decodeServed(t, r.stdout)
		if c.Secret == old {
			t.Fatalf("get %d returned the old token", i)
		}
		if first == "" {
			first = c.Secret
		} else if c.Secret != first {
			t.Fatalf("get %d returned another new token: more than one renewal", i)
		}
	}
	exchanges := 0
	for _, q := range emu.Requests(renewHost) {
		if q.Path == "/oauth2/exchange" {
			exchanges++
		}
	}
	if exchanges != 1 {
		t.Errorf("%d exchanges for %d parallel gets, want 1", exchanges, n)
	}
	renewed := 0
	for _, e := range s.entries() {
		if e.Outcome == journal.Renewed {
			renewed++
		}
	}
	if renewed != 1 {
		t.Errorf("journal records %d renewals", renewed)
	}
}

// TestRenewalRefused: when Azure AD refuses, Docker gets the stored token
// and one line saying why.
func TestRenewalRefused(t *testing.T) {
	s, _, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	s = s.with("AZURE_CLIENT_SECRET=not-the-secret")
	r := s.run("acrdoctor", "get", renewHost)
	if r.code != 0 || !strings.Contains(r.stdout, old) || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "renewal failed: ") || !strings.Contains(r.stderr, "AADSTS7000215") {
		t.Errorf("get: %v", r)
	}
	if strings.Contains(r.stderr, "not-the-secret") {
		t.Error("the hint holds the client secret")
	}
	// Not tried again with the same identity, and the memo of it holds no
	// secret either.
	if again := s.run("acrdoctor", "get", renewHost); !strings.Contains(again.stderr, "AADSTS7000215") || !strings.Contains(again.stderr, "not tried again before") {
		t.Errorf("second get: %v", again)
	}
	memo, _ := os.ReadFile(filepath.Join(s.dir, ".local", "state", "acr-doctor", "locks", "renew-"+renewHost+".failed"))
	if len(memo) == 0 || strings.Contains(string(memo), "not-the-secret") || strings.Contains(string(memo), renewSecret) {
		t.Errorf("the memo: %q", memo)
	}
	// With the secret corrected, renewed at once.
	fixed := s.with("AZURE_CLIENT_SECRET=" + renewSecret)
	if r := fixed.run("acrdoctor", "get", renewHost); r.code != 0 || r.stderr != "" || strings.Contains(r.stdout, old) {
		t.Errorf("get with the secret corrected: %v", r)
	}
}

// TestRenewalThroughAzureCLI: with no identity in the environment but an
// `az` on PATH, renewal asks az for the Azure AD token, as azidentity's
// Azure CLI credential does. Logged in, the token is renewed; not logged
// in, or with an az that breaks, Docker gets the stored token and one line
// that says so; with no az, that there is no identity.
func TestRenewalThroughAzureCLI(t *testing.T) {
	const user = "alice@contoso.com"
	emu, err := acremu.Start(acremu.Registry{Host: renewHost, Tenant: renewTenant,
		Users: map[string]acremu.Identity{user: {Actions: []string{"pull", "push"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	aad := emu.AADToken(renewTenant, user, time.Now())
	exp := time.Now().Add(time.Hour)
	loggedIn := fmt.Sprintf("cat <<'EOF'\n{\"accessToken\": %q, \"expiresOn\": %q, \"expires_on\": %d, \"subscription\": \"s\", \"tenant\": %q, \"tokenType\": \"Bearer\"}\nEOF\n",
		aad, exp.Format("2006-01-02 15:04:05.000000"), exp.Unix(), renewTenant)
	tests := []struct {
		name string
		az   string // the script; "" for no az
		hint string // "" when renewed
	}{
		{"logged in", loggedIn, ""},
		{"not logged in", "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n", "renewal failed: the Azure CLI is not logged in (az login): az said \"Please run 'az login' to setup account.\""},
		{"broken", "echo 'Traceback (most recent call last):' >&2\necho 'ImportError: no module' >&2\nexit 1\n", "renewal failed: "},
		{"no az", "", "no Azure identity in the environment to renew it with"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := tokentest.Default().Sign(tokentest.ACRRefresh(renewHost, user, renewTenant, time.Now().Add(-5*time.Hour), "read"))
			s := newSandbox(t, "ACRDOCTOR_CREDENTIAL_BACKEND=fake", "HTTPS_PROXY="+emu.ProxyURL(), "SSL_CERT_FILE="+emu.CAFile())
			if tc.az != "" {
				azDir := filepath.Join(s.dir, "az-bin")
				if err := os.MkdirAll(azDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(azDir, "az"), []byte("#!/bin/sh\n"+tc.az), 0o755); err != nil {
					t.Fatal(err)
				}
				s = s.with("PATH=" + binDir + string(os.PathListSeparator) + azDir + string(os.PathListSeparator) + toolDir)
			}
			if r := s.run("fake", "store", creds(renewHost, "<token>", old)); r.code != 0 {
				t.Fatal(r)
			}
			r := s.run("acrdoctor", "get", renewHost)
			if r.code != 0 {
				t.Fatalf("get: %v", r)
			}
			if tc.hint == "" {
				c, tok := decodeServed(t, r.stdout)
				if c.Secret == old || tok.Expired(time.Now()) || r.stderr != "" || tok.Claims.Subject != user {
					t.Errorf("not renewed through az: %v", r)
				}
				if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.Renewed {
					t.Errorf("journal %+v", es)
				}
				return
			}
			if !strings.Contains(r.stdout, old) || !strings.Contains(r.stderr, tc.hint) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("want the stored token and one line with %q: %v", tc.hint, r)
			}
		})
	}
}

// TestRenewalHungAzureCLI: an az that never answers costs one renewal
// timeout, leaves no process behind, and is not asked again on the next
// get, which says when it will be.
func TestRenewalHungAzureCLI(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("processes are looked up in /proc")
	}
	s, _, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	azDir := filepath.Join(s.dir, "az-bin")
	if err := os.MkdirAll(azDir, 0o755); err != nil {
		t.Fatal(err)
	}
	calls, pids := filepath.Join(s.dir, "az-calls"), filepath.Join(s.dir, "az-pids")
	script := "#!/bin/sh\necho call >> " + calls + "\nsleep 600 &\necho $! >> " + pids + "\nwait\n"
	if err := os.WriteFile(filepath.Join(azDir, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// No service principal: the Azure CLI is the only identity.
	s = s.with("AZURE_CLIENT_SECRET=", "AZURE_CLIENT_ID=", "AZURE_TENANT_ID=", "ACRDOCTOR_RENEW_TIMEOUT=2s",
		"PATH="+binDir+string(os.PathListSeparator)+azDir+string(os.PathListSeparator)+toolDir)
	r := s.run("acrdoctor", "get", renewHost)
	if r.code != 0 || !strings.Contains(r.stdout, old) || !strings.Contains(r.stderr, "renewal failed: no answer within 2s") {
		t.Fatalf("first get: %v", r)
	}
	for _, line := range readLines(t, pids) {
		if pid, _ := strconv.Atoi(line); !gone(pid) {
			t.Errorf("az's sleep (pid %d) outlived the renewal", pid)
		}
	}
	r = s.run("acrdoctor", "get", renewHost)
	if r.code != 0 || !strings.Contains(r.stdout, old) || !regexp.MustCompile(`renewal failed: no answer within 2s \(at \S+ UTC; not tried again before \S+ UTC\)\n$`).MatchString(r.stderr) {
		t.Errorf("second get: %v", r)
	}
	if n := len(readLines(t, calls)); n != 1 {
		t.Errorf("az was asked %d times, want 1", n)
	}
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// gone reports whether pid has exited: no such process, or a zombie left
// for init to reap. A process killed a moment ago may take that moment.
func gone(pid int) bool {
	for range 50 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && len(b) > i+2 && b[i+2] == 'Z' {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// TestRenewalLockHeld: a renewal stuck holding the lock (stopped with
// Ctrl-Z) holds up the next get no longer than a renewal may take.
func TestRenewalLockHeld(t *testing.T) {
	s, emu, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	unlock, err := statedir.Lock(filepath.Join(s.dir, ".local", "state", "acr-doctor", "locks", "renew-"+renewHost+".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	r := s.with("ACRDOCTOR_RENEW_TIMEOUT=300ms").run("acrdoctor", "get", renewHost)
	if r.code != 0 || !strings.Contains(r.stdout, old) || !strings.Contains(r.stderr, "run: az acr login -n renewme; another renewal of it has not finished\n") {
		t.Errorf("get: %v", r)
	}
	if n := len(emu.Requests(renewHost)); n != 0 {
		t.Errorf("%d requests while another renewal held the lock", n)
	}
}

// tokenSignature is the signature of the token an answer serves: the
// part of a JWT no other text holds.
func tokenSignature(answer string) string {
	var c credentials.Credentials
	_ = json.Unmarshal([]byte(answer), &c)
	if i := strings.LastIndexByte(c.Secret, '.'); i >= 0 && i+1 < len(c.Secret) {
		return c.Secret[i+1:]
	}
	return "\x00no token"
}

// TestRenewalStoreFails: renewed, but the backend will not store the new
// token: Docker gets the new token all the same, and one line saying the
// next get will renew again.
func TestRenewalStoreFails(t *testing.T) {
	s, _, old := renewSandbox(t, time.Now().Add(-5*time.Hour))
	s = s.with("FAKE_FAIL_STORE=the keychain is locked")
	r := s.run("acrdoctor", "get", renewHost)
	c, tok := decodeServed(t, r.stdout)
	if r.code != 0 || c.Secret == old || tok.Expired(time.Now()) ||
		!strings.Contains(r.stderr, "renewed, but storing the new token failed") || !strings.Contains(r.stderr, "the keychain is locked") {
		t.Errorf("get: %v", r)
	}
	if strings.Contains(r.stderr, c.Secret) {
		t.Error("the new token is in the hint")
	}
	if stored := s.run("fake", "get", renewHost); !strings.Contains(stored.stdout, old) {
		t.Errorf("the backend changed: %v", stored)
	}
	if es := s.entries(); len(es) != 1 || es[0].Outcome != journal.Renewed {
		t.Errorf("journal %+v", es)
	}
	// A backend whose error repeats what it was given: the new token is
	// not in what Docker shows.
	if r := s.with("FAKE_FAIL_STORE=echo").run("acrdoctor", "get", renewHost); !strings.Contains(r.stderr, "cannot parse") || strings.Contains(r.stderr, tokenSignature(r.stdout)) {
		t.Errorf("a backend that repeats the new token: %v", r)
	}
}

// TestRenewReasonBounded: a plugin that fails with a megabyte on one line
// gives the pull's output, and the memo, one short line.
func TestRenewReasonBounded(t *testing.T) {
	got := renewReason(errors.New("WARNING: old\n" + strings.Repeat("é", 1<<19) + " ERROR: final"))
	if len(got) > len("renewal failed: ")+maxReason+len("…") || !utf8.ValidString(got) {
		t.Errorf("renewReason = %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}
