package shell

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
)

// Every value from outside that goes into a suggested command (an address
// in a registry's answer, a name in config.json, a claim in a token, a
// setting read from ARM) goes in as an Arg. A value with a known shape
// (an IP, a host name, a registry name, a GUID, a resource ID, a
// repository) goes in only when it has that shape; any other value goes in
// shell-quoted, as one word, unless it could be read as an option or hides
// something from the eye. A value that cannot go in leaves a placeholder
// such as <your public IP> in its place, and a note for the evidence
// saying so.
//
// Commands are written with Sprintf or a Fix, whose format is the
// program's own text and whose %s verbs take Args only: a string from
// outside cannot reach a command unchecked, since it does not compile.

// MaxText is the longest free-text value put into a command.
const MaxText = 256

// Arg is a value ready for a suggested command: the value as one shell
// word, or a placeholder when it could not be used.
type Arg struct {
	word string // what goes into the command
	raw  string // the value as it came
	what string // names the value in a note: "client IP"
	why  string // why raw was not used; "" when it was, or when there was none
	ok   bool   // word holds raw (quoted), not a placeholder
	// inner are the values inside a Subst, whose notes are the word's.
	inner []Arg
}

// String is the word as it goes into a command.
func (a Arg) String() string { return a.word }

// OK reports whether the value itself, not a placeholder, is in the word.
func (a Arg) OK() bool { return a.ok }

// Note says why a value was left out of the commands, for the evidence;
// "" when it was used, or when there was none.
func (a Arg) Note() string {
	if a.why == "" {
		return ""
	}
	return fmt.Sprintf("the %s %s %s, so the suggested commands show %s in its place", a.what, show(a.raw), a.why, a.word)
}

// Or is a with placeholder p in place of a value it could not use.
func (a Arg) Or(p string) Arg {
	p = mustPlaceholder(p)
	if !a.ok {
		a.word = p
	}
	return a
}

// Named is a with its value called what in a note.
func (a Arg) Named(what string) Arg {
	a.what = what
	return a
}

// show is s for a note: Go-quoted, so nothing in it acts on a terminal,
// and cut short.
func show(s string) string {
	const max = 80
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return strconv.Quote(s[:n]) + "…"
	}
	return strconv.Quote(s)
}

// compile defers compiling a pattern to its first use: the credential
// helper links this package, and compiling every pattern at start would
// cost each of Docker's gets most of a millisecond.
func compile(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

var placeholderRE = compile(`^<[A-Za-z][A-Za-z0-9 -]*>$`)

// IsPlaceholder reports whether s is a placeholder: words of letters and
// digits in angle brackets, such as <your public IP> or <registry-name>,
// which a user replaces before running the command.
func IsPlaceholder(s string) bool { return placeholderRE().MatchString(s) }

func mustPlaceholder(p string) string {
	if !IsPlaceholder(p) {
		panic(fmt.Sprintf("shell: %q is not a placeholder", p))
	}
	return p
}

// Placeholder is an Arg that holds only the placeholder p, for a value
// nobody knows.
func Placeholder(p string) Arg { return Arg{word: mustPlaceholder(p)} }

// check makes an Arg: s as word when valid says why it is not usable as
// "" (and s is not empty), else the placeholder with the reason.
func check(what, placeholder, s string, valid func(string) (string, string)) Arg {
	a := Arg{raw: s, what: what, word: mustPlaceholder(placeholder)}
	if s == "" {
		return a
	}
	word, why := valid(s)
	if why != "" {
		a.why = why
		return a
	}
	a.word, a.ok = Quote(word), true
	return a
}

// Text is a value with no shape of its own, such as a user name, an
// identity or a proxy: quoted, as long as it is printable, at most
// MaxText bytes, and does not start with "-" (which a command would read
// as an option).
func Text(what, s, placeholder string) Arg {
	return check(what, placeholder, s, func(s string) (string, string) { return s, plain(s) })
}

// Subst is a command substitution, "$(command)", as one word: the command
// is Sprintf(format, args...), and the notes of args are the word's.
func Subst(format string, args ...Arg) Arg {
	return Arg{word: `"$(` + Sprintf(format, args...) + `)"`, ok: true, inner: args}
}

// Literal is the program's own text as one word, such as a role name with
// spaces. It never fails.
func Literal(s string) Arg { return Arg{word: Quote(s), raw: s, ok: true} }

// plain says why s cannot go into a command as text, or "".
func plain(s string) string {
	switch {
	case s == redact.Mark:
		return "is a secret, which is not shown"
	case len(s) > MaxText:
		return fmt.Sprintf("is %d bytes long, more than a real one", len(s))
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.HasPrefix(s, "-"):
		return `starts with "-", which the command would take for an option`
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return fmt.Sprintf("holds the invisible or control character %U", r)
		}
	}
	return ""
}

// IP is the client address a registry names, for `az acr network-rule
// add --ip-address`: one public IPv4 or IPv6 address without a zone, in
// its canonical form. A registry sees one address per client, so a range
// (0.0.0.0/0 would open the firewall to everyone) or an address no
// registry could have seen a client come from (private, loopback,
// unspecified, multicast) came from a body someone else wrote.
func IP(s string) Arg {
	return check("client IP", "<your public IP>", s, func(s string) (string, string) {
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil || a.Zone() != "":
			return "", "is not an IP address"
		case !PublicIP(a):
			return "", "is not a public address a registry could see a client come from"
		}
		return a.String(), ""
	})
}

// PublicIP reports whether a is a global unicast address outside the
// private ranges.
func PublicIP(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate()
}

// ValidIP reports whether IP accepts s.
func ValidIP(s string) bool { return IP(s).ok }

