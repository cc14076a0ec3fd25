// Package classify names, from a probe's transcript, what is wrong with a
// registry login, in the cause catalogue's terms, with the server's own
// words as evidence and the commands that fix it. It is a pure function of
// the transcript, so every rule is table-tested.
package classify

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// MaxSkew is how far the registry's clock may be from the local one.
const MaxSkew = 5 * time.Minute

// NullGUID is the username that tells ACR the password is an ACR token.
const NullGUID = "00000000-0000-0000-0000-000000000000"

// Verdict is the classification of one probe.
type Verdict struct {
	// LoggedIn is set when the stored credential got an access token that
	// the registry accepted on /v2/: what `docker login` calls success.
	// With nothing stored, it is set when anonymous pull works.
	LoggedIn bool
	// Causes are every finding, the stored credential's first.
	Causes []cause.Cause
	// Stored are the findings of Facts.Stored still worth making.
	Stored []cause.Cause
	// Steps are the transcript's steps, each with its status.
	Steps []report.Step
}

// Facts are what else is known of the registry, beside the transcript.
type Facts struct {
	// Stored are the findings on the stored credential itself, judged
	// offline. A live finding of the same kind replaces one.
	Stored []cause.Cause
	// NothingStored is set when the store has no entry for the registry,
	// or answers with an empty one: where anonymous access then works,
	// that is no longer worth a finding.
	NothingStored bool
	// Azure is what ARM showed of the registry; nil when it was not read.
	Azure *Azure
}

// Classify judges a transcript, with what else is known.
func Classify(t *probe.Transcript, f Facts) Verdict {
	c := classifier{t: t,
		name:     shell.RegistryName(registryName(t.Registry)),
		host:     shell.Host(t.Registry),
		hostPort: shell.HostPort(t.Registry),
	}
	c.run()
	stored := f.Stored
	if c.loggedIn && f.NothingStored {
		stored = slices.DeleteFunc(slices.Clone(stored), func(s cause.Cause) bool { return s.ID == cause.CredentialStore })
	}
	causes := make([]cause.Cause, 0, len(stored)+len(c.causes))
	for _, s := range stored {
		if !slices.ContainsFunc(c.causes, func(l cause.Cause) bool { return l.ID == s.ID }) {
			causes = append(causes, s)
		}
	}
	causes = f.Azure.refine(append(causes, c.causes...), t)
	return Verdict{LoggedIn: c.loggedIn, Causes: causes, Stored: stored, Steps: steps(t)}
}

// Healthy is the one definition of a healthy registry: the login, where it
// was replayed, succeeded, and no cause is an error (a pull-only identity
// checked with --push, a clock far off, a key Docker does not use).
func Healthy(loggedIn bool, causes []cause.Cause) bool {
	return loggedIn && !cause.Failed(causes)
}

// add records a cause; a second one of the same ID adds nothing the first
// did not say (a skewed clock shows in the Date header and in the token).
func (c *classifier) add(cs cause.Cause) {
	if !slices.ContainsFunc(c.causes, func(o cause.Cause) bool { return o.ID == cs.ID }) {
		c.causes = append(c.causes, cs)
	}
}

type classifier struct {
	t *probe.Transcript
	// The registry in commands: its resource name for az, its host for
	// nslookup and openssl, host[:port] for docker login and logout.
	name, host, hostPort shell.Arg
	causes               []cause.Cause
	loggedIn             bool
}

// fix starts a remediation.
func fix(format string, args ...shell.Arg) *shell.Fix {
	return new(shell.Fix).Add(format, args...)
}

func registryName(host string) string {
	if s, ok := loginserver.Parse(host); ok && s.Name != "" {
		return s.Name
	}
	name, _, _ := strings.Cut(host, ".")
	return name
}

func (c *classifier) run() {
	if !c.connectivity() {
		c.timedOut()
		return
	}
	ping := c.t.Exchange(probe.Ping)
	if ping == nil {
		c.timedOut()
		return
	}
	c.clock()
	if !c.ping(ping) {
		c.timedOut()
		return
	}
	c.login()
	c.timedOut()
}

