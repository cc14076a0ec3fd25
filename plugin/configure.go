package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
)

// helperProgram is the wrapper Docker runs once configure is done.
const helperProgram = "docker-credential-" + configedit.Helper

// backendTimeout bounds the backend's list, run to see that it works.
const backendTimeout = 10 * time.Second

type configureOptions struct {
	hooks   bool
	store   bool
	backend string
	yes     bool
	undo    bool
	force   bool
}

func newConfigureCommand(dockerCLI command.Cli) *cobra.Command {
	var opts configureOptions
	cmd := &cobra.Command{
		Use:   "configure [OPTIONS] [REGISTRY...]",
		Short: "Opt in to docker-credential-acrdoctor for ACR registries",
		Long: `Point Docker at docker-credential-acrdoctor for the ACR registries named (or
every ACR registry Docker holds credentials for), as credHelpers entries, or
for everything with --store; and record the store it wraps in
plugins.acrdoctor.credential-backend. The wrapper is a layer over the store
Docker already uses, so a registry whose credential Docker keeps elsewhere
is left alone, with the reason.

The change is shown first and applied after a yes (or with --yes).
config.json is written atomically, a copy of it as it was is kept, and
--undo reverts the change key by key, keeping what was written since;
it refuses when a key it would revert has changed, unless --force.`,
		Example: `  docker acrdoctor configure myreg.azurecr.io
  docker acrdoctor configure --store --yes
  docker acrdoctor configure --hooks --yes
  docker acrdoctor configure --undo --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.undo {
				if len(args) > 0 || opts.store || opts.hooks || opts.backend != "" {
					return usagef("--undo takes no registries and no other options but --force and --yes")
				}
				return safeError(undoConfigure(cmd.Context(), dockerCLI, opts))
			}
			if opts.force {
				return usagef("--force goes with --undo")
			}
			return safeError(runConfigure(cmd.Context(), dockerCLI, opts, args))
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.store, "store", false, `Use the helper for every registry ("credsStore")`)
	fs.BoolVar(&opts.hooks, "hooks", false, `Enable Docker's CLI hooks: a hint after a failed push, pull or login to ACR (alone, only the hooks are configured)`)
	fs.StringVar(&opts.backend, "backend", "", `The store to wrap: a helper suffix (pass, secretservice, osxkeychain, wincred, desktop); default: the one Docker uses`)
	fs.BoolVarP(&opts.yes, "yes", "y", false, "Apply without asking")
	fs.BoolVar(&opts.undo, "undo", false, "Revert the last configure of this config.json")
	fs.BoolVar(&opts.force, "force", false, "With --undo: revert keys that have changed since, too")
	return cmd
}

// editor keeps configure's records in the state directory.
func editor() (*configedit.Editor, error) {
	dir, ok := statedir.Dir(os.Getenv)
	if !ok {
		return nil, usagef("no home directory to keep configure's records in: set HOME or XDG_STATE_HOME")
	}
	return &configedit.Editor{Dir: dir}, nil
}

func configPath() string { return filepath.Join(config.Dir(), "config.json") }

// undoCommand is the command that reverts a configure of this config: one
// named with --config needs it named again, and Docker finds the plugin
// only in its default folders, so it goes through the standalone name.
func undoCommand() string { return undoOf("configure") }

// undoOf is the command that takes back the last run of command (configure,
// fix) on this config.
func undoOf(command string) string {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".docker")
	}
	if filepath.Clean(dir) == filepath.Clean(config.Dir()) {
		return invokedAs + " " + command + " --undo"
	}
	return shell.Sprintf("acr-doctor --config %s "+command+" --undo", shell.Text("config folder", config.Dir(), "<docker-config-folder>"))
}

