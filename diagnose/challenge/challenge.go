// Package challenge parses the WWW-Authenticate header that a registry sends
// with a 401: which auth-schemes it accepts and, for Bearer, where to get a
// token (realm), for which service and with what scope.
//
// Registries send a small part of what HTTP allows, but a doctor also sees
// proxies, captive portals and hand-written servers. So [Parse] implements
// the whole grammar. For malformed input it says where the problem is.
// Errors quote only a few bytes of the input because they end up in reports
// that people paste into issues.
//
// # Grammar
//
// RFC 9110 (https://www.rfc-editor.org/rfc/rfc9110), which replaced RFC 7235
// §2.1, with the section that defines each rule:
//
//	WWW-Authenticate = #challenge                                      ; §11.6.1
//	challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]  ; §11.3
//	auth-scheme      = token                                           ; §11.1
//	auth-param       = token BWS "=" BWS ( token / quoted-string )     ; §11.2
//	token68          = 1*( ALPHA / DIGIT /
//	                       "-" / "." / "_" / "~" / "+" / "/" ) *"="    ; §11.2
//	token            = 1*tchar                                         ; §5.6.2
//	tchar            = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-"
//	                 / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
//	quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE         ; §5.6.4
//	qdtext           = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair      = "\" ( HTAB / SP / VCHAR / obs-text )
//	obs-text         = %x80-FF
//	OWS              = *( SP / HTAB )                                  ; §5.6.3
//	BWS              = OWS
//	#element         = [ element ] *( OWS "," OWS [ element ] )        ; §5.6.1
//
// The last rule is how a recipient must read a list, so it accepts empty
// elements, as in `Basic realm="x",, Bearer`. The same "," separates
// parameters and challenges: a token followed by "=" is an auth-param of
// the challenge before it, and any other token starts a new challenge.
//
// # Leniency
//
// Where a server strays from the grammar but its meaning is still clear,
// Parse accepts the header:
//
//   - an unquoted value that is not a token, as in realm=https://x/token.
//     ":" and "/" are not tchar, but the value still ends plainly at
//     whitespace or ",";
//   - HTAB instead of SP after the auth-scheme, or a "," instead, as in
//     `Bearer,realm="x"`.
//
// Where guessing could change the meaning, Parse returns an error: a
// parameter that appears twice, a missing "," between parameters, or a
// parameter with no auth-scheme before it.
package challenge

import (
	"fmt"
	"strconv"
)

// Challenge is one auth-scheme with its parameters (RFC 7235 §2.1).
type Challenge struct {
	// Scheme is "Bearer" or "Basic" in that case, however it was sent,
	// because the scheme is case-insensitive and callers compare it. Other
	// schemes keep the case they were sent in.
	Scheme string
	// Params holds the auth-params, keyed by lower-case name, because
	// parameter names are case-insensitive. The values are unquoted and
	// unescaped. Params is nil when there are none.
	Params map[string]string
	// Token68 is the single opaque value of schemes such as Negotiate, as
	// in "Negotiate YII…==". A challenge has either a Token68 or Params,
	// never both.
	Token68 string
}

// Param returns the value of the named parameter, matching the name without
// regard to case, or "" if c has no such parameter.
func (c Challenge) Param(name string) string {
	return c.Params[lower(name)]
}

// Bearer returns the first Bearer challenge, if any.
//
// A registry can offer Basic and Bearer together. ACR answers a rejected
// Basic credential with only `Basic realm="Azure Container Registry"`, so
// finding no Bearer challenge is itself a finding.
func Bearer(cs []Challenge) (Challenge, bool) {
	for _, c := range cs {
		if c.Scheme == "Bearer" {
			return c, true
		}
	}
	return Challenge{}, false
}

// Error is returned for malformed input; Offset is a byte offset into the header line Line (0-based).
type Error struct {
	Line   int    // index of the line among Parse's arguments
	Offset int    // where the problem is, 0 ≤ Offset ≤ len(line)
	Reason string // what is wrong; it quotes at most about 40 bytes of input
}

func (e *Error) Error() string {
	return fmt.Sprintf("malformed WWW-Authenticate[%d] at byte %d: %s", e.Line, e.Offset, e.Reason)
}

// maxLine is the longest header line Parse reads. ACR's longest challenge
// is a few hundred bytes. Anything over 16 KiB is not a registry's
// challenge, and refusing it keeps the work bounded: Go's HTTP client
// accepts response headers of up to 10 MB.
const maxLine = 16 << 10

