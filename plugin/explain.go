package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/explain"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// maxExplainInput bounds what explain reads: logs longer than this are
// cut to their last part by the caller, where the errors are.
const maxExplainInput = explain.MaxInput

// maxExplainRead bounds what explain reads of its input at all.
const maxExplainRead = 256 << 20

func newExplainCommand(dockerCLI command.Cli) *cobra.Command {
	var out output
	var noLocal bool
	cmd := &cobra.Command{
		Use:   "explain [OPTIONS] [FILE|-]",
		Short: "Explain pasted error output from docker, az, helm, oras, crane, buildx or kubelet",
		Long: `Read error output (a failed docker push, an az acr login, a CI log, kubectl
describe pod events) from FILE or standard input, and name each cause it
shows, most specific first, each with a confidence (certain, likely,
possible), the lines that gave it away and the commands that fix it.
What this machine's credential store holds for a registry the text names
is folded in (read only: no helper renewal, no network), and marked as
such; --no-local reads the text alone.`,
		Example: `  docker push myreg.azurecr.io/app:1 2>&1 | docker acrdoctor explain
  kubectl describe pod web-0 2>&1 | docker acrdoctor explain -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return safeError(runExplain(dockerCLI, &out, noLocal, args))
		},
	}
	cmd.Flags().BoolVar(&noLocal, "no-local", false, "Read the text alone, not what this machine's credential store holds for the registries it names")
	addFormatFlag(cmd.Flags(), &out)
	return cmd
}

// machineTimeout bounds each credential helper explain asks about a
// registry the text names.
const machineTimeout = 5 * time.Second

func runExplain(dockerCLI command.Cli, out *output, noLocal bool, args []string) error {
	if err := out.parse(); err != nil {
		return err
	}
	var in io.Reader = dockerCLI.In()
	name := "standard input"
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return usageError{err}
		}
		defer f.Close()
		in, name = f, args[0]
	} else if dockerCLI.In().IsTerminal() {
		return usagef(`give a file, or pipe the output in ("-" reads standard input)`)
	}
	// A log says why it failed at its end: the last maxExplainInput bytes
	// are kept, of at most maxExplainRead, so that an endless pipe ends.
	kept := tail{max: maxExplainInput}
	n, err := io.Copy(&kept, io.LimitReader(in, maxExplainRead))
	if err != nil {
		return usagef("reading %s: %v", name, err)
	}
	text, first := kept.Text()
	switch {
	case n == maxExplainRead:
		fmt.Fprintf(dockerCLI.Err(), "acrdoctor: stopped reading %s after %d MiB: what comes later was not read; explaining the last %d MiB read\n", safe(name), maxExplainRead>>20, maxExplainInput>>20)
	case kept.dropped > 0 && strings.TrimSpace(text) == "":
		// All that was kept is the line the cut fell in, which is never
		// read: it may have lost what marks a secret in it.
		fmt.Fprintf(dockerCLI.Err(), "acrdoctor: %s is longer than %d MiB and its end is one line that long: nothing of it was read\n", safe(name), maxExplainInput>>20)
	case kept.dropped > 0:
		fmt.Fprintf(dockerCLI.Err(), "acrdoctor: %s is longer than %d MiB: its first %d bytes were left out, its end read\n", safe(name), maxExplainInput>>20, kept.dropped)
	case strings.TrimSpace(text) == "":
		// Most tools say why they failed on stderr, which a pipe leaves out.
		fmt.Fprintf(dockerCLI.Err(), "acrdoctor: %s was empty: pipe stderr too (COMMAND 2>&1 | %s explain)\n", safe(name), invokedAs)
	}
	opts := explain.Options{FirstLine: first, Given: kept.Given()}
	registries := explain.Registries(text)
	if !noLocal {
		opts.Machine = machineFor(registries).Credential
	}
	rep := report.Explain{Causes: findings(explain.ExplainWith(text, opts)), Registries: registries}
	w := dockerCLI.Out()
	err = render(out, w, rep, rep.Causes, func() {
		// The evidence is the pasted line itself: causes makes it safe.
		p := newPalette(dockerCLI)
		tw := textWriter{w: safeOutput(w, p), p: p}
		if len(rep.Causes) == 0 {
			fmt.Fprintln(tw.w, "No known cause in this output.")
		}
		tw.findings(rep.Causes)
	})
	if err != nil {
		return err
	}
	if len(rep.Causes) > 0 {
		return errProblem
	}
	return nil
}

// findings turns explain's findings into the report's.
func findings(fs []explain.Finding) []report.Finding {
	out := make([]report.Finding, 0, len(fs))
	for _, f := range fs {
		c := f.Cause
		if c.Evidence == "" {
			c.Evidence = f.Line
		}
		rf := report.Finding{Cause: c, LineNo: f.LineNo, Registry: f.Registry, Confidence: string(f.Confidence), Alternatives: f.Alternatives}
		for _, e := range f.Evidence {
			rf.Shown = append(rf.Shown, report.Shown{Source: string(e.Source), LineNo: e.LineNo, Text: e.Text})
		}
		out = append(out, rf)
	}
	return out
}

// findings writes the first finding in full, with what showed it and the
// alternatives worth checking, and the others a line each: the first is
// the most specific explanation of the whole text.
func (t textWriter) findings(fs []report.Finding) {
	for i, f := range fs {
		if i > 0 {
			if i == 1 {
				fmt.Fprintln(t.w, t.p.dim("  also:"))
			}
			where := ""
			if f.LineNo > 0 {
				where = fmt.Sprintf(", line %d", f.LineNo)
			}
			fmt.Fprintf(t.w, "    %s: %s (%s%s)\n", safe(string(f.ID)), safe(f.Title), safe(f.Confidence), where)
			continue
		}
		c := f.Cause
		c.Evidence = ""
		t.causes([]cause.Cause{c})
		// The confidence heads what showed the cause, when anything did.
		confidence := safe(f.Confidence)
		if len(f.Shown) > 0 || f.Evidence != "" {
			confidence += ", as shown by:"
		}
		fmt.Fprintf(t.w, "      %s\n", t.p.dim(confidence))
		for _, e := range f.Shown {
			from := "this machine"
			if e.Source == "text" {
				from = fmt.Sprintf("line %d", e.LineNo)
			}
			fmt.Fprintf(t.w, "      %s: %s\n", t.p.dim(from), safe(e.Text))
		}
		if len(f.Shown) == 0 && f.Evidence != "" {
			fmt.Fprintf(t.w, "      %s: %s\n", t.p.dim(fmt.Sprintf("line %d", f.LineNo)), safe(f.Evidence))
		}
		if len(f.Alternatives) > 0 {
			alt := make([]string, len(f.Alternatives))
			for i, a := range f.Alternatives {
				alt[i] = string(a)
			}
			fmt.Fprintf(t.w, "      %s %s\n", t.p.dim("if not, check:"), safe(strings.Join(alt, ", ")))
		}
	}
}
