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
	"io"
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
	// FirstLine is the number of the text's first line in the file it is
	// the end of, for the findings' line numbers; 0 is 1.
	FirstLine int
	// Given are secrets the part of the file before the text gave (a
	// login's -p X, redact.Values): masked wherever the text repeats them.
	Given []string
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
	return explain(string(b), Options{}), nil
}

// ExplainString is Explain on a string.
func ExplainString(s string) []Finding { return ExplainWith(s, Options{}) }

// ExplainWith is ExplainString with what this machine knows folded in.
func ExplainWith(s string, opts Options) []Finding {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	return explain(s, opts)
}

func explain(text string, opts Options) []Finding {
	pasted, from := textLines(text)
	lines := make([]string, len(pasted))
	for i, l := range pasted {
		lines[i] = words(l)
	}
	lines, at := unwrap(lines, pasted)
	s := read(lines)
	s.at, s.pasted, s.firstLine = compose(at, from), joinAs(pasted, at), max(opts.FirstLine, 1)
	sigs := interpret(s)
	if opts.Machine != nil {
		sigs = fold(s, sigs, opts.Machine)
	}
	return findings(s, rank(sigs), opts.Given)
}

// shown is a redacted line as a finding shows it: whole, or a long one by
// its start and its end, where a wrapper's error says what went wrong (the
// kubelet's "Failed to pull image … 401 Unauthorized").
func shown(line string) string { return ends(line, maxEvident, maxEvident/3) }

// ends is line, or for one longer than n bytes its start (head bytes at
// most) and its end, with an ellipsis between: n bytes in all.
func ends(line string, n, head int) string {
	if len(line) <= n {
		return line
	}
	const gap = " … "
	h := clip(line, head)
	return h + gap + clipStart(line, n-len(h)-len(gap))
}

// clipStart is the end of s, at most n bytes, without splitting a UTF-8
// sequence.
func clipStart(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
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
