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
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
)

type fixOptions struct {
	yes, step, undo bool
	timeout         time.Duration
	tool            string
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
With --tool, the files of Podman (and Buildah, Skopeo) and Helm are
repaired too, each in its own file, with its own commands by hand: there
fix renews and logs out, and leaves moving keys and naming helpers to
Docker's config.json. regctl's file is in its own format, which fix does
not write.
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
	fs.BoolVar(&opts.undo, "undo", false, "Take back the last fix run of this config.json (with --tool, of the tool's files)")
	fs.DurationVar(&opts.timeout, "timeout", 30*time.Second, "Time limit for each check, before and after")
	addToolFlag(fs, &opts.tool)
	addFormatFlag(fs, &opts.out)
	return cmd
}

// fixReport is fix's JSON: the plan, what was done, and each registry
// touched before and after.
type fixReport struct {
	// Files are, with --tool, the files fix read, each with why it was
	// left alone when it was.
	Files   []report.ToolFile `json:"files,omitempty"`
	Plan    repair.Plan       `json:"plan"`
	Applied []repair.Move     `json:"applied"`
	Outcome []fixOutcome      `json:"outcome"`
	Error   string            `json:"error,omitempty"`
}

type fixOutcome struct {
	Registry string `json:"registry"`
	Before   string `json:"before"`
	After    string `json:"after"`
	Healthy  bool   `json:"healthy"`
	// Tool and File are, with --tool, whose file the registry was
	// checked in.
	Tool string `json:"tool,omitempty"`
	File string `json:"file,omitempty"`
}

// fixUnit is one file fix repairs: Docker's config.json, or with --tool
// each file the tool reads, in its order. rp is nil for a file fix does
// not write: the file's Error or Note says why.
type fixUnit struct {
	file report.ToolFile
	// store is nil when the file could not be read; dup is set when an
	// earlier unit reads the same file the same way.
	store *credstore.Store
	dup   bool
	rp    *repair.Repairer
	live  []check.Result
	// storeFails: a store of the file fails, and no repair names another.
	storeFails bool
}

// fixUnits are the files fix repairs, each once: Podman reads Docker's
// config.json too, which is repaired as Docker reads it.
func fixUnits(dockerCLI command.Cli, opts fixOptions) ([]fixUnit, error) {
	dir, ok := statedir.Dir(os.Getenv)
	if !ok {
		return nil, usagef("no home directory to keep fix's records in: set HOME or XDG_STATE_HOME")
	}
	if opts.tool == "" {
		cfg, err := loadStore(dockerCLI, "")
		if err != nil {
			return nil, err
		}
		store := &credstore.Store{Config: cfg, Timeout: opts.timeout}
		return []fixUnit{{store: store, rp: &repair.Repairer{Store: store, Config: configPath(), Dir: dir}}}, nil
	}
	srcs, err := sources(dockerCLI, "", opts.tool, opts.timeout)
	if err != nil {
		return nil, err
	}
	run := repair.RunID(time.Now())
	out := make([]fixUnit, len(srcs))
	// The unit that reads each file first, by the file itself: a link, a
	// hard link or another spelling of its path is the same file.
	var firsts []int
	var infos []os.FileInfo
	for i, src := range srcs {
		u := fixUnit{file: src.file, store: src.store}
		info, _ := os.Stat(src.file.File)
		j, seen := -1, false
		for k, fi := range infos {
			if info != nil && fi != nil && os.SameFile(info, fi) {
				j, seen = firsts[k], true
				break
			}
		}
		// Docker reads a credsStore the file names; Podman reads the
		// file's auths: there the same file is two stores.
		seen = seen && !(src.store != nil && out[j].store != nil && out[j].store.Config.CredsStore != "" && src.store.Config.CredsStore == "")
		switch {
		case seen:
			u.dup = true
			u.file.Note = "the file " + out[j].file.Tool + " reads too: repaired as " + out[j].file.Tool + "'s, above"
		case src.store == nil:
		case src.file.Tool == string(tools.Regctl):
			// regctl keeps its own format, which configedit does not write.
			u.file.Note = "regctl's own format, which fix does not write: run the commands check --tool regctl prints (regctl registry login and logout)"
		default:
			u.rp = &repair.Repairer{Store: src.store, Config: src.file.File, Dir: dir, Tool: tools.Tool(src.file.Tool), Run: run}
		}
		if j < 0 {
			firsts, infos = append(firsts, i), append(infos, info)
		}
		out[i] = u
	}
	return out, nil
}

// mine reports whether a move or a skip of tool's file is u's: a file is
// repaired once, by the first unit that reads it.
func (u fixUnit) mine(tool, file string) bool {
	return !u.dup && tool == u.file.Tool && file == u.file.File
}

