package explain

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
)

// sample is one file of testdata/corpus: real output from a public thread,
// with its source and the causes the thread established.
type sample struct {
	name    string
	source  string
	expect  []cause.ID // empty: the output shows no problem explain knows
	visible bool       // the text itself shows the cause
	split   string     // "tune" or "heldout"
	text    string
}

// readSample parses a corpus file: "# key: value" header lines (source,
// expect, visible, split, moved) and the output itself, which never
// includes them.
func readSample(t *testing.T, path string) sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := sample{name: filepath.Base(path)}
	var body []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		key, val, ok := header(line)
		if !ok {
			body = append(body, line)
			continue
		}
		switch key {
		case "source":
			s.source = val
		case "expect":
			for _, id := range strings.Split(val, ",") {
				if id = strings.TrimSpace(id); id != "none" && id != "" {
					s.expect = append(s.expect, cause.ID(id))
				}
			}
		case "visible":
			s.visible = val == "yes"
		case "split":
			s.split = val
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	s.text = strings.Join(body, "\n")
	return s
}

// header splits a corpus header line into its key and value.
func header(line string) (key, val string, ok bool) {
	rest, ok := strings.CutPrefix(line, "# ")
	if !ok {
		return "", "", false
	}
	key, val, ok = strings.Cut(rest, ": ")
	switch key {
	case "source", "expect", "visible", "split", "moved":
		return key, strings.TrimSpace(val), ok
	}
	return "", "", false
}

// corpus reads every sample of one split.
func corpus(t *testing.T, split string) []sample {
	t.Helper()
	paths, err := filepath.Glob("testdata/corpus/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for _, p := range paths {
		if s := readSample(t, p); s.split == split {
			out = append(out, s)
		}
	}
	return out
}

// firstRight reports whether the first cause of fs is one the sample
// expects; for a sample that expects none, whether there is no finding.
func firstRight(s sample, fs []Finding) bool {
	if len(s.expect) == 0 {
		return len(fs) == 0
	}
	return len(fs) > 0 && slices.Contains(s.expect, fs[0].Cause.ID)
}

// score is the share of samples whose first cause is right.
type score struct{ right, total int }

func (s *score) add(ok bool) {
	s.total++
	if ok {
		s.right++
	}
}

func (s score) String() string {
	if s.total == 0 {
		return "0/0"
	}
	return fmt.Sprintf("%d/%d = %.1f%%", s.right, s.total, 100*float64(s.right)/float64(s.total))
}

func (s score) ratio() float64 {
	if s.total == 0 {
		return 1
	}
	return float64(s.right) / float64(s.total)
}

