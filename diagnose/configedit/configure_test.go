package configedit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func file(t *testing.T, raw string) *File {
	t.Helper()
	doc, err := Parse("config.json", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return &File{Name: "config.json", Exists: true, Raw: []byte(raw), Doc: doc}
}

func TestConfigure(t *testing.T) {
	const hooks = "push,pull"
	tests := []struct {
		name    string
		raw     string
		req     Request
		changes []string
		skipped []string // registries left alone
		backend string
		err     string
	}{
		{name: "credHelpers over pass", raw: `{"auths":{"myreg.azurecr.io":{}},"credsStore":"pass","currentContext":"prod"}`,
			req:     Request{Hosts: []string{"myreg.azurecr.io"}},
			changes: []string{`+ credHelpers.myreg.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`},
			backend: "pass"},
		{name: "store over desktop", raw: `{"auths":{},"credsStore":"desktop"}`, req: Request{Store: true},
			changes: []string{`~ credsStore: "desktop" → "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "desktop"`}, backend: "desktop"},
		{name: "store with another backend hides credsStore", raw: `{"credsStore":"desktop"}`, req: Request{Store: true, Backend: "pass"},
			err: "would hide the credentials kept in desktop"},
		{name: "empty config takes Docker's default", raw: `{}`, req: Request{Store: true, DefaultStore: "pass"},
			changes: []string{`+ credsStore: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, backend: "pass"},
		{name: "Docker's default is named when a registry is configured", raw: `{}`, req: Request{Hosts: []string{"a.azurecr.io"}, DefaultStore: "pass"},
			changes: []string{`+ credHelpers.a.azurecr.io: "acrdoctor"`, `+ credsStore: "pass"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, backend: "pass"},
		{name: "no store anywhere", raw: `{}`, req: Request{Store: true}, err: "no credential store to wrap"},
		{name: "file backend is not offered", raw: `{}`, req: Request{Store: true, Backend: "file"}, err: "--backend file is not offered"},
		{name: "old file backend setting is replaced", raw: `{"credsStore":"pass","plugins":{"acrdoctor":{"credential-backend":"file"}}}`, req: Request{Store: true},
			changes: []string{`~ credsStore: "pass" → "acrdoctor"`, `~ plugins.acrdoctor.credential-backend: "file" → "pass"`}, backend: "pass"},
		{name: "itself as backend", raw: `{}`, req: Request{Store: true, Backend: "ACRDoctor"}, err: "wrap itself"},
		{name: "path as backend", raw: `{}`, req: Request{Store: true, Backend: "../../bin/sh"}, err: "not a helper name"},
		{name: "store would hide file credentials", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"},"b.io":{"identitytoken":"x"}}}`,
			req: Request{Store: true, DefaultStore: "pass"}, err: "hide the credentials config.json itself holds for a.azurecr.io, b.io"},
		{name: "store keeps credHelpers credentials", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"}},"credHelpers":{"a.azurecr.io":"pass"},"credsStore":"pass"}`,
			req: Request{Store: true}, changes: []string{`~ credsStore: "pass" → "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, backend: "pass"},
		{name: "file-held registry skipped, others configured", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"},"b.azurecr.io":{}}}`,
			req:     Request{Hosts: []string{"a.azurecr.io", "b.azurecr.io"}, DefaultStore: "pass"},
			changes: []string{`+ credHelpers.b.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, skipped: []string{"a.azurecr.io"}},
		{name: "a scheme in the key still holds the host", raw: `{"auths":{"https://a.azurecr.io/v2/":{"auth":"YTpi"}}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "pass"}, skipped: []string{"a.azurecr.io"}},
		{name: "an unrelated helper is reported, not a reason to refuse", raw: `{"credsStore":"pass","credHelpers":{"x.azurecr.io":"acr-env"}}`,
			req:     Request{Hosts: []string{"a.azurecr.io", "x.azurecr.io"}},
			changes: []string{`+ credHelpers.a.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, skipped: []string{"x.azurecr.io"}},
		{name: "a credHelpers entry naming the backend is taken over", raw: `{"credHelpers":{"a.azurecr.io":"pass"}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "pass"}, changes: []string{`~ credHelpers.a.azurecr.io: "pass" → "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}},
		{name: "credsStore elsewhere than the backend", raw: `{"credsStore":"desktop"}`, req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "pass"},
			skipped: []string{"a.azurecr.io"}},
		{name: "everything skipped writes nothing", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"}}}`, req: Request{Hosts: []string{"a.azurecr.io"}, DefaultStore: "pass"},
			skipped: []string{"a.azurecr.io"}},
		{name: "already done", raw: `{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}}, backend: "pass"},
		{name: "credsStore already the wrapper", raw: `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}}, backend: "pass"},
		{name: "changing the backend of a configured wrapper", raw: `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "desktop"}, err: "already wraps pass"},
		{name: "hooks only", raw: `{"auths":{},"credsStore":"pass","features":{"buildkit":"true"}}`, req: Request{Hooks: true, HookCommands: hooks},
			changes: []string{`+ features.hooks: "true"`, `+ plugins.acrdoctor.error-hooks: "push,pull"`, `+ plugins.acrdoctor.hooks: "push,pull"`}},
		{name: "null credHelpers is replaced", raw: `{"credHelpers":null,"credsStore":"pass"}`, req: Request{Hosts: []string{"a.azurecr.io"}},
			changes: []string{`~ credHelpers: null → {}`, `+ credHelpers.a.azurecr.io: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}},
		{name: "credHelpers of the wrong type", raw: `{"credHelpers":"pass","credsStore":"pass"}`, req: Request{Hosts: []string{"a.azurecr.io"}},
			err: "config.json"},
		{name: "nothing configured leaves Docker's default unnamed", raw: `{}`, req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "desktop", DefaultStore: "pass"},
			skipped: []string{"a.azurecr.io"}},
		{name: "credsStore naming the wrapper is no backend", raw: `{"credsStore":"acrdoctor"}`, req: Request{Store: true, DefaultStore: "pass"}, backend: "pass"},
		{name: "changing the backend of a wrapper credHelpers routes to", raw: `{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req: Request{Hosts: []string{"b.azurecr.io"}, Backend: "desktop"}, err: "already wraps pass"},
		{name: "changing the backend of a wrapper nothing routes to", raw: `{"credHelpers":{"gcr.io":"gcloud"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req:     Request{Hosts: []string{"a.azurecr.io"}, Backend: "desktop"},
			changes: []string{`+ credHelpers.a.azurecr.io: "acrdoctor"`, `~ plugins.acrdoctor.credential-backend: "pass" → "desktop"`}, backend: "desktop"},
		{name: "asking for the backend already wrapped", raw: `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			req: Request{Hosts: []string{"a.azurecr.io"}, Backend: "pass"}, backend: "pass"},
		{name: "store over config.json holding no credential", raw: `{"auths":{"a.azurecr.io":{}}}`, req: Request{Store: true, DefaultStore: "pass"},
			changes: []string{`+ credsStore: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, backend: "pass"},
		{name: "store over file credentials a credHelpers entry hides already", raw: `{"auths":{"a.azurecr.io":{"auth":"YTpi"}},"credHelpers":{"a.azurecr.io":"pass"}}`,
			req: Request{Store: true, Backend: "pass"}, changes: []string{`+ credsStore: "acrdoctor"`, `+ plugins.acrdoctor.credential-backend: "pass"`}, backend: "pass"},
		{name: "store would hide five file credentials", raw: `{"auths":{"a1.io":{"auth":"YTpi"},"a2.io":{"auth":"YTpi"},"a3.io":{"auth":"YTpi"},"a4.io":{"auth":"YTpi"},"a5.io":{"auth":"YTpi"}}}`,
			req: Request{Store: true, Backend: "pass"}, err: "holds for a1.io, a2.io, a3.io, a4.io, a5.io, which"},
		{name: "store would hide seven file credentials", raw: `{"auths":{"a1.io":{"auth":"YTpi"},"a2.io":{"auth":"YTpi"},"a3.io":{"auth":"YTpi"},"a4.io":{"auth":"YTpi"},"a5.io":{"auth":"YTpi"},"a6.io":{"auth":"YTpi"},"a7.io":{"auth":"YTpi"}}}`,
			req: Request{Store: true, Backend: "pass"}, err: "holds for a1.io, a2.io, a3.io, a4.io, a5.io and 2 more, which"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file(t, tt.raw)
			p, err := Configure(f, tt.req)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := Preview(Diff(f.Doc, p.Doc)); !slices.Equal(got, tt.changes) {
				t.Errorf("changes =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.changes, "\n  "))
			}
			var skipped []string
			for _, s := range p.Skipped {
				skipped = append(skipped, s.Registry)
				if s.Reason == "" {
					t.Errorf("%s skipped without a reason", s.Registry)
				}
			}
			if !slices.Equal(skipped, tt.skipped) {
				t.Errorf("skipped %v, want %v", skipped, tt.skipped)
			}
			if tt.backend != "" && p.Backend != tt.backend {
				t.Errorf("backend %q, want %q", p.Backend, tt.backend)
			}
			// Whatever was planned keeps every key it does not edit.
			for k, v := range f.Doc {
				if slices.Contains(editable, k) {
					continue
				}
				if !Equal(p.Doc[k], v) {
					t.Errorf("%s changed: %s → %s", k, v, p.Doc[k])
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", "config.json is empty"},
		{" \n\t", "config.json is empty"},
		{"null", "holds null, not a JSON object"},
		{"[]", "holds an array"},
		{"42", "holds a number"},
		{`"x"`, "holds a string"},
		{"true", "holds a boolean"},
		{`{"auths": {`, "config.json: line 1"},
		{`{"auths": 1} x`, "config.json"},
		{"nul", "config.json"},
		{`{"auths":{"a.io":{}},` + "\n" + `"auths":{"b.io":{}}}`, `line 2, column 7 (byte 29): the key "auths" is written twice`},
		{`{"credHelpers":{"a.io":"x","a.io":"y"}}`, `the key "a.io" is written twice`},
		// One setting to Docker, which reads the last: an edit of the
		// first would change nothing it reads.
		{`{"credsStore":"acrdoctor","CredsStore":"pass"}`, `the keys "credsStore" and "CredsStore" differ only in case`},
		{`{"credHelpers":{},"credhelpers":{"a.io":"pass"}}`, `the keys "credHelpers" and "credhelpers" differ only in case`},
		{`{"cred\u017fStore":"spy","credsStore":"pass"}`, `the keys "credſStore" and "credsStore" differ only in case`}, // ſ folds to s
		{"{\"credHelper\u017f\":{},\"credHelpers\":{}}", `differ only in case`},
	} {
		_, err := Parse("config.json", []byte(tc.raw))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) = %v, want one line with %q", tc.raw, err, tc.want)
		}
	}
	// Keys inside the settings are map keys, case and all: registries
	// and plugins that differ in case are two.
	for _, ok := range []string{`{"a":[{"k":1},{"k":2}],"b":{"k":{"k":1}},"k":3}`, `{"x":"a","y":"a"}`, `{}`,
		`{"auths":{"myreg.azurecr.io":{},"MyReg.azurecr.io":{}},"plugins":{"a":{"k":"1","K":"2"}}}`} {
		if _, err := Parse("config.json", []byte(ok)); err != nil {
			t.Errorf("Parse(%s) = %v", ok, err)
		}
	}
	doc, err := Parse("config.json", []byte(`{"a": 1.50, "b": {"c": [1, 2]}}`))
	if err != nil || string(doc["a"]) != "1.50" {
		t.Errorf("values must be kept as written: %v %v", doc, err)
	}
}

func TestDocSet(t *testing.T) {
	doc := Doc{"plugins": json.RawMessage(`{"other":{"k":"v"}}`), "keep": json.RawMessage(`[1,2.50]`)}
	if err := doc.SetString("pass", "plugins", "acrdoctor", "credential-backend"); err != nil {
		t.Fatal(err)
	}
	if got := doc.String("plugins", "acrdoctor", "credential-backend"); got != "pass" {
		t.Errorf("set then get = %q", got)
	}
	if got := doc.String("plugins", "other", "k"); got != "v" {
		t.Errorf("a sibling was lost: %q", got)
	}
	// Removing what is not there creates nothing.
	if err := doc.Set(nil, "credHelpers", "x.azurecr.io"); err != nil || doc["credHelpers"] != nil {
		t.Errorf("removing an absent key made %s (%v)", doc["credHelpers"], err)
	}
	if err := doc.Set(nil, "plugins", "acrdoctor", "credential-backend"); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Get("plugins", "acrdoctor", "credential-backend"); ok {
		t.Error("removed key still there")
	}
	if err := doc.SetString("x", "keep", "a"); err == nil || !strings.Contains(err.Error(), `"keep" is not an object`) {
		t.Errorf("setting inside an array: %v", err)
	}
	if string(doc["keep"]) != "[1,2.50]" {
		t.Errorf("an untouched value changed: %s", doc["keep"])
	}
}

func TestUnwrapped(t *testing.T) {
	tests := []struct {
		name, before, after string
		def                 string
		held                []string
		want                []string
	}{
		{name: "same store after", before: `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{"credsStore":"pass"}`, held: []string{"a.azurecr.io"}},
		{name: "file after", before: `{"auths":{"a.azurecr.io":{}},"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{"auths":{"a.azurecr.io":{}}}`, def: "pass", held: []string{"a.azurecr.io", "other.io"}, want: []string{"a.azurecr.io"}},
		{name: "Docker's default after", before: `{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{}`, def: "pass", held: []string{"a.azurecr.io"}},
		{name: "another helper after", before: `{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{"credsStore":"desktop"}`, held: []string{"https://a.azurecr.io/v1/", "b.azurecr.io"}, want: []string{"b.azurecr.io", "https://a.azurecr.io/v1/"}},
		{name: "still wrapped after", before: `{"credsStore":"acrdoctor","credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{"credsStore":"pass","credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`, held: []string{"a.azurecr.io", "b.azurecr.io"}},
		{name: "not wrapped before", before: `{"credsStore":"pass","credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass"}}}`,
			after: `{"credsStore":"pass"}`, held: []string{"b.azurecr.io", "a.azurecr.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unwrapped(file(t, tt.before).Doc, file(t, tt.after).Doc, tt.def, tt.held)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Unwrapped = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnwrap(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"pass"}}}`, `{"credsStore":"pass"}`},
		{`{"credsStore":"acrdoctor","plugins":{"acrdoctor":{"credential-backend":"file"},"other":{"k":"v"}}}`, `{"plugins":{"other":{"k":"v"}}}`},
		{`{"credsStore":"desktop","credHelpers":{"a.azurecr.io":"acrdoctor","gcr.io":"gcloud"},"plugins":{"acrdoctor":{"hooks":"push"}}}`, `{"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"}}`},
		{`{"credsStore":"pass"}`, `{"credsStore":"pass"}`},
	} {
		got, err := Unwrap(file(t, tc.in).Doc)
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(got, file(t, tc.want).Doc); len(d) != 0 || len(Wrapped(got)) != 0 {
			t.Errorf("Unwrap(%s) differs from %s by %v", tc.in, tc.want, Preview(d))
		}
	}
}

func TestWrapped(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`{"credsStore":"acrdoctor","credHelpers":{"b.azurecr.io":"acrdoctor","gcr.io":"gcloud","a.azurecr.io":"acrdoctor"}}`,
			[]string{"credHelpers.a.azurecr.io", "credHelpers.b.azurecr.io", "credsStore"}},
		{`{"credsStore":"pass","credHelpers":{"gcr.io":"gcloud"}}`, nil},
		{`{"credHelpers":"acrdoctor"}`, nil},
	}
	for _, tt := range tests {
		if got := Wrapped(file(t, tt.raw).Doc); !slices.Equal(got, tt.want) {
			t.Errorf("Wrapped(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
