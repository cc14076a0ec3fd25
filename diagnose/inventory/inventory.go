// Package inventory turns the entries of Docker's credential store into the
// `creds` report: what kind of credential each is, its decoded token, and
// what can be found wrong with it without the network.
package inventory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// ExpiryWarning is how close to expiry a token draws a warning: a push of
// a few large layers outlasts it.
const ExpiryWarning = 10 * time.Minute

// SkewTolerance is how far a token's nbf/iat may lie in the future before
// the local clock is suspected.
const SkewTolerance = 5 * time.Minute

// Take reads every entry of store and assesses it. Without all, entries for
// registries that are not ACR (nor evidently meant to be) are left out.
func Take(ctx context.Context, store *credstore.Store, all bool, now time.Time) report.Creds {
	var keep func(string) bool
	if !all {
		// Another registry's secret is not asked for: a pass store would
		// decrypt it, maybe asking for a passphrase, to no purpose.
		keep = func(key string) bool { _, acr := loginserver.Check(key); return acr }
	}
	entries, stores := store.EntriesOf(ctx, keep)
	out := report.Creds{Config: store.Config.Filename, Credentials: make([]report.Credential, 0, len(entries))}
	for _, e := range entries {
		e.Namespaces = store.Config.Namespaces
		c := Assess(e, now)
		if c.ACR || all {
			out.Credentials = append(out.Credentials, c)
		}
	}
	for _, st := range stores {
		out.Stores = append(out.Stores, AssessStore(st, store.Config))
	}
	return out
}

// shownUsername is the entry's username, unless it is a secret too
// (credkind.SecretUsername: the secret itself, as DigitalOcean's registry
// takes a token as both; a token; a password given with -u): then it is
// shown as the secret is, not at all.
func shownUsername(e credstore.Entry) string {
	if credkind.SecretUsername(e.Username, e.Secret(), e.Registry) {
		return redact.Mark
	}
	return e.Username
}

// Assess names the kind of one entry, decodes its token and lists the
// problems that show without the network.
func Assess(e credstore.Entry, now time.Time) report.Credential {
	problems, acr := loginserver.Check(e.Registry)
	host := loginserver.Host(e.Registry)
	server, _ := loginserver.Parse(host)
	c := report.Credential{
		Registry: e.Registry,
		ACR:      acr,
		Source:   e.Source.String(),
		Username: shownUsername(e),
		Causes:   []cause.Cause{},
	}
	if secret := e.Secret(); secret != "" {
		c.Fingerprint = fingerprint.Of(secret)
	}
	for _, s := range e.Shadowed {
		c.Shadowed = append(c.Shadowed, s.String())
	}
	a := assessor{e: e, c: &c, server: server, host: host, acr: acr, now: now}
	for _, p := range problems {
		if e.Namespaces && (p.Code == loginserver.Scheme || p.Code == loginserver.Path) {
			continue // Podman drops the scheme, and reads a path as a namespace
		}
		a.nameProblem(p)
	}
	a.kind()
	return c
}

type assessor struct {
	e      credstore.Entry
	c      *report.Credential
	server loginserver.Server // zero unless host is an ACR name
	host   string
	acr    bool
	now    time.Time
}

func (a *assessor) add(c cause.Cause) { a.c.Causes = append(a.c.Causes, c) }

// name is the registry resource name for `az acr` commands, with a
// placeholder when the key is too broken to tell.
func (a *assessor) name() string {
	if a.server.Name != "" {
		return a.server.Name
	}
	if n, _, ok := strings.Cut(a.host, "."); ok && n != "" {
		return n
	}
	if a.host != "" && !strings.Contains(a.host, ".") {
		return a.host
	}
	return "<registry-name>"
}

// Commands take the registry through these, which check each value's
// shape or quote it (diagnose/shell).

// nameArg is name() as the value of az acr -n.
func (a *assessor) nameArg() shell.Arg {
	if n := a.name(); n != "<registry-name>" {
		return shell.RegistryName(n)
	}
	return shell.Placeholder("<registry-name>")
}

