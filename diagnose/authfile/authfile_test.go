package authfile

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// Every credential in the fixtures holds "SENTINEL", so that a test can
// tell an error that quotes one.
const sentinel = "SENTINEL"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type cred struct{ user, pass string }

func TestLoadFormats(t *testing.T) {
	listJSON, err := yaml.YAMLToJSON(fixture(t, "list.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	one := cred{"00000000-0000-0000-0000-000000000000", "pw-SENTINEL-one"}
	two := cred{"acrpull-token", "pw-SENTINEL-two"}
	three := cred{"octo", "pw-SENTINEL-three"}
	tests := []struct {
		name   string
		data   []byte
		format Format
		want   map[string]cred
		helper bool // credsStore kept
	}{
		{"dockerconfigjson.json", fixture(t, "dockerconfigjson.json"), DockerConfigJSON,
			map[string]cred{"contoso.azurecr.io": one, "ghcr.io": three}, false},
		{"dockercfg.json", fixture(t, "dockercfg.json"), DockerCfg,
			map[string]cred{"contoso.azurecr.io": two, "https://index.docker.io/v1/": three}, false},
		{"secret.yaml", fixture(t, "secret.yaml"), SecretYAML,
			map[string]cred{"contoso.azurecr.io": one}, false},
		{"secret.json", fixture(t, "secret.json"), SecretJSON,
			map[string]cred{"contoso.azurecr.io": one}, false},
		// Two pull secrets name contoso: the first wins; the Opaque one is skipped.
		{"list.yaml", fixture(t, "list.yaml"), SecretYAML,
			map[string]cred{"contoso.azurecr.io": one, "fabrikam.azurecr.io": three}, false},
		{"list.json", listJSON, SecretJSON,
			map[string]cred{"contoso.azurecr.io": one, "fabrikam.azurecr.io": three}, false},
		{"stringdata.yaml", fixture(t, "stringdata.yaml"), SecretYAML,
			map[string]cred{"contoso.azurecr.io": two}, false},
		{"dockercfg-secret.yaml", fixture(t, "dockercfg-secret.yaml"), SecretYAML,
			map[string]cred{"contoso.azurecr.io": two, "https://index.docker.io/v1/": three}, false},
		{"multidoc.yaml", fixture(t, "multidoc.yaml"), SecretYAML,
			map[string]cred{"contoso.azurecr.io": two, "fabrikam.azurecr.io": three}, false},
		{"crlf-bom.yaml", append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(fixture(t, "secret.yaml"), []byte("\n"), []byte("\r\n"))...), SecretYAML,
			map[string]cred{"contoso.azurecr.io": one}, false},
		{"empty-auths.json", []byte(`{"auths":{}}`), DockerConfigJSON, map[string]cred{}, false},
		{"helper.json", []byte(`{"auths":{"contoso.azurecr.io":{}},"credsStore":"desktop"}`), DockerConfigJSON,
			map[string]cred{"contoso.azurecr.io": {}}, true},
		// stringData wins over data, as when the Secret is written.
		{"stringdata-wins.yaml", []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: p}\ntype: kubernetes.io/dockerconfigjson\n" +
			"data:\n  .dockerconfigjson: " + b64(`{"auths":{"old.azurecr.io":{"auth":"`+b64("a:pw-SENTINEL-old")+`"}}}`) + "\n" +
			"stringData:\n  .dockerconfigjson: '{\"auths\":{\"new.azurecr.io\":{\"username\":\"u\",\"password\":\"pw-SENTINEL-new\"}}}'\n"),
			SecretYAML, map[string]cred{"new.azurecr.io": {"u", "pw-SENTINEL-new"}}, false},
		// A token in a pull secret is never sent by the kubelet.
		{"secret-token.yaml", []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: p}\ntype: kubernetes.io/dockerconfigjson\n" +
			"stringData:\n  .dockerconfigjson: '{\"auths\":{\"c.azurecr.io\":{\"identitytoken\":\"tok-SENTINEL\"}},\"credsStore\":\"desktop\"}'\n"),
			SecretYAML, map[string]cred{"c.azurecr.io": {}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, format, err := Load(tt.name, tt.data)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if format != tt.format {
				t.Errorf("format = %q, want %q", format, tt.format)
			}
			if cfg.Filename != tt.name {
				t.Errorf("Filename = %q, want %q", cfg.Filename, tt.name)
			}
			if (cfg.CredsStore != "") != tt.helper {
				t.Errorf("CredsStore = %q", cfg.CredsStore)
			}
			if len(cfg.Auths) != len(tt.want) {
				t.Errorf("Auths has %d entries, want %d", len(cfg.Auths), len(tt.want))
			}
			for key, want := range tt.want {
				got, ok := cfg.Auths[key]
				switch {
				case !ok:
					t.Errorf("no entry for %s", key)
				case got.Username != want.user || got.Password != want.pass:
					t.Errorf("%s: user %q, password %q; want %q, %q", key, got.Username, got.Password, want.user, want.pass)
				case got.ServerAddress != key || got.Auth != "" || got.IdentityToken != "":
					t.Errorf("%s: entry %+v", key, got)
				}
			}
		})
	}
}

