package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// notFound is the helper protocol's not-found answer, exactly.
const notFound = "credentials not found in native keychain"

// maxInput bounds the server URL read from Docker.
const maxInput = 64 << 10

// now is the clock; tests do not replace it, they mint tokens around it.
var now = time.Now

// errRequestTooLong is a get whose request passes maxInput: no server
// URL is that long, and the backend is not given a part of it.
var errRequestTooLong = errors.New("acr-doctor: the server URL is longer than " + strconv.Itoa(maxInput) + " bytes")

// readServer reads get's request, the server URL, at most maxInput bytes.
func readServer(stdin io.Reader) ([]byte, error) {
	in, _ := io.ReadAll(io.LimitReader(stdin, maxInput+1))
	if len(in) > maxInput {
		return in[:maxInput], errRequestTooLong
	}
	return in, nil
}

// get answers Docker's `get`: the backend's answer unchanged, except an
// empty one becomes not-found, and an expired or expiring ACR token is
// renewed or draws a hint on stderr. Every call is journalled.
func get(env *settings, b *execBackend, in []byte, stdout, stderr io.Writer) int {
	// The journal's key is read while the backend looks for the credential.
	out, code := b.get(in, stderr, func() { env.key() })
	rec := getRecord{backend: b.name, server: in}
	defer func() { env.record(rec) }()

	if code != 0 {
		rec.outcome = journal.BackendError
		if string(bytes.TrimSpace(out)) == notFound {
			rec.outcome = journal.NotFound
		}
		_, _ = stdout.Write(out)
		return code
	}
	c, outcome := decode(out)
	rec.outcome = outcome
	switch outcome {
	case journal.BackendError:
		// Not the protocol: Docker will say so; pass it on untouched.
		_, _ = stdout.Write(out)
		return code
	case journal.Empty:
		fmt.Fprintln(stdout, notFound)
		return 1
	}
	line := rec.judge(c, env)
	if line != "" && env.renew() {
		host := loginserver.Host(strings.TrimSpace(string(in)))
		renewed, fresh, err := renewal(env, b, in, host, c.Secret)
		if renewed.Secret != "" {
			rec.outcome = journal.Served
			if fresh {
				rec.outcome = journal.Renewed
			}
			rec.judge(renewed, env) // the new token's kind and expiry
			if err != nil && !env.quiet() {
				fmt.Fprintln(stderr, termsafe.Line("acr-doctor: "+err.Error()))
			}
			b, _ := json.Marshal(renewed)
			_, _ = stdout.Write(b)
			fmt.Fprintln(stdout)
			return 0
		}
		line += "; " + renewReason(err)
	}
	if line != "" && !env.quiet() {
		fmt.Fprintln(stderr, termsafe.Line(line)) // Docker shows it on the terminal
	}
	_, _ = stdout.Write(out)
	return 0
}

// read answers get for the doctor (ACRDOCTOR_READ_ONLY): what get would
// answer before any renewal, and nothing written or sent anywhere.
func read(b *execBackend, in []byte, stdout, stderr io.Writer) int {
	out, code := b.get(in, stderr, nil)
	if _, outcome := decode(out); code == 0 && outcome == journal.Empty {
		fmt.Fprintln(stdout, notFound)
		return 1
	}
	_, _ = stdout.Write(out)
	return code
}

// decode reads a backend's successful answer as Docker's client does (its
// first JSON value): Served, or BackendError for
// what is not the protocol, or Empty for an empty username and secret,
// which Debian's docker-credential-pass 0.6.4 answers with exit 0 where it
// has none. Docker would then send nothing and blame the registry, so the
// wrapper says what it means: not found.
func decode(out []byte) (credentials.Credentials, journal.Outcome) {
	c, ok := parseAnswer(out)
	if !ok {
		c = credentials.Credentials{}
		if json.NewDecoder(bytes.NewReader(out)).Decode(&c) != nil {
			return c, journal.BackendError
		}
	}
	if c.Username == "" && c.Secret == "" {
		return c, journal.Empty
	}
	return c, journal.Served
}

// getRecord is what one get tells the journal.
type getRecord struct {
	backend  string
	server   []byte
	outcome  journal.Outcome
	kind     credkind.Kind
	expires  *time.Time
	username string
	fp       string
}

