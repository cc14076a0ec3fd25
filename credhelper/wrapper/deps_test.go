package wrapper

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanStart: the helper starts at every pull and push, so what its
// packages initialise is paid each time. It links no HTTP stack, no X.509
// or RSA and no JWT library: tokens are decoded by hand (package token),
// renewal goes through the plugin's process. Nor does it link the doctor's
// reading of the credential store and its inventory, with the Docker CLI's
// config packages and their logging library: it reads config.json's
// settings with package configjson, and judges a credential with credkind.
func TestLeanStart(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "..").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, heavy := range []string{"net/http", "crypto/x509", "crypto/rsa", "github.com/golang-jwt/jwt/v5",
		"github.com/acr-doctor/acr-doctor/diagnose/credstore", "github.com/acr-doctor/acr-doctor/diagnose/inventory",
		"github.com/docker/cli/cli/config/configfile", "github.com/sirupsen/logrus", "net"} {
		for _, d := range deps {
			if d == heavy {
				t.Errorf("the helper links %s", heavy)
			}
		}
	}
}
