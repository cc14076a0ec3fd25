package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config"
	"github.com/spf13/pflag"

	"github.com/acr-doctor/acr-doctor/diagnose/authfile"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// maxAuthfile bounds a pull secret read from a file or stdin.
const maxAuthfile = 8 << 20

func addAuthfileFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "authfile", "", "Diagnose the credentials of a Kubernetes pull secret instead of Docker's: a .dockerconfigjson, a .dockercfg, or a Secret manifest (YAML or JSON); - reads standard input")
}

// loadStore reads the credentials to diagnose: Docker's own config, or
// the pull secret --authfile names. Either way no helper entry points
// outside what the file says.
func loadStore(dockerCLI command.Cli, authfileName string) (*credstore.Config, error) {
	if authfileName == "" {
		getenv, ignoredBy := dockerGetenv(context.Background())
		if ignoredBy != "" {
			fmt.Fprintf(dockerCLI.Err(), "%s: DOCKER_AUTH_CONFIG is set, but the Docker client here is %s, which reads it only from 28.3 on: its credentials are not what Docker sends, config.json's are\n", name, safe(ignoredBy))
		}
		cfg, err := credstore.Load(config.Dir(), getenv)
		if err != nil {
			return nil, usageError{err}
		}
		return cfg, nil
	}
	var r io.Reader
	if authfileName == "-" {
		r = dockerCLI.In()
	} else {
		f, err := os.Open(authfileName)
		if err != nil {
			return nil, usageError{err}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxAuthfile+1))
	if err != nil {
		return nil, usagef("reading %s: %v", authfileName, err)
	}
	cfg, _, err := authfile.Load(authfileName, data)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}