// connectivity judges DNS, TCP and TLS; false when the probe could not
// reach HTTP.
func (c *classifier) connectivity() bool {
	t := c.t
	host := t.Registry
	if d := t.DNS; d != nil && d.Err != "" {
		if d.NotFound && d.NothingResolves != "" {
			c.add(cause.New(cause.NetworkUnreachable,
				fmt.Sprintf("this machine's DNS finds no name: %s (%s), and %s, which exists, fails too", host, d.Err, d.NothingResolves)).Fixed(
				fix("nslookup management.azure.com").
					Add("check the DNS servers this machine uses (/etc/resolv.conf, resolvectl status); on an Azure VM: nslookup %s 168.63.129.16", c.host)))
			return false
		}
		if d.NotFound {
			c.add(cause.New(cause.RegistryName,
				fmt.Sprintf("DNS has no record of %s (%s): the registry does not exist, or the name is misspelt", host, d.Err)).Fixed(
				fix("az acr show -n %s --query loginServer -o tsv   # the exact login server", c.name).
					Add(`az acr list --query "[].loginServer" -o tsv   # the registries you can see`).
					Add("nslookup %s", c.host)))
			return false
		}
		c.add(cause.New(cause.NetworkUnreachable,
			fmt.Sprintf("resolving %s failed: %s", host, d.Err)).Fixed(
			fix("nslookup %s", c.host).
				Add("check the DNS servers this machine uses (/etc/resolv.conf); on an Azure VM: nslookup %s 168.63.129.16", c.host)))
		return false
	}
	if s := t.TCP; s != nil && s.Err != "" {
		if s.ErrKind == probe.KindProxy && strings.Contains(s.Err, "no such host") {
			c.add(cause.New(cause.RegistryName,
				fmt.Sprintf("the proxy %s could not resolve %s: %s", t.Proxy, host, s.Err)).Fixed(
				fix("az acr show -n %s --query loginServer -o tsv", c.name)))
			return false
		}
		f := new(shell.Fix)
		if t.Proxy != "" {
			f.Add("check the proxy %s, or exempt the registry: NO_PROXY=%s", shell.Text("proxy", t.Proxy, "<proxy>"), c.host)
		}
		f.Add("allow outbound TCP 443 to %s and to the registry's data endpoints; list them with: az acr show-endpoints -n %s", c.host, c.name)
		c.add(cause.New(cause.NetworkUnreachable, fmt.Sprintf("connecting to %s failed: %s", s.Target, s.Err)).Fixed(f))
		return false
	}
	if s := t.TLS; s != nil && s.Err != "" {
		ev := fmt.Sprintf("the TLS handshake with %s failed: %s", host, s.Err)
		f := new(shell.Fix)
		if s.PeerSubject != "" {
			ev += fmt.Sprintf("; the certificate presented is for %q, issued by %q", s.PeerSubject, s.PeerIssuer)
		}
		switch s.Verify {
		case "unknown_authority":
			f.Add("a TLS-inspecting proxy or firewall (issuer %s) is in the way: exempt %s from inspection, or trust its CA: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates",
				shell.Text("certificate issuer", s.PeerIssuer, "<issuer>"), c.host)
		case "hostname":
			f.Add("something other than ACR answers for %s; check DNS and any proxy: nslookup %s", c.host, c.host)
		}
		f.Add("openssl s_client -connect %s:443 -servername %s </dev/null | openssl x509 -noout -subject -issuer", c.host, c.host)
		c.add(cause.New(cause.TLS, ev).Fixed(f))
		return false
	}
	return t.TLS != nil
}

