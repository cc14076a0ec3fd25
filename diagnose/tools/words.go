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
	h := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	if name, port, ok := strings.Cut(h, ":"); ok && port != "" && strings.Trim(port, "0123456789") == "" {
		h = name
	}
	return strings.ToLower(h)
}

// Causes are cs with their fixes in t's words, for the credential under
// key; cs is left as it was.
func (t Tool) Causes(cs []cause.Cause, key string) []cause.Cause {
	if _, ok := words[t]; !ok || len(cs) == 0 {
		return cs
	}
	// Podman logs out of a namespace key by its name: its registry's
	// logout would leave it, and Podman would go on sending it.
	host := bareHost(key)
	var hostLogout, keyLogout string
	if t == Podman && !strings.Contains(key, "://") && strings.Contains(key, "/") {
		hostLogout = shell.Sprintf("podman logout %s", shell.HostPort(host))
		keyLogout = shell.Sprintf("podman logout %s", shell.Text("key", key, "<key>"))
	}
	out := make([]cause.Cause, len(cs))
	for i, c := range cs {
		c.Title, c.Evidence = t.Reword(c.Title, key), t.Reword(c.Evidence, key)
		c.Remediation = make([]string, 0, len(cs[i].Remediation))
		for _, l := range cs[i].Remediation {
			// Two of Docker's ways can be one of the tool's ("in CI: …"
			// and the login itself): say it once.
			l = t.Reword(l, key)
			if hostLogout != "" {
				l = strings.ReplaceAll(l, hostLogout, keyLogout)
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
