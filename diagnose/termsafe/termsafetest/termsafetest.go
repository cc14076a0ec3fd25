// Package termsafetest holds hostile strings, each of which would do
// something to a terminal if printed raw, and a check that output holds
// none of what they carry: for tests of every renderer that prints
// untrusted text.
package termsafetest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
)

// Hostile are the strings, by what each tries.
var Hostile = []struct{ Name, S string }{
	{"CSI erase", "x\x1b[2J\x1b[H"},
	{"CSI colour", "\x1b[31mred\x1b[0m"},
	{"CSI erase line", "\x1b[1A\x1b[2K"},
	{"OSC 52 clipboard", "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07"},
	{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"},
	{"OSC title", "\x1b]0;pwned\x1b\\"},
	{"carriage return", "healthy\r"},
	{"backspace", "abc\b\b\b"},
	{"C1 CSI byte", "\x9b2J"},
	{"C1 CSI rune", "\u009b2J"},
	{"bidi override", "\u202eexe.txt\u202c"},
	{"bidi isolate", "\u2067x\u2069"},
	{"invalid UTF-8", "\xff\xfe\xc3"},
	{"NUL", "a\x00b"},
	{"DEL", "a\x7fb"},
	{"line feed", "x\n  ✗ forged: line"},
	{"tab", "a\tb"},
	{"line separator", "a\u2028b"},
}

// All is every hostile string in one.
func All() string {
	var b strings.Builder
	for _, h := range Hostile {
		b.WriteString(h.S)
	}
	return b.String()
}

// Palette are the SGR sequences acr-doctor's own palette writes.
var Palette = []string{"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m"}

// Check returns an error naming the first thing in out that should not
// reach a terminal: invalid UTF-8, or a control character, C1 control,
// bidi control or Unicode line break, but line feed and tab and the
// sequences in allowed (the palette's, when colour is on).
func Check(out string, allowed ...string) error {
	if !utf8.ValidString(out) {
		i := 0
		for i < len(out) {
			r, n := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("invalid UTF-8 at byte %d: %q", i, around(out, i))
	}
outer:
	for i := 0; i < len(out); {
		for _, a := range allowed {
			if strings.HasPrefix(out[i:], a) {
				i += len(a)
				continue outer
			}
		}
		r, n := utf8.DecodeRuneInString(out[i:])
		if termsafe.Unsafe(r, true) {
			return fmt.Errorf("%U at byte %d: %q", r, i, around(out, i))
		}
		i += n
	}
	return nil
}

func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}
