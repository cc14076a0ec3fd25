package challenge

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// maxReason bounds an error's Reason. With names cut to maxQuote bytes, that
// keeps a message's quote of the input under about 40 bytes.
const maxReason = 80

// FuzzParse holds Parse to what callers rely on. It never panics. Every
// error is an *Error that points into its line and quotes little of it.
// And what Parse returns, with an error or without, parses to the same
// challenges when a server writes it out again.
//
// The input is split at "\n" into header lines, so the corpus covers
// several lines as well as control characters within one.
func FuzzParse(f *testing.F) {
	// testdata/fuzz/FuzzParse holds the headers registries send; these are
	// the corners of the grammar.
	for _, s := range []string{
		"",
		",, basic ,realm=x,, BEARER Realm = \"y\" ,\tservice=z",
		`Bearer realm="a\"b\\c\d"`,
		`Negotiate abc==, realm="x"`,
		`Bearer realm="x",service"y"`,
		`Bearer realm="x",realm="y"`,
		`Bearer realm=,service=x`,
		"Bearer realm=\"Z\xc3\xbcrich\xff\"\nBasic realm=\xff",
		"Bea\x00rer realm=\"\x7f\"",
		strings.Repeat(`Basic realm="x", `, 20),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines := strings.Split(in, "\n")
		cs, err := Parse(lines...)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse(%q) error %T %v, want *Error", in, err, err)
			}
			if e.Line < 0 || e.Line >= len(lines) || e.Offset < 0 || e.Offset > len(lines[e.Line]) {
				t.Fatalf("Parse(%q) error %+v points outside the input", in, *e)
			}
			if e.Reason == "" || len(e.Reason) > maxReason {
				t.Fatalf("Parse(%q) error reason %q: empty or longer than %d bytes", in, e.Reason, maxReason)
			}
		}
		for _, c := range cs {
			if msg := wellFormed(c); msg != "" {
				t.Fatalf("Parse(%q) returned %#v: %s", in, c, msg)
			}
		}

		// Written out again, one challenge a line or all on one line,
		// they must parse to the same challenges.
		rendered := make([]string, len(cs))
		for i, c := range cs {
			rendered[i] = render(c)
		}
		for _, again := range [][]string{rendered, {strings.Join(rendered, ", ")}} {
			if slices.ContainsFunc(again, func(s string) bool { return len(s) > maxLine }) {
				continue // quoting made the line longer than Parse reads
			}
			got, err := Parse(again...)
			if err != nil || !reflect.DeepEqual(got, cs) {
				t.Fatalf("Parse(%q) = %#v\nwritten out as %q\nparses to %#v, %v", in, cs, again, got, err)
			}
		}
	})
}

// render writes c out as a server would: `Scheme k="v",…`, with the keys
// in order and '"' and '\' escaped, or `Scheme token68`.
func render(c Challenge) string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	if c.Token68 != "" {
		b.WriteString(" " + c.Token68)
	}
	for i, k := range slices.Sorted(maps.Keys(c.Params)) {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(k + `="`)
		for _, ch := range []byte(c.Params[k]) {
			if ch == '"' || ch == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(ch)
		}
		b.WriteByte('"')
	}
	return b.String()
}

// wellFormed says what is wrong with a challenge Parse returned, or "".
func wellFormed(c Challenge) string {
	switch {
	case !isToken(c.Scheme, isTokenChar):
		return "scheme is not a token"
	case canonical(c.Scheme) != c.Scheme:
		return "scheme is not in canonical case"
	case c.Params != nil && len(c.Params) == 0:
		return "Params is empty but not nil"
	case c.Token68 != "" && c.Params != nil:
		return "both Token68 and Params"
	case c.Token68 != "" && !isToken(strings.TrimRight(c.Token68, "="), isToken68Char):
		return "Token68 is not a token68"
	}
	for k := range c.Params {
		if !isToken(k, isTokenChar) || lower(k) != k {
			return "parameter name is not a lower-case token"
		}
	}
	return ""
}

func isToken(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}
