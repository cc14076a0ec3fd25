package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Options tunes a probe. The zero value probes the real network.
type Options struct {
	// StepTimeout bounds each step: a lookup, a dial, a handshake, one
	// request with its body. 0 means 5 s. The caller's context bounds the
	// whole probe.
	StepTimeout time.Duration
	// Repository is the repository whose scope is probed; "" means a
	// neutral name that exists nowhere, which is enough to see what the
	// identity is granted registry-wide.
	Repository string
	// Push probes push as well as pull.
	Push bool

	// Lookup resolves a host; default net.DefaultResolver.
	Lookup func(ctx context.Context, host string) ([]net.IP, error)
	// KnownHost is a name that exists, resolved when the registry's name
	// is not found: when it is not found either, the resolver finds no
	// name at all (no DNS, or one that answers every name "no such
	// host"), the network's fault, not the registry name's. Default
	// management.azure.com.
	KnownHost string
	// Dial opens a TCP connection; default a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Proxy picks the proxy for a request; default ProxyFromEnvironment,
	// which is what Docker uses, except that a setting it cannot parse
	// fails the probe with an *InvalidProxyError where it would be
	// ignored (see proxyFromEnvironment).
	Proxy func(*http.Request) (*url.URL, error)
	// RootCAs verifies the registry; nil means the system pool (which
	// honours SSL_CERT_FILE on Linux, as Docker does).
	RootCAs *x509.CertPool
	// Now is the local clock; default time.Now.
	Now func() time.Time
}

// DefaultRepository is probed when no --repo is given.
const DefaultRepository = "acr-doctor/probe"

// Secret is the stored credential's secret part. It is used on the wire
// and never recorded.
type Secret struct {
	Username      string
	Password      string
	IdentityToken string
}

func (s Secret) empty() bool { return s.Username == "" && s.Password == "" && s.IdentityToken == "" }

// Limits on what a registry may send: a token answer is a few KB, an error
// body less. Anything bigger is a broken or hostile server.
const (
	maxBody       = 256 << 10
	keptBody      = 4 << 10
	scrubSlack    = 1 << 10
	maxRedirects  = 5
	defaultStep   = 5 * time.Second
	userAgentName = "acr-doctor"
)

// Run probes host with the stored credential and returns what it saw. It
// stops at the first step that makes the rest meaningless (no TCP, no TLS),
// but otherwise goes on: a failed login still tells whether anonymous pull
// works.
func Run(ctx context.Context, host string, cred Credential, secret Secret, opts Options) *Transcript {
	p := newProber(host, cred, secret, opts)
	defer p.client.CloseIdleConnections()
	p.run(ctx)
	if ctx.Err() != nil {
		p.t.TimedOut = true
	}
	return p.t
}

type prober struct {
	t      *Transcript
	host   string // the registry host, lower case: where credentials may go
	opts   Options
	secret Secret
	client *http.Client
	// first holds the connection the connectivity steps opened, handed to
	// the transport so the exchanges reuse it: no extra round trips.
	mu    sync.Mutex
	first net.Conn
	// sessions lets the connections after the first resume its session:
	// the first, the TLS step's, is the one checked and reported, and a
	// full handshake costs both ends a signature and a certificate check.
	sessions tls.ClientSessionCache
	// dialByName passes the host name, not the address looked up, to a
	// caller's Dial (tests map names to an emulator); the default dialer
	// gets the address, so the name is resolved once.
	dialByName bool
	// issued are the tokens the registry issued, secrets as the stored
	// one is; hider, built on first use, takes them all out of a text.
	// hideMu guards both: a dial the transport began may outlive its
	// request and scrub a proxy's answer while the next request records.
	hideMu sync.Mutex
	issued []string
	hider  *strings.Replacer
}

