package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

const (
	helperName = "acrdoctor" // docker-credential-acrdoctor
	backupExt  = ".acrdoctor-backup"
)

type configureOptions struct {
	hooks   bool
	store   bool
	backend string
	yes     bool
	undo    bool
}

func newConfigureCommand(dockerCLI command.Cli) *cobra.Command {
	var opts configureOptions
	cmd := &cobra.Command{
		Use:   "configure [OPTIONS] [REGISTRY...]",
		Short: "Opt in to docker-credential-acrdoctor for ACR registries",
		Long: `Point Docker at docker-credential-acrdoctor for the ACR registries named (or
every ACR registry Docker holds credentials for), as credHelpers entries, or
for everything with --store; and record the store it wraps in
plugins.acrdoctor.credential-backend. The change is shown first and applied
after a yes (or with --yes); config.json is written atomically and the
previous one kept beside it, so --undo restores it.`,
		Example: `  docker acrdoctor configure myreg.azurecr.io
  docker acrdoctor configure --store --backend pass --yes
  docker acrdoctor configure --undo`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.undo {
				if len(args) > 0 || opts.store || opts.backend != "" {
					return usagef("--undo takes no registries and no other options")
				}
				return undoConfigure(dockerCLI, opts)
			}
			return runConfigure(dockerCLI, opts, args)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.store, "store", false, `Use the helper for every registry ("credsStore")`)
	fs.BoolVar(&opts.hooks, "hooks", false, `Enable Docker's CLI hooks: a hint after a failed push, pull or login to ACR (alone, only the hooks are configured)`)
	fs.StringVar(&opts.backend, "backend", "", `The store to wrap: a helper suffix (pass, secretservice, osxkeychain, wincred, desktop) or "file"; default: the one in use`)
	fs.BoolVarP(&opts.yes, "yes", "y", false, "Apply without asking")
	fs.BoolVar(&opts.undo, "undo", false, "Restore the config.json saved by the last configure")
	return cmd
}

// change is one edit of config.json, shown before it is made.
type change struct{ key, from, to string }

func (c change) String() string {
	switch {
	case c.from == "":
		return fmt.Sprintf("+ %s: %q", c.key, c.to)
	case c.to == "":
		return fmt.Sprintf("- %s: %q", c.key, c.from)
	}
	return fmt.Sprintf("~ %s: %q → %q", c.key, c.from, c.to)
}

// plan computes the new config.json from the old one. It is pure, so it
// is table-tested; raw is the file's contents ("" when there is none).
func plan(raw []byte, cfg *credstore.Config, opts configureOptions, hosts []string) ([]byte, []change, error) {
	doc := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, err
		}
	}
	backend := opts.backend
	if backend == "" {
		backend = cfg.PluginSetting("credential-backend")
	}
	if backend == "" && cfg.CredsStore != helperName {
		backend = cfg.CredsStore
	}
	if backend == "" {
		backend = "file"
	}
	if backend == helperName {
		return nil, nil, errors.New(`--backend acrdoctor would make the helper wrap itself`)
	}
	var changes []change
	plugins := map[string]map[string]string{}
	for k, v := range cfg.Plugins {
		plugins[k] = v
	}
	mine := map[string]string{}
	for k, v := range plugins[helperName] {
		mine[k] = v
	}
	set := func(key, val string) {
		if mine[key] != val {
			changes = append(changes, change{"plugins.acrdoctor." + key, mine[key], val})
			mine[key] = val
		}
	}
	if opts.hooks {
		features := map[string]string{}
		if v, ok := doc["features"]; ok {
			_ = json.Unmarshal(v, &features)
		}
		if features["hooks"] != "true" {
			changes = append(changes, change{"features.hooks", features["hooks"], "true"})
			features["hooks"] = "true"
		}
		doc["features"], _ = json.Marshal(features)
		// hooks for Docker 26.1 and later; error-hooks, which run only
		// after a failure, for 29.3 and later.
		set("hooks", hookCommands)
		set("error-hooks", hookCommands)
	}
	hooksOnly := opts.hooks && !opts.store && len(hosts) == 0
	switch {
	case hooksOnly:
	case opts.store:
		if cfg.CredsStore != helperName {
			changes = append(changes, change{"credsStore", cfg.CredsStore, helperName})
			doc["credsStore"], _ = json.Marshal(helperName)
		}
	default:
		helpers := map[string]string{}
		for k, v := range cfg.CredHelpers {
			helpers[k] = v
		}
		for _, h := range hosts {
			switch cur := helpers[h]; cur {
			case helperName:
			case "":
				helpers[h] = helperName
				changes = append(changes, change{"credHelpers." + h, "", helperName})
			default:
				return nil, nil, fmt.Errorf("credHelpers already sends %s to docker-credential-%s; remove that entry first, or configure --store", h, cur)
			}
		}
		doc["credHelpers"], _ = json.Marshal(helpers)
	}
	if !hooksOnly {
		set("credential-backend", backend)
	}
	plugins[helperName] = mine
	doc["plugins"], _ = json.Marshal(plugins)
	out, err := json.MarshalIndent(doc, "", "\t")
	return append(out, '\n'), changes, err
}

