package loginserver

import (
	"net/url"
	"strconv"
	"strings"
)

// Problem is something wrong with a registry key as written in config.json
// (auths, credHelpers) or typed by the user.
type Problem struct {
	Code ProblemCode
	// Detail is one sentence in plain words that names the key.
	Detail string
	// Suggest is the corrected key, the same for every problem of a key
	// because it corrects them all: "myreg.azurecr.io" for
	// "MyReg.azurecr.io:443/v2/". It is "" when no correction can be
	// guessed, as when the registry name itself is invalid.
	Suggest string
}

// ProblemCode names a kind of Problem. Codes never change meaning.
type ProblemCode string

const (
	// UpperCase: Docker looks credentials up by the lower-case host.
	UpperCase ProblemCode = "upper_case"
	// Scheme: "https://…"; lookups in credHelpers and docker logout use the
	// bare host.
	Scheme ProblemCode = "scheme"
	// Path: "…/v2/" or "…/repo"; credentials are per registry, not per path.
	Path ProblemCode = "path"
	// Port: ":443"; references without the port are looked up without it.
	Port ProblemCode = "port"
	// MisspeltSuffix: "azurcr.io", "azurecr.com", "azurecr.io.com", a
	// trailing dot: within two edits of a real suffix, or the real
	// "azurecr" label with a wrong top-level domain.
	MisspeltSuffix ProblemCode = "misspelt_suffix"
	// MissingSuffix: a bare word such as "myreg", which Docker reads as a
	// Docker Hub account and so never looks up.
	MissingSuffix ProblemCode = "missing_suffix"
	// BadName: not 5 to 50 letters and digits (plus one "-" before a
	// domain-name-label hash), empty labels, white space, or labels ACR
	// does not have.
	BadName ProblemCode = "bad_name"
)

// Misnamed reports whether p is about the name itself (a misspelt or
// missing suffix, a name ACR cannot have), so that no registry answers
// to the key, rather than about how the key spells a real one.
func (p Problem) Misnamed() bool {
	return p.Code == MisspeltSuffix || p.Code == MissingSuffix || p.Code == BadName
}

// Check inspects a key exactly as stored in config.json. It returns the
// problems and whether the key is, or was evidently meant to be, an ACR
// registry: acr is true for misspelt and missing suffixes too, so that
// callers can list such keys among the ACR entries. Keys that are not ACR,
// such as "https://index.docker.io/v1/", "ghcr.io" or "localhost:5000",
// have no problems.
//
// Check allocates nothing for a key in lower case with nothing to report,
// which is nearly every key of a real config.json.
func Check(key string) (problems []Problem, acr bool) {
	k := strings.TrimSpace(key)
	padded := len(k) != len(key)
	scheme, rest := cutScheme(k)
	host, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if strings.HasPrefix(host, "[") {
		return nil, false // an IPv6 literal
	}
	port := ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && isDigits(host[i+1:]) {
		host, port = host[:i], host[i:]
	}
	lh := lower(host)
	h := strings.TrimRight(lh, ".")
	prefix, c, st, ok := classify(h, port != "")
	if !ok {
		return nil, false
	}

	r := report{key: key}
	if scheme != "" {
		r.add(Scheme, " starts with "+quote(scheme)+"; Docker keys registries by bare host name, so credHelpers lookups and docker logout miss this key")
	}
	if path != "" {
		r.add(Path, " has the path "+quote(path)+"; Docker keys registries by bare host name, so credHelpers lookups and docker logout miss this key")
	}
	if port != "" {
		r.add(Port, " has the port "+quote(port)+"; Docker looks up image references without a port by the bare host, so they miss this key")
	}
	if lh != host {
		r.add(UpperCase, " has upper-case letters; Docker looks credentials up by the lower-case name")
	}
	switch {
	case st == missing:
		r.add(MissingSuffix, " has no domain; Docker takes a bare name for a Docker Hub account, so it never looks this key up (ACR keys end in .azurecr.io)")
	case st == misspelt:
		r.add(MisspeltSuffix, " ends in "+quote(strings.TrimPrefix(h[len(prefix):], "."))+", which is not an ACR domain (azurecr.io, azurecr.cn, azurecr.us)")
	case len(h) != len(lh):
		r.add(MisspeltSuffix, " ends with a dot, which image references cannot have, so Docker never looks this key up")
	}

	// What is left to check is the part in front of the suffix, which is
	// also what a correction keeps.
	fixed, fixable := prefix, true
	if padded {
		r.add(BadName, " has white space around it, which Docker never looks up")
	}
	if strings.HasPrefix(prefix, ".") || strings.HasSuffix(prefix, ".") || strings.Contains(prefix, "..") {
		if fixed = collapseDots(prefix); fixed != "" {
			r.add(BadName, ": it has an empty label (a dot at the start, or two in a row)")
		}
	}
	if name, rest, _ := strings.Cut(fixed, "."); rest == "privatelink" {
		r.add(BadName, " is the private-link DNS name of a registry; Docker must use the login server, which resolves through it")
		fixed = name
	}
	if _, f := shape(fixed); f != 0 {
		label, _, _ := strings.Cut(fixed, ".")
		r.add(BadName, ": "+f.describe(label))
		fixable = false
	}

	if len(r.problems) > 0 && fixable {
		if s, ok := Parse(fixed + clouds[c].suffix); ok {
			for i := range r.problems {
				r.problems[i].Suggest = s.Host
			}
		}
	}
	return r.problems, true
}