func TestLoadStdinName(t *testing.T) {
	_, _, err := Load("-", nil)
	if err == nil || err.Error() != "standard input: "+ErrEmpty.Error() {
		t.Errorf("Load(-) = %v", err)
	}
}

// secretYAML is a Secret as kubectl prints it, holding key: value.
func secretYAML(typ, key, value string) []byte {
	return []byte(`apiVersion: v1
data:
  ` + key + `: ` + value + `
kind: Secret
metadata:
  creationTimestamp: "2025-03-14T09:26:53Z"
  name: acr-pull
  namespace: default
  resourceVersion: "48213"
  uid: 7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f
type: ` + typ + "\n")
}

func TestLoadErrors(t *testing.T) {
	const dcj = "kubernetes.io/dockerconfigjson"
	badAuth := b64("pw-SENTINEL")[:6] + "!!" // not base64, and part of a secret
	var (
		parseErr  *configjson.ParseError
		authErr   *credstore.AuthError
		yamlErr   *YAMLError
		secretErr *SecretError
		notPull   *NotPullSecretError
		formatErr *FormatError
	)
	tests := []struct {
		name string
		data []byte
		want string
		as   any   // pointer to the error type expected in the chain
		is   error // sentinel expected, if any
	}{
		{"empty.json", nil, "empty.json: " + ErrEmpty.Error(), &formatErr, ErrEmpty},
		{"blank.yaml", []byte(" \n\t\n"), "blank.yaml: " + ErrEmpty.Error(), &formatErr, ErrEmpty},
		{"comments.yaml", []byte("# nothing here\n---\n# nor here\n"), "comments.yaml: " + ErrEmpty.Error(), &formatErr, ErrEmpty},
		{"huge.json", bytes.Repeat([]byte(" "), MaxSize+1), "huge.json: larger than 8 MiB, which no pull secret is", &formatErr, ErrTooLarge},
		{"syntax.json", []byte("{\"auths\": {\n  \"contoso.azurecr.io\": {\"auth\": \"" + b64("u:pw-SENTINEL") + "\",}\n}}"),
			"syntax.json: line 2, column 57 (byte 69): invalid character looking for beginning of object key string", &parseErr, nil},
		{"truncated.json", []byte(`{"auths":{"contoso.azurecr.io":{"auth":"` + b64("u:pw-SENTINEL")),
			"truncated.json: line 1, column 60 (byte 60): unexpected end of JSON input", &parseErr, nil},
		{"two.json", []byte("{}\n{}"), "two.json: line 2, column 1 (byte 4): holds more than one JSON document", &parseErr, nil},
		{"array.json", []byte(`[{"auths":{}}]`), "array.json: " + ErrUnknownFormat.Error(), &formatErr, ErrUnknownFormat},
		{"other.json", []byte(`{"name":"pw-SENTINEL"}`), "other.json: " + ErrUnknownFormat.Error(), &formatErr, ErrUnknownFormat},
		{"other-objects.json", []byte(`{"spec":{"replicas":1}}`), "other-objects.json: " + ErrUnknownFormat.Error(), &formatErr, ErrUnknownFormat},
		{"wrongtype.json", []byte(`{"auths":{"contoso.azurecr.io":{"auth":5}}}`),
			`wrongtype.json: line 1, column 40 (byte 40): "auths.auth" must be a string, not a JSON number`, &parseErr, nil},
		{"cfg-wrongtype.json", []byte(`{"contoso.azurecr.io":{"auth":"` + b64("u:pw-SENTINEL") + `","password":true}}`),
			`cfg-wrongtype.json: line 1, column 68 (byte 68): "password" must be a string, not a JSON bool`, &parseErr, nil},
		{"badauth.json", []byte(`{"auths":{"contoso.azurecr.io":{"auth":"` + badAuth + `"}}}`),
			`badauth.json: auths["contoso.azurecr.io"].auth is not valid base64 (bad character at position 6)`, &authErr, nil},
		{"nocolon.dockercfg", []byte(`{"contoso.azurecr.io":{"auth":"` + b64("pw-SENTINEL") + `","email":"a@b.c"}}`),
			`nocolon.dockercfg: auths["contoso.azurecr.io"].auth does not decode to "username:password"`, &authErr, nil},
		{"emptykey.json", []byte(`{"auths":{"":{"auth":"` + b64("u:pw-SENTINEL") + `"}}}`),
			"emptykey.json: " + ErrEmptyRegistry.Error(), &formatErr, ErrEmptyRegistry},
		{"bad.yaml", []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-pull\n type: x\n"),
			"bad.yaml: line 4: did not find expected key", &yamlErr, nil},
		{"tab.yaml", []byte("apiVersion: v1\nkind: Secret\ndata:\n\t.dockerconfigjson: " + b64("pw-SENTINEL") + "\n"),
			"tab.yaml: line 4: found character that cannot start any token", &yamlErr, nil},
		{"second-doc.yaml", append(fixture(t, "secret.yaml"), "---\napiVersion: v1\nkind: Secret\n  bad: [\n"...),
			"second-doc.yaml: line 15: mapping values are not allowed in this context", &yamlErr, nil},
		{"anchor.yaml", []byte("apiVersion: v1\nkind: Secret\ndata: *pw-SENTINEL\n"),
			"anchor.yaml: unknown anchor referenced", &yamlErr, nil},
		{"mapkey.yaml", []byte("kind: Secret\n? [12345, pw-SENTINEL]\n: c\n"),
			"mapkey.yaml: a map key that is not a string, number or boolean", &yamlErr, nil},
		{"yaml-types.yaml", []byte("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata: [pw-SENTINEL]\n"),
			`yaml-types.yaml: "data" must be an object`, &yamlErr, nil},
		{"opaque.yaml", secretYAML("Opaque", "password", b64("pw-SENTINEL")),
			"opaque.yaml: secret default/acr-pull is of type Opaque, not a pull secret", &notPull, nil},
		{"opaque-dcj.yaml", secretYAML("Opaque", ".dockerconfigjson", b64(`{"auths":{}}`)),
			"opaque-dcj.yaml: secret default/acr-pull is of type Opaque, not a pull secret (it holds .dockerconfigjson, but the kubelet reads only secrets of type kubernetes.io/dockerconfigjson)", &notPull, nil},
		{"notype.yaml", []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-pull\nstringData:\n  .dockercfg: '{}'\n"),
			"notype.yaml: secret acr-pull has no type (so it is Opaque), not a pull secret (it holds .dockercfg, but the kubelet reads only secrets of type kubernetes.io/dockercfg)", &notPull, nil},
		{"tls.json", []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"web-tls","namespace":"shop"},"type":"kubernetes.io/tls","data":{"tls.key":"` + b64("pw-SENTINEL") + `"}}`),
			"tls.json: secret shop/web-tls is of type kubernetes.io/tls, not a pull secret", &notPull, nil},
		{"notbase64.yaml", secretYAML(dcj, ".dockerconfigjson", "eyJhdXRocyI6e30-"+badAuth),
			"notbase64.yaml: secret default/acr-pull: .dockerconfigjson is not valid base64 (bad character at position 15)", &secretErr, nil},
		{"inner-syntax.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":{"contoso.azurecr.io":{"password":"pw-SENTINEL"`)),
			"inner-syntax.yaml: secret default/acr-pull: .dockerconfigjson: line 1, column 56 (byte 56): unexpected end of JSON input", &parseErr, nil},
		{"inner-char.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":{"contoso.azurecr.io":{"password":"x"}}`+"\n}S")),
			"inner-char.yaml: secret default/acr-pull: .dockerconfigjson holds more than one JSON document", &secretErr, nil},
		{"inner-badchar.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":{"c.azurecr.io":{"password":"x"}Sx`)),
			"inner-badchar.yaml: secret default/acr-pull: .dockerconfigjson: line 1, column 42 (byte 42): invalid character after object key:value pair", &parseErr, nil},
		{"inner-auth.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":{"contoso.azurecr.io":{"auth":"`+badAuth+`"}}}`)),
			`inner-auth.yaml: secret default/acr-pull: .dockerconfigjson: auths["contoso.azurecr.io"].auth is not valid base64 (bad character at position 6)`, &authErr, nil},
		{"inner-type.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":["pw-SENTINEL"]}`)),
			`inner-type.yaml: secret default/acr-pull: .dockerconfigjson: line 1, column 10 (byte 10): "auths" must be an object, not a JSON array`, &parseErr, nil},
		{"missing.yaml", secretYAML(dcj, ".dockercfg", b64(`{}`)),
			"missing.yaml: secret default/acr-pull: .dockerconfigjson is missing", &secretErr, nil},
		{"emptyvalue.yaml", secretYAML(dcj, ".dockerconfigjson", `""`),
			"emptyvalue.yaml: secret default/acr-pull: .dockerconfigjson is empty", &secretErr, nil},
		{"notobject.yaml", secretYAML(dcj, ".dockerconfigjson", b64("pw-SENTINEL")),
			"notobject.yaml: secret default/acr-pull: .dockerconfigjson is not a JSON object", &secretErr, nil},
		{"noauths.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"contoso.azurecr.io":{"auth":"`+b64("u:pw-SENTINEL")+`"}}`)),
			`noauths.yaml: secret default/acr-pull: .dockerconfigjson has no "auths", the only part the kubelet reads (is it a .dockercfg? then the secret's type must be kubernetes.io/dockercfg)`, &secretErr, nil},
		{"auths-in-cfg.yaml", secretYAML("kubernetes.io/dockercfg", ".dockercfg", b64(`{"auths":{"contoso.azurecr.io":{"auth":"`+b64("u:pw-SENTINEL")+`"}}}`)),
			`auths-in-cfg.yaml: secret default/acr-pull: .dockercfg holds "auths", which the kubelet takes for a registry of that name (the secret's type must be kubernetes.io/dockerconfigjson)`, &secretErr, nil},
		{"cfg-notcfg.yaml", secretYAML("kubernetes.io/dockercfg", ".dockercfg", b64(`{"user":"pw-SENTINEL"}`)),
			"cfg-notcfg.yaml: secret default/acr-pull: .dockercfg is not a .dockercfg, a map of registries", &secretErr, nil},
		{"inner-emptykey.yaml", secretYAML(dcj, ".dockerconfigjson", b64(`{"auths":{" ":{"auth":"`+b64("u:pw-SENTINEL")+`"}}}`)),
			"inner-emptykey.yaml: " + ErrEmptyRegistry.Error(), &formatErr, ErrEmptyRegistry},
		{"configmap.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: pw-SENTINEL\n"),
			"configmap.yaml: not a Kubernetes Secret: it is a ConfigMap", &formatErr, ErrNotSecret},
		{"opaque-list.yaml", []byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a}\n  type: Opaque\n  data: {p: " + b64("pw-SENTINEL") + "}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n"),
			"opaque-list.yaml: no pull secret (type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg): 1 secret of another type, 1 other objects", &formatErr, ErrNoPullSecret},
		{"empty-list.json", []byte(`{"apiVersion":"v1","kind":"List","items":[],"metadata":{"resourceVersion":""}}`),
			"empty-list.json: no pull secret (type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg): 0 secrets of other types", &formatErr, ErrNoPullSecret},
		{"list-bad-item.yaml", []byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a, namespace: ns}\n  type: Opaque\n- kind: Secret\n  metadata: {name: b, namespace: ns}\n  type: kubernetes.io/dockerconfigjson\n  data: {.dockerconfigjson: '" + badAuth + "'}\n"),
			"list-bad-item.yaml: secret ns/b: .dockerconfigjson is not valid base64 (bad character at position 6)", &secretErr, nil},
		{"yaml-auths.yaml", []byte("auths:\n  contoso.azurecr.io:\n    auth: " + b64("u:pw-SENTINEL") + "\n"),
			"yaml-auths.yaml: " + ErrNotJSON.Error(), &formatErr, ErrNotJSON},
		{"text.txt", []byte("pw-SENTINEL is my password\n"), "text.txt: " + ErrUnknownFormat.Error(), &formatErr, ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := Load(tt.name, tt.data)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", cfg)
			}
			msg := err.Error()
			if tt.want != "" && msg != tt.want {
				t.Errorf("error\n got %s\nwant %s", msg, tt.want)
			}
			checkSecretFree(t, msg)
			if !strings.HasPrefix(msg, tt.name+": ") {
				t.Errorf("error does not start with the file name: %s", msg)
			}
			if !errors.As(err, tt.as) {
				t.Errorf("error %T is not a %T", err, tt.as)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error is not %v", tt.is)
			}
		})
	}
}

// checkSecretFree fails when msg spans lines or quotes a fixture secret.
func checkSecretFree(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	for _, s := range []string{sentinel, "SENTINEL"[:4] + "I", b64("pw-SENTINEL")[:6], b64("u:pw-SENTINEL")[:8], "'S'", "'x'"} {
		if strings.Contains(msg, s) {
			t.Errorf("error quotes %q: %s", s, msg)
		}
	}
}

func TestSplitYAML(t *testing.T) {
	docs := splitYAML([]byte("a: 1\n---\nb: |\n  ---\n  x\n--- \nc: 3\n...\n"))
	var got []string
	for _, d := range docs {
		got = append(got, string(d.text))
	}
	want := []string{"a: 1\n", "\nb: |\n  ---\n  x\n", " \nc: 3\n", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitYAML = %q, want %q", got, want)
	}
	if docs[1].line != 1 || docs[2].line != 5 {
		t.Errorf("lines %d, %d", docs[1].line, docs[2].line)
	}
}
