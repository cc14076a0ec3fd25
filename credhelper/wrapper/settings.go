package wrapper

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/fingerprint"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

// Names of the settings, in the environment and in plugins.acrdoctor.
const (
	envBackend = setting.BackendEnv
	envMargin  = "ACRDOCTOR_RENEW_MARGIN"
	envQuiet   = "ACRDOCTOR_QUIET"
	envDebug   = "ACRDOCTOR_DEBUG"
	envRenew   = "ACRDOCTOR_RENEW"
	envTimeout = "ACRDOCTOR_RENEW_TIMEOUT"
	// envBackendTimeout bounds a backend get, and the store of a renewed
	// token.
	envBackendTimeout = "ACRDOCTOR_BACKEND_TIMEOUT"
	self              = setting.Name
)

// envWrapped is set in the backend's environment. A wrapper that starts
// with it set was started by a wrapper: its backend leads back to itself
// under some other name (a copy, a script), and it stops there instead of
// starting the next one.
const envWrapped = "ACRDOCTOR_WRAPPED"

// defaultMargin is how close to expiry a token draws a hint: long enough
// for a push of a few large layers.
const defaultMargin = 5 * time.Minute

// settings reads the environment, and config.json only when a setting is
// not in the environment.
type settings struct {
	getenv func(string) string
	parent *parent // nil where it cannot be read
	dir    string  // the config directory Docker is using

	loaded bool
	cfg    *configjson.Settings
	cfgErr error

	keyRead bool
	fpKey   *fingerprint.Key
}

func newSettings(getenv func(string) string) *settings {
	s := &settings{getenv: getenv, parent: readParent()}
	s.dir = s.configDir()
	return s
}

// configDir is the config directory of the Docker command that runs this
// helper. Docker tells a helper nothing, so: the --config of the docker
// command (or plugin) that started it, where the platform lets it be read
// (Linux); else DOCKER_CONFIG, which it inherits; else ~/.docker.
func (s *settings) configDir() string {
	if d := s.parent.configDir(); d != "" {
		return d
	}
	if d := s.getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	if home := statedir.Home(s.getenv); home != "" {
		return filepath.Join(home, ".docker")
	}
	return "" // backend refuses: no config to read
}

