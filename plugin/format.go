package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/templates"
	"github.com/spf13/pflag"
)

// output is how a command prints its report: --format text (the default),
// json, or a Go template as docker's own --format takes.
type output struct {
	raw  string
	tmpl *template.Template // for a template format
}

func addFormatFlag(fs *pflag.FlagSet, o *output) {
	fs.StringVar(&o.raw, "format", "text", `Output format: "text", "json", or a Go template such as '{{.Registry}} {{.Kind}}'`)
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// executeEach runs the template on each item, a line each, as
// `docker ps --format` does.
func executeEach[T any](o *output, w io.Writer, items []T) error {
	for _, it := range items {
		if err := o.tmpl.Execute(w, it); err != nil {
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