// loginArg is the login server to use in docker login.
func (a *assessor) loginArg() shell.Arg {
	switch {
	case a.server.Host != "":
		return shell.HostPort(a.server.LoginServer())
	case a.nameArg().OK():
		return shell.HostPort(a.name() + ".azurecr.io")
	}
	return shell.Placeholder("<login-server>")
}

// keyArg is the key the entry is stored under, as docker logout must be
// given it: exactly, whatever its case, scheme or path.
func (a *assessor) keyArg() shell.Arg { return keyArg(a.e.Registry) }

func keyArg(key string) shell.Arg { return shell.Text("credential key", key, "<registry>") }

// fix starts a remediation.
func fix(format string, args ...shell.Arg) *shell.Fix { return new(shell.Fix).Add(format, args...) }

// login is the remediation that is only `az acr login`.
func (a *assessor) login() *shell.Fix { return fix("az acr login -n %s", a.nameArg()) }

// relogin is docker logout of the key, then az acr login.
func (a *assessor) relogin() *shell.Fix {
	return fix("docker logout %s", a.keyArg()).Add("az acr login -n %s", a.nameArg())
}

func (a *assessor) nameProblem(p loginserver.Problem) {
	f := fix("docker logout %s", a.keyArg())
	if p.Suggest != "" {
		if n, _, ok := strings.Cut(p.Suggest, "."); ok {
			f.Add("az acr login -n %s", shell.RegistryName(n))
		}
		f.Add("use %s, all lower case, in image references and docker login", shell.HostPort(p.Suggest))
	}
	if a.e.Source.Kind == credstore.CredHelpers {
		f.Add("rename the credHelpers key %s in config.json", a.keyArg())
	}
	c := cause.New(cause.RegistryName, p.Detail)
	if a.e.Source.Kind == credstore.File && (p.Code == loginserver.Scheme || p.Code == loginserver.Path) {
		// Docker's file store drops a scheme and a path when it looks a
		// key up, and still finds the credential.
		c = cause.Warn(cause.RegistryName, p.Detail)
	}
	a.add(c.Fixed(f))
}

func (a *assessor) kind() {
	e := a.e
	if e.Err != nil {
		a.c.Kind = credkind.Unknown
		if f, stray := strayPassFile(e); stray {
			a.add(cause.New(cause.CredentialStore, fmt.Sprintf("%s; its folder in pass holds %q, which is no credential and which the helper reads first", e.Err, f.Name)).Fixed(
				shell.StrayPassFileFix(e.Registry, f.Name)))
			return
		}
		a.add(helperCause(e.Err, a.e.Registry, firstPassCredential(e)))
		return
	}
	if c, ok := a.newestIgnored(); ok {
		a.add(c)
	}
	j := credkind.Of(credkind.Credential{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}, a.acr, a.name())
	a.c.Kind = j.Kind
	switch {
	case e.NotFound || j.Kind == credkind.Anonymous:
		a.c.Kind = credkind.Anonymous
		a.anonymous()
		return
	case j.Token != nil || j.TokenErr != nil:
		a.storedToken(e.Secret(), j)
		return
	}
	// The causes of a username and password whose kind says nothing.
	pass := e.Password
	switch {
	case !a.acr:
	case e.Username == credkind.NullGUID && pass == "":
		a.add(cause.New(cause.CredentialStore,
			fmt.Sprintf("%s holds the username %s with an empty password and no identity token: the ACR token is missing", e.Source, credkind.NullGUID)).Fixed(
			a.relogin()))
	case credkind.UsernameIsToken(e.Username) || strings.TrimSpace(pass) == credkind.NullGUID && credkind.Swapped(e.Username, pass, a.server.Name):
		a.add(cause.New(cause.InvalidCredentials,
			"the username is a token (hidden), and the password is not: the two were given the wrong way round (the token goes to --password-stdin, with the username "+credkind.NullGUID+")").Fixed(
			a.login()))
	case credkind.Swapped(e.Username, pass, a.server.Name) && strings.EqualFold(strings.TrimSpace(pass), a.server.Name):
		a.add(cause.New(cause.InvalidCredentials,
			"the password is the registry's name, which is the admin user's username: the two were given the wrong way round (the username shown is the admin password, hidden)").Fixed(
			fix("docker login %s -u %s --password-stdin   # and the admin password on stdin", shell.HostPort(a.host).Or("<registry>"), a.nameArg()).Add("or: az acr login -n %s", a.nameArg())))
	case credkind.Swapped(e.Username, pass, a.server.Name):
		a.add(cause.New(cause.InvalidCredentials,
			"the password is a GUID, as a service principal's application ID is, and the username is not: the two were given the wrong way round (-u takes the application ID, --password-stdin the secret, hidden here)").Fixed(
			a.login()))
	case e.Username == credkind.NullGUID:
		a.add(cause.New(cause.InvalidCredentials,
			fmt.Sprintf("the username %s tells ACR the password is an ACR token, but the stored password is not a token", credkind.NullGUID)).Fixed(
			a.login()))
	case j.Kind == credkind.Unknown && strings.Contains(e.Username, "@"):
		a.add(cause.New(cause.InvalidCredentials,
			fmt.Sprintf("the username %q is an e-mail address; ACR knows no such user and answers \"Application not registered with AAD\"", a.c.Username)).Fixed(
			a.login().Add("log in as a service principal (application ID and secret), the admin user, or a repository-scoped token")))
	}
	a.secretLength(pass)
}

