package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		opts    configureOptions
		hosts   []string
		changes []string
		want    map[string]string // JSON paths a.b → value in the result
		err     string
	}{
		{name: "credHelpers over pass", raw: `{"auths":{"myreg.azurecr.io":{}},"credsStore":"pass","currentContext":"prod"}`,
			hosts:   []string{"myreg.azurecr.io"},
			changes: []string{`+ credHelpers.myreg.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`},
			want:    map[string]string{"credsStore": "pass", "currentContext": "prod", "credHelpers.myreg.azurecr.io": "acrdoctor", "plugins.acrdoctor.credential-backend": "pass"}},
		{name: "store with explicit backend", raw: `{"auths":{},"credsStore":"desktop"}`, opts: configureOptions{store: true, backend: "pass"},
			changes: []string{`~ credsStore: "desktop" → "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`},
			want:    map[string]string{"credsStore": "acrdoctor", "plugins.acrdoctor.credential-backend": "pass"}},
		{name: "file store", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"}},"plugins":{"acrdoctor":{"hints":"off"},"other":{"x":"y"}}}`, hosts: []string{"a.azurecr.io"},
			changes: []string{`+ credHelpers.a.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "file"`},
			want:    map[string]string{"plugins.acrdoctor.hints": "off", "plugins.other.x": "y", "auths.a.azurecr.io.auth": "YTpi"}},
		{name: "already done", raw: `{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`, hosts: []string{"a.azurecr.io"}},
		{name: "another helper in the way", raw: `{"credHelpers":{"a.azurecr.io":"acr-env"}}`, hosts: []string{"a.azurecr.io"}, err: "docker-credential-acr-env"},
		{name: "hooks only", raw: `{"auths":{},"credsStore":"pass","features":{"buildkit":"true"}}`, opts: configureOptions{hooks: true},
			changes: []string{`+ features.hooks: "true"`, `+ plugins.acrdoctor.hooks: "push,image push,pull,image pull,login"`, `+ plugins.acrdoctor.error-hooks: "push,image push,pull,image pull,login"`},
			want:    map[string]string{"features.buildkit": "true", "features.hooks": "true", "credsStore": "pass"}},
		{name: "itself as backend", raw: `{}`, opts: configureOptions{store: true, backend: "acrdoctor"}, err: "wrap itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := credstore.Parse("config.json", []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			out, changes, err := plan([]byte(tt.raw), cfg, tt.opts, tt.hosts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			if !slices.Equal(got, tt.changes) {
				t.Errorf("changes = %q, want %q", got, tt.changes)
			}
			var doc map[string]any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("result is not JSON: %v", err)
			}
			for path, want := range tt.want {
				if got := lookupPath(doc, path); got != want {
					t.Errorf("%s = %v, want %q", path, got, want)
				}
			}
		})
	}
}

// lookupPath follows dotted keys, trying the longest key first so host
// names with dots resolve.
func lookupPath(v any, path string) any {
	if path == "" {
		return v
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	parts := strings.Split(path, ".")
	for i := len(parts); i > 0; i-- {
		if next, ok := m[strings.Join(parts[:i], ".")]; ok {
			if r := lookupPath(next, strings.Join(parts[i:], ".")); r != nil {
				return r
			}
		}
	}
	return nil
}
