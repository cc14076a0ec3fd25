package tools

import (
	"strings"
	"testing"
)

// FuzzRegctl: any input is a config or an error naming the file, and no
// entry comes out with an empty key.
func FuzzRegctl(f *testing.F) {
	for _, s := range []string{
		`{"hosts":{"a.azurecr.io":{"user":"u","pass":"p"}}}`,
		`{"hosts":{"b.azurecr.io":{"token":"eyJ.x.y","credHelper":"docker-credential-x"}}}`,
		`{"hosts":{"":{"user":"u"}}}`, `{"hosts":null}`, `[]`, ``, `{"hosts":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := regctlFile("regctl.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "regctl.json") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		for k, a := range cfg.Auths {
			if a.ServerAddress != k {
				t.Fatalf("entry %q says %q", k, a.ServerAddress)
			}
		}
	})
}
