// Package shelltest reads suggested commands the way a POSIX shell parses
// them, without running anything, so tests can show that a value from
// outside stays one word of the command it was put in, whatever it holds.
package shelltest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind sorts tokens.
type Kind int

const (
	Word    Kind = iota // a word: arguments, command names, assignments
	Op                  // an operator: | || & && ; ;; ( ) < > >> << <& >& <> >| and newline
	Comment             // # to the end of the line
)

func (k Kind) String() string {
	return [...]string{"word", "op", "comment"}[k]
}

// SubMark stands in Token.Value for a command substitution, whose
// tokens are in Token.Subs.
const SubMark = "\x00$(…)\x00"

// Token is one token of a command line.
type Token struct {
	Kind Kind
	Raw  string // as written
	// Value is a word after quote removal, with each command substitution
	// replaced by SubMark.
	Value string
	// Subs are the command substitutions $(…) in a word, parsed.
	Subs [][]Token
	// Expands names what the shell would expand in a word other than a
	// command substitution: $name, ${…}, $((…)), `…`, and, outside quotes,
	// globs (* ? [), a leading ~ and braces.
	Expands []string
	// Placeholder is set on a word that holds a placeholder such as
	// <registry-name>, which a user replaces before running the command.
	Placeholder bool
}

func (t Token) String() string { return fmt.Sprintf("%s %q", t.Kind, t.Raw) }

var placeholderRE = regexp.MustCompile(`^<[A-Za-z][A-Za-z0-9 -]*>`)

// Split parses s as a POSIX shell command line into tokens. It knows
// quoting (' " \), command substitution $(…) (parsed recursively, also
// inside double quotes), parameter expansion, backquotes, operators and
// comments, which is all that decides how a line splits into words. It
// treats a placeholder (<your public IP>) as a word of its own rather
// than as redirections. It fails on an unterminated quote or
// substitution.
func Split(s string) ([]Token, error) {
	p := parser{s: s}
	return p.tokens(false)
}

type parser struct {
	s     string
	i     int
	depth int
}

var ops = []string{"&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "|", "&", ";", "(", ")", "<", ">"}

func isOpByte(c byte) bool { return strings.IndexByte("|&;()<>", c) >= 0 }

func (p *parser) tokens(inSub bool) ([]Token, error) {
	out := []Token{}
	for {
		for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
			p.i++
		}
		if p.i >= len(p.s) {
			if inSub {
				return nil, errors.New("unterminated $(")
			}
			return out, nil
		}
		c := p.s[p.i]
		switch {
		case c == ')' && inSub:
			p.i++
			return out, nil
		case c == '\n':
			out = append(out, Token{Kind: Op, Raw: "\n"})
			p.i++
		case c == '#':
			end := strings.IndexByte(p.s[p.i:], '\n')
			if end < 0 {
				end = len(p.s) - p.i
			}
			out = append(out, Token{Kind: Comment, Raw: p.s[p.i : p.i+end]})
			p.i += end
		case c == '<' && placeholderRE.MatchString(p.s[p.i:]):
			w, err := p.word()
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		case isOpByte(c):
			for _, op := range ops {
				if strings.HasPrefix(p.s[p.i:], op) {
					out = append(out, Token{Kind: Op, Raw: op})
					p.i += len(op)
					break
				}
			}
		default:
			w, err := p.word()
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
	}
}

func (p *parser) word() (Token, error) {
	start := p.i
	t := Token{Kind: Word}
	var val strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '\n' {
			break
		}
		if c == '<' {
			if m := placeholderRE.FindString(p.s[p.i:]); m != "" {
				val.WriteString(m)
				t.Placeholder = true
				p.i += len(m)
				continue
			}
		}
		if isOpByte(c) {
			break
		}
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return t, errors.New("a trailing backslash")
			}
			if p.s[p.i+1] != '\n' {
				val.WriteByte(p.s[p.i+1])
			}
			p.i += 2
		case '\'':
			end := strings.IndexByte(p.s[p.i+1:], '\'')
			if end < 0 {
				return t, errors.New("unterminated single quote")
			}
			val.WriteString(p.s[p.i+1 : p.i+1+end])
			p.i += end + 2
		case '"':
			if err := p.dquote(&t, &val); err != nil {
				return t, err
			}
		case '$':
			if err := p.dollar(&t, &val); err != nil {
				return t, err
			}
		case '`':
			if err := p.backquote(&t, &val); err != nil {
				return t, err
			}
		case '*', '?', '[', '{', '}':
			t.Expands = append(t.Expands, string(c))
			val.WriteByte(c)
			p.i++
		case '~':
			if p.i == start {
				t.Expands = append(t.Expands, "~")
			}
			val.WriteByte(c)
			p.i++
		default:
			val.WriteByte(c)
			p.i++
		}
	}
	t.Raw, t.Value = p.s[start:p.i], val.String()
	return t, nil
}

