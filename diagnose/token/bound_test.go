package token

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// unsignedJWT makes a token whose payload is the raw JSON given.
func unsignedJWT(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("sig"))
}

// TestBoundedPayload: a token built deep, wide or long decodes, keeps
// its registered claims, and shows a bounded Payload whose JSON is small
// and valid, the same on every decode.
func TestBoundedPayload(t *testing.T) {
	const head = `{"iss":"Azure Container Registry","aud":"myreg.azurecr.io","exp":4102444800,`
	wide := make([]string, 3000)
	for i := range wide {
		wide[i] = fmt.Sprintf(`"c%05d":%d`, i, i)
	}
	tests := []struct {
		name, extra string
		check       func(t *testing.T, p map[string]any)
	}{
		{"deep", `"x":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000), func(t *testing.T, p map[string]any) {
			v := p["x"]
			for depth := 1; depth < maxClaimDepth; depth++ {
				a, ok := v.([]any)
				if !ok || len(a) != 1 {
					t.Fatalf("depth %d: %#v", depth, v)
				}
				v = a[0]
			}
			if v != tooDeep {
				t.Errorf("at depth %d: %#v, want %q", maxClaimDepth, v, tooDeep)
			}
		}},
		{"wide", strings.Join(wide, ","), func(t *testing.T, p map[string]any) {
			if len(p) > maxClaimValues+1 || !strings.HasPrefix(fmt.Sprint(p["…"]), "<omitted: ") {
				t.Errorf("%d claims kept, marker %q", len(p), p["…"])
			}
			if p["aud"] != "myreg.azurecr.io" || p["c00000"] != float64(0) {
				t.Errorf("the first claims in order were not kept: aud %v, c00000 %v", p["aud"], p["c00000"])
			}
		}},
		{"wide array", `"x":[` + strings.Repeat("1,", 20000) + `1]`, func(t *testing.T, p map[string]any) {
			a := p["x"].([]any)
			if len(a) > maxClaimValues+1 || !strings.HasPrefix(fmt.Sprint(a[len(a)-1]), "<omitted: ") {
				t.Errorf("%d values kept, last %v", len(a), a[len(a)-1])
			}
		}},
		{"long string", `"x":"` + strings.Repeat("é", 10000) + `"`, func(t *testing.T, p map[string]any) {
			if s := p["x"].(string); len(s) > maxClaimString+len("…") || !strings.HasSuffix(s, "…") || !json.Valid([]byte(`"`+s+`"`)) {
				t.Errorf("kept %d bytes", len(s))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := unsignedJWT(head + tt.extra + "}")
			tok, err := Decode(s)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Claims.Issuer != "Azure Container Registry" || tok.Claims.ExpiresAt.IsZero() {
				t.Errorf("registered claims lost: %+v", tok.Claims)
			}
			tt.check(t, tok.Payload)
			b, err := json.Marshal(tok)
			if err != nil || len(b) > 256<<10 {
				t.Errorf("JSON of the token: %d bytes, %v", len(b), err)
			}
			again, _ := Decode(s)
			if !reflect.DeepEqual(tok.Payload, again.Payload) {
				t.Error("two decodes of one token show different claims")
			}
		})
	}
}

// TestBoundLimits holds bound to its limits exactly: what sits at a limit
// is kept whole, what goes one past it is cut, and the marker counts what
// was cut. The object bound is given counts as one value of the budget.
func TestBoundLimits(t *testing.T) {
	long := strings.Repeat("a", maxClaimString)
	// claims is n flat claims, keyed so that byte order is numeric order.
	claims := func(n int) map[string]any {
		m := make(map[string]any, n)
		for i := range n {
			m[fmt.Sprintf("c%05d", i)] = float64(i)
		}
		return m
	}
	with := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
	values := func(n int) []any {
		a := make([]any, n)
		for i := range a {
			a[i] = float64(i)
		}
		return a
	}
	// nest is depth objects or arrays, one in the other, around leaf.
	nest := func(depth int, array bool, leaf any) any {
		v := leaf
		for range depth {
			if array {
				v = []any{v}
			} else {
				v = map[string]any{"y": v}
			}
		}
		return v
	}
	tests := []struct {
		name     string
		in, want map[string]any
	}{
		{"string at the limit", map[string]any{"x": long}, map[string]any{"x": long}},
		{"string one byte over", map[string]any{"x": long + "b"}, map[string]any{"x": long + "…"}},
		{"objects nested to the limit", map[string]any{"x": nest(maxClaimDepth+4, false, "end")}, map[string]any{"x": nest(maxClaimDepth-1, false, tooDeep)}},
		{"arrays nested to the limit", map[string]any{"x": nest(maxClaimDepth+4, true, "end")}, map[string]any{"x": nest(maxClaimDepth-1, true, tooDeep)}},
		{"claims that fit", claims(maxClaimValues - 1), claims(maxClaimValues - 1)},
		{"one claim too many", claims(maxClaimValues), with(claims(maxClaimValues-1), "…", "<omitted: 1 more claims>")},
		{"many claims too many", claims(3 * maxClaimValues), with(claims(maxClaimValues-1), "…", fmt.Sprintf("<omitted: %d more claims>", 2*maxClaimValues+1))},
		{"values that fit", map[string]any{"x": values(maxClaimValues - 2)}, map[string]any{"x": values(maxClaimValues - 2)}},
		{"one value too many", map[string]any{"x": values(maxClaimValues - 1)}, map[string]any{"x": append(values(maxClaimValues-2), "<omitted: 1 more values>")}},
		{"many values too many", map[string]any{"x": values(3 * maxClaimValues)}, map[string]any{"x": append(values(maxClaimValues-2), fmt.Sprintf("<omitted: %d more values>", 2*maxClaimValues+2))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bound(tt.in)
			if !reflect.DeepEqual(tt.in, tt.want) {
				got, _ := json.Marshal(tt.in)
				want, _ := json.Marshal(tt.want)
				t.Errorf("bound gives\n%.300s…\nwant\n%.300s…", got, want)
			}
		})
	}
}

// TestMaxSize: a string longer than any real token is not decoded, so no
// claim of it reaches a report whole.
func TestMaxSize(t *testing.T) {
	huge := unsignedJWT(`{"iss":"Azure Container Registry","sub":"` + strings.Repeat("a", MaxSize) + `"}`)
	var de *DecodeError
	if _, err := Decode(huge); !errors.As(err, &de) || !strings.Contains(de.Reason, "more than any real token") {
		t.Errorf("Decode of a %d-byte token: %v", len(huge), err)
	}
	if _, err := Decode(unsignedJWT(`{"iss":"Azure Container Registry","sub":"` + strings.Repeat("a", MaxSize/2) + `"}`)); err != nil {
		t.Errorf("Decode of a %d-byte token: %v", MaxSize/2, err)
	}
}
