package wrapper

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanStart: the helper starts at every pull and push, so what its
// packages initialise is paid each time. It links no HTTP stack, no X.509
// or RSA and no JWT library: tokens are decoded by hand (package token),
// renewal goes through the plugin's process.
func TestLeanStart(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "..").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, heavy := range []string{"net/http", "crypto/x509", "crypto/rsa", "github.com/golang-jwt/jwt/v5"} {
		for _, d := range deps {
			if d == heavy {
				t.Errorf("the helper links %s", heavy)
			}
		}
	}
}