// Host is a registry's login server where a command takes a bare host
// name (nslookup, openssl, NO_PROXY): lower-case DNS labels of letters,
// digits and hyphens, no port.
func Host(s string) Arg {
	return check("login server", "<login-server>", s, func(s string) (string, string) {
		if !validHost(s) {
			if ValidHostPort(s) {
				return "", "has a port, which the command does not take"
			}
			return "", "is not a lower-case host name"
		}
		return s, ""
	})
}

// HostPort is Host where the command also takes a port (docker login and
// logout): host or host:port.
func HostPort(s string) Arg {
	return check("registry", "<login-server>", s, func(s string) (string, string) {
		if !ValidHostPort(s) {
			return "", "is not a lower-case host name, with or without a port"
		}
		return s, ""
	})
}

// ValidHost reports whether Host accepts s.
func ValidHost(s string) bool { return validHost(s) }

// ValidHostPort reports whether HostPort accepts s.
func ValidHostPort(s string) bool {
	h, port, hasPort := strings.Cut(s, ":")
	if !hasPort {
		return validHost(s)
	}
	if !validHost(h) || len(port) == 0 || len(port) > 5 || port[0] == '0' {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n <= 65535 && strconv.Itoa(n) == port
}

func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

var registryNameRE = compile(`^[A-Za-z0-9]{5,50}$`)

// RegistryName is an ACR resource name, what `az acr … -n` takes: 5 to 50
// letters and digits.
func RegistryName(s string) Arg {
	return check("registry name", "<registry-name>", s, func(s string) (string, string) {
		if !registryNameRE().MatchString(s) {
			return "", "is not 5 to 50 letters and digits"
		}
		return s, ""
	})
}

// ValidRegistryName reports whether RegistryName accepts s.
func ValidRegistryName(s string) bool { return registryNameRE().MatchString(s) }

// GUID is an Azure ID in GUID form: an application, object or tenant ID.
func GUID(what, s, placeholder string) Arg {
	return check(what, placeholder, s, func(s string) (string, string) {
		if !credkind.ValidGUID(s) {
			return "", "is not a GUID"
		}
		return s, ""
	})
}

// resourceIDRE is an ARM resource ID: a subscription, a resource group and
// at least one provider type and name. Resource group names may hold
// parentheses, which Quote then quotes.
var resourceIDRE = compile(`(?i)^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourcegroups/[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]/providers/[A-Za-z][A-Za-z0-9.]*(?:/[A-Za-z][A-Za-z0-9]*/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$`)

// ResourceID is an ARM resource ID, as --scope and --ids take it.
func ResourceID(s string) Arg {
	return check("resource ID", "<resource-id>", s, func(s string) (string, string) {
		if len(s) > 1024 || !resourceIDRE().MatchString(s) {
			return "", "is not an Azure resource ID"
		}
		return s, ""
	})
}

// ValidResourceID reports whether ResourceID accepts s.
func ValidResourceID(s string) bool { return ResourceID(s).ok }

// repositoryRE is the distribution spec's repository name: path components
// of lower-case letters and digits, joined by separators ".", "_", "__" or
// runs of "-", themselves joined by "/".
var repositoryRE = compile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)

// Repository is a repository name in a registry, as the distribution spec
// has it.
func Repository(s string) Arg {
	return check("repository", "<repository>", s, func(s string) (string, string) {
		if len(s) > 255 || !repositoryRE().MatchString(s) {
			return "", "is not a repository name"
		}
		return s, ""
	})
}

var tokenNameRE = compile(`^[A-Za-z0-9][A-Za-z0-9-]{4,49}$`)

// TokenName is an ACR repository-scoped token's name (az acr token -n): 5
// to 50 letters, digits and hyphens.
func TokenName(s string) Arg {
	return check("token name", "<token>", s, func(s string) (string, string) {
		if !tokenNameRE().MatchString(s) {
			return "", "is not 5 to 50 letters, digits and hyphens"
		}
		return s, ""
	})
}

// Sprintf is fmt.Sprintf for suggested commands and the steps around
// them: format is the program's own text, and its only verbs are %s, each
// taking an Arg, and %%.
func Sprintf(format string, args ...Arg) string {
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			i++
			continue
		}
		if i+1 >= len(format) || format[i+1] != 's' {
			panic(fmt.Sprintf("shell: %q has a verb other than %%s", format))
		}
		n++
	}
	if n != len(args) {
		panic(fmt.Sprintf("shell: %q takes %d values, given %d", format, n, len(args)))
	}
	words := make([]any, len(args))
	for i, a := range args {
		words[i] = a.word
	}
	return fmt.Sprintf(format, words...)
}

// Fix collects the remediation of one cause, and notes the values that
// could not go into it.
type Fix struct {
	lines []string
	notes []string
}

// Add appends Sprintf(format, args...) as a line of the remediation.
func (f *Fix) Add(format string, args ...Arg) *Fix {
	f.lines = append(f.lines, Sprintf(format, args...))
	f.notes = appendNotes(f.notes, args)
	return f
}

// appendNotes adds the notes of args, and of the values inside them, to
// notes, each once.
func appendNotes(notes []string, args []Arg) []string {
	for _, a := range args {
		if n := a.Note(); n != "" && !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
		notes = appendNotes(notes, a.inner)
	}
	return notes
}

// Lines is the remediation, in the order added.
func (f *Fix) Lines() []string { return f.lines }

// Notes are what the evidence must say about values left out.
func (f *Fix) Notes() []string { return f.notes }

// Notes are the notes of args that could not be used.
func Notes(args ...Arg) []string { return appendNotes(nil, args) }
