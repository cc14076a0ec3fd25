// Package redact takes secrets out of text the tool shows: a line of
// pasted error output (explain), what a failing credential helper printed
// (creds). It errs towards removing too much, since evidence never needs a
// secret, but keeps what is around a secret (the registry name, the error
// text) so the line still says what went wrong.
//
// It has no dependencies beyond the standard library and compiles its
// patterns on first use, so that the credential helper, which runs on
// every docker push and links it in through credstore, does not pay for
// them at start-up.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Mark is what a secret is replaced with.
const Mark = "<redacted>"

// keys are the names of fields and variables whose value is a secret, as
// the end of a longer name too (DOCKER_PASSWORD, client_secret,
// IdentityToken, "auth" of config.json).
const keyNames = `password|passwd|passphrase|pwd|pw|secret|token|auth|authorization|credential|apikey|api_key|api-key|accountkey|accesskey|access_key|secret_key|private_key|account_key|sig|signature|pword`

// keys are keyNames in text, where a list of them may be named in the
// plural ("passwords": […]).
const keys = `(?:` + keyNames + `)s?`

// colonKeys are the names taken as a secret's before a colon without
// quotes (YAML, log lines): fewer, since prose has "token: " too.
const colonKeys = `(?:password|passwd|passphrase|secret|_token|identitytoken|apikey|api_key|access_key|secret_key)s?`

// value is a secret's value after its key: quoted with " (JSON escapes
// allowed), with \" (JSON inside a JSON string), ' or $'…' (the shell's
// ANSI-C quotes; a shell's trace writes a ' inside them as a closing
// quote, an escaped one and an opening one), where an
// unterminated quote runs to the end of the line,
// or else one word, whose blanks a backslash may escape, and which may
// hold a quote after its start (-p Pa"ss, as a log prints an argument). A
// word does not start an object or array; an array's first element is
// taken (list).
const valueAlts = `\\+"(?:[^\\\n]|\\+[^"\\\n])*(?:\\+")?|"(?:[^"\\\n]|\\.)*"?|\$?'(?:[^'\\\n]|\\.|'\\'')*'?|(?:\\.|[^\s"',;&{}\[\\])(?:\\.|[^\s,;&}\\])*`

const value = `(` + valueAlts + `)`

// listValue is value, or a list after a key, taken whole: password=[…],
// "password": ["…"], Go's map[password:[…]].
const listValue = `(\[[^\]\n]*\]?|` + valueAlts + `)`

// sep is what stands between a key and its value in code and config
// besides = and :: =>, :=, ==, ->.
const eqSep = `(?:=>|:=|==|=)`

// printed is a shell printing its arguments: echo or printf, options.
const printed = `(?i)\b(?:echo|printf|write-output|write-host)(?:[ \t]+-[a-z-]*)*(?:[ \t]+(?:'%s[^'\n]*'|"%s[^"\n]*"|%s\S*))?[ \t]+`

// proseKeys are the names whose value may follow in prose, after a
// blank or a colon.
const proseKeys = `password|passwd|passphrase|secret|token|apikey|api_key|api-key`

// rule finds secrets: each match of re holds one in its group 1, which is
// replaced if ok (when set) agrees.
type rule struct {
	re *regexp.Regexp
	ok func(string) bool
	// spread: the value is a secret wherever else the text shows it
	// (Values); login: only on a line that logs in (a short flag, -p,
	// is a port or a project elsewhere).
	spread, login bool
	// need are words of which an ASCII text re matches holds one, in
	// lower case; pre is a test such a text passes. Either lets a text
	// that cannot match skip the regular expression, the costly part.
	need []string
	pre  func(string) bool
}

// The words the key patterns cannot match without: keys, colonKeys and
// proseKeys each hold one of them.
var (
	keyNeed   = []string{"pass", "pw", "secret", "token", "auth", "credential", "api", "key", "sig"}
	proseNeed = []string{"pass", "secret", "token", "api"}
	stdinNeed = []string{"password-stdin"}
)

// skip reports whether r cannot match s, whose ASCII lower case is lo.
// Text with other than ASCII is always matched: case folding there has
// more than one form of a letter (ſ is s, K is k).
func (r rule) skip(s, lo string, ascii bool) bool {
	if r.pre != nil && !r.pre(s) {
		return true
	}
	if len(r.need) == 0 || !ascii {
		return false
	}
	for _, w := range r.need {
		if strings.Contains(lo, w) {
			return false
		}
	}
	return true
}

