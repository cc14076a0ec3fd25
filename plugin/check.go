package main

import (
	"context"
	"fmt"
	"io"
	"os"
	runtimedebug "runtime/debug"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/debug"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/azure"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
)

type checkOptions struct {
	authfile    string
	tool        string
	repo        string
	push        bool
	offline     bool
	azure       bool
	timeout     time.Duration
	stepTimeout time.Duration
	verbose     bool
	out         output
}

func addCheckFlags(cmd *cobra.Command, opts *checkOptions) {
	fs := cmd.Flags()
	fs.StringVar(&opts.repo, "repo", "", "Repository whose pull (and push) permission is probed")
	fs.BoolVar(&opts.push, "push", false, "Probe push permission as well as pull")
	fs.BoolVar(&opts.offline, "offline", false, "Do not use the network: only what the credential store shows")
	fs.BoolVar(&opts.azure, "azure", false, "Also read the registry's Azure settings, your permissions on it and its login events, with an Azure identity from the environment (default: plugins.acrdoctor.azure)")
	fs.DurationVar(&opts.timeout, "timeout", 15*time.Second, "Time limit for the whole check")
	fs.DurationVar(&opts.stepTimeout, "step-timeout", 5*time.Second, "Time limit for each network step")
	fs.BoolVarP(&opts.verbose, "verbose", "v", false, "Show every step, not only those that failed, and the Log Analytics query behind a refused login")
	addFormatFlag(fs, &opts.out)
	addAuthfileFlag(fs, &opts.authfile)
	addToolFlag(fs, &opts.tool)
}

func newCheckCommand(dockerCLI command.Cli) *cobra.Command {
	var opts checkOptions
	cmd := &cobra.Command{
		Use:   "check [OPTIONS] [REGISTRY|IMAGE...]",
		Short: "Replay Docker's login to ACR registries and say what is wrong (the default)",
		Long: `Replay, for every ACR registry in Docker's credential store or each one named,
the login Docker performs: DNS, TCP, TLS, the /v2/ challenge, the token request
with the stored credential exactly as Docker sends it, and a probe of the
granted scope; then name the cause of any failure and the commands that fix it.
A registry can be named by its login server (myreg.azurecr.io), its resource
name (myreg) or an image reference (myreg.azurecr.io/team/app:1, whose
repository is then probed).`,
		Example: `  docker acrdoctor
  docker acrdoctor check myreg.azurecr.io --push --repo team/app
  docker acrdoctor check --format json
  docker acrdoctor check myreg.azurecr.io --azure`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, dockerCLI, &opts, args)
		},
	}
	addCheckFlags(cmd, &opts)
	return cmd
}

func runCheck(cmd *cobra.Command, dockerCLI command.Cli, opts *checkOptions, args []string) error {
	return safeError(checkRun(cmd, dockerCLI, opts, args))
}