func runConfigure(ctx context.Context, dockerCLI command.Cli, opts configureOptions, args []string) error {
	ed, err := editor()
	if err != nil {
		return err
	}
	f, err := configedit.Read(configPath())
	if err != nil {
		return usageError{err}
	}
	hosts, err := configureHosts(ctx, f, opts, args)
	if err != nil {
		return err
	}
	plan, err := configedit.Configure(f, configedit.Request{
		Hosts: hosts, Store: opts.store, Hooks: opts.hooks, HookCommands: hookCommands,
		Backend: opts.backend, DefaultStore: configjson.DefaultStore(),
	})
	if err != nil {
		return usageError{err}
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	edits := configedit.Diff(f.Doc, plan.Doc)
	if len(plan.Skipped) > 0 {
		fmt.Fprintln(out, "Left alone:")
		for _, s := range plan.Skipped {
			fmt.Fprintf(out, "  %s: %s\n", safe(s.Registry), safe(s.Reason))
		}
	}
	if len(edits) == 0 {
		if len(plan.Skipped) > 0 {
			return usagef("nothing to change in %s", f.Name)
		}
		fmt.Fprintf(out, "%s already uses docker-credential-acrdoctor as asked.\n", safe(f.Name))
		return nil
	}
	if plan.Backend != "" {
		if err := checkBackend(ctx, plan.Backend); err != nil {
			return usageError{err}
		}
	}
	fmt.Fprintf(out, "Changes to %s:\n", safe(f.Name))
	printEdits(out, edits)
	if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
		return err
	}
	rec, err := ed.Apply(f, plan)
	if err != nil {
		return writeError(err)
	}
	// The key the wrapper's journal names secrets under, made with the
	// rest of configure's state; failing that, the wrapper's first get
	// that journals makes it.
	_, _ = fingerprint.Keep(ed.Dir)
	fmt.Fprintln(out, "Written. Undo with: "+safe(undoCommand()+yesFlag(opts.yes)))
	if rec.Backup != "" {
		fmt.Fprintf(out, "The file as it was is kept as %s.\n", safe(rec.Backup))
	}
	return nil
}

// configureHosts are the registries named, or with none named (and no
// --store or --hooks) every ACR registry config.json holds an entry for.
func configureHosts(ctx context.Context, f *configedit.File, opts configureOptions, args []string) ([]string, error) {
	var hosts []string
	for _, a := range args {
		h, _ := check.ParseTarget(a)
		if !validHost(h) {
			return nil, usagef("%q is not a registry: name its login server (myreg.azurecr.io) or its resource name (myreg)", a)
		}
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) > 0 || opts.store || opts.hooks {
		return hosts, nil
	}
	cfg, err := credstore.Load(filepath.Dir(f.Name), func(string) string { return "" })
	if err != nil {
		return nil, usageError{err}
	}
	keys := slices.Collect(func(yield func(string) bool) {
		for k := range cfg.Auths {
			yield(k)
		}
		for k := range cfg.CredHelpers {
			yield(k)
		}
	})
	// And what the store holds: the only place to look when Docker uses
	// its default store for a config.json that names none.
	var listErr error
	if s := cfg.CredsStore; s != "" && s != configedit.Helper {
		ctx, cancel := context.WithTimeout(ctx, backendTimeout)
		defer cancel()
		var held map[string]string
		if held, listErr = (credstore.Helper{Name: s, Timeout: backendTimeout}).List(ctx); listErr == nil {
			for k := range held {
				keys = append(keys, k)
			}
		}
	}
	var misnamed []string
	for _, key := range keys {
		problems, acr := loginserver.Check(key)
		switch {
		case !acr || slices.Contains(hosts, loginserver.Host(key)):
		case slices.ContainsFunc(problems, loginserver.Problem.Misnamed):
			misnamed = append(misnamed, key) // no registry to wrap
		default:
			hosts = append(hosts, loginserver.Host(key))
		}
	}
	slices.Sort(hosts)
	if len(hosts) == 0 {
		why := "Docker holds no ACR credentials yet"
		switch {
		case listErr != nil:
			why = "the credential store could not be listed (" + listErr.Error() + ")"
		case len(misnamed) > 0:
			slices.Sort(misnamed)
			if n := len(misnamed); n > 3 {
				misnamed = append(misnamed[:3], fmt.Sprintf("and %d more", n-3))
			}
			why = "the ACR keys Docker holds name no registry (" + strings.Join(misnamed, ", ") + "; " + invokedAs + " creds says why)"
		}
		return nil, usagef("%s: name the registries (%s configure myreg.azurecr.io), or use --store", why, invokedAs)
	}
	return hosts, nil
}

