package main

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// formatExample is one --format value shown in a command's help.
type formatExample struct {
	cmd    *cobra.Command
	format string
	where  string // Long, Example, or the flag it is in the usage of
}

var (
	// --format FORMAT in prose and examples, quoted or not.
	formatArgRE = regexp.MustCompile(`--format[= ]+('[^']*'|"[^"]*"|[^\s'"|<>]+)`)
	// 'TEMPLATE' in the --format flag's own usage.
	usageTemplateRE = regexp.MustCompile(`'([^']*\{\{[^']*)'`)
)

// helpFormatExamples finds every --format example in the help of root and
// the commands under it: Short, Long, Example and the flags' usages.
func helpFormatExamples(root *cobra.Command) []formatExample {
	var out []formatExample
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(where, text string) {
			for _, m := range formatArgRE.FindAllStringSubmatch(text, -1) {
				f := m[1]
				if len(f) >= 2 && (f[0] == '\'' || f[0] == '"') {
					f = f[1 : len(f)-1]
				}
				out = append(out, formatExample{c, f, where})
			}
		}
		add("Short", c.Short)
		add("Long", c.Long)
		add("Example", c.Example)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			add("--"+f.Name, f.Usage)
			if f.Name == "format" {
				for _, m := range usageTemplateRE.FindAllStringSubmatch(f.Usage, -1) {
					out = append(out, formatExample{c, m[1], "--format usage"})
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

// TestHelpFormatExamples runs every --format example of every command's
// help on that command's output for realistic data: credentials of each
// kind (an admin user has no token), registries healthy and failing in
// the emulator, a token, a CI log. Each must print a non-empty line per
// item, with no error.
func TestHelpFormatExamples(t *testing.T) {
	t.Parallel()
	dockerCLI, err := command.NewDockerCli()
	if err != nil {
		t.Fatal(err)
	}
	examples := helpFormatExamples(newRootCommand(dockerCLI))

	const (
		adminPassword = "fmt-admin-password"
		tokenPassword = "fmt-token-password"
		user          = "carol@contoso.com"
		tenant        = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	)
	reg := func(host string, faults ...acremu.Fault) acremu.Registry {
		return acremu.Registry{
			Host: host, AdminEnabled: true, AdminPassword: adminPassword, Tenant: tenant,
			Users:        map[string]acremu.Identity{user: {Actions: []string{"pull", "push"}}},
			Tokens:       map[string]acremu.ScopedToken{"ci-pull": {Password: tokenPassword, ScopeMap: map[string][]string{"team/app": {"content/read", "metadata/read"}}}},
			Repositories: map[string][]string{"team/app": {"1"}},
			Faults:       faults,
		}
	}
	emu, err := acremu.Start(reg("healthyreg.azurecr.io"), reg("tokenreg.azurecr.io"), reg("scopedreg.azurecr.io"), reg("firewalled.azurecr.io", acremu.Firewall))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	now := time.Now()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	auths := map[string]any{
		"healthyreg.azurecr.io": map[string]string{"auth": b64("healthyreg:" + adminPassword)},
		"tokenreg.azurecr.io":   map[string]string{"auth": b64(acremu.NullGUID + ":"), "identitytoken": emu.RefreshToken("tokenreg.azurecr.io", user, now.Add(-10*time.Minute))},
		"scopedreg.azurecr.io":  map[string]string{"auth": b64("ci-pull:" + tokenPassword)},
		"firewalled.azurecr.io": map[string]string{"auth": b64("firewalled:" + adminPassword)},
		"registry.example.com":  map[string]string{"auth": b64("bob:pw")},
		// A key Docker never looks up, for fix to plan a repair of.
		"StrayReg.azurecr.io": map[string]string{"auth": b64("strayreg:" + adminPassword)},
	}
	cfg, _ := json.Marshal(map[string]any{"auths": auths})
	plain := newBinSandbox(t)
	plain.writeConfig(string(cfg))
	// Run as Docker runs the plugin, so that the bare command's flags are
	// the plugin's.
	sb := plain.asDocker()
	sb.env = append(sb.env, "HTTPS_PROXY="+emu.ProxyURL(), "https_proxy="+emu.ProxyURL(), "NO_PROXY=", "no_proxy=", "SSL_CERT_FILE="+emu.CAFile())

	refresh := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", user, tenant, now.Add(-10*time.Minute), "read"))
	ciLog := `$ docker push myreg.azurecr.io/team/app:1
The push refers to repository [myreg.azurecr.io/team/app]
5f70bf18a086: Preparing
denied: requested access to the resource is denied
$ docker login otherreg.azurecr.io -u ci -p ***
Error response from daemon: Get "https://otherreg.azurecr.io/v2/": unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.
`
	// How each command is run, and where its JSON output lists the items
	// a template runs on.
	checkArgs := []string{"--step-timeout", "10s", "--timeout", "50s"}
	fixtures := map[string]struct {
		args  []string
		stdin string
		items func(json.RawMessage) (int, error)
	}{
		name:      {args: append([]string{name}, checkArgs...), items: itemsAt("registries")},
		"check":   {args: append([]string{name, "check"}, checkArgs...), items: itemsAt("registries")},
		"creds":   {args: []string{name, "creds", "--all"}, items: itemsAt("credentials")},
		"token":   {args: []string{name, "token", "-"}, stdin: refresh, items: func(json.RawMessage) (int, error) { return 1, nil }},
		"explain": {args: []string{name, "explain", "-"}, stdin: ciLog, items: itemsAt("causes")},
		"fix": {args: append([]string{name, "fix"}, "--timeout", "50s"), items: func(raw json.RawMessage) (int, error) {
			var rep struct{ Plan json.RawMessage }
			if err := json.Unmarshal(raw, &rep); err != nil {
				return 0, err
			}
			return itemsAt("moves")(rep.Plan)
		}},
	}

	// The data is what the examples are to be tried on: entries with and
	// without a token, registries healthy and not.
	creds := sb.run("", name, "creds", "--all", "--format", "json")
	var credsRep struct{ Credentials []struct{ Token *struct{} } }
	if err := json.Unmarshal([]byte(creds.stdout), &credsRep); err != nil || !slices.ContainsFunc(credsRep.Credentials, func(c struct{ Token *struct{} }) bool { return c.Token == nil }) ||
		!slices.ContainsFunc(credsRep.Credentials, func(c struct{ Token *struct{} }) bool { return c.Token != nil }) {
		t.Fatalf("want credentials with and without a token: %v", creds)
	}

	seen := map[string]bool{}
	for _, ex := range examples {
		key := ex.cmd.CommandPath() + " --format " + ex.format
		if seen[key] {
			continue
		}
		seen[key] = true
		t.Run(key, func(t *testing.T) {
			fx, ok := fixtures[ex.cmd.Name()]
			if !ok {
				t.Fatalf("%s: the %s of %q shows --format %s, but this test has no data to run %q on: add a fixture", key, ex.where, ex.cmd.CommandPath(), ex.format, ex.cmd.Name())
			}
			jr := sb.run(fx.stdin, append(slices.Clone(fx.args), "--format", "json")...)
			n, err := fx.items(json.RawMessage(jr.stdout))
			if err != nil || n == 0 || (jr.code != 0 && jr.code != 1) {
				t.Fatalf("the data: %d items (%v): %v", n, err, jr)
			}
			r := sb.run(fx.stdin, append(slices.Clone(fx.args), "--format", ex.format)...)
			if r.code != 0 && r.code != 1 {
				t.Errorf("%s (from the %s): exit %d: %v", key, ex.where, r.code, r)
			}
			for _, bad := range []string{"acrdoctor:", "--format", "panic", "nil pointer", "<no value>"} {
				if strings.Contains(r.stdout+r.stderr, bad) {
					t.Errorf("%s (from the %s): output has %q: %v", key, ex.where, bad, r)
				}
			}
			if strings.TrimSpace(r.stdout) == "" {
				t.Errorf("%s (from the %s): no output: %v", key, ex.where, r)
			}
			if ex.format == "json" {
				if !json.Valid([]byte(r.stdout)) {
					t.Errorf("%s: not JSON: %v", key, r)
				}
				return
			}
			t.Logf("%s:\n%s", key, r.stdout)
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if len(lines) != n || slices.ContainsFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" }) {
				t.Errorf("%s (from the %s): want %d non-empty lines, one per item: %v", key, ex.where, n, r)
			}
		})
	}
	for _, c := range []string{name, "check", "creds", "token", "explain"} {
		found := false
		for _, ex := range examples {
			found = found || (ex.cmd.Name() == c && strings.Contains(ex.format, "{{"))
		}
		if !found {
			t.Errorf("%s: no template example found in its help", c)
		}
	}

	// A template that reaches through a field some entries lack says how
	// to guard it, in one line.
	r := sb.run("", name, "creds", "--format", "{{.Registry}} {{.Token.ExpiresAt}}")
	if lines := r.errLines(); r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "nil pointer evaluating") ||
		!strings.Contains(lines[0], "not every entry has .Token: write {{with .Token}}…{{end}}") {
		t.Errorf("nil field: want exit 2 and one line saying how to guard it: %v", r)
	}
}

// itemsAt counts the array under key of a JSON object.
func itemsAt(key string) func(json.RawMessage) (int, error) {
	return func(raw json.RawMessage) (int, error) {
		var obj map[string][]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			var one map[string]json.RawMessage // other keys that are not arrays
			if err2 := json.Unmarshal(raw, &one); err2 != nil {
				return 0, err
			}
			var items []json.RawMessage
			err = json.Unmarshal(one[key], &items)
			return len(items), err
		}
		return len(obj[key]), nil
	}
}
