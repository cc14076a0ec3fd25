package explain

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// target is the kind of registry a line's request went to. The same words
// mean different things for each: "authentication required" from ACR is a
// credential to check, from Microsoft Artifact Registry (which never asks
// for one) a service fault, from Docker Hub after a push meant for ACR a
// registry name without its host.
type target uint8

const (
	noTarget    target = iota // the line names no registry
	acrTarget                 // an ACR login server, regional or data endpoint, or a redacted host
	mcrTarget                 // Microsoft Artifact Registry: public, anonymous pull always allowed
	hubTarget                 // Docker Hub, where a reference without a host goes
	otherTarget               // any other registry
)

func (t target) String() string {
	return [...]string{"none", "acr", "mcr", "docker.io", "other"}[t]
}

// foreign reports whether t is a registry other than ACR: what it refuses
// is about it, not about an ACR the text named before.
func (t target) foreign() bool { return t == mcrTarget || t == hubTarget || t == otherTarget }

// Docker Hub's names, as references and Docker's requests spell them.
// References: splitDockerDomain in github.com/distribution/reference
// normalize.go (v0.6.0); registry-1.docker.io and auth.docker.io in
// docker/docker registry/config.go.
var hubHosts = map[string]bool{
	"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true,
	"registry.docker.io": true, "auth.docker.io": true, "registry.hub.docker.com": true,
}

// mcrHosts serve Microsoft Artifact Registry; mcrprod.azurecr.io is the
// ACR registry behind it, whose token endpoint MCR's challenge names.
var mcrHosts = map[string]bool{"mcr.microsoft.com": true, "mcrprod.azurecr.io": true}

// notRegistries are hosts that error output links to but never sends an
// image request to: they say nothing about where the request went.
var notRegistries = map[string]bool{
	"aka.ms": true, "login.microsoftonline.com": true, "management.azure.com": true,
	"learn.microsoft.com": true, "docs.microsoft.com": true, "docs.docker.com": true,
	"www.docker.com": true, "docker.com": true, "hub.docker.com": true, "github.com": true,
	"localhost": true, "shell.azure.com": true, "portal.azure.com": true,
}

// classify says which kind of registry host h (lower case, no port) is.
func classify(h string) target {
	switch {
	case h == "":
		return noTarget
	case hubHosts[h]:
		return hubTarget
	case mcrHosts[h] || strings.HasSuffix(h, ".mcr.microsoft.com"):
		return mcrTarget
	case isPlaceholder(h) && strings.Contains(h, ".") && !strings.Contains(h, "azur"):
		return otherTarget // hidden in part, on another registry's domain (***.dkr.ecr.…)
	case isPlaceholder(h) || loginserver.IsACR(h) || strings.Contains(h, ".azurecr."):
		return acrTarget
	case notRegistries[h]:
		return noTarget
	}
	return otherTarget
}

// splitDomain splits an image reference the way Docker does: a first
// component with a ".", a ":", upper case, or "localhost" is the registry;
// otherwise the registry is Docker Hub and a single component is an
// official image under "library/". It does not validate.
//
// References: splitDockerDomain in github.com/distribution/reference
// normalize.go (v0.6.0), which docker/cli calls through ParseNormalizedNamed.
// TestSplitDomainMatchesDocker holds this copy to it.
func splitDomain(ref string) (domain, remote string) {
	first, rest, ok := strings.Cut(ref, "/")
	if !ok {
		return "docker.io", "library/" + ref
	}
	switch {
	case first == "localhost":
		domain, remote = first, rest
	case first == "index.docker.io":
		domain, remote = "docker.io", rest
	case strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, remote = first, rest
	default:
		domain, remote = "docker.io", ref
	}
	if domain == "docker.io" && !strings.Contains(remote, "/") {
		remote = "library/" + remote
	}
	return domain, remote
}

// hostPort splits a registry host from its port, keeping case.
func hostPort(h string) (host, port string) {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i], h[i+1:]
	}
	return h, ""
}

