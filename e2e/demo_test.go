package e2e

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// demoCauses is what make demo shows for each registry it breaks, in the
// order shown, and for the Docker client it puts first on PATH.
var demoCauses = map[string][]cause.ID{
	"abacreg.azurecr.io":     {cause.InsufficientPermission},
	"adminoff.azurecr.io":    {cause.InvalidCredentials},
	"anonpull.azurecr.io":    {cause.InvalidCredentials, cause.AnonymousPullBlocked}, // checked with --push
	"contoso.azurecr.io":     nil,
	"expired.azurecr.io":     {cause.ExpiredCredentials},
	"fabrikam.azurecr.io":    nil,
	"firewalled.azurecr.io":  {cause.NetworkFirewall},
	"helperless.azurecr.io":  {cause.CredentialStore},
	"intercepted.azurecr.io": {cause.TLS},
	"nosuchreg.azurecr.io":   {cause.RegistryName},
	"otherrealm.azurecr.io":  {cause.RegistryError},
	"private.azurecr.io":     {cause.NetworkFirewall, cause.NetworkFirewall},
	"pullonly.azurecr.io":    {cause.InsufficientPermission},
	"skewed.azurecr.io":      {cause.ClockSkew},
	"throttled.azurecr.io":   {cause.Throttled},
	"unavailable.azurecr.io": {cause.RegistryError},
	"unknownsp.azurecr.io":   {cause.AADNotRegistered},
	"unreachable.azurecr.io": {cause.NetworkUnreachable},
	"docker":                 {cause.DockerEnvironment},
}

// TestDemo: make demo shows every cause of the catalogue, each on the
// registry broken for it, through the real docker login and docker
// acrdoctor against the emulator.
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
	header := regexp.MustCompile(`^([a-z0-9]+\.azurecr\.io)  `)
	finding := regexp.MustCompile(`^ +[✗!] ([a-z_]+):`)
	got := map[string][]cause.ID{}
	section := ""
	for _, line := range strings.Split(r.stdout, "\n") {
		switch m := header.FindStringSubmatch(line); {
		case m != nil:
			section = m[1]
			got[section] = got[section][:0] // fabrikam is shown twice, healthy both times
		case strings.HasPrefix(line, "docker: "):
			section = "docker"
		case section != "":
			if m := finding.FindStringSubmatch(line); m != nil {
				got[section] = append(got[section], cause.ID(m[1]))
			}
		}
	}
	if !maps.EqualFunc(got, demoCauses, slices.Equal) {
		t.Errorf("the demo's findings:\n got %v\nwant %v", got, demoCauses)
	}
	shown := map[cause.ID]bool{}
	for _, ids := range got {
		for _, id := range ids {
			shown[id] = true
		}
	}
	for _, id := range cause.IDs() {
		if !shown[id] {
			t.Errorf("the demo does not show %s", id)
		}
	}
	if !strings.Contains(r.stdout, "18 registries checked: 2 healthy, 16 with problems.") {
		t.Error("the demo's summary is not 18 registries, 2 healthy")
	}
	if t.Failed() {
		t.Log(r)
	}
}
