package explain

import (
	"strings"
	"testing"
)

// TestInvariance holds explain to the words, not to how a log shows them:
// every tune sample it reads right is wrapped as CI systems, terminals,
// JSON and kubectl events wrap lines, or cut at a terminal's width, and
// the first cause must stay right. The transforms are generic; no sample
// is special.
func TestInvariance(t *testing.T) {
	jsonEscape := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for _, tr := range []struct {
		name string
		fn   func(string) string
	}{
		{"a CI time stamp", eachLine(func(l string) string { return "2024-05-01T10:11:12.1234567Z " + l })},
		{"Azure Pipelines' error prefix", eachLine(func(l string) string { return "##[error]" + l })},
		{"a JSON string's escapes", eachLine(jsonEscape.Replace)},
		{"colours", eachLine(func(l string) string { return "\x1b[31;1m" + l + "\x1b[0m" })},
		{"CRLF line ends", eachLine(func(l string) string { return l + "\r" })},
		{"indentation", eachLine(func(l string) string { return "    " + l })},
		{"kubectl describe's event columns", eachLine(func(l string) string { return "  Warning  Failed     3m (x4 over 5m)  kubelet  " + l })},
		{"a quote", eachLine(func(l string) string { return "> " + l })},
		{"PowerShell's command prefix", eachLine(func(l string) string { return "docker : " + l })},
		{"BuildKit's step prefix", eachLine(func(l string) string { return "#12 ERROR: " + l })},
		{"cut at 80 columns", cutAt(80)},
		{"cut at 120 columns", cutAt(120)},
	} {
		t.Run(tr.name, func(t *testing.T) {
			for _, s := range corpus(t, "tune") {
				if !s.visible || !firstRight(s, ExplainString(s.text)) {
					continue
				}
				if fs := ExplainString(tr.fn(s.text)); !firstRight(s, fs) {
					t.Errorf("%s: causes %v, want first one of %v", s.name, ids(fs), s.expect)
				}
			}
		})
	}
}

// eachLine applies fn to every line of a text that is not blank.
func eachLine(fn func(string) string) func(string) string {
	return func(text string) string {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) != "" {
				lines[i] = fn(l)
			}
		}
		return strings.Join(lines, "\n")
	}
}

// cutAt cuts every line of a text into pieces of width runes, as a
// terminal shows a long line and a copy from it keeps it.
func cutAt(width int) func(string) string {
	return func(text string) string {
		var out []string
		for _, l := range strings.Split(text, "\n") {
			r := []rune(l)
			for len(r) > width {
				out = append(out, string(r[:width]))
				r = r[width:]
			}
			out = append(out, string(r))
		}
		return strings.Join(out, "\n")
	}
}
