package wrapper

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// FuzzBackendAnswer: whatever the backend answers a get with, and
// whatever server Docker asked for (of which the first maxInput bytes are
// read), decode calls it served only when it is the protocol's JSON (its
// first value, as Docker's client reads it) with a username or secret, and
// what get then makes
// of it is sound: the hint is one line without the secret, the journal's
// username is never a token, and an expired or expiring outcome comes with
// the expiry that makes it so.
func FuzzBackendAnswer(f *testing.F) {
	now := time.Now()
	answer := func(user, secret string) []byte {
		b, _ := json.Marshal(credentials.Credentials{ServerURL: "myreg.azurecr.io", Username: user, Secret: secret})
		return b
	}
	for _, a := range []struct {
		out    []byte
		server string
	}{
		{answer(credkind.TokenUsername, unsigned(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", now.Add(-5*time.Hour), "read"))), "myreg.azurecr.io"},
		{answer(credkind.TokenUsername, unsigned(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", now.Add(-3*time.Hour-12*time.Minute), "read"))), "https://MyReg.azurecr.io/v2/\n"},
		{answer(credkind.TokenUsername, unsigned(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", now, "read"))), "myreg.azurecr.io"},
		{answer(credkind.NullGUID, unsigned(tokentest.AAD("t", "u@example.com", now.Add(-2*time.Hour)))), "myreg.azurecr.io"},
		{answer("admin", "s3cr3tPassword"), "myreg.azurecr.cn"},
		{answer(unsigned(tokentest.AAD("t", "u", now)), "x"), "ghcr.io"},
		{answer("", ""), "myreg.azurecr.io"},
		{[]byte(`{"Username":"u","Secret":"s"} trailing`), "myreg.azurecr.io"},
		{[]byte(`{"Secret":7}`), ""},
		{[]byte("null"), "myreg.azurecr.io"},
	} {
		f.Add(a.out, []byte(a.server))
	}
	env := journalOff()
	f.Fuzz(func(t *testing.T, out, stdin []byte) {
		server, err := readServer(bytes.NewReader(stdin))
		if !bytes.Equal(server, stdin[:min(len(stdin), maxInput)]) || (err != nil) != (len(stdin) > maxInput) {
			t.Fatalf("read %d bytes of %d as the server (%v)", len(server), len(stdin), err)
		}
		c, outcome := decode(out)
		var want credentials.Credentials
		protocol := json.NewDecoder(bytes.NewReader(out)).Decode(&want) == nil // as Docker's client reads it
		empty := want.Username == "" && want.Secret == ""
		switch {
		case outcome == journal.Served && protocol && !empty && c == want:
		case outcome == journal.Empty && protocol && empty:
			return
		case outcome == journal.BackendError && !protocol:
			return
		default:
			t.Fatalf("decode(%q) = %+v, %s", out, c, outcome)
		}

		rec := getRecord{backend: "fuzz", server: server, outcome: outcome}
		before := time.Now()
		line := rec.judge(c, env)
		after := time.Now()
		if rec.kind == "" || rec.fp != "" {
			t.Fatalf("kind %q, fingerprint %q with the journal off", rec.kind, rec.fp)
		}
		if rec.username != "" && (rec.username != c.Username || token.LooksLikeJWT(rec.username) || len(rec.username) > 256) {
			t.Fatalf("journal username %q for %q", rec.username, c.Username)
		}
		if _, acr := loginserver.Parse(loginserver.Host(strings.TrimSpace(string(server)))); !acr {
			if line != "" || rec.kind != credkind.Unknown || rec.expires != nil {
				t.Fatalf("a non-ACR server %q judged: %q, %s", server, line, rec.kind)
			}
			return
		}
		switch rec.outcome {
		case journal.Served:
			if line != "" {
				t.Fatalf("a hint %q for a token that is neither expired nor expiring", line)
			}
			return
		case journal.Expired:
			if rec.expires == nil || rec.expires.After(after) {
				t.Fatalf("expired, with expiry %v", rec.expires)
			}
		case journal.Expiring:
			if rec.expires == nil || !rec.expires.After(before) {
				t.Fatalf("expiring, with expiry %v", rec.expires)
			}
		default:
			t.Fatalf("judge made the outcome %q", rec.outcome)
		}
		if !strings.HasPrefix(line, "acr-doctor: the ") || strings.ContainsFunc(line, unicode.IsControl) || len(line) > 512 {
			t.Fatalf("hint %q", line)
		}
		if len(c.Secret) >= 8 && strings.Contains(line, c.Secret) && !strings.Contains(string(server), c.Secret) {
			t.Fatalf("hint %q shows the secret", line)
		}
	})
}

// unsigned is a token of claims as the backend stores one: judge reads it
// without verifying, and a worker of the fuzzer need not make an RSA key.
func unsigned(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2ln"
}

// FuzzMemo: the memo of a failed renewal, which holds renewals back for
// a while, is believed only when it was written for the identity there is
// now: garbage, or a memo of another identity, holds nothing back. A memo
// written for this identity gives back the reason it was written with.
func FuzzMemo(f *testing.F) {
	f.Add([]byte("renewal failed: Azure AD refused the identity (401): AADSTS7000215: Invalid client secret provided.\n"), true, "AADSTS7000215: Invalid client secret provided.")
	f.Add([]byte("00 0000\nrenewal failed: x\n"), false, "no answer within 20s")
	f.Add([]byte(""), true, "two\nlines")
	f.Add([]byte("no newline at the end"), true, "ends with a carriage return\r")
	f.Add([]byte("\r\n\x00\xff"), false, "")
	path := filepath.Join(f.TempDir(), "renew-myreg.azurecr.io.failed") // a worker runs one input at a time
	identity := func() []byte { return []byte("AZURE_CLIENT_ID=3c2b1a09\x00AZURE_CLIENT_SECRET=s3cr3t\x00") }
	m := failureMemo{path: path, identity: identity}
	f.Fuzz(func(t *testing.T, content []byte, stamped bool, reason string) {
		var head []byte
		if stamped {
			head = []byte(m.stamp([]byte("0123456789abcdef")) + "\n")
		}
		if err := os.WriteFile(path, append(head, content...), 0o600); err != nil {
			t.Fatal(err)
		}
		err := m.recent()
		if !stamped {
			if err != nil {
				t.Fatalf("garbage held renewal back: %v", err)
			}
		} else {
			line, _, _ := bytes.Cut(content, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			var rf *recentFailure
			switch {
			case len(line) >= bufio.MaxScanTokenSize-1:
				// Past what the memo reads: whether it stops there is
				// no matter.
			case len(content) == 0:
				if err != nil {
					t.Fatalf("a memo with no reason held renewal back: %v", err)
				}
			case !errors.As(err, &rf) || rf.reason != string(line):
				t.Fatalf("memo %q gave %v", content, err)
			}
		}
		// Another identity's memo holds nothing back.
		if err := (failureMemo{path: path, identity: func() []byte { return []byte("another") }}).recent(); err != nil {
			t.Fatalf("another identity's memo held renewal back: %v", err)
		}

		// What record writes, recent reads back.
		m.record(errors.New(reason))
		var rf *recentFailure
		want := strings.TrimSuffix(renewReason(errors.New(reason)), "\r")
		if err := m.recent(); !errors.As(err, &rf) || rf.reason != want {
			t.Fatalf("recorded %q, read back %v", want, err)
		}
	})
}

// FuzzParseAnswer: where the fast path reads an answer, encoding/json
// reads the same credential from it, as Docker's client reads it (the
// first value).
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{
		`{"ServerURL":"myreg.azurecr.io","Username":"00000000-0000-0000-0000-000000000000","Secret":"eyJ.a.b"}`,
		"{\n  \"Username\": \"u\\\"s\\\\er\",\n  \"Secret\": \"p\\/w\\n\"\n}\n",
		`{"username":"a","Username":"b","SECRET":"c","Other":"d"}`,
		`{}`, `{"Secret":"\u0041"}`, `{"Username":5}`, `{"Secret":"x"} trailing`, `{"Secret":"\xff"}`,
		`{"ſecret":"long s"}`, `{"Username":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseAnswer(b)
		if !ok {
			return
		}
		var want credentials.Credentials
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&want); err != nil {
			t.Fatalf("parseAnswer read %q, encoding/json refuses it: %v", b, err)
		}
		if got != want {
			t.Fatalf("parseAnswer(%q) = %+v, encoding/json %+v", b, got, want)
		}
	})
}