// longRun reports whether s holds 60 bytes in a row of base64's alphabets.
func longRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '_' || c == '-' {
			if n++; n >= 60 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

var rules = sync.OnceValue(func() []rule {
	return []rule{
		// JWTs: ACR and Azure AD tokens, anywhere, even cut short. The header
		// is base64url of `{"`, hence eyJ; more parts than three are taken too.
		{re: regexp.MustCompile(`(eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)*)`), need: []string{"eyj"}},
		// A token's signature, or any long base64 of mixed case, alone: a
		// wrapped log line cuts a JWT into pieces (76 columns, base64's
		// default); the signature carries no eyJ. Hex digests (sha256:…)
		// have one case and stay.
		{re: regexp.MustCompile(`(?:^|[^A-Za-z0-9_+/=-])([A-Za-z0-9_-]{60,}|[A-Za-z0-9+/]{60,}={0,2})(?:$|[^A-Za-z0-9_+/=-])`), ok: mixedCase, pre: longRun},
		// Tokens whose prefix names them: GitHub's, GitLab's and Docker
		// Hub's personal access tokens, DigitalOcean's API tokens (which
		// its registry takes as username and password both).
		{re: regexp.MustCompile(`\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|dckr_pat_[A-Za-z0-9_-]{20,}|do[opr]_v1_[a-f0-9]{64})`),
			need: tokenPrefixes},
		// The AWS CLI storing a key given as a bare argument.
		{re: regexp.MustCompile(`(?i)\baws[ \t]+configure[ \t]+set[ \t]+(?:[\w.-]*\.)?aws_(?:secret_access_key|session_token)[ \t]+` + value), need: []string{"configure"}, spread: true},
		// PowerShell making a secure string of a plain one.
		{re: regexp.MustCompile(`(?i)convertto-securestring[ \t]+(?:-string[ \t]+)?` + value), ok: notVariable, need: []string{"securestring"}, spread: true},
		// Password and secret flags, separated by blanks or =: docker login -p,
		// --password, az's --client-secret, --registry-password, -s. The
		// short ones in lower case only: docker run -P publishes ports.
		{re: regexp.MustCompile(`(?i)(?:^|[\s"'(\[{,;|&])--(?:[a-z0-9]+-)*(?:password|passwd|pass|secret)(?:[ \t\x{a0}]+|=)` + value), ok: notMask, need: []string{"--pass", "passw", "secret"}, spread: true},
		{re: regexp.MustCompile(`(?:^|[\s"'(\[{,;|&])-[ps](?:[ \t\x{a0}]+|=)` + value), ok: notMask, need: []string{"-p", "-s"}, spread: true, login: true},
		// A flag and its value as items of a list: args: ["login", "-p", "…"].
		{re: regexp.MustCompile(`(?i)["'](?:-p|--password)["'][ \t]*,[ \t]*("(?:[^"\\\n]|\\.)*"|'[^'\n]*')`), ok: notMask, need: []string{"-p", "--pass"}, spread: true, login: true},
		// -p with its value attached: docker login -pSECRET.
		{re: regexp.MustCompile(`(?:^|[\s"'(\[{,;|&])-p([^\s=]\S*)`), ok: notMask, need: []string{"-p"}, spread: true, login: true},
		// az acr credential show: the admin passwords as name and value.
		{re: regexp.MustCompile(`(?i)"name"[ \t]*:[ \t]*"password2?"[ \t]*,[ \t]*"value"[ \t]*:[ \t]*("[^"\n]*"?)`), need: []string{"password"}, spread: true},
		// YAML's auth: base64 of user:password, unquoted.
		{re: regexp.MustCompile(`(?i)(?:^|[^\w.-])auth[ \t]*:[ \t]*([A-Za-z0-9+/]{8,}={0,2})(?:$|[\s,}])`), ok: mixedCase, need: []string{"auth"}, spread: true},
		// pass= and PAT= (GitHub's personal access tokens), as whole keys.
		{re: regexp.MustCompile(`(?i)(?:^|[^\w.-])(?:[\w.-]*_)?(?:pass|pat)[ \t]*=[ \t]*` + value), ok: notLiteral, need: []string{"pass", "pat"}, spread: true},
		// Cookies and API Management's subscription key, as headers.
		{re: regexp.MustCompile(`(?i)\b(?:set-)?cookie[ \t]*:[ \t]*(\S.*)`), need: []string{"cookie"}},
		{re: regexp.MustCompile(`(?i)subscription-key[ \t]*[:=][ \t]*` + value), ok: notLiteral, need: []string{"subscription-key"}, spread: true},
		// Quoted keys: "password": "…", 'auth': '…', "IdentityToken":"…".
		{re: regexp.MustCompile(`(?i)["'][\w.-]*?(?:` + keys + `)\\*["'][ \t]*(?:` + eqSep + `|:)[ \t]*` + listValue), ok: notLiteral, need: keyNeed, spread: true},
		// Unquoted keys with =: pw=…, client_secret=…, DOCKER_PASSWORD=…, a
		// query's access_token=….
		{re: regexp.MustCompile(`(?i)(?:^|[^\w.-])[\w.-]*(?:` + keys + `)[ \t]*` + eqSep + `[ \t]*` + listValue), ok: notLiteral, need: keyNeed, spread: true},
		// Unquoted keys with a colon: password: …, refresh_token: ….
		{re: regexp.MustCompile(`(?i)(?:^|[^\w.-])[\w.-]*(?:` + colonKeys + `)[ \t]*:=?[ \t]*` + listValue), ok: notProse, need: proseNeed, spread: true},
		// A key in prose, then its value after a blank, "is", "was" or a
		// colon: "password hunter2x", "secret is …", "token: …",
		// "x-api-key: …". Prose says "token expired" and "password is
		// wrong" too, so only a value that looks like one goes.
		{re: regexp.MustCompile(`(?i)(?:^|[^\w.-])[\w-]*(?:` + proseKeys + `)(?:[ \t]*(?::|->)[ \t]*|[ \t]+(?:(?:is|was)(?:[ \t]*:)?[ \t]+)?)` + value), ok: valueLike, need: proseNeed, spread: true},
		// user:password pairs: curl -u/--user, skopeo --creds, --src-creds.
		{re: regexp.MustCompile(`(?i)(?:^|[\s"'(\[{,;|&])(?:-u[ \t]*|(?:--user|--(?:[a-z0-9]+-)*creds)(?:[ \t]+|=))["']?[^\s:"']*:([^\s"']+)`), ok: notNumber, need: []string{"-u", "creds"}, spread: true},
		// Authorization headers, whatever the scheme: Basic, Bearer, none.
		{re: regexp.MustCompile(`(?i)\b(?:proxy-)?authorization[ \t]*[:=][ \t]*["'\[]?(?:(?:basic|bearer|token|digest|negotiate|ntlm)[ \t]+)?([^\s"',\]]+)`), need: []string{"authorization"}, spread: true},
		// Basic and Bearer credentials elsewhere, when they look like one.
		{re: regexp.MustCompile(`(?i)\b(?:basic|bearer)[ \t]+([A-Za-z0-9+/._~-]{12,}=*)`), ok: credentialLike, need: []string{"basic", "bearer"}, spread: true},
		// A secret piped or fed to a login that reads it from standard
		// input: echo "…" | docker login --password-stdin, <<< "…".
		// PowerShell pipes a bare string; other pipes may come between.
		{re: regexp.MustCompile(printed + value + `[^\n]*--password-stdin`), ok: notVariable, need: stdinNeed, spread: true},
		{re: regexp.MustCompile(`(?i)--password-stdin[^\n]*?` + printed[len("(?i)"):] + value), ok: notVariable, need: stdinNeed, spread: true},
		{re: regexp.MustCompile(`(?i)(?:^|[\s(;&>])('[^'\n]*'|"[^"\n]*")[ \t]*\|[^\n]*--password-stdin`), ok: notVariable, need: stdinNeed, spread: true},
		{re: regexp.MustCompile(`(?i)--password-stdin[^\n]*?<<<[ \t]*\$?` + value), ok: notVariable, need: stdinNeed, spread: true},
		{re: regexp.MustCompile(`(?i)<<<[ \t]*\$?` + value + `[^\n]*--password-stdin`), ok: notVariable, need: stdinNeed, spread: true},
		// What a CI log is told to mask, to the end of the line (maskRE).
		{re: maskRE(), ok: notVariable, need: []string{"add-mask", "setsecret", "issecret"}},
		// A URL's user-info password, which may hold / or @ when pasted
		// unencoded: it ends at the last @ before the host, which ends the URL
		// or is followed by its path, query or fragment.
		{re: regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*:(?://|\\/\\/)[^\s:/]*:(\S*?)@[^\s@/?#"'\x60]+(?:[\s/?#"'\x60]|$)`), need: []string{"@"}, spread: true},
		// user:password@host with no scheme, before a domain (after a / too:
		// in an image reference's path, docker.io/user:pw@host/app).
		{re: regexp.MustCompile(`(?:^|[\s"'(\[{,;|&=/])[\w.%+-]+:([^\s:@/"']+)@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b`), need: []string{"@"}, spread: true},
	}
})

// mixedCase: s has upper and lower case letters and a digit, as random
// base64 has and words, paths and digests do not.
func mixedCase(s string) bool {
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
}

// notLiteral leaves a key's value alone when it is a JSON or flag
// literal, not a secret: offline_token=true, "auth": null.
func notLiteral(s string) bool {
	switch strings.ToLower(strings.Trim(s, `"'`)) {
	case "true", "false", "null", "nil", "<nil>", "none", "(none)", "***", Mark, nullGUID:
		return false
	}
	return !notSecret().MatchString(strings.Trim(s, `"'`))
}

// nullGUID is the username of a login with an ACR token, not a secret.
const nullGUID = "00000000-0000-0000-0000-000000000000"

// notSecret matches values that name something rather than hide it: a
// URL, a host with two dots or more, an AADSTS code, a digest.
var notSecret = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[a-zA-Z][a-zA-Z0-9+.-]*://\S*|[a-z0-9-]+(?:\.[a-z0-9-]+){2,}(?::[0-9]+)?(?:/\S*)?|AADSTS[0-9]+\S*|sha(?:256|384|512):\S+)$`)
})

// notProse is notLiteral, and leaves alone the words error text writes
// after "password:" ("reading password: inappropriate ioctl for device").
func notProse(s string) bool {
	return notLiteral(s) && !proseWords[strings.ToLower(strings.TrimRight(s, ".,:;)"))]
}

// notVariable leaves a shell or CI variable alone ($TOKEN, "${{ secrets.X }}"),
// or a mask: it names the secret, it is not one. $'…' is a quote, not a
// variable.
func notVariable(s string) bool {
	s = strings.Trim(s, `"'`)
	return s != "" && (!strings.HasPrefix(s, "$") || strings.HasPrefix(s, "$'")) && notMask(s)
}

// notMask leaves a CI's mask (***) and a GitHub Actions expression
// (${{ secrets.X }}) alone. A password flag's value that looks like a
// shell variable goes: a quoted password may start with $.
func notMask(s string) bool {
	s = strings.Trim(s, `"'`)
	return s != "***" && !strings.HasPrefix(s, "${{")
}

// notNumber leaves a number alone: docker run -u 1000:1000 is a user and
// group, not a password.
func notNumber(s string) bool {
	return strings.Trim(s, "0123456789") != ""
}

// codeLike matches what follows a key in error text without being its
// value: a status, an Azure AD or OAuth error code (invalid_grant), a
// URL, a host name.
var codeLike = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[0-9]{1,3}|AADSTS[0-9]+|[a-z]+(?:_[a-z]+)+|[a-zA-Z][a-zA-Z0-9+.-]*://.*|(?:[a-z0-9-]+\.)+[a-z]{2,}(?::[0-9]+)?(?:/.*)?)[.,:;)]*$`)
})

