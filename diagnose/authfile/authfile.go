// Package authfile reads what `--authfile FILE|-` names: a Kubernetes pull
// secret, in any of the shapes people have at hand, turned into a
// credstore.Config so the rest of the tool diagnoses its entries exactly as
// it diagnoses Docker's own.
//
// Accepted, told apart by content rather than by file name:
//
//   - a .dockerconfigjson: {"auths":{…}}, the shape of Docker's config.json
//     (and of podman's auth.json), read by credstore.Parse;
//   - a legacy .dockercfg: {"myreg.azurecr.io":{"auth":"…","email":"…"}},
//     the registries at the top level;
//   - a Kubernetes Secret as `kubectl get secret NAME -o yaml|json` prints
//     it, of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg,
//     with base64 `data` or plain `stringData`; a `kind: List` of objects
//     (`kubectl get secrets -o yaml`) or a YAML stream of several documents,
//     whose pull secrets are all read, other objects skipped.
//
// The .dockerconfigjson and .dockercfg forms are JSON, as Kubernetes requires
// them to be; Secrets may be YAML or JSON.
//
// Errors are one line naming the file, and never quote a credential:
//
//   - *configjson.ParseError: JSON that is malformed or holds a value of the
//     wrong type, with line and column;
//   - *YAMLError: YAML that is malformed, with the line where known;
//   - *credstore.AuthError: an `auth` that does not decode;
//   - *NotPullSecretError: a lone Secret of another type (Opaque, TLS…);
//   - *SecretError: something wrong inside a pull secret (its data not
//     base64, its key missing, its .dockerconfigjson malformed: the error
//     inside is one of the above);
//   - *FormatError: empty or oversized input, a document of no known shape,
//     a List with no pull secret, a registry with an empty name; its Err is
//     one of the Err* sentinels, for errors.Is.
package authfile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/docker/cli/cli/config/types"
	"sigs.k8s.io/yaml"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// MaxSize bounds the input: a pull secret is a few KB, a List of every
// secret of a big namespace well under a megabyte.
const MaxSize = 8 << 20

// Format is the shape the input was read as.
type Format string

const (
	DockerConfigJSON Format = "dockerconfigjson" // {"auths":{…}}
	DockerCfg        Format = "dockercfg"        // {"registry":{…}}
	SecretYAML       Format = "secret-yaml"      // Secret(s) in YAML
	SecretJSON       Format = "secret-json"      // Secret(s) in JSON
)

// Secret types the kubelet reads image pull credentials from, and the data
// key each keeps them under.
const (
	typeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	typeDockerCfg        = "kubernetes.io/dockercfg"
	keyDockerConfigJSON  = ".dockerconfigjson"
	keyDockerCfg         = ".dockercfg"
)

// Load reads the contents of what `--authfile` names and returns its
// credentials as a credential-store config whose Auths hold one entry per
// registry, `auth` decoded into Username and Password as Docker does. name
// is the file name ("-" for standard input), used in messages and as the
// config's Filename.
//
// A .dockerconfigjson keeps credsStore and credHelpers, as podman and Docker
// would honour them; a Secret's do not, since the kubelet reads only the
// username, password and auth of each entry of auths (no identitytoken).
// When two pull secrets hold the same registry, the first one wins.
func Load(name string, data []byte) (*credstore.Config, Format, error) {
	if name == "-" {
		name = "standard input"
	}
	if len(data) > MaxSize {
		return nil, "", &FormatError{File: name, Err: ErrTooLarge}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM, as editors on Windows write
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, "", &FormatError{File: name, Err: ErrEmpty}
	}
	var (
		cfg    *credstore.Config
		format Format
		err    error
	)
	if trimmed[0] == '{' || trimmed[0] == '[' {
		cfg, format, err = loadJSON(name, data)
	} else {
		cfg, format, err = loadYAML(name, data)
	}
	if err != nil {
		return nil, "", err
	}
	for key := range cfg.Auths {
		if strings.TrimSpace(key) == "" {
			return nil, "", &FormatError{File: name, Err: ErrEmptyRegistry}
		}
	}
	return cfg, format, nil
}

// object is what is read of a Kubernetes object: enough of a Secret, and
// the items of a List.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Type       string            `json:"type"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
	Items      []object          `json:"items"`
}

func (o *object) isList() bool {
	return o.Kind == "List" || strings.HasSuffix(o.Kind, "List") && o.Items != nil
}

// loadJSON reads a document that starts as JSON does.
func loadJSON(name string, data []byte) (*credstore.Config, Format, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, "", configjson.JSONError(name, data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "", configjson.At(name, data, dec.InputOffset(), errors.New("holds more than one JSON document"))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, "", &FormatError{File: name, Err: ErrUnknownFormat}
	}
	if _, ok := top["kind"]; ok {
		var obj object
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, "", configjson.JSONError(name, data, err)
		}
		cfg, err := fromObjects(name, []object{obj}, obj.isList())
		return cfg, SecretJSON, err
	}
	cfg, format, err := parseDockerJSON(name, name, data, top)
	if err != nil {
		return nil, "", err
	}
	return cfg, format, nil
}