func runFix(ctx context.Context, dockerCLI command.Cli, opts fixOptions, args []string) error {
	units, err := fixUnits(dockerCLI, opts)
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
	rep := fixReport{Plan: repair.Plan{Moves: []repair.Move{}, Skipped: []repair.Skip{}}, Applied: []repair.Move{}, Outcome: []fixOutcome{}}
	for i := range units {
		u := &units[i]
		if opts.tool != "" {
			rep.Files = append(rep.Files, u.file)
		}
		if u.store == nil || u.dup {
			continue
		}
		p := u.plan(ctx, hosts, opts.timeout)
		rep.Plan.Moves = append(rep.Plan.Moves, p.Moves...)
		rep.Plan.Skipped = append(rep.Plan.Skipped, p.Skipped...)
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	text := !opts.out.json() && !opts.out.template()
	if text {
		printPlan(out, rep.Plan, units)
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
		// Every file is repaired, whatever failed in another; the errors
		// are said together.
		var errs []error
		for i := range units {
			if units[i].rp == nil {
				continue
			}
			applied, outcome, err := units[i].apply(ctx, chosen, opts.timeout)
			rep.Applied = append(rep.Applied, applied...)
			rep.Outcome = append(rep.Outcome, outcome...)
			if err != nil {
				if opts.tool != "" {
					err = fmt.Errorf("%s: %w", units[i].file.File, err)
				}
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			rep.Error = err.Error()
		}
	}
	if err := render(&opts.out, dockerCLI.Out(), rep, rep.Plan.Moves, func() { printOutcome(out, rep, opts) }); err != nil {
		return err
	}
	if rep.Error != "" {
		// Each repair that failed on a line of its own; the exit status is
		// check's for a problem, in text as in JSON.
		if text {
			for _, l := range strings.Split(rep.Error, "\n") {
				fmt.Fprintln(dockerCLI.Err(), "acrdoctor: "+safe(l))
			}
		}
		return errProblem
	}
	if stillFailing(rep, units) {
		return errProblem
	}
	return nil
}

// plan runs the check over u's file, then plans its repairs; a file fix
// does not write has its failing registries left alone.
func (u *fixUnit) plan(ctx context.Context, hosts []string, timeout time.Duration) repair.Plan {
	rp := u.rp
	if rp == nil {
		u.live, _ = check.Run(ctx, u.store, check.Options{Targets: hosts, Timeout: timeout}, nil)
		p := repair.Plan{}
		for _, r := range u.live {
			if !r.Healthy {
				p.Skipped = append(p.Skipped, repair.Skip{Key: r.Registry.Registry, Why: "fails: " + statusWord(r.Registry) + "; the check shows the commands that fix it", Tool: u.file.Tool, File: u.file.File})
			}
		}
		return p
	}
	// The check first: a repair answers what it found.
	live, stores := check.Run(ctx, rp.Store, check.Options{Targets: hosts, Timeout: timeout}, nil)
	if more := rp.Unchecked(ctx, live); len(more) > 0 {
		extra, _ := check.Run(ctx, rp.Store, check.Options{Targets: more, Timeout: timeout}, nil)
		live = append(live, extra...)
	}
	u.live = live
	p := rp.Plan(ctx, hosts, live)
	for _, st := range stores {
		planned := slices.ContainsFunc(p.Moves, func(m repair.Move) bool { return m.Setting == "credsStore" })
		if i := slices.IndexFunc(st.Causes, func(c cause.Cause) bool { return c.Severity == cause.Error }); i >= 0 && !planned {
			p.Skipped = append(p.Skipped, repair.Skip{Key: st.Source, Why: "no local repair: " + st.Causes[i].Evidence, Tool: u.file.Tool, File: u.file.File})
			u.storeFails = true
		}
	}
	return p
}

// apply carries out the chosen moves that are u's, then checks again each
// registry they touched, and says of each what it was before and is
// after.
func (u *fixUnit) apply(ctx context.Context, chosen []repair.Move, timeout time.Duration) ([]repair.Move, []fixOutcome, error) {
	var moves []repair.Move
	for _, m := range chosen {
		if u.mine(m.Tool, m.File) {
			moves = append(moves, m)
		}
	}
	if len(moves) == 0 {
		return nil, nil, nil
	}
	rp := u.rp
	before := statuses(u.live)
	var unchecked []string
	for _, m := range moves {
		if _, ok := before[m.Registry]; !ok && m.Kind != repair.SetHelper {
			unchecked = append(unchecked, m.Registry)
		}
	}
	maps.Copy(before, checkStatus(ctx, rp.Store, timeout, unchecked))
	rec, applyErr := rp.Apply(ctx, moves)
	var applied []repair.Move
	if rec != nil {
		applied = rec.Moves
	}
	// The check reads the file afresh: a move in it changed it.
	store := rp.Store
	if cfg, err := rp.Reread(os.Getenv); err == nil {
		store = &credstore.Store{Config: cfg, Timeout: timeout}
	}
	// A helper named or dropped changes what Docker finds for every
	// registry it served: those are checked again too.
	var touched []string
	for _, m := range applied {
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
	after := checkStatus(ctx, store, timeout, touched)
	var outcome []fixOutcome
	for _, m := range applied {
		if m.Kind == repair.SetHelper {
			outcome = append(outcome, helperOutcome(ctx, store, m))
		}
	}
	for _, reg := range slices.Sorted(maps.Keys(after)) {
		a := after[reg]
		outcome = append(outcome, fixOutcome{Registry: reg, Before: before[reg].word, After: a.word, Healthy: a.healthy, Tool: u.file.Tool, File: u.file.File})
	}
	return applied, outcome, applyErr
}

// stillFailing: as check does, fix exits 1 while a registry still fails,
// one not repaired (no repair, no yes), or repaired and failing still.
func stillFailing(rep fixReport, units []fixUnit) bool {
	if report.Unreadable(rep.Files) || slices.ContainsFunc(rep.Outcome, func(o fixOutcome) bool { return !o.Healthy }) {
		return true
	}
	for _, u := range units {
		if u.storeFails {
			return true
		}
		after := map[string]bool{}
		for _, o := range rep.Outcome {
			if u.mine(o.Tool, o.File) {
				after[o.Registry] = o.Healthy
			}
		}
		for _, m := range rep.Applied {
			if ok, checked := after[m.Registry]; checked && u.mine(m.Tool, m.File) {
				after[m.From] = ok // a key moved or parked stands for its registry
			}
		}
		for _, r := range u.live {
			if ok, checked := after[r.Registry.Registry]; !checked && !r.Healthy || checked && !ok {
				return true
			}
		}
	}
	return false
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
		if m.File != "" {
			return "log " + tools.Tool(m.Tool).Name() + " out of " + m.Registry + ", in " + m.File
		}
		return "log Docker out of " + m.Registry
	case repair.Renew:
		if m.File != "" {
			return "renew the token under " + m.From + ", in " + m.File
		}
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

func printPlan(w io.Writer, p repair.Plan, units []fixUnit) {
	n := 0
	for _, u := range units {
		var skips []repair.Skip
		var moves []repair.Move
		for _, sk := range p.Skipped {
			if u.mine(sk.Tool, sk.File) {
				skips = append(skips, sk)
			}
		}
		for _, m := range p.Moves {
			if u.mine(m.Tool, m.File) {
				moves = append(moves, m)
			}
		}
		who := tools.Tool(u.file.Tool).Name()
		if u.file.Tool != "" {
			fmt.Fprintf(w, "%s %s\n", safe(u.file.Tool), safe(u.file.File))
			for _, s := range []string{u.file.Error, u.file.Note} {
				if s != "" && u.rp == nil {
					fmt.Fprintf(w, "  left alone: %s\n", safe(s))
				}
			}
		}
		if len(skips) > 0 {
			fmt.Fprintln(w, "Left alone:")
			for _, sk := range skips {
				fmt.Fprintf(w, "  %s: %s\n", safe(sk.Key), safe(sk.Why))
			}
		}
		if u.rp == nil {
			fmt.Fprintln(w)
			continue
		}
		if len(moves) == 0 {
			fmt.Fprintf(w, "Nothing to repair in %s's credentials.\n", who)
			if u.file.Tool != "" {
				fmt.Fprintln(w)
			}
			continue
		}
		fmt.Fprintf(w, "Repairs (%s):\n", azure.Count(len(moves), "repair"))
		for _, m := range moves {
			n++
			where := storeText(m)
			switch m.Kind {
			case repair.Configure:
				fmt.Fprintf(w, "  %d. have the acr-doctor credential helper answer for %s (credHelpers in %s, and the store it wraps)\n", n, safe(m.Registry), safe(configPath()))
			case repair.Renew:
				fmt.Fprintf(w, "  %d. renew the ACR refresh token under %s, in %s, with the Azure identity here (%s); the old one is set aside at %s\n", n, safe(m.From), safe(where), safe(m.Identity), safe(m.To))
			case repair.SetHelper:
				if m.To == "" {
					fmt.Fprintf(w, "  %d. drop docker-credential-%s from %s of %s\n", n, safe(m.From), safe(m.Setting), safe(configPath()))
				} else {
					fmt.Fprintf(w, "  %d. name docker-credential-%s in %s of %s, in place of docker-credential-%s\n", n, safe(m.To), safe(m.Setting), safe(configPath()), safe(m.From))
				}
			case repair.LogOut:
				fmt.Fprintf(w, "  %d. log %s out of %s: move the credential under %s aside, to %s, in %s\n", n, who, safe(m.Registry), safe(m.From), safe(m.To), safe(where))
			default:
				fmt.Fprintf(w, "  %d. move the credential under %s to %s, the key Docker looks up, in %s\n", n, safe(m.From), safe(m.To), safe(where))
			}
			fmt.Fprintf(w, "     why: %s\n", safe(m.Why))
			fmt.Fprintf(w, "     by hand: %s\n", safe(strings.Join(m.Manual, "; then ")))
			if len(m.Then) > 0 {
				fmt.Fprintf(w, "     then: %s\n", safe(strings.Join(m.Then, "; then ")))
			}
		}
		if u.file.Tool != "" {
			fmt.Fprintln(w)
		}
	}
}

func printOutcome(w io.Writer, rep fixReport, opts fixOptions) {
	for _, o := range rep.Outcome {
		where := ""
		if o.File != "" {
			where = " (" + o.Tool + ", " + o.File + ")"
		}
		fmt.Fprintf(w, "%s%s: %s → %s\n", safe(o.Registry), safe(where), o.Before, o.After)
	}
	undo := safe(undoOf("fix") + toolFlag(opts.tool) + yesFlag(opts.yes))
	switch {
	case len(rep.Applied) > 0 && rep.Error != "":
		fmt.Fprintf(w, "Partly done: %d of %s applied; what failed follows. Undo what was applied with: %s\n", len(rep.Applied), azure.Count(len(rep.Plan.Moves), "repair"), undo)
	case len(rep.Applied) > 0:
		fmt.Fprintln(w, "Done. Undo with: "+undo)
	}
}

// toolFlag is --tool as a command that takes it back names it.
func toolFlag(tool string) string {
	if tool == "" {
		return ""
	}
	return " --tool " + tool // one of tools.Parse's words
}

// storeText names the store of m as fix's plan does.
func storeText(m repair.Move) string {
	switch {
	case m.Source.Kind != credstore.File:
		return fmt.Sprintf("docker-credential-%s (%s)", m.Source.Helper, m.Source.Kind)
	case m.File != "":
		return m.File
	}
	return configPath()
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
	units, err := fixUnits(dockerCLI, opts)
	if err != nil {
		return err
	}
	dir, _ := statedir.Dir(os.Getenv) // fixUnits has it
	recs, err := repair.Records(dir)
	if err != nil {
		return err
	}
	// The newest run that repaired a file asked about, in every file it
	// repaired: --tool podman takes back a --tool all run whole.
	var run []*repair.Record
	for _, rec := range slices.Backward(recs) {
		if slices.ContainsFunc(units, func(u fixUnit) bool { return u.rp != nil && u.rp.Config == rec.Config }) {
			run = append(run, rec)
			break
		}
	}
	for _, rec := range slices.Backward(recs) {
		if len(run) > 0 && rec != run[0] && run[0].Run != "" && rec.Run == run[0].Run {
			run = append(run, rec)
		}
	}
	if len(run) == 0 {
		what := configPath()
		if opts.tool != "" {
			what = "the files of --tool " + opts.tool
		}
		return usageError{fmt.Errorf("%w: no fix run is recorded for %s", repair.ErrNothingToUndo, what)}
	}
	out := safeOutput(dockerCLI.Out(), palette{})
	fmt.Fprintf(out, "The fix of %s takes back:\n", run[0].Time.Local().Format("2006-01-02 15:04:05"))
	for _, rec := range run {
		for _, m := range rec.Moves {
			switch m.Kind {
			case repair.Configure:
				fmt.Fprintf(out, "  have %s's store answer for it directly again\n", safe(m.Registry))
			case repair.SetHelper:
				fmt.Fprintf(out, "  name docker-credential-%s in %s again\n", safe(m.From), safe(m.Setting))
			case repair.Renew:
				fmt.Fprintf(out, "  put the old token back under %s, from %s, in place of the renewed one, in %s\n", safe(m.From), safe(m.To), safe(storeText(m)))
			default:
				fmt.Fprintf(out, "  move the credential under %s back to %s, in %s\n", safe(m.To), safe(m.From), safe(storeText(m)))
			}
		}
	}
	if ok, err := confirm(dockerCLI, opts.yes); !ok || err != nil {
		return err
	}
	var errs []error
	for _, rec := range run {
		rp := &repair.Repairer{Config: rec.Config, Dir: dir, Tool: tools.Tool(rec.Tool)}
		cfg, err := rp.Reread(os.Getenv)
		if err == nil {
			rp.Store = &credstore.Store{Config: cfg, Timeout: opts.timeout}
			err = rp.Undo(ctx, rec)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rec.Config, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintln(out, "Undone.")
	return nil
}