func newProber(host string, cred Credential, secret Secret, opts Options) *prober {
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = defaultStep
	}
	if opts.Repository == "" {
		opts.Repository = DefaultRepository
	}
	if opts.KnownHost == "" {
		opts.KnownHost = "management.azure.com"
	}
	if opts.Lookup == nil {
		opts.Lookup = func(ctx context.Context, host string) ([]net.IP, error) {
			return net.DefaultResolver.LookupIP(ctx, "ip", host)
		}
	}
	dialByName := opts.Dial != nil
	if opts.Dial == nil {
		d := &net.Dialer{}
		opts.Dial = d.DialContext
	}
	if opts.Proxy == nil {
		opts.Proxy = proxyFromEnvironment
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &prober{
		t:          &Transcript{Registry: host, Started: opts.Now(), Credential: cred, NoProxy: noProxyEnv()},
		host:       strings.ToLower(host),
		opts:       opts,
		secret:     secret,
		dialByName: dialByName,
		sessions:   tls.NewLRUClientSessionCache(1),
	}
	tr := &http.Transport{
		// Every connection is TLS to the registry host on 443, opened as
		// the connectivity steps open it (through the proxy, when there is
		// one); plain TCP never: an http:// URL reaching the transport
		// would otherwise be dialled directly, around the proxy.
		DialTLSContext: p.dialTLS,
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			return nil, fmt.Errorf("refused to open plain HTTP to %s: the probe speaks only HTTPS to the registry", addr)
		},
		// Over HTTP/1.1, a connection for each request in flight at once.
		MaxIdleConnsPerHost:   4,
		ResponseHeaderTimeout: opts.StepTimeout,
	}
	p.client = &http.Client{Transport: tr, CheckRedirect: p.checkRedirect}
	return p
}

var errRedirectLoop = fmt.Errorf("stopped after %d redirects", maxRedirects)

// refusalKey carries, in a request's context, where do wants to hear of a
// redirect checkRedirect refused.
type refusalKey struct{}

// checkRedirect follows a redirect only where the credential may go: a
// 307 re-sends a POSTed refresh token to wherever it points. Refused, the
// redirect's answer is the exchange's, and the refusal is recorded.
func (p *prober) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errRedirectLoop
	}
	if err := CredentialDestination(p.host, req.URL); err != nil {
		if refused, ok := req.Context().Value(refusalKey{}).(*string); ok {
			*refused = "did not follow the redirect to " + err.Error() + "; nothing was sent there"
		}
		return http.ErrUseLastResponse
	}
	// No Authorization across a redirect, even to the registry (ACR's
	// blob redirects go to storage, which rejects it anyway).
	req.Header.Del("Authorization")
	return nil
}

