package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli-plugins/hooks"
	"github.com/docker/cli/cli/command"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/repair"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe/termsafetest"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

var renderNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Reports with every string that can come from outside set to h.

func hostileCauses(h string) []cause.Cause {
	return []cause.Cause{
		{ID: cause.ID(h), Severity: cause.Error, Title: h, Evidence: h, Remediation: []string{h, "az acr login -n " + h}, Docs: []string{h}},
		{ID: cause.ExpiredCredentials, Severity: cause.Warning, Title: "t", Evidence: "the registry said: " + h},
	}
}

func hostileToken(h string) *report.Token {
	exp, iat := renderNow.Add(-time.Hour), renderNow.Add(-4*time.Hour)
	nbf := iat.Add(time.Minute)
	return &report.Token{
		Kind: token.Kind(h), Issuer: h, Subject: h, Name: h + "2", Audience: []string{h, h},
		Tenant: h, GrantType: h, JWTID: h, AppID: h,
		Permissions: &token.Permissions{Actions: []string{h}, NotActions: []string{h}},
		Access:      []token.Access{{Type: h, Name: h, Actions: []string{h}}},
		IssuedAt:    &iat, NotBefore: &nbf, ExpiresAt: &exp,
		Claims: map[string]any{h: h},
	}
}

func hostileCredential(h string) report.Credential {
	return report.Credential{
		Registry: h, Source: h, Kind: credkind.Kind(h), Username: h, Fingerprint: h,
		Token: hostileToken(h), Shadowed: []string{h, h}, Causes: hostileCauses(h),
	}
}

func hostileRegistry(h string) report.Registry {
	return report.Registry{
		Registry: h, Credential: hostileCredential(h),
		Steps: []report.Step{
			{Name: report.StepName(h), Status: report.StepFail, Detail: h},
			{Name: "tls", Status: report.StepFail, Detail: "x509: certificate signed by unknown authority (presented: CN=" + h + ", issued by CN=" + h + ")"},
		},
		Causes: hostileCauses(h),
		LoginEvents: &report.LoginEvents{
			Query: "ContainerRegistryLoginEvents\n| where LoginServer == '" + h + "'", Command: "az monitor log-analytics query -w " + h, Ran: true,
			Events: []report.LoginEvent{{Time: renderNow, Identity: h, CallerIPAddress: h, ResultType: h, ResultDescription: h}},
		},
	}
}

// renderers are every text renderer, each given a report made of h.
var renderers = map[string]func(w io.Writer, p palette, h string){
	"creds": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p, now: renderNow}.creds(report.Creds{
			Config:      h,
			Credentials: []report.Credential{hostileCredential(h), {Registry: h, Kind: credkind.AdminUser, Causes: []cause.Cause{}}},
			Stores:      []report.Store{{Source: h, Default: true, Causes: hostileCauses(h)}},
		}, true)
	},
	"token": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p, now: renderNow}.token(report.TokenReport{Token: hostileToken(h), LoginServer: h, Causes: hostileCauses(h)}, 1234)
	},
	"token valid": func(w io.Writer, p palette, h string) {
		tok := hostileToken(h)
		exp := renderNow.Add(time.Hour)
		tok.ExpiresAt = &exp
		textWriter{w: w, p: p, now: renderNow}.token(report.TokenReport{Token: tok, LoginServer: h}, 1234)
	},
	"check registry": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p, now: renderNow}.registry(hostileRegistry(h))
	},
	"check registry, verbose": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p, now: renderNow, verbose: true}.registry(hostileRegistry(h))
	},
	"check summary": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p, now: renderNow}.checkSummary(report.Check{
			Registries: []report.Registry{hostileRegistry(h)},
			Stores:     []report.Store{{Source: h, Causes: hostileCauses(h)}},
			Docker:     &report.Docker{Path: h, Version: h, Causes: hostileCauses(h)},
		})
	},
	"causes (explain, run)": func(w io.Writer, p palette, h string) {
		textWriter{w: w, p: p}.causes(hostileCauses(h))
	},
	"configure preview": func(w io.Writer, _ palette, h string) {
		q, _ := json.Marshal(h)
		printEdits(w, []configedit.Edit{
			{Path: []string{"credHelpers"}, After: json.RawMessage(`{}`)},
			{Path: []string{"credHelpers", h}, After: json.RawMessage(`"acrdoctor"`)},
			{Path: []string{"credsStore"}, Before: q, After: json.RawMessage(`"acrdoctor"`)},
			{Path: []string{"plugins", h, h}, Before: q},
		})
	},
	"debug transcript": func(w io.Writer, _ palette, h string) {
		writeTranscript(w, &probe.Transcript{Registry: h, Proxy: h, Exchanges: []probe.Exchange{
			{Method: h, URL: "https://" + h + "/v2/", Status: 401, Header: map[string][]string{h: {h}, "Www-Authenticate": {`Bearer realm="` + h + `"`}}, Body: h + "\n" + h, SentCredential: true},
			{Method: "GET", URL: h, Err: h, ErrKind: probe.ErrKind(h)},
		}, Unused: []probe.Exchange{
			{Method: "GET", URL: "https://" + h + "/oauth2/token", Status: 401, Refused: h, Body: h + "\n" + h, SentCredential: true},
		}})
	},
}

