package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// TestDemo: make demo shows every cause of the catalogue, through the real
// docker login and docker acrdoctor against the emulator.
func TestDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	demo := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-ldflags=-s -w", "-o", demo, "./scripts/demo")
	build.Dir, build.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	e.setenv("ACRDOCTOR_PLUGIN=" + pluginBin)
	r := e.run("", demo)
	if r.code != 0 {
		t.Fatalf("demo: %v", r)
	}
	shown := map[cause.ID]bool{}
	for _, m := range regexp.MustCompile(`(?m)^ +[✗!] ([a-z_]+):`).FindAllStringSubmatch(r.stdout, -1) {
		shown[cause.ID(m[1])] = true
	}
	for _, id := range cause.IDs() {
		if !shown[id] {
			t.Errorf("the demo does not show %s", id)
		}
	}
	if t.Failed() {
		t.Log(r)
	}
}
