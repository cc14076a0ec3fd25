package authfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

func FuzzLoad(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, name := range fixtures {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"auths":{"":{}}}`))
	f.Add(secretYAML("kubernetes.io/dockerconfigjson", ".dockerconfigjson", b64(`{"auths":{"a":{"auth":"!!"}}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		cfg, format, err := Load(name, data)
		if err != nil {
			var (
				pe *configjson.ParseError
				ae *credstore.AuthError
				ye *YAMLError
				se *SecretError
				np *NotPullSecretError
				fe *FormatError
			)
			if !errors.As(err, &pe) && !errors.As(err, &ae) && !errors.As(err, &ye) &&
				!errors.As(err, &se) && !errors.As(err, &np) && !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, name+": ") || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			if cfg != nil || format != "" {
				t.Fatalf("error %v with a config", err)
			}
			return
		}
		switch format {
		case DockerConfigJSON, DockerCfg, SecretYAML, SecretJSON:
		default:
			t.Fatalf("format %q", format)
		}
		if cfg == nil || cfg.Auths == nil {
			t.Fatal("no config")
		}
		for key, a := range cfg.Auths {
			if strings.TrimSpace(key) == "" {
				t.Fatalf("entry with an empty key: %+v", a)
			}
			if a.Auth != "" {
				t.Fatalf("%s: auth left undecoded", key)
			}
		}
		if (format == SecretYAML || format == SecretJSON) && (cfg.CredsStore != "" || len(cfg.CredHelpers) > 0) {
			t.Fatalf("a Secret's config names helpers: %+v", cfg)
		}
	})
}