func checkRun(cmd *cobra.Command, dockerCLI command.Cli, opts *checkOptions, args []string) error {
	// A check lives a fraction of a second and holds a few MiB: collecting
	// garbage a fifth as often saves an eighth of its CPU, which sixteen
	// registries' handshakes share with everything else on the machine.
	// A GOGC the user set stays theirs.
	if os.Getenv("GOGC") == "" {
		runtimedebug.SetGCPercent(400)
	}
	if err := opts.out.parse(); err != nil {
		return err
	}
	if opts.timeout <= 0 || opts.stepTimeout <= 0 {
		return usagef("--timeout and --step-timeout must be positive")
	}
	if opts.offline && opts.azure {
		return usagef("--azure reads Azure over the network; it cannot be used with --offline")
	}
	srcs, err := sources(dockerCLI, opts.authfile, opts.tool, min(opts.stepTimeout, opts.timeout))
	if err != nil {
		return err
	}
	var entries []journal.Entry
	if path, ok := journal.Path(os.Getenv); ok {
		// What the credential helper gave Docker in the last day; a
		// journal that cannot be read only means no such step.
		entries, _ = journal.Read(path, time.Now().Add(-24*time.Hour))
	}
	useAzure := opts.azure
	if !cmd.Flags().Changed("azure") {
		useAzure = azureByDefault(dockerCLI)
	}
	copts := check.Options{
		Journal:     entries,
		Targets:     args,
		Repository:  opts.repo,
		Push:        opts.push,
		Offline:     opts.offline,
		Timeout:     opts.timeout,
		StepTimeout: opts.stepTimeout,
	}
	if useAzure && !opts.offline { // a default of on yields to --offline
		copts.Azure = &azure.Inspector{StepTimeout: opts.stepTimeout}
	}

	out := dockerCLI.Out()
	text := !opts.out.json() && !opts.out.template()
	p := newPalette(dockerCLI)
	tw := textWriter{w: safeOutput(out, p), p: p, now: time.Now(), verbose: opts.verbose, fixes: map[string]bool{}, offline: opts.offline}
	progress := newProgress(dockerCLI, text)
	var mu sync.Mutex
	emit := func(r check.Result) {
		mu.Lock()
		defer mu.Unlock()
		progress.clear()
		if text {
			tw.registry(r.Registry)
		}
		if debug.IsEnabled() && r.Transcript != nil {
			writeTranscript(dockerCLI.Err(), r.Transcript)
		}
		progress.done()
	}
	// The Docker client is asked its version while the registries are
	// checked.
	dockerc := make(chan report.Docker, 1)
	dctx, cancel := context.WithTimeout(cmd.Context(), opts.timeout)
	defer cancel()
	go func() { dockerc <- dockerClient(dctx) }()
	progress.start()
	rep := report.Check{Registries: []report.Registry{}}
	for _, src := range srcs {
		if opts.tool != "" {
			rep.Files = append(rep.Files, src.file)
			if text {
				progress.clear()
				tw.toolHeader(src.file)
			}
		}
		if src.store == nil {
			continue
		}
		if debug.IsEnabled() {
			src.store.Trace = helperTracer(dockerCLI)
		}
		results, stores := check.Run(cmd.Context(), src.store, copts, func(r check.Result) {
			if opts.tool != "" {
				src.adopt(&r.Registry)
			}
			emit(r)
		})
		if text && opts.tool != "" && len(results) == 0 {
			fmt.Fprint(tw.w, "  no ACR registry here\n\n")
		}
		for _, r := range results {
			if opts.tool != "" {
				src.adopt(&r.Registry)
			}
			rep.Registries = append(rep.Registries, r.Registry)
		}
		if opts.tool != "" {
			src.tagStores(stores)
		}
		rep.Stores = append(rep.Stores, stores...)
	}
	progress.clear()
	docker := <-dockerc
	rep.Docker = &docker
	creds := make([]report.Credential, len(rep.Registries))
	for i := range rep.Registries {
		creds[i] = rep.Registries[i].Credential
	}
	shadow(creds) // for JSON: the text is out already
	for i := range rep.Registries {
		rep.Registries[i].Credential = creds[i]
	}
	if err := render(&opts.out, out, rep, rep.Registries, func() { tw.checkSummary(rep) }); err != nil {
		return err
	}
	failedStores(dockerCLI.Err(), &opts.out, rep.Stores, "check")
	if rep.Failed() {
		return errProblem
	}
	return nil
}