func noProxyEnv() string {
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func (p *prober) run(ctx context.Context) {
	conn, ok := p.connect(ctx, p.host, true)
	if !ok {
		return
	}
	p.mu.Lock()
	p.first = conn
	p.mu.Unlock()

	scope := "repository:" + p.opts.Repository + ":pull"
	if p.opts.Push {
		scope += ",push"
	}
	// An ACR registry's realm is its own /oauth2/token and its service its
	// name: the token requests go out beside the challenge, not after it,
	// and are kept only when the challenge names that realm. They go
	// nowhere a credential may not (CredentialDestination): the registry
	// itself, on 443.
	var early *tokens
	earlyCtx, cancelEarly := context.WithCancel(ctx)
	defer cancelEarly()
	done := make(chan struct{})
	guess := acrRealm(p.host)
	if guess != nil {
		go func() {
			defer close(done)
			early = p.tokens(earlyCtx, guess, p.host, scope)
		}()
	} else {
		close(done)
	}
	ping := p.fetch(ctx, Ping, http.MethodGet, "https://"+p.host+"/v2/", nil, "")
	var realm *url.URL
	var service string
	err := errors.New("no challenge")
	if ping.Status == http.StatusUnauthorized {
		realm, service, err = BearerRealm(ping.Header.Values("Www-Authenticate"))
		if err == nil {
			err = CredentialDestination(p.host, realm)
		}
		// Credentials go only to https://<registry>:443: a realm elsewhere
		// is never sent a secret, nor contacted at all. The classifier
		// judges the challenge; the exchange says what was refused.
		var refused *RefusedError
		if errors.As(err, &refused) {
			ping.Refused = "refused the realm " + refused.Error() + "; no credential was sent to it"
		}
	}
	named := err == nil && sameRealm(guess, realm, service, p.host)
	if !named {
		cancelEarly()
	}
	<-done
	var unused []*Exchange
	if !named && early != nil {
		unused, early = early.all(), nil
	}
	if err != nil {
		p.keep(unused, &ping)
		return
	}
	p.t.Scope = scope
	t := early
	if t == nil {
		t = p.tokens(ctx, realm, service, scope)
	}
	if tok := p.decode(t.scoped); tok != nil {
		p.t.Granted = granted(tok, p.opts.Repository)
	}
	p.keep(unused, append([]*Exchange{&ping}, t.all()...)...)
	if tok, err := token.Decode(accessToken(t.anon)); err == nil {
		p.t.AnonymousGranted = granted(tok, p.opts.Repository)
	}
}

// acrRealm is the realm an ACR registry's challenge names, nil for a host
// that is no ACR login server.
func acrRealm(host string) *url.URL {
	if !loginserver.IsACR(host) {
		return nil
	}
	return &url.URL{Scheme: "https", Host: host, Path: "/oauth2/token"}
}

// sameRealm reports whether the challenge named the realm and service
// guessed for an ACR registry.
func sameRealm(guess, realm *url.URL, service, host string) bool {
	if guess == nil || realm == nil {
		return false
	}
	h := realm.Host
	if realm.Port() == "443" {
		h = realm.Hostname()
	}
	return realm.Scheme == "https" && strings.EqualFold(h, guess.Host) &&
		realm.Path == guess.Path && realm.RawQuery == "" && strings.EqualFold(service, host)
}

// tokens are the exchanges with a realm, in the order Docker's login makes
// them: the login with the stored credential, then /v2/ with the token it
// earned and the scope the credential holds, side by side; beside all of
// them, a pull token with no credential.
type tokens struct {
	login, authed, scoped, anon *Exchange
}

// all are the exchanges made, in Docker's order.
func (t *tokens) all() []*Exchange {
	var out []*Exchange
	for _, ex := range []*Exchange{t.login, t.authed, t.scoped, t.anon} {
		if ex != nil {
			out = append(out, ex)
		}
	}
	return out
}

func (p *prober) tokens(ctx context.Context, realm *url.URL, service, scope string) *tokens {
	var t tokens
	var wg sync.WaitGroup
	if !p.secret.empty() {
		wg.Go(func() {
			login := p.tokenRequest(ctx, TokenRequest, realm, service, "")
			t.login = &login
			tok := accessToken(t.login)
			if tok == "" {
				return
			}
			// Asked only once the login succeeded: a credential the
			// registry refuses is refused once, one event in its log.
			var after sync.WaitGroup
			after.Go(func() {
				scoped := p.tokenRequest(ctx, ScopeProbe, realm, service, scope)
				t.scoped = &scoped
			})
			authed := p.fetch(ctx, AuthedPing, http.MethodGet, "https://"+p.host+"/v2/", nil, "Bearer "+tok)
			t.authed = &authed
			after.Wait()
		})
	}
	wg.Go(func() {
		// As Docker asks when nothing is stored.
		u := *realm
		q := u.Query()
		if service != "" {
			q.Set("service", service)
		}
		q.Set("scope", "repository:"+p.opts.Repository+":pull")
		u.RawQuery = q.Encode()
		anon := p.fetch(ctx, AnonymousToken, http.MethodGet, u.String(), nil, "")
		t.anon = &anon
	})
	wg.Wait()
	return &t
}

// decode reads the access token of a 200 answer; one that is no JWT is
// the exchange's error.
func (p *prober) decode(ex *Exchange) *token.Token {
	raw := accessToken(ex)
	if raw == "" {
		return nil
	}
	tok, err := token.Decode(raw)
	if err != nil {
		ex.Err = "the access token is not a JWT: " + err.Error()
		ex.ErrKind = KindOther
		return nil
	}
	return tok
}

// tokenRequest sends the stored credential to the realm as Docker does
// (distribution's token handler; for the login, with OfflineAccess and
// client_id docker): an identity token as an OAuth2 refresh-token POST,
// else a GET with Basic auth.
func (p *prober) tokenRequest(ctx context.Context, purpose Purpose, realm *url.URL, service, scope string) Exchange {
	if p.secret.IdentityToken != "" {
		form := url.Values{}
		form.Set("scope", scope)
		form.Set("service", service)
		form.Set("client_id", "docker")
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", p.secret.IdentityToken)
		if purpose == TokenRequest {
			form.Set("access_type", "offline")
		}
		return p.fetch(ctx, purpose, http.MethodPost, realm.String(), strings.NewReader(form.Encode()), "")
	}
	u := *realm
	q := u.Query()
	if service != "" {
		q.Add("service", service)
	}
	if scope != "" {
		q.Add("scope", scope)
	}
	if purpose == TokenRequest {
		// Only a login asks for a refresh token; a pull or push with the
		// stored credential asks for its scope alone, as the scope probe
		// does.
		q.Add("offline_token", "true")
		q.Add("client_id", "docker")
	}
	auth := ""
	if p.secret.Username != "" && p.secret.Password != "" {
		q.Add("account", p.secret.Username)
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(p.secret.Username+":"+p.secret.Password))
	}
	u.RawQuery = q.Encode()
	return p.fetch(ctx, purpose, http.MethodGet, u.String(), nil, auth)
}

