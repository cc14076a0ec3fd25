package explain

import (
	"slices"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
)

// TestRuleFixesWithHostileValues gives every cause's fix a hostile host
// and name in place of what explain passes (a login server that
// loginserver.Parse accepted, or a placeholder): none may reach a command
// but as a placeholder.
func TestRuleFixesWithHostileValues(t *testing.T) {
	seen := map[cause.ID]bool{}
	for id, fix := range fixes {
		seen[id] = true
		inputs := [][2]string{{"myreg.azurecr.io", "myreg"}, {"<registry>", "<name>"}}
		for _, h := range shelltest.Hostile {
			inputs = append(inputs, [2]string{h, h}, [2]string{h + ".azurecr.io", h}, [2]string{"myreg.azurecr.io", h}, [2]string{h, "myreg"})
		}
		for _, in := range inputs {
			lines := fix(in[0], in[1])
			if len(lines) == 0 {
				t.Errorf("%s has no fix", id)
			}
			for _, l := range lines {
				// Only placeholders: no piece of a hostile value may
				// appear, quoted or not.
				if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil {
					t.Errorf("%s, host %q, name %q: %v", id, in[0], in[1], err)
				}
			}
		}
	}
	for _, id := range cause.IDs() {
		if !seen[id] {
			t.Errorf("%s has no fix", id)
		}
	}
}

// TestRuleFixWords reads the commands of the fixes word by word.
func TestRuleFixWords(t *testing.T) {
	fw := fixFirewall("myreg.azurecr.io", "myreg")
	toks, err := shelltest.Split(shelltest.Commands(fw[1])[0])
	if err != nil || !slices.Equal(shelltest.Words(toks), []string{"az", "acr", "network-rule", "add", "-n", "myreg", "--ip-address", "<your public IP>"}) {
		t.Errorf("%q reads as %q (%v)", fw[1], shelltest.Words(toks), err)
	}
	role := fixRole("<registry>", "<name>")
	toks, err = shelltest.Split(shelltest.Commands(role[0])[0])
	if err != nil || len(toks) < 10 || len(toks[9].Subs) != 1 || !slices.Equal(shelltest.Words(toks[9].Subs[0]), []string{"az", "acr", "show", "-n", "<name>", "--query", "id", "-o", "tsv"}) {
		t.Errorf("%q reads as %v (%v)", role[0], toks, err)
	}
}