// knownMisses are the tune samples whose text shows the cause but whose
// first cause is not the expected one, each with the reason it is left.
var knownMisses = map[string]string{
	// Docker Hub refused a stored password on a pull of a public image:
	// these threads fixed the login (a Docker ID, not an email), others
	// of the same text logged out. invalid_credentials stays second.
	"xgo-docker-pull-incorrect-username-email-login.txt":               "a public pull refused for a stored password reads as the login to drop",
	"kitematic-win10-compose-mongo-incorrect-password-email-login.txt": "a public pull refused for a stored password reads as the login to drop",
	"awspics-lambci-pull-incorrect-username-email-login.txt":           "a public pull refused for a stored password reads as the login to drop",
	"laradock-compose-build-mysql-stored-login-incorrect-password.txt": "a public pull refused for a stored password reads as the login to drop",
	// No image named beside the platform: an image published without
	// amd64 reads as the tag to change (as its twin thread found); this
	// one was a Windows image asked for in Linux mode.
	"mcr-servercore-ltsc2022-no-matching-manifest-linux-mode.txt": "a bare linux/amd64 without the image reads as the tag",
	// "harbor-domain-name" is the poster's stand-in for the name: a name
	// of one label that does not resolve reads as the name; the thread
	// fixed the DNS server.
	"harbor-login-domain-name-dns-cannot-resolve-no-such-host.txt": "a one-label name that does not resolve reads as the name",
	// operator-courier's own words for Quay's 403 ("Unauthorized access
	// for"), with the scope it lacked only in a JSON detail.
	"operator-courier-quay-robot-no-create-scope-forbidden.txt": "Quay's 'Unauthorized access' reads as the credential",
	// A typo in the image's name (kuberentes), short of Docker Hub: only a
	// reader who knows the project's name sees it.
	"sealer-pull-typo-kuberentes-denied.txt": "a typo in an image's name, which only its right name shows",
	// A chart's placeholder tag (set-by-chartpress) beside a bare
	// ErrImagePull: only a reader who knows the chart's tooling sees it.
	"dask-operator-helm-set-by-chartpress-errimagepull.txt": "a placeholder tag with no error beside it",
	// A mirror's allowlist (DaoCloud's): the image is to be pulled from
	// elsewhere, which r25's twin thread labelled registry_name; this one
	// labelled the refusal. The fix names both.
	"fnos-app-center-daocloud-mirror-image-not-in-allowlist.txt": "a mirror's allowlist reads as the registry to change",
	// A typo in the namespace (nvidian): nothing in the text shows it.
	"jetson-containers-nvidian-typo-pull-access-denied.txt": "a namespace's typo, which the text cannot show",
	// A Windows host's "no matching manifest for windows/amd64 10.0.N":
	// three threads fixed it with a tag built for that Windows version,
	// this one by moving to a Linux agent. The fix names both.
	"azure-devops-windows-2016-agent-no-matching-manifest-aspnet.txt": "a Windows build with no image for it reads as the tag to change",
	// The rule, and Azure/acr#533 (where ACR's service log showed
	// the requests refused for disabled public access): a registry that
	// resolves to a private address and gives no challenge is the network
	// path to its private endpoint. Azure/acr#645 was closed without an
	// answer; registry_error stays among the findings, second.
	"az-acr-check-health-challenge-private-ip.txt": "private address + no challenge reads as the network path",
	// The text is the same as pipelines-compose-push-dockerhub-unqualified's
	// (one thread, two samples), labelled registry_name there: a push that
	// went to docker.io. insufficient_permissions stays among the findings.
	"pipelines-compose-push-denied.txt": "identical text labelled registry_name in its twin sample",
	// crane read "myreg.azurecr.io" as the Docker Hub repository
	// library/myreg.azurecr.io, and the registry's own error says so; the
	// thread's invalid_credentials stays among the findings, second.
	"crane-ls-anonymous-fallback-unauthorized.txt": "the error names library/<acr host>: a reference without a registry",
	// Docker Hub's own certificate expired in 2015 (moby/moby#11534); the
	// rule reads an expired certificate of a registry whose certificate is
	// kept valid as this machine's clock, which later commenters fixed.
	"docker-pull-index-docker-io-x509-hub-cert-expired.txt": "a well-known registry's expired certificate reads as the local clock",
	// kubectl to a cluster of its own: "expired or not yet valid" with no
	// host and no times reads as the certificate's (tls); the thread's
	// clock_skew stays its alternative. A registry's certificate known to
	// be kept valid reads as the clock (certClock).
	"wsl2-kubectl-x509-not-yet-valid-clock-not-synced.txt": "an expired-or-not-yet-valid certificate of an unknown server, with no times, reads as tls",
	// Docker Hub's certificate expired in 2015, in the days of its v1 API:
	// the same incident as docker-pull-index-docker-io-x509-hub-cert-expired.
	"shippable-ci-index-docker-io-cert-expired.txt": "a well-known registry's expired certificate reads as the local clock",
	// ECR Public's API lives in us-east-1 only: a host of another region
	// has the right shape and does not resolve, which reads as DNS. Only
	// AWS's documentation tells the names apart.
	"ecr-login-action-public-wrong-region-enotfound.txt": "a well-formed host that does not exist reads as DNS",
	// A job without id-token: write gets no OIDC token to sign in with:
	// read as invalid_credentials (the identity gives no credential); the
	// thread found no catalogue cause.
	"gha-gcp-auth-missing-id-token-permission.txt": "a workflow denied its OIDC token reads as invalid_credentials",
	// The reporter redacted the registry ("xxxxx.xxx"): a redacted host
	// reads as someone's ACR, whose bare 403 is its network rules.
	"cdk-fargate-cannotpull-403-iam.txt": "a redacted registry reads as ACR, where a 403 is the firewall",
	// A registry that speaks plain HTTP, which no catalogue cause names;
	// the words read as a proxy spoken to in TLS.
	"plain-http-registry-push-insecure-registries-systemd.txt": "a plain-HTTP registry is no catalogue cause",
}

