package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/debug"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/inventory"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

type credsOptions struct {
	authfile string
	tool     string
	all      bool
	timeout  time.Duration
	out      output
}

func newCredsCommand(dockerCLI command.Cli) *cobra.Command {
	var opts credsOptions
	cmd := &cobra.Command{
		Use:   "creds [OPTIONS]",
		Short: "Show the credentials Docker holds for ACR registries (offline)",
		Long: `Show every credential Docker would use for an ACR registry, resolved as Docker
resolves it (DOCKER_AUTH_CONFIG, credHelpers, credsStore, then auths in
config.json): where it lives, what kind it is, its decoded token and expiry,
and what is wrong with it. Nothing is sent over the network.`,
		Example: `  docker acrdoctor creds
  docker acrdoctor creds --all --format json
  docker acrdoctor creds --format '{{.Registry}} {{.Kind}}{{with .Token}} {{.ExpiresAt}}{{end}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return safeError(runCreds(cmd, dockerCLI, &opts))
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&opts.all, "all", "a", false, "Also list registries that are not ACR")
	fs.DurationVar(&opts.timeout, "timeout", 5*time.Second, "How long a credential helper may take to answer")
	addFormatFlag(fs, &opts.out)
	addAuthfileFlag(fs, &opts.authfile)
	addToolFlag(fs, &opts.tool)
	return cmd
}

func runCreds(cmd *cobra.Command, dockerCLI command.Cli, opts *credsOptions) error {
	if err := opts.out.parse(); err != nil {
		return err
	}
	if opts.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	srcs, err := sources(dockerCLI, opts.authfile, opts.tool, opts.timeout)
	if err != nil {
		return err
	}
	now := time.Now()
	rep := report.Creds{Credentials: []report.Credential{}}
	for _, src := range srcs {
		if opts.tool != "" {
			rep.Files = append(rep.Files, src.file)
		}
		if src.store == nil {
			continue
		}
		if debug.IsEnabled() {
			src.store.Trace = helperTracer(dockerCLI)
		}
		r := inventory.Take(cmd.Context(), src.store, opts.all, now)
		if rep.Config == "" {
			rep.Config = r.Config
		}
		if opts.tool != "" {
			for i := range r.Credentials {
				src.tag(&r.Credentials[i])
			}
			src.tagStores(r.Stores)
		}
		rep.Credentials = append(rep.Credentials, r.Credentials...)
		rep.Stores = append(rep.Stores, r.Stores...)
	}
	shadow(rep.Credentials)

	out := dockerCLI.Out()
	err = render(&opts.out, out, rep, rep.Credentials, func() {
		p := newPalette(dockerCLI)
		textWriter{w: safeOutput(out, p), p: p, now: now, fixes: map[string]bool{}}.creds(rep, opts.all)
	})
	if err != nil {
		return err
	}
	failedStores(dockerCLI.Err(), &opts.out, rep.Stores, "creds")
	if rep.Failed() {
		return errProblem
	}
	return nil
}

// failedStores says on w which stores failed, where a template shows
// only the items (entries, registries): a store that failed would leave
// an empty output and a status of 1 unexplained. command is the one that
// says why.
func failedStores(w io.Writer, o *output, stores []report.Store, command string) {
	if !o.template() {
		return
	}
	for _, s := range stores {
		if !cause.Failed(s.Causes) {
			continue
		}
		which := safe(storeName(s))
		if s.Default && s.File == "" {
			which += " (Docker's default: config.json names no store)"
		}
		fmt.Fprintf(w, "%s: the credential store %s fails; %s %s says why\n", name, which, invokedAs, command)
	}
}

// helperTracer prints each helper run to stderr for -D. Helpers run in
// parallel, hence the lock. The server is a config key and the error
// quotes the helper: both are made safe.
func helperTracer(dockerCLI command.Cli) func(credstore.Call) {
	var mu sync.Mutex
	return func(c credstore.Call) {
		mu.Lock()
		defer mu.Unlock()
		outcome := "ok"
		if c.Err != nil {
			outcome = c.Err.Error()
		}
		call := safe(c.Program) + " " + safe(c.Action)
		if c.Server != "" { // list names none
			call += " " + safe(c.Server)
		}
		fmt.Fprintf(dockerCLI.Err(), "DEBU %s: %s in %s\n", call, safe(outcome), c.Duration.Round(time.Millisecond))
	}
}

func (t textWriter) creds(rep report.Creds, all bool) {
	if len(rep.Files) == 0 {
		fmt.Fprintf(t.w, "%s %s\n", t.p.dim("config:"), safe(rep.Config))
	}
	for _, s := range rep.Stores {
		note := ""
		if s.Default && s.File == "" {
			note = " (Docker's default on this machine: config.json names no store)"
		}
		count := fmt.Sprintf("%d entries", s.Entries)
		switch {
		case cause.Failed(s.Causes):
			count = "entries not known" // it could not be listed
		case s.Entries == 1:
			count = "1 entry"
		}
		fmt.Fprintf(t.w, "%s %s%s, %s\n", t.p.dim("store: "), safe(storeName(s)), note, count)
		t.causes(s.Causes)
	}
	fmt.Fprintln(t.w)
	what := "ACR credential"
	if all {
		what = "credential"
	}
	var problems, warnings int
	show := func(c report.Credential) {
		t.credential(c)
		switch {
		case cause.Failed(c.Causes):
			problems++
		case len(c.Causes) > 0:
			warnings++
		}
	}
	if len(rep.Files) == 0 {
		for _, c := range rep.Credentials {
			show(c)
		}
	}
	// With --tool, each file's entries under its name.
	for _, f := range rep.Files {
		t.toolHeader(f)
		n := 0
		for _, c := range rep.Credentials {
			if c.Tool == f.Tool && c.File == f.File {
				show(c)
				n++
			}
		}
		if n == 0 && f.Error == "" {
			fmt.Fprintf(t.w, "  no %s here\n\n", what)
		}
	}
	if len(rep.Credentials) == 0 {
		fmt.Fprintf(t.w, "No %ss found.", what)
		switch {
		case slices.ContainsFunc(rep.Stores, func(s report.Store) bool { return cause.Failed(s.Causes) }):
			// A login would go to the store that failed.
			fmt.Fprint(t.w, " The credential store above cannot be read: mend it first, then log in.")
		case !all && !report.Unreadable(rep.Files):
			fmt.Fprint(t.w, " Log in with: az acr login -n <registry>   (--all lists the other registries)")
		}
		fmt.Fprintln(t.w)
		return
	}
	fmt.Fprintf(t.w, "%s: %d with problems, %d with warnings.\n", azure.Count(len(rep.Credentials), what), problems, warnings)
}
