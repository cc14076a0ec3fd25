// Command docker stands in for the docker CLI in tests of how the
// credential helper finds the config Docker uses: like Docker, it takes
// global flags (--config DIR) and runs a credential helper as its child.
//
//	docker [--config DIR] credential PROGRAM ACTION
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
)

func main() {
	i := slices.Index(os.Args, "credential")
	if i < 0 || i+2 >= len(os.Args) {
		fmt.Fprintln(os.Stderr, "usage: docker [--config DIR] credential PROGRAM ACTION")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[i+1], os.Args[i+2])
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
