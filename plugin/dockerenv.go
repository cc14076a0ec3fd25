package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/docker/cli/cli/config/configfile"

	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// dockerGetenv is the environment as the Docker client here reads it for
// credentials: DOCKER_AUTH_CONFIG only from Docker 28.3 on (docker/cli
// v28.3.0 added it). With an older client, a variable set for a newer one
// or for another tool is not what Docker sends, and config.json is:
// ignoredBy then names the client's version. A client whose version
// cannot be told is taken to read it.
func dockerGetenv(ctx context.Context) (getenv func(string) string, ignoredBy string) {
	if os.Getenv(configfile.DockerEnvConfigKey) == "" {
		return os.Getenv, ""
	}
	v := dockerClient(ctx).Version
	if !versionBefore(v, 28, 3) {
		return os.Getenv, ""
	}
	return func(k string) string {
		if k == configfile.DockerEnvConfigKey {
			return ""
		}
		return os.Getenv(k)
	}, v
}

// dockerClient is check.Docker, asked once a run: the client that decides
// whether DOCKER_AUTH_CONFIG counts is the one the report shows, and a
// docker that hangs holds the run up once, not twice. The first caller's
// context bounds the asking.
func dockerClient(ctx context.Context) report.Docker {
	asked.Lock()
	defer asked.Unlock()
	if !asked.done {
		asked.docker, asked.done = check.Docker(ctx), true
	}
	return asked.docker
}

var asked struct {
	sync.Mutex
	done   bool
	docker report.Docker
}

// versionBefore reports whether v, a Docker version as "28.2", is older
// than major.minor; false for one that cannot be read.
func versionBefore(v string, major, minor int) bool {
	a, b, ok := strings.Cut(v, ".")
	x, errX := strconv.Atoi(a)
	y, errY := strconv.Atoi(b)
	if !ok || errX != nil || errY != nil {
		return false
	}
	return x < major || x == major && y < minor
}
