package wrapper

import (
	"strings"
	"unicode/utf8"

	"github.com/docker/docker-credential-helpers/credentials"
)

// parseAnswer reads a helper's answer in the form every helper writes
// it: one JSON object of string fields, with no escape but the
// one-character ones. It is get's fast path: encoding/json's first use of
// a type cost 0.07-0.1 ms of every get. Like Docker's client (a
// json.Decoder's first value), it reads the first object and no further.
// ok is false for anything else, which encoding/json then reads; where
// ok, the result is encoding/json's (FuzzParseAnswer holds it to that):
// fields are matched without regard to case, the last of a name wins,
// others are skipped.
func parseAnswer(b []byte) (c credentials.Credentials, ok bool) {
	p := answerParser{b: b}
	if !p.byte('{') {
		return c, false
	}
	if p.byte('}') {
		return c, true
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return c, false
		}
		val, ok := p.str()
		if !ok {
			return c, false
		}
		switch {
		case strings.EqualFold(key, "ServerURL"):
			c.ServerURL = val
		case strings.EqualFold(key, "Username"):
			c.Username = val
		case strings.EqualFold(key, "Secret"):
			c.Secret = val
		}
		if p.byte('}') {
			return c, true
		}
		if !p.byte(',') {
			return c, false
		}
	}
}

type answerParser struct {
	b []byte
	i int
}

func (p *answerParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// byte takes c, after any white space.
func (p *answerParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str takes a string of valid UTF-8 whose escapes are one character's.
func (p *answerParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	var unescaped []byte // nil until an escape
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.b[start:p.i]
			if unescaped != nil {
				s = append(unescaped, s...)
			}
			p.i++
			return string(s), utf8.Valid(s)
		case c < 0x20:
			return "", false
		case c == '\\':
			e, ok := unescape(p.next())
			if !ok {
				return "", false // \u…, or the end: encoding/json's
			}
			unescaped = append(append(unescaped, p.b[start:p.i]...), e)
			p.i++
			start = p.i + 1
		}
	}
	return "", false
}

// next is the byte after the current one, or 0 at the end.
func (p *answerParser) next() byte {
	if p.i+1 < len(p.b) {
		return p.b[p.i+1]
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