// TestCorpus holds the rules to the samples they are tuned on: for a
// sample whose text shows the cause, the first cause is the expected one;
// for every sample, every expected cause is among the findings.
func TestCorpus(t *testing.T) {
	tune := corpus(t, "tune")
	if len(tune) < 150 {
		t.Fatalf("the tune split has %d samples, want at least 150", len(tune))
	}
	var visible, hidden score
	perID := map[cause.ID]int{}
	for _, s := range tune {
		t.Run(s.name, func(t *testing.T) {
			if !strings.HasPrefix(s.source, "https://") {
				t.Errorf("no # source: URL")
			}
			fs := ExplainString(s.text)
			ok := firstRight(s, fs)
			if s.visible {
				visible.add(ok)
			} else {
				hidden.add(ok)
			}
			got := ids(fs)
			_, known := knownMisses[s.name]
			for _, id := range s.expect {
				if s.visible && !known && !slices.Contains(got, id) {
					t.Errorf("causes %v miss %s", got, id)
				}
			}
			if _, known := knownMisses[s.name]; known && ok {
				t.Errorf("a known miss is now read right: take it out of knownMisses")
			}
			if s.visible && !ok {
				if why, known := knownMisses[s.name]; known {
					t.Logf("known miss (%s): causes %v, want first one of %v", why, got, s.expect)
				} else {
					t.Errorf("causes %v, want first one of %v", got, s.expect)
				}
			}
			if t.Failed() {
				for _, f := range fs {
					t.Logf("  %s (%s) at %d: %s", f.Cause.ID, f.Confidence, f.LineNo, f.Line)
				}
			}
			checkFindings(t, s.text, fs)
			for _, f := range fs {
				perID[f.Cause.ID]++
			}
		})
	}
	t.Logf("tune, text shows the cause: first cause right %s", visible)
	t.Logf("tune, text does not show it: first cause right %s", hidden)
	if visible.ratio() < 0.95 {
		t.Errorf("tune, visible: first cause right %s, want at least 95%%", visible)
	}
	for _, id := range cause.IDs() {
		if perID[id] < 2 {
			t.Errorf("the corpus shows %s %d times, want at least 2", id, perID[id])
		}
	}
}

// checkFindings holds each finding to the text it came from: its line is
// that line, redacted, and no token leaks.
func checkFindings(t *testing.T, text string, fs []Finding) {
	t.Helper()
	pasted, from := textLines(text)
	read := make([]string, len(pasted))
	for i, l := range pasted {
		read[i] = words(l)
	}
	joined, at := unwrap(read, pasted)
	lines := joinAs(pasted, at)
	lineOf := compose(at, from) // the text's line each of lines is on
	// What the text masks, on every line: CI masks, secrets given.
	var masks []string
	for _, v := range append(redact.Masked(joined), redact.Values(append(slices.Clip(lines), joined...))...) {
		masks = append(masks, v, redact.Mark)
	}
	mask := strings.NewReplacer(masks...)
	for _, f := range fs {
		// The lines read from the text's line LineNo: one, or the pieces
		// of an escaped string.
		var want []string
		for i, l := range lines {
			if on := i; lineOf != nil && lineOf[i] == f.LineNo-1 || lineOf == nil && on == f.LineNo-1 {
				want = append(want, shown(Redact(strings.TrimSpace(mask.Replace(words(Redact(mask.Replace(l))))))))
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: LineNo %d starts no line", f.Cause.ID, f.LineNo)
			continue
		}
		if !slices.Contains(want, f.Line) {
			t.Errorf("%s: Line %q is not of line %d %q", f.Cause.ID, f.Line, f.LineNo, want)
		}
		if jwtLeak.MatchString(f.Line) || jwtLeak.MatchString(f.Cause.Evidence) {
			t.Errorf("%s: a token leaks: %q", f.Cause.ID, f.Line)
		}
	}
}

// TestHeldOut scores the samples the rules were never tuned on. It logs
// the aggregate figures only: no sample's name, text or causes, so that
// nobody tunes on them by reading a failure.
func TestHeldOut(t *testing.T) {
	held := corpus(t, "heldout")
	if len(held) == 0 {
		t.Skip("no held-out samples")
	}
	var visible, hidden score
	for _, s := range held {
		ok := firstRight(s, ExplainString(s.text))
		if s.visible {
			visible.add(ok)
		} else {
			hidden.add(ok)
		}
	}
	t.Logf("held out, text shows the cause: first cause right %s", visible)
	t.Logf("held out, text does not show it: first cause right %s", hidden)
	// The goal is 90 %; measured on 2026-12-01: 416/459 (90.6 %). The floor
	// guards against a change that generalises worse: it is not a figure
	// to tune towards, as no held-out sample may be looked at to fix it.
	if visible.ratio() < 0.80 {
		t.Errorf("held out, visible: first cause right %s, want at least 80%% (goal 90%%)", visible)
	}
}