// valueLike tells a key's value in prose from the word that follows a
// key in a sentence ("token expired", "password is incorrect",
// "PASSWORD REQUIRED", "client secret ID"): a value has a digit or a
// symbol, mixed case, a length words do not have, or is eight capitals or
// more that are no word of an error.
// Lower-case words are words, and "= x" is the = rule's to find.
func valueLike(s string) bool {
	if !notLiteral(s) {
		return false
	}
	s = strings.TrimRight(s, ".,:;)`'\"") // and the quote a message closes with
	if s == "" || s[0] == '=' || s[0] == ':' || codeLike().MatchString(s) ||
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return false
	}
	if at := strings.IndexByte(s, '@'); at > 0 && strings.Contains(s[at:], ".") {
		return false // user:password@host: the URL patterns take the password alone
	}
	if strings.ContainsAny(s, "0123456789+/=_~!@#$%^&*") || len(s) >= 20 {
		return true
	}
	upper, lower := 0, 0
	for i, r := range s {
		switch {
		case unicode.IsUpper(r) && i > 0:
			upper++
		case unicode.IsLower(r):
			lower++
		case !unicode.IsLetter(r) && r != '-' && r != '\'':
			return true // punctuation inside a word: not prose
		}
	}
	if lower > 0 {
		return upper > 0
	}
	// Capitals alone: an acronym ("secret ID") is short.
	return upper >= 7 && !proseWords[strings.ToLower(s)]
}

