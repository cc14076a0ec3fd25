package main

import (
	"slices"
	"testing"
)

func TestStandaloneArgs(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"x"}, []string{"x", "acrdoctor"}},
		{[]string{"x", "creds"}, []string{"x", "acrdoctor", "creds"}},
		{[]string{"x", "--config", "/c", "creds", "--all"}, []string{"x", "--config", "/c", "acrdoctor", "creds", "--all"}},
		{[]string{"x", "--config=/c", "-D", "token", "-"}, []string{"x", "--config=/c", "-D", "acrdoctor", "token", "-"}},
		{[]string{"x", "-l", "debug", "creds"}, []string{"x", "-l", "debug", "acrdoctor", "creds"}},
		{[]string{"x", "--help"}, []string{"x", "acrdoctor", "--help"}},
		{[]string{"x", "--config"}, []string{"x", "--config", "acrdoctor"}},
	}
	for _, tt := range tests {
		if got := standaloneArgs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("standaloneArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOutputParse(t *testing.T) {
	for _, ok := range []string{"", "text", "json", "{{.Registry}}", "{{json .}}", "{{join .Audience \",\"}}"} {
		o := output{raw: ok}
		if err := o.parse(); err != nil {
			t.Errorf("parse(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"yaml", "table", "{{.Registry", "{{nosuchfunc .}}"} {
		o := output{raw: bad}
		err := o.parse()
		if _, isUsage := err.(usageError); !isUsage {
			t.Errorf("parse(%q) = %v, want a usage error", bad, err)
		}
	}
}
