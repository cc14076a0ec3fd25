// Command docker-acrdoctor is the Docker CLI plugin behind `docker acrdoctor`:
// it tells why Docker cannot log in, push or pull against Azure Container
// Registry. It also runs standalone, where no Docker CLI is installed.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"text/template"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli-plugins/plugin"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// version is stamped at build time: -ldflags "-X main.version=…".
var version = "dev"

const name = setting.Name

var meta = metadata.Metadata{
	SchemaVersion:    "0.1.0",
	Vendor:           "acr-doctor",
	Version:          version,
	ShortDescription: "Diagnose Docker logins to Azure Container Registry",
	URL:              "https://github.com/acr-doctor/acr-doctor",
}

// invokedAs is how the user ran this program, for the commands its messages
// suggest: as Docker's plugin, or the standalone acr-doctor.
var invokedAs = "docker acrdoctor"

func main() {
	meta.Version = version
	if plugin.RunningStandalone() {
		os.Args = standaloneArgs(os.Args)
		invokedAs = "acr-doctor"
	}
	// Docker's plugin framework reads config.json whole, with no bound,
	// before any command of ours runs: a file that is no config is refused
	// first.
	if err := checkConfigFile(os.Args, config.Dir()); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, safe(err.Error()))
		os.Exit(exitUsage)
	}
	endOnInterrupt()
	dockerCLI, err := command.NewDockerCli()
	if err != nil {
		fmt.Fprintln(os.Stderr, safe(err.Error()))
		os.Exit(exitUsage)
	}
	err = plugin.RunPlugin(dockerCLI, newRootCommand(dockerCLI), meta)
	os.Exit(exitCode(dockerCLI, err))
}

// forwarding is set while `run --` waits on its command, which takes the
// interrupt itself: run passes it on and explains how the command ended.
var forwarding atomic.Bool

// endOnInterrupt makes Ctrl-C, Ctrl-\, SIGTERM and a closed terminal
// (SIGHUP) end the doctor as they would have (exit 128 + the signal's
// number), and with it the helpers it is waiting on: those run in process
// groups of their own (so that a timeout ends their children too), where
// the terminal's signals do not reach them.
func endOnInterrupt() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, interrupts...)
	go func() {
		for s := range sigs {
			code := 1
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			end(code)
		}
	}()
}

// endOnCancel ends the doctor, and the helpers it waits on, when Docker
// cancels the plugin: docker was sent SIGINT or SIGTERM alone (a
// supervisor, a CI's cancel) and tells its plugin so through its socket,
// where a terminal's Ctrl-C would have reached the plugin itself. run's
// command gets no signal from Docker, and run waits for it as before.
func endOnCancel(ctx context.Context) {
	go func() {
		<-ctx.Done()
		end(130)
	}()
}

// end ends the helpers the doctor waits on, and the doctor with status
// code; not while run waits on its command, which decides.
func end(code int) {
	if forwarding.Load() {
		return
	}
	credstore.EndGroups()
	os.Exit(code)
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
	// Errors quote what they could not read: a path, a flag's value, a
	// helper's words.
	fmt.Fprintf(dockerCLI.Err(), "%s: %s\n", name, safe(err.Error()))
	return exitUsage
}

// standaloneArgs makes `docker-acrdoctor [global flags] creds` look like the
// argv Docker passes a plugin: `docker-acrdoctor [global flags] acrdoctor creds`.
func standaloneArgs(args []string) []string {
	i := 1
	for i < len(args) {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		flag, _, hasValue := strings.Cut(a, "=")
		valued, global := dockerGlobal[flag]
		if !global {
			break // the plugin's own, such as --offline or --help
		}
		i++
		if valued && !hasValue {
			i++
		}
	}
	i = min(i, len(args))
	out := append([]string{}, args[:i]...)
	out = append(out, name)
	return append(out, args[i:]...)
}

// dockerGlobal are the docker CLI's global flags, true for those that
// take a value. Any other flag before the first word is the plugin's own.
var dockerGlobal = map[string]bool{
	"--config": true, "-c": true, "--context": true, "-H": true, "--host": true,
	"-l": true, "--log-level": true, "--tlscacert": true, "--tlscert": true, "--tlskey": true,
	"-D": false, "--debug": false, "--tls": false, "--tlsverify": false,
}

// configFile is the config.json the plugin framework will load for argv
// as Docker passes it (`docker-acrdoctor [global flags] acrdoctor …`): in
// the folder of the last --config before the plugin's name, else in
// defaultDir (config.Dir(): DOCKER_CONFIG, else ~/.docker). It also says
// whether the framework reads it at all: the metadata and hook
// subcommands that Docker runs for its own commands do not.
func configFile(args []string, defaultDir string) (path string, loaded bool) {
	dir := defaultDir
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" || !strings.HasPrefix(a, "-") {
			break
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			dir = v
		} else if dockerGlobal[a] && i+1 < len(args) {
			if a == "--config" {
				dir = args[i+1]
			}
			i++
		}
	}
	if dir == "" { // as `--config ""`: Docker keeps its default
		dir = defaultDir
	}
	loaded = true
	if i < len(args) {
		switch {
		case args[i] == metadata.MetadataSubcommandName:
			loaded = false
		case args[i] == name && i+1 < len(args) && args[i+1] == metadata.HookSubcommandName:
			loaded = false
		}
	}
	return filepath.Join(dir, config.ConfigFileName), loaded
}

