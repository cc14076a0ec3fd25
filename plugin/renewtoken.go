package main

import (
	"errors"
	"fmt"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"

	"github.com/acr-doctor/acr-doctor/diagnose/renew"
)

// Exit statuses of renew-token, read by docker-credential-acrdoctor.
const (
	exitRenewFailed = 1
	exitNoIdentity  = 3
)

// newRenewTokenCommand is what docker-credential-acrdoctor runs to renew an
// expired token: the Azure SDK lives in this binary, so that the helper,
// which Docker starts for every push and pull, stays small and quick.
func newRenewTokenCommand(dockerCLI command.Cli) *cobra.Command {
	return &cobra.Command{
		Use:    "renew-token REGISTRY",
		Short:  "Print a new ACR refresh token for REGISTRY, from the Azure AD identity in the environment",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			refresh, _, err := (&renew.Renewer{}).Renew(cmd.Context(), args[0])
			if err != nil {
				// The helper passes this on to Docker, which prints it:
				// it may quote what Azure AD or the registry answered.
				fmt.Fprintln(dockerCLI.Err(), safe(err.Error()))
				code := exitRenewFailed
				if errors.Is(err, renew.ErrNoIdentity) {
					code = exitNoIdentity
				}
				return cli.StatusError{StatusCode: code}
			}
			fmt.Fprintln(dockerCLI.Out(), refresh)
			return nil
		},
	}
}