// report collects the problems of one key, quoting the key once.
type report struct {
	key      string
	quoted   string
	problems []Problem
}

// add records a problem whose Detail is the quoted key followed by clause.
func (r *report) add(code ProblemCode, clause string) {
	if r.quoted == "" {
		r.quoted = quote(r.key)
	}
	r.problems = append(r.problems, Problem{Code: code, Detail: r.quoted + clause})
}

// How the suffix of a key relates to a real one.
const (
	exact    = iota
	misspelt // see MisspeltSuffix
	missing  // a bare word
)

// classify finds the ACR suffix that h, a lower-case host with no port or
// trailing dot, ends with or was evidently meant to end with. prefix is
// what comes before the suffix (without the dot) and c its index in clouds.
// A bare word counts only without a port: "registry:5000" is someone's own
// registry, not a forgotten ".azurecr.io".
func classify(h string, port bool) (prefix string, c, st int, ok bool) {
	for i, cl := range clouds {
		if strings.HasSuffix(h, cl.suffix) {
			return h[:len(h)-len(cl.suffix)], i, exact, true
		}
		if h == cl.suffix[1:] {
			return "", i, exact, true
		}
	}

	// The "azurecr" label with a wrong or missing top-level domain:
	// azurecr.com, azurecr.net, azurecr.io.com, a bare azurecr.
	rest1, l1 := cutLast(h)
	rest2, l2 := cutLast(rest1)
	rest3, l3 := cutLast(rest2)
	switch {
	case l1 == "azurecr":
		return rest1, 0, misspelt, true
	case l2 == "azurecr":
		return rest2, 0, misspelt, true
	case l3 == "azurecr":
		for i, cl := range clouds {
			if l2 == cl.suffix[len(".azurecr."):] {
				return rest3, i, misspelt, true
			}
		}
	}

	// Typos within two edits of a real suffix over the last one to three
	// labels, with something left in front for a name: azurcr.io,
	// azureacr.io, azure-cr.io, azurecrio, azure.cr.io, аzurecr.io (with a
	// Cyrillic а). Ties go to the fewest labels, then to the public cloud.
	best, bestD := -1, 3
	rest := h
	for range 3 {
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			break
		}
		rest = h[:i]
		tail := h[i+1:]
		if len(tail) < len("azurecr.io")-2 || len(tail) > len("azurecr.io")+2 {
			continue
		}
		for j, cl := range clouds {
			if d := distance(tail, cl.suffix[1:]); d < bestD {
				best, bestD, prefix, c = i, d, rest, j
			}
		}
	}
	if best >= 0 {
		return prefix, c, misspelt, true
	}

	if !port && h != "localhost" && isWord(h) {
		return h, 0, missing, true
	}
	return "", 0, 0, false
}