// blocks counts, for each renderer, the texts with line feeds of their own
// it is given h in: a Log Analytics query, each h of a body in a
// transcript.
var blocks = map[string]int{"check registry, verbose": 1, "debug transcript": 4}

// TestRenderersSanitise feeds every hostile string through every text
// renderer, with colour and without: nothing but the palette's own
// sequences reaches the output, and no value adds a line.
func TestRenderersSanitise(t *testing.T) {
	for name, render := range renderers {
		for _, colour := range []bool{false, true} {
			var plain bytes.Buffer
			render(&plain, palette{on: colour}, "x")
			want := strings.Count(plain.String(), "\n")
			var allowed []string
			if colour {
				allowed = termsafetest.Palette
			}
			for _, h := range append(termsafetest.Hostile, struct{ Name, S string }{"all", termsafetest.All()}) {
				var b bytes.Buffer
				render(&b, palette{on: colour}, h.S)
				out := b.String()
				if err := termsafetest.Check(out, allowed...); err != nil {
					t.Errorf("%s (colour %v), %s: %v\n%s", name, colour, h.Name, err, out)
				}
				// A query's and a body's lines are their own, each
				// indented or prefixed: those are the only lines a value
				// may add.
				extra := blocks[name] * strings.Count(h.S, "\n")
				if got := strings.Count(out, "\n"); got != want+extra {
					t.Errorf("%s (colour %v), %s: %d lines, want %d: a value made lines of its own\n%s", name, colour, h.Name, got, want+extra, out)
				}
			}
		}
	}
}

// TestTranscriptLines: every line of -D output is a DEBU line, whatever
// the registry sent.
func TestTranscriptLines(t *testing.T) {
	var b bytes.Buffer
	renderers["debug transcript"](&b, palette{}, termsafetest.All())
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "DEBU ") {
			t.Errorf("a line of -D output is not a DEBU line: %q", line)
		}
	}
}

