package explain

import (
	"regexp"
	"strings"
	"testing"
)

// TestInvariance holds explain to the words, not to how a log shows them:
// every tune sample it reads right is wrapped as CI systems, terminals,
// JSON, kubectl events, Compose and the daemon's log wrap lines, as a web
// page shows it, cut at a terminal's width, put after a build that pulled
// its base images without fault, or moved to another Azure cloud, and the
// first cause must stay right. The transforms are
// generic; no sample is special.
func TestInvariance(t *testing.T) {
	jsonEscape := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	htmlEscape := strings.NewReplacer(`&`, `&amp;`, `"`, `&quot;`, `<`, `&lt;`, `>`, `&gt;`, `'`, `&#39;`)
	for _, tr := range []struct {
		name string
		fn   func(string) string
	}{
		{"a CI time stamp", eachLine(func(l string) string { return "2024-05-01T10:11:12.1234567Z " + l })},
		{"Azure Pipelines' error prefix", eachLine(func(l string) string { return "##[error]" + l })},
		{"a JSON string's escapes", eachLine(jsonEscape.Replace)},
		{"Docker's json-file log", eachLine(func(l string) string {
			return `{"log":"` + jsonEscape.Replace(l) + `\n","stream":"stderr","time":"2024-05-01T10:11:12.123456789Z"}`
		})},
		{"a JSON message, line breaks escaped", func(s string) string {
			return `{"level":"error","msg":"` + strings.ReplaceAll(jsonEscape.Replace(s), "\n", `\n`) + `"}`
		}},
		{"colours", eachLine(func(l string) string { return "\x1b[31;1m" + l + "\x1b[0m" })},
		{"CRLF line ends", eachLine(func(l string) string { return l + "\r" })},
		{"indentation", eachLine(func(l string) string { return "    " + l })},
		{"kubectl describe's event columns", eachLine(func(l string) string { return "  Warning  Failed     3m (x4 over 5m)  kubelet  " + l })},
		{"a quote", eachLine(func(l string) string { return "> " + l })},
		{"PowerShell's command prefix", eachLine(func(l string) string { return "docker : " + l })},
		{"BuildKit's step prefix", eachLine(func(l string) string { return "#12 ERROR: " + l })},
		{"cut at 80 columns", cutAt(80)},
		{"cut at 120 columns", cutAt(120)},
		{"after a docker build's pulls", func(s string) string { return buildLog + "\n" + s }},
		{"after BuildKit's pulls", func(s string) string { return buildKitLog + "\n" + s }},
		{"before a build's log", func(s string) string { return s + "\n" + buildLog }},
		{"a web page's entities", htmlEscape.Replace},
		{"a web page's no-break spaces", func(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }},
		{"a web page's quotes", func(s string) string { return strings.ReplaceAll(s, `"`, "\u201d") }},
		{"a Markdown code block", func(s string) string { return "```console\n" + s + "\n```" }},
		{"Markdown inline code", func(s string) string {
			if strings.Contains(strings.TrimSpace(s), "\n") {
				return s // only a one-line message is pasted so
			}
			return "`" + strings.TrimSpace(s) + "`"
		}},
		{"Compose's service prefix", eachLine(func(l string) string { return "web-1  | " + l })},
		{"the daemon's journal", eachLine(func(l string) string { return "Dec  1 10:11:12 node1 dockerd[812]: " + l })},
		{"a logrus message", eachLine(func(l string) string {
			return `time="2024-05-01T10:11:12Z" level=error msg="` + jsonEscape.Replace(l) + `"`
		})},
		{"in Azure US Government", func(s string) string { return acrHost.ReplaceAllString(s, "$1.azurecr.us") }},
		{"in Azure China", func(s string) string { return acrHost.ReplaceAllString(s, "$1.azurecr.cn") }},
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

// buildLog and buildKitLog are builds that pulled their base images from
// other registries and failed at nothing.
const buildLog = `Sending build context to Docker daemon  2.048kB
Step 1/6 : FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
8.0: Pulling from dotnet/sdk
Digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
Status: Downloaded newer image for mcr.microsoft.com/dotnet/sdk:8.0
 ---> 1234567890ab
Step 2/6 : WORKDIR /src
 ---> Running in abcdef012345
Removing intermediate container abcdef012345
Step 3/6 : RUN dotnet restore
  Determining projects to restore...
  Restored /src/app.csproj (in 2.1 sec).
Step 4/6 : FROM node:20-alpine
20-alpine: Pulling from library/node
Status: Image is up to date for node:20-alpine
Successfully built 0123456789ab
Successfully tagged app:latest`

const buildKitLog = `#0 building with "default" instance using docker driver
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 321B done
#1 DONE 0.0s
#2 [internal] load metadata for docker.io/library/node:20-alpine
#2 DONE 1.2s
#3 [internal] load metadata for mcr.microsoft.com/dotnet/aspnet:8.0
#3 DONE 0.9s
#4 [build 1/4] FROM docker.io/library/node:20-alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
#4 resolve docker.io/library/node:20-alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 0.0s done
#4 CACHED
#5 [build 2/4] RUN npm ci
#5 DONE 12.3s`

var acrHost = regexp.MustCompile(`\b([a-z0-9]+)\.azurecr\.io\b`)
