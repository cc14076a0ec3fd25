package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/inventory"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// maxTokenInput bounds what is read from stdin: tokens are a few KB.
const maxTokenInput = 1 << 20

func newTokenCommand(dockerCLI command.Cli) *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "token [OPTIONS] [TOKEN|-]",
		Short: "Decode an ACR or Azure AD token: kind, identity, permissions, expiry",
		Long: `Decode one token: an ACR refresh or access token, or an Azure AD token. It is
read from the argument, or from standard input with "-" (better: a token on
the command line lands in your shell history). The JSON that
"az acr login --expose-token" prints is accepted too. The token itself and its
signature are never printed; the signature is not verified, since ACR
publishes no key to verify it with.`,
		Example: `  az acr login -n myreg --expose-token | docker acrdoctor token -
  docker acrdoctor token - < token.txt --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return safeError(runToken(dockerCLI, &out, args))
		},
	}
	addFormatFlag(cmd.Flags(), &out)
	return cmd
}

func runToken(dockerCLI command.Cli, out *output, args []string) error {
	if err := out.parse(); err != nil {
		return err
	}
	input, err := tokenInput(dockerCLI, args)
	if err != nil {
		return err
	}
	raw, loginServer, err := token.Extract(input)
	if err != nil {
		return usageError{err}
	}
	tok, err := token.Decode(raw)
	if err != nil {
		return usageError{err}
	}
	now := time.Now()
	rep := report.TokenReport{
		Token:       report.NewToken(tok, now),
		LoginServer: loginServer,
		Causes:      inventory.AssessToken(tok, loginServer, now),
	}
	w := dockerCLI.Out()
	err = render(out, w, rep, []report.TokenReport{rep}, func() {
		p := newPalette(dockerCLI)
		textWriter{w: safeOutput(w, p), p: p, now: now}.token(rep, tok.Size)
	})
	if err != nil {
		return err
	}
	if cause.Failed(rep.Causes) {
		return errProblem
	}
	return nil
}

func tokenInput(dockerCLI command.Cli, args []string) ([]byte, error) {
	if len(args) == 1 && args[0] != "-" {
		return []byte(args[0]), nil
	}
	if len(args) == 0 && dockerCLI.In().IsTerminal() {
		return nil, usagef(`give a token, or "-" to read one from standard input`)
	}
	data, err := io.ReadAll(io.LimitReader(dockerCLI.In(), maxTokenInput+1))
	if err != nil {
		return nil, usagef("reading standard input: %v", err)
	}
	if len(data) > maxTokenInput {
		return nil, usageError{errors.New("standard input is larger than 1 MiB: that is not a token")}
	}
	return data, nil
}

func (t textWriter) token(rep report.TokenReport, size int) {
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	field(tw, "kind", tokenKindName(rep.Kind))
	field(tw, "login server", rep.LoginServer)
	t.tokenFields(tw, rep.Token)
	if rep.Kind != token.AADToken {
		field(tw, "issuer", rep.Issuer)
	}
	field(tw, "size", fmt.Sprintf("%d bytes", size))
	tw.Flush()
	if len(rep.Causes) == 0 {
		fmt.Fprintf(t.w, "  %s %s\n", t.p.green("✓"), strings.TrimSpace(validity(rep.Token, t.now)))
		return
	}
	t.causes(rep.Causes)
}

func validity(tok *report.Token, now time.Time) string {
	if tok.ExpiresAt == nil {
		return "no expiry claim"
	}
	return "valid for another " + token.Humanize(tok.ExpiresAt.Sub(now))
}
