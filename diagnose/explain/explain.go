// Package explain names, from the error output a user pastes (docker,
// buildx, az, helm, oras, crane, containerd and kubelet events), the
// causes of a failed Azure Container Registry login in the catalogue's
// terms. It needs no credentials and no network: it is what the doctor can
// say before it probes anything, and what it says about a log from a
// machine it cannot reach, such as a CI runner or an AKS node.
//
// The text is only evidence, so the rules are phrased the way the tools
// print their errors, and each finding carries the line that gave it away,
// with secrets redacted.
package explain

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// Limits keep Explain linear and bounded on whatever is pasted into it.
const (
	MaxInput   = 4 << 20  // bytes read from the reader; the rest is ignored
	maxLine    = 64 << 10 // bytes of one line that are matched; the rest is cut
	maxEvident = 300      // bytes of a line kept in a Finding
)

// Finding is one cause found in the text.
type Finding struct {
	// Cause has the ID, title, remediation filled in with the registry
	// ("<registry>" and "<name>" when the text names none), docs and the
	// check-health code.
	Cause cause.Cause
	// Line is the line that gave the cause away, trimmed, at most 300
	// bytes, with secrets replaced by "<redacted>".
	Line   string
	LineNo int // 1-based
	// Registry is the ACR login server named on the line, or else the last
	// one named before it, or else the first one in the text; "" if none.
	Registry string
}

// Explain classifies error output. Each cause is reported once, at the
// first line that shows it, in text order; text without a known problem
// gives no findings. It reads at most MaxInput bytes and cuts long lines,
// so odd input is never an error: only a failing reader is.
func Explain(r io.Reader) ([]Finding, error) {
	lines, err := readLines(io.LimitReader(r, MaxInput))
	if err != nil {
		return nil, err
	}
	return explain(lines), nil
}

// ExplainString is Explain on a string.
func ExplainString(s string) []Finding {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	lines, _ := readLines(strings.NewReader(s))
	return explain(lines)
}

// readLines splits text into lines of at most maxLine bytes, dropping the
// rest of longer lines rather than failing on them as bufio.Scanner would.
func readLines(r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(r, maxLine)
	var lines []string
	for {
		b, err := br.ReadSlice('\n')
		line := string(bytes.TrimRight(b, "\r\n"))
		for errors.Is(err, bufio.ErrBufferFull) { // skip the cut-off tail
			_, err = br.ReadSlice('\n')
		}
		if len(b) > 0 {
			lines = append(lines, line)
		}
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
	}
}

// text is what the rules may ask about the whole input, not just a line.
type text struct {
	lines []string
	lower []string
	// anonymous is set when the text says the registry allows anonymous
	// pull: then an authentication failure means stored credentials were
	// sent where none were needed.
	anonymous bool
	// badKey is set when the text names a registry by a key Docker's
	// credential store misses (upper case, a port): the 401 that follows
	// is that, not a wrong password.
	badKey bool
}

func explain(lines []string) []Finding {
	t := text{lines: lines, lower: make([]string, len(lines))}
	for i, l := range lines {
		t.lower[i] = strings.ToLower(l)
		if !t.anonymous && anonymousPull.MatchString(t.lower[i]) {
			t.anonymous = true
		}
		if !t.badKey && strings.Contains(t.lower[i], ".azurecr.") && (upperHost.MatchString(l) || hostPort.MatchString(t.lower[i])) {
			t.badKey = true
		}
	}

	var found []Finding
	seen := map[cause.ID]bool{}
	last := "" // the last ACR login server named so far
	first := ""
	for i := range lines {
		if r := firstRegistry(lines[i]); r != "" {
			if first == "" {
				first = r
			}
		}
	}
	for i, line := range lines {
		onLine := firstRegistry(line)
		if onLine != "" {
			last = onLine
		}
		lo := t.lower[i]
		orig := line
		// check-health prints its code and its message on two lines; read
		// them as one so the message can refine what the code means.
		if codeLine.MatchString(line) && i+1 < len(lines) {
			lo += " " + t.lower[i+1]
			orig += " " + lines[i+1]
		}
		r := match(&t, lo, orig)
		if r == nil || seen[r.id] {
			continue
		}
		seen[r.id] = true
		reg := onLine
		if reg == "" {
			reg = last
		}
		if reg == "" {
			reg = first
		}
		found = append(found, finding(r, line, i+1, reg))
	}
	return found
}