// judge names the credential's kind and, for an ACR token that has
// expired or expires within the margin, returns the hint for stderr.
// Non-ACR hosts are not decoded.
func (r *getRecord) judge(c credentials.Credentials, env *settings) (hintLine string) {
	host := loginserver.Host(strings.TrimSpace(string(r.server)))
	r.kind = credkind.Unknown
	if k := env.key(); k != nil {
		r.fp = k.Of(c.Secret)
	}
	if username(c, host) {
		r.username = c.Username
	}
	server, acr := loginserver.Parse(host)
	if !acr {
		return ""
	}
	cred := credkind.Credential{Username: c.Username, Password: c.Secret}
	if c.Username == credkind.TokenUsername {
		cred = credkind.Credential{IdentityToken: c.Secret}
	}
	j := credkind.Of(cred, acr, server.Name)
	r.kind = j.Kind
	if j.Token == nil || j.Token.Claims.ExpiresAt.IsZero() {
		return ""
	}
	exp := j.Token.Claims.ExpiresAt
	r.expires = &exp
	if c.Username != credkind.TokenUsername && c.Username != credkind.NullGUID {
		return "" // a JWT under another username is not what ACR takes as a token
	}
	t := now()
	left := exp.Sub(t)
	margin := env.margin()
	switch {
	case left <= 0:
		r.outcome = journal.Expired
	case left <= margin:
		r.outcome = journal.Expiring
	default:
		return ""
	}
	return hint(server, j.Token.Kind.Title(), exp, t)
}

// username reports whether c's username may be journalled: it cannot be
// a secret (credkind.SecretUsername, as creds shows it), nor longer than
// any username. host is the registry Docker asked for.
func username(c credentials.Credentials, host string) bool {
	return len(c.Username) <= 256 && !credkind.SecretUsername(c.Username, c.Secret, host)
}

// key is the installation's fingerprint key, which names secrets in the
// journal: read once, and created by the first get that journals. nil
// with no journal to write, or no key to be had (lines then go without).
func (s *settings) key() *fingerprint.Key {
	if s.keyRead {
		return s.fpKey
	}
	s.keyRead = true
	path, ok := journal.Path(s.getenv)
	if !ok {
		return nil
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil // a journal turned off with /dev/null, which gets no line
	}
	dir, ok := statedir.Dir(s.getenv)
	if !ok {
		return nil
	}
	k, err := fingerprint.Keep(dir)
	if err != nil {
		s.debugf("fingerprint key: %v", err)
		return nil
	}
	s.fpKey = k
	return k
}

// hint is the one line Docker shows in the push or pull output.
func hint(s loginserver.Server, what string, exp, now time.Time) string {
	at := exp.UTC().Format("15:04 UTC")
	if d := now.Sub(exp); d > 20*time.Hour || d < -20*time.Hour {
		at = exp.UTC().Format("2006-01-02 15:04 UTC")
	}
	fix := shell.Sprintf("az acr login -n %s", shell.RegistryName(s.Name))
	if exp.After(now) {
		return fmt.Sprintf("acr-doctor: the %s for %s expires in %s (at %s); run: %s", what, s.Host, token.Humanize(exp.Sub(now)), at, fix)
	}
	return fmt.Sprintf("acr-doctor: the %s for %s expired %s ago (at %s); run: %s", what, s.Host, token.Humanize(now.Sub(exp)), at, fix)
}

// record appends the get to the journal. It never fails the get.
func (env *settings) record(r getRecord) {
	path, ok := journal.Path(env.getenv)
	if !ok {
		return
	}
	kind := r.kind
	if kind == "" {
		kind = credkind.Unknown
	}
	e := journal.Entry{
		Time:        now(),
		Registry:    loginserver.Host(strings.TrimSpace(string(r.server))),
		Kind:        string(kind),
		ExpiresAt:   r.expires,
		Outcome:     r.outcome,
		Backend:     r.backend,
		Username:    r.username,
		Fingerprint: r.fp,
	}
	if err := journal.Append(path, e); err != nil {
		env.debugf("journal %s: %v", path, err)
	}
}