// granted lists the actions an access token grants on repo: none is an
// empty list, not nil.
func granted(tok *token.Token, repo string) []string {
	out := []string{}
	for _, a := range tok.Claims.Access {
		if a.Type == "repository" && (a.Name == repo || a.Name == "*") {
			for _, act := range a.Actions {
				if !slices.Contains(out, act) {
					out = append(out, act)
				}
			}
		}
	}
	return out
}

// accessToken reads the token from a 200 answer: distribution accepts
// "token" or "access_token".
func accessToken(ex *Exchange) string {
	if ex == nil || ex.Status != http.StatusOK || ex.raw == nil {
		return ""
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(ex.raw, &body) != nil {
		return ""
	}
	if body.AccessToken != "" {
		return body.AccessToken
	}
	return body.Token
}

// fetch makes one request; keep records it. auth, if any, is the
// Authorization header; it is never recorded.
func (p *prober) fetch(ctx context.Context, purpose Purpose, method, rawURL string, body io.Reader, auth string) Exchange {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StepTimeout)
	defer cancel()
	ex := Exchange{Purpose: purpose, Method: method, URL: redactURL(rawURL)}
	ctx = context.WithValue(ctx, refusalKey{}, &ex.Refused)
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		ex.Err, ex.ErrKind = err.Error(), KindOther
		return ex
	}
	req.Header.Set("User-Agent", userAgentName)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The only form sent is the refresh-token grant.
		ex.SentCredential = p.secret.IdentityToken != ""
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
		ex.SentCredential = ex.SentCredential || strings.HasPrefix(auth, "Basic ")
	}
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err, ex.ErrKind = p.describe(err)
		return ex
	}
	defer resp.Body.Close()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		ex.date, ex.local = d, p.opts.Now()
	}
	ex.Status = resp.StatusCode
	ex.Header = http.Header{}
	for _, h := range KeptHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			ex.Header[h] = v
		}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	ex.Duration = time.Since(start)
	switch {
	case err != nil:
		ex.Err, ex.ErrKind = p.describe(err)
		if ex.ErrKind == KindTimeout && len(raw) > 0 {
			ex.ErrKind = KindDrip
			ex.Err = fmt.Sprintf("the body came %d bytes in %s and never finished", len(raw), ex.Duration.Round(time.Millisecond))
		}
	case len(raw) > maxBody:
		ex.Err, ex.ErrKind = fmt.Sprintf("the body is larger than %d KiB", maxBody>>10), KindTooLarge
		raw = raw[:maxBody]
	default:
		ex.raw = raw
	}
	ex.read = raw
	return ex
}

