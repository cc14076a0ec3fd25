package explain

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// jwtLeak is what a token looks like in a finding that should not hold one.
var jwtLeak = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`)

// sample is one file of testdata/corpus: real output, with its source and
// the causes the whole of it must give.
type sample struct {
	source string
	expect []cause.ID
	text   string
}

func readSample(t *testing.T, path string) sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s sample
	var body []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# source: "):
			s.source = strings.TrimPrefix(line, "# source: ")
		case strings.HasPrefix(line, "# expect: "):
			for _, id := range strings.Split(strings.TrimPrefix(line, "# expect: "), ",") {
				if id = strings.TrimSpace(id); id != "none" {
					s.expect = append(s.expect, cause.ID(id))
				}
			}
		default:
			body = append(body, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	s.text = strings.Join(body, "\n")
	return s
}

func ids(fs []Finding) []cause.ID {
	var out []cause.ID
	for _, f := range fs {
		out = append(out, f.Cause.ID)
	}
	return out
}

func TestCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/corpus/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 60 {
		t.Fatalf("the corpus has %d samples, want at least 60", len(paths))
	}
	perID := map[cause.ID]int{}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := readSample(t, path)
			if !strings.HasPrefix(s.source, "https://") {
				t.Errorf("no # source: URL")
			}
			fs := ExplainString(s.text)
			got := ids(fs)
			want := slices.Clone(s.expect)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("causes = %v, want %v", ids(fs), s.expect)
				for _, f := range fs {
					t.Logf("  %s at %d: %s", f.Cause.ID, f.LineNo, f.Line)
				}
			}
			lines := strings.Split(s.text, "\n")
			for _, f := range fs {
				perID[f.Cause.ID]++
				if f.LineNo < 1 || f.LineNo > len(lines) {
					t.Errorf("%s: LineNo %d out of range", f.Cause.ID, f.LineNo)
					continue
				}
				if want := clip(Redact(strings.TrimSpace(lines[f.LineNo-1])), maxEvident); f.Line != want {
					t.Errorf("%s: Line %q is not line %d %q", f.Cause.ID, f.Line, f.LineNo, want)
				}
				if jwtLeak.MatchString(f.Line) || jwtLeak.MatchString(f.Cause.Evidence) {
					t.Errorf("%s: a token leaks: %q", f.Cause.ID, f.Line)
				}
			}
		})
	}
	for _, id := range cause.IDs() {
		if perID[id] < 2 {
			t.Errorf("the corpus shows %s %d times, want at least 2", id, perID[id])
		}
	}
}

func TestRegistries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"docker push myreg.azurecr.io/team/app:1", []string{"myreg.azurecr.io"}},
		{"Get https://MyReg.azurecr.io/v2/ then myreg.azurecr.io/x", []string{"myreg.azurecr.io"}},
		{"blob from myreg.eastus.data.azurecr.io and other.azurecr.cn/a", []string{"myreg.azurecr.io", "other.azurecr.cn"}},
		{"govreg.azurecr.us:443/x, myreg.azurecr.io.evil.com, docker.io/library/nginx", []string{"govreg.azurecr.us"}},
		{"navdocker.az-azurecr.io/dynamics-nav", nil},
		{"bregone.azurecr.io aregtwo.azurecr.io bregone.azurecr.io", []string{"bregone.azurecr.io", "aregtwo.azurecr.io"}},
	} {
		if got := Registries(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Registries(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

const token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"docker login x.azurecr.io -u 00000000-0000-0000-0000-000000000000 -p " + token,
			"docker login x.azurecr.io -u 00000000-0000-0000-0000-000000000000 -p <redacted>"},
		{"helm registry login r.azurecr.io --username u --password hunter2", "helm registry login r.azurecr.io --username u --password <redacted>"},
		{"az login --service-principal -u app --password=s3cr3t --tenant t", "az login --service-principal -u app --password=<redacted> --tenant t"},
		{"Authorization: Basic bXdvbGZmZS10ZXN0aW5nOm13b2xmZmU=", "Authorization: Basic <redacted>"},
		{"Authorization: Bearer " + token, "Authorization: Bearer <redacted>"},
		{`"auth": "MDAwMDAwMDAtMDAwMDo=", "identitytoken": "` + token + `"`, `"auth": "<redacted>", "identitytoken": "<redacted>"`},
		{"cut short: eyJhbGciOiJSUzI1Ni", "cut short: <redacted>"},
		{"https://user:pa55@myreg.azurecr.io/v2/", "https://user:<redacted>@myreg.azurecr.io/v2/"},
		// Words are kept: they are evidence, not secrets.
		{"unable to push image if basic authorization used", "unable to push image if basic authorization used"},
		{"failed to fetch anonymous token: unexpected status", "failed to fetch anonymous token: unexpected status"},
		{`Bearer realm="https://r.azurecr.io/oauth2/token"`, `Bearer realm="https://r.azurecr.io/oauth2/token"`},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	fs := ExplainString("docker login myreg.azurecr.io -u x -p " + token + ": unauthorized: authentication required")
	if len(fs) != 1 || strings.Contains(fs[0].Line, "eyJ") || strings.Contains(fs[0].Cause.Evidence, "eyJ") {
		t.Errorf("finding keeps the token: %+v", fs)
	}
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []cause.ID
		reg  string // Registry of the first finding
		no   int    // LineNo of the first finding
	}{
		{"none", "Login Succeeded\n", nil, "", 0},
		{"order of the text", "Error: x509: certificate signed by unknown authority\nCannot connect to the Docker daemon at unix:///var/run/docker.sock\n",
			[]cause.ID{cause.TLS, cause.DockerEnvironment}, "", 1},
		{"once per cause", "a: unauthorized: authentication required\nb: unauthorized: authentication required\n", []cause.ID{cause.InvalidCredentials}, "", 1},
		{"AAD before 401", "Get \"https://regone.azurecr.io/v2/\": unauthorized: Application not registered with AAD.", []cause.ID{cause.AADNotRegistered}, "regone.azurecr.io", 1},
		{"upper case before 401", "Get https://MyReg.azurecr.io/v2/: unauthorized: authentication required", []cause.ID{cause.RegistryName}, "myreg.azurecr.io", 1},
		{"anonymous token 401 is not anonymous_pull_blocked",
			"failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://regtwo.azurecr.io/oauth2/token?scope=x: 401 Unauthorized",
			[]cause.ID{cause.InvalidCredentials}, "regtwo.azurecr.io", 1},
		{"anonymous token 403 is the firewall",
			"failed to fetch anonymous token: unexpected status from GET request to https://regtwo.azurecr.io/oauth2/token: 403 Forbidden",
			[]cause.ID{cause.NetworkFirewall}, "regtwo.azurecr.io", 1},
		{"anonymous pull enabled", "az acr update -n regthree --anonymous-pull-enabled\ndocker pull regthree.azurecr.io/a:1\nunauthorized: authentication required",
			[]cause.ID{cause.AnonymousPullBlocked}, "regthree.azurecr.io", 3},
		{"check-health code refined by its message", "An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR\nAccess to registry 'regfour.azurecr.io' was denied. Response code: 401.",
			[]cause.ID{cause.InsufficientPermission}, "regfour.azurecr.io", 1},
		{"registry from an earlier line", "docker push regfive.azurecr.io/a:1\nerror\ndenied: requested access to the resource is denied",
			[]cause.ID{cause.InsufficientPermission}, "regfive.azurecr.io", 3},
		{"NXDOMAIN for other hosts is the resolver", "dial tcp: lookup proxy.corp on 10.0.0.1:53: no such host", []cause.ID{cause.NetworkUnreachable}, "", 1},
		{"TLS handshake timeout is the network", "net/http: TLS handshake timeout", []cause.ID{cause.NetworkUnreachable}, "", 1},
		{"throttled", "toomanyrequests: Too many requests", []cause.ID{cause.Throttled}, "", 1},
		{"5xx", "received unexpected HTTP status: 503 Service Unavailable", []cause.ID{cause.RegistryError}, "", 1},
		{"expired", "unauthorized: token is expired", []cause.ID{cause.ExpiredCredentials}, "", 1},
		{"clock", "error: token used before issued", []cause.ID{cause.ClockSkew}, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := ExplainString(tc.in)
			if got := ids(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("causes = %v, want %v", got, tc.want)
			}
			if len(fs) == 0 {
				return
			}
			if fs[0].Registry != tc.reg || fs[0].LineNo != tc.no {
				t.Errorf("first finding at %d for %q, want %d for %q", fs[0].LineNo, fs[0].Registry, tc.no, tc.reg)
			}
			c := fs[0].Cause
			if c.Title == "" || len(c.Docs) == 0 || len(c.Remediation) == 0 || c.Evidence != fs[0].Line {
				t.Errorf("cause not filled in: %+v", c)
			}
			want := "<registry>"
			if tc.reg != "" {
				want = tc.reg
			}
			fix := strings.Join(c.Remediation, "\n")
			if !strings.Contains(fix, want) && !strings.Contains(fix, strings.TrimSuffix(strings.ReplaceAll(want, "<registry>", "<name>"), ".azurecr.io")) {
				t.Errorf("remediation does not name %q: %q", want, c.Remediation)
			}
		})
	}
}

func TestHuge(t *testing.T) {
	long := strings.Repeat("x", 10<<20) + " unauthorized: authentication required\nCannot connect to the Docker daemon\n"
	many := strings.Repeat("ok\n", 100_000) + "x509: certificate signed by unknown authority\n"
	for _, tc := range []struct {
		name string
		in   string
		want []cause.ID
	}{
		// The 10 MB line is cut to its start, and the 4 MiB read ends
		// inside it, so nothing after it is seen.
		{"10 MB line", long, nil},
		{"100k lines", many, []cause.ID{cause.TLS}},
	} {
		in := tc.in
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Explain(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if len(f.Line) > maxEvident {
					t.Errorf("Line is %d bytes", len(f.Line))
				}
			}
			if got := ids(fs); !slices.Equal(got, tc.want) {
				t.Errorf("causes = %v, want %v", got, tc.want)
			}
		})
	}
	// A long line is cut, not dropped: what starts it still counts.
	fs := ExplainString("unauthorized: authentication required " + strings.Repeat("y", 1<<20) + "\nCannot connect to the Docker daemon\n")
	if got := ids(fs); !slices.Equal(got, []cause.ID{cause.InvalidCredentials, cause.DockerEnvironment}) || fs[1].LineNo != 2 {
		t.Errorf("long line: %v", got)
	}
}

// BenchmarkExplain reads a 4 MiB CI log, the most explain reads: a million
// short lines with the error at the end.
func BenchmarkExplain(b *testing.B) {
	log := strings.Repeat("#12 pushing layer 4f4fb700ef54 done\n", 110_000) + "x509: certificate signed by unknown authority\n"
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) != 1 {
			b.Fatalf("%d findings", len(fs))
		}
	}
}

func FuzzExplain(f *testing.F) {
	paths, _ := filepath.Glob("testdata/corpus/*.txt")
	for _, p := range paths[:min(10, len(paths))] {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	known := map[cause.ID]bool{}
	for _, id := range cause.IDs() {
		known[id] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs := ExplainString(s)
		seen := map[cause.ID]bool{}
		last := 0
		for _, f := range fs {
			if !known[f.Cause.ID] || seen[f.Cause.ID] {
				t.Fatalf("ID %q unknown or repeated", f.Cause.ID)
			}
			seen[f.Cause.ID] = true
			if f.LineNo < last || len(f.Line) > maxEvident || jwtLeak.MatchString(f.Line) {
				t.Fatalf("bad finding %+v", f)
			}
			last = f.LineNo
		}
	})
}
