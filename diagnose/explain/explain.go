// Package explain names, from the error output a user pastes (docker,
// buildx, az, helm, oras, crane, containerd and nerdctl, podman, kubelet
// events, CI logs), the causes of a failed Azure Container Registry login
// in the catalogue's terms. It needs no credentials and no network: it is
// what the doctor can say before it probes anything, and what it says
// about a log from a machine it cannot reach, such as a CI runner or an AKS
// node.
//
// # How it reads
//
// Explain does not match samples. It reads each line into signals, the
// statements of the tools' error language: registry hosts and image
// references, normalised as Docker does so that it knows which registry a
// request really went to; HTTP statuses; the codes of documented tables
// (the distribution spec's registry errors, Microsoft Entra's AADSTS codes,
// `az acr check-health` codes, Windows Sockets and errno network errors);
// the wording of certificate, credential-helper, Docker and az failures;
// and the times a message states. Each signal points to a cause of the
// catalogue with a weight: how specifically the words name it.
//
// It then reasons over the whole text: a failure is read in the light of
// where it happened (a 401 from Docker Hub after a push meant for ACR is the
// registry name; from Microsoft Artifact Registry, which never asks for
// credentials, a service fault) and of what else the text says (anonymous
// pull enabled, a registry resolving to a private address); a generic
// failure that a more specific cause explains steps back. The findings come
// most specific first, each with a confidence, the lines that showed it,
// and the alternatives worth checking.
//
// With Options.Machine, what this machine's credential store knows about a
// registry the text names is folded in, and marked as such.
//
// Each finding carries the lines that gave it away, with secrets redacted.
package explain

import (
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// Limits keep Explain linear and bounded on whatever is pasted into it.
const (
	MaxInput    = 4 << 20  // bytes read from the reader; the rest is ignored
	maxLine     = 64 << 10 // bytes of one line that are read; the rest is cut
	maxEvident  = 300      // bytes of a line kept in a Finding
	maxEvidence = 3        // text lines kept as a finding's evidence
	maxAlt      = 3        // alternatives named per finding
)

// Confidence is how sure a finding is.
type Confidence string

const (
	// Certain: the text (or this machine) names the cause in words that
	// mean nothing else.
	Certain Confidence = "certain"
	// Likely: the usual reading of the text; the alternatives are real.
	Likely Confidence = "likely"
	// Possible: one cause among several the text fits, or one that a more
	// specific finding explains.
	Possible Confidence = "possible"
)

// Source says where a piece of evidence came from.
type Source string

const (
	FromText    Source = "text"    // the output that was explained
	FromMachine Source = "machine" // this machine's Docker credential store
)

// Evidence is one thing that showed a cause.
type Evidence struct {
	Source Source `json:"source"`
	// LineNo is the 1-based line of the text; 0 for the machine.
	LineNo int `json:"line,omitempty"`
	// Text is the line, trimmed, cut to 300 bytes and redacted; or what the
	// credential store showed, in the words of `docker acrdoctor creds`.
	Text string `json:"text"`
}

// Finding is one cause found in the text.
type Finding struct {
	// Cause has the ID, title, remediation filled in with the registry
	// ("<registry>" and "<name>" when the text names none), docs and the
	// check-health code. Its Evidence is Line, or, for a cause only this
	// machine shows, what the machine showed.
	Cause cause.Cause
	// Line is the line that gave the cause away, trimmed, at most 300
	// bytes, with secrets replaced by "<redacted>"; "" when only this
	// machine shows the cause.
	Line   string
	LineNo int // 1-based; 0 when only this machine shows the cause
	// Registry is the ACR login server named on the line, or else the last
	// one named before it, or else the first one in the text; "" if none.
	Registry string
	// Confidence is certain, likely or possible.
	Confidence Confidence `json:"confidence"`
	// Alternatives are other causes the same evidence fits, worth checking
	// if this one is ruled out.
	Alternatives []cause.ID `json:"alternatives,omitempty"`
	// Evidence is what showed the cause: up to three lines of the text,
	// then what this machine showed, each marked with its source.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Options are what Explain may use beside the text.
type Options struct {
	// Machine returns what this machine's Docker credential store holds
	// for a registry the text names (a login server such as
	// "myreg.azurecr.io"), as `creds` reports it, and false when it holds
	// nothing. Explain calls it for each registry the text names; it must
	// be side-effect free: no helper renewal, no write, no network. Nil:
	// the text alone.
	Machine func(host string) (report.Credential, bool)
}

// Explain classifies error output: the causes it shows, most specific
// first, each once. Text without a known problem gives no findings. It
// reads at most MaxInput bytes and cuts long lines, so odd input is never
// an error: only a failing reader is.
func Explain(r io.Reader) ([]Finding, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInput))
	if err != nil {
		return nil, err
	}
	return explain(splitLines(string(b)), Options{}), nil
}

// ExplainString is Explain on a string.
func ExplainString(s string) []Finding { return ExplainWith(s, Options{}) }

// ExplainWith is ExplainString with what this machine knows folded in.
func ExplainWith(s string, opts Options) []Finding {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	return explain(splitLines(s), opts)
}