// parseDockerJSON reads a .dockerconfigjson or a .dockercfg, top holding
// its top-level keys. name is what errors call it; filename is the config's.
func parseDockerJSON(name, filename string, data []byte, top map[string]json.RawMessage) (*credstore.Config, Format, error) {
	if isDockerConfigJSON(top) {
		cfg, err := credstore.Parse(name, data)
		if err != nil {
			return nil, "", err
		}
		cfg.Filename = filename
		return cfg, DockerConfigJSON, nil
	}
	cfg, err := parseDockerCfg(name, data, top)
	if err != nil {
		return nil, "", err
	}
	cfg.Filename = filename
	return cfg, DockerCfg, nil
}

// isDockerConfigJSON tells a config.json from a .dockercfg: the former has
// auths or names a helper; an empty object is an empty config.json.
func isDockerConfigJSON(top map[string]json.RawMessage) bool {
	if len(top) == 0 {
		return true
	}
	for _, k := range []string{"auths", "credsStore", "credHelpers"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

// dockerCfgEntry is one registry of a .dockercfg, as the kubelet reads it.
type dockerCfgEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth,omitempty"`
}

// parseDockerCfg reads a legacy .dockercfg: registries at the top level.
// Its entries are handed to credstore.Parse as the auths of a config.json,
// so `auth` decodes exactly as it does for Docker.
func parseDockerCfg(name string, data []byte, top map[string]json.RawMessage) (*credstore.Config, error) {
	for _, v := range top {
		if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '{' {
			// The top level holds something else than registries.
			return nil, &FormatError{File: name, Err: ErrUnknownFormat}
		}
	}
	var entries map[string]dockerCfgEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, configjson.JSONError(name, data, err)
	}
	empty := 0
	for _, e := range entries {
		if e == (dockerCfgEntry{}) {
			empty++
		}
	}
	if empty == len(entries) {
		// {"foo": {"bar": 1}}: not one field of a registry entry, so this
		// is some other JSON document.
		return nil, &FormatError{File: name, Err: ErrUnknownFormat}
	}
	asConfig, err := json.Marshal(map[string]any{"auths": entries})
	if err != nil {
		return nil, &FormatError{File: name, Err: err}
	}
	cfg, err := credstore.Parse(name, asConfig)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// loadYAML reads a YAML stream of Kubernetes objects.
func loadYAML(name string, data []byte) (*credstore.Config, Format, error) {
	var objs []object
	list := false
	docs := splitYAML(data)
	for _, d := range docs {
		if len(bytes.TrimSpace(d.text)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(d.text)
		if err != nil {
			return nil, "", yamlError(name, d.line, err)
		}
		if bytes.Equal(j, []byte("null")) {
			continue // an empty document, or one of comments only
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(j, &top); err != nil || top == nil {
			return nil, "", &FormatError{File: name, Err: ErrUnknownFormat}
		}
		if _, ok := top["kind"]; !ok {
			err := ErrUnknownFormat
			if _, ok := top["auths"]; ok {
				err = ErrNotJSON
			}
			return nil, "", &FormatError{File: name, Err: err}
		}
		// Decode again, with the target's types, so that YAML scalars
		// that are not strings (a base64 value of digits only, yes/no)
		// are read as the strings Kubernetes reads them as.
		var obj object
		if err := yaml.Unmarshal(d.text, &obj); err != nil {
			return nil, "", yamlError(name, d.line, err)
		}
		list = list || obj.isList()
		objs = append(objs, obj)
	}
	if len(objs) == 0 {
		return nil, "", &FormatError{File: name, Err: ErrEmpty}
	}
	cfg, err := fromObjects(name, objs, list || len(objs) > 1)
	return cfg, SecretYAML, err
}

// yamlDoc is one document of a YAML stream and the line it starts on.
type yamlDoc struct {
	text []byte
	line int // 0-based line of the file where text starts
}

// splitYAML splits a stream at its `---` markers (which YAML allows only at
// the start of a line; inside a block scalar they would be indented).
// sigs.k8s.io/yaml reads only the first document of a stream.
func splitYAML(data []byte) []yamlDoc {
	var docs []yamlDoc
	start, startLine, line := 0, 0, 0
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		l := bytes.TrimRight(data[off:next], "\r\n")
		if bytes.Equal(l, []byte("---")) || bytes.HasPrefix(l, []byte("--- ")) || bytes.Equal(l, []byte("...")) {
			docs = append(docs, yamlDoc{text: data[start:off], line: startLine})
			// `--- ` may carry content on its line; keep it, less the marker.
			start, startLine = off+3, line
			if l[0] == '.' {
				start, startLine = next, line+1
			}
		}
		off = next
		line++
	}
	return append(docs, yamlDoc{text: data[start:], line: startLine})
}

// fromObjects collects the credentials of the pull secrets among objs.
// With many (a List, a stream), Secrets of other types and other kinds of
// object are skipped; a lone object must be a pull secret.
func fromObjects(name string, objs []object, many bool) (*credstore.Config, error) {
	var secrets []object
	others := 0
	for _, o := range objs {
		if o.isList() {
			for _, it := range o.Items {
				if it.Kind == "Secret" {
					secrets = append(secrets, it)
				} else {
					others++
				}
			}
			continue
		}
		if o.Kind != "Secret" {
			if !many {
				return nil, &FormatError{File: name, Err: fmt.Errorf("%w: it is a %s", ErrNotSecret, oneLine(o.Kind))}
			}
			others++
			continue
		}
		secrets = append(secrets, o)
	}
	cfg := &credstore.Config{Filename: name, Auths: map[string]types.AuthConfig{}}
	pulls := 0
	for i, s := range secrets {
		id := secretID(s, i, len(secrets))
		if s.Type != typeDockerConfigJSON && s.Type != typeDockerCfg {
			if !many {
				return nil, &NotPullSecretError{File: name, Secret: id, Type: s.Type, HasKey: pullKey(s)}
			}
			continue
		}
		pulls++
		auths, err := secretAuths(name, id, s)
		if err != nil {
			return nil, err
		}
		for k, v := range auths {
			if _, seen := cfg.Auths[k]; !seen {
				cfg.Auths[k] = v
			}
		}
	}
	if pulls == 0 {
		detail := fmt.Sprintf("%d secrets of other types", len(secrets))
		if len(secrets) == 1 {
			detail = "1 secret of another type"
		}
		if others > 0 {
			detail += fmt.Sprintf(", %d other objects", others)
		}
		return nil, &FormatError{File: name, Err: fmt.Errorf("%w: %s", ErrNoPullSecret, detail)}
	}
	return cfg, nil
}

// secretAuths reads the registries of one pull secret.
func secretAuths(name, id string, s object) (map[string]types.AuthConfig, error) {
	key := keyDockerConfigJSON
	if s.Type == typeDockerCfg {
		key = keyDockerCfg
	}
	wrap := func(err error) error { return &SecretError{File: name, Secret: id, Key: key, Err: err} }
	// stringData is merged over data when the Secret is written, so it wins.
	var content []byte
	if v, ok := s.StringData[key]; ok {
		content = []byte(v)
	} else if v, ok := s.Data[key]; ok {
		dec, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, wrap(base64Error(err))
		}
		content = dec
	} else {
		return nil, wrap(errMissing)
	}
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil, wrap(errEmptyValue)
	}
	if trimmed[0] != '{' {
		return nil, wrap(errNotObject)
	}
	dec := json.NewDecoder(bytes.NewReader(content))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, wrap(configjson.JSONError(key, content, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, wrap(errors.New("holds more than one JSON document"))
	}
	var (
		cfg *credstore.Config
		err error
	)
	if key == keyDockerConfigJSON {
		// The kubelet reads only auths; a registry map at the top level in
		// a .dockerconfigjson is a mistake it does not forgive.
		if _, ok := top["auths"]; !ok && len(top) > 0 {
			return nil, wrap(errNoAuths)
		}
		cfg, err = credstore.Parse(key, content)
	} else {
		if _, ok := top["auths"]; ok {
			return nil, wrap(errAuthsInDockerCfg)
		}
		cfg, err = parseDockerCfg(key, content, top)
	}
	if err != nil {
		if errors.Is(err, ErrUnknownFormat) {
			err = errNotDockerCfg
		}
		return nil, wrap(err)
	}
	// The kubelet reads username, password and auth of each entry, and
	// nothing else: a token in a pull secret is never sent.
	auths := maps.Clone(cfg.Auths)
	for k, a := range auths {
		a.IdentityToken, a.RegistryToken = "", ""
		auths[k] = a
	}
	return auths, nil
}

// secretID names a secret in messages: namespace/name, or its place.
func secretID(s object, i, n int) string {
	switch {
	case s.Metadata.Name == "" && n > 1:
		return "#" + strconv.Itoa(i+1)
	case s.Metadata.Name == "":
		return "(unnamed)"
	case s.Metadata.Namespace != "":
		return oneLine(s.Metadata.Namespace + "/" + s.Metadata.Name)
	}
	return oneLine(s.Metadata.Name)
}

// pullKey is the pull-secret data key a secret of another type holds, the
// sign of a pull secret created with the wrong type.
func pullKey(s object) string {
	for _, k := range []string{keyDockerConfigJSON, keyDockerCfg} {
		if _, ok := s.Data[k]; ok {
			return k
		}
		if _, ok := s.StringData[k]; ok {
			return k
		}
	}
	return ""
}

// oneLine keeps a name from the input printable on one line and short.
func oneLine(s string) string {
	const max = 100
	s = strconv.Quote(s)
	s = s[1 : len(s)-1]
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func base64Error(err error) error {
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		return fmt.Errorf("is not valid base64 (bad character at position %d)", int64(corrupt))
	}
	return errors.New("is not valid base64")
}
