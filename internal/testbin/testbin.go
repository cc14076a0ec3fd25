// Package testbin provides the programs that tests run as processes of
// their own: the plugin, the credential helper and the helper's fake
// backend. make test builds them once for every test package (Env); a
// package tested on its own builds them itself. Linking the plugin is the
// costly part, and three packages run it.
package testbin

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Version is the version the programs report.
const Version = "v0.0.0-test"

// Env names a folder holding programs already built, each named after its
// package's folder, as `go build -o DIR/` names them. make mutate leaves
// the helper out: its mutants must be built in.
const Env = "ACRDOCTOR_TESTBIN"

// The programs, by the names Docker finds them under.
const (
	Plugin = "docker-acrdoctor"
	Helper = "docker-credential-acrdoctor"
	Fake   = "docker-credential-fake" // a store in files: FAKE_STORE, FAKE_LOG
)

var packages = map[string]string{
	Plugin: "plugin",
	Helper: "credhelper",
	Fake:   "credhelper/wrapper/testdata/fake",
}

// Install puts the named programs into dir: copies of those in Env's
// folder, the others built.
func Install(dir string, names ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	from := map[string]string{}
	var missing []string
	for _, name := range names {
		path := filepath.Join(os.Getenv(Env), filepath.Base(packages[name]))
		if _, err := os.Stat(path); os.Getenv(Env) == "" || err != nil {
			missing = append(missing, name)
			continue
		}
		from[name] = path
	}
	if len(missing) > 0 {
		tmp, err := os.MkdirTemp(dir, ".build")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := build(tmp, missing); err != nil {
			return err
		}
		for _, name := range missing {
			from[name] = filepath.Join(tmp, filepath.Base(packages[name]))
		}
	}
	for _, name := range names {
		if err := Copy(from[name], filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func build(dir string, names []string) error {
	_, file, _, _ := runtime.Caller(0)
	args := []string{"build", "-ldflags", "-s -w -X main.version=" + Version, "-o", dir + string(os.PathSeparator)}
	for _, name := range names {
		pkg, ok := packages[name]
		if !ok {
			return fmt.Errorf("testbin: no program %q", name)
		}
		args = append(args, "./"+pkg)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as make install builds them
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %v: %w\n%s", names, err, out)
	}
	return nil
}

// Copy copies a program to a new file: Install copies rather than links,
// as a test may change its program's mode or replace it, and the next
// test package must not see that.
func Copy(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