// checkConfigFile refuses, without opening it, a config.json the plugin
// framework would block on (a FIFO), read without end (a device) or spend
// hundreds of megabytes on: anything but a regular file of at most
// configjson.MaxSize, the bound acr-doctor reads config files within.
// A missing file is Docker's empty config; one that cannot be examined is
// left to the framework, which warns, and to the command, which says why.
func checkConfigFile(args []string, defaultDir string) error {
	path, loaded := configFile(args, defaultDir)
	if !loaded {
		return nil
	}
	fi, err := os.Stat(path) // follows a symbolic link, as Docker's open does
	if err != nil {
		return nil
	}
	if kind := configjson.FileKind(fi.Mode()); kind != "" {
		return usagef("%s is %s, not the regular file a Docker config must be: replace it, or point DOCKER_CONFIG or --config elsewhere", path, kind)
	}
	if fi.Size() > configjson.MaxSize {
		return usagef("%s is %d MiB, over the %d MiB limit for a Docker config (real ones are a few KB): replace it, or point DOCKER_CONFIG or --config elsewhere", path, fi.Size()>>20, configjson.MaxSize>>20)
	}
	return nil
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

With no command it runs "check". Registries named here are named by their login
server or an image reference (myreg.azurecr.io, myreg.azurecr.io/team/app:1);
a word without a dot is taken for a command, and "check myreg" checks
myreg.azurecr.io.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		// A registry is named here by its login server or an image
		// reference, both with a dot: a word without one is a mistyped
		// command, not a registry to check (`check WORD` checks the
		// registry WORD.azurecr.io).
		Args: unknownCommandArgs,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := plugin.PersistentPreRunE(cmd, args); err != nil {
				return err
			}
			endOnCancel(cmd.Context())
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, dockerCLI, &opts, args)
		},
	}
	// Suggestions by edit distance, as cobra gives for its own unknown
	// commands: SuggestionsFor alone matches prefixes only.
	cmd.SuggestionsMinimumDistance = 2
	addCheckFlags(cmd, &opts)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.AddCommand(newCheckCommand(dockerCLI), newCredsCommand(dockerCLI), newTokenCommand(dockerCLI), newConfigureCommand(dockerCLI), newUninstallCommand(dockerCLI), newRenewTokenCommand(dockerCLI), newHooksCommand(dockerCLI), newRunCommand(dockerCLI), newExplainCommand(dockerCLI), newFixCommand(dockerCLI))
	cmd.AddCommand(newHelpCommand(), newVersionCommand())
	setFormatUsages(cmd)
	return cmd
}

// unknownCommandArgs refuses, before anything runs, a top-level argument
// without a dot: a mistyped command (crds, chek) or a bare registry name.
func unknownCommandArgs(cmd *cobra.Command, args []string) error {
	for _, a := range args {
		if !strings.Contains(a, ".") {
			return unknownCommand(cmd, a)
		}
	}
	return nil
}

// unknownCommand is the one-line error for a word that names no command
// of cmd: the closest commands by edit distance, or else how to check a
// registry of that name, and where the usage is.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	} else if shell.ValidRegistryName(word) {
		msg += fmt.Sprintf(" (to check the registry %s.azurecr.io: %s check %s).", strings.ToLower(word), cmd.CommandPath(), word)
	} else {
		msg += "."
	}
	return usagef("%s Run '%s --help' for usage.", msg, cmd.CommandPath())
}

// newHelpCommand is `help [COMMAND]`: the plugin framework gives its own
// root a help command, not the plugin's command.
func newHelpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command",
		Args:  cobra.ArbitraryArgs,
		// No Docker initialisation: help reads nothing.
		PersistentPreRun: func(*cobra.Command, []string) {},
		RunE: func(cmd *cobra.Command, args []string) error {
			parent := cmd.Parent()
			target, rest, err := parent.Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				word := strings.Join(args, " ")
				if len(rest) > 0 {
					word = rest[0]
				}
				return unknownCommand(parent, word)
			}
			// The flags cobra adds to a command it runs itself.
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// newVersionCommand is `version`: what --version prints, the version
// Docker's plugin metadata carries.
func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:              "version",
		Short:            "Show the version",
		Args:             cobra.NoArgs,
		PersistentPreRun: func(*cobra.Command, []string) {},
		RunE: func(cmd *cobra.Command, _ []string) error {
			parent := cmd.Parent()
			t, err := template.New("version").Parse(parent.VersionTemplate())
			if err != nil {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s version %s\n", parent.DisplayName(), parent.Version)
				return err
			}
			return t.Execute(cmd.OutOrStdout(), parent)
		},
	}
}