// dquote reads "…" at p.i.
func (p *parser) dquote(t *Token, val *strings.Builder) error {
	p.i++
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return nil
		case '\\':
			if p.i+1 < len(p.s) && strings.IndexByte("$`\"\\\n", p.s[p.i+1]) >= 0 {
				if p.s[p.i+1] != '\n' {
					val.WriteByte(p.s[p.i+1])
				}
				p.i += 2
				continue
			}
			val.WriteByte(c)
			p.i++
		case '$':
			if err := p.dollar(t, val); err != nil {
				return err
			}
		case '`':
			if err := p.backquote(t, val); err != nil {
				return err
			}
		default:
			val.WriteByte(c)
			p.i++
		}
	}
	return errors.New("unterminated double quote")
}

// dollar reads what starts with $ at p.i.
func (p *parser) dollar(t *Token, val *strings.Builder) error {
	rest := p.s[p.i+1:]
	switch {
	case strings.HasPrefix(rest, "(("):
		t.Expands = append(t.Expands, "$((")
		end := strings.Index(rest, "))")
		if end < 0 {
			return errors.New("unterminated $((")
		}
		val.WriteString(p.s[p.i : p.i+1+end+2])
		p.i += 1 + end + 2
	case strings.HasPrefix(rest, "("):
		if p.depth > 20 {
			return errors.New("substitutions nested too deep")
		}
		p.i += 2
		p.depth++
		sub, err := p.tokens(true)
		p.depth--
		if err != nil {
			return err
		}
		t.Subs = append(t.Subs, sub)
		val.WriteString(SubMark)
	case strings.HasPrefix(rest, "{"):
		t.Expands = append(t.Expands, "${")
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return errors.New("unterminated ${")
		}
		val.WriteString(p.s[p.i : p.i+1+end+1])
		p.i += 1 + end + 1
	case rest != "" && (isNameByte(rest[0]) || strings.IndexByte("@*#?-$!", rest[0]) >= 0):
		n := 1
		if isNameByte(rest[0]) && !('0' <= rest[0] && rest[0] <= '9') {
			for n < len(rest) && isNameByte(rest[n]) {
				n++
			}
		}
		t.Expands = append(t.Expands, "$"+rest[:n])
		val.WriteString(p.s[p.i : p.i+1+n])
		p.i += 1 + n
	default:
		val.WriteByte('$')
		p.i++
	}
	return nil
}

func (p *parser) backquote(t *Token, val *strings.Builder) error {
	end := strings.IndexByte(p.s[p.i+1:], '`')
	if end < 0 {
		return errors.New("unterminated backquote")
	}
	t.Expands = append(t.Expands, "`")
	val.WriteString(p.s[p.i : p.i+1+end+1])
	p.i += end + 2
	return nil
}

func isNameByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Words are the values of the word tokens of toks, in order.
func Words(toks []Token) []string {
	var out []string
	for _, t := range toks {
		if t.Kind == Word {
			out = append(out, t.Value)
		}
	}
	return out
}
