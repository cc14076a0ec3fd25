package tools

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// The fixes are written in Docker's words; each other tool logs in and out
// with its own commands. az acr login logs in through `docker login`:
// Podman's login takes its place with DOCKER_COMMAND (Azure CLI 2.59 and
// later); Helm and regctl are given az's token on their standard input,
// as ACR documents for tools az cannot drive.
var words = map[Tool]struct{ name, login, logout, stdin string }{
	Podman: {"Podman", "podman login", "podman logout", "--password-stdin"},
	Helm:   {"Helm", "helm registry login", "helm registry logout", "--password-stdin"},
	Regctl: {"regctl", "regctl registry login", "regctl registry logout", "--pass-stdin"},
}

// Name is the tool as prose names it.
func (t Tool) Name() string {
	if w, ok := words[t]; ok {
		return w.name
	}
	return "Docker"
}

// dockerLog is Docker's login or logout command, as a command or named in
// prose; dockerName, Docker named in prose, with the word after it, which
// may make it another thing (Docker Hub, Docker Desktop).
var (
	dockerLog  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bdocker (login|logout)\b`) })
	dockerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bDocker\b( \w+)?`) })
)

// notTheClient are the words after "Docker" that name another thing than
// the client the tool stands in for.
var notTheClient = map[string]bool{" Hub": true, " Desktop": true, " Engine": true, " daemon": true, " Compose": true}

// azLogin is `az acr login -n NAME` where it logs in through Docker: not
// when it only prints a token (--expose-token), nor when it is told to
// log in through Podman already.
var azLogin = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|[^=\w])(DOCKER_COMMAND=podman )?az acr login -n (\S+)( --expose-token)?`)
})

// Reword says line, a fix worded for Docker, in t's words; host is the
// registry the fix is for (a port, which ACR's login servers never have,
// is dropped). Anything else in the line (its quoted values, its
// comments) is left as it was.
func (t Tool) Reword(line, host string) string {
	w, ok := words[t]
	if !ok {
		return line
	}
	line = azLogin().ReplaceAllStringFunc(line, func(m string) string {
		sub := azLogin().FindStringSubmatch(m)
		switch {
		case sub[2] != "" || sub[4] != "":
			return m
		case t == Podman:
			return azLogin().ReplaceAllString(m, "${1}DOCKER_COMMAND=podman az acr login -n ${3}")
		}
		return m + shell.Sprintf(" --expose-token --output tsv --query accessToken | docker login %s -u 00000000-0000-0000-0000-000000000000 --password-stdin", shell.Host(bareHost(host)).Or("<login-server>"))
	})
	line = dockerLog().ReplaceAllStringFunc(line, func(m string) string {
		if m == "docker login" {
			return w.login
		}
		return w.logout
	})
	line = dockerName().ReplaceAllStringFunc(line, func(m string) string {
		if after := strings.TrimPrefix(m, "Docker"); !notTheClient[after] {
			return w.name + after
		}
		return m
	})
	if w.stdin != "--password-stdin" && strings.Contains(line, w.login) {
		line = strings.ReplaceAll(line, "--password-stdin", w.stdin)
	}
	return line
}

// bareHost is the login server a key names, as a login takes it: lower
// case, with no scheme, path or port (ACR's login servers have none). What
// is left is checked as a host where it goes into a command.
func bareHost(key string) string {
	h := strings.ToLower(key)
	h = strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	if name, port, ok := strings.Cut(h, ":"); ok && port != "" && strings.Trim(port, "0123456789") == "" {
		h = name
	}
	return strings.TrimSuffix(h, ".")
}

// Causes are cs with their fixes in t's words, for the credential under
// key in file; cs is left as it was. For Docker, only the key's logout
// changes.
func (t Tool) Causes(cs []cause.Cause, key, file string) []cause.Cause {
	_, other := words[t]
	if len(cs) == 0 || !other && t != Docker {
		return cs
	}
	from, to := t.logoutKey(key, file)
	if !other && from == "" {
		return cs
	}
	out := make([]cause.Cause, len(cs))
	for i, c := range cs {
		if other {
			c.Title, c.Evidence = t.Reword(c.Title, key), t.Reword(c.Evidence, key)
		}
		c.Remediation = make([]string, 0, len(cs[i].Remediation))
		for _, l := range cs[i].Remediation {
			// Two of Docker's ways can be one of the tool's ("in CI: …"
			// and the login itself): say it once.
			if other {
				l = t.Reword(l, key)
			}
			if from != "" {
				l = strings.ReplaceAll(l, from, to)
			}
			_, after, _ := strings.Cut(l, ": ")
			if !slices.Contains(c.Remediation, l) && !slices.Contains(c.Remediation, after) {
				c.Remediation = append(c.Remediation, l)
			}
		}
		out[i] = c
	}
	return out
}

// logoutKey is the logout of key's registry as the fixes write it, and
// what logs out of key itself, where they differ: a namespace key
// (host/team) is logged out by its name, as Docker and Podman read it;
// a key with a scheme, which Podman's logout never finds, goes by hand.
func (t Tool) logoutKey(key, file string) (from, to string) {
	logout := map[Tool]string{Docker: "docker logout", Podman: "podman logout"}[t]
	host := bareHost(key)
	if logout == "" || key == host {
		return "", ""
	}
	from = shell.Sprintf(logout+" %s", shell.HostPort(host))
	switch {
	case strings.Contains(key, "://") && t == Podman:
		to = shell.Sprintf("remove the key %s from auths in %s", shell.Text("key", key, "<key>"), shell.Text("file", file, "<file>"))
	case !strings.Contains(key, "://") && strings.Contains(key, "/"):
		to = shell.Sprintf(logout+" %s", shell.Text("key", key, "<key>"))
	default:
		return "", ""
	}
	return from, to
}
