package token_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// Seeds beyond testdata/fuzz: built here so they follow tokentest.
func seeds() []string {
	s := tokentest.Default()
	lower := tokentest.ACRRefresh(host, upn, tenant, iat, "read")
	lower["permissions"] = map[string]any{"actions": []string{"read"}, "notActions": nil}
	lower["credential"] = "AQABAAAAAAD--DLA3VO7QrddgJg7Wevr"
	lower["exp"] = 1.7e9 + 0.25
	return []string{
		s.Sign(tokentest.ACRRefresh(host, upn, tenant, iat, "read", "write")),
		s.Sign(lower),
		s.Sign(tokentest.AAD(tenant, upn, iat)),
		raw(`{"alg":"none"}`, `{"aud":["a","b"],"access":[{"type":"repository","name":"x","actions":["pull"]}]}`),
		raw(`{"alg":"RS256"}`, `null`),
		"eyJhbGciOiJSUzI1NiJ9.e30.",
		"a.b.c.d.e",
	}
}

// checkError holds for every error the package returns: it is a
// *DecodeError matching ErrNotJWT, and it does not give the input away.
func checkError(t *testing.T, in string, err error) {
	t.Helper()
	var de *token.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, token.ErrNotJWT) {
		t.Fatalf("error %T %v is not a *DecodeError matching ErrNotJWT", err, err)
	}
	if len(in) > 16 && strings.Contains(err.Error(), in) {
		t.Fatalf("error %q echoes the input", err)
	}
}

// checkPayload: what Decode returns can be written as JSON and read back
// unchanged, since that is how `token --format json` shows it.
func checkPayload(t *testing.T, tok *token.Token) {
	t.Helper()
	b, err := json.Marshal(tok.Payload)
	if err != nil {
		t.Fatalf("Payload does not marshal: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Payload JSON does not unmarshal: %v", err)
	}
	if !reflect.DeepEqual(back, tok.Payload) {
		t.Fatalf("Payload changed in a JSON round trip:\n%#v\n%#v", tok.Payload, back)
	}
	if _, err := json.Marshal(tok.Claims); err != nil {
		t.Fatalf("Claims do not marshal: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := token.Decode(in)
		if err != nil {
			checkError(t, in, err)
			return
		}
		if tok.Size != len(in) {
			t.Fatalf("Size = %d for %d bytes", tok.Size, len(in))
		}
		checkPayload(t, tok)
		// The cheap test must not turn away a token that starts like one.
		if strings.HasPrefix(in, "eyJ") && !token.LooksLikeJWT(in) {
			t.Fatalf("Decode accepts what LooksLikeJWT rejects")
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range seeds() {
		f.Add([]byte(s))
		f.Add([]byte(`{"accessToken":"` + s + `","loginServer":"myreg.azurecr.io"}`))
		f.Add([]byte("Bearer " + s + "\n"))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tok, _, err := token.Extract(in)
		if err != nil {
			checkError(t, string(in), err)
			return
		}
		if tok == "" || tok != strings.TrimSpace(tok) {
			t.Fatalf("Extract returned %q", tok)
		}
		if token.LooksLikeJWT(tok) {
			// What Extract finds, it finds again in its own output.
			again, server, err := token.Extract([]byte(tok))
			if err != nil || again != tok || server != "" {
				t.Fatalf("Extract(Extract(in)) = %q, %q, %v", again, server, err)
			}
		}
		d, err := token.Decode(tok)
		if err != nil {
			checkError(t, tok, err)
			return
		}
		checkPayload(t, d)
	})
}