// keep records the exchanges of Docker's login, in order, and the unused
// ones beside them, with the secrets hide knows taken out of what the
// server chose: a body, a header, a redirect's URL in an error may echo
// them. Every token any of them was issued is known to hide before the
// first is recorded. The registry's clock is read from the first of the
// login's answers that carried a Date.
func (p *prober) keep(unused []*Exchange, exs ...*Exchange) {
	for _, ex := range append(slices.Clone(unused), exs...) {
		if ex.Status == http.StatusOK {
			p.keepIssued(ex.read)
		}
	}
	for _, ex := range exs {
		if p.t.ServerDate.IsZero() && !ex.date.IsZero() {
			p.t.ServerDate, p.t.LocalDate = ex.date, ex.local
		}
	}
	p.t.Exchanges = append(p.t.Exchanges, p.scrubbed(exs)...)
	p.t.Unused = append(p.t.Unused, p.scrubbed(unused)...)
}

func (p *prober) scrubbed(exs []*Exchange) []Exchange {
	var out []Exchange
	for _, ex := range exs {
		ex.Body, ex.read = p.scrub(ex.read), nil
		ex.URL, ex.Err, ex.Refused = p.hide(ex.URL), p.hide(ex.Err), p.hide(ex.Refused)
		for _, vs := range ex.Header {
			for i, v := range vs {
				vs[i] = p.hide(v)
			}
		}
		out = append(out, *ex)
	}
	return out
}

var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// scrub makes a body safe to keep: the stored secret removed in every
// form it was sent in, tokens and the values of secret fields removed
// (a token endpoint's refresh_token need not be a JWT), then capped.
// What is scrubbed runs scrubSlack past the cap, so that a secret the cap
// cuts is whole where it is looked for; not the whole body, which
// redact.Secrets would take a second over.
func (p *prober) scrub(b []byte) string {
	s := p.hide(string(b[:min(len(b), keptBody+scrubSlack)]))
	s = jwtRE.ReplaceAllString(s, "<token>")
	s = redact.Secrets(s)
	s = s[:min(len(s), keptBody)]
	return strings.ToValidUTF8(s, "?")
}

// hide takes the stored secret, and the tokens the registry issued, out
// of s, as sent and as a server may echo them: see secretForms.
func (p *prober) hide(s string) string {
	p.hideMu.Lock()
	defer p.hideMu.Unlock()
	if p.hider == nil {
		p.hider = strings.NewReplacer(secretForms(p.secret, p.host, p.issued...)...)
	}
	return p.hider.Replace(s)
}

// keepIssued adds the tokens in a token answer to what hide takes out:
// the probe sends the access token on, and an echo of it, or of the
// refresh token, is no JWT where the registry does not issue JWTs.
func (p *prober) keepIssued(raw []byte) {
	var body map[string]any
	if json.Unmarshal(raw, &body) != nil {
		return
	}
	p.hideMu.Lock()
	defer p.hideMu.Unlock()
	for _, k := range []string{"token", "access_token", "refresh_token", "id_token"} {
		// No token is this short; a word that is would be taken out of
		// every text.
		if v, ok := body[k].(string); ok && len(v) >= 8 {
			p.issued = append(p.issued, v)
			p.hider = nil
		}
	}
}