// strayPassFile is the first file of e's folder in pass when it is no
// credential (a username with .gpg), which docker-credential-pass reads
// and then fails on.
func strayPassFile(e credstore.Entry) (credstore.PassFile, bool) {
	if len(e.PassFiles) == 0 || strings.HasSuffix(e.PassFiles[0].Name, ".gpg") {
		return credstore.PassFile{}, false
	}
	return e.PassFiles[0], true
}

// firstPassCredential is the credential file of e's folder in pass that
// the helper reads, or "".
func firstPassCredential(e credstore.Entry) string {
	if len(e.PassFiles) == 0 || !strings.HasSuffix(e.PassFiles[0].Name, ".gpg") {
		return ""
	}
	return e.PassFiles[0].Name
}

// newestIgnored is the finding of a folder in pass that holds more than
// one credential for the key (Debian's docker-credential-pass 0.6.x keeps
// the last login's username beside the earlier ones), where the helper
// answers the first by name: a later login is ignored (Docker said "Login
// Succeeded", and sends the old credential), or, where the first is the
// newest, would be (a warning).
func (a *assessor) newestIgnored() (cause.Cause, bool) {
	var newest credstore.PassFile
	n := 0
	for _, f := range a.e.PassFiles {
		if strings.HasSuffix(f.Name, ".gpg") {
			n++
			if f.ModTime.After(newest.ModTime) {
				newest = f
			}
		}
	}
	served := a.e.Username + ".gpg"
	if n < 2 || a.e.NotFound {
		return cause.Cause{}, false
	}
	if newest.Name == served {
		// Right now; a login under another username would be ignored.
		return cause.Warn(cause.CredentialStore, fmt.Sprintf("pass holds %d credentials for this key; the helper answers the first by name, the newest now, but would go on answering it after a login under another username", n)).Fixed(
			fix("docker logout %s   # removes every one of them; then log in again", a.keyArg())), true
	}
	// The later one's username is not named: its password, which would
	// tell whether it is a secret given the wrong way round, is not read.
	detail := fmt.Sprintf("pass holds %d credentials for this key; the helper answers the first by name (%s), not the last one stored (at %s): the latest login is ignored",
		n, a.c.Username, newest.ModTime.UTC().Format("2006-01-02 15:04 UTC"))
	f := fix("docker logout %s   # removes every one of them", a.keyArg())
	if a.acr {
		f.Add("az acr login -n %s   # or docker login %s with the credential to keep", a.nameArg(), a.keyArg())
	} else {
		f.Add("docker login %s   # with the credential to keep", a.keyArg())
	}
	return cause.New(cause.CredentialStore, detail).Fixed(f), true
}