func runConfigure(dockerCLI command.Cli, opts configureOptions, args []string) error {
	dir := config.Dir()
	filename := filepath.Join(dir, "config.json")
	raw, err := os.ReadFile(filename)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usageError{err}
	}
	// Refuse to rewrite what cannot be read: the user's settings would go.
	// Load also picks Docker's default store when the file names none.
	cfg, err := credstore.Load(dir, func(string) string { return "" })
	if err != nil {
		return usageError{fmt.Errorf("not changing a config.json that cannot be read: %w", err)}
	}
	var hosts []string
	for _, a := range args {
		h, _ := check.ParseTarget(a)
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 && !opts.store && !opts.hooks {
		for key := range cfg.Auths {
			if _, acr := loginserver.Check(key); acr && !slices.Contains(hosts, loginserver.Host(key)) {
				hosts = append(hosts, loginserver.Host(key))
			}
		}
		for key := range cfg.CredHelpers {
			if _, acr := loginserver.Check(key); acr && !slices.Contains(hosts, loginserver.Host(key)) {
				hosts = append(hosts, loginserver.Host(key))
			}
		}
		slices.Sort(hosts)
		if len(hosts) == 0 {
			return usagef("Docker holds no ACR credentials yet: name the registries (docker acrdoctor configure myreg.azurecr.io), or use --store")
		}
	}
	newRaw, changes, err := plan(raw, cfg, opts, hosts)
	if err != nil {
		return usageError{err}
	}
	out := dockerCLI.Out()
	if len(changes) == 0 {
		fmt.Fprintf(out, "%s already uses docker-credential-acrdoctor as asked.\n", filename)
		return nil
	}
	fmt.Fprintf(out, "Changes to %s:\n", filename)
	for _, c := range changes {
		fmt.Fprintf(out, "  %s\n", c)
	}
	if _, err := exec.LookPath("docker-credential-" + helperName); err != nil {
		fmt.Fprintln(out, "warning: docker-credential-acrdoctor is not on PATH; Docker will fail to find it (make install puts it in ~/.local/bin)")
	}
	if !opts.yes {
		if !dockerCLI.In().IsTerminal() {
			fmt.Fprintln(out, "Nothing written: run again with --yes to apply.")
			return nil
		}
		fmt.Fprint(out, "Apply? [y/N] ")
		answer, _ := bufio.NewReader(dockerCLI.In()).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "Nothing written.")
			return nil
		}
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(filename); err == nil {
		mode = fi.Mode().Perm()
		if err := atomicfile.Write(filename+backupExt, raw, mode); err != nil {
			return fmt.Errorf("keeping the old config.json: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := atomicfile.Write(filename, newRaw, mode); err != nil {
		return err
	}
	fmt.Fprintf(out, "Written. The previous file is %s; undo with: docker acrdoctor configure --undo\n", filename+backupExt)
	return nil
}

func undoConfigure(dockerCLI command.Cli, opts configureOptions) error {
	filename := filepath.Join(config.Dir(), "config.json")
	backup := filename + backupExt
	raw, err := os.ReadFile(backup)
	if err != nil {
		return usagef("nothing to undo: %s does not exist", backup)
	}
	out := dockerCLI.Out()
	if !opts.yes && !dockerCLI.In().IsTerminal() {
		fmt.Fprintf(out, "Would restore %s from %s. Nothing written: run again with --yes.\n", filename, backup)
		return nil
	}
	fi, err := os.Stat(backup)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filename, raw, fi.Mode().Perm()); err != nil {
		return err
	}
	if err := os.Remove(backup); err != nil {
		return err
	}
	fmt.Fprintf(out, "Restored %s from %s.\n", filename, backup)
	return nil
}
