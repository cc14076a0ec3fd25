package repair

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/acr-doctor/acr-doctor/internal/hermetic"
)

// TestMain runs the tests with none of the caller's: a PATH without the
// machine's credential helpers (a config.json that names no store would
// have Docker's default one, pass, read the caller's credentials) and a
// HOME of their own. A test that wants a helper puts it first on PATH.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "acrdoctor-repair-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	tools, err := hermetic.Tools(filepath.Join(dir, "tools"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("PATH", tools)
	os.Setenv("HOME", home)
	for _, v := range []string{"DOCKER_CONFIG", "DOCKER_AUTH_CONFIG", "PASSWORD_STORE_DIR", "GNUPGHOME", "AZURE_CONFIG_DIR"} {
		os.Unsetenv(v)
	}
	return m.Run()
}
