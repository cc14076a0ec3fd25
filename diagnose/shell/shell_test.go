package shell

import (
	"os/exec"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "myreg.azurecr.io", "a b", "it's", "$(id)", "`id`", "a;b", "x\ny", "'", "~/x", "*", "!x", `a\b`, "--config=/x"} {
		out, err := exec.Command("sh", "-c", `printf %s `+Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("Quote(%q) = %s: the shell read %q (%v)", s, Quote(s), out, err)
		}
	}
	if Quote("myreg.azurecr.io") != "myreg.azurecr.io" {
		t.Error("a plain word is quoted")
	}
}
