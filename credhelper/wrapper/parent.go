package wrapper

import (
	"path/filepath"
	"strings"
)

// dockerConfigFlag returns the --config of a docker command line: argv of
// docker, of a CLI plugin (which Docker runs with its own global flags),
// of Docker Desktop's com.docker.cli, or of this tool's standalone
// acr-doctor. Docker's global flags come before the command; these take a
// value.
func dockerConfigFlag(argv []string) (string, bool) {
	if !dockerCommand(argv) {
		return "", false
	}
	valued := map[string]bool{"--config": true, "-c": true, "--context": true, "-H": true, "--host": true,
		"-l": true, "--log-level": true, "--tlscacert": true, "--tlscert": true, "--tlskey": true}
	dir, found := "", false
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			dir, found = v, true // the last one wins, as for any flag
			continue
		}
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		if valued[a] && i+1 < len(argv) {
			if a == "--config" {
				dir, found = argv[i+1], true
			}
			i++
		}
	}
	return dir, found && dir != ""
}

// dockerCommand reports whether argv is that of docker, a CLI plugin,
// Docker Desktop's com.docker.cli or the standalone acr-doctor.
func dockerCommand(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	base := filepath.Base(argv[0])
	return base == "docker" || base == "com.docker.cli" || base == "acr-doctor" ||
		strings.HasPrefix(base, "docker-") && !strings.HasPrefix(base, "docker-credential-")
}