func (t textWriter) registry(r report.Registry) {
	status := statusWord(r)
	if t.offline && status == "healthy" {
		status = "no problem seen offline"
	}
	switch {
	case !r.Healthy:
		status = t.p.red(status)
	case len(r.Causes) > 0:
		status = t.p.yellow(status)
	default:
		status = t.p.green(status)
	}
	fmt.Fprintf(t.w, "%s  %s\n", t.p.bold(safe(r.Registry)), status)
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	steps, passed := r.Steps, []string(nil)
	if !t.verbose {
		steps, passed = foldSteps(r.Steps)
	}
	for _, s := range steps {
		mark := t.p.green("ok")
		switch s.Status {
		case report.StepFail:
			mark = t.p.red("fail")
		case report.StepWarn:
			mark = t.p.yellow("warn")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", safe(string(s.Name)), mark, t.p.dim(fmt.Sprintf("%dms", s.DurationMS)), safe(s.Detail))
		if s.Name == report.StepCredential && len(passed) > 0 {
			t.folded(tw, passed)
			passed = nil
		}
	}
	if len(passed) > 0 {
		t.folded(tw, passed)
	}
	tw.Flush()
	t.causes(r.Causes)
	if ev := r.LoginEvents; ev != nil {
		t.loginEvents(ev)
	}
	fmt.Fprintln(t.w)
}

// loginEvents prints the query over the registry's own log of the failed
// login, the command that runs it, and what it returned. The query's line
// feeds are its own; each of its lines, and each event, is made safe.
func (t textWriter) loginEvents(ev *report.LoginEvents) {
	if !t.verbose && !ev.Ran {
		runs := "--azure runs it"
		if ev.Error != "" {
			runs = "which --azure could not run here (above)" // it was asked to
		}
		fmt.Fprintf(t.w, "  %s the registry logged this login; --verbose shows the Log Analytics query that finds it, %s\n", t.p.dim("advanced:"), runs)
		return
	}
	fmt.Fprintf(t.w, "  %s the registry's log of this login (ContainerRegistryLoginEvents, when resource logs go to Log Analytics):\n", t.p.dim("advanced:"))
	if t.verbose {
		fmt.Fprintf(t.w, "      %s\n", strings.Join(termsafe.Lines(strings.Split(ev.Query, "\n")), "\n      "))
		fmt.Fprintf(t.w, "      → %s\n", safe(ev.Command))
	}
	if !ev.Ran {
		return
	}
	if len(ev.Events) == 0 {
		fmt.Fprintln(t.w, "      no matching events")
		return
	}
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "      TIME\tIDENTITY\tCALLER IP\tRESULT\tDESCRIPTION")
	for _, e := range ev.Events {
		desc := e.ResultDescription
		if desc == e.ResultType {
			desc = "" // a success says "200" twice
		}
		fmt.Fprintf(tw, "      %s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format("2006-01-02 15:04:05"), safe(e.Identity), safe(e.CallerIPAddress), safe(e.ResultType), safe(desc))
	}
	tw.Flush()
}

// folded is the one line of the steps that passed. Its cells are
// coloured as a step's are, so that tabwriter, which counts the colour
// codes as width, lines it up with them.
func (t textWriter) folded(tw io.Writer, names []string) {
	fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", fmt.Sprintf("%d more", len(names)), t.p.green("ok"), t.p.dim(""), safe(strings.Join(names, ", ")))
}

// foldSteps splits a check's steps into those shown whole (the credential,
// and every step that did not pass) and the names of the others, which
// fold into one line. A single passed step is shown whole: folding it
// saves nothing.
func foldSteps(all []report.Step) (shown []report.Step, passed []string) {
	for _, s := range all {
		if s.Status == report.StepOK && s.Name != report.StepCredential {
			passed = append(passed, string(s.Name))
		}
	}
	if len(passed) < 2 {
		return all, nil
	}
	for _, s := range all {
		if s.Status != report.StepOK || s.Name == report.StepCredential {
			shown = append(shown, s)
		}
	}
	return shown, passed
}

// azureByDefault is plugins.acrdoctor.azure: whether checks read the
// Azure side without being asked.
func azureByDefault(dockerCLI command.Cli) bool {
	return setting.On(dockerCLI.ConfigFile().Plugins[setting.Name][setting.Azure])
}

func (t textWriter) checkSummary(rep report.Check) {
	// The Docker client is named only when something is wrong with it
	// (JSON always has it).
	if d := rep.Docker; d != nil && len(d.Causes) > 0 {
		if d.Path != "" {
			fmt.Fprintf(t.w, "%s %s %s\n", t.p.dim("docker:"), safe(d.Path), safe(d.Version))
		}
		t.causes(d.Causes)
		fmt.Fprintln(t.w)
	}
	for _, s := range rep.Stores {
		if len(s.Causes) > 0 {
			fmt.Fprintf(t.w, "%s %s\n", t.p.dim("store: "), safe(storeName(s)))
			t.causes(s.Causes)
			fmt.Fprintln(t.w)
		}
	}
	if len(rep.Registries) == 0 {
		if report.Unreadable(rep.Files) {
			fmt.Fprintln(t.w, "A file above could not be read, so the registries it holds are not known: fix it.")
			return
		}
		if rep.Failed() {
			fmt.Fprintf(t.w, "The store above could not be listed, so the registries it holds are not known: fix it, or name one: %s check myreg.azurecr.io\n", invokedAs)
			return
		}
		where := "Docker's credential store"
		if len(rep.Files) > 0 {
			where = "these files"
		}
		fmt.Fprintf(t.w, "No ACR registries in %s. Name one: %s check myreg.azurecr.io\n", where, invokedAs)
		return
	}
	var failing int
	for _, r := range rep.Registries {
		if !r.Healthy {
			failing++
		}
		// Which of a tool's files wins for a registry is known only once
		// all are read: it is said here, below the entries.
		if c := r.Credential; len(c.Shadowed) > 0 && c.Tool == string(tools.Podman) {
			fmt.Fprintf(t.w, "%s %s: %s reads %s; also stored in %s, which it does not read for this registry\n\n",
				t.p.yellow("note:"), safe(r.Registry), safe(c.Tool), safe(c.File), safe(strings.Join(c.Shadowed, ", ")))
		}
	}
	noun := "registry"
	if len(rep.Files) > 0 {
		noun = "credential" // a registry is checked once per tool file holding it
	}
	checked := azure.Count(len(rep.Registries), noun)
	if noun == "registry" && len(rep.Registries) != 1 {
		checked = fmt.Sprintf("%d registries", len(rep.Registries))
	}
	healthy := "healthy"
	if t.offline {
		healthy = "with no problem seen offline"
	}
	if failing == 0 && rep.Failed() {
		// The exit status is 1: say why, where the eye ends, and call
		// nothing healthy that Docker's own problem fails.
		fmt.Fprintf(t.w, "%s checked: no problem of a registry's own; the problem above is Docker's own, and fails every registry.\n", checked)
		return
	}
	fmt.Fprintf(t.w, "%s checked: %d %s, %d with problems.\n", checked, len(rep.Registries)-failing, healthy, failing)
}

// writeTranscript prints what was sent and received, for -D. Transcripts
// hold no secret: Authorization is never recorded, bodies are scrubbed.
// What the registry sent is untrusted: each value, and each line of a
// body, is made safe.
func writeTranscript(w io.Writer, t *probe.Transcript) {
	fmt.Fprintf(w, "DEBU transcript %s (proxy %q)\n", safe(t.Registry), t.Proxy)
	for _, ex := range t.Exchanges {
		writeExchange(w, ex)
	}
	if len(t.Unused) > 0 {
		fmt.Fprintln(w, "DEBU sent beside the challenge to ACR's usual realm, which the challenge did not confirm (not judged):")
		for _, ex := range t.Unused {
			writeExchange(w, ex)
		}
	}
}

func writeExchange(w io.Writer, ex probe.Exchange) {
	cred := ""
	if ex.SentCredential {
		cred = " [stored credential sent, not shown]"
	}
	fmt.Fprintf(w, "DEBU > %s %s%s\n", safe(ex.Method), safe(ex.URL), cred)
	if ex.Err != "" {
		fmt.Fprintf(w, "DEBU < error (%s): %s\n", safe(string(ex.ErrKind)), safe(ex.Err))
		return
	}
	fmt.Fprintf(w, "DEBU < %d in %s\n", ex.Status, ex.Duration.Round(time.Millisecond))
	if ex.Refused != "" {
		fmt.Fprintf(w, "DEBU <   refused, nothing sent: %s\n", safe(ex.Refused))
	}
	for k, vs := range ex.Header {
		for _, v := range vs {
			fmt.Fprintf(w, "DEBU <   %s: %s\n", safe(k), safe(v))
		}
	}
	if b := strings.TrimSpace(ex.Body); b != "" {
		fmt.Fprintf(w, "DEBU <   %s\n", strings.Join(termsafe.Lines(strings.Split(b, "\n")), "\nDEBU <   "))
	}
}

// progress is the one-line status shown on a terminal while registries
// are checked; nothing elsewhere.
type progress struct {
	w  io.Writer
	on bool
	n  int
}

func newProgress(dockerCLI command.Cli, text bool) *progress {
	return &progress{w: dockerCLI.Err(), on: text && dockerCLI.Err().IsTerminal() && !debug.IsEnabled()}
}

func (p *progress) start() {
	if p.on {
		fmt.Fprint(p.w, "checking…")
	}
}

func (p *progress) done() {
	p.n++
	if p.on {
		fmt.Fprintf(p.w, "checking… %d done", p.n)
	}
}

func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
