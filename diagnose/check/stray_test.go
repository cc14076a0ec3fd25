package check

import (
	"strings"
	"testing"

	dockertypes "github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// TestStray: which keys Docker (or, in a file whose keys are namespaces,
// Podman) does not use for a registry's images, and why.
func TestStray(t *testing.T) {
	file := credstore.Source{Kind: credstore.File}
	cfg := func(namespaces bool, keys ...string) *credstore.Config {
		c := &credstore.Config{Namespaces: namespaces, Auths: map[string]dockertypes.AuthConfig{}}
		for _, k := range keys {
			c.Auths[k] = dockertypes.AuthConfig{}
		}
		return c
	}
	for _, tt := range []struct {
		key        string
		namespaces bool
		others     []string
		want       string // a piece of the reason; "" when the key is used
	}{
		{key: "myreg.azurecr.io"},
		{key: "MyReg.azurecr.io", want: "lower case"},
		{key: "myreg.azurecr.io:443", want: "port"},
		{key: "myreg.azurecr.io/team", others: []string{"myreg.azurecr.io"}, want: "Docker finds the key myreg.azurecr.io first"},
		{key: "myreg.azurecr.io/team", namespaces: true, others: []string{"myreg.azurecr.io"}},
		{key: "MyReg.azurecr.io/team", namespaces: true, want: "lower case"},
		{key: "https://myreg.azurecr.io", namespaces: true},
		// Podman drops a scheme's path too: this key is the host's, and a
		// namespace key beside it is no rival.
		{key: "https://myreg.azurecr.io/other", namespaces: true, others: []string{"myreg.azurecr.io/team"}},
		{key: "https://myreg.azurecr.io", namespaces: true, others: []string{"myreg.azurecr.io"}, want: "any one of the 2 keys"},
	} {
		c := cfg(tt.namespaces, append(tt.others, tt.key)...)
		got := Stray(credstore.Entry{Registry: tt.key, Source: file}, c)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Stray(%q, namespaces %v) = %q, want %q", tt.key, tt.namespaces, got, tt.want)
		}
	}
}
