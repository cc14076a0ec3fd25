package check

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/bounded"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// pluginCommandEnv names the docker binary that launched a plugin.
const pluginCommandEnv = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"

// versionRE reads Docker's own --version: a docker that is another
// client's shim (podman version 4.9.3, nerdctl version 1.7) has no Docker
// version to judge.
var versionRE = regexp.MustCompile(`Docker version v?(\d+)\.(\d+)`)

// Docker reports the Docker client that will use the credentials: its
// path and version, and whether it is too old for ACR (18.03). A missing
// client is a warning: the credentials may serve another client (a CI
// runner's buildkit, containerd).
func Docker(ctx context.Context) report.Docker {
	d := report.Docker{Causes: []cause.Cause{}}
	path := os.Getenv(pluginCommandEnv)
	if path == "" {
		p, err := exec.LookPath("docker")
		if err != nil {
			d.Causes = append(d.Causes, cause.Warn(cause.DockerEnvironment,
				"the docker CLI is not on PATH; the credentials found are those a Docker client here would use",
				"install the Docker CLI 18.03 or later, if Docker is what fails"))
			return d
		}
		path = p
	}
	d.Path = path
	m := builtVersion(path)
	if m == nil {
		out, err := versionOutput(ctx, path)
		if err != nil {
			d.Causes = append(d.Causes, cause.New(cause.DockerEnvironment,
				fmt.Sprintf("%s --version failed: %v", path, err),
				"reinstall the Docker CLI"))
			return d
		}
		m = versionRE.FindSubmatch(out)
	}
	if m == nil {
		return d
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	d.Version = string(m[1]) + "." + string(m[2]) // as Docker writes it: 17.09, 28.2
	if major < 18 || major == 18 && minor < 3 {
		d.Causes = append(d.Causes, cause.New(cause.DockerEnvironment,
			fmt.Sprintf("the Docker client %s is version %s; ACR needs 18.03 or later", path, d.Version),
			"upgrade Docker: https://docs.docker.com/engine/install/"))
	}
	return d
}

// builtVersion reads the version a Go-built docker was linked with (the
// -X …/cli/version.Version its build settings record), as submatches of
// versionRE, or nil: reading the binary costs far less than starting it,
// which a check of many registries pays in CPU its probes need.
func builtVersion(path string) [][]byte {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return nil // a FIFO would block its reader, a device never end
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil || info.Path != "github.com/docker/cli/cmd/docker" {
		return nil
	}
	for _, s := range info.Settings {
		if s.Key == "-ldflags" {
			if m := builtRE.FindStringSubmatch(s.Value); m != nil {
				return [][]byte{[]byte(m[0]), []byte(m[1]), []byte(m[2])}
			}
		}
	}
	return nil
}

var builtRE = regexp.MustCompile(`cli/version\.Version=v?(\d+)\.(\d+)`)

// versionOutput runs docker --version.
func versionOutput(ctx context.Context, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	// A docker that hangs is killed with what it started (a wrapper
	// script's children), which must not hold the check up past its
	// time limit either.
	bounded.KillGroup(cmd)
	cmd.WaitDelay = time.Second
	var out bounded.Buffer // a docker that floods is cut off, not kept
	cmd.Stdout = &out
	err := credstore.Run(cmd)
	// What it left running holding its output is ended; its answer
	// stands (exec.ErrWaitDelay is an exit with status 0).
	credstore.KillLeftovers(cmd)
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	return out.Bytes(), err
}