// TestColourKept: the palette's sequences pass the backstop writer when
// colour is on, and nothing else does.
func TestColourKept(t *testing.T) {
	var b bytes.Buffer
	p := palette{on: true}
	tw := textWriter{w: safeOutput(&b, p), p: p, now: renderNow}
	tw.registry(report.Registry{Registry: "myreg.azurecr.io\x1b[2J", Healthy: true, Steps: []report.Step{{Name: "tls", Detail: "CN=\x1b]52;c;eA==\x07"}}})
	out := b.String()
	for _, want := range []string{"\x1b[1mmyreg.azurecr.io^[[2J\x1b[0m", "\x1b[32mhealthy\x1b[0m", "\x1b[32mok\x1b[0m", "CN=^[]52;c;eA==^G"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if err := termsafetest.Check(out, termsafetest.Palette...); err != nil {
		t.Error(err)
	}
	// Without colour the backstop lets no escape through, even one a
	// renderer forgot to make safe.
	b.Reset()
	_, _ = io.WriteString(safeOutput(&b, palette{}), "\x1b[31mred\x1b[0m\r\n")
	if b.String() != "^[[31mred^[[0m^M\n" {
		t.Errorf("backstop without colour wrote %q", b.String())
	}
	b.Reset()
	_, _ = io.WriteString(safeOutput(&b, p), "\x1b[31mred\x1b[0m\x1b]8;;x\x07")
	if b.String() != "\x1b[31mred\x1b[0m^[]8;;x^G" {
		t.Errorf("backstop with colour wrote %q", b.String())
	}
}

// TestTemplateOutputSanitised: a --format template's output is text; the
// data is untrusted.
func TestTemplateOutputSanitised(t *testing.T) {
	for _, format := range []string{"{{.Registry}}\t{{.Username}} {{.Token.Subject}} {{range .Causes}}{{.Evidence}}{{end}}", "{{json .}}", "{{.}}"} {
		o := output{raw: format}
		if err := o.parse(); err != nil {
			t.Fatal(err)
		}
		for _, h := range termsafetest.Hostile {
			var b bytes.Buffer
			if err := executeEach(&o, templateOutput(&b), []report.Credential{hostileCredential(h.S)}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if err := termsafetest.Check(b.String()); err != nil {
				t.Errorf("template %q, %s: %v\n%q", format, h.Name, err, b.String())
			}
		}
	}
}

// TestJSONExact: --format json gives every value back exactly (invalid
// UTF-8 aside, which encoding/json replaces byte by byte), and holds no
// raw control: what encoding/json leaves raw is escaped, nothing twice.
func TestJSONExact(t *testing.T) {
	for _, h := range termsafetest.Hostile {
		var b bytes.Buffer
		c := hostileCredential(h.S)
		if err := writeJSON(jsonOutput(&b), c); err != nil {
			t.Fatal(err)
		}
		if err := termsafetest.Check(b.String()); err != nil {
			t.Errorf("%s: JSON holds raw %v", h.Name, err)
		}
		var back report.Credential
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		if want := string([]rune(h.S)); back.Registry != want || back.Token.Claims[want] != want {
			t.Errorf("%s: JSON registry %q, claims %q; want %q", h.Name, back.Registry, back.Token.Claims, want)
		}
		if strings.Contains(b.String(), "^[") || strings.Contains(b.String(), "<U+") || strings.Contains(b.String(), `\\u`) {
			t.Errorf("%s: JSON was sanitised as text, or escaped twice: %s", h.Name, b.String())
		}
	}
}

func TestSafeError(t *testing.T) {
	if err := safeError(nil); err != nil {
		t.Errorf("safeError(nil) = %v", err)
	}
	plain := errors.New("plain")
	if safeError(plain) != plain {
		t.Error("a safe error was wrapped")
	}
	base := usagef("bad key %s", "a\x1b]52;c;eA==\x07\nb")
	err := safeError(base)
	if got, want := err.Error(), "bad key a^[]52;c;eA==^G^Jb"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var u usageError
	if !errors.As(err, &u) {
		t.Error("errors.As does not find the usage error")
	}
	st := safeError(cli.StatusError{StatusCode: 3, Status: "\x1b[2J"})
	var got cli.StatusError
	if !errors.As(st, &got) || got.StatusCode != 3 {
		t.Errorf("errors.As(StatusError) = %v", got)
	}
}

func TestHookHintSanitised(t *testing.T) {
	for _, h := range termsafetest.Hostile {
		resp := hookResponse(hooks.Request{RootCmd: "push", CommandError: "failed to push myreg.azurecr.io/app:1: unauthorized: authentication required " + h.S})
		if err := termsafetest.Check(resp.Template); err != nil {
			t.Errorf("%s: %v: %q", h.Name, err, resp.Template)
		}
	}
}

// testCLI is a Docker CLI over in-memory streams, for the commands whose
// rendering is not a textWriter method.
func testCLI(t *testing.T, stdin string) (*command.DockerCli, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	c, err := command.NewDockerCli(command.WithInputStream(io.NopCloser(strings.NewReader(stdin))), command.WithOutputStream(&out), command.WithErrorStream(&errb))
	if err != nil {
		t.Fatal(err)
	}
	return c, &out, &errb
}

func TestExplainSanitised(t *testing.T) {
	for _, h := range termsafetest.Hostile {
		log := "Step 3/9\r\x1b[2K\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\nError response from daemon: Head \"https://myreg.azurecr.io/v2/app/manifests/1\": unauthorized: authentication required " + h.S + "\n"
		for _, format := range []string{"text", "{{.Evidence}}"} {
			c, out, _ := testCLI(t, log)
			err := runExplain(c, &output{raw: format}, true, []string{"-"})
			if !errors.Is(err, errProblem) {
				t.Fatalf("%s: explain = %v, want a problem found\n%s", h.Name, err, out)
			}
			if err := termsafetest.Check(out.String()); err != nil {
				t.Errorf("%s, %s: %v\n%s", h.Name, format, err, out)
			}
			if format == "text" && !strings.Contains(out.String(), "unauthorized: authentication required") {
				t.Errorf("%s: the evidence is missing:\n%s", h.Name, out)
			}
		}
	}
}

func TestTokenSanitised(t *testing.T) {
	s := tokentest.Default()
	for _, h := range termsafetest.Hostile {
		claims := tokentest.ACRRefresh("myreg.azurecr.io", h.S, h.S, time.Now().Add(-time.Hour), "read")
		claims["jti"] = h.S
		claims["upn"] = h.S + "@contoso.com"
		claims["tid"] = h.S
		claims["access"] = []any{map[string]any{"type": h.S, "name": h.S, "actions": []any{h.S}}}
		jwt := s.Sign(claims)
		for _, format := range []string{"text", "{{.Subject}} {{.Tenant}}"} {
			c, out, _ := testCLI(t, jwt)
			if err := runToken(c, &output{raw: format}, []string{"-"}); err != nil && !errors.Is(err, errProblem) {
				t.Fatalf("%s: token = %v", h.Name, err)
			}
			if err := termsafetest.Check(out.String()); err != nil {
				t.Errorf("%s, %s: %v\n%s", h.Name, format, err, out)
			}
		}
		// JSON gives the claims back exactly.
		c, out, _ := testCLI(t, jwt)
		if err := runToken(c, &output{raw: "json"}, []string{"-"}); err != nil && !errors.Is(err, errProblem) {
			t.Fatal(err)
		}
		var rep struct {
			Subject string `json:"subject"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", h.Name, err, out)
		}
		if want := string([]rune(h.S)); rep.Subject != want {
			t.Errorf("%s: JSON subject %q, want %q", h.Name, rep.Subject, want)
		}
	}
	// A token that does not decode: the error quotes none of it raw.
	c, _, _ := testCLI(t, "eyJ\x1b]52;c;eA==\x07.x.y")
	err := safeError(runToken(c, &output{raw: "text"}, []string{"-"}))
	if err == nil {
		t.Fatal("a broken token decoded")
	}
	if e := termsafetest.Check(err.Error()); e != nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q: %v", err, e)
	}
}

// TestTranscriptRefused: -D shows where the probe would not send the
// credential, and why.
func TestTranscriptRefused(t *testing.T) {
	var b bytes.Buffer
	writeTranscript(&b, &probe.Transcript{Registry: "myreg.azurecr.io", Exchanges: []probe.Exchange{{
		Method: "POST", URL: "https://myreg.azurecr.io/oauth2/token", Status: 307, SentCredential: true,
		Refused: "http://myreg.azurecr.io/oauth2/token: it is http, not https",
	}}})
	if want := "DEBU <   refused, nothing sent: http://myreg.azurecr.io/oauth2/token: it is http, not https\n"; !strings.Contains(b.String(), want) {
		t.Errorf("transcript:\n%s\nwant a line %q", b.String(), want)
	}
}

// TestLoginEventsSuccess: a successful login event says 200 once.
func TestLoginEventsSuccess(t *testing.T) {
	var b strings.Builder
	textWriter{w: &b, p: palette{}, now: renderNow}.loginEvents(&report.LoginEvents{Ran: true, Events: []report.LoginEvent{
		{Time: renderNow, Identity: "alice@contoso.com", CallerIPAddress: "203.0.113.7", ResultType: "200", ResultDescription: "200"},
		{Time: renderNow, Identity: "alice@contoso.com", CallerIPAddress: "203.0.113.7", ResultType: "401", ResultDescription: "Unauthorized"},
	}})
	out := b.String()
	if strings.Count(out, "200") != 1 || !strings.Contains(out, "401     Unauthorized") {
		t.Errorf("login events:\n%s", out)
	}
}

// TestLoginEventsNotRun: the hint offers --azure only where it was not
// tried; where it was and failed, it says so.
func TestLoginEventsNotRun(t *testing.T) {
	for _, tc := range []struct {
		ev   report.LoginEvents
		want string
	}{
		{report.LoginEvents{}, "--azure runs it"},
		{report.LoginEvents{Error: "the Azure CLI is not logged in"}, "which --azure could not run here"},
	} {
		var b strings.Builder
		textWriter{w: &b, p: palette{}, now: renderNow}.loginEvents(&tc.ev)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("error %q: got %q, want %q", tc.ev.Error, b.String(), tc.want)
		}
	}
}

// TestExplainEmptyInput: an empty pipe (a command's stderr left out) is
// said, with the 2>&1 that takes it in.
func TestExplainEmptyInput(t *testing.T) {
	c, out, errOut := testCLI(t, "\n")
	if err := runExplain(c, &output{raw: "text"}, true, []string{"-"}); err != nil {
		t.Fatalf("explain of nothing = %v", err)
	}
	if !strings.Contains(errOut.String(), "was empty: pipe stderr too (COMMAND 2>&1 |") || !strings.Contains(out.String(), "No known cause") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestExplainKeepsTheEnd: a log longer than explain reads says why it
// failed at its end, which is what is kept; stderr says the rest was cut.
func TestExplainKeepsTheEnd(t *testing.T) {
	log := strings.Repeat("Step 1/9 : RUN make build ok\n", (maxExplainInput/28)+1000) +
		"Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": dial tcp: lookup myreg.azurecr.io: no such host\n"
	c, out, errOut := testCLI(t, log)
	if err := runExplain(c, &output{raw: "text"}, true, []string{"-"}); !errors.Is(err, errProblem) {
		t.Fatalf("explain = %v, want the cause at the end found\n%s", err, out)
	}
	if !strings.Contains(out.String(), "registry_name") || !strings.Contains(errOut.String(), "first") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	// The line keeps its number in the whole log.
	c, out, _ = testCLI(t, log)
	o := &output{raw: "{{.LineNo}} "}
	if err := o.parse(); err != nil {
		t.Fatal(err)
	}
	_ = runExplain(c, o, true, []string{"-"})
	if want := fmt.Sprint(maxExplainInput/28+1000+1) + " "; !strings.HasPrefix(out.String(), want) {
		t.Errorf("line %q, want %q", out, want)
	}
}

// TestExplainMasksWhatTheDroppedPartGave: a password a login gave in the
// part of a long log that explain does not read is masked where the part
// it reads repeats it (found by a newcomer trial).
func TestExplainMasksWhatTheDroppedPartGave(t *testing.T) {
	log := "+ docker login -u x -p S3cretValue9 myreg.azurecr.io\n" +
		strings.Repeat("Step 1/9 : RUN make build ok\n", (maxExplainInput/28)+1000) +
		"Error: retry login failed: unauthorized: S3cretValue9 rejected by myreg.azurecr.io\n"
	for _, format := range []string{"text", "json"} {
		c, out, _ := testCLI(t, log)
		if err := runExplain(c, &output{raw: format}, true, []string{"-"}); !errors.Is(err, errProblem) {
			t.Fatalf("%s: explain = %v, want a cause\n%s", format, err, out)
		}
		if strings.Contains(out.String(), "S3cretValue9") {
			t.Errorf("%s: the password is shown:\n%s", format, out)
		}
	}
}

// TestExplainMasksTheCutLine: a login in the line the 4 MiB cut falls in,
// which explain never reads, still gives its password to mask (found by
// an attack).
func TestExplainMasksTheCutLine(t *testing.T) {
	login := "+ docker login -u x -p S3cretValue9 myreg.azurecr.io\n"
	last := "Error: retry login failed: unauthorized: S3cretValue9 rejected by myreg.azurecr.io\n"
	for _, into := range []int{0, 10, len(login) - 1} {
		fill := maxExplainInput + into - len(login) - len(last)
		filler := strings.Repeat("Step 1/9 : RUN make build ok\n", fill/29)
		filler += strings.Repeat("x", fill-len(filler)-1) + "\n"
		c, out, _ := testCLI(t, "early line\n"+login+filler+last)
		if err := runExplain(c, &output{raw: "json"}, true, []string{"-"}); !errors.Is(err, errProblem) {
			t.Fatalf("cut %d bytes into the login: explain = %v\n%s", into, err, out)
		}
		if strings.Contains(out.String(), "S3cretValue9") {
			t.Errorf("cut %d bytes into the login: the password is shown:\n%s", into, out)
		}
	}
}

// TestExplainKeepsTheEndCR: a log over the cap whose lines end in a
// carriage return alone is read from its first whole line, not dropped.
func TestExplainKeepsTheEndCR(t *testing.T) {
	line := "unauthorized: authentication required myreg.azurecr.io\r"
	c, out, _ := testCLI(t, strings.Repeat(line, maxExplainInput/len(line)+1000))
	if err := runExplain(c, &output{raw: "text"}, true, []string{"-"}); !errors.Is(err, errProblem) {
		t.Errorf("explain = %v, want a cause\n%s", err, out)
	}
	// A CRLF the cut splits counts once.
	tl := tail{max: 4}
	tl.Write([]byte("ab\r\ncd\n"))
	if text, first := tl.Text(); text != "cd\n" || first != 2 {
		t.Errorf("Text() = %q, %d; want %q, line 2", text, first, "cd\n")
	}
	for _, tc := range []struct{ in, want string }{{"ab\ncd", "cd"}, {"ab\r\ncd", "cd"}, {"ab\rcd", "cd"}, {"abcd", ""}, {"ab\r", ""}} {
		if got := afterLine(tc.in, "\r\n"); got != tc.want {
			t.Errorf("afterLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// In a log whose lines end in line feeds, a progress bar's carriage
	// returns, kept or left out, are no line ends: numbers as grep -n's.
	tl = tail{max: 12}
	tl.Write([]byte("1%\r2%\r3%\ndone\rx\nlast line\n"))
	if text, first := tl.Text(); text != "last line\n" || first != 3 {
		t.Errorf("Text() = %q, %d; want %q, line 3", text, first, "last line\n")
	}
}

// TestExplainOneLongLine: a log whose end is one line longer than the
// cap says that nothing of it was read, not that its end was.
func TestExplainOneLongLine(t *testing.T) {
	c, _, errOut := testCLI(t, strings.Repeat("x", maxExplainInput+100)+" unauthorized: authentication required\n")
	_ = runExplain(c, &output{raw: "text"}, true, []string{"-"})
	if !strings.Contains(errOut.String(), "nothing of it was read") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// TestExplainCutLine: where the cut falls inside a line (here inside the
// quotes that mark an echoed password), that part-line is never shown.
func TestExplainCutLine(t *testing.T) {
	const secret = "S3cretCUT2xyz"
	rest := secret + `" | docker login --password-stdin -u robot$ci myreg.azurecr.io` + "\n"
	errLine := "Error response from daemon: Get https://myreg.azurecr.io/v2/: unauthorized: authentication required\n"
	pad := maxExplainInput - len(rest) - len(errLine)
	kept := rest + strings.Repeat("b\n", pad/2) + strings.Repeat("c", pad%2) + errLine
	log := "a\n% echo \"" + kept
	c, out, _ := testCLI(t, log)
	if err := runExplain(c, &output{raw: "text"}, true, []string{"-"}); !errors.Is(err, errProblem) {
		t.Fatalf("explain = %v\n%s", err, out)
	}
	if strings.Contains(out.String(), secret) {
		t.Errorf("the part-line after the cut is shown:\n%s", out)
	}
}

// TestFoldedSteps: the steps that passed fold into one line, but the
// credential and every step that did not pass; --verbose shows each; the
// Log Analytics query and command only with --verbose.
func TestFoldedSteps(t *testing.T) {
	r := report.Registry{Registry: "myreg.azurecr.io", Steps: []report.Step{
		{Name: "credential", Status: report.StepOK, Detail: "admin_user from file"},
		{Name: "tcp", Status: report.StepOK, Detail: "tcp detail"},
		{Name: "tls", Status: report.StepOK, Detail: "tls detail"},
		{Name: "token", Status: report.StepFail, Detail: "401 Unauthorized"},
		{Name: "clock", Status: report.StepWarn, Detail: "clock detail"},
	}, LoginEvents: &report.LoginEvents{Query: "ContainerRegistryLoginEvents", Command: "az monitor log-analytics query"}}
	for _, tc := range []struct {
		verbose    bool
		want, gone []string
	}{
		{false, []string{"admin_user from file", "2 more", "tcp, tls", "401 Unauthorized", "clock detail", "--verbose shows the Log Analytics query"},
			[]string{"tcp detail", "tls detail", "az monitor", "ContainerRegistryLoginEvents"}},
		{true, []string{"admin_user from file", "tcp detail", "tls detail", "401 Unauthorized", "clock detail", "az monitor", "ContainerRegistryLoginEvents"},
			[]string{"more"}},
	} {
		var b strings.Builder
		textWriter{w: &b, p: palette{}, now: renderNow, verbose: tc.verbose}.registry(r)
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("verbose=%v: no %q in\n%s", tc.verbose, w, b.String())
			}
		}
		for _, g := range tc.gone {
			if strings.Contains(b.String(), g) {
				t.Errorf("verbose=%v: %q in\n%s", tc.verbose, g, b.String())
			}
		}
	}
	// One passed step besides the credential is shown whole.
	shown, passed := foldSteps(r.Steps[:2])
	if len(shown) != 2 || passed != nil {
		t.Errorf("foldSteps of one passed step: %v, %v", shown, passed)
	}
}

// TestCheckSummaryDockerFails: when every registry is healthy but Docker
// itself is not, the last line says why the check fails.
func TestCheckSummaryDockerFails(t *testing.T) {
	docker := &report.Docker{Path: "/usr/bin/docker", Version: "17.09", Causes: []cause.Cause{{ID: cause.DockerEnvironment, Severity: cause.Error}}}
	for _, tc := range []struct {
		docker *report.Docker
		want   string
	}{
		{nil, "1 registry checked: 1 healthy, 0 with problems.\n"},
		{docker, "1 registry checked: no problem of a registry's own; the problem above is Docker's own, and fails every registry.\n"},
	} {
		var b strings.Builder
		textWriter{w: &b, p: palette{}, now: renderNow}.checkSummary(report.Check{
			Registries: []report.Registry{{Registry: "myreg.azurecr.io", Healthy: true}}, Docker: tc.docker})
		if !strings.HasSuffix(b.String(), tc.want) {
			t.Errorf("summary %q, want it to end %q", b.String(), tc.want)
		}
	}
}

// TestFixOnce: a fix the text has written out already (a store that fails
// for every entry) is one line the second time.
func TestFixOnce(t *testing.T) {
	var b strings.Builder
	tw := textWriter{w: &b, fixes: map[string]bool{}}
	c := cause.New(cause.CredentialStore, "get failed", "install docker-credential-nosuch", "or remove it")
	tw.causes([]cause.Cause{c})
	tw.causes([]cause.Cause{c, cause.New(cause.CredentialStore, "get failed", "another fix")})
	if got := b.String(); strings.Count(got, "install docker-credential-nosuch") != 1 || strings.Count(got, "→ the fix above") != 1 || !strings.Contains(got, "another fix") {
		t.Errorf("got:\n%s", got)
	}
}

// TestOfflineSummary: a check that asked no registry calls none healthy.
func TestOfflineSummary(t *testing.T) {
	rep := report.Check{Registries: []report.Registry{{Registry: "myreg.azurecr.io", Healthy: true}}}
	for _, offline := range []bool{false, true} {
		var b strings.Builder
		tw := textWriter{w: &b, p: palette{}, now: renderNow, offline: offline}
		tw.registry(rep.Registries[0])
		tw.checkSummary(rep)
		if got := strings.Contains(b.String(), "healthy"); got == offline {
			t.Errorf("offline %v: %q", offline, b.String())
		}
	}
}

// TestFixOutcomePartly: a fix whose repairs did not all apply says so, and
// how to take back what did, instead of "Done." (a newcomer trial's find).
func TestFixOutcomePartly(t *testing.T) {
	rep := fixReport{
		Plan:    repair.Plan{Moves: []repair.Move{{Kind: repair.Configure}, {Kind: repair.Renew}}},
		Applied: []repair.Move{{Kind: repair.Configure}},
		Error:   "renewing: renew: no such host",
	}
	var b strings.Builder
	printOutcome(&b, rep, fixOptions{yes: true})
	if out := b.String(); strings.Contains(out, "Done.") || !strings.Contains(out, "Partly done: 1 of 2 repairs applied") || !strings.Contains(out, "fix --undo --yes") {
		t.Errorf("outcome:\n%s", out)
	}
	b.Reset()
	rep.Error = ""
	printOutcome(&b, rep, fixOptions{})
	if !strings.Contains(b.String(), "Done. Undo with:") {
		t.Errorf("outcome:\n%s", b.String())
	}
}
