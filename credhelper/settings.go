package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/docker/cli/cli/config"
	dockercreds "github.com/docker/cli/cli/config/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// Names of the settings, in the environment and in plugins.acrdoctor.
const (
	envBackend    = "ACRDOCTOR_CREDENTIAL_BACKEND"
	envMargin     = "ACRDOCTOR_RENEW_MARGIN"
	envQuiet      = "ACRDOCTOR_QUIET"
	envDebug      = "ACRDOCTOR_DEBUG"
	envRenew      = "ACRDOCTOR_RENEW"
	keyRenew      = "renew"
	keyBackend    = "credential-backend"
	keyMargin     = "renew-margin"
	keyHints      = "hints"
	fileBackendID = "file"
	self          = "acrdoctor"
)

// defaultMargin is how close to expiry a token draws a hint: long enough
// for a push of a few large layers.
const defaultMargin = 5 * time.Minute

// settings reads the environment, and config.json only when a setting is
// not in the environment.
type settings struct {
	getenv func(string) string
	dir    string // Docker's config directory

	loaded bool
	cfg    *credstore.Config
	cfgErr error
}

func newSettings(getenv func(string) string) *settings {
	return &settings{getenv: getenv, dir: config.Dir()}
}

func (s *settings) config() (*credstore.Config, error) {
	if !s.loaded {
		s.loaded = true
		// DOCKER_AUTH_CONFIG is no business of a credential helper; a
		// malformed one must not stop it.
		noAuthEnv := func(k string) string {
			if k == "DOCKER_AUTH_CONFIG" {
				return ""
			}
			return s.getenv(k)
		}
		s.cfg, s.cfgErr = credstore.Load(s.dir, noAuthEnv)
	}
	return s.cfg, s.cfgErr
}

// plugin returns plugins.acrdoctor[key], or "" when config.json has none
// or cannot be read.
func (s *settings) plugin(key string) string {
	cfg, err := s.config()
	if err != nil {
		return ""
	}
	return cfg.PluginSetting(key)
}

func (s *settings) debug() bool { return s.getenv(envDebug) != "" && s.getenv(envDebug) != "0" }

func (s *settings) quiet() bool {
	if v := s.getenv(envQuiet); v != "" && v != "0" && !strings.EqualFold(v, "false") {
		return true
	}
	switch strings.ToLower(s.plugin(keyHints)) {
	case "off", "false", "0", "no":
		return true
	}
	return false
}

// renew reports whether expired tokens are renewed (the default), or only
// reported: ACRDOCTOR_RENEW=off or plugins.acrdoctor.renew=off.
func (s *settings) renew() bool {
	for _, v := range []string{s.getenv(envRenew), s.plugin(keyRenew)} {
		switch strings.ToLower(v) {
		case "off", "false", "0", "no":
			return false
		}
	}
	return true
}

// margin is the renew margin; a value that is not a Go duration of zero
// or more is ignored (and reported with ACRDOCTOR_DEBUG).
func (s *settings) margin() time.Duration {
	if d, ok := s.duration(envMargin, s.getenv(envMargin)); ok {
		return d
	}
	if d, ok := s.duration("plugins.acrdoctor."+keyMargin, s.plugin(keyMargin)); ok {
		return d
	}
	return defaultMargin
}

func (s *settings) duration(where, val string) (time.Duration, bool) {
	if val == "" {
		return 0, false
	}
	d, err := time.ParseDuration(val)
	if err != nil || d < 0 {
		s.debugf("%s=%q is not a duration such as 10m; ignored", where, val)
		return 0, false
	}
	return d, true
}

// backend chooses the helper to wrap.
func (s *settings) backend() (backend, error) {
	name, where := s.getenv(envBackend), envBackend
	if name == "" {
		cfg, err := s.config()
		if err != nil {
			return nil, fmt.Errorf("acr-doctor: cannot choose the credential backend: %v", err)
		}
		name, where = cfg.PluginSetting(keyBackend), cfg.Filename+": plugins.acrdoctor."+keyBackend
	}
	if name == "" {
		name, where = dockercreds.DetectDefaultStore(""), "the platform default"
	}
	if name == "" {
		name = fileBackendID
	}
	switch {
	case strings.EqualFold(name, self):
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) is %q, this helper itself: that would loop; set it to the store the credentials live in (pass, secretservice, osxkeychain, wincred, desktop, or file)", where, name)
	case name == fileBackendID:
		return &fileBackend{dir: s.dir}, nil
	case !validName(name):
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) %q is not a helper name: use the suffix of docker-credential-NAME", where, name)
	}
	program := "docker-credential-" + name
	path, err := exec.LookPath(program)
	if err != nil {
		return nil, fmt.Errorf("acr-doctor: credential backend %q (%s): %v", name, where, err)
	}
	return &execBackend{name: name, path: path}, nil
}

func validName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return s != "" && s != "." && s != ".."
}

func (s *settings) debugf(format string, args ...any) {
	if s.debug() {
		fmt.Fprintf(os.Stderr, "acr-doctor: "+format+"\n", args...)
	}
}