// validHost: a host name, with a port or not, as a credHelpers key.
func validHost(h string) bool {
	name, port, _ := strings.Cut(h, ":")
	for _, label := range strings.Split(name, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' ||
			strings.IndexFunc(label, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) >= 0 {
			return false
		}
	}
	return strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// checkBackend makes sure Docker will find the wrapper and the wrapper
// its backend: a configure that breaks docker login is worse than none.
func checkBackend(ctx context.Context, backend string) error {
	self, err := exec.LookPath(helperProgram)
	if err != nil {
		return fmt.Errorf("%s is not on PATH, so Docker would fail to run it: make install puts it in ~/.local/bin; add that to PATH", helperProgram)
	}
	program := "docker-credential-" + backend
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("the store to wrap, %s, is not on PATH (install it, or name another with --backend)", program)
	}
	if sameFile(path, self) {
		return fmt.Errorf("%s is %s itself: it would wrap itself", path, helperProgram)
	}
	ctx, cancel := context.WithTimeout(ctx, backendTimeout)
	defer cancel()
	if err := (&credstore.Store{Timeout: backendTimeout}).Usable(ctx, backend); err != nil {
		return fmt.Errorf("the store to wrap does not work, and the wrapper would fail the same way: %v", err)
	}
	return nil
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// printEdits previews edits, a line each. A key of config.json may hold
// anything, a line feed too, and Preview splits an edit's text into lines:
// so the keys are made safe before, and each line (whose values are JSON,
// which may still hold a bidi control) after.
func printEdits(out io.Writer, edits []configedit.Edit) {
	shown := make([]configedit.Edit, len(edits))
	for i, e := range edits {
		e.Path = termsafe.Lines(e.Path)
		shown[i] = e
	}
	for _, line := range configedit.Preview(shown) {
		fmt.Fprintf(out, "  %s\n", safe(line))
	}
}

// confirm asks on a terminal; off one, only --yes applies.
func confirm(dockerCLI command.Cli, assumeYes bool) (bool, error) {
	if assumeYes {
		return true, nil
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	if !dockerCLI.In().IsTerminal() {
		fmt.Fprintln(out, "Nothing written: run again with --yes to apply.")
		return false, nil
	}
	fmt.Fprint(out, "Apply? [y/N] ")
	if !yes(dockerCLI.In()) {
		fmt.Fprintln(out, "Nothing written.")
		return false, nil
	}
	return true, nil
}

func writeError(err error) error {
	if errors.Is(err, configedit.ErrChanged) {
		return usagef("%v; nothing was written: run the command again", err)
	}
	return err
}

func undoConfigure(ctx context.Context, dockerCLI command.Cli, opts configureOptions) error {
	ed, err := editor()
	if err != nil {
		return err
	}
	rec, err := ed.Last(configPath())
	if errors.Is(err, configedit.ErrNothingToUndo) {
		return unwrapUnrecorded(dockerCLI, ed, opts, err)
	}
	if err != nil {
		return err
	}
	u, err := planUndo(ctx, ed, rec, opts.force)
	if err != nil {
		return err
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	fmt.Fprintf(out, "Reverting the configure of %s in %s:\n", rec.Time.Local().Format("2006-01-02 15:04:05"), safe(rec.Config))
	printEdits(out, configedit.Diff(u.File.Doc, u.Doc(opts.force)))
	if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
		return err
	}
	if err := ed.Commit(u, opts.force); err != nil {
		return writeError(err)
	}
	fmt.Fprintln(out, "Reverted.")
	if rec.Backup != "" {
		fmt.Fprintf(out, "The file as it was before that configure is kept as %s.\n", safe(rec.Backup))
	}
	return nil
}

// unwrapUnrecorded is --undo with no run recorded: nothing to do, unless
// config.json still sends registries to the wrapper (a docker login that
// was running during an undo writes its copy back), which --force sends
// back to the store the wrapper wraps.
func unwrapUnrecorded(dockerCLI command.Cli, ed *configedit.Editor, opts configureOptions, nothing error) error {
	f, err := configedit.Read(configPath())
	if err != nil {
		return usageError{nothing}
	}
	keys := configedit.Wrapped(f.Doc)
	if len(keys) == 0 {
		return usageError{nothing}
	}
	doc, err := configedit.Unwrap(f.Doc)
	if err != nil {
		return usageError{err}
	}
	if !opts.force {
		return usagef("%v, but it still sends %s to %s (a docker login running during an undo writes its copy back): run with --force to send them back to the store it wraps", nothing, strings.Join(keys, ", "), helperProgram)
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	fmt.Fprintf(out, "Sending %s back to the store the wrapper wraps:\n", safe(f.Name))
	printEdits(out, configedit.Diff(f.Doc, doc))
	if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
		return err
	}
	if _, err := ed.Apply(f, &configedit.Plan{Doc: doc}); err != nil {
		return writeError(err)
	}
	fmt.Fprintln(out, "Done. Undo with: "+safe(undoCommand()+yesFlag(opts.yes)))
	return nil
}

// yesFlag is --yes for the undo of a run that was given it: where nothing
// asked (a script, CI), the undo must not wait to be asked either.
func yesFlag(yes bool) string {
	if yes {
		return " --yes"
	}
	return ""
}

// planUndo plans reverting rec and refuses, unless forced, an undo that
// would lose something: a key changed since, or a credential stored
// through the wrapper that Docker would no longer find.
func planUndo(ctx context.Context, ed *configedit.Editor, rec *configedit.Record, force bool) (*configedit.Undo, error) {
	u, err := ed.PlanUndo(rec)
	if err != nil {
		return nil, usageError{err}
	}
	return u, safeUndo(ctx, u, force)
}

func safeUndo(ctx context.Context, u *configedit.Undo, force bool) error {
	rec := u.Record
	if len(u.Conflicts) > 0 && !force {
		return usagef("%v; run with --force to revert them anyway", &configedit.ConflictError{Config: rec.Config, Conflicts: u.Conflicts})
	}
	if force {
		return nil
	}
	hidden, backend, err := unwrapped(ctx, u)
	if err != nil {
		return usagef("not reverting %s: %v", rec.Config, err)
	}
	if len(hidden) > 0 {
		return usagef("reverting %s would hide the credentials docker-credential-%s keeps for %s from Docker, which would then look elsewhere: run docker logout for them first, and log in again after, or run with --force", rec.Config, backend, strings.Join(hidden, ", "))
	}
	return nil
}

// unwrapped lists the registries whose credentials the undo would hide,
// asking the backend which it holds only when the undo reroutes some.
func unwrapped(ctx context.Context, u *configedit.Undo) (hidden []string, backend string, err error) {
	def := configjson.DefaultStore()
	before, after := u.File.Doc, u.Doc(false)
	backend = before.String("plugins", configedit.Helper, setting.Backend)
	if backend == "" {
		backend = def
	}
	rerouted := false
	for _, e := range configedit.Diff(before, after) {
		rerouted = rerouted || e.Path[0] == "credsStore" || e.Path[0] == "credHelpers"
	}
	if !rerouted || !configjson.ValidHelperName(backend) || backend == configedit.Helper {
		return nil, backend, nil
	}
	ctx, cancel := context.WithTimeout(ctx, backendTimeout)
	defer cancel()
	held, err := (credstore.Helper{Name: backend, Timeout: backendTimeout}).List(ctx)
	if err != nil {
		return nil, backend, fmt.Errorf("cannot tell which credentials the wrapper's store keeps (%v); run with --force to revert anyway", err)
	}
	return configedit.Unwrapped(before, after, def, slices.Collect(func(yield func(string) bool) {
		for k := range held {
			yield(k)
		}
	})), backend, nil
}

// newUninstallCommand is what install.sh --uninstall runs before removing
// the binaries: it reverts every configure, on every config.json, checks
// that none still sends a registry to the wrapper, and removes the state
// directory. It refuses, changing nothing further, where that would lose
// something; the binaries stay until it succeeds, so Docker keeps working.
func newUninstallCommand(dockerCLI command.Cli) *cobra.Command {
	var opts configureOptions
	cmd := &cobra.Command{
		Use:    "uninstall [--yes] [--force]",
		Short:  "Revert every configure and remove acr-doctor's state (install.sh --uninstall runs it)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return safeError(uninstall(cmd.Context(), dockerCLI, opts))
		},
	}
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "Apply without asking")
	cmd.Flags().BoolVar(&opts.force, "force", false, "Revert keys that have changed since, too")
	return cmd
}

