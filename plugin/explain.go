package main

import (
	"fmt"
	"io"
	"os"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/explain"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// maxExplainInput bounds what explain reads: logs longer than this are
// cut to their last part by the caller, where the errors are.
const maxExplainInput = 4 << 20

func newExplainCommand(dockerCLI command.Cli) *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "explain [OPTIONS] [FILE|-]",
		Short: "Explain pasted error output from docker, az, helm, oras, crane, buildx or kubelet",
		Long: `Read error output (a failed docker push, an az acr login, a CI log, kubectl
describe pod events) from FILE or standard input, and name each cause it
shows, with the line that gave it away and the commands that fix it.`,
		Example: `  docker push myreg.azurecr.io/app:1 2>&1 | docker acrdoctor explain
  kubectl describe pod web-0 | docker acrdoctor explain -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return safeError(runExplain(dockerCLI, &out, args))
		},
	}
	addFormatFlag(cmd.Flags(), &out)
	return cmd
}

func runExplain(dockerCLI command.Cli, out *output, args []string) error {
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
	data, err := io.ReadAll(io.LimitReader(in, maxExplainInput))
	if err != nil {
		return usagef("reading %s: %v", name, err)
	}
	text := string(data)
	rep := report.Explain{Causes: []report.Finding{}, Registries: explain.Registries(text)}
	for _, f := range explain.ExplainString(text) {
		c := f.Cause
		c.Evidence = f.Line
		rep.Causes = append(rep.Causes, report.Finding{Cause: c, LineNo: f.LineNo, Registry: f.Registry})
	}
	w := dockerCLI.Out()
	switch {
	case out.json():
		err = writeJSON(jsonOutput(w), rep)
	case out.template():
		err = executeEach(out, templateOutput(w), rep.Causes)
	default:
		// The evidence is the pasted line itself: causes makes it safe.
		p := newPalette(dockerCLI)
		tw := textWriter{w: safeOutput(w, p), p: p}
		if len(rep.Causes) == 0 {
			fmt.Fprintln(tw.w, "No known cause in this output.")
		}
		for _, f := range rep.Causes {
			fmt.Fprintf(tw.w, "%s\n", tw.p.dim(fmt.Sprintf("line %d", f.LineNo)))
			tw.causes([]cause.Cause{f.Cause})
		}
	}
	if err != nil {
		return err
	}
	if len(rep.Causes) > 0 {
		return errProblem
	}
	return nil
}
