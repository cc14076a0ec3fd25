package credstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
)

// answered is a helper run that is over: Output gives what it printed and
// how it exited, as runner.Output would.
type answered struct{ r *runner }

func (answered) Input(io.Reader)           {}
func (a answered) Output() ([]byte, error) { return a.r.stdout.Bytes(), a.r.runErr }

// errExit stands for a helper's non-zero exit; failure classifies it as a
// *exec.ExitError, by elimination.
var errExit = errors.New("exit status 1")

// FuzzHelperGet: whatever a helper prints on stdout and stderr, with exit
// status 0 or 1, Get returns the credential only when the helper exited 0
// with the protocol's JSON and a username or secret; otherwise ErrNotFound
// for the protocol's not-found line, else a *HelperError of the right
// kind whose text is one line, without control characters, and bounded.
func FuzzHelperGet(f *testing.F) {
	for _, s := range [][2]string{
		{`{"ServerURL":"myreg.azurecr.io","Username":"` + credkind.TokenUsername + `","Secret":"` + jwt + `"}`, ""},
		{`{"ServerURL":"myreg.azurecr.io","Username":"","Secret":""}`, ""}, // Debian's pass 0.6.4
		{"credentials not found in native keychain\n", ""},
		{"", "gpg: decryption failed: No secret key\n"},
		{`{"Username":"admin","Secret":"s3cr3t"} trailing`, ""},
		{`{"Username":7}`, ""},
		{"\x1b[31mpass store is not initialised\x1b[0m\r\nTry \"pass init\".", "warning"},
		{"null", ""},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), false)
		f.Add([]byte(s[0]), []byte(s[1]), true)
	}
	f.Fuzz(func(t *testing.T, stdout, stderr []byte, failed bool) {
		r := &runner{ctx: context.Background(), helper: "docker-credential-fuzz", action: credentials.ActionGet}
		_, _ = r.stdout.Write(stdout)
		_, _ = r.stderr.Write(stderr)
		if failed {
			r.runErr = errExit
		}
		creds, err := client.Get(func(...string) client.Program { return answered{r} }, "myreg.azurecr.io")
		c, err := r.credential(creds, err)

		var want credentials.Credentials
		protocol := json.NewDecoder(bytes.NewReader(stdout)).Decode(&want) == nil
		notFound := strings.TrimSpace(string(stdout)) == credentials.NewErrCredentialsNotFound().Error()
		var he *HelperError
		switch {
		case err == nil:
			if failed || !protocol || c.Username != want.Username || c.Secret != want.Secret || c == (Credential{}) {
				t.Fatalf("Get returned %+v for %q (exit 1: %v)", c, stdout, failed)
			}
			return
		case errors.Is(err, ErrNotFound):
			if !failed || !notFound {
				t.Fatalf("not found from %q (exit 1: %v)", stdout, failed)
			}
			return
		case !errors.As(err, &he):
			t.Fatalf("error %T %v is not a *HelperError", err, err)
		case failed && he.Failure != HelperFailed,
			!failed && protocol && he.Failure != HelperEmpty,
			!failed && !protocol && he.Failure != HelperGarbage:
			t.Fatalf("%s for %q (exit 1: %v)", he.Failure, stdout, failed)
		}
		msg := err.Error()
		if strings.ContainsFunc(msg, unicode.IsControl) || utf8.RuneCountInString(he.Message) > 201 || len(msg) > 1024 {
			t.Fatalf("error text not one bounded line: %q", msg)
		}
	})
}