// isPlaceholder reports whether a host, or its first label, is a
// redaction or an unexpanded template rather than a name: "<acrname>",
// "{registry}", "[name]", "${ACR}", "***", "REDACTED", "xxx". Such a
// host is someone hiding the name, not a wrong name.
func isPlaceholder(h string) bool {
	label, _, _ := strings.Cut(h, ".")
	if label == "" {
		return false
	}
	if strings.ContainsAny(label, "<>{}[]*$") {
		return true
	}
	l := strings.ToLower(label)
	return strings.Contains(l, "redacted") || strings.Trim(l, "x") == ""
}

// unsetLiteral reports whether h, or its first label, is what a script
// printed for a variable that was never set: JavaScript's "undefined",
// PowerShell's, Python's or Go's null, or the variable itself, unexpanded
// ("${ACR}", "$(ACR_NAME)", as Azure Pipelines leaves a missing one).
func unsetLiteral(h string) bool {
	h, _ = hostPort(h)
	label, rest, _ := strings.Cut(h, ".")
	switch strings.ToLower(label) {
	case "undefined", "null", "none", "nil", "<nil>", "nan", "$null":
		return true
	}
	// A domain put together from variables: "registry.null" (a Maven
	// property), "app.undefined.example.com".
	for l := range strings.SplitSeq(strings.ToLower(rest), ".") {
		if l == "undefined" || l == "null" || l == "<nil>" || l == "$null" {
			return true
		}
	}
	return label == "$" || strings.HasPrefix(label, "${") || strings.HasPrefix(label, "$(") ||
		len(label) > 1 && label[0] == '$' && (isAlnum(label[1]) || label[1] == '_')
}

