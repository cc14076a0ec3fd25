// Package configjson reads Docker's config.json as far as acr-doctor's
// own settings go, and says where a config file stops being JSON. It is
// what the credential helper links of the config, on the path of every
// get: no Docker CLI, no logging library, no reflection on the fast path.
package configjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/acr-doctor/acr-doctor/diagnose/jsonscan"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// MaxSize bounds how much of config.json is read: real files are a
// few KB; a file of this size is not a Docker config.
const MaxSize = 32 << 20

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

// ReadFile reads a config file as Docker would, within bounds: a symbolic
// link is followed, but anything that is not then a regular file (a FIFO,
// a device, a folder) is refused without blocking on it, and a file over
// MaxSize is refused without reading the rest.
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
		return nil, fmt.Errorf("%s is not a regular file but %s", filename, FileKind(fi.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", filename, MaxSize>>20)
	}
	return data, nil
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

// FileKind names what a file that is not a regular file is; "" for a
// regular file.
func FileKind(m fs.FileMode) string {
	switch t := m.Type(); {
	case m.IsRegular():
		return ""
	case t&fs.ModeDir != 0:
		return "a folder"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeSocket != 0:
		return "a socket"
	default:
		return "a special file (" + t.String() + ")"
	}
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
	if scanSettings(data, s) {
		return s, nil
	}
	*s = Settings{Filename: s.Filename} // what the scan read before it gave up
	err = json.NewDecoder(bytes.NewReader(data)).Decode(s)
	var typ *json.UnmarshalTypeError
	if err != nil && !errors.Is(err, io.EOF) && !errors.As(err, &typ) {
		return nil, JSONError(s.Filename, data, err)
	}
	return s, nil
}

// scanSettings reads the Settings of a config.json that is one JSON object
// whose settings are strings and objects of strings, with no \u escape:
// what configure writes, and what people write. The credential helper
// reads them on every get, where encoding/json's reflection cost 0.1-0.2
// ms. It is false for any other file, which encoding/json then reads;
// where true, s is what encoding/json reads (FuzzScanSettings): keys are
// matched without regard to case, a later credHelpers or plugins adds to
// an earlier one, and a plugin's object replaces an earlier one of its
// name.
func scanSettings(data []byte, s *Settings) bool {
	if !json.Valid(data) {
		return false
	}
	sc := jsonscan.Scanner{B: data}
	str := func(set func(string)) bool {
		v, ok := sc.String()
		set(v)
		return ok
	}
	return sc.Object(func(key string) bool {
		switch {
		case strings.EqualFold(key, "credsStore"):
			return str(func(v string) { s.CredsStore = v })
		case strings.EqualFold(key, "credHelpers"):
			if s.CredHelpers == nil {
				s.CredHelpers = map[string]string{}
			}
			return sc.Object(func(host string) bool {
				return str(func(v string) { s.CredHelpers[host] = v })
			})
		case strings.EqualFold(key, "plugins"):
			if s.Plugins == nil {
				s.Plugins = map[string]map[string]string{}
			}
			return sc.Object(func(name string) bool {
				plugin := map[string]string{}
				s.Plugins[name] = plugin
				return sc.Object(func(k string) bool {
					return str(func(v string) { plugin[k] = v })
				})
			})
		}
		sc.Skip()
		return true
	})
}

// PluginSetting returns plugins.acrdoctor[key].
func (s *Settings) PluginSetting(key string) string {
	return s.Plugins[setting.Name][key]
}

// ValidHelperName reports whether name can follow docker-credential- in a
// program name: no path, no shell syntax, and short enough for a file
// name (255 bytes in all).
func ValidHelperName(name string) bool {
	if len(name) > 255-len("docker-credential-") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return name != "" && name != "." && name != ".."
}

// RoutesToWrapper reports whether a config.json with this credsStore and
// credHelpers sends some registry to the wrapper.
func RoutesToWrapper(credsStore string, credHelpers map[string]string) bool {
	if credsStore == setting.Name {
		return true
	}
	for _, h := range credHelpers {
		if h == setting.Name {
			return true
		}
	}
	return false
}

// Backend is the helper the wrapper passes requests on to, as config.json
// names it (ACRDOCTOR_CREDENTIAL_BACKEND, which comes first, apart): its
// plugins.acrdoctor.credential-backend (plugin); else, where the wrapper
// serves registries through credHelpers, the credsStore the others go to,
// which Docker would have used for these too; else the platform's default
// (DefaultStore). where says which it was.
func Backend(plugin, credsStore string) (name, where string) {
	switch {
	case plugin != "":
		return plugin, "plugins." + setting.Name + "." + setting.Backend
	case credsStore != "" && credsStore != setting.Name:
		return credsStore, "credsStore"
	}
	return DefaultStore(), "the platform default"
}

// DefaultStore is the credential helper Docker uses when config.json names
// none and holds no credentials: the platform's own, where its program is
// on PATH; else "", Docker's file store. It is docker/cli's
// DetectDefaultStore, which TestDefaultStore holds it to, without the
// packages that come with it.
func DefaultStore() string {
	name := platformStore()
	if name == "" {
		return ""
	}
	if _, err := exec.LookPath("docker-credential-" + name); err != nil {
		return ""
	}
	return name
}

func platformStore() string {
	switch runtime.GOOS {
	case "linux":
		if _, err := exec.LookPath("pass"); err == nil {
			return "pass"
		}
		return "secretservice"
	case "darwin":
		return "osxkeychain"
	case "windows":
		return "wincred"
	}
	return ""
}

// ShortName is a setting's value as a message quotes it: at most 64 bytes
// of it, which a value that is no name (a megabyte pasted by mistake)
// passes.
func ShortName(name string) string {
	if len(name) > 64 {
		return strconv.Quote(name[:64]) + "…"
	}
	return strconv.Quote(name)
}