// config reads the settings of config.json once, as leniently as Docker
// reads them: a value it would skip with a warning must not fail the
// helper, and with it Docker's login or pull.
func (s *settings) config() (*configjson.Settings, error) {
	if !s.loaded {
		s.loaded = true
		s.cfg, s.cfgErr = configjson.LoadSettings(s.dir)
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

func (s *settings) debug() bool { return setting.On(s.getenv(envDebug)) }

func (s *settings) quiet() bool {
	if v, ok := setting.Bool(s.getenv(envQuiet)); ok {
		return v
	}
	return setting.Off(s.plugin(setting.Hints))
}

// renew reports whether expired tokens are renewed (the default), or only
// reported: ACRDOCTOR_RENEW=off or plugins.acrdoctor.renew=off.
func (s *settings) renew() bool {
	if v, ok := setting.Bool(s.getenv(envRenew)); ok {
		return v
	}
	return !setting.Off(s.plugin(setting.Renew))
}

// margin is the renew margin; a value that is not a Go duration of zero
// or more is ignored (and reported with ACRDOCTOR_DEBUG).
func (s *settings) margin() time.Duration {
	if d, ok := s.duration(envMargin, s.getenv(envMargin)); ok {
		return d
	}
	if d, ok := s.duration("plugins."+setting.Name+"."+setting.RenewMargin, s.plugin(setting.RenewMargin)); ok {
		return d
	}
	return defaultMargin
}

// renewTimeout bounds one renewal: ACRDOCTOR_RENEW_TIMEOUT, else 20s.
func (s *settings) renewTimeout() time.Duration {
	if d, ok := s.duration(envTimeout, s.getenv(envTimeout)); ok && d > 0 {
		return d
	}
	return defaultRenewTimeout
}

// backendTimeout bounds a backend call whose answer the wrapper reads:
// ACRDOCTOR_BACKEND_TIMEOUT, else two minutes. Docker itself waits
// forever, but a get may be waiting on a pinentry or keychain prompt the
// user is answering, so the default is long.
func (s *settings) backendTimeout() time.Duration {
	if d, ok := s.duration(envBackendTimeout, s.getenv(envBackendTimeout)); ok && d > 0 {
		return d
	}
	return 2 * time.Minute
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

// backend chooses the helper to wrap, and makes sure it is not this one.
func (s *settings) backend() (*execBackend, error) {
	// Started by docker itself, it is no loop; else it looks further up.
	if s.getenv(envWrapped) != "" || !s.parent.docker() && startedBySelf() {
		return nil, errors.New("acr-doctor: docker-credential-acrdoctor was started as its own backend: the credential-backend setting leads back to this helper under another name; set it to the store the credentials live in (pass, secretservice, osxkeychain, wincred, desktop)")
	}
	name, where := s.getenv(envBackend), envBackend
	if name == "" {
		if s.dir == "" {
			return nil, errors.New("acr-doctor: no home directory, so no config.json to read the backend from: set HOME, DOCKER_CONFIG or " + envBackend)
		}
		cfg, err := s.config()
		if err != nil {
			return nil, fmt.Errorf("acr-doctor: cannot choose the credential backend: %v", err)
		}
		// Docker cannot have started this helper for a config that sends
		// it nothing.
		if !configjson.RoutesToWrapper(cfg.CredsStore, cfg.CredHelpers) {
			return nil, fmt.Errorf("acr-doctor: %s sends no registry to docker-credential-acrdoctor, so Docker is reading another config (docker --config DIR?) that this helper cannot see: use DOCKER_CONFIG=DIR instead of --config, or set %s", cfg.Filename, envBackend)
		}
		name, where = configjson.Backend(cfg.PluginSetting(setting.Backend), cfg.CredsStore)
		if where != "the platform default" {
			where = cfg.Filename + ": " + where
		}
	}
	switch {
	case name == "":
		return nil, errors.New("acr-doctor: no credential backend: Docker has no credential helper on this machine, and docker-credential-acrdoctor keeps no credentials of its own; set plugins.acrdoctor.credential-backend to one (pass, secretservice, osxkeychain, wincred, desktop)")
	case strings.EqualFold(name, self):
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) is %q, this helper itself: that would loop; set it to the store the credentials live in (pass, secretservice, osxkeychain, wincred, desktop)", where, name)
	case name == setting.FileBackend:
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) is %q, Docker's config.json, which a helper cannot write to: Docker rewrites it right after a store and the credential would be lost; undo with docker acrdoctor configure --undo, or set a credential helper (pass, secretservice, osxkeychain, wincred, desktop)", where, name)
	case !configjson.ValidHelperName(name):
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) %s is not a helper name: use the suffix of docker-credential-NAME", where, configjson.ShortName(name))
	}
	program := "docker-credential-" + name
	path, err := exec.LookPath(program)
	if err != nil {
		return nil, fmt.Errorf("acr-doctor: credential backend %q (%s): %v", name, where, err)
	}
	if isSelf(path) {
		return nil, fmt.Errorf("acr-doctor: the credential backend (%s) %s is docker-credential-acrdoctor itself: that would loop; set it to the store the credentials live in", where, path)
	}
	return &execBackend{name: name, path: path, timeout: s.backendTimeout()}, nil
}

// isSelf reports whether path is this program: the same file through a
// symbolic or hard link. A copy is caught when it starts (envWrapped).
func isSelf(path string) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	a, errA := os.Stat(path)
	b, errB := os.Stat(exe)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

func (s *settings) debugf(format string, args ...any) {
	if s.debug() {
		fmt.Fprintf(os.Stderr, "acr-doctor: "+format+"\n", args...)
	}
}
