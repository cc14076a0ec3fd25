package explain

import (
	"strings"
	"testing"
)

// TestInvariance holds explain to the words, not to how a log wraps them:
// every line of every tune sample it reads right is wrapped as CI systems,
// terminals, JSON and kubectl events wrap lines, and the first cause must
// stay right. The transforms are generic; no sample is special.
func TestInvariance(t *testing.T) {
	jsonEscape := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for _, tr := range []struct {
		name string
		fn   func(string) string
	}{
		{"a CI time stamp", func(l string) string { return "2024-05-01T10:11:12.1234567Z " + l }},
		{"Azure Pipelines' error prefix", func(l string) string { return "##[error]" + l }},
		{"a JSON string's escapes", jsonEscape.Replace},
		{"colours", func(l string) string { return "\x1b[31;1m" + l + "\x1b[0m" }},
		{"CRLF line ends", func(l string) string { return l + "\r" }},
		{"indentation", func(l string) string { return "    " + l }},
		{"kubectl describe's event columns", func(l string) string { return "  Warning  Failed     3m (x4 over 5m)  kubelet  " + l }},
		{"a quote", func(l string) string { return "> " + l }},
		{"PowerShell's command prefix", func(l string) string { return "docker : " + l }},
		{"BuildKit's step prefix", func(l string) string { return "#12 ERROR: " + l }},
	} {
		t.Run(tr.name, func(t *testing.T) {
			for _, s := range corpus(t, "tune") {
				if !s.visible || !firstRight(s, ExplainString(s.text)) {
					continue
				}
				lines := strings.Split(s.text, "\n")
				for i, l := range lines {
					if strings.TrimSpace(l) != "" {
						lines[i] = tr.fn(l)
					}
				}
				if fs := ExplainString(strings.Join(lines, "\n")); !firstRight(s, fs) {
					t.Errorf("%s: causes %v, want first one of %v", s.name, ids(fs), s.expect)
				}
			}
		})
	}
}