// clock compares the registry's Date with the local clock.
func (c *classifier) clock() {
	t := c.t
	skew, ok := t.Skew()
	if !ok || skew.Abs() <= MaxSkew {
		return
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	c.add(cause.New(cause.ClockSkew,
		fmt.Sprintf("this machine's clock is %s %s the registry's (its Date header said %s); tokens look expired or not yet valid to one side",
			token.Humanize(skew.Abs()), dir, t.ServerDate.UTC().Format(time.RFC1123)),
		"sudo timedatectl set-ntp true   # Linux; on Windows: w32tm /resync",
		"timedatectl status"))
}

// ping judges the unauthenticated GET /v2/; false when no usable
// challenge came back.
func (c *classifier) ping(ex *probe.Exchange) bool {
	if ex.Err != "" {
		c.transportError(ex, "/v2/")
		return false
	}
	if ex.Status != http.StatusUnauthorized {
		c.unchallenged(ex)
		return false
	}
	header := ex.Header.Values("Www-Authenticate")
	if len(header) == 0 {
		c.add(cause.New(cause.RegistryError,
			"GET /v2/ answered 401 without a WWW-Authenticate challenge"+serverNote(ex),
			"retry later; if it persists, something between you and ACR rewrites responses"))
		return false
	}
	realm, _, err := probe.BearerRealm(header)
	if err != nil {
		c.add(cause.New(cause.RegistryError,
			fmt.Sprintf("the challenge %q cannot be used: %v", strings.Join(header, ", "), err),
			"retry later; if it persists, something between you and ACR rewrites responses"))
		return false
	}
	if !strings.EqualFold(realm.Hostname(), c.t.Registry) {
		c.add(cause.New(cause.RegistryError,
			fmt.Sprintf("the registry sends clients to a token service on another host (realm %q); acr-doctor did not send your credentials there, and ACR never does this", realm)).Fixed(
			fix("find what answers for %s, and check proxies and /etc/hosts: nslookup %s", c.host, c.host)))
		return false
	}
	return true
}

// unchallenged judges a /v2/ answer other than the 401 challenge ACR sends.
func (c *classifier) unchallenged(ex *probe.Exchange) {
	switch ex.Status {
	case http.StatusOK:
		c.loggedIn = true // no authentication asked: Docker's login succeeds
	case http.StatusForbidden:
		c.firewall(ex)
	case http.StatusTooManyRequests:
		c.throttled(ex)
	default:
		if ex.Status >= 500 {
			c.add(cause.New(cause.RegistryError,
				fmt.Sprintf("GET /v2/ answered %s%s", statusText(ex.Status), serverNote(ex))).Fixed(
				fix("retry in a few minutes; check https://azure.status.microsoft/ for Container Registry in the registry's region").
					Add("az acr check-health -n %s --yes --ignore-errors", c.name)))
			return
		}
		c.add(cause.New(cause.RegistryError,
			fmt.Sprintf("GET /v2/ answered %s%s, where ACR answers 401 with a challenge", statusText(ex.Status), serverNote(ex))).Fixed(
			fix("something other than ACR answers for %s (a proxy, a captive portal, or a private endpoint's DNS): nslookup %s", c.host, c.host).
				Add("az acr check-health -n %s --yes --ignore-errors", c.name)))
	}
}

func (c *classifier) transportError(ex *probe.Exchange, what string) {
	ev := fmt.Sprintf("%s %s: %s", ex.Method, what, ex.Err)
	switch ex.ErrKind {
	case probe.KindTimeout:
		c.add(cause.New(cause.RegistryError, ev+": the registry accepted the connection but did not answer in time",
			"retry; if it persists, a proxy or firewall may be holding the connection"))
	case probe.KindDrip, probe.KindTooLarge:
		c.add(cause.New(cause.RegistryError, ev+": the answer is not what a registry sends",
			"something between you and ACR (a proxy, a captive portal) answers instead of it"))
	case probe.KindRedirectLoop:
		c.add(cause.New(cause.RegistryError, ev+": the registry redirects in a loop",
			"something between you and ACR answers instead of it"))
	default:
		c.add(cause.New(cause.NetworkUnreachable, ev, "retry; check proxies and firewalls between you and the registry"))
	}
}

var clientIPRE = regexp.MustCompile(`client with IP '([^']+)'`)

// ClientIP is the client address a registry's 403 names ("client with IP
// '203.0.113.7' is not allowed access"), "" when none does.
func ClientIP(t *probe.Transcript) string {
	for _, ex := range t.Exchanges {
		if m := clientIPRE.FindStringSubmatch(ex.Body); m != nil {
			return m[1]
		}
	}
	return ""
}

func (c *classifier) firewall(ex *probe.Exchange) {
	msg := errorMessage(ex.Body)
	f := new(shell.Fix)
	if ip := ClientIP(c.t); ip != "" {
		f.Add("az acr network-rule add -n %s --ip-address %s", c.name, shell.IP(ip).Named("client IP in the registry's answer"))
	}
	f.Add(`az acr show -n %s --query "{publicNetworkAccess:publicNetworkAccess, defaultAction:networkRuleSet.defaultAction}"`, c.name).
		Add("if public network access is disabled, use the private endpoint from inside its virtual network, or: az acr update -n %s --public-network-enabled true", c.name)
	c.add(cause.New(cause.NetworkFirewall, fmt.Sprintf("%s %s answered 403: %s", ex.Method, path(ex.URL), msg)).Fixed(f))
}

func (c *classifier) throttled(ex *probe.Exchange) {
	ev := fmt.Sprintf("%s %s answered 429 Too Many Requests: %s", ex.Method, path(ex.URL), errorMessage(ex.Body))
	if ra := ex.Header.Get("Retry-After"); ra != "" {
		ev += fmt.Sprintf(" (Retry-After: %s)", ra)
	}
	c.add(cause.New(cause.Throttled, ev).Fixed(
		fix("wait and retry; spread out parallel pulls and pushes").
			Add("az acr show -n %s --query sku.name   # Premium has the highest request limits", c.name)))
}

func (c *classifier) anonymousBlocked() {
	c.add(cause.New(cause.AnonymousPullBlocked,
		"the registry allows anonymous pull, but Docker sends the stored credential, which the registry refuses").Fixed(
		fix("docker logout %s", c.hostPort)))
}

// login judges the token request with the stored credential, the
// authenticated ping, the scope probe and the anonymous request.
func (c *classifier) login() {
	t := c.t
	cred := t.Credential
	anon := t.Exchange(probe.AnonymousToken)
	anonPull := slices.Contains(t.AnonymousGranted, "pull")
	tokenEx := t.Exchange(probe.TokenRequest)
	if tokenEx == nil {
		if cred.Mode == "none" {
			switch {
			case cred.StoreFailed:
				// Docker stops at the store's error, anonymous pull or
				// not; that finding says why nothing was sent.
			case anonPull:
				// Nothing stored and anonymous pull on: pulls work as they are.
				c.loggedIn = true
			default:
				c.add(cause.New(cause.InvalidCredentials,
					fmt.Sprintf("Docker holds no credential for %s, and the registry does not allow anonymous pull", t.Registry)).Fixed(
					fix("az acr login -n %s", c.name)))
			}
		}
		c.anonymousOutcome(anon)
		return
	}
	if tokenEx.Err != "" {
		c.transportError(tokenEx, "the token endpoint")
		return
	}
	switch tokenEx.Status {
	case http.StatusOK:
		c.afterLogin()
	case http.StatusUnauthorized:
		// With anonymous pull on, what blocks a pull is that a credential
		// is sent at all (docker logout fixes it); a push needs the
		// credential fixed, so that comes first.
		blocked := anonPull && !strings.Contains(t.Scope, "push")
		if blocked {
			c.anonymousBlocked()
		}
		c.rejected(tokenEx)
		if anonPull && !blocked {
			c.anonymousBlocked()
		}
	case http.StatusForbidden:
		c.firewall(tokenEx)
	case http.StatusTooManyRequests:
		c.throttled(tokenEx)
	default:
		c.add(cause.New(cause.RegistryError,
			fmt.Sprintf("the token endpoint answered %s: %s", statusText(tokenEx.Status), errorMessage(tokenEx.Body))).Fixed(
			fix("az acr check-health -n %s --yes --ignore-errors", c.name)))
	}
}

func (c *classifier) anonymousOutcome(anon *probe.Exchange) {
	if anon != nil && anon.Status == http.StatusTooManyRequests {
		c.throttled(anon)
	}
}

// afterLogin: the token came back; did /v2/ accept it, and what does the
// identity get?
func (c *classifier) afterLogin() {
	t := c.t
	authed := t.Exchange(probe.AuthedPing)
	if authed == nil || authed.Err != "" || authed.Status != http.StatusOK {
		status := "no answer"
		if authed != nil {
			status = statusText(authed.Status)
			if authed.Err != "" {
				status = authed.Err
			}
		}
		c.add(cause.New(cause.RegistryError,
			fmt.Sprintf("the token service issued a token, but /v2/ refused it (%s)", status)).Fixed(
			fix("az acr check-health -n %s --yes --ignore-errors", c.name)))
		return
	}
	c.loggedIn = true
	if t.Granted == nil {
		return
	}
	repo := scopeRepo(t.Scope)
	missing := t.Missing()
	if len(missing) == 0 {
		return
	}
	granted := "nothing"
	if len(t.Granted) > 0 {
		granted = strings.Join(t.Granted, ", ")
	}
	c.add(cause.New(cause.InsufficientPermission,
		fmt.Sprintf("the registry authenticated %s but grants it %s on repository %q, not %s",
			c.identity(), granted, repo, strings.Join(missing, " or "))).Fixed(
		c.grant(missing, repo)))
}

// rejected: the token endpoint refused the stored credential.
func (c *classifier) rejected(ex *probe.Exchange) {
	t := c.t
	cred := t.Credential
	msg := errorMessage(ex.Body)
	if strings.Contains(strings.ToLower(msg), "not registered with aad") {
		f := new(shell.Fix)
		if cred.Kind == "refresh_token" || cred.Token != nil {
			f.Add("an ACR token must be used with the username "+NullGUID+": az acr login -n %s", c.name)
		}
		f.Add("az ad sp show --id %s   # does the application exist in this tenant?", shell.Text("username", cred.Username, "<app-id>")).
			Add("docker logout %s && az acr login -n %s", c.hostPort, c.name)
		c.add(cause.New(cause.AADNotRegistered,
			fmt.Sprintf("the registry does not know the username %q: %q", cred.Username, msg)).Fixed(f))
		return
	}
	if tok := cred.Token; tok != nil && !tok.Claims.ExpiresAt.IsZero() {
		serverNow := t.LocalDate
		if !t.ServerDate.IsZero() {
			serverNow = t.ServerDate
		}
		if !serverNow.Before(tok.Claims.ExpiresAt) {
			c.add(cause.New(cause.ExpiredCredentials,
				fmt.Sprintf("the stored %s expired %s ago by the registry's clock, and the registry answered 401: %q",
					tok.Kind.Title(), token.Humanize(serverNow.Sub(tok.Claims.ExpiresAt)), msg)).Fixed(
				fix("az acr login -n %s", c.name).
					Add("in CI: az acr login -n %s --expose-token --output tsv --query accessToken | docker login %s -u "+NullGUID+" --password-stdin", c.name, c.hostPort)))
			return
		}
		if serverNow.Before(tok.Claims.NotBefore) {
			c.add(cause.New(cause.ClockSkew,
				fmt.Sprintf("the stored token is not valid until %s by the registry's clock", tok.Claims.NotBefore.UTC().Format(time.RFC1123)),
				"sudo timedatectl set-ntp true"))
			return
		}
	}
	ev := fmt.Sprintf("the registry refused the stored credential (%s, username %q) with 401: %q", cred.Kind, cred.Username, msg)
	user := shell.Text("username", cred.Username, "<username>")
	switch cred.Kind {
	case "service_principal":
		appID := shell.GUID("application ID", cred.Username, "<app-id>")
		if strings.Contains(strings.ToLower(msg), "invalid clientid or client secret") {
			c.add(cause.New(cause.ExpiredCredentials, ev+"; the client secret is wrong or has expired").Fixed(
				fix(`az ad app credential list --id %s --query "[].endDateTime"   # when the secrets expire`, appID).
					Add("az ad sp credential reset --id %s   # then docker login %s -u %s --password-stdin", appID, c.hostPort, appID)))
			return
		}
		c.add(cause.New(cause.InvalidCredentials, ev).Fixed(
			fix("az ad sp credential reset --id %s", appID).
				Add("docker login %s -u %s --password-stdin", c.hostPort, appID)))
	case "admin_user":
		c.add(cause.New(cause.InvalidCredentials, ev+"; the admin password is wrong, was regenerated, or the admin user is disabled").Fixed(
			fix("az acr show -n %s --query adminUserEnabled", c.name).
				Add(`az acr credential show -n %s --query "passwords[0].value" -o tsv | docker login %s -u %s --password-stdin`, c.name, c.hostPort, user).
				Add("better: use an identity instead of the admin user: az acr login -n %s", c.name)))
	case "repository_token":
		tok := shell.TokenName(cred.Username)
		c.add(cause.New(cause.InvalidCredentials, ev+"; the token's password is wrong, expired, or the token is disabled").Fixed(
			fix(`az acr token show -n %s -r %s --query "{status:status, credentials:credentials.passwords[].expiry}"`, tok, c.name).
				Add("az acr token credential generate -n %s -r %s --password1", tok, c.name)))
	default:
		c.add(cause.New(cause.InvalidCredentials, ev).Fixed(
			fix("docker logout %s", c.hostPort).
				Add("az acr login -n %s", c.name)))
	}
}

// identity names who was authenticated, for messages and role assignments.
func (c *classifier) identity() string {
	cred := c.t.Credential
	var name, subject string
	if tok := cred.Token; tok != nil {
		name, subject = tok.Claims.Name, tok.Claims.Subject
	}
	return cmp.Or(name, subject, cred.Username, "the identity")
}

// grant is how to give the identity the missing actions.
func (c *classifier) grant(missing []string, repo string) *shell.Fix {
	cred := c.t.Credential
	role := "AcrPull"
	if slices.Contains(missing, "push") {
		role = "AcrPush"
	}
	switch cred.Kind {
	case "repository_token":
		perms := "content/read"
		if role == "AcrPush" {
			perms = "content/read content/write"
		}
		return fix("az acr token show -n %s -r %s --query scopeMapId -o tsv   # the token's scope map", shell.TokenName(cred.Username), c.name).
			Add("az acr scope-map update -n <scope-map> -r %s --add-repository %s "+perms, c.name, shell.Repository(repo))
	case "admin_user":
		return fix("the admin user has every right; check the repository name %s", shell.Text("repository", repo, "<repository>"))
	}
	assignee := c.identity()
	if cred.Kind == "service_principal" {
		assignee = cred.Username
	}
	if assignee == "the identity" {
		assignee = ""
	}
	return fix("az role assignment create --assignee %s --role "+role+" --scope \"$(az acr show -n %s --query id -o tsv)\"", shell.Text("identity", assignee, "<identity>"), c.name).
		Add(`if the registry uses ABAC repository permissions, assign "Container Registry Repository `+map[string]string{"AcrPull": "Reader", "AcrPush": "Writer"}[role]+`" instead`).
		Add("new role assignments take up to 10 minutes to reach the registry: then docker logout %s and log in again", c.hostPort)
}

func (c *classifier) timedOut() {
	if c.t.TimedOut {
		c.add(cause.New(cause.NetworkUnreachable,
			fmt.Sprintf("the check of %s did not finish within its time limit", c.t.Registry),
			"raise --timeout, or look at the step that took longest (-D shows every request)"))
	}
}

func scopeRepo(scope string) string {
	s := strings.TrimPrefix(scope, "repository:")
	if i := strings.LastIndex(s, ":"); i >= 0 {
		return s[:i]
	}
	return s
}

// errorMessage is the registry's own words: the first error of a
// distribution error body ("CODE: message"), else the body's first line.
func errorMessage(body string) string {
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) == nil && len(e.Errors) > 0 {
		m := e.Errors[0]
		if m.Code != "" {
			return strings.ToLower(m.Code) + ": " + m.Message
		}
		return m.Message
	}
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	if line == "" {
		return "(empty body)"
	}
	return line
}

func serverNote(ex *probe.Exchange) string {
	s := ex.Header.Get("Server")
	if s == "" || strings.EqualFold(s, "AzureContainerRegistry") || ex.Header.Get("X-Ms-Correlation-Request-Id") != "" {
		return ""
	}
	return fmt.Sprintf(" from a server calling itself %q, not ACR", s)
}

func statusText(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

func path(rawURL string) string {
	rest := rawURL
	if _, after, ok := strings.Cut(rest, "://"); ok {
		rest = after
	}
	if _, after, ok := strings.Cut(rest, "/"); ok {
		rest = "/" + after
	}
	p, _, _ := strings.Cut(rest, "?")
	return p
}
