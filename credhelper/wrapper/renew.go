package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// defaultRenewTimeout bounds a renewal: Docker's push waits on it.
const defaultRenewTimeout = 20 * time.Second

// renewal replaces an expired or expiring ACR token with a new one from an
// Azure AD identity in the environment, stores it in the backend as Docker
// would, and returns it. Docker and buildx call get in parallel: under a
// lock per registry, one caller renews and the others, once they hold the
// lock, find the new token in the backend and return it.
//
// fresh is false when another caller had already renewed it. stored is
// the token it replaces, which no error it returns quotes.
func renewal(env *settings, b *execBackend, in []byte, host, stored string) (c credentials.Credentials, fresh bool, err error) {
	unlock, err := lockRenewal(env, host)
	if err != nil {
		return c, false, err
	}
	defer unlock()

	if c, ok := storedValid(b, in, env.margin()); ok {
		return c, false, nil
	}
	memo := env.failureMemo(host)
	if err := memo.recent(); err != nil {
		return c, false, err
	}
	refresh, err := renewToken(env, host, stored)
	if err != nil {
		if !errors.Is(err, errNoIdentity) {
			memo.record(err)
		}
		return c, false, err
	}
	memo.clear()
	c = credentials.Credentials{ServerURL: strings.TrimSpace(string(in)), Username: credkind.TokenUsername, Secret: refresh}
	if err := b.store(c); err != nil {
		env.debugf("storing the renewed token: %v", err)
		return c, true, fmt.Errorf("renewed, but storing the new token failed: %w", err)
	}
	return c, true, nil
}

// storedValid reads the backend again and reports a token that is now
// good for longer than the margin.
func storedValid(b *execBackend, in []byte, margin time.Duration) (credentials.Credentials, bool) {
	var c credentials.Credentials
	out, code := b.get(in, io.Discard, nil)
	if code != 0 || json.Unmarshal(out, &c) != nil || c.Secret == "" {
		return c, false
	}
	tok, err := token.Decode(c.Secret)
	if err != nil || tok.Claims.ExpiresAt.IsZero() {
		return c, false
	}
	return c, time.Until(tok.Claims.ExpiresAt) > margin
}

// lockRenewal takes the per-registry renewal lock, in the state directory.
func lockRenewal(env *settings, host string) (unlock func(), err error) {
	dir, ok := statedir.Dir(env.getenv)
	if !ok {
		return nil, errors.New("no state directory for the renewal lock: set HOME or XDG_STATE_HOME")
	}
	// Waiting longer than a renewal takes means the holder is stuck.
	return statedir.LockWithin(filepath.Join(dir, "locks", "renew-"+host+".lock"), env.renewTimeout())
}

// errNoIdentity: there is no Azure identity in the environment to renew with.
var errNoIdentity = errors.New("no Azure identity in the environment")

// renewToken runs `docker-acrdoctor renew-token HOST`. The Azure SDK lives
// in the plugin: linking it here would slow every get Docker makes. What
// it says when it fails reaches Docker's output and the failure memo
// scrubbed (see scrubbed) of secrets and of stored, the token it renews.
func renewToken(env *settings, host, stored string) (string, error) {
	plugin, err := findPlugin(env)
	if err != nil {
		return "", err
	}
	timeout := env.renewTimeout()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bounded.Buffer
	cmd := exec.CommandContext(ctx, plugin, "renew-token", host)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// On timeout, the plugin goes with what it started (an az that hangs).
	bounded.KillGroup(cmd)
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		refresh := strings.TrimSpace(stdout.String())
		if !token.LooksLikeJWT(refresh) {
			return "", errors.New("the plugin's renew-token answered something that is not a token")
		}
		return refresh, nil
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		return "", errNoIdentity
	case ctx.Err() != nil:
		return "", fmt.Errorf("no answer within %s", timeout)
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = err.Error()
	}
	return "", errors.New(scrubbed(msg, stored))
}

// scrubbed is what a failed renewal said, with the secrets redact finds
// taken out, and stored, whole or any piece of it of twelve characters or
// more: an Azure CLI that fails may quote what it was given, and the
// plugin's own errors quote az's.
func scrubbed(msg, stored string) string {
	return redact.Output(redact.Fragments(msg, stored, 12))
}

// findPlugin finds docker-acrdoctor where install.sh and Docker put it.
func findPlugin(env *settings) (string, error) {
	if p := env.getenv("ACRDOCTOR_PLUGIN"); p != "" {
		return p, nil
	}
	// Never a relative path: that would run a program from wherever
	// Docker was started.
	var candidates []string
	if filepath.IsAbs(env.dir) {
		candidates = append(candidates, filepath.Join(env.dir, "cli-plugins", "docker-acrdoctor"))
	}
	if self, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(self), "acr-doctor"))
	}
	for _, d := range []string{"/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins"} {
		candidates = append(candidates, filepath.Join(d, "docker-acrdoctor"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c, nil
		}
	}
	if p, err := exec.LookPath("acr-doctor"); err == nil {
		return p, nil
	}
	return "", errors.New("the docker-acrdoctor plugin, which renews tokens, is not installed (make install)")
}

// maxReason bounds what renewReason quotes of a failure.
const maxReason = 300

// renewReason says in a few words why no renewal happened.
func renewReason(err error) string {
	var recent *recentFailure
	switch {
	case errors.As(err, &recent):
		return recent.Error()
	case errors.Is(err, errNoIdentity):
		return "no Azure identity in the environment to renew it with"
	case errors.Is(err, statedir.ErrLockHeld):
		return "another renewal of it has not finished"
	default:
		msg := termsafe.ErrorLine(err.Error())
		if len(msg) > maxReason {
			// One line of the pull's output, and of the memo, not a flood.
			msg = strings.ToValidUTF8(msg[:maxReason], "") + "…"
		}
		return "renewal failed: " + msg
	}
}
