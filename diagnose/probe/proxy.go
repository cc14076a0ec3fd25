package probe

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// UnparseableProxy stands in a report for a proxy setting with no host
// part that can be shown safely.
const UnparseableProxy = "<unparseable proxy URL>"

// RedactProxyURL is a proxy setting as a report shows it: scheme and
// host[:port], never the user-info, however it is written. A password
// may hold an unencoded '#', '/', '?' or '@' (url.Parse then misreads the
// URL, or fails), so the host part is what follows the last '@', up to the
// first '/', '?' or '#'; without a scheme, http is meant, as Go and Docker
// read it. What yields no host[:port] is UnparseableProxy.
func RedactProxyURL(raw string) string {
	scheme, hostPort, ok := proxyHostPort(raw)
	if !ok {
		return UnparseableProxy
	}
	return scheme + "://" + hostPort
}

var (
	schemeRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	hostPortRE = regexp.MustCompile(`^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?$`)
)

// proxyHostPort splits a proxy setting as RedactProxyURL reads it.
func proxyHostPort(raw string) (scheme, hostPort string, ok bool) {
	scheme, rest := "http", strings.TrimSpace(raw)
	if s, r, found := strings.Cut(rest, "://"); found {
		if !schemeRE.MatchString(s) {
			return "", "", false
		}
		scheme, rest = strings.ToLower(s), r
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if !hostPortRE.MatchString(rest) {
		return "", "", false
	}
	return scheme, rest, true
}

// proxyMisread reports whether Go read the proxy URL u as another host
// than the one its text names: an unencoded '#', '/' or '?' in the
// password ends the authority early, and ProxyFromEnvironment then
// settles for a host made of the user name and part of the password, or
// of the scheme. Go programs, Docker among them, would not reach the proxy
// meant, and the host they would reach must not be shown.
func proxyMisread(u *url.URL) bool {
	_, hostPort, ok := proxyHostPort(u.String())
	return !ok || hostPort != u.Host
}

// quotedRE is a Go-quoted string in an error message: where net/url and
// net/http put the text they could not parse, which for a proxy setting
// holds its password, or a piece of it.
var quotedRE = regexp.MustCompile(`\s*"(?:[^"\\]|\\.)*"`)

// unquoted is an error message about a proxy setting without the text it
// quotes.
func unquoted(msg string) string { return quotedRE.ReplaceAllString(msg, "") }

// ProxyTarget is the Target of a TCP step that failed on the proxy
// setting itself, before anything was dialled.
const ProxyTarget = "proxy"

// InvalidProxyError is a proxy setting that does not parse as a URL.
type InvalidProxyError struct {
	Name  string // the variable: HTTPS_PROXY or https_proxy
	Shown string // the setting as RedactProxyURL shows it
	Err   error  // the parse error, which quotes the setting
}

func (e *InvalidProxyError) Error() string {
	return fmt.Sprintf("%s is not a valid URL: %s; Docker, like every Go program, ignores it and connects directly,"+
		" around the proxy %s: percent-encode the user name and password (%% as %%25, # as %%23, / as %%2F, ? as %%3F, @ as %%40)"+
		" and remove blanks around the value", e.Name, unquoted(e.Err.Error()), e.Shown)
}

func (e *InvalidProxyError) Unwrap() error { return e.Err }

// proxyFromEnvironment is http.ProxyFromEnvironment, except for a setting
// that does not parse (a bad % escape, a leading blank), which
// ProxyFromEnvironment drops without a word: Docker then connects
// directly, and fails on a DNS or firewall error that hides the cause.
// The probe names the setting instead, and connects nowhere.
func proxyFromEnvironment(req *http.Request) (*url.URL, error) {
	if name, setting := httpsProxyEnv(); setting != "" && req.URL.Scheme == "https" {
		if err := parseProxy(setting); err != nil && !noProxyExempts(noProxyEnv(), req.URL.Hostname()) {
			return nil, &InvalidProxyError{Name: name, Shown: RedactProxyURL(setting), Err: err}
		}
	}
	return http.ProxyFromEnvironment(req)
}

// parseProxy fails where golang.org/x/net/http/httpproxy's parseProxy
// does: the setting does not parse, with or without "http://" before it.
func parseProxy(setting string) error {
	_, err := url.Parse(setting)
	if err == nil {
		return nil
	}
	if _, err2 := url.Parse("http://" + setting); err2 == nil {
		return nil
	}
	return err
}

// noProxyExempts reports whether NO_PROXY exempts host, a name, from the
// proxy, as httpproxy reads it for a name on port 443: "*", the name, or
// a domain it is in, with or without a leading "." or "*.", with no port
// or port 443.
func noProxyExempts(noProxy, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range strings.Split(noProxy, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "*" {
			return true
		}
		if h, port, err := net.SplitHostPort(p); err == nil {
			if port != "443" {
				continue
			}
			p = h
		}
		p = strings.TrimPrefix(strings.TrimPrefix(p, "*"), ".")
		if p != "" && (host == p || strings.HasSuffix(host, "."+p)) {
			return true
		}
	}
	return false
}

// httpsProxyEnv is the proxy setting ProxyFromEnvironment reads for an
// https URL, and the variable it is in.
func httpsProxyEnv() (name, value string) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy"} {
		if v := os.Getenv(k); v != "" {
			return k, v
		}
	}
	return "", ""
}

