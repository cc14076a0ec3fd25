package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/repair"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

type fixOptions struct {
	yes, step, undo bool
	timeout         time.Duration
	out             output
}

func newFixCommand(dockerCLI command.Cli) *cobra.Command {
	var opts fixOptions
	cmd := &cobra.Command{
		Use:   "fix [OPTIONS] [REGISTRY...]",
		Short: "Repair what the check finds in Docker's credentials, after showing the plan",
		Long: `Find the repairs of local credential state for the ACR registries named (or
every ACR registry Docker holds credentials for), show them with the same
change made by hand, and apply them after a yes (or with --yes); then check
each registry touched again and show it before and after. Nothing in Azure
is changed: those fixes stay commands that check prints.

Repairs, each in the store that holds the credential (config.json, or the
credential helper through its own get, store and erase):
  - a credential stored under a key Docker never looks up for the
    registry's images (upper case, a port) moves to the key it does;
  - a credential Docker should not send (the registry refuses it and
    allows anonymous pull, or it is an ACR token for another registry) is
    logged out: moved aside to parked.acrdoctor.invalid/<run>/<key>, a key
    no image names, where --undo finds it again;
  - an ACR refresh token expired or expiring within 5 minutes is renewed
    with the Azure identity here (a service principal or workload
    identity in AZURE_* variables, a managed identity, the Azure CLI's
    login), as docker-credential-acrdoctor renews; the old token is set
    aside for --undo. Where there is none, fix says which login to run.
    Where the token lives in a credential helper and
    docker-credential-acrdoctor is installed, fix also offers to send
    the registry to it, as configure does: it renews on the way;
  - a credential helper named in credsStore or credHelpers that is not
    installed is replaced by the first that stores and erases a probe
    here (secretservice, pass, osxkeychain, wincred, desktop); a
    credHelpers entry for a key config.json holds a credential for is
    dropped instead. A helper that runs but fails (a locked keyring) is
    left to check's advice.
What changed since the plan was shown is not touched.
No secret is printed, and none is written anywhere but where the store
kept it.

Off a terminal, fix changes nothing without --yes. It exits 1, as check
does, while a registry still fails. --undo takes back the last fix run,
and refuses where what it moved has changed since.`,
		Example: `  docker acrdoctor fix
  docker acrdoctor fix myreg.azurecr.io --yes
  docker acrdoctor fix --undo --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.out.parse(); err != nil {
				return err
			}
			if opts.undo {
				if len(args) > 0 || opts.step {
					return usagef("--undo takes no registries and no --step")
				}
				return safeError(undoFix(cmd.Context(), dockerCLI, opts))
			}
			return safeError(runFix(cmd.Context(), dockerCLI, opts, args))
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&opts.yes, "yes", "y", false, "Apply without asking")
	fs.BoolVar(&opts.step, "step", false, "On a terminal, ask for each repair rather than once for the plan")
	fs.BoolVar(&opts.undo, "undo", false, "Take back the last fix run of this config.json")
	fs.DurationVar(&opts.timeout, "timeout", 30*time.Second, "Time limit for each check, before and after")
	addFormatFlag(fs, &opts.out)
	return cmd
}

// fixReport is fix's JSON: the plan, what was done, and each registry
// touched before and after.
type fixReport struct {
	Plan    repair.Plan   `json:"plan"`
	Applied []repair.Move `json:"applied"`
	Outcome []fixOutcome  `json:"outcome"`
	Error   string        `json:"error,omitempty"`
}

type fixOutcome struct {
	Registry string `json:"registry"`
	Before   string `json:"before"`
	After    string `json:"after"`
	Healthy  bool   `json:"healthy"`
}

func repairer(dockerCLI command.Cli, timeout time.Duration) (*repair.Repairer, error) {
	dir, ok := statedir.Dir(os.Getenv)
	if !ok {
		return nil, usagef("no home directory to keep fix's records in: set HOME or XDG_STATE_HOME")
	}
	cfg, err := loadStore(dockerCLI, "")
	if err != nil {
		return nil, err
	}
	return &repair.Repairer{Store: &credstore.Store{Config: cfg, Timeout: timeout}, Config: configPath(), Dir: dir}, nil
}

func runFix(ctx context.Context, dockerCLI command.Cli, opts fixOptions, args []string) error {
	rp, err := repairer(dockerCLI, opts.timeout)
	if err != nil {
		return err
	}
	var hosts []string
	for _, a := range args {
		h, _ := check.ParseTarget(a)
		if !validHost(h) {
			return usagef("%q is not a registry: name its login server (myreg.azurecr.io) or its resource name (myreg)", a)
		}
		hosts = append(hosts, h)
	}
	// The check first: a repair answers what it found.
	live, stores := check.Run(ctx, rp.Store, check.Options{Targets: hosts, Timeout: opts.timeout}, nil)
	if more := rp.Unchecked(ctx, live); len(more) > 0 {
		extra, _ := check.Run(ctx, rp.Store, check.Options{Targets: more, Timeout: opts.timeout}, nil)
		live = append(live, extra...)
	}
	rep := fixReport{Plan: rp.Plan(ctx, hosts, live), Applied: []repair.Move{}, Outcome: []fixOutcome{}}
	for _, st := range stores {
		planned := slices.ContainsFunc(rep.Plan.Moves, func(m repair.Move) bool { return m.Setting == "credsStore" })
		if i := slices.IndexFunc(st.Causes, func(c cause.Cause) bool { return c.Severity == cause.Error }); i >= 0 && !planned {
			rep.Plan.Skipped = append(rep.Plan.Skipped, repair.Skip{Key: st.Source, Why: "no local repair: " + st.Causes[i].Evidence})
		}
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	text := !opts.out.json() && !opts.out.template()
	if text {
		printPlan(out, rep.Plan)
	}
	chosen := rep.Plan.Moves
	if len(chosen) > 0 && text {
		if chosen, err = choose(dockerCLI, opts, chosen); err != nil {
			return err
		}
	} else if !opts.yes {
		chosen = nil // JSON and templates change nothing without --yes
	}
	if len(chosen) > 0 {
		before := statuses(live)
		var unchecked []string
		for _, m := range chosen {
			if _, ok := before[m.Registry]; !ok && m.Kind != repair.SetHelper {
				unchecked = append(unchecked, m.Registry)
			}
		}
		maps.Copy(before, checkStatus(ctx, rp.Store, opts.timeout, unchecked))
		rec, applyErr := rp.Apply(ctx, chosen)
		if rec != nil {
			rep.Applied = rec.Moves
		}
		if applyErr != nil {
			rep.Error = applyErr.Error()
		}
		// The check reads config.json afresh: a move in it changed it.
		if fresh, err := repairer(dockerCLI, opts.timeout); err == nil {
			rp = fresh
		}
		// A helper named or dropped changes what Docker finds for every
		// registry it served: those are checked again too.
		var touched []string
		for _, m := range rep.Applied {
			switch {
			case m.Kind != repair.SetHelper:
				touched = append(touched, m.Registry)
			case m.Registry != "":
				touched = append(touched, m.Registry)
			default:
				for reg := range before {
					touched = append(touched, reg)
				}
			}
		}
		after := checkStatus(ctx, rp.Store, opts.timeout, touched)
		for _, m := range rep.Applied {
			if m.Kind == repair.SetHelper {
				rep.Outcome = append(rep.Outcome, helperOutcome(ctx, rp.Store, m))
			}
		}
		for _, reg := range slices.Sorted(maps.Keys(after)) {
			a := after[reg]
			rep.Outcome = append(rep.Outcome, fixOutcome{Registry: reg, Before: before[reg].word, After: a.word, Healthy: a.healthy})
		}
	}
	if err := render(&opts.out, dockerCLI.Out(), rep, rep.Plan.Moves, func() { printOutcome(out, rep) }); err != nil {
		return err
	}
	if rep.Error != "" {
		if text {
			return errors.New(rep.Error)
		}
		return errProblem
	}
	// Exit 1, as check does, while a registry still fails: one not
	// repaired (no repair, no yes), or repaired and failing still.
	after := map[string]bool{}
	for _, o := range rep.Outcome {
		after[o.Registry] = o.Healthy
	}
	for _, m := range rep.Applied {
		if ok, checked := after[m.Registry]; checked {
			after[m.From] = ok // a key moved or parked stands for its registry
		}
	}
	for _, r := range live {
		if ok, checked := after[r.Registry.Registry]; !checked && !r.Healthy || checked && !ok {
			return errProblem
		}
	}
	if slices.ContainsFunc(rep.Outcome, func(o fixOutcome) bool { return !o.Healthy }) {
		return errProblem
	}
	return nil
}

// choose asks, on a terminal, for the whole plan or each move (--step);
// off one, only --yes applies anything.
func choose(dockerCLI command.Cli, opts fixOptions, moves []repair.Move) ([]repair.Move, error) {
	if !opts.step || opts.yes || !dockerCLI.In().IsTerminal() {
		if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
			return nil, err
		}
		return moves, nil
	}
	var chosen []repair.Move
	out := safeOutput(dockerCLI.Out(), palette{})
	for i, m := range moves {
		fmt.Fprintf(out, "%d. %s? [y/N] ", i+1, safe(short(m)))
		if yes(dockerCLI.In()) {
			chosen = append(chosen, m)
		}
	}
	return chosen, nil
}

// short is a repair in a few words, for --step's question.
func short(m repair.Move) string {
	switch m.Kind {
	case repair.LogOut:
		return "log Docker out of " + m.Registry
	case repair.Renew:
		return "renew the token under " + m.From
	case repair.Configure:
		return "have the acr-doctor credential helper answer for " + m.Registry
	case repair.SetHelper:
		if m.To == "" {
			return "drop " + m.Setting
		}
		return "name docker-credential-" + m.To + " in " + m.Setting
	}
	return "move " + m.From + " to " + m.To
}

// yes reads one answer line, y or yes, a byte at a time: a buffered
// reader would take the next answers (--step asks several) with it.
func yes(in io.Reader) bool {
	var b [1]byte
	var line []byte
	for len(line) < 1024 {
		if n, err := in.Read(b[:]); n == 0 || err != nil || b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	a := strings.ToLower(strings.TrimSpace(string(line)))
	return a == "y" || a == "yes"
}

func printPlan(w io.Writer, p repair.Plan) {
	if len(p.Skipped) > 0 {
		fmt.Fprintln(w, "Left alone:")
		for _, s := range p.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", safe(s.Key), safe(s.Why))
		}
	}
	if len(p.Moves) == 0 {
		fmt.Fprintln(w, "Nothing to repair in Docker's credentials.")
		return
	}
	fmt.Fprintf(w, "Repairs (%s):\n", azure.Count(len(p.Moves), "repair"))
	for i, m := range p.Moves {
		switch m.Kind {
		case repair.Configure:
			fmt.Fprintf(w, "  %d. have the acr-doctor credential helper answer for %s (credHelpers in %s, and the store it wraps)\n", i+1, safe(m.Registry), safe(configPath()))
		case repair.Renew:
			fmt.Fprintf(w, "  %d. renew the ACR refresh token under %s, in %s, with the Azure identity here (%s); the old one is set aside at %s\n", i+1, safe(m.From), safe(storeText(m.Source)), safe(m.Identity), safe(m.To))
		case repair.SetHelper:
			if m.To == "" {
				fmt.Fprintf(w, "  %d. drop docker-credential-%s from %s of %s\n", i+1, safe(m.From), safe(m.Setting), safe(configPath()))
			} else {
				fmt.Fprintf(w, "  %d. name docker-credential-%s in %s of %s, in place of docker-credential-%s\n", i+1, safe(m.To), safe(m.Setting), safe(configPath()), safe(m.From))
			}
		case repair.LogOut:
			fmt.Fprintf(w, "  %d. log Docker out of %s: move the credential under %s aside, to %s, in %s\n", i+1, safe(m.Registry), safe(m.From), safe(m.To), safe(storeText(m.Source)))
		default:
			fmt.Fprintf(w, "  %d. move the credential under %s to %s, the key Docker looks up, in %s\n", i+1, safe(m.From), safe(m.To), safe(storeText(m.Source)))
		}
		fmt.Fprintf(w, "     why: %s\n", safe(m.Why))
		fmt.Fprintf(w, "     by hand: %s\n", safe(strings.Join(m.Manual, "; then ")))
		if len(m.Then) > 0 {
			fmt.Fprintf(w, "     then: %s\n", safe(strings.Join(m.Then, "; then ")))
		}
	}
}

func printOutcome(w io.Writer, rep fixReport) {
	for _, o := range rep.Outcome {
		fmt.Fprintf(w, "%s: %s → %s\n", safe(o.Registry), o.Before, o.After)
	}
	if len(rep.Applied) > 0 {
		fmt.Fprintln(w, "Done. Undo with: "+safe(undoOf("fix")))
	}
}

// storeText names a store as fix's plan does.
func storeText(src credstore.Source) string {
	if src.Kind == credstore.File {
		return configPath()
	}
	return fmt.Sprintf("docker-credential-%s (%s)", src.Helper, src.Kind)
}

type status struct {
	word    string
	healthy bool
}

// checkStatus checks the registries, live, and says of each what the
// check's first line says.
func checkStatus(ctx context.Context, store *credstore.Store, timeout time.Duration, registries []string) map[string]status {
	if len(registries) == 0 {
		return map[string]status{}
	}
	results, _ := check.Run(ctx, store, check.Options{Targets: slices.Compact(slices.Sorted(slices.Values(registries))), Timeout: timeout}, nil)
	return statuses(results)
}

func statuses(results []check.Result) map[string]status {
	out := map[string]status{}
	for _, r := range results {
		out[r.Registry.Registry] = status{word: statusWord(r.Registry), healthy: r.Healthy}
	}
	return out
}

// helperOutcome says of a credential helper fix named whether it answers
// now, as Docker's next login will need it to.
func helperOutcome(ctx context.Context, store *credstore.Store, m repair.Move) fixOutcome {
	o := fixOutcome{Registry: m.Setting, Before: "docker-credential-" + m.From + " fails", After: "no helper: credentials in config.json", Healthy: true}
	if m.To != "" {
		o.After = "docker-credential-" + m.To + " answers"
		if err := store.Usable(ctx, m.To); err != nil {
			o.After, o.Healthy = "docker-credential-"+m.To+" fails: "+err.Error(), false
		}
	}
	return o
}

// statusWord is a registry's verdict in the words of check's first line.
func statusWord(r report.Registry) string {
	switch {
	case r.LoginFailed:
		return "login fails"
	case !r.Healthy:
		return "problem"
	case len(r.Causes) > 0:
		return "warning"
	}
	return "healthy"
}

func undoFix(ctx context.Context, dockerCLI command.Cli, opts fixOptions) error {
	rp, err := repairer(dockerCLI, opts.timeout)
	if err != nil {
		return err
	}
	rec, err := rp.Last()
	if err != nil {
		return usageError{err}
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	fmt.Fprintf(out, "The fix of %s takes back:\n", rec.Time.Local().Format("2006-01-02 15:04:05"))
	for _, m := range rec.Moves {
		switch m.Kind {
		case repair.Configure:
			fmt.Fprintf(out, "  have %s's store answer for it directly again\n", safe(m.Registry))
		case repair.SetHelper:
			fmt.Fprintf(out, "  name docker-credential-%s in %s again\n", safe(m.From), safe(m.Setting))
		case repair.Renew:
			fmt.Fprintf(out, "  put the old token back under %s, from %s, in place of the renewed one, in %s\n", safe(m.From), safe(m.To), safe(storeText(m.Source)))
		default:
			fmt.Fprintf(out, "  move the credential under %s back to %s, in %s\n", safe(m.To), safe(m.From), safe(storeText(m.Source)))
		}
	}
	if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
		return err
	}
	if err := rp.Undo(ctx, rec); err != nil {
		return err
	}
	fmt.Fprintln(out, "Undone.")
	return nil
}