// Parse parses the WWW-Authenticate field lines of one response, such as
// resp.Header.Values("WWW-Authenticate"). It returns every challenge they
// hold, in order. An empty header, or none, gives no challenges and no error.
//
// Each line is read as a whole list of challenges. RFC 9110 §5.3 lets a
// proxy join lines with ",", and that gives the same result. Parse does not
// join them itself, so a line that begins with a parameter is an error, not
// a continuation of the line before. No registry splits a challenge across
// lines, and joining would let one line change another line's challenge.
//
// A line longer than 16 KiB is refused whole.
//
// For malformed input Parse returns a *Error for the first problem. It also
// returns each challenge it could parse without guessing: those on other
// lines, and those that end before the problem on the bad line. It drops the
// challenge that the problem interrupts, because a Bearer challenge that
// lost its scope or error parameter still looks complete but means
// something else.
func Parse(headers ...string) ([]Challenge, error) {
	var cs []Challenge
	var first *Error
	for i, h := range headers {
		var err *Error
		cs, err = parseLine(cs, h)
		if err != nil && first == nil {
			err.Line = i
			first = err
		}
	}
	if first != nil {
		return cs, first
	}
	return cs, nil
}

// parseLine appends the challenges in s to cs. On error it returns those
// completed before the error, and an Error whose Line is unset.
func parseLine(cs []Challenge, s string) ([]Challenge, *Error) {
	if len(s) > maxLine {
		return cs, &Error{Offset: maxLine, Reason: fmt.Sprintf("header line is %d bytes, longer than %d", len(s), maxLine)}
	}
	var (
		cur  Challenge // the challenge being read
		open bool      // whether cur has a scheme yet
		i    int
		err  *Error
		// The name of the parameter read last, for messages. A scheme
		// alone or with a token68 always ends its element.
		last string
	)
	for {
		i = skipOWS(s, i)
		if i == len(s) {
			break
		}
		if s[i] == ',' { // an empty list element
			i++
			continue
		}
		start := i
		i = skipToken(s, i)
		if i == start {
			return cs, unexpected(s, i, "an auth-scheme")
		}
		name := s[start:i]
		if j := skipOWS(s, i); equalsAt(s, j) {
			if !open {
				return cs, &Error{Offset: start, Reason: fmt.Sprintf("parameter %s has no auth-scheme before it", quote(name))}
			}
			if cur.Token68 != "" {
				return cs, &Error{Offset: start, Reason: fmt.Sprintf("parameter %s follows token68 %s", quote(name), quote(cur.Token68))}
			}
			last = name
			if i, err = param(&cur, s, start, i); err != nil {
				return cs, err
			}
		} else {
			// name is an auth-scheme if a space and a token or token68
			// follow it, or nothing does. Otherwise, after a ",", as in
			// `realm="x",service"y"`, it is most likely a parameter that
			// lost its "=", and the challenge before it may be incomplete.
			k, isToken68 := token68(s, j)
			p := skipToken(s, j)
			switch {
			case j == len(s) || s[j] == ',': // a scheme alone, as in "Negotiate"
			case j > i && (isToken68 || p > j):
			case open:
				return cs, unexpected(s, j, `"=" after parameter `+quote(name))
			case j == i:
				return cs, unexpected(s, i, `" " after auth-scheme `+quote(name))
			default:
				return cs, unexpected(s, j, "an auth-param or token68")
			}
			if open {
				cs = append(cs, cur)
			}
			cur, open = Challenge{Scheme: canonical(name)}, true
			switch {
			case isToken68:
				cur.Token68, i = s[j:k], k
			case p > j:
				// The first auth-param follows the scheme after a space,
				// not a ",", so it is read here: a token in this position
				// is never another scheme.
				last = s[j:p]
				if !equalsAt(s, p) {
					return cs, unexpected(s, skipOWS(s, p), `"=" after parameter `+quote(last))
				}
				if i, err = param(&cur, s, j, p); err != nil {
					return cs, err
				}
			default:
				i = j
			}
		}
		// What follows an element can only be the "," before the next one.
		if i = skipOWS(s, i); i < len(s) && s[i] != ',' {
			return cs, unexpected(s, i, `"," after parameter `+quote(last))
		}
	}
	if open {
		cs = append(cs, cur)
	}
	return cs, nil
}

// param reads the auth-param whose name is s[start:i] into c and returns
// the offset just past its value. The caller has seen the "=" after the
// name.
func param(c *Challenge, s string, start, i int) (int, *Error) {
	name := s[start:i]
	i = skipOWS(s, skipOWS(s, i)+1)
	if i == len(s) || s[i] == ',' {
		return i, &Error{Offset: i, Reason: fmt.Sprintf("parameter %s has no value", quote(name))}
	}
	var value string
	if s[i] == '"' {
		var err *Error
		if value, i, err = quoted(s, i); err != nil {
			return i, err
		}
	} else {
		j := i
		for j < len(s) && isValueChar(s[j]) {
			j++
		}
		if j == i {
			return i, unexpected(s, i, "a value for parameter "+quote(name))
		}
		value, i = s[i:j], j
	}
	key := lower(name)
	if _, dup := c.Params[key]; dup {
		// Which value would the server's own client use? There is no
		// telling, so neither is kept.
		return start, &Error{Offset: start, Reason: fmt.Sprintf("parameter %s appears twice", quote(name))}
	}
	if c.Params == nil {
		c.Params = make(map[string]string, 4) // realm, service, scope, error
	}
	c.Params[key] = value
	return i, nil
}

