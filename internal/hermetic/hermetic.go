// Package hermetic builds the PATH that tests run programs with: the
// machine's own tools, minus those that would change what is tested.
// The Azure CLI would join the renewal chain and ask a real Azure AD; a
// credential helper on the machine would be Docker's default store. A
// test that wants one puts its own, real or fake, first on PATH.
package hermetic

import (
	"os"
	"path/filepath"
	"strings"
)

// Excluded reports whether the program name is left out of Tools.
func Excluded(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	return name == "az" || name == "az.cmd" || strings.HasPrefix(name, "docker-credential-")
}

// Tools fills dir with links to every program on PATH that is not
// Excluded, first found first, and returns dir for use as PATH.
func Tools(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if seen[name] || Excluded(name) || e.IsDir() {
				continue
			}
			seen[name] = true
			target := filepath.Join(d, name)
			if fi, err := os.Stat(target); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}