// splitLines splits text into lines of at most maxLine bytes, dropping the
// rest of longer lines rather than failing on them as bufio.Scanner would.
// The lines are pieces of s, not copies, except where a line holds a
// terminal's escape sequences (colours are cut out of the words) or is
// an error quoted in a JSON string (its escapes are undone).
func splitLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		if len(line) >= maxLine { // with its line feed, more than maxLine
			line = line[:maxLine]
		}
		if strings.IndexByte(line, 0x1b) >= 0 {
			line = stripEscapes(line)
		}
		if strings.Contains(line, `\"`) || strings.Contains(line, `\\`) {
			line = unquoteJSON(line)
		}
		line = fromPage(line)
		lines = append(lines, strings.TrimRight(line, "\r\n"))
	}
	return lines
}

// pageText maps what a web page puts in a pasted error for the characters
// the tool printed: no-break and other wide spaces, zero-width marks,
// typographic quotes.
var pageText = strings.NewReplacer(
	"\u00a0", " ", "\u2007", " ", "\u2009", " ", "\u202f", " ", "\u3000", " ",
	"\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "",
	"\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'",
)

// fromPage undoes what a web page does to a line of output copied from it:
// its characters (pageText) and its HTML entities (&quot;, &#39;).
func fromPage(line string) string {
	if !utf8.ValidString(line) {
		return line
	}
	for i := 0; i < len(line); i++ {
		if line[i] >= utf8.RuneSelf {
			line = pageText.Replace(line)
			break
		}
	}
	if i := strings.IndexByte(line, '&'); i >= 0 && strings.IndexByte(line[i:], ';') > 0 {
		// An entity that makes a control character (&#10;, &#27;) is
		// left as written: a line stays one line, and hostile bytes stay
		// visible as what they are.
		if un := html.UnescapeString(line); controls(un) == controls(line) {
			line = un
		}
	}
	return line
}

// controls counts the C0 control characters of s.
func controls(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			n++
		}
	}
	return n
}

// unquoteJSON undoes the escapes a JSON string puts on quotes, slashes
// and backslashes ({"message":"Head \"https://…\": denied"}), so that
// the words read as the tool printed them; other escapes stay as they are.
func unquoteJSON(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\/`, line[i+1]) >= 0 {
			i++
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

// stripEscapes removes the colour and erase-line sequences of a CI log
// or a terminal (ESC [ digits and semicolons, then m or K). Any other
// control sequence stays, to be read as the hostile text it may be.
func stripEscapes(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
			j := i + 2
			for j < len(line) && (isDigit(line[j]) || line[j] == ';') {
				j++
			}
			if j < len(line) && (line[j] == 'm' || line[j] == 'K') {
				i = j
				continue
			}
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

func explain(lines []string, opts Options) []Finding {
	lines, at := unwrap(lines)
	s := read(lines)
	s.at = at
	sigs := interpret(s)
	if opts.Machine != nil {
		sigs = fold(s, sigs, opts.Machine)
	}
	return findings(s, rank(sigs))
}

// maxPieces is how many cut lines unwrap joins into one: a message of
// some thousands of characters at a terminal's width.
const maxPieces = 40

// termWidths are the widths terminals and consoles are commonly set to.
var termWidths = []int{80, 100, 120, 132, 160, 200}

// unwrap joins the lines a terminal, a console or a paste cut at a fixed
// width, mid-word, back into the lines the tool printed, so that a URL or
// a message cut in two reads whole. The width is that of the longest
// lines when no line is longer and it is a common terminal width or the
// width of two different lines. at[k] is the index in lines of
// the first piece of logical line k; nil when nothing was joined.
func unwrap(lines []string) (out []string, at []int) {
	width := 0
	var first string
	distinct := false
	for _, l := range lines {
		switch w := utf8.RuneCountInString(l); {
		case w > width:
			width, first, distinct = w, l, false
		case w == width:
			distinct = distinct || l != first
		}
	}
	if width < wrapAt || !distinct && !slices.Contains(termWidths, width) {
		return lines, nil
	}
	out = make([]string, 0, len(lines))
	at = make([]int, 0, len(lines))
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		start := i
		for n := 1; n < maxPieces && i+1 < len(lines) && utf8.RuneCountInString(lines[i]) == width && cutAfter(lines[i], lines[i+1]); n++ {
			i++
		}
		line := lines[start]
		if i > start {
			b.Reset()
			for _, l := range lines[start : i+1] {
				b.WriteString(l)
			}
			line = b.String()
		}
		out = append(out, line)
		at = append(at, start)
	}
	return out, at
}

// cutAfter reports whether next can be the rest of a line cut after
// line: not empty, and not a line of its own that begins as line does (a
// repeat, a log's prefix, the indentation of a message that wraps itself).
func cutAfter(line, next string) bool {
	return next != "" && commonPrefix(line, next) < 3
}

// evident is a line as a finding shows it. Only the start of a long line
// is redacted, a window wide enough that a secret cut at its end still
// shows the shape Redact knows it by.
func evident(line string) string {
	line = strings.TrimSpace(line)
	return clip(Redact(clip(line, 4*maxEvident)), maxEvident)
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

// Redact replaces the secrets it recognises in s with "<redacted>": JWTs,
// the values of password flags and secret fields (-p, -pX, --password,
// "password": "…", 'auth': '…', pw=…, client_secret=…), a user:password
// flag's password (curl -u, skopeo --creds), a key's value in prose when
// it looks like one ("password hunter2x", not "token expired"),
// Authorization, Basic and Bearer credentials, a URL's password
// (redact.Secrets). It errs
// towards removing too much: a finding's evidence never needs a secret.
func Redact(s string) string { return redact.Secrets(s) }
