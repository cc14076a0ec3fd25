package explain

import (
	"slices"
	"strings"
	"sync"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// Weights say how specifically a statement names its cause. They order the
// findings, and their bands are the confidence a finding is reported with.
const (
	wCertain  = 90 // the words name the cause and nothing else
	wStrong   = 80 // they name it, in a form another cause rarely prints
	wLikely   = 60 // it is the usual reading; the alternatives are real
	wHint     = 50 // it points at the cause without showing it
	wPossible = 35 // one cause among several the words fit
	wWeak     = 20 // explained by a more specific finding

	certainAt = 75 // a finding at or above is certain
	likelyAt  = 45 // at or above, likely; below, possible
)

// class is what kind of statement a signal came from, where the reasoning
// reads it in the light of the rest of the text.
type class uint8

const (
	plain       class = iota
	authFail          // a 401: the credential was missing or refused
	badPassword       // the registry says the username or password is wrong
	denied            // a 403 or DENIED: authenticated, not allowed
	repoMissing       // "pull access denied, repository does not exist or may require …"
	serverFail        // a 5xx, often a wrapper's status around the real error
	dnsMissing        // a name that does not resolve
	challenge         // the registry's /v2/ gave no usable challenge, or no answer
	certTime          // a certificate outside its validity by the local clock
	unsetName         // a registry host with an empty name: an unset variable
	keyMiss           // a name Docker keys credentials differently by: upper case, a port
	wrapper           // words a tool says around another failure, which the line names
	refinable         // a check-health code whose message line says more
	hubLogin          // a login that names no registry, so went to Docker Hub
	noImage           // the registry answered that it holds no such tag or repository
	roleOrCred        // a refusal that names a missing role and maybe a bad credential
)

// generic classes are the failures a more specific cause explains.
func (c class) generic() bool {
	switch c {
	case authFail, denied, repoMissing, serverFail, challenge, refinable:
		return true
	}
	return false
}

// signal is one statement read from one line: the cause it points to and
// how specifically it names it.
type signal struct {
	Cause  cause.ID
	Weight int
	Class  class
	Line   int    // index of the line in the text
	Target target // the registry the line's request went to
	Host   string // the ACR login server of the line, or of the text before it
	// Alt are the causes the same words also fit.
	Alt []cause.ID
	// What names the statement, for tests and evidence: "AADSTS700082",
	// "x509: unknown authority", "HTTP 401".
	What string
	// pull: the failed request fetched a manifest or blob, not a login.
	pull bool
	// push: the line, or the reference named before it, is a push's.
	push bool
	// library: it fetched one of Docker Hub's official images.
	library bool
	// noCred: the client sent no credential at all.
	noCred bool
	// trace: the line is a debug trace of a request, where a 401 is the
	// first step of every login, not a failure.
	trace bool
	// req is the host of the line's request, lower case.
	req string
	// machine is the cause this machine's credential store showed, for a
	// signal folded in from it.
	machine *cause.Cause
	// fix, when set, is the remediation of this statement in particular.
	fix []string
}

// facts are what the whole text says, beyond any one line.
type facts struct {
	anonymousPull bool // the registry allows anonymous pull
	privateDNS    bool // a registry host resolved to a private address
	hubPush       bool // a push went to Docker Hub
	servicePull   bool // an Azure service pulled, with the app's registry credentials
	acr           bool // the text names ACR: a login server, az acr
	// loginVar: a login's registry was a variable or a command's output.
	loginVar bool
	// apiApp: an app of the Engine API (docker-modem's "(HTTP code 401)
	// unexpected", "(HTTP code 500) server error": Kitematic, What's Up
	// Docker), which sends the credential its user signed in with.
	apiApp bool
	// podman: the failing client is Podman's or Buildah's, whose logins
	// are their own, not Docker's.
	podman bool
}

// state is the reading of a text so far, line by line.
type state struct {
	lines []string
	at    []int // the text's line each of lines starts on, when unwrap joined some
	// pasted are lines as they were pasted, joined as lines are: what
	// findings show, after redacting them both as pasted and as read.
	pasted []string
	// firstLine is the number of the text's first line in its file.
	firstLine int
	sigs      []signal
	facts     facts
	target    target              // the last registry a line named
	req       string              // the host of that line's request, as printed
	host      string              // the last ACR login server a line named
	first     string              // the first ACR login server of the text
	names     map[string][]signal // nameFaults by kind and host, read once per text
	// repeats counts the signals of each cause, class and weight.
	repeats map[repeatKey]int
	// lookup is the last name a line said it was resolving, on line
	// lookupAt: a wrapped line or a tool's next line says what became of it.
	lookup    string
	lookupAt  int
	lookupCut bool // lookup ran to the end of its line
	// pull: the request of line pullAt, the last to name a registry,
	// fetched a manifest or a blob, or a pull token.
	pull   bool
	pullAt int
	// pushing: the last image reference a line named was a push's.
	pushing bool
	// authPush: BuildKit authorized a push (its "[auth] …:pull,push
	// token for HOST" step), which the steps that end meanwhile do not end.
	authPush bool
	// loginHost is the registry of the last login command; loggedIn, of
	// the last that said it succeeded; adminLogin, of the last whose
	// username was the registry's name: ACR's admin user.
	loginHost, loggedIn, adminLogin string
	// registries are the ACR login servers the text names, in order.
	registries []string
	// secretUsers are usernames of logins that are their password, given
	// the wrong way round (credkind.SecretUsername).
	secretUsers []string
}

// lineCtx is one line being read.
type lineCtx struct {
	s      *state
	i      int
	line   string // as printed
	lo     string // ASCII lower case, same offsets
	target target // this line's own registry, or the one before it
	own    bool   // target came from this line
	host   string
	// reqHost is the host of the line's first registry request, as printed.
	reqHost string
	// pull: that request fetched a manifest or a blob; library: one of
	// Docker Hub's official images.
	pull, library bool
	ran           uint64 // extractors already run on this line, by bit
	from          int    // index of this line's first signal in s.sigs
	keys          []int  // the keywords found on the line, by index
	// traced is trace(), once read: 1 no, 2 yes.
	traced uint8
}

// saw reports whether the keyword of index id (keyID) was found on the
// line: a cheap test before looking for it.
func (c *lineCtx) saw(id int) bool { return id >= 0 && slices.Contains(c.keys, id) }

// keyID is the index of keyword k, or -1.
func keyID(k string) int {
	if i, ok := lang().index[k]; ok {
		return i
	}
	return -1
}

// trace reports whether the line is a debug trace of an HTTP exchange
// (oras --debug, crane -v, logrus debug level).
func (c *lineCtx) trace() bool {
	if c.traced == 0 {
		lo := strings.TrimSpace(c.lo)
		c.traced = 1
		if strings.HasPrefix(lo, "< ") || strings.HasPrefix(lo, "debu[") || strings.Contains(lo, "level=debug") ||
			strings.Contains(lo, "response status:") {
			c.traced = 2
		}
	}
	return c.traced == 2
}

// next is the line after this one, "" at the end: some tools print a code
// on one line and its message on the next.
func (c *lineCtx) next() string {
	if c.i+1 < len(c.s.lines) {
		return c.s.lines[c.i+1]
	}
	return ""
}

// prev is the last line before this one that is not blank, "" at the
// start: a paste spaced out with blank lines keeps what follows on.
func (c *lineCtx) prev() string {
	for i := c.i - 1; i >= 0; i-- {
		if strings.TrimSpace(c.s.lines[i]) != "" {
			return c.s.lines[i]
		}
	}
	return ""
}

// localSocket reports whether the line's failed connection is to a unix
// socket on this machine.
func (c *lineCtx) localSocket() bool {
	if strings.Contains(c.lo, "dial unix ") && !strings.Contains(c.lo, "dial tcp") {
		return true
	}
	if strings.Contains(c.lo, " error for http+docker://") {
		return false // docker-py's HTTPError: the daemon answered, with what failed behind it
	}
	// The daemon's own TCP ports on this machine, as its clients name them.
	for _, d := range []string{"docker://localhost", "localhost:2375", "localhost:2376", "127.0.0.1:2375", "127.0.0.1:2376"} {
		if strings.Contains(c.lo, d) {
			return true
		}
	}
	return false
}

// continued is the line with the lines that continue its message: tools
// wrap long messages onto lines that start with spaces and a margin
// ("     | " in PowerShell, "> " in quotes). It joins the next line and up
// to n-1 indented ones after it with single spaces, so that words split
// across the wrap read as one phrase.
func (c *lineCtx) continued(n int) string {
	var b strings.Builder
	first := unstamped(c.line)
	b.WriteString(strings.TrimSpace(first))
	for j := c.i + 1; j < len(c.s.lines) && j <= c.i+n; j++ {
		l := unstamped(c.s.lines[j])
		// A prefix every line of the log has ("##[error]", "docker : ",
		// an event's columns) is not part of the message.
		k := commonPrefix(first, l)
		for k > 0 && strings.IndexByte(" \t|>", l[k-1]) >= 0 {
			k-- // the indentation after the prefix is the continuation's
		}
		if strings.Count(l[:k], `"`)%2 == 1 {
			// The prefix opens a quote each line closes (logrus' msg="…").
			l = strings.TrimSuffix(l, `"`)
			if j == c.i+1 {
				b.Reset()
				b.WriteString(strings.TrimSuffix(strings.TrimSpace(first), `"`))
			}
		}
		l = l[k:]
		if j > c.i+1 && (l == "" || l[0] != ' ' && l[0] != '\t' && l[0] != '|' && l[0] != '>') {
			break // a line of its own, not a continuation
		}
		b.WriteByte(' ')
		b.WriteString(strings.TrimLeft(l, " \t|>"))
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// commonPrefix is the length of the longest prefix a and b share.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// unstamped is l without the time stamp a CI log puts before each line
// ("2024-05-22T19:23:04.0799190Z ", "2024-05-22 19:23:04 ").
func unstamped(l string) string {
	if len(l) > 20 && l[4] == '-' && l[7] == '-' && (l[10] == 'T' || l[10] == ' ') && isDigit(l[0]) {
		if i := strings.IndexAny(l[11:], " \t"); i >= 0 && i < 25 {
			return l[11+i+1:]
		}
	}
	return l
}

// lineNo is the line of the file that line i starts on.
func (s *state) lineNo(i int) int {
	if s.at != nil {
		i = s.at[i]
	}
	return s.firstLine + i
}

// has reports whether the lower-case line holds k.
func (c *lineCtx) has(k string) bool { return strings.Contains(c.lo, k) }

// emit records a signal of this line.
func (c *lineCtx) emit(s signal) {
	s.Line = c.i
	if s.Cause != dockerEnv && s.Cause != clock && kubeAPI(c.lo) {
		// kubectl's words for its own cluster: what failed there was
		// the API server, no registry (a clock is this machine's).
		s.Weight = min(s.Weight, wWeak)
	}
	if s.Cause == netDown && c.localSocket() {
		// A refused or missing unix socket is a local service that is
		// not running (the Docker daemon, Docker Desktop's backend), not
		// the network.
		s.Cause, s.Weight, s.Class = dockerEnv, min(s.Weight, wLikely+10), plain
		s.What += " on a local socket: the service behind it is not running"
		s.Alt = alts(credStore)
	}
	if s.Target == noTarget {
		s.Target = c.target
	}
	if s.Host == "" {
		s.Host = c.host
	}
	// A line that says the same thing many times says it once.
	for _, o := range c.s.sigs[c.from:] {
		if o.Cause == s.Cause && o.What == s.What && o.Class == s.Class {
			return
		}
	}
	// And a text that says it on many lines has said it: past maxRepeat
	// lines, one more adds nothing to the ranking but its cost.
	k := repeatKey{s.Cause, s.Class, s.Weight}
	if c.s.repeats[k]++; c.s.repeats[k] > maxRepeat {
		return
	}
	s.pull = s.pull || c.pull
	s.push = s.push || c.pushLine()
	s.library = s.library || c.library
	s.trace = c.trace()
	if s.req == "" {
		req := c.reqHost
		if req == "" && !c.own {
			req = c.s.req // the request of the line that named the registry
		}
		s.req = strings.ToLower(req) // with its port: Docker keys a registry by both
	}
	c.s.sigs = append(c.s.sigs, s)
}

// repeatKey is what makes two signals of a text the same statement for
// maxRepeat.
type repeatKey struct {
	cause  cause.ID
	class  class
	weight int
}

// maxRepeat is how many signals of one repeatKey a text keeps.
const maxRepeat = 256

// sig is a signal for id with weight w.
func sig(id cause.ID, w int, what string, alt ...cause.ID) signal {
	return signal{Cause: id, Weight: w, What: what, Alt: alt}
}

// language is the compiled vocabulary: every keyword of every table, and
// what each sets off.
type language struct {
	m        *matcher
	ph       []phrase
	phrases  [][]int // per keyword: indexes into ph
	exts     [][]int // per keyword: indexes into extractors
	keywords []string
	index    map[string]int // keyword → its index
	longest  int            // the length of the longest phrase
}

// lang is built on first use, not at start-up: Docker runs the plugin for
// its metadata on every `docker --help`.
var lang = sync.OnceValue(buildLanguage)

func buildLanguage() *language {
	l := &language{index: map[string]int{}}
	index := l.index
	key := func(k string) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(l.keywords)
		l.keywords = append(l.keywords, k)
		l.phrases = append(l.phrases, nil)
		l.exts = append(l.exts, nil)
		return index[k]
	}
	l.ph = append(append(l.ph, phrases...), codePhrases()...)
	for i, p := range l.ph {
		k := key(p.text)
		l.phrases[k] = append(l.phrases[k], i)
		l.longest = max(l.longest, len(p.text))
	}
	if len(extractors) > 64 {
		panic("explain: more extractors than bits in lineCtx.ran")
	}
	for i, e := range extractors {
		for _, k := range e.keys {
			j := key(k)
			l.exts[j] = append(l.exts[j], i)
		}
	}
	l.m = newMatcher(l.keywords)
	return l
}

// wrapAt is the shortest line read as possibly wrapped onto the next:
// terminals and pasted logs cut long lines at a width, in mid-word.
const wrapAt = 60

// read turns lines into signals and facts.
func read(lines []string) *state {
	l := lang()
	s := &state{lines: lines, firstLine: 1, names: map[string][]signal{}, repeats: map[repeatKey]int{}}
	// The lower-case copies of the lines that say something are cut from
	// one buffer, not allocated a line at a time.
	var low strings.Builder
	size := 0
	for _, line := range lines {
		size += len(line)
	}
	low.Grow(size)
	var buf, seam []byte
	var hits, across [][2]int // keyword, offset
	var said, keys []int
	for i, line := range lines {
		buf = lowerASCII(buf, line)
		hits = hits[:0]
		l.m.scan(buf, func(k, at int) { hits = append(hits, [2]int{k, at}) })
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		seam, across = readSeam(l, buf, next, seam, across[:0])
		if len(hits) == 0 && len(across) == 0 {
			continue
		}
		at := low.Len()
		low.Write(buf)
		lo := low.String()[at:]
		keys = keys[:0]
		for _, h := range hits {
			keys = append(keys, h[0])
		}
		c := &lineCtx{s: s, i: i, line: line, lo: lo, from: len(s.sigs), keys: keys}
		readHosts(c)
		if c.own {
			s.target, s.pull, s.pullAt, s.req = c.target, c.pull, i, c.reqHost
		} else {
			c.target = s.target
			// A line wrapped after its URL: the error belongs to that request.
			c.pull = s.pull && s.pullAt == i-1
		}
		switch {
		case c.host != "":
			s.host = c.host
			if s.first == "" {
				s.first = c.host
			}
		case c.own && c.target.foreign():
			// The line names another registry: what follows is about it,
			// not about an ACR named before.
			s.host = ""
		default:
			c.host = s.host
		}
		said = said[:0]
		for _, h := range hits {
			k, at := h[0], h[1]
			for _, p := range l.phrases[k] {
				ph := &l.ph[p]
				if slices.Contains(said, p) || ph.word && !wordAt(c.lo, at, len(ph.text)) || after(c.lo[:at], ph.notAfter) {
					continue // a phrase said twice on a line is one statement
				}
				said = append(said, p)
				emitPhrase(c, ph)
			}
			for _, e := range l.exts[k] {
				if c.ran&(1<<e) == 0 {
					c.ran |= 1 << e
					extractors[e].fn(c)
				}
			}
		}
		// Phrases the wrap cut in two are this line's statement.
		for _, h := range across {
			k, at := h[0], h[1]
			for _, p := range l.phrases[k] {
				ph := &l.ph[p]
				if slices.Contains(said, p) || ph.word && !wordAt(string(seam), at, len(ph.text)) || after(string(seam[:at]), ph.notAfter) {
					continue
				}
				said = append(said, p)
				emitPhrase(c, ph)
			}
		}
	}
	return s
}

// readSeam finds the phrases that a wrap of a line onto the next cut in
// two. It joins the end of the line to the start of the next, as a
// terminal cuts (no space) and as a word wrap does (one space), and keeps
// the phrases that start on the line and end past it, with their offsets
// in the joined window it returns.
func readSeam(l *language, lo []byte, next string, win []byte, across [][2]int) ([]byte, [][2]int) {
	if len(lo) < wrapAt || next == "" {
		return win, across
	}
	tail := lo[max(0, len(lo)-(l.longest-1)):]
	head := next[:min(len(next), l.longest-1)]
	last, first := tail[len(tail)-1], head[0]
	if 'A' <= first && first <= 'Z' {
		first += 'a' - 'A'
	}
	for _, sep := range []string{"", " "} {
		if sep == " " && (last == ' ' || first == ' ') {
			break // the space is there already
		}
		if sep == "" && !l.m.pair(last, first) || sep == " " && !(l.m.pair(last, ' ') && l.m.pair(' ', first)) {
			continue // no keyword runs across this join
		}
		win = append(append(append(win[:0], tail...), sep...), head...)
		for j := len(tail) + len(sep); j < len(win); j++ {
			if c := win[j]; 'A' <= c && c <= 'Z' {
				win[j] = c + 'a' - 'A'
			}
		}
		l.m.scanStarts(win, len(tail), func(k, at int) {
			if at+len(l.keywords[k]) > len(tail) && len(l.phrases[k]) > 0 {
				across = append(across, [2]int{k, at})
			}
		})
		if len(across) > 0 {
			break
		}
	}
	return win, across
}

// kubeAPIWords are kubectl's (and Helm's) words for its own cluster's API
// server not reached.
var kubeAPIWords = []string{"did you specify the right host or port", "couldn't get current server api group list", "kubernetes cluster unreachable", "unable to connect to the server: "}

// kubeAPI reports whether a lower-case line says kubeAPIWords.
func kubeAPI(lo string) bool {
	return slices.ContainsFunc(kubeAPIWords, func(w string) bool { return strings.Contains(lo, w) })
}

// wordAt reports whether lo[at:at+n] stands as a word: no letter or digit
// joins it on either side ("enotfound", not "resourcenotfound").
func wordAt(lo string, at, n int) bool {
	return (at == 0 || !isAlnum(lo[at-1])) && (at+n >= len(lo) || !isAlnum(lo[at+n]))
}

// after reports whether before ends with one of words.
func after(before string, words []string) bool {
	for _, w := range words {
		if strings.HasSuffix(before, w) {
			return true
		}
	}
	return false
}