// proseWords are words error text writes in capitals after a key.
var proseWords = map[string]bool{
	"is": true, "was": true, "for": true, "the": true, "not": true, "and": true, "or": true,
	"incorrect": true, "invalid": true, "expired": true, "required": true, "missing": true,
	"wrong": true, "error": true, "failed": true, "denied": true, "rejected": true,
	"empty": true, "unset": true, "none": true, "null": true, "true": true, "false": true,
	"ok": true, "set": true, "mismatch": true, "revoked": true, "unknown": true,
	"inappropriate": true, "unauthorized": true, "forbidden": true, "authentication": true,
}

// credentialLike tells a Basic or Bearer credential from a word after
// "basic" or "bearer" in prose ("basic authorization", "bearer token"):
// base64 and token characters, or letters of a length or mix of case that
// words do not have.
func credentialLike(s string) bool {
	s = strings.TrimRight(s, ".") // the end of a sentence
	if strings.ContainsAny(s, "0123456789+/=._~-") || len(s) >= 20 {
		return true
	}
	upper, lower := false, false
	for i, r := range s {
		upper = upper || (i > 0 && unicode.IsUpper(r))
		lower = lower || unicode.IsLower(r)
	}
	return upper && lower
}

// Secrets replaces the secrets it recognises in s with Mark: JWTs; the
// values of password flags (-p X, -pX, --password=X, --client-secret X);
// the password of user:password flags (curl -u, skopeo --creds); a key's
// value in prose when it looks like one ("password hunter2x", "secret is
// …", "x-api-key: …", but not "token expired");
// the values of secret keys in JSON, Python, YAML and key=value forms
// ("password": "…", 'auth': '…', pw=…, client_secret=…, refresh_token: …);
// Authorization headers and Basic or Bearer credentials; a URL's password.
// A quoted value loses what is inside its quotes, spaces and all.
//
// Every pattern is matched against s as given and the secrets they find
// replaced together, so no replacement hides a secret from another
// pattern. A pattern's next match is looked for from where the value of
// the last one starts, since a value can swallow the key of the next
// ("pw= password = x"); a budget keeps that linear in len(s).
func Secrets(s string) string {
	spans := find(s, nil)
	if len(spans) == 0 {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	at := 0 // s[:at] is written
	for _, sp := range spans {
		if sp[1] <= at {
			continue
		}
		if sp[0] >= at {
			out.WriteString(s[at:sp[0]])
			out.WriteString(Mark)
		}
		at = sp[1]
	}
	out.WriteString(s[at:])
	return out.String()
}

// Values lists the secrets lines give where nothing is ambiguous about
// them (a login's password flag, a password= or "password": key, an
// Authorization header, a URL's password, what is fed to
// --password-stdin), each once, as given and as a shell, JSON or a URL
// would read it. A text that hides a password where it is given can show
// it again anywhere else ("X rejected"), where no pattern sees it, so
// what shows the text masks these on every line, whatever they look
// like: a password that is a word ("password=sunshine") is still a
// password, and the rules that give these take a value only where it
// can be nothing else (a short flag only on a login's line, a key's value
// in prose only when it looks like one). Values shorter than minValue are
// left out, as too likely to stand inside other words.
//
// It reads at most valuesBudget bytes of the lines that name a login, a
// password or a credential, and as much again of those that only hold a
// word a flag or a key can start with ("-p", "@", "-u"), which build
// output is full of: a log of compiler lines must not spend what the
// login after it needs. Of a line it reads its first and its last
// valuesLine bytes (a long shell trace ends in its login). A text of
// nothing but password-like lines must not take seconds.
func Values(lines []string) []string {
	var out []string
	seen, read := map[string]bool{}, map[string]bool{}
	add := func(v string) {
		if len(v) >= minValue && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	strong, weak := valuesBudget, valuesBudget
	flag := false // the line before was a YAML list's password flag
	for _, line := range lines {
		if strong <= 0 && weak <= 0 {
			break
		}
		item, isItem := yamlItem(line[:min(len(line), valuesLine)])
		if flag && isItem {
			add(item)
		}
		flag = isItem && passwordFlags[strings.ToLower(item)]
		if len(line) < minValue {
			continue // too short to give one
		}
		for _, l := range lineEnds(line) {
			lo := strings.ToLower(l)
			if read[l] || !holdsAny(lo, givenWords) {
				continue
			}
			read[l] = true
			if holdsAny(lo, namingWords) {
				if strong <= 0 {
					continue
				}
				strong -= len(l)
			} else {
				if weak <= 0 {
					continue
				}
				weak -= len(l)
			}
			login := strings.Contains(lo, "login")
			for _, sp := range find(l, func(r rule) bool { return r.spread && (login || !r.login) }) {
				v := l[sp[0]:sp[1]]
				add(v)
				for _, u := range unquoted(v) {
					add(u)
				}
			}
		}
	}
	return out
}

// lineEnds is line, or of a line longer than valuesLine its first and
// its last valuesLine bytes.
func lineEnds(line string) []string {
	if len(line) <= valuesLine {
		return []string{line}
	}
	return []string{line[:valuesLine], line[len(line)-valuesLine:]}
}

// yamlItem is the value of a YAML list item standing alone on line
// ("  - --password", `- "s3cret"`): a Kubernetes args list or Compose's
// command, where a flag's value is the next item.
func yamlItem(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
	rest = strings.TrimSpace(rest)
	if !ok || rest == "" || strings.ContainsAny(rest, " \t") && !strings.HasPrefix(rest, `"`) && !strings.HasPrefix(rest, "'") {
		return "", false
	}
	if len(rest) >= 2 && (rest[0] == '"' || rest[0] == '\'') && rest[len(rest)-1] == rest[0] {
		rest = rest[1 : len(rest)-1]
	}
	return rest, true
}

// passwordFlags are the flags whose value is a password.
var passwordFlags = map[string]bool{"-p": true, "--password": true, "--registry-password": true, "--docker-password": true}

// minValue is the shortest secret Values lists; valuesBudget (twice) and
// valuesLine bound what it reads.
const (
	minValue     = 6
	valuesBudget = 512 << 10
	valuesLine   = 4 << 10
)

// unquoted is v as a shell, JSON or a URL reads it, where that differs:
// a shell trace's escaped quote inside single quotes is a quote, a
// backslash escapes the next byte, \u0021 is ! and so is %21. A value
// also ends where an escaped line break or tab, or the quote or backtick
// of the text around it, was read as part of it ("-p hunter2\nError",
// "`docker login -p hunter2`"), and Basic's base64 holds the password
// after the user's colon.
func unquoted(v string) []string {
	var out []string
	if i := strings.IndexAny(v, "\\\"'`)]},;"); i > 0 {
		out = append(out, v[:i])
	}
	if p, ok := basicPassword(v); ok {
		out = append(out, p)
	}
	u := strings.ReplaceAll(v, `'\''`, `'`)
	if u != v {
		out = append(out, u)
	}
	if strings.Contains(u, `\`) {
		if j, err := strconv.Unquote(`"` + strings.ReplaceAll(u, `"`, `\"`) + `"`); err == nil {
			out = append(out, j)
		}
		var b strings.Builder
		for i := 0; i < len(u); i++ {
			if u[i] == '\\' && i+1 < len(u) {
				i++
			}
			b.WriteByte(u[i])
		}
		out = append(out, b.String())
	}
	if strings.Contains(v, "%") {
		if p, err := url.PathUnescape(v); err == nil {
			out = append(out, p)
		}
	}
	// As a URL or a form would carry it, for a value given plainly.
	for _, e := range []string{url.QueryEscape(v), url.PathEscape(v)} {
		if e != v && !strings.ContainsAny(v, "\\'\"") {
			out = append(out, e)
		}
	}
	return out
}

// basicPassword is the password of v read as Basic's base64 of
// user:password, when it reads as one.
func basicPassword(v string) (string, bool) {
	enc := base64.StdEncoding
	if len(v)%4 != 0 {
		enc = base64.RawStdEncoding // some tools leave the padding off
	}
	b, err := enc.DecodeString(v)
	if len(v) < 8 || err != nil {
		return "", false
	}
	for _, r := range string(b) {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return "", false
		}
	}
	_, pass, ok := strings.Cut(string(b), ":")
	return pass, ok && pass != ""
}

// givenWords are the words of a line that gives a secret by a flag, a
// key or a header, in lower case. Values reads only lines that hold one:
// error text says "authentication" and "token" on every other line, and
// a secret that names itself (a JWT, a long base64) is found wherever it
// stands.
var givenWords = []string{"-p", "-s", "--pass", "passw", "passphrase", "secret", "pwd", "pass=", "pat=", "token=", "token\"", "token'",
	"token:", "_token", "apikey", "api_key", "api-key", "credential", "authorization:", "authorization=", "bearer ", "basic ", "auth\"", "auth'",
	"-u", "creds", "securestring", "subscription-key", "@", "<<<"}

// namingWords are the givenWords that name what they give: a line with
// one is rare outside a login or a setting.
var namingWords = []string{"login", "passw", "passphrase", "secret", "credential", "creds", "authorization", "bearer ", "basic ", "apikey", "api_key", "api-key", "securestring", "<<<"}

// NamesSecret reports whether line names a login, a password or a
// credential (namingWords): the lines Values reads first.
func NamesSecret(line []byte) bool {
	return holdsAny(string(bytes.ToLower(line)), namingWords)
}

// holdsAny reports whether the lower-case line holds one of words.
func holdsAny(lo string, words []string) bool {
	for _, w := range words {
		if strings.Contains(lo, w) {
			return true
		}
	}
	return false
}

// find returns the spans of s that hold a secret, by the rules use
// takes (all when nil), sorted by their start.
func find(s string, use func(rule) bool) [][2]int {
	var spans [][2]int
	lo, ascii := strings.ToLower(s), isASCII(s)
	for _, r := range rules() {
		if use != nil && !use(r) || r.skip(s, lo, ascii) {
			continue
		}
		budget := 4*len(s) + 1024
		for pos := 0; pos < len(s); {
			m := r.re.FindStringSubmatchIndex(s[pos:])
			if m == nil {
				break
			}
			start, end := pos+m[0], pos+m[1]
			a, b := pos+m[2], pos+m[3]
			if a > start && budget > 0 {
				budget -= end - a
				pos = a
			} else {
				pos = max(end, start+1)
			}
			if strings.HasPrefix(s[a:b], "$'") {
				a++ // the shell's $'…': the quotes' content
			}
			if q := s[a]; q == '"' || q == '\'' {
				a++
				if b > a && s[b-1] == q {
					b--
				}
			}
			if a >= b || (r.ok != nil && !r.ok(s[a:b])) {
				continue
			}
			spans = append(spans, [2]int{a, b})
		}
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	return spans
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maskRE finds the values a CI log is told to mask: GitHub Actions'
// ::add-mask::, ##[add-mask], Azure Pipelines' ##vso[task.setsecret] and a
// variable set with issecret=true.
var maskRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:::add-mask::|##\[add-mask\]|##vso\[task\.setsecret\]|##vso\[task\.setvariable[^\]\n]*issecret=true[^\]\n]*\])[ \t]*(\S[^\r\n]*)`)
})

// Masked lists the values lines tell a CI log to mask, as the CI does
// wherever they appear later: three characters or more, no variable.
func Masked(lines []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) >= 3 && notVariable(v) && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, l := range lines {
		if !strings.Contains(l, "::") && !strings.Contains(l, "##") {
			continue // every masking command has one: most lines need no lower case
		}
		lo := strings.ToLower(l)
		if !strings.Contains(lo, "add-mask") && !strings.Contains(lo, "setsecret") && !strings.Contains(lo, "issecret") {
			continue
		}
		for _, m := range maskRE().FindAllStringSubmatch(l, -1) {
			v := strings.TrimSpace(m[1])
			add(v)
			// The command quoted in a shell's trace or a JSON log
			// (echo "::add-mask::X", {"msg":"…X"}): X without the quotes.
			add(strings.TrimRight(v, `"'}]) `))
		}
	}
	return out
}

