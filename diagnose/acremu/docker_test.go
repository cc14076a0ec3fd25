package acremu_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/internal/hermetic"
)

// dockerCLI runs the real docker client against an emulator, with its own
// config directory, an environment of its own (none of the caller's) and
// the emulator's names resolved as the test says.
type dockerCLI struct {
	t      *testing.T
	bin    string
	s      *acremu.Server
	config string // DOCKER_CONFIG
	names  *hermetic.Resolver
}

func newDockerCLI(t *testing.T, s *acremu.Server) *dockerCLI {
	t.Helper()
	bin, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the docker CLI is needed: %v", err)
	}
	dir := t.TempDir()
	names, err := hermetic.NewResolver(filepath.Join(dir, "names"))
	if err != nil {
		t.Fatal(err)
	}
	if err := names.Add(s.Hosts()...); err != nil {
		t.Fatal(err)
	}
	// An auths map with an entry: with none, Docker picks the pass or
	// secretservice helper by itself (cli/config/config.go, ContainsAuth).
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"placeholder.invalid":{}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return &dockerCLI{t: t, bin: bin, s: s, config: dir, names: names}
}

// run runs docker with args and returns its stderr and exit code.
func (d *dockerCLI) run(args ...string) (stderr string, code int) {
	d.t.Helper()
	cmd := d.names.Command(d.bin, args...)
	cmd.Env = []string{
		"PATH=/nonexistent", "HOME=" + d.config,
		"HTTPS_PROXY=" + d.s.ProxyURL(), "NO_PROXY=",
		"SSL_CERT_FILE=" + d.s.CAFile(),
		"DOCKER_CONFIG=" + d.config,
		// No daemon, ever: login then runs client-side, as in CI and here.
		"DOCKER_HOST=unix:///nonexistent/docker.sock",
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		d.t.Fatal(err)
	}
	return errb.String(), code
}

// auth is config.json's entry for host.
func (d *dockerCLI) auth(host string) map[string]string {
	d.t.Helper()
	b, err := os.ReadFile(filepath.Join(d.config, "config.json"))
	if err != nil {
		d.t.Fatal(err)
	}
	var cf struct {
		Auths map[string]map[string]string `json:"auths"`
	}
	if err := json.Unmarshal(b, &cf); err != nil {
		d.t.Fatal(err)
	}
	return cf.Auths[host]
}