// allCaps reports whether label is upper-case letters (and digits) only,
// as placeholders are written ("REDACTED", "ACRNAME"): Docker reads it as
// upper case all the same, but people who paste logs write it so.
func allCaps(label string) bool {
	letters := 0
	for _, c := range label {
		switch {
		case 'A' <= c && c <= 'Z':
			letters++
		case '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letters >= 3
}

// privateAddr reports whether s is a private, loopback or link-local IP
// address: a registry name that resolves to one goes through a private
// endpoint or a local proxy.
func privateAddr(s string) bool {
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return err == nil && (a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast())
}

// escapeLen is how many bytes at the start of s end the escape that a
// backslash before s began: \n, \u000a, \x0a, \012.
func escapeLen(s string) int {
	hex := func(s string, n int) bool {
		if len(s) < n {
			return false
		}
		for i := range n {
			if !isDigit(s[i]) && !('a' <= s[i]|0x20 && s[i]|0x20 <= 'f') {
				return false
			}
		}
		return true
	}
	switch {
	case s == "":
		return 0
	case s[0] == 'u' && hex(s[1:], 4):
		return 5
	case s[0] == 'x' && hex(s[1:], 2):
		return 3
	case '0' <= s[0] && s[0] <= '7':
		n := 1
		for n < 3 && n < len(s) && '0' <= s[n] && s[n] <= '7' {
			n++
		}
		return n
	case strings.IndexByte("nrtfvbae", s[0]) >= 0:
		return 1
	}
	return 0
}

// isAddr reports whether s is an IP address, maybe in brackets.
func isAddr(s string) bool {
	_, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return err == nil
}

// isHostByte is a byte of a host name as logs print them, with the
// characters of redaction placeholders.
func isHostByte(b byte) bool {
	return b == '-' || b == '.' || b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func isPlaceholderByte(b byte) bool {
	return b == '<' || b == '>' || b == '{' || b == '}' || b == '[' || b == ']' || b == '*' || b == '$' || b == '%'
}

// acrHosts returns up to n host names with an ACR suffix in s (any case),
// leaving out those that go on as another domain ("x.azurecr.io.evil.com").
// lo is s in ASCII lower case.
func acrHosts(s, lo string, n int) []string {
	var out []string
	for off := 0; n < 0 || len(out) < n; {
		i := strings.Index(lo[off:], ".azurecr.")
		if i < 0 {
			break
		}
		i += off
		end := i + len(".azurecr.")
		off = end
		if end+2 > len(s) {
			break
		}
		tld := lo[end : end+2]
		if tld != "io" && tld != "cn" && tld != "us" {
			continue
		}
		end += 2
		if end < len(s) && (isHostByte(s[end]) && s[end] != '.' || s[end] == '.' && end+1 < len(s) && isHostByte(s[end+1]) && s[end+1] != '.') {
			continue // the suffix goes on: another domain
		}
		start := i
		for start > 0 && i-start <= maxHost && isHostByte(s[start-1]) {
			start--
		}
		if i-start > maxHost {
			continue // longer than a name: a fragment of something else
		}
		if start > 0 && s[start-1] == '\\' {
			start += min(escapeLen(s[start:i]), i-start) // an escape before the name: "failed\nmyreg.azurecr.io"
		}
		for start < i && (s[start] == '.' || s[start] == '-') {
			start++
		}
		if start == i || start > 0 && isPlaceholderByte(s[start-1]) && !opens(s[:start]) {
			continue // no name, or the end of a redacted one ("<name>.azurecr.io")
		}
		if start > 0 && !bounds(s[:start], true) || end < len(s) && !bounds(s[end:], false) {
			// What the name touches may be part of it: a look-alike
			// letter (full-width "ｅvilreg"), a control sequence in mid-name. The
			// part that is ASCII is not the name the user typed.
			continue
		}
		out = append(out, s[start:end])
	}
	return out
}

// maxHost bounds the name in front of an ACR suffix: 50 characters of
// registry name, a region and "data" for a data endpoint, with room.
const maxHost = 80

// opens reports whether before ends with an opening bracket that wraps
// the name after it ("[myreg.azurecr.io/app]", as docker push prints the
// repository), not one that ends a placeholder or starts a control
// sequence ("\x1b[32m").
func opens(before string) bool {
	n := len(before)
	switch before[n-1] {
	case '[', '<', '{':
		return n < 2 || before[n-2] != '\x1b'
	}
	return false
}

// bounds reports whether the rune next to a host name, at the end of
// before or the start of after, ends the name: ASCII that is not a
// control character, a blank, or a quote or bracket around the name.
// Any other non-ASCII rune may be a letter or dot that looks like one,
// and a control character hides what is around it on a terminal.
func bounds(s string, before bool) bool {
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	switch {
	case r == '\t':
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r < utf8.RuneSelf:
		return true
	case r == utf8.RuneError:
		return false
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.Pi, unicode.Pf, unicode.Ps, unicode.Pe)
}

// indexFold is strings.Index for an ASCII lower-case sep, ignoring the
// case of s.
func indexFold(s, sep string) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		j := 0
		for j < len(sep) {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sep[j] {
				break
			}
			j++
		}
		if j == len(sep) {
			return i
		}
	}
	return -1
}

// Registries lists the ACR login servers the text names, in order and
// deduplicated, the first maxRegistries of them: run checks each live. An
// image reference such as myreg.azurecr.io/team/app:1 and a data endpoint
// such as myreg.eastus.data.azurecr.io both count as myreg.azurecr.io.
func Registries(text string) []string {
	out := []string{} // a list in JSON, empty or not
	seen, read := map[string]bool{}, map[string]bool{}
	for _, m := range acrHosts(text, lowerString(text), -1) {
		if read[m] {
			continue // a log names its registries many times
		}
		read[m] = true
		s, ok := loginserver.Parse(m)
		if !ok {
			continue
		}
		ls := s.LoginServer()
		if !seen[ls] {
			seen[ls] = true
			if out = append(out, ls); len(out) == maxRegistries {
				break
			}
		}
	}
	return out
}

// loginServer is the ACR login server a host belongs to, or "".
func loginServer(h string) string {
	if s, ok := loginserver.Parse(h); ok {
		return s.LoginServer()
	}
	return ""
}