// anonymous: nothing will be sent. Worth a word only when a helper was
// meant to answer for an ACR registry.
func (a *assessor) anonymous() {
	if !a.acr {
		return
	}
	switch a.e.Source.Kind {
	case credstore.CredHelpers, credstore.CredsStore:
		a.add(cause.Warn(cause.CredentialStore,
			fmt.Sprintf("%s has no credential for %s: Docker will send none, and the registry will answer \"unauthorized: authentication required\" unless anonymous pull is on", a.e.Source, a.e.Registry)).Fixed(
			a.login()))
	}
}

// storedToken judges a JWT stored as the identity token or, with
// j.AsPassword, as the password.
func (a *assessor) storedToken(secret string, j credkind.Judgement) {
	defer a.secretLength(secret)
	tok := j.Token
	if j.TokenErr != nil {
		a.damaged(secret, j.TokenErr)
		return
	}
	if err := token.CheckSignature(secret, tok); err != nil {
		a.damaged(secret, err)
	}
	a.c.Token = report.NewToken(tok, a.now)
	switch tok.Kind {
	case token.AADToken:
		a.aadToken(tok)
		return
	case token.RefreshToken, token.AccessToken:
	default:
		a.expiry(tok)
		return
	}
	if j.AsPassword && a.e.Username != credkind.NullGUID && a.e.Username != credkind.TokenUsername {
		a.add(cause.New(cause.InvalidCredentials,
			fmt.Sprintf("an ACR token is stored with the username %q; ACR accepts a token only with the username %s and answers \"Application not registered with AAD\" otherwise", a.c.Username, credkind.NullGUID)).Fixed(
			a.login().Add("az acr login -n %s --expose-token --output tsv --query accessToken | docker login %s -u "+credkind.NullGUID+" --password-stdin", a.nameArg(), a.loginArg())))
	}
	a.acrToken(tok)
}

// acrToken checks an ACR refresh or access token against its registry and the clock.
// A token AssessToken is given was pasted, not stored: nothing to log out
// of, and an access token is what az acr login --expose-token prints.
func (a *assessor) acrToken(tok *token.Token) {
	stored := a.e.Source.Kind != ""
	if a.acr && a.server.Host != "" && len(tok.Claims.Audience) > 0 &&
		!tok.Claims.HasAudience(a.server.Host) && !tok.Claims.HasAudience(a.server.LoginServer()) {
		issued := strings.Join(tok.Claims.Audience, ", ")
		if stored {
			a.add(cause.New(cause.InvalidCredentials,
				fmt.Sprintf("the ACR token stored for %s was issued for %s", a.e.Registry, issued)).Fixed(a.relogin()))
		} else {
			a.add(cause.New(cause.InvalidCredentials,
				fmt.Sprintf("the ACR token is for %s, not %s", issued, a.e.Registry)).Fixed(
				fix("az acr login -n %s --expose-token", a.nameArg())))
		}
	}
	if tok.Kind == token.AccessToken && stored {
		a.add(cause.Warn(cause.ExpiredCredentials,
			"an ACR access token is stored where Docker expects a refresh token; access tokens last 75 minutes and cover only the scopes they were issued for").Fixed(
			a.login()))
	}
	a.expiry(tok)
}

func (a *assessor) aadToken(tok *token.Token) {
	a.add(cause.New(cause.InvalidCredentials,
		"an Azure AD token is stored as the registry credential; the registry accepts it only after exchanging it for an ACR refresh token").Fixed(
		a.relogin()))
	a.expiry(tok)
}

