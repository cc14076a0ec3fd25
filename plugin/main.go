// Command docker-acrdoctor is the Docker CLI plugin behind `docker acrdoctor`:
// it tells why Docker cannot log in, push or pull against Azure Container
// Registry. It also runs standalone, where no Docker CLI is installed.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
)

// version is stamped at build time: -ldflags "-X main.version=…".
var version = "dev"

const name = "acrdoctor"

var meta = metadata.Metadata{
	SchemaVersion:    "0.1.0",
	Vendor:           "acr-doctor",
	Version:          version,
	ShortDescription: "Diagnose Docker logins to Azure Container Registry",
	URL:              "https://github.com/acr-doctor/acr-doctor",
}

func main() {
	meta.Version = version
	if plugin.RunningStandalone() {
		os.Args = standaloneArgs(os.Args)
	}
	dockerCLI, err := command.NewDockerCli()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitUsage)
	}
	err = plugin.RunPlugin(dockerCLI, newRootCommand(dockerCLI), meta)
	os.Exit(exitCode(dockerCLI, err))
}

// Exit statuses of DESIGN.md §4.
const (
	exitOK      = 0
	exitProblem = 1 // something wrong was diagnosed
	exitUsage   = 2 // the tool could not do its job: bad flags, unreadable input
)

// errProblem ends a command that diagnosed at least one problem, after its
// report is printed.
var errProblem = cli.StatusError{StatusCode: exitProblem}

// usageError is bad input: a flag, a file, a token. Its message is one line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func exitCode(dockerCLI command.Cli, err error) int {
	if err == nil {
		return exitOK
	}
	var st cli.StatusError
	if errors.As(err, &st) && st.Status == "" && st.Cause == nil {
		return st.StatusCode
	}
	fmt.Fprintf(dockerCLI.Err(), "%s: %v\n", name, err)
	return exitUsage
}

// standaloneArgs makes `docker-acrdoctor [global flags] creds` look like the
// argv Docker passes a plugin: `docker-acrdoctor [global flags] acrdoctor creds`.
func standaloneArgs(args []string) []string {
	// Global flags of the docker CLI that take a value.
	valued := map[string]bool{
		"--config": true, "-c": true, "--context": true, "-H": true, "--host": true,
		"-l": true, "--log-level": true, "--tlscacert": true, "--tlscert": true, "--tlskey": true,
	}
	i := 1
	for i < len(args) {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if a == "-h" || a == "--help" || a == "-v" || a == "--version" {
			break // the plugin's own
		}
		i++
		if valued[a] {
			i++
		}
	}
	i = min(i, len(args))
	out := append([]string{}, args[:i]...)
	out = append(out, name)
	return append(out, args[i:]...)
}

func newRootCommand(dockerCLI command.Cli) *cobra.Command {
	var opts checkOptions
	cmd := &cobra.Command{
		Use:   name + " [OPTIONS] [REGISTRY|IMAGE...]",
		Short: meta.ShortDescription,
		Long: `acrdoctor tells why Docker cannot log in, push or pull against Azure Container
Registry: which credential Docker holds for each registry, where it lives, what
kind it is, whether it is still valid, what the registry says when the login
is replayed, and the commands that fix it.

With no command it runs "check".`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A mistyped command would otherwise be checked as a registry.
			for _, a := range args {
				if s := cmd.SuggestionsFor(a); len(s) > 0 && !strings.ContainsAny(a, "./") {
					return usagef("unknown command %q for %q; did you mean %q?", a, name, s[0])
				}
			}
			return runCheck(cmd, dockerCLI, &opts, args)
		},
	}
	addCheckFlags(cmd, &opts)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.AddCommand(newCheckCommand(dockerCLI), newCredsCommand(dockerCLI), newTokenCommand(dockerCLI), newConfigureCommand(dockerCLI), newUninstallCommand(dockerCLI), newRenewTokenCommand(dockerCLI), newHooksCommand(dockerCLI), newRunCommand(dockerCLI), newExplainCommand(dockerCLI))
	return cmd
}