// distance is the Levenshtein distance between a and b, both at most 12
// bytes long. It compares bytes, so a homoglyph costs two or three edits.
func distance(a, b string) int {
	var prev, cur [13]int
	for j := range len(b) + 1 {
		prev[j] = j
	}
	for i := range len(a) {
		cur[0] = i + 1
		for j := range len(b) {
			cost := 1
			if a[i] == b[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// cutLast splits s at its last dot; with no dot, last is all of s.
func cutLast(s string) (before, last string) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+1:]
}

// cutScheme splits off "scheme://", RFC 3986's scheme syntax, or an empty
// one: Docker finds a host after any "://", as in "://myreg.azurecr.io".
func cutScheme(s string) (scheme, rest string) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", s
	}
	for j := range i {
		c := s[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", s
		}
	}
	return s[:i+3], s[i+3:]
}

// collapseDots drops empty labels from s.
func collapseDots(s string) string {
	var b strings.Builder
	for label := range strings.SplitSeq(s, ".") {
		if label == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(label)
	}
	return b.String()
}

// isWord reports whether s could be a registry name typed without its
// domain: letters, digits, '-' and '_' (bad, but evidently meant as a name).
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isDigits reports whether s is a port number, or empty as after "host:".
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quote quotes s for a Detail, escaping anything outside printable ASCII
// so that look-alike letters and control bytes show, and shortening what
// no one would read whole.
func quote(s string) string {
	const max = 80
	if len(s) <= max {
		return strconv.QuoteToASCII(s)
	}
	q := strconv.QuoteToASCII(s[:max])
	return q[:len(q)-1] + `..."`
}

// Host reduces a key the way Docker does before comparing it with a
// registry host, and lower-cases it: the scheme and path go, the port
// stays. Use it to match keys to registries; Host("https://MyReg.azurecr.io/v2/")
// is "myreg.azurecr.io".
//
// References: ConvertToHostname in docker/cli
// cli/config/credentials/file_store.go (v29.9.3), which the file store
// falls back to when no key matches exactly; credHelpers keys are matched
// exactly, without it.
func Host(key string) string {
	return lower(dockerHost(key))
}

// DockerHost is the host Docker looks a credential up by for key, as it
// writes it: a scheme and a path dropped, case kept.
func DockerHost(key string) string { return dockerHost(key) }

// dockerHost is ConvertToHostname from docker/cli v29.9.3, rewritten here
// to keep docker/cli out of this package; TestHostMatchesDocker and
// FuzzCheck hold it to the original.
func dockerHost(key string) string {
	if strings.Contains(key, "://") {
		if u, err := url.Parse(key); err == nil && u.Hostname() != "" {
			if u.Port() == "" {
				return u.Hostname()
			}
			return joinHostPort(u.Hostname(), u.Port())
		}
		if h := hostFromURLFallback(key); h != "" {
			return h
		}
	}
	h, _, _ := strings.Cut(key, "/")
	return h
}

// hostFromURLFallback is docker/cli's, for URLs that net/url rejects, such
// as unbracketed IPv6 literals.
func hostFromURLFallback(key string) string {
	_, rest, ok := strings.Cut(key, "://")
	if !ok {
		return ""
	}
	h, _, _ := strings.Cut(rest, "/")
	if h == "" {
		return ""
	}
	if strings.Count(h, ":") > 1 && !strings.HasPrefix(h, "[") {
		i := strings.LastIndexByte(h, ':')
		if addr, port := h[:i], h[i+1:]; addr != "" && port != "" && isDigits(port) {
			return joinHostPort(addr, port)
		}
	}
	return h
}

// joinHostPort is net.JoinHostPort, which would bring package net (and its
// start-up) into the credential helper for three lines.
func joinHostPort(host, port string) string {
	if strings.IndexByte(host, ':') >= 0 {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}
