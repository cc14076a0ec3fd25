package configedit

import (
	"encoding/json"
	"testing"
)

// TestEditString: how each kind of edit is previewed, one line per
// value; an object made or removed around values shows as nothing.
func TestEditString(t *testing.T) {
	raw := func(s string) json.RawMessage {
		if s == "" {
			return nil
		}
		return json.RawMessage(s)
	}
	tests := []struct {
		name          string
		path          []string
		before, after string // "" for absent
		want          string
	}{
		{"a value added", []string{"credsStore"}, "", `"acrdoctor"`, `+ credsStore: "acrdoctor"`},
		{"an object added, value by value", []string{"plugins", "acrdoctor"}, "", `{"hooks": "push", "credential-backend": "pass"}`,
			"+ plugins.acrdoctor.credential-backend: \"pass\"\n+ plugins.acrdoctor.hooks: \"push\""},
		{"nested objects added", []string{"plugins"}, "", `{"acrdoctor":{"hooks":"push"},"other":{}}`,
			"+ plugins.acrdoctor.hooks: \"push\"\n+ plugins.other: {}"},
		{"a value removed", []string{"credHelpers", "a.azurecr.io"}, `"acrdoctor"`, "", `- credHelpers.a.azurecr.io: "acrdoctor"`},
		{"an object removed, value by value", []string{"plugins", "acrdoctor"}, `{"hooks":"push"}`, "", `- plugins.acrdoctor.hooks: "push"`},
		{"a value changed, spacing aside", []string{"credHelpers"}, `{ "a.io" : "pass" }`, `"x"`, `~ credHelpers: {"a.io":"pass"} → "x"`},
		{"an array stays one value", []string{"x"}, "", `[1, 2]`, `+ x: [1,2]`},
		{"what is not JSON is shown as it is", []string{"x"}, "", `{not json`, `+ x: {not json`},
		{"an empty object made", []string{"credHelpers"}, "", `{}`, ""},
		{"an empty object removed", []string{"credHelpers"}, `{ }`, "", ""},
		{"null becomes an empty object", []string{"credHelpers"}, `null`, `{}`, `~ credHelpers: null → {}`},
	}
	for _, tt := range tests {
		e := Edit{Path: tt.path, Before: raw(tt.before), After: raw(tt.after)}
		if got := e.String(); got != tt.want {
			t.Errorf("%s: String() =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b json.RawMessage
		want bool
	}{
		{nil, nil, true},
		{nil, json.RawMessage(`null`), false},
		{json.RawMessage(`null`), nil, false},
		{json.RawMessage(`{"a":1,"b":[true]}`), json.RawMessage(` { "b" : [ true ], "a" : 1.0 } `), true},
		{json.RawMessage(`{"a":1}`), json.RawMessage(`{"a":2}`), false},
		{json.RawMessage(`"x"`), json.RawMessage(`"y"`), false},
		{json.RawMessage(`{bad`), json.RawMessage(`{bad`), true},
		{json.RawMessage(`{bad`), json.RawMessage(`{bad }`), false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
