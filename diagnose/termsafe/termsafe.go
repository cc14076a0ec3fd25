// Package termsafe makes untrusted text safe to print on a terminal.
//
// Most of what acr-doctor prints comes from outside: registry names and
// usernames from config.json or a pull secret, token claims, certificate
// subjects, a registry's or a credential helper's answers, pasted logs. An
// escape sequence in any of them could rewrite the screen, hide or forge a
// line of the report, set the window title, write to the clipboard (OSC 52)
// or plant a link (OSC 8). Every text renderer passes such values through
// [Line] (a value inside one line of the report) or [Text] (text whose line
// breaks are its own) before it adds its own colour; [Writer] does the same
// for a whole stream, such as a --format template's output.
//
// JSON output keeps its values exact. encoding/json escapes C0 controls
// and U+2028/U+2029 and replaces invalid UTF-8, but writes DEL, C1
// controls and bidi controls raw; [JSONWriter] escapes those as \u00XX,
// which decodes to the same string: nothing is escaped twice, nothing
// changes for a program that reads it.
//
// What is replaced, and with what:
//
//   - C0 controls (U+0000–U+001F) and DEL (U+007F) become their caret
//     notation: ESC is "^[", CR "^M", BS "^H", NUL "^@", DEL "^?". This is
//     what Git does with the sideband output of a remote (sideband.c,
//     strbuf_add_sanitized), and what cat -v and less show: a reader sees
//     that the bytes were there and which they were, and a sequence such as
//     ESC ] 52 ; c ; … BEL is left as harmless printable text
//     ("^[]52;c;…^G"). Text keeps line feed and tab.
//   - C1 controls (U+0080–U+009F: CSI is U+009B, OSC U+009D), the bidi
//     embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
//     U+202A–U+202E, U+2066–U+2069) that reorder what a line shows
//     ("Trojan Source"), and the line and paragraph separators U+2028 and
//     U+2029 become "<U+XXXX>", as less shows them. Caret notation has no
//     form for them.
//   - Each byte that is not part of valid UTF-8 becomes U+FFFD, as Go's
//     decoding of a string gives it: a lone 0x9B byte is CSI on a terminal
//     that reads 8-bit controls.
//
// Everything else, printable ASCII and Unicode alike, is kept. The result
// is valid UTF-8 holding no control character but (for Text) line feed and
// tab, and sanitising it again changes nothing.
package termsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrorLine is the line of a program's output that says what failed,
// trimmed: the first that starts with ERROR (the Azure CLI prints its
// warnings, an upgrade or a deprecation, before it), else the first that
// is not a WARNING, else the first; "" for output with no words.
func ErrorLine(s string) string {
	var first, plain string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			continue
		case strings.HasPrefix(l, "ERROR"):
			return l
		case first == "":
			first = l
		}
		if plain == "" && !strings.HasPrefix(l, "WARNING") {
			plain = l
		}
	}
	if plain != "" {
		return plain
	}
	return first
}

// Line is s made safe to print as part of one line: every control
// character, line feed and tab included, is made visible, so a value cannot
// end the line it is printed on, forge another, or move a column.
func Line(s string) string { return clean(s, false) }

// Text is s made safe to print as text whose line feeds and tabs are its
// own: a --format template's output, a block of the tool's own text with
// untrusted values in it.
func Text(s string) string { return clean(s, true) }

// Lines is each element of ss made safe with Line.
func Lines(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Line(s)
	}
	return out
}

// Unsafe reports whether r is a rune Line replaces (with lf and tab
// allowed, whether Text does).
func Unsafe(r rune, keepLayout bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !keepLayout
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	}
	return special(r)
}

// special: the bidi controls and the Unicode line breaks.
func special(r rune) bool {
	switch r {
	case 0x061c, 0x200e, 0x200f, 0x2028, 0x2029:
		return true
	}
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func clean(s string, keepLayout bool) string {
	i := firstUnsafe(s, keepLayout)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case !Unsafe(r, keepLayout):
			b.WriteString(s[i : i+size])
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		default:
			fmt.Fprintf(&b, "<U+%04X>", r)
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte of s that clean changes, or
// -1: most values are plain ASCII and come back as they are.
func firstUnsafe(s string, keepLayout bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(keepLayout && (c == '\n' || c == '\t')) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r, keepLayout) {
			return i
		}
		i += size
	}
	return -1
}

// Writer sanitises, with Text, each Write to W. With SGR set, the colour
// and style sequences (ESC [ digits and semicolons m) of a producer that
// colours its own output pass too; every other escape sequence is made
// visible like any control character.
//
// Each Write is sanitised on its own: a producer that splits a UTF-8
// sequence or an SGR sequence across two writes gets U+FFFD or a visible
// "^[" for it, never a raw control byte. fmt, text/template and
// text/tabwriter write whole values, runes and sequences.
type Writer struct {
	W   io.Writer
	SGR bool
}

// NewWriter is a Writer to w that lets no escape sequence through.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write writes p, sanitised, and reports len(p) written when all of it was.
func (w *Writer) Write(p []byte) (int, error) {
	s := string(p)
	var out string
	if w.SGR {
		out = keepSGR(s)
	} else {
		out = Text(s)
	}
	if _, err := io.WriteString(w.W, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// keepSGR is Text, but for SGR sequences, which are kept.
func keepSGR(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return Text(s)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(Text(s))
			return b.String()
		}
		n := sgrLen(s[i:])
		if n == 0 {
			// Not a colour: the ESC is made visible with what precedes it.
			b.WriteString(Text(s[:i+1]))
			s = s[i+1:]
			continue
		}
		b.WriteString(Text(s[:i]))
		b.WriteString(s[i : i+n])
		s = s[i+n:]
	}
}

// sgrLen is the length of the SGR sequence s starts with, or 0. The same
// shape Git lets through its sideband by default.
func sgrLen(s string) int {
	for i := 2; i < len(s) && i < 32; i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9' || c == ';':
		default:
			return 0
		}
	}
	return 0
}

// JSONWriter writes JSON to W with every rune Line would replace that
// encoding/json leaves raw (DEL, C1 controls, bidi controls) escaped as
// \uXXXX. In JSON such a rune can only stand inside a string, where the
// escape means the same rune: the document decodes to the same values.
// Bytes that are not valid UTF-8 are left as they are (encoding/json
// writes none). Each Write is escaped on its own; json.Encoder writes a
// whole document at once.
type JSONWriter struct{ W io.Writer }

// Write writes p, escaped, and reports len(p) written when all of it was.
func (w JSONWriter) Write(p []byte) (int, error) {
	if _, err := w.W.Write(EscapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EscapeJSON is the JSON text b with DEL, C1 and bidi controls and the
// Unicode line breaks written as \uXXXX escapes.
func EscapeJSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if r == utf8.RuneError && size == 1 || r < 0x20 || !Unsafe(r, true) {
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+16), b[:i]...)
		}
		out = fmt.Appendf(out, `\u%04x`, r)
		i += size
	}
	if out == nil {
		return b
	}
	return out
}
