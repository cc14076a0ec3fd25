// Package jsonscan reads JSON in the form the credential helper meets on
// every get (a backend's answer, the settings of config.json) without
// encoding/json's reflection, whose first use in a process costs 0.1-0.2
// ms. It reads only the common form: its callers hand encoding/json
// whatever it refuses, and fuzz tests hold what it accepts to
// encoding/json's reading.
package jsonscan

import "unicode/utf8"

// Scanner reads JSON tokens from B, from I on.
type Scanner struct {
	B []byte
	I int
}

func (s *Scanner) space() {
	for s.I < len(s.B) && (s.B[s.I] == ' ' || s.B[s.I] == '\t' || s.B[s.I] == '\n' || s.B[s.I] == '\r') {
		s.I++
	}
}

// Byte takes c, after any white space.
func (s *Scanner) Byte(c byte) bool {
	s.space()
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// String takes a string of valid UTF-8 whose escapes are one character's
// (\n, not \u000a); ok is false for any other, and for what is not a
// string.
func (s *Scanner) String() (v string, ok bool) {
	if !s.Byte('"') {
		return "", false
	}
	var unescaped []byte // nil until an escape
	start := s.I
	for ; s.I < len(s.B); s.I++ {
		switch c := s.B[s.I]; {
		case c == '"':
			b := s.B[start:s.I]
			if unescaped != nil {
				b = append(unescaped, b...)
			}
			s.I++
			return string(b), utf8.Valid(b)
		case c < 0x20:
			return "", false
		case c == '\\':
			e, ok := unescape(s.next())
			if !ok {
				return "", false // \u…, or the end
			}
			unescaped = append(append(unescaped, s.B[start:s.I]...), e)
			s.I++
			start = s.I + 1
		}
	}
	return "", false
}

// Object takes an object, calling member for each key with the scanner
// at its value, which member must take; false when member does, or the
// object is not one.
func (s *Scanner) Object(member func(key string) bool) bool {
	if !s.Byte('{') {
		return false
	}
	if s.Byte('}') {
		return true
	}
	for {
		key, ok := s.String()
		if !ok || !s.Byte(':') || !member(key) {
			return false
		}
		if s.Byte('}') {
			return true
		}
		if !s.Byte(',') {
			return false
		}
	}
}

// Skip passes over the next value, which must be valid JSON (json.Valid
// said so of the whole): it only finds where the value ends.
func (s *Scanner) Skip() {
	s.space()
	depth := 0
	for ; s.I < len(s.B); s.I++ {
		switch s.B[s.I] {
		case '"':
			for s.I++; s.I < len(s.B) && s.B[s.I] != '"'; s.I++ {
				if s.B[s.I] == '\\' {
					s.I++
				}
			}
		case '{', '[':
			depth++
			continue
		case '}', ']':
			if depth == 0 {
				return // the end of a number or a literal
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return // the end of a number or a literal
			}
			continue
		default:
			continue // inside a number or a literal
		}
		if depth == 0 {
			s.I++
			return
		}
	}
}

// next is the byte after the current one, or 0 at the end.
func (s *Scanner) next() byte {
	if s.I+1 < len(s.B) {
		return s.B[s.I+1]
	}
	return 0
}

// unescape is the byte a one-character escape (\n) stands for.
func unescape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}
