package termsafe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile is a table of strings that would do something to a terminal,
// with what Line makes of each. Other packages' tests feed the same
// strings through their renderers.
var hostile = []struct {
	name, in, line string
}{
	{"CSI erase screen", "a\x1b[2Jb", "a^[[2Jb"},
	{"CSI colour", "\x1b[31mred\x1b[0m", "^[[31mred^[[0m"},
	{"CSI cursor up", "x\x1b[1A\x1b[Ky", "x^[[1A^[[Ky"},
	{"OSC 52 clipboard", "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07", "^[]52;c;Y3VybCBldmlsIHwgc2g=^G"},
	{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "^[]8;;https://evil.example/^[\\click^[]8;;^[\\"},
	{"OSC title", "\x1b]0;pwned\x07", "^[]0;pwned^G"},
	{"DCS", "\x1bP1$r\x1b\\", "^[P1$r^[\\"},
	{"carriage return", "fake ok\rreal", "fake ok^Mreal"},
	{"backspace", "abc\b\b\bxyz", "abc^H^H^Hxyz"},
	{"C1 CSI byte", "a\x9b2Jb", "a\uFFFD2Jb"},
	{"C1 CSI rune", "a\u009b2Jb", "a<U+009B>2Jb"},
	{"C1 OSC rune", "\u009d52;c;x\u009c", "<U+009D>52;c;x<U+009C>"},
	{"NEL", "a\u0085b", "a<U+0085>b"},
	{"bidi override", "user\u202Enigeb\u202C", "user<U+202E>nigeb<U+202C>"},
	{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "<U+2066>a<U+2067>b<U+2068>c<U+2069>"},
	{"bidi marks", "\u200e\u200f\u061c", "<U+200E><U+200F><U+061C>"},
	{"line separator", "a\u2028b\u2029c", "a<U+2028>b<U+2029>c"},
	{"invalid UTF-8", "a\xff\xfeb\xc3", "a\uFFFD\uFFFDb\uFFFD"},
	{"overlong NUL", "\xc0\x80", "\uFFFD\uFFFD"},
	{"surrogate", "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
	{"NUL", "a\x00b", "a^@b"},
	{"DEL", "a\x7fb", "a^?b"},
	{"bell", "\a", "^G"},
	{"newline", "registry\n  ✗ forged: line", "registry^J  ✗ forged: line"},
	{"tab", "a\tb", "a^Ib"},
	{"crlf", "a\r\nb", "a^M^Jb"},
	{"vertical tab, form feed", "\v\f", "^K^L"},
	{"plain", "myreg.azurecr.io", "myreg.azurecr.io"},
	{"unicode kept", "Zoë Ødegård — 東京 ✓ 🚀", "Zoë Ødegård — 東京 ✓ 🚀"},
	{"empty", "", ""},
	{"caret text kept", "^[[31m", "^[[31m"},
	{"U+FFFD kept", "\uFFFD", "\uFFFD"},
}

func TestLine(t *testing.T) {
	for _, tt := range hostile {
		if got := Line(tt.in); got != tt.line {
			t.Errorf("%s: Line(%q) = %q, want %q", tt.name, tt.in, got, tt.line)
		}
		checkSafe(t, tt.name, Line(tt.in), false)
		checkSafe(t, tt.name, Text(tt.in), true)
	}
}

func TestText(t *testing.T) {
	tests := map[string]string{
		"a\nb\tc":              "a\nb\tc",
		"a\r\nb":               "a^M\nb",
		"one\n\x1b[2Ktwo":      "one\n^[[2Ktwo",
		"\x1b]52;c;eA==\x07\n": "^[]52;c;eA==^G\n",
		"x\u202ey\n":           "x<U+202E>y\n",
	}
	for in, want := range tests {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnchangedIsSame: a safe string comes back as it is, not a copy.
func TestUnchangedIsSame(t *testing.T) {
	s := strings.Repeat("myreg.azurecr.io Zoë ", 10)
	if got := Line(s); got != s {
		t.Fatalf("Line changed a safe string: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Line(s) }); n != 0 {
		t.Errorf("Line of a safe string allocates %v times", n)
	}
}

func TestLines(t *testing.T) {
	got := Lines([]string{"a\x1b", "b"})
	if len(got) != 2 || got[0] != "a^[" || got[1] != "b" {
		t.Errorf("Lines = %q", got)
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	in := "ok\n\x1b[31mred\x1b[0m\t\x1b]52;c;eA==\x07\r\u202e\xff\n"
	n, err := w.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := "ok\n^[[31mred^[[0m\t^[]52;c;eA==^G^M<U+202E>\uFFFD\n"; b.String() != want {
		t.Errorf("Writer wrote %q, want %q", b.String(), want)
	}
}

func TestWriterSGR(t *testing.T) {
	tests := map[string]string{
		"\x1b[1mbold\x1b[0m":                    "\x1b[1mbold\x1b[0m",
		"\x1b[38;5;196mx\x1b[m":                 "\x1b[38;5;196mx\x1b[m",
		"\x1b[2J":                               "^[[2J",
		"\x1b[31":                               "^[[31",
		"\x1b[":                                 "^[[",
		"\x1b":                                  "^[",
		"a\x1b[1mb\x1b]52;c;x\x07c\x1b[0m":      "a\x1b[1mb^[]52;c;x^Gc\x1b[0m",
		"\x1b[\x1b[1m":                          "^[[\x1b[1m",
		"\x1b[1;\x1b[2m\r":                      "^[[1;\x1b[2m^M",
		"\x1b[" + strings.Repeat("1", 40) + "m": "^[[" + strings.Repeat("1", 40) + "m",
	}
	for in, want := range tests {
		var b bytes.Buffer
		if _, err := (&Writer{W: &b, SGR: true}).Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("SGR Writer(%q) wrote %q, want %q", in, b.String(), want)
		}
	}
}

func TestWriterError(t *testing.T) {
	w := NewWriter(errWriter{})
	if n, err := w.Write([]byte("x")); err == nil || n != 0 {
		t.Errorf("Write to a failing writer = %d, %v", n, err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

// checkSafe fails unless s is valid UTF-8 with no control character, no
// bidi control and no Unicode line break (line feed and tab allowed when
// layout is).
func checkSafe(t *testing.T, name, s string, layout bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: %q is not valid UTF-8", name, s)
	}
	for _, r := range s {
		if Unsafe(r, layout) {
			t.Errorf("%s: %q holds %U", name, s, r)
		}
	}
}

func FuzzSanitise(f *testing.F) {
	for _, tt := range hostile {
		f.Add(tt.in)
	}
	f.Add("\x1b[1mbold\x1b[0m\x1b[")
	f.Fuzz(func(t *testing.T, s string) {
		for _, layout := range []bool{false, true} {
			got := clean(s, layout)
			checkSafe(t, "clean", got, layout)
			for i := 0; i < len(got); i++ {
				c := got[i]
				if c < 0x20 && !(layout && (c == '\n' || c == '\t')) || c == 0x7f {
					t.Fatalf("clean(%q, %v) = %q holds byte %#x", s, layout, got, c)
				}
			}
			if again := clean(got, layout); again != got {
				t.Fatalf("not idempotent: clean(%q) = %q, again %q", s, got, again)
			}
			if !layout && strings.Count(got, "\n") != 0 {
				t.Fatalf("Line(%q) = %q holds a line feed", s, got)
			}
			if layout && strings.Count(got, "\n") != strings.Count(s, "\n") {
				t.Fatalf("Text(%q) = %q changed the number of lines", s, got)
			}
		}
		// The SGR writer: only SGR sequences' ESC survives.
		var b bytes.Buffer
		if _, err := (&Writer{W: &b, SGR: true}).Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !utf8.ValidString(out) {
			t.Fatalf("SGR Writer(%q) = %q is not valid UTF-8", s, out)
		}
		for rest := out; ; {
			i := strings.IndexByte(rest, 0x1b)
			if i < 0 {
				checkSafe(t, "SGR Writer", rest, true)
				break
			}
			checkSafe(t, "SGR Writer", rest[:i], true)
			n := sgrLen(rest[i:])
			if n == 0 {
				t.Fatalf("SGR Writer(%q) = %q lets through an ESC that starts no SGR", s, out)
			}
			rest = rest[i+n:]
		}
	})
}

func TestEscapeJSON(t *testing.T) {
	for _, tt := range hostile {
		checkJSON(t, tt.in)
	}
	if got := string(EscapeJSON([]byte(`"a\u001b` + "\x7f\u009b\u202e" + `"`))); got != `"a\u001b\u007f\u009b\u202e"` {
		t.Errorf("EscapeJSON = %s", got)
	}
	plain := []byte(`{"a": "b"}`)
	if got := EscapeJSON(plain); &got[0] != &plain[0] {
		t.Error("EscapeJSON copied JSON that needs no escape")
	}
	var b bytes.Buffer
	if n, err := (JSONWriter{W: &b}).Write([]byte("\"\u202e\"\n")); err != nil || n != len("\"\u202e\"\n") || b.String() != "\"\\u202e\"\n" {
		t.Errorf("JSONWriter wrote %q (%d, %v)", b.String(), n, err)
	}
	if _, err := (JSONWriter{W: errWriter{}}).Write([]byte("{}")); err == nil {
		t.Error("JSONWriter hid a write error")
	}
}

// checkJSON: s, encoded by encoding/json (indented, as the report is) and
// escaped, decodes to what encoding/json's own output does, and holds
// nothing unsafe but its layout.
func checkJSON(t *testing.T, s string) {
	t.Helper()
	v := map[string]any{s: []any{s, map[string]string{"k": s}}}
	raw, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	esc := EscapeJSON(raw)
	checkSafe(t, "EscapeJSON", string(esc), true)
	var want, got any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(esc, &got); err != nil {
		t.Fatalf("EscapeJSON(%s) = %s is not JSON: %v", raw, esc, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("EscapeJSON changed a value: %q → %q", want, got)
	}
	if again := EscapeJSON(esc); !bytes.Equal(again, esc) {
		t.Fatalf("EscapeJSON escaped twice: %s → %s", esc, again)
	}
}

func FuzzEscapeJSON(f *testing.F) {
	for _, tt := range hostile {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) { checkJSON(t, s) })
}

// TestErrorLine: az's warnings come before the line that says what failed.
func TestErrorLine(t *testing.T) {
	for in, want := range map[string]string{
		"WARNING: Your version of Azure CLI is out of date.\nWARNING: Please run az upgrade\nERROR: AADSTS700082: The refresh token has expired\n": "ERROR: AADSTS700082: The refresh token has expired",
		"WARNING: deprecated\nno subscriptions found\n": "no subscriptions found",
		"WARNING: only warnings\nWARNING: again":        "WARNING: only warnings",
		"  one line  ":                                  "one line",
		"\n\n":                                          "",
	} {
		if got := ErrorLine(in); got != want {
			t.Errorf("ErrorLine(%q) = %q, want %q", in, got, want)
		}
	}
}