// ProxyEnv is every proxy setting in the environment, for ProxyRedactor.
func ProxyEnv() []string {
	var out []string
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if v := os.Getenv(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// invalidProxyAddress starts net/http's error for a proxy setting it
// cannot parse; what follows quotes the setting, then the piece of it that
// failed.
const invalidProxyAddress = "invalid proxy address"

// ProxyRedactor returns what takes the user-info of the proxy settings
// out of a text: each setting whole becomes RedactProxyURL's form, its
// user-info, password and Proxy-Authorization value become "<redacted>"
// (see proxySecrets), and after net/http's "invalid proxy address" what
// the error quotes is dropped, since the piece of the setting that failed
// to parse may be a piece of the password.
func ProxyRedactor(settings ...string) func(string) string {
	rep := strings.NewReplacer(proxySecrets(settings...)...)
	return func(s string) string {
		s = rep.Replace(s)
		if i := strings.Index(s, invalidProxyAddress); i >= 0 {
			s = s[:i] + unquoted(s[i:])
		}
		return s
	}
}

// proxySecrets is the old, new pairs for a strings.Replacer that takes the
// user-info of the proxy settings raws out of a text: each setting whole
// (as written, and as %q writes it) becomes RedactProxyURL's form; its
// user-info, password and Proxy-Authorization value, as written, decoded,
// percent-encoded and (the password) as %q writes it, become "<redacted>".
// Longer pieces come first, so that a replacer prefers them. A password
// shorter than four characters is left alone, as the probe's scrub leaves
// one: replacing it would mangle the text more than it hides; the
// Proxy-Authorization value made of it is not.
func proxySecrets(raws ...string) []string {
	var pairs []string
	add := func(old, new string) {
		if old != "" && old != new {
			pairs = append(pairs, old, new)
		}
	}
	for _, raw := range raws {
		rest := raw
		if _, r, found := strings.Cut(rest, "://"); found {
			rest = r
		}
		at := strings.LastIndexByte(rest, '@')
		if at < 0 {
			continue
		}
		shown := RedactProxyURL(raw)
		add(raw, shown)
		if q := quoted(raw); q != raw {
			add(q, shown)
		}
		userinfo := rest[:at]
		user, pass, _ := strings.Cut(userinfo, ":")
		forms := []string{userinfo}
		if len(pass) >= 4 {
			forms = append(forms, pass, url.PathEscape(pass), url.QueryEscape(pass), quoted(pass))
			if d, err := url.PathUnescape(pass); err == nil {
				forms = append(forms, d, quoted(d), strings.TrimPrefix(url.UserPassword("", d).String(), ":"))
			}
		} else if len(userinfo) < 4 {
			forms = forms[:0]
		}
		// The Proxy-Authorization value is no word of any text, whatever
		// the password's length; it is made of the user-info decoded.
		du, errU := url.PathUnescape(user)
		if dp, errP := url.PathUnescape(pass); errU == nil && errP == nil {
			forms = append(forms, base64.StdEncoding.EncodeToString([]byte(du+":"+dp)))
		}
		for _, f := range forms {
			add(f, "<redacted>")
		}
	}
	return pairs
}

// quoted is s as %q writes it inside its quotes: how net/http's errors
// quote what they could not parse, a proxy's echo of a password included.
func quoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