// quoted reads the quoted-string at s[i] and returns its unescaped value and
// the offset just past its closing quote.
func quoted(s string, i int) (string, int, *Error) {
	escaped := false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; c {
		case '"':
			if !escaped {
				return s[i+1 : j], j + 1, nil
			}
			return unescape(s[i+1 : j]), j + 1, nil
		case '\\':
			if j++; j < len(s) && isCTL(s[j]) {
				return "", j, controlChar(s, j)
			}
			escaped = true
		default:
			if isCTL(c) {
				return "", j, controlChar(s, j)
			}
		}
	}
	return "", i, &Error{Offset: i, Reason: "quoted string has no closing quote"}
}

// unescape removes the backslash of each quoted-pair in q.
func unescape(q string) string {
	b := make([]byte, 0, len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' {
			i++
		}
		b = append(b, q[i])
	}
	return string(b)
}

// token68 reports whether a token68 starts at s[i] and makes up the rest of
// its list element, and if so where it ends. An auth-param also starts with
// token68 characters, as in realm=x: what comes after the "=" tells them
// apart.
func token68(s string, i int) (int, bool) {
	j := i
	for j < len(s) && isToken68Char(s[j]) {
		j++
	}
	if j == i {
		return i, false
	}
	for j < len(s) && s[j] == '=' {
		j++
	}
	if k := skipOWS(s, j); k < len(s) && s[k] != ',' {
		return i, false
	}
	return j, true
}

// unexpected describes the byte at s[i], which is not what the grammar
// allows there.
func unexpected(s string, i int, want string) *Error {
	var found string
	switch {
	case i == len(s):
		found = "end of header"
	case isCTL(s[i]):
		return controlChar(s, i)
	default:
		found = strconv.Quote(s[i : i+1])
	}
	return &Error{Offset: i, Reason: fmt.Sprintf("expected %s, found %s", want, found)}
}

// controlChar describes the control character at s[i]. It is said apart
// from other unexpected bytes because it is a bug in the server or a proxy,
// or CRLF injection, not a typo.
func controlChar(s string, i int) *Error {
	return &Error{Offset: i, Reason: fmt.Sprintf("control character 0x%02x", s[i])}
}

// maxQuote is how many bytes of a name quote keeps. Two quoted names fit in
// the 40 bytes of input an error may show.
const maxQuote = 16

// quote quotes a name for an error message, cut to maxQuote bytes.
func quote(name string) string {
	if len(name) > maxQuote {
		return strconv.Quote(name[:maxQuote]) + "…"
	}
	return strconv.Quote(name)
}

// canonical spells the schemes that callers compare the way the registry
// documentation does.
func canonical(scheme string) string {
	switch {
	case equalFold(scheme, "Bearer"):
		return "Bearer"
	case equalFold(scheme, "Basic"):
		return "Basic"
	}
	return scheme
}

// equalsAt reports whether s[i:] starts with "=", after optional
// whitespace: whether the token that ends at i is an auth-param's name.
func equalsAt(s string, i int) bool {
	i = skipOWS(s, i)
	return i < len(s) && s[i] == '='
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipToken(s string, i int) int {
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return i
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isTokenChar reports whether c is a tchar.
func isTokenChar(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return isAlnum(c)
}

func isToken68Char(c byte) bool {
	switch c {
	case '-', '.', '_', '~', '+', '/':
		return true
	}
	return isAlnum(c)
}

// isValueChar reports whether c may appear in an unquoted value: any VCHAR
// but the "," that ends the element and the DQUOTE that would start a
// quoted-string. That is wider than tchar (see Leniency in the package doc).
func isValueChar(c byte) bool {
	return '!' <= c && c <= '~' && c != ',' && c != '"'
}

// isCTL reports whether c is a control character that no part of the header
// may hold. HTAB is whitespace, and obs-text (0x80-0xFF) is allowed in
// quoted strings.
func isCTL(c byte) bool {
	return c < ' ' && c != '\t' || c == 0x7f
}

// lower returns s with ASCII letters in lower case. Parameter names are
// ASCII; unicode case folding would let the Kelvin sign match "k".
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFold is strings.EqualFold for ASCII.
func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