// match returns the first rule that holds for a line, or nil. lo is the
// line in lower case, for the cheap keyword filter and for rules without
// case; orig keeps the case for the rules that need it.
func match(t *text, lo, orig string) *rule {
	for i := range rules {
		r := &rules[i]
		if !r.hasKey(lo) {
			continue
		}
		if r.when != nil && !r.when(t) {
			continue
		}
		s := lo
		if r.cased {
			s = orig
		}
		if r.re == nil || r.re.MatchString(s) {
			return r
		}
	}
	return nil
}

func finding(r *rule, line string, no int, reg string) Finding {
	ev := clip(Redact(strings.TrimSpace(line)), maxEvident)
	host, name := "<registry>", "<name>"
	if reg != "" {
		host = reg
		if s, ok := loginserver.Parse(reg); ok && s.Name != "" {
			name = s.Name
		}
	}
	return Finding{
		Cause:    cause.New(r.id, ev, r.fix(host, name)...),
		Line:     ev,
		LineNo:   no,
		Registry: reg,
	}
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// acrHost finds host names with an ACR suffix in any case; loginserver
// decides which of them really are ACR.
var acrHost = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9.-]{0,80}\.azurecr\.(?:io|cn|us)\b`)

// Registries lists the ACR login servers the text names, in order and
// deduplicated. An image reference such as myreg.azurecr.io/team/app:1 and
// a data endpoint such as myreg.eastus.data.azurecr.io both count as
// myreg.azurecr.io.
func Registries(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range hosts(text, -1) {
		s, ok := loginserver.Parse(m)
		if !ok {
			continue
		}
		ls := s.LoginServer()
		if !seen[ls] {
			seen[ls] = true
			out = append(out, ls)
		}
	}
	return out
}

// hosts returns up to n ACR-suffixed host names in s, leaving out those
// that go on as another domain ("x.azurecr.io.evil.com"): RE2 has no
// lookahead, so the character after each match is checked here.
func hosts(s string, n int) []string {
	var out []string
	for _, loc := range acrHost.FindAllStringIndex(s, n) {
		rest := s[loc[1]:]
		if len(rest) > 1 && rest[0] == '.' && isHostByte(rest[1]) {
			continue
		}
		out = append(out, s[loc[0]:loc[1]])
	}
	return out
}

func isHostByte(b byte) bool {
	return b == '-' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func firstRegistry(line string) string {
	if !strings.Contains(strings.ToLower(line), ".azurecr.") {
		return ""
	}
	for _, m := range hosts(line, 4) {
		if s, ok := loginserver.Parse(m); ok {
			return s.LoginServer()
		}
	}
	return ""
}

// Secrets that turn up in pasted output: JWTs (ACR and AAD tokens start
// with eyJ, the base64 of `{"`), even cut short; the values of password
// flags and fields; Basic and Bearer credentials; config.json auth fields.
var (
	jwt       = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}`)
	secretArg = regexp.MustCompile(`(?i)((?:^|\s)(?:-p|--password|--client-secret|--secret|-s)(?:\s+|=))("[^"]*"|'[^']*'|\S+)`)
	secretKV  = regexp.MustCompile(`(?i)((?:password|passwd|secret|client_secret|refresh_token|access_token|identitytoken|"auth")"?\s*[:=]\s*"?)([^"\s,;&}]+)`)
	authHdr   = regexp.MustCompile(`(?i)\b(basic|bearer)\s+([A-Za-z0-9+/._~-]{12,}=*)`)
	userinfo  = regexp.MustCompile(`(://[^/\s:@]+:)([^@/\s]+)(@)`)
)

// Redact replaces the secrets it recognises in s with "<redacted>". It errs
// towards removing too much: a finding's evidence never needs a secret.
func Redact(s string) string {
	s = jwt.ReplaceAllString(s, "<redacted>")
	s = secretArg.ReplaceAllString(s, "${1}<redacted>")
	s = secretKV.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretKV.FindStringSubmatch(m)
		if sub[2] == "<redacted>" || strings.HasPrefix(sub[2], "<") {
			return m
		}
		return sub[1] + "<redacted>"
	})
	s = authHdr.ReplaceAllStringFunc(s, func(m string) string {
		sub := authHdr.FindStringSubmatch(m)
		if !strings.ContainsAny(sub[2], "0123456789+/=") { // a word, not a credential
			return m
		}
		return sub[1] + " <redacted>"
	})
	s = userinfo.ReplaceAllString(s, "${1}<redacted>${3}")
	return s
}
