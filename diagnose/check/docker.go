package check

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// pluginCommandEnv names the docker binary that launched a plugin.
const pluginCommandEnv = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"

var versionRE = regexp.MustCompile(`version v?(\d+)\.(\d+)`)

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
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	// A docker that hangs is killed with what it started (a wrapper
	// script's children), which must not hold the check up past its
	// time limit either.
	credstore.KillGroup(cmd)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		d.Causes = append(d.Causes, cause.New(cause.DockerEnvironment,
			fmt.Sprintf("%s --version failed: %v", path, err),
			"reinstall the Docker CLI"))
		return d
	}
	m := versionRE.FindSubmatch(out)
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