// secretForms is the old, new pairs for a strings.Replacer that takes
// secret and the issued tokens out of a text: the password (unless it is
// the name of host, the registry), a username that is a secret too
// (credkind.SecretUsername), the identity token, the issued tokens and the
// Basic credential made of the password (in every base64 alphabet), each
// as written, URL-encoded, Go-quoted and JSON-escaped. Longer pieces come
// first, so that the replacer prefers them. A password or token shorter
// than four characters is left alone: replacing it would mangle the text
// more than it hides; the Basic credential is not.
func secretForms(secret Secret, host string, issued ...string) []string {
	var raws []string
	password := secret.Password
	name, _, _ := strings.Cut(host, ".")
	if strings.EqualFold(password, name) || strings.EqualFold(password, host) {
		// The registry's name as the password: -u and -p swapped for its
		// admin user. Its name is no secret, and taken out of every host
		// name it would make the registry's answers unreadable; the
		// password is then the username.
		password = ""
	}
	for _, v := range append([]string{password, secret.IdentityToken}, issued...) {
		if len(v) >= 4 {
			raws = append(raws, v)
		}
	}
	if credkind.SecretUsername(secret.Username, secret.Password, host) && len(secret.Username) >= 4 {
		raws = append(raws, secret.Username) // a server may echo the account
	}
	if secret.Password != "" {
		basic := []byte(secret.Username + ":" + secret.Password)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			raws = append(raws, enc.EncodeToString(basic))
		}
	}
	var forms []string
	for _, raw := range raws {
		j, _ := json.Marshal(raw)
		forms = append(forms, raw, url.QueryEscape(raw), url.PathEscape(raw), quoted(raw), string(j[1:len(j)-1]))
	}
	slices.SortFunc(forms, func(a, b string) int {
		if n := len(b) - len(a); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	forms = slices.Compact(forms)
	var pairs []string
	for _, f := range forms {
		pairs = append(pairs, f, "<redacted>")
	}
	return pairs
}

// redactURL keeps a URL's shape but never a secret in its query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	u.User = nil
	q := u.Query()
	for k := range q {
		switch strings.ToLower(k) {
		case "refresh_token", "password", "access_token", "token":
			q.Set(k, redact.Mark)
		case "account": // the username, which may be a token given with -u
			if redact.SecretUsername(q.Get(k), "") {
				q.Set(k, redact.Mark)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// connect opens the TLS connection to host:443, directly or through the
// proxy, recording DNS, TCP and TLS as it goes when record is set.
func (p *prober) connect(ctx context.Context, host string, record bool) (net.Conn, bool) {
	target := &url.URL{Scheme: "https", Host: host, Path: "/v2/"}
	proxyURL, err := p.opts.Proxy(&http.Request{Method: http.MethodGet, URL: target, Header: http.Header{}})
	var invalid *InvalidProxyError
	if errors.As(err, &invalid) {
		if record {
			p.t.Proxy = invalid.Shown
			p.t.TCP = &Step{Target: ProxyTarget, Err: invalid.Error(), ErrKind: KindProxy}
		}
		return nil, false
	}
	if err != nil {
		if record {
			// The error quotes the setting, password and all: what it
			// quotes is dropped, and the setting shown redacted.
			msg := "invalid proxy setting"
			if name, setting := httpsProxyEnv(); setting != "" {
				p.t.Proxy = RedactProxyURL(setting)
				msg += " " + name + "=" + p.t.Proxy
			}
			p.t.TCP = &Step{Target: ProxyTarget, Err: msg + ": " + unquoted(err.Error()), ErrKind: KindProxy}
		}
		return nil, false
	}
	addr := net.JoinHostPort(host, "443")
	var raw net.Conn
	if proxyURL != nil {
		if record {
			p.t.Proxy = RedactProxyURL(proxyURL.String())
		}
		if proxyMisread(proxyURL) {
			if record {
				p.t.TCP = &Step{Target: ProxyTarget, ErrKind: KindProxy, Err: "the proxy setting " + p.t.Proxy +
					" does not parse as written: Go programs, Docker among them, read another host in it;" +
					" percent-encode the user name and password (# as %23, / as %2F, ? as %3F, @ as %40)"}
			}
			return nil, false
		}
		raw, err = p.viaProxy(ctx, proxyURL, addr, record)
	} else {
		raw, err = p.direct(ctx, host, record)
	}
	if err != nil {
		return nil, false
	}
	return p.handshake(ctx, raw, host, record)
}

func (p *prober) direct(ctx context.Context, host string, record bool) (net.Conn, error) {
	lctx, cancel := context.WithTimeout(ctx, p.opts.StepTimeout)
	start := time.Now()
	ips, err := p.opts.Lookup(lctx, host)
	cancel()
	dns := &DNSResult{Step: Step{Target: host, Duration: time.Since(start)}}
	if err != nil {
		dns.Err, dns.ErrKind = p.describe(err)
		var de *net.DNSError
		dns.NotFound = errors.As(err, &de) && de.IsNotFound
		if dns.NotFound && record {
			kctx, kcancel := context.WithTimeout(ctx, p.opts.StepTimeout)
			if _, kerr := p.opts.Lookup(kctx, p.opts.KnownHost); kerr != nil && ctx.Err() == nil {
				msg, _ := p.describe(kerr)
				dns.NothingResolves = p.opts.KnownHost + " (" + msg + ")"
			}
			kcancel()
			dns.Duration = time.Since(start)
		}
	}
	// A private endpoint: every address private (or loopback, as a hosts
	// file may map it), but not all loopback.
	private := !allLoopback(ips)
	for _, ip := range ips {
		dns.Addrs = append(dns.Addrs, ip.String())
		private = private && (ip.IsPrivate() || ip.IsLoopback())
	}
	dns.Private = private
	if record {
		p.t.DNS = dns
	}
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		dns.Err, dns.ErrKind, dns.NotFound = "no addresses", KindOther, true
		return nil, errors.New(dns.Err)
	}
	addr := net.JoinHostPort(ips[0].String(), "443")
	name := ips[0].String()
	if p.dialByName {
		name = host
	}
	return p.dial(ctx, name, addr, record)
}

func allLoopback(ips []net.IP) bool {
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// dial opens TCP to host on addr's port; addr is what the report shows.
func (p *prober) dial(ctx context.Context, host, addr string, record bool) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, p.opts.StepTimeout)
	defer cancel()
	start := time.Now()
	_, port, _ := net.SplitHostPort(addr)
	conn, err := p.opts.Dial(dctx, "tcp", net.JoinHostPort(host, port))
	step := &Step{Target: addr, Duration: time.Since(start)}
	if err != nil {
		step.Err, step.ErrKind = p.describe(err)
	}
	if record {
		p.t.TCP = step
	}
	return conn, err
}

func (p *prober) viaProxy(ctx context.Context, proxyURL *url.URL, addr string, record bool) (net.Conn, error) {
	proxyAddr := proxyURL.Host
	if proxyURL.Port() == "" {
		port := "80"
		if proxyURL.Scheme == "https" {
			port = "443"
		}
		proxyAddr = net.JoinHostPort(proxyURL.Hostname(), port)
	}
	conn, err := p.dial(ctx, proxyURL.Hostname(), proxyAddr, record)
	if err != nil {
		if record {
			p.t.TCP.ErrKind = KindProxy
			p.t.TCP.Err = "proxy " + proxyAddr + ": " + p.t.TCP.Err
		}
		return nil, err
	}
	deadline := time.Now().Add(p.opts.StepTimeout)
	_ = conn.SetDeadline(deadline)
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
	if u := proxyURL.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	start := time.Now()
	fail := func(msg string) (net.Conn, error) {
		conn.Close()
		// A proxy may echo what it was sent, Proxy-Authorization included.
		msg = ProxyRedactor(proxyURL.String())(msg)
		if record {
			p.t.TCP = &Step{Target: addr + " via proxy " + proxyAddr, Duration: time.Since(start), Err: msg, ErrKind: KindProxy}
		}
		return nil, errors.New(msg)
	}
	if err := req.Write(conn); err != nil {
		return fail("proxy CONNECT: " + err.Error())
	}
	if msg, ok := p.connectAnswer(bufio.NewReader(io.LimitReader(conn, maxBody)), req); !ok {
		return fail(msg)
	}
	_ = conn.SetDeadline(time.Time{})
	if record {
		p.t.TCP = &Step{Target: addr + " via proxy " + proxyAddr, Duration: time.Since(start) + p.t.TCP.Duration}
	}
	return conn, nil
}

// connectAnswer reads the proxy's answer to the CONNECT req: ok for a
// 200, else what to report of it, which fail still redacts.
func (p *prober) connectAnswer(r *bufio.Reader, req *http.Request) (msg string, ok bool) {
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		// The error quotes the line it could not read: up to maxBody.
		return "proxy CONNECT: " + p.scrub([]byte(err.Error())), false
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, keptBody))
		resp.Body.Close()
		return fmt.Sprintf("proxy answered CONNECT %s with %s: %s", req.Host, p.scrub([]byte(resp.Status)), strings.TrimSpace(p.scrub(b))), false
	}
	return "", true
}

