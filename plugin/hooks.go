package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/docker/cli/cli-plugins/hooks"
	"github.com/docker/cli/cli-plugins/metadata"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/explain"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// hookCommands are the commands whose failures the hook explains, as
// plugins.acrdoctor.hooks lists them: "push" does not match "image push".
const hookCommands = "push,image push,pull,image pull,login"

// newHooksCommand answers Docker's CLI hooks: after a failed push, pull or
// login whose error points at ACR, Docker prints a "What's next" hint.
// It runs on every such command in a terminal, so it does no network and
// no Docker initialisation: it reads the request and the error text only.
func newHooksCommand(dockerCLI command.Cli) *cobra.Command {
	return &cobra.Command{
		Use:    metadata.HookSubcommandName + " REQUEST",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		// Skip the plugin framework's initialisation, as the metadata
		// subcommand does: the hook must stay fast.
		PersistentPreRun: func(*cobra.Command, []string) {},
		RunE: func(cmd *cobra.Command, args []string) error {
			var req hooks.Request
			if err := json.Unmarshal([]byte(args[0]), &req); err != nil {
				return nil // not for us to fail Docker's command over
			}
			resp := hookResponse(req)
			enc := json.NewEncoder(dockerCLI.Out())
			enc.SetEscapeHTML(false)
			return enc.Encode(resp)
		},
	}
}

// hookResponse is the hint for one request; an empty template when the
// error is not about ACR, which Docker then prints nothing for.
func hookResponse(req hooks.Request) hooks.Response {
	resp := hooks.Response{Type: hooks.NextSteps}
	text := req.CommandError
	if text == "" || !aboutACR(text) {
		return resp
	}
	lines := []string{}
	// What config.json holds for the registry is folded in, but no helper
	// is run: Docker waits on the hook before it exits.
	if fs := explain.ExplainWith(text, explain.Options{Machine: newMachine(false, 0).Credential}); len(fs) > 0 {
		c := fs[0].Cause
		// Docker prints the hint on the terminal: the catalogue's title is
		// the tool's own, made safe all the same.
		title := safe(c.Title)
		how := map[explain.Confidence]string{explain.Certain: "", explain.Likely: "likely ", explain.Possible: "possibly "}[fs[0].Confidence]
		lines = append(lines, fmt.Sprintf("acr-doctor: %s%s (%s)", how, strings.ToLower(title[:1])+title[1:], safe(string(c.ID))))
	}
	// {{arg . 0}} is the first argument of the failed command: the image
	// or the registry. The older template syntax works on Docker 26.1
	// through 29; the newer {{argValue 0}} only from 29.4.
	lines = append(lines, "Run `docker acrdoctor check {{arg . 0}}` to see why and how to fix it")
	resp.Template = strings.Join(lines, "\n")
	return resp
}

// aboutACR: the error names an ACR host, or carries ACR's own wording.
func aboutACR(text string) bool {
	if strings.Contains(text, "aka.ms/acr") || strings.Contains(text, "Application not registered with AAD") {
		return true
	}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return r == ' ' || r == '"' || r == '\'' || r == '/' || r == '\n' || r == '`' || r == '(' || r == ')' || r == ','
	}) {
		if loginserver.IsACR(loginserver.Host(f)) {
			return true
		}
	}
	return false
}
