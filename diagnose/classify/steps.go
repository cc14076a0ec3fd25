package classify

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// steps turns a transcript into the report's step list: the status of
// each step is decided here, beside the causes, from the same facts.
func steps(t *probe.Transcript) []report.Step {
	var out []report.Step
	// A TCP step on the proxy setting itself failed before anything was
	// dialled: it is the proxy step's failure, not a connection's.
	settingFailed := t.TCP != nil && t.TCP.Target == probe.ProxyTarget && t.TCP.Err != ""
	if settingFailed {
		out = append(out, report.Step{Name: report.StepProxy, Status: report.StepFail, Detail: t.TCP.Err})
	} else if t.Proxy != "" {
		out = append(out, report.Step{Name: report.StepProxy, Status: report.StepOK, Detail: fmt.Sprintf("HTTPS_PROXY %s (NO_PROXY %q); names are resolved by the proxy", t.Proxy, t.NoProxy)})
	}
	if d := t.DNS; d != nil {
		s := stepOf(report.StepDNS, d.Step)
		if d.Err == "" {
			s.Detail = strings.Join(d.Addrs, ", ")
			if d.Private {
				s.Detail += " (private addresses: a private endpoint)"
			}
		}
		out = append(out, s)
	}
	if t.TCP != nil && !settingFailed {
		out = append(out, stepOf(report.StepTCP, *t.TCP))
	}
	if tl := t.TLS; tl != nil {
		s := stepOf(report.StepTLS, tl.Step)
		if tl.Err == "" {
			s.Detail = fmt.Sprintf("%s, certificate %s issued by %s", tl.Version, tl.PeerSubject, tl.PeerIssuer)
		} else if tl.PeerSubject != "" {
			s.Detail += fmt.Sprintf(" (presented: %s, issued by %s)", tl.PeerSubject, tl.PeerIssuer)
		}
		out = append(out, s)
	}
	for _, ex := range t.Exchanges {
		s := report.Step{Name: report.StepName(ex.Purpose), Status: report.StepOK, DurationMS: ms(ex.Duration)}
		s.Detail = fmt.Sprintf("%s %s → %s", ex.Method, urlPath(ex.URL), statusOf(ex))
		if ex.Err != "" || !expected(ex) {
			s.Status = report.StepFail
		}
		switch ex.Purpose {
		case probe.ScopeProbe:
			s.Detail += fmt.Sprintf("; %s granted: %s", t.Scope, listOrNothing(t.Granted))
			if t.Granted == nil || len(t.Missing()) > 0 {
				s.Status = report.StepFail
			}
		case probe.AnonymousToken:
			s.Status = report.StepOK // informative either way
			if why := unusable(ex, t.AnonymousGranted); why != "" {
				// Nothing is concluded from an answer not read.
				s.Status = report.StepWarn
				s.Detail = fmt.Sprintf("%s %s → no usable answer: %s", ex.Method, urlPath(ex.URL), why)
				break
			}
			s.Detail += "; anonymous pull " + map[bool]string{true: "allowed", false: "not allowed"}[slices.Contains(t.AnonymousGranted, "pull")]
		}
		// Where the exchange led that the probe would not go fails the
		// step, whatever its purpose.
		if ex.Refused != "" {
			s.Status = report.StepFail
			s.Detail += "; " + ex.Refused
		}
		out = append(out, s)
	}
	if skew, ok := t.Skew(); ok {
		// Within the tolerance the figure is network latency and noise.
		s := report.Step{Name: report.StepClock, Status: report.StepOK, Detail: fmt.Sprintf("local clock within %s of the registry's", token.Humanize(MaxSkew))}
		if skew.Abs() > MaxSkew {
			s.Status, s.Detail = report.StepFail, fmt.Sprintf("local clock %s the registry's", describeSkew(skew))
		}
		out = append(out, s)
	}
	return out
}

func expected(ex probe.Exchange) bool {
	switch ex.Purpose {
	case probe.Ping:
		return ex.Status == http.StatusUnauthorized || ex.Status == http.StatusOK
	}
	return ex.Status == http.StatusOK
}

// urlPath is a URL without its query: the step list stays readable, and
// -D shows the whole request.
func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery = ""
	return u.String()
}

// unusable says why the anonymous token answer ex tells nothing of
// whether anonymous pull is allowed, "" when it tells: a token was read
// (granted is not nil), or the token service refused with 401 or 403.
// A body too large or never finished, a redirect, a 200 without a token,
// a server error are no answer to the question.
func unusable(ex probe.Exchange, granted []string) string {
	switch {
	case ex.Err != "":
		return ex.Err
	case ex.Refused != "":
		return fmt.Sprintf("%d %s, not followed", ex.Status, http.StatusText(ex.Status))
	case granted != nil, ex.Status == http.StatusUnauthorized, ex.Status == http.StatusForbidden:
		return ""
	case ex.Status == http.StatusOK:
		return "200 OK without a token"
	}
	return fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status))
}

func statusOf(ex probe.Exchange) string {
	if ex.Err != "" {
		return ex.Err
	}
	return fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status))
}

func stepOf(name report.StepName, st probe.Step) report.Step {
	s := report.Step{Name: name, Status: report.StepOK, DurationMS: ms(st.Duration), Detail: st.Target}
	if st.Err != "" {
		s.Status, s.Detail = report.StepFail, st.Err
	}
	return s
}

func describeSkew(d time.Duration) string {
	if d < 0 {
		return token.Humanize(-d) + " behind"
	}
	return token.Humanize(d) + " ahead of"
}

func listOrNothing(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