// lastLine is the error docker printed last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestDockerLogin runs the real `docker login` (client-side: no daemon)
// through the emulator's proxy, and pins what it sends, what it stores and
// what it prints when the registry refuses.
func TestDockerLogin(t *testing.T) {
	expiring := registry()
	expiring.Host = "expiring.azurecr.io"
	expiring.Faults = []acremu.Fault{acremu.ExpiredTokens}
	s := start(t, registry(), expiring,
		faulty("fw", acremu.Firewall), faulty("busy", acremu.Throttle), faulty("down", acremu.ServerError),
		faulty("mitm", acremu.UntrustedCert), faulty("wrongcert", acremu.WrongHostCert),
		faulty("gone", acremu.NotFound), faulty("far", acremu.Unreachable),
		faulty("nochallenge", acremu.NoChallenge), faulty("malformed", acremu.MalformedChallenge),
		faulty("realm", acremu.RealmOtherHost), faulty("adminoff", acremu.AdminDisabled),
	)

	t.Run("admin user", func(t *testing.T) {
		d := newDockerCLI(t, s)
		s.ResetRequests(host)
		if stderr, code := d.run("login", host, "-u", "myreg", "-p", adminPW); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got := d.auth(host)
		if got["auth"] != base64.StdEncoding.EncodeToString([]byte("myreg:"+adminPW)) || got["identitytoken"] != "" {
			t.Errorf("stored %v", got)
		}
		// What Docker sends: ping, the GET token request with Basic auth
		// and no scope, the ping again with the access token.
		reqs := s.Requests(host)
		type step struct{ method, path, auth, user string }
		var steps []step
		for _, r := range reqs {
			steps = append(steps, step{r.Method, r.Path, r.Auth, r.Username})
		}
		want := []step{{"GET", "/v2/", "", ""}, {"GET", "/oauth2/token", "Basic", "myreg"}, {"GET", "/v2/", "Bearer", ""}}
		if !slices.Equal(steps, want) {
			t.Fatalf("requests %+v, want %+v", steps, want)
		}
		q := reqs[1].Query
		if len(q) != 4 || q.Get("account") != "myreg" || q.Get("client_id") != "docker" || q.Get("offline_token") != "true" || q.Get("service") != host {
			t.Errorf("token query %v", q)
		}
		if !strings.HasPrefix(reqs[0].UserAgent, "Docker-Client/") {
			t.Errorf("User-Agent %q", reqs[0].UserAgent)
		}

		// Logging in again without a password does not reuse the stored
		// one client-side: Docker 28 tries stored credentials through the
		// daemon only, then prompts, which a non-TTY refuses.
		s.ResetRequests(host)
		stderr, code := d.run("login", host)
		t.Logf("docker login %s (stored password, no daemon):\n%s", host, stderr)
		if code == 0 || lastLine(stderr) != "Error: Cannot perform an interactive login from a non TTY device" ||
			!strings.Contains(stderr, "Authenticating with existing credentials... [Username: myreg]") {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if n := len(s.Requests(host)); n != 0 {
			t.Errorf("%d requests reached the registry", n)
		}
	})

	t.Run("refresh token", func(t *testing.T) {
		d := newDockerCLI(t, s)
		s.ResetRequests(host)
		rt := s.RefreshToken(host, alice, time.Now())
		if stderr, code := d.run("login", host, "-u", acremu.NullGUID, "-p", rt); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got := d.auth(host)
		if got["auth"] != base64.StdEncoding.EncodeToString([]byte(acremu.NullGUID+":")) {
			t.Errorf("auth %q, want the null GUID and an empty password", got["auth"])
		}
		it, err := token.Decode(got["identitytoken"])
		if err != nil || it.Kind != token.RefreshToken || it.Claims.Subject != alice || it.Expired(time.Now()) {
			t.Fatalf("identitytoken: %v %+v", err, it)
		}
		if r := s.Requests(host)[1]; r.Username != acremu.NullGUID || r.Query.Get("offline_token") != "true" {
			t.Errorf("token request %+v", r)
		}

		// Stored: the identity token. Client-side commands use it with the
		// OAuth2 POST, never Basic.
		s.ResetRequests(host)
		if stderr, code := d.run("manifest", "inspect", host+"/hello-world:latest"); code != 0 {
			t.Fatalf("manifest inspect: exit %d: %s", code, stderr)
		}
		var post *acremu.Request
		for _, r := range s.Requests(host) {
			if r.Auth == "Basic" {
				t.Errorf("Basic credentials sent: %+v", r)
			}
			if r.Method == "POST" && r.Path == "/oauth2/token" && post == nil {
				post = &r
			}
		}
		if post == nil || !slices.Equal(post.Form, []string{"client_id", "grant_type", "refresh_token", "scope", "service"}) {
			t.Errorf("no refresh-token POST: %+v", s.Requests(host))
		}

		// And `docker login` without a password asks for one.
		stderr, code := d.run("login", host)
		t.Logf("docker login %s (stored identity token, no daemon):\n%s", host, stderr)
		if code == 0 || lastLine(stderr) != "Error: Cannot perform an interactive login from a non TTY device" {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})

	t.Run("registry issues an expired refresh token", func(t *testing.T) {
		d := newDockerCLI(t, s)
		rt := s.RefreshToken("expiring.azurecr.io", alice, time.Now())
		if stderr, code := d.run("login", "expiring.azurecr.io", "-u", acremu.NullGUID, "-p", rt); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		it, err := token.Decode(d.auth("expiring.azurecr.io")["identitytoken"])
		if err != nil || !it.Expired(time.Now()) {
			t.Errorf("stored identity token: %v, expired: %v", err, err == nil && it.Expired(time.Now()))
		}
		stderr, code := d.run("manifest", "inspect", "expiring.azurecr.io/hello-world:latest")
		t.Logf("docker manifest inspect with an expired identity token:\n%s", stderr)
		if code == 0 || !strings.Contains(stderr, `unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"`+msgAuthRequired+`"}]}`) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})

	t.Run("realm on another host", func(t *testing.T) {
		d := newDockerCLI(t, s)
		s.ResetRequests(acremu.OtherRealmHost)
		if stderr, code := d.run("login", "realm.azurecr.io", "-u", "realm", "-p", adminPW); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		// Docker followed the realm with the registry's password.
		reqs := s.Requests(acremu.OtherRealmHost)
		if len(reqs) != 1 || reqs[0].Auth != "Basic" || reqs[0].Username != "realm" {
			t.Errorf("at %s: %+v", acremu.OtherRealmHost, reqs)
		}
	})

	// What docker prints when the login fails: the last line of stderr.
	failures := []struct {
		name, host, user, pass string
		want                   string
	}{
		{"wrong password", host, "myreg", "nope",
			`Get "https://myreg.azurecr.io/v2/": unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"` + msgAuthRequired + `"}]}`},
		{"admin disabled", "adminoff.azurecr.io", "adminoff", adminPW,
			`Get "https://adminoff.azurecr.io/v2/": unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"` + msgAuthRequired + `"}]}`},
		{"unknown username", host, "alice@contoso.com", "hunter2",
			`Get "https://myreg.azurecr.io/v2/": unauthorized: Application not registered with AAD.`},
		{"expired service principal secret", host, spOld, spSecret,
			`Get "https://myreg.azurecr.io/v2/": unauthorized: Invalid clientid or client secret.`},
		{"expired refresh token", host, acremu.NullGUID, s.RefreshToken(host, alice, time.Now().Add(-4*time.Hour)),
			`Get "https://myreg.azurecr.io/v2/": unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"` + msgAuthRequired + `"}]}`},
		{"firewall", "fw.azurecr.io", "fw", adminPW,
			`login attempt to https://fw.azurecr.io/v2/ failed with status: 403 Forbidden`},
		{"throttled", "busy.azurecr.io", "busy", adminPW,
			`login attempt to https://busy.azurecr.io/v2/ failed with status: 429 Too Many Requests`},
		{"server error", "down.azurecr.io", "down", adminPW,
			`login attempt to https://down.azurecr.io/v2/ failed with status: 503 Service Unavailable`},
		{"no challenge", "nochallenge.azurecr.io", "nochallenge", adminPW,
			`login attempt to https://nochallenge.azurecr.io/v2/ failed with status: 401 Unauthorized`},
		// distribution's parser stops the unquoted realm at its ':'.
		{"malformed challenge", "malformed.azurecr.io", "malformed", adminPW,
			`Get "https://malformed.azurecr.io/v2/": Get "https?account=malformed&client_id=docker&offline_token=true": unsupported protocol scheme ""`},
		{"TLS interception", "mitm.azurecr.io", "mitm", adminPW,
			`Get "https://mitm.azurecr.io/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority`},
		{"certificate for another host", "wrongcert.azurecr.io", "wrongcert", adminPW,
			`Get "https://wrongcert.azurecr.io/v2/": tls: failed to verify certificate: x509: certificate is valid for *.blob.core.windows.net, not wrongcert.azurecr.io`},
		{"no such registry", "gone.azurecr.io", "gone", adminPW,
			`Get "https://gone.azurecr.io/v2/": Bad Gateway`},
		{"unreachable", "far.azurecr.io", "far", adminPW,
			`Get "https://far.azurecr.io/v2/": Gateway Timeout`},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			d := newDockerCLI(t, s)
			stderr, code := d.run("login", tt.host, "-u", tt.user, "-p", tt.pass)
			t.Logf("docker login %s -u %s:\n%s", tt.host, tt.user, stderr)
			if code != 1 {
				t.Errorf("exit %d", code)
			}
			if got := lastLine(stderr); got != tt.want {
				t.Errorf("docker said\n%s\nwant\n%s", got, tt.want)
			}
			if d.auth(tt.host) != nil {
				t.Error("a failed login stored credentials")
			}
		})
	}
}