// secretKey matches a JSON field name whose value is a secret.
var secretKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^[\w.-]*(?:` + keyNames + `)$`) })

// tokenPrefixes start the tokens that name themselves (the rule above).
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "dckr_pat_", "dop_v1_", "doo_v1_", "dor_v1_"}

// NamedToken reports whether s starts as a token that names itself
// (GitHub's, GitLab's, Docker Hub's, DigitalOcean's), without the cost
// of compiling the patterns: for the credential helper, on every pull.
func NamedToken(s string) bool {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// SecretUsername reports whether username is a secret in its own right:
// it holds the secret (a registry that takes a token as both, as
// DigitalOcean's does, or the secret with something around it), or it is
// a token: one that names itself, a JWT, or a password that looks
// generated (a secret given with -u and the username with -p, swapped).
func SecretUsername(username, secret string) bool {
	u, s := strings.TrimSpace(username), strings.TrimSpace(secret)
	return u != "" && (u == s || len(s) >= minValue && strings.Contains(u, s) || NamedToken(u) || holdsJWT(u) || Generated(u))
}

// Fragments masks in s every run of at least min bytes that is also a
// run of secret's: the secret whole, and any piece of it (a signature
// quoted in part, a token cut by a line break), each as Mark, with what
// stands between its bytes where it is cut by characters the secret does
// not hold (a blank, a zero-width space, a colour's escape sequence),
// which a reader does not see or sees past. For a program that failed
// quoting what it was given: its own text shares no such run with a
// random secret.
func Fragments(s, secret string, min int) string {
	if min < 1 || len(secret) < min || len(s) < min {
		return s
	}
	// Where each piece of min bytes starts in secret: a run found is
	// followed along the secret from there, as far as it goes (at most
	// maxStarts of them: a secret that repeats itself is masked in runs
	// of min at the least).
	const maxStarts = 16
	starts := make(map[string][]int, len(secret)-min+1)
	for p := 0; p+min <= len(secret); p++ {
		if k := secret[p : p+min]; len(starts[k]) < maxStarts {
			starts[k] = append(starts[k], p)
		}
	}
	sk, at := skeleton(s, secret)
	var b strings.Builder
	last := 0 // in s: what is written
	for i := 0; i+min <= len(sk); {
		ps := starts[string(sk[i:i+min])]
		if len(ps) == 0 {
			i++
			continue
		}
		n := min
		for _, p := range ps {
			k := min
			for i+k < len(sk) && p+k < len(secret) && sk[i+k] == secret[p+k] {
				k++
			}
			n = max(n, k)
		}
		j := i + n
		b.WriteString(s[last:at[i]])
		b.WriteString(Mark)
		last = at[j-1] + 1
		i = j
	}
	b.WriteString(s[last:])
	return b.String()
}

// skeleton is the bytes of s that secret holds, in order, and where each
// is in s: what is left of a secret cut by other characters. An escape
// sequence (ESC [ … final byte) is dropped whole: its digits are no text.
func skeleton(s, secret string) (sk []byte, at []int) {
	var holds [256]bool
	for i := 0; i < len(secret); i++ {
		holds[secret[i]] = true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			i += 2
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
				i++
			}
			continue
		}
		if holds[c] {
			sk = append(sk, c)
			at = append(at, i)
		}
	}
	return sk, at
}

// Generated reports whether s looks like a secret a service generated (an
// ACR admin or repository token password, an Azure AD client secret), not
// a name a person chose: 32 characters or more of letters, digits and the
// few marks such secrets hold, capitals, small letters and digits among
// them, and changing between those kinds at two characters in five or
// more, as random text does and words do not ("AzureDevOpsServiceConnection"
// changes at one in seven). As a username it is a password given with -u.
func Generated(s string) bool {
	if len(s) < 32 {
		return false
	}
	var n [4]int
	changes, last := 0, -1
	for i := 0; i < len(s); i++ {
		k := charKind(s[i])
		if k < 0 {
			return false
		}
		n[k]++
		if last >= 0 && k != last {
			changes++
		}
		last = k
	}
	return n[0] > 0 && n[1] > 0 && n[2] > 0 && changes*5 >= len(s)*2
}

// charKind is 0 for a capital, 1 a small letter, 2 a digit, 3 a mark
// generated secrets hold, and -1 for anything else.
func charKind(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return 0
	case 'a' <= c && c <= 'z':
		return 1
	case '0' <= c && c <= '9':
		return 2
	case strings.IndexByte("+/=-_~.", c) >= 0:
		return 3
	}
	return -1
}

// holdsJWT reports whether one of s's words is a JWT ("Bearer eyJ…").
func holdsJWT(s string) bool {
	return strings.Contains(s, "eyJ") && slices.ContainsFunc(strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}), token.LooksLikeJWT)
}

// SecretKey reports whether a field of that name holds a secret: Secret,
// Password, IdentityToken, auth, client_secret, access_token and the like.
func SecretKey(name string) bool { return secretKey().MatchString(name) }

// maxDecodes bounds the JSON objects Output tries that turn out not to
// be: each try may read to the end of the text.
const maxDecodes = 32

// Output redacts what a program printed: each JSON object in it loses its
// secret fields (SecretKey), nested ones too, and a field that repeats
// one (a username that is the token); what it dropped is masked wherever
// else the text repeats it, and the rest goes through Secrets. A
// credential helper that prints its credential and then fails is shown
// without it.
func Output(s string) string {
	var out strings.Builder
	var secrets []string
	tries := 0
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			out.WriteString(s[i:])
			break
		}
		j += i
		out.WriteString(s[i:j])
		if tries < maxDecodes {
			if obj, n, ok := dropSecrets(s[j:], &secrets); ok {
				out.WriteString(obj)
				i = j + n
				continue
			}
			tries++
		}
		out.WriteByte('{')
		i = j + 1
	}
	said := out.String()
	for _, secret := range secrets {
		if len(secret) >= minValue {
			said = strings.ReplaceAll(said, secret, Mark)
		}
	}
	return Secrets(said)
}

// dropSecrets decodes the JSON object s starts with and, if it holds a
// secret field, encodes it again without, adding what it dropped to
// secrets; n is how much of s it took.
func dropSecrets(s string, secrets *[]string) (obj string, n int, ok bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if dec.Decode(&v) != nil {
		return "", 0, false
	}
	n = int(dec.InputOffset())
	if !drop(v, secrets) {
		return s[:n], n, true
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return "", 0, false
	}
	return strings.TrimSuffix(b.String(), "\n"), n, true
}

// drop deletes the secret fields of the objects in v, adding their values
// to secrets, and masks a field that repeats one; it reports whether
// there were any.
func drop(v any, secrets *[]string) (dropped bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if SecretKey(k) {
				if secret, ok := x.(string); ok && secret != "" {
					*secrets = append(*secrets, secret)
				}
				delete(v, k)
				dropped = true
			} else if drop(x, secrets) {
				dropped = true
			}
		}
		for k, x := range v {
			if value, ok := x.(string); ok && value != Mark && slices.ContainsFunc(*secrets, func(secret string) bool { return SecretUsername(value, secret) }) {
				v[k] = Mark
				dropped = true
			}
		}
	case []any:
		for _, x := range v {
			if drop(x, secrets) {
				dropped = true
			}
		}
	}
	return dropped
}