// expiry judges a token's times against now.
func (a *assessor) expiry(tok *token.Token) {
	c := tok.Claims
	renew := a.renewal(tok)
	switch {
	case c.ExpiresAt.IsZero():
	case tok.Expired(a.now):
		a.add(cause.New(cause.ExpiredCredentials,
			fmt.Sprintf("the %s expired %s ago, at %s", tok.Kind.Title(), token.Humanize(a.now.Sub(c.ExpiresAt)), stamp(c.ExpiresAt))).Fixed(
			renew))
	case c.ExpiresAt.Sub(a.now) < ExpiryWarning:
		a.add(cause.Warn(cause.ExpiredCredentials,
			fmt.Sprintf("the %s expires in %s, at %s", tok.Kind.Title(), token.Humanize(c.ExpiresAt.Sub(a.now)), stamp(c.ExpiresAt))).Fixed(
			renew))
	}
	if !c.NotBefore.IsZero() && c.NotBefore.Sub(a.now) > SkewTolerance {
		a.add(cause.New(cause.ClockSkew,
			fmt.Sprintf("the %s is not valid until %s, %s from now by this machine's clock", tok.Kind.Title(), stamp(c.NotBefore), token.Humanize(c.NotBefore.Sub(a.now))),
			"check this machine's clock: timedatectl status (Linux), w32tm /query /status (Windows)",
			"sudo timedatectl set-ntp true"))
	}
}

// renewal is the command that gets a fresh token of tok's kind.
func (a *assessor) renewal(tok *token.Token) *shell.Fix {
	switch tok.Kind {
	case token.AADToken:
		return fix("az login").Add("az acr login -n %s", a.nameArg())
	case token.RefreshToken, token.AccessToken:
		return a.login().
			Add("in CI, where Docker cannot ask az: az acr login -n %s --expose-token --output tsv --query accessToken | docker login %s -u "+credkind.NullGUID+" --password-stdin", a.nameArg(), a.loginArg())
	}
	return fix("docker login %s", a.loginArg())
}

// damaged reports a secret that should be a token and is not one.
func (a *assessor) damaged(secret string, err error) {
	switch {
	case !a.acr:
	case strings.HasPrefix(secret, "eyJ"):
		a.add(cause.New(cause.CredentialStore,
			fmt.Sprintf("the token %s holds for %s is damaged (%v, %d bytes): it was truncated or altered in the store", a.e.Source, a.e.Registry, err, len(secret))).Fixed(
			a.relogin()))
	default:
		a.add(cause.New(cause.InvalidCredentials,
			fmt.Sprintf("the identity token %s holds for %s is not a JWT, as every ACR token is: the registry will refuse it", a.e.Source, a.e.Registry)).Fixed(
			a.relogin()))
	}
}

// wincredLimit is the largest secret Windows Credential Manager keeps
// (CRED_MAX_CREDENTIAL_BLOB_SIZE); ACR tokens with custom roles pass it.
const wincredLimit = 2560

func (a *assessor) secretLength(secret string) {
	if a.e.Source.Helper != "wincred" || len(secret) < wincredLimit {
		return
	}
	a.add(cause.New(cause.CredentialStore,
		fmt.Sprintf("the secret for %s is %d bytes; wincred keeps at most %d, so it is truncated (\"The stub received bad data\")", a.e.Registry, len(secret), wincredLimit)).Fixed(
		fix(`remove "credsStore": "wincred" from config.json and log in again, so Docker keeps the token in the file`).
			Add("az acr login -n %s", a.nameArg())))
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// AssessToken lists what is wrong with one token seen on its own, as
// `token` shows it. loginServer is where it is meant to be used, if known;
// for an ACR token it defaults to the token's audience.
func AssessToken(tok *token.Token, loginServer string, now time.Time) []cause.Cause {
	if loginServer == "" && tok.Kind != token.AADToken && len(tok.Claims.Audience) == 1 {
		loginServer = tok.Claims.Audience[0]
	}
	host := loginserver.Host(loginServer)
	server, acr := loginserver.Parse(host)
	c := report.Credential{Causes: []cause.Cause{}}
	a := assessor{e: credstore.Entry{Registry: loginServer}, c: &c, server: server, host: host, acr: acr, now: now}
	switch tok.Kind {
	case token.RefreshToken, token.AccessToken:
		a.acrToken(tok)
	default:
		a.expiry(tok)
	}
	return c.Causes
}
