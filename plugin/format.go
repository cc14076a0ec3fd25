package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/template"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/templates"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// output is how a command prints its report: --format text (the default),
// json, or a Go template as docker's own --format takes.
type output struct {
	raw  string
	tmpl *template.Template // for a template format
}

func addFormatFlag(fs *pflag.FlagSet, o *output) {
	fs.StringVar(&o.raw, "format", "text", formatUsage("item", `'{{json .}}'`))
}

func formatUsage(item, example string) string {
	return fmt.Sprintf(`Output format: "text", "json", or a Go template run on each %s, such as %s`, item, example)
}

// formatExamples are, by command name, what the --format template of that
// command runs on and an example that names its fields: the fields differ
// from command to command. A command not listed keeps '{{json .}}', which
// fits any. Tests run every example on each command's own output.
var formatExamples = map[string]struct{ item, example string }{
	name:      {"registry", `'{{.Registry}} {{.Healthy}}'`},
	"check":   {"registry", `'{{.Registry}} {{.Healthy}}'`},
	"creds":   {"credential", `'{{.Registry}} {{.Kind}}'`},
	"explain": {"cause found", `'{{.LineNo}} {{.ID}}'`},
	"fix":     {"repair", `'{{.Kind}} {{.From}} {{.To}}'`},
	"token":   {"token", `'{{.Kind}} {{.Expired}}'`},
}

// setFormatUsages gives the --format flag of root and every command under
// it the example of formatExamples.
func setFormatUsages(root *cobra.Command) {
	if f := root.Flags().Lookup("format"); f != nil {
		if ex, ok := formatExamples[root.Name()]; ok {
			f.Usage = formatUsage(ex.item, ex.example)
		}
	}
	for _, c := range root.Commands() {
		setFormatUsages(c)
	}
}

// parse validates the flag before any work is done.
func (o *output) parse() error {
	switch o.raw {
	case "", "text", "json":
		return nil
	}
	if !strings.Contains(o.raw, "{{") {
		return usagef("unknown --format %q: use text, json, or a Go template such as '{{json .}}'", o.raw)
	}
	t, err := templates.Parse(o.raw)
	if err != nil {
		return usagef("--format: %v", err)
	}
	o.tmpl = t
	return nil
}

func (o *output) json() bool     { return o.raw == "json" }
func (o *output) template() bool { return o.tmpl != nil }

// render prints a command's report as --format asks: the whole report
// as JSON, the template run on each of items, or text, for every command
// the same way.
func render[T any](o *output, w io.Writer, rep any, items []T, text func()) error {
	switch {
	case o.json():
		return writeJSON(jsonOutput(w), rep)
	case o.template():
		return executeEach(o, templateOutput(w), items)
	}
	text()
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// nilFieldRE finds, in text/template's "at <.Token.ExpiresAt>: nil pointer
// evaluating …", the field that was nil: .Token.
var nilFieldRE = regexp.MustCompile(`at <(\.[\w.]+)\.\w+>: nil pointer evaluating`)

// executeEach runs the template on each item, a line each, as
// `docker ps --format` does.
func executeEach[T any](o *output, w io.Writer, items []T) error {
	for _, it := range items {
		if err := o.tmpl.Execute(w, it); err != nil {
			if m := nilFieldRE.FindStringSubmatch(err.Error()); m != nil && strings.Contains(err.Error(), "nil pointer evaluating") {
				return usagef("--format: %v (not every entry has %s: write {{with %s}}…{{end}})", err, m[1], m[1])
			}
			return usagef("--format: %v", err)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// palette colours text only on a terminal, and never with NO_COLOR set
// (https://no-color.org).
type palette struct{ on bool }

func newPalette(dockerCLI command.Cli) palette {
	_, noColor := os.LookupEnv("NO_COLOR")
	return palette{on: dockerCLI.Out().IsTerminal() && !noColor}
}

func (p palette) wrap(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) red(s string) string    { return p.wrap("31", s) }
func (p palette) yellow(s string) string { return p.wrap("33", s) }
func (p palette) green(s string) string  { return p.wrap("32", s) }
func (p palette) bold(s string) string   { return p.wrap("1", s) }
func (p palette) dim(s string) string    { return p.wrap("2", s) }