func (p *prober) handshake(ctx context.Context, raw net.Conn, host string, record bool) (net.Conn, bool) {
	hctx, cancel := context.WithTimeout(ctx, p.opts.StepTimeout)
	defer cancel()
	cfg := &tls.Config{ServerName: host, RootCAs: p.opts.RootCAs, MinVersion: tls.VersionTLS12, ClientSessionCache: p.sessions}
	if !record {
		// The recorded handshake offers what Docker's Go offers, the
		// hybrid ML-KEM share included, so that a middlebox choking on
		// its larger ClientHello shows. The probe's own later connections
		// resume that session; X25519 alone spares both ends the ML-KEM
		// work, about a tenth of a check's CPU.
		cfg.CurvePreferences = []tls.CurveID{tls.X25519}
	}
	conn := tls.Client(raw, cfg)
	start := time.Now()
	err := conn.HandshakeContext(hctx)
	res := &TLSResult{Step: Step{Target: host, Duration: time.Since(start)}}
	state := conn.ConnectionState()
	certs := state.PeerCertificates
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		certs = verr.UnverifiedCertificates
	}
	if len(certs) > 0 {
		res.PeerSubject = certs[0].Subject.String()
		res.PeerIssuer = certs[0].Issuer.String()
		res.PeerDNS = certs[0].DNSNames
	}
	if err != nil {
		res.Err, res.ErrKind = p.describe(err)
		res.Verify = verifyKind(err)
		raw.Close()
	} else {
		res.Version = tls.VersionName(state.Version)
	}
	if record {
		p.t.TLS = res
	}
	return conn, err == nil
}

