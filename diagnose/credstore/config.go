// Package credstore reads Docker's credential store the way the Docker CLI
// does: DOCKER_AUTH_CONFIG, then credHelpers[host], then credsStore, then
// the auths of config.json, running the real helper programs with a timeout.
// It only reads: nothing here writes config.json or a helper's store.
package credstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// MaxEntries bounds the registries a config.json may name: people log in
// to a few dozen at most, and every one is assessed, and maybe checked.
const MaxEntries = 10000

// Config is Docker's config.json, as far as credentials go.
type Config struct {
	Filename string
	// Auths are the entries of `auths`, with `auth` decoded into Username
	// and Password, keyed as stored.
	Auths       map[string]types.AuthConfig
	CredsStore  string
	CredHelpers map[string]string
	Plugins     map[string]map[string]string
	// DefaultStore is set when CredsStore was not written in the file but
	// picked the way Docker picks it when a config holds no credentials.
	DefaultStore bool
	// Missing is set when there is no config file: Docker runs on its
	// defaults.
	Missing bool
	// Env holds the entries of DOCKER_AUTH_CONFIG, which win over
	// everything in the file.
	Env map[string]types.AuthConfig
	// Namespaces is set for a file whose keys may name a namespace
	// (host/team/app), which its tool matches most specific first, as
	// Podman's auth files: a key with a path is then its own, not one
	// Docker would strip to its host.
	Namespaces bool
}

// AuthError says that an `auth` value cannot be decoded. Docker then
// discards the whole config file, so every credential in it is lost.
type AuthError struct {
	File     string
	Registry string
	Reason   string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("%s: auths[%q].auth %s", e.File, e.Registry, e.Reason)
}

// Load reads config.json from dir, as `docker --config dir` would. A missing
// file is an empty config. DOCKER_AUTH_CONFIG is read from getenv.
func Load(dir string, getenv func(string) string) (*Config, error) {
	filename := filepath.Join(dir, "config.json")
	data, err := configjson.ReadFile(filename)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	missing := errors.Is(err, os.ErrNotExist)
	cfg, err := Parse(filename, data)
	if err != nil {
		return nil, err
	}
	cfg.Missing = missing
	if v := getenv(configfile.DockerEnvConfigKey); v != "" {
		if cfg.Env, err = parseEnv(v); err != nil {
			return nil, err
		}
	}
	if !cfg.containsAuth() {
		cfg.CredsStore = configjson.DefaultStore()
		cfg.DefaultStore = cfg.CredsStore != ""
	}
	return cfg, nil
}

// Parse decodes the contents of a config.json named filename as Docker
// does: empty input is an empty config, and what follows the first JSON
// value is ignored.
func Parse(filename string, data []byte) (*Config, error) {
	var file configfile.ConfigFile
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, configjson.JSONError(filename, data, err)
	}
	if n := len(file.AuthConfigs) + len(file.CredentialHelpers); n > MaxEntries {
		return nil, fmt.Errorf("%s holds %d registries: more than %d is not a Docker config", filename, n, MaxEntries)
	}
	cfg := &Config{
		Filename:    filename,
		Auths:       make(map[string]types.AuthConfig, len(file.AuthConfigs)),
		CredsStore:  file.CredentialsStore,
		CredHelpers: file.CredentialHelpers,
		Plugins:     file.Plugins,
	}
	for key, ac := range file.AuthConfigs {
		if ac.Auth != "" {
			user, pass, reason := decodeAuth(ac.Auth)
			if reason != "" {
				return nil, &AuthError{File: filename, Registry: key, Reason: reason}
			}
			ac.Username, ac.Password = user, pass
		}
		ac.Auth = ""
		ac.ServerAddress = key
		cfg.Auths[key] = ac
	}
	return cfg, nil
}

// decodeAuth decodes `auth` as Docker does, but says what is wrong instead
// of returning base64's error, which quotes the input.
func decodeAuth(s string) (user, pass, reason string) {
	decoded, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return "", "", fmt.Sprintf("is not valid base64 (bad character at position %d)", int64(corrupt))
		}
		return "", "", "is not valid base64"
	}
	user, pass, ok := strings.Cut(string(decoded), ":")
	if !ok || user == "" {
		return "", "", `does not decode to "username:password"`
	}
	return user, strings.Trim(pass, "\x00"), ""
}

// parseEnv reads DOCKER_AUTH_CONFIG exactly as strictly as Docker: only
// `auths` with an `auth` per registry.
func parseEnv(v string) (map[string]types.AuthConfig, error) {
	const name = "DOCKER_AUTH_CONFIG"
	var env struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil && !errors.Is(err, io.EOF) {
		return nil, configjson.JSONError(name, []byte(v), err)
	}
	if dec.More() {
		return nil, &configjson.ParseError{File: name, Err: errors.New("holds more than one JSON object")}
	}
	auths := make(map[string]types.AuthConfig, len(env.Auths))
	for key, a := range env.Auths {
		if a.Auth == "" {
			return nil, &AuthError{File: name, Registry: key, Reason: "is missing"}
		}
		user, pass, reason := decodeAuth(a.Auth)
		if reason != "" {
			return nil, &AuthError{File: name, Registry: key, Reason: reason}
		}
		auths[key] = types.AuthConfig{Username: user, Password: pass, ServerAddress: key}
	}
	return auths, nil
}

func (c *Config) containsAuth() bool {
	return c.CredsStore != "" || len(c.CredHelpers) > 0 || len(c.Auths) > 0
}

// PluginSetting returns plugins.acrdoctor[key].
func (c *Config) PluginSetting(key string) string {
	return c.Plugins[setting.Name][key]
}
