package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSkip(t *testing.T) {
	for _, tt := range []struct{ in, rest string }{
		{`1,`, `,`},
		{`-1.5e+3}`, `}`},
		{`true]`, `]`},
		{` null `, ` `},
		{`"a\"b\\",`, `,`},
		{`"}]"}`, `}`},
		{`{"a":[1,{"b":"]"}],"c":{}},"d"`, `,"d"`},
		{`[[],[{}]] 1`, ` 1`},
	} {
		s := Scanner{B: []byte(tt.in)}
		s.Skip()
		if rest := tt.in[s.I:]; rest != tt.rest {
			t.Errorf("Skip(%s) left %q, want %q", tt.in, rest, tt.rest)
		}
	}
}

// FuzzSkip: Skip ends a valid value where it ends, and stops at what
// follows a value in an object or array.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`1`, `"a\"b"`, `{"a":[1,true,null,{"b":"}"}]}`, ` [ -0.5e-7 , "\u00e9" ] `, `"\\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		value := bytes.TrimRight(b, " \t\r\n")
		s := Scanner{B: b}
		s.Skip()
		if s.I != len(value) {
			t.Fatalf("Skip(%q) ended at %d, want %d", b, s.I, len(value))
		}
		for _, end := range []string{",", "}", "]"} {
			s := Scanner{B: append(value[:len(value):len(value)], end...)}
			s.Skip()
			if s.I != len(s.B)-1 {
				t.Fatalf("Skip(%q) ended at %d, want %d", s.B, s.I, len(s.B)-1)
			}
		}
	})
}
