package token_test

import (
	"encoding/json"
	"errors"
	"fmt"
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

// The bounds of decode.go on what Payload keeps.
const (
	maxClaimDepth  = 16
	maxClaimValues = 1000
	maxClaimString = 4096
)

// checkBounded: the JSON `token --format json` writes of a token is valid,
// and its Payload is bounded whatever the token: nested no deeper than
// maxClaimDepth, no more than maxClaimValues values and a marker per
// level cut, no string longer than maxClaimString and its "…". The whole,
// Claims included, is under 256 KB for a token of up to 16 KB, larger
// than real ones get (Windows Credential Manager stops at 2,560 bytes).
func checkBounded(t *testing.T, in string, tok *token.Token) {
	t.Helper()
	b, err := json.Marshal(tok)
	if err != nil || !json.Valid(b) {
		t.Fatalf("the token's JSON: %v", err)
	}
	if len(in) <= 16<<10 && len(b) > 256<<10 {
		t.Fatalf("a token of %d bytes makes %d bytes of JSON", len(in), len(b))
	}
	values, deepest, longest := 0, 0, 0
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		switch v := v.(type) {
		case map[string]any:
			deepest = max(deepest, depth+1)
			for _, e := range v {
				values++
				walk(e, depth+1)
			}
		case []any:
			deepest = max(deepest, depth+1)
			for _, e := range v {
				values++
				walk(e, depth+1)
			}
		case string:
			longest = max(longest, len(v))
		}
	}
	walk(tok.Payload, 0)
	if deepest > maxClaimDepth || values > maxClaimValues+maxClaimDepth+1 || longest > maxClaimString+len("…") {
		t.Fatalf("Payload unbounded: %d levels, %d values, a string of %d bytes", deepest, values, longest)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	// Past the bounds: deep, wide, long.
	wide := make([]string, maxClaimValues+50)
	for i := range wide {
		wide[i] = fmt.Sprintf(`"c%04d":[%d]`, i, i)
	}
	f.Add(raw(`{"alg":"RS256"}`, `{"aud":"myreg.azurecr.io","x":`+strings.Repeat(`{"y":[`, 20)+strings.Repeat(`]}`, 20)+`}`))
	f.Add(raw(`{"alg":"RS256"}`, `{`+strings.Join(wide, ",")+`}`))
	f.Add(raw(`{"alg":"RS256"}`, `{"sub":"`+strings.Repeat(`\u003c`, maxClaimString+1)+`"}`))
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
		checkBounded(t, in, tok)
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
