package authfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// Sentinels of FormatError, for errors.Is.
var (
	ErrEmpty         = errors.New("empty input: no pull secret, .dockerconfigjson or .dockercfg")
	ErrTooLarge      = fmt.Errorf("larger than %d MiB, which no pull secret is", MaxSize>>20)
	ErrUnknownFormat = errors.New("not a .dockerconfigjson, a .dockercfg or a Kubernetes Secret")
	ErrNotJSON       = errors.New("a .dockerconfigjson in YAML: it must be JSON (or a Kubernetes Secret in YAML)")
	ErrNotSecret     = errors.New("not a Kubernetes Secret")
	ErrNoPullSecret  = errors.New("no pull secret (type " + typeDockerConfigJSON + " or " + typeDockerCfg + ")")
	ErrEmptyRegistry = errors.New("credentials for a registry with an empty name")
)

// Errors inside a pull secret, after the data key they concern.
var (
	errMissing          = errors.New("is missing")
	errEmptyValue       = errors.New("is empty")
	errNotObject        = errors.New("is not a JSON object")
	errNoAuths          = errors.New(`has no "auths", the only part the kubelet reads (is it a .dockercfg? then the secret's type must be ` + typeDockerCfg + ")")
	errAuthsInDockerCfg = errors.New(`holds "auths", which the kubelet takes for a registry of that name (the secret's type must be ` + typeDockerConfigJSON + ")")
	errNotDockerCfg     = errors.New("is not a .dockercfg, a map of registries")
)

// FormatError says that the input as a whole is not what --authfile reads.
// Err is one of the Err* sentinels, possibly wrapped with detail.
type FormatError struct {
	File string
	Err  error
}

func (e *FormatError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FormatError) Unwrap() error { return e.Err }

// NotPullSecretError is a lone Secret of a type the kubelet does not read
// pull credentials from.
type NotPullSecretError struct {
	File   string
	Secret string // namespace/name
	Type   string // "" when the manifest gives none (Kubernetes then makes it Opaque)
	// HasKey is .dockerconfigjson or .dockercfg when the secret holds one
	// anyway: a pull secret created with the wrong type.
	HasKey string
}

func (e *NotPullSecretError) Error() string {
	typ := "is of type " + oneLine(e.Type)
	if e.Type == "" {
		typ = "has no type (so it is Opaque)"
	}
	msg := fmt.Sprintf("%s: secret %s %s, not a pull secret", e.File, e.Secret, typ)
	if e.HasKey != "" {
		want := typeDockerConfigJSON
		if e.HasKey == keyDockerCfg {
			want = typeDockerCfg
		}
		msg += fmt.Sprintf(" (it holds %s, but the kubelet reads only secrets of type %s)", e.HasKey, want)
	}
	return msg
}

// SecretError is something wrong inside a pull secret. Err is a
// *configjson.ParseError or *credstore.AuthError (whose File is the data
// key), or says what is wrong with the data under Key.
type SecretError struct {
	File   string
	Secret string // namespace/name
	Key    string // .dockerconfigjson or .dockercfg
	Err    error
}

func (e *SecretError) Error() string {
	var pe *configjson.ParseError
	var ae *credstore.AuthError
	if errors.As(e.Err, &pe) || errors.As(e.Err, &ae) {
		return fmt.Sprintf("%s: secret %s: %v", e.File, e.Secret, e.Err)
	}
	return fmt.Sprintf("%s: secret %s: %s %v", e.File, e.Secret, e.Key, e.Err)
}

func (e *SecretError) Unwrap() error { return e.Err }

// YAMLError is YAML that does not parse. Line is 1-based, 0 when unknown;
// the YAML parser gives no column.
type YAMLError struct {
	File string
	Line int
	Err  error
}

func (e *YAMLError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: line %d: %v", e.File, e.Line, e.Err)
}

func (e *YAMLError) Unwrap() error { return e.Err }

var (
	yamlLine = regexp.MustCompile(`line (\d+): `)
	// quoted matches what the YAML parser may quote of its input: 'x',
	// `value` and "value".
	quoted = regexp.MustCompile(`\s*('(?:\\.|[^'\\])*'|` + "`[^`]*`" + `|"(?:\\.|[^"\\])*")`)
)

// yamlError turns an error of sigs.k8s.io/yaml into a YAMLError on one
// line, its line number counted from the start of the file (the document
// starts at the 0-based line first), and nothing of the input quoted.
func yamlError(name string, first int, err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return &YAMLError{File: name, Err: errors.New(configjson.TypeError(typ))}
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	if strings.HasPrefix(msg, "unsupported map key") || strings.HasPrefix(msg, "invalid map key") {
		msg = "a map key that is not a string, number or boolean" // the message would print it
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		// "unmarshal errors:\n  line 3: …": keep the first.
		msg = strings.TrimSpace(msg[i+1:])
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			msg = msg[:j]
		}
	}
	line := 0
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil && m[0] == 0 {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = n + first
		msg = msg[m[1]:]
	}
	msg = quoted.ReplaceAllString(msg, "")
	return &YAMLError{File: name, Line: line, Err: errors.New(oneLine(msg))}
}