func uninstall(ctx context.Context, dockerCLI command.Cli, opts configureOptions) error {
	ed, err := editor()
	if err != nil {
		return err
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	if !opts.yes {
		fmt.Fprintln(out, "Nothing changed: run again with --yes to revert every configure and remove "+safe(ed.Dir)+".")
		return nil
	}
	recs, err := ed.Records()
	if err != nil {
		return err
	}
	// Every run is checked before any is reverted, each over the file as
	// reverting the newer ones leaves it, so a refusal changes nothing.
	after := map[string]*configedit.File{}
	var undo []*configedit.Record
	for _, rec := range recs {
		f := after[rec.Config]
		if f == nil {
			if f, err = configedit.Read(rec.Config); err != nil {
				// What cannot be rewritten may be left as it is only if
				// Docker, which reads more leniently, does not find the
				// wrapper in it either.
				if s, lerr := configjson.LoadSettings(filepath.Dir(rec.Config)); lerr == nil && configjson.RoutesToWrapper(s.CredsStore, s.CredHelpers) {
					return usagef("cannot revert the configure of %s, which Docker still reads as sending registries to %s: %v; fix the file, then uninstall again", rec.Config, helperProgram, err)
				}
				if opts.force {
					fmt.Fprintf(out, "left alone: %s\n", safe(err.Error()))
					continue
				}
				return usagef("cannot revert the configure of %s: %v; fix the file, or run with --force to leave it as it is", rec.Config, err)
			}
		}
		u, err := configedit.Revert(rec, f)
		if err != nil {
			return usageError{err}
		}
		if err := safeUndo(ctx, u, opts.force); err != nil {
			return err
		}
		after[rec.Config] = &configedit.File{Name: f.Name, Exists: f.Exists, Doc: u.Doc(opts.force)}
		undo = append(undo, rec)
	}
	if name, err := configedit.Canonical(configPath()); err == nil && after[name] == nil {
		if f, err := configedit.Read(name); err == nil {
			after[name] = f
		}
	}
	// What no run explains but still sends registries to the wrapper
	// (set by hand, or written back by a docker login that was running
	// during an undo) would break Docker once the wrapper is gone.
	var unwrap []string
	for name, f := range after {
		if keys := configedit.Wrapped(f.Doc); len(keys) > 0 {
			if !opts.force {
				return usagef("%s still sends %s to %s, with no configure run to revert: if %s fix set that up, take it back first (%s fix --undo --yes); else remove it, or run with --force to send those registries back to the store the wrapper wraps", name, strings.Join(keys, ", "), helperProgram, invokedAs, invokedAs)
			}
			unwrap = append(unwrap, name)
		}
	}
	for _, rec := range undo {
		u, err := planUndo(ctx, ed, rec, opts.force)
		if err != nil {
			return err
		}
		if err := ed.Commit(u, opts.force); err != nil {
			return writeError(err)
		}
		fmt.Fprintf(out, "reverted the configure of %s in %s\n", rec.Time.Local().Format("2006-01-02 15:04:05"), safe(rec.Config))
	}
	for _, name := range unwrap {
		f, err := configedit.Read(name)
		if err != nil {
			return usageError{err}
		}
		doc, err := configedit.Unwrap(f.Doc)
		if err != nil {
			return usageError{fmt.Errorf("%s: %w", name, err)}
		}
		if _, err := ed.Apply(f, &configedit.Plan{Doc: doc}); err != nil {
			return writeError(err)
		}
		fmt.Fprintf(out, "unwrapped %s\n", safe(name))
	}
	// A journal moved by ACRDOCTOR_JOURNAL goes too, if it is a file:
	// never what it names otherwise (/dev/null, to turn it off).
	if p, ok := journal.Path(os.Getenv); ok && !strings.HasPrefix(p, ed.Dir+string(filepath.Separator)) {
		for _, f := range []string{p, p + ".lock"} {
			removeFile(out, f)
		}
	}
	if _, err := os.Lstat(ed.Dir); err == nil {
		if err := os.RemoveAll(ed.Dir); err != nil {
			// config.json is reverted: the rest is only files of ours.
			fmt.Fprintf(out, "could not remove %s: %s\n", safe(ed.Dir), safe(err.Error()))
			return nil
		}
		fmt.Fprintf(out, "removed %s\n", safe(ed.Dir))
	}
	return nil
}

// removeFile removes a regular file, saying so; anything else it leaves.
func removeFile(out io.Writer, name string) {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	if err := os.Remove(name); err != nil {
		fmt.Fprintf(out, "could not remove %s: %s\n", safe(name), safe(err.Error()))
		return
	}
	fmt.Fprintf(out, "removed %s\n", safe(name))
}
