package testbin

import (
	"os"
	"path/filepath"
	"testing"
)

// Install copies what Env's folder holds, and builds what it lacks.
func TestInstall(t *testing.T) {
	built := t.TempDir()
	if err := os.WriteFile(filepath.Join(built, "plugin"), []byte("prebuilt"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(Env, built)
	dir := filepath.Join(t.TempDir(), "bin")
	if err := Install(dir, Plugin, Fake); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, Plugin)); err != nil || string(b) != "prebuilt" {
		t.Errorf("%s = %q, %v: want the prebuilt copy", Plugin, b, err)
	}
	fi, err := os.Stat(filepath.Join(dir, Fake))
	if err != nil || fi.Size() < 1<<20 || fi.Mode()&0o111 == 0 {
		t.Errorf("%s was not built: %v %v", Fake, fi, err)
	}
	if leftover, _ := filepath.Glob(filepath.Join(dir, ".build*")); len(leftover) > 0 {
		t.Errorf("build folder left behind: %v", leftover)
	}
	// A test changing its copy leaves the next package's alone.
	if err := os.WriteFile(filepath.Join(dir, Plugin), []byte("changed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(built, "plugin")); string(b) != "prebuilt" {
		t.Errorf("the shared program changed: %q", b)
	}
}
