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
	"regexp"
	"strings"
	"sync"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// MaxEntries bounds the registries a config.json may name: people log in
// to a few dozen at most, and every one is assessed, and maybe checked.
const MaxEntries = 10000

// MaxConfigSize bounds how much of config.json is read: real files are a
// few KB; a file of this size is not a Docker config.
const MaxConfigSize = 32 << 20

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

// ParseError says where config.json (or DOCKER_AUTH_CONFIG) stops being
// valid JSON, or holds a value of the wrong type.
type ParseError struct {
	File   string
	Offset int64 // byte offset into the file
	Line   int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: line %d, column %d (byte %d): %v", e.File, e.Line, e.Column, e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

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
	data, err := ReadFile(filename)
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
		cfg.CredsStore = credentials.DetectDefaultStore("")
		cfg.DefaultStore = cfg.CredsStore != ""
	}
	return cfg, nil
}

// ReadFile reads a config file as Docker would, within bounds: a symbolic
// link is followed, but anything that is not then a regular file (a FIFO,
// a device, a folder) is refused without blocking on it, and a file over
// MaxConfigSize is refused without reading the rest.
func ReadFile(filename string) ([]byte, error) {
	f, err := os.OpenFile(filename, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", filename, fi.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", filename, MaxConfigSize>>20)
	}
	return data, nil
}

// Parse decodes the contents of a config.json named filename as Docker
// does: empty input is an empty config, and what follows the first JSON
// value is ignored.
func Parse(filename string, data []byte) (*Config, error) {
	var file configfile.ConfigFile
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, JSONError(filename, data, err)
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

// JSONError turns an error of encoding/json over data into a *ParseError
// with line and column. It never quotes the input: encoding/json names the
// offending character, which may be a piece of a credential.
func JSONError(file string, data []byte, err error) error {
	var offset int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
		err = &redactedError{msg: jsonChar().ReplaceAllString(err.Error(), ""), err: err}
	case errors.As(err, &typ):
		offset = typ.Offset
		err = &redactedError{msg: fmt.Sprintf("%s, not a JSON %s", TypeError(typ), typ.Value), err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		offset = int64(len(data))
		err = &redactedError{msg: "unexpected end of JSON input", err: err}
	}
	if offset < 0 {
		return &ParseError{File: file, Err: err}
	}
	return At(file, data, offset, err)
}

// At is a ParseError for err at byte offset of data.
func At(file string, data []byte, offset int64, err error) *ParseError {
	line, col := lineCol(data, offset)
	return &ParseError{File: file, Offset: offset, Line: line, Column: col, Err: err}
}

// jsonChar is the character of the input encoding/json quotes; compiled
// on first use, not at the start of every credential helper run.
var jsonChar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s*'(?:\\.|[^'\\])*'`) })

// redactedError shows a message with nothing of the input quoted, and
// keeps the error it came from for errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// TypeError says in words what a value of the wrong JSON type should be:
// `"auths" must be an object`.
func TypeError(e *json.UnmarshalTypeError) string {
	field := "the document"
	if e.Field != "" {
		field = fmt.Sprintf("%q", e.Field)
	}
	return field + " must be " + kindOf(e)
}

func kindOf(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "another type"
	}
	switch e.Type.Kind().String() {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	}
	return "a " + e.Type.String()
}

// lineCol converts a byte offset to a 1-based line and column. The offset
// json reports is just past the offending byte.
func lineCol(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	prefix := data[:offset]
	line = bytes.Count(prefix, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(prefix, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
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
		return nil, JSONError(name, []byte(v), err)
	}
	if dec.More() {
		return nil, &ParseError{File: name, Err: errors.New("holds more than one JSON object")}
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

// Settings are the keys of config.json that choose a credential store,
// and the plugins' settings: what a credential helper needs to read.
type Settings struct {
	Filename    string                       `json:"-"`
	CredsStore  string                       `json:"credsStore"`
	CredHelpers map[string]string            `json:"credHelpers"`
	Plugins     map[string]map[string]string `json:"plugins"`
}

// LoadSettings reads the Settings of dir/config.json as leniently as
// Docker reads the file: a value of the wrong type is skipped and an auths
// entry is not even decoded (Docker warns and goes on with the rest), and
// what follows the first JSON value is ignored. Only a file that is not
// JSON fails. A missing file has no settings.
func LoadSettings(dir string) (*Settings, error) {
	s := &Settings{Filename: filepath.Join(dir, "config.json")}
	data, err := ReadFile(s.Filename)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	err = json.NewDecoder(bytes.NewReader(data)).Decode(s)
	var typ *json.UnmarshalTypeError
	if err != nil && !errors.Is(err, io.EOF) && !errors.As(err, &typ) {
		return nil, JSONError(s.Filename, data, err)
	}
	return s, nil
}

// PluginSetting returns plugins.acrdoctor[key].
func (s *Settings) PluginSetting(key string) string {
	return s.Plugins[setting.Name][key]
}