func verifyKind(err error) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return "unknown_authority"
	case errors.As(err, &hn):
		return "hostname"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "expired"
	case errors.As(err, &ci):
		return "other"
	}
	return ""
}

// dialTLS gives the transport the connection the connectivity steps
// opened, once, then opens new ones the same way.
func (p *prober) dialTLS(ctx context.Context, _, addr string) (net.Conn, error) {
	if err := CredentialDestination(p.host, &url.URL{Scheme: "https", Host: addr}); err != nil {
		return nil, fmt.Errorf("refused to connect to %w", err)
	}
	p.mu.Lock()
	conn := p.first
	p.first = nil
	p.mu.Unlock()
	if conn != nil {
		return conn, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	conn, ok := p.connect(ctx, host, false)
	if !ok {
		return nil, fmt.Errorf("connecting to %s failed", addr)
	}
	return conn, nil
}

// describe sorts an error into the ErrKinds the classifier reads.
func (p *prober) describe(err error) (msg string, kind ErrKind) {
	msg = err.Error()
	var ne net.Error
	var de *net.DNSError
	switch {
	case errors.Is(err, errRedirectLoop):
		return msg, KindRedirectLoop
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return msg, KindTimeout
	case errors.As(err, &de):
		return msg, KindDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return msg, KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return msg, KindReset
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return msg, KindUnreachable
	case verifyKind(err) != "", strings.Contains(msg, "tls:"):
		return msg, KindTLS
	}
	return msg, KindOther
}