// FuzzSaid plants a credential, printed by a helper that then fails, in
// whatever else it printed: the one line said keeps of it must not hold
// the secret, in the shapes helpers print (one line, pretty-printed, cut
// short, nested, under the protocol's and config.json's names).
func FuzzSaid(f *testing.F) {
	f.Add("", "s3cr3tStdout", "", uint8(0))
	f.Add("cannot store ", "tw0 w0rds s3cr3t", ": locked", uint8(0))
	f.Add("", jwt, "\n", uint8(1))
	f.Add(`{"a":{`, "s3cr3t\"quote", "", uint8(2))
	f.Add(strings.Repeat("{x", 40), "s3cr3tAfterJunk", "}", uint8(3))
	f.Add("error: ", "s3cr3t", "", uint8(4))
	names := []string{"Secret", "Password", "password", "IdentityToken", "identitytoken", "auth", "RegistryToken", "access_token"}
	f.Fuzz(func(t *testing.T, before, secret, after string, shape uint8) {
		if len(secret) < 4 || !utf8.ValidString(secret) || strings.Contains(redact.Mark, secret) {
			return
		}
		name := names[int(shape/8)%len(names)]
		plant := func(value string) string {
			v, _ := json.Marshal(value)
			switch shape % 8 {
			case 1: // pretty-printed
				return before + "{\n  \"ServerURL\": \"myreg.azurecr.io\",\n  \"Username\": \"admin\",\n  \"" + name + "\": " + string(v) + "\n}\n" + after
			case 2: // nested
				return before + `{"ServerURL":"myreg.azurecr.io","Creds":[{"Username":"admin","` + name + `":` + string(v) + `}]}` + after
			case 3: // cut short
				return before + `{"ServerURL":"myreg.azurecr.io","Username":"admin","` + name + `":` + string(v) + after
			default: // one line
				return before + `{"ServerURL":"myreg.azurecr.io","Username":"admin","` + name + `":` + string(v) + `}` + after
			}
		}
		out := plant(secret)
		if strings.Contains(strings.Replace(out, secret, "", 1), secret) {
			return // the secret is in what surrounds it too
		}
		// What said shows with another value planted holds the secret
		// already: it comes from the rest (a JSON escape it decodes).
		if strings.Contains(said([]byte(plant(strings.Repeat("Z", len(secret))))), secret) {
			return
		}
		got := said([]byte(out))
		if strings.Contains(got, secret) {
			t.Fatalf("said(%q)\n = %q keeps the secret %q", out, got, secret)
		}
		if strings.ContainsFunc(got, unicode.IsControl) || utf8.RuneCountInString(got) > 201 {
			t.Fatalf("said(%q) = %q: not one bounded line", out, got)
		}
	})
}

// FuzzParseEnv: DOCKER_AUTH_CONFIG fails only with a typed error that
// never shows an `auth` value, wherever a broken document puts it; what it
// accepts has a username per registry and encodes back to itself.
func FuzzParseEnv(f *testing.F) {
	for _, s := range [][3]string{
		{"", b64("00000000-0000-0000-0000-000000000000:eyJhbGciOiJSUzI1NiJ9.e30.sig"), ""},
		{"", b64("admin:s3cr3t\x00\x00"), ""},
		{"", "!!not base64!!", ""},
		{"", b64(":nouser"), ""},
		{"", "c2VjcmV0", `,"password":"x"`},
		{`{"auths":{"a.io":{"auth":"` + b64("u:p") + `"}}}`, b64("v:q"), ""},
		{"", b64("u:p"), "}}}{}"},
		{"[", "czNjcjN0OnMzY3IzdA", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, before, auth, after string) {
		v := before + `{"auths":{"myreg.azurecr.io":{"auth":"` + auth + `"` + after + `}}}`
		auths, err := parseEnv(v)
		if err != nil {
			var pe *configjson.ParseError
			var ae *AuthError
			if !errors.As(err, &pe) && !errors.As(err, &ae) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if pe != nil && pe.Line > 0 && (pe.Offset < 0 || pe.Offset > int64(len(v))) {
				t.Fatalf("offset %d outside input of %d bytes", pe.Offset, len(v))
			}
			// Inside its quotes, the value stays the value, however the
			// rest is broken.
			inside := !strings.ContainsAny(auth, `"\`)
			rest := before + after + "DOCKER_AUTH_CONFIG myreg.azurecr.io"
			if inside && len(auth) >= 4 && !strings.Contains(rest, auth) && strings.Contains(err.Error(), auth) {
				t.Fatalf("error %q shows the auth value %q", err, auth)
			}
			return
		}
		for key, ac := range auths {
			if ac.Username == "" || ac.ServerAddress != key || ac.Auth != "" {
				t.Fatalf("auths[%q] = %+v", key, ac)
			}
			// Encoded again, the entry reads back the same.
			again, err := parseEnv(`{"auths":{` + quote(key) + `:{"auth":"` + b64(ac.Username+":"+ac.Password) + `"}}}`)
			if err != nil || again[key] != ac {
				t.Fatalf("auths[%q] = %+v reads back as %+v, %v", key, ac, again[key], err)
			}
		}
	})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
