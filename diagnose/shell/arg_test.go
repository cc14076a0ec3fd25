package shell_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name   string
		make   func(string) shell.Arg
		ok     map[string]string // value: the word it becomes
		refuse []string
	}{
		{"IP", shell.IP, map[string]string{
			"203.0.113.7": "203.0.113.7", "2001:db8::1": "2001:db8::1",
			"2001:DB8::1": "2001:db8::1", "::ffff:203.0.113.7": "::ffff:203.0.113.7",
		}, []string{"203.0.113.7 --subscription x", "fe80::1%eth0", "fe80::1%;id", "203.0.113.7/33", "203.0.113", "0x7f.1", "localhost", "-1.2.3.4", " 203.0.113.7", "203.0.113.7\n",
			"203.0.113.0/24", "0.0.0.0/0", "::/0", "0.0.0.0", "10.1.2.3", "192.168.0.1", "127.0.0.1", "::1", "224.0.0.1", "169.254.1.1"}},
		{"Host", shell.Host, map[string]string{"myreg.azurecr.io": "myreg.azurecr.io", "my-reg.eastus.data.azurecr.io": "my-reg.eastus.data.azurecr.io", "localhost": "localhost"},
			[]string{"MyReg.azurecr.io", "myreg.azurecr.io:443", "-x.azurecr.io", "a..b", "myreg.azurecr.io.", "myrеg.azurecr.io", "a_b.io", "x y", strings.Repeat("a.", 130) + "io", strings.Repeat("a", 64) + ".io"}},
		{"HostPort", shell.HostPort, map[string]string{"myreg.azurecr.io": "myreg.azurecr.io", "localhost:5000": "localhost:5000"},
			[]string{"localhost:0", "localhost:65536", "localhost:05000", "localhost:", "localhost:5000:1", "[::1]:5000", "https://myreg.azurecr.io", "myreg.azurecr.io/x"}},
		{"RegistryName", shell.RegistryName, map[string]string{"myreg": "myreg", "MyReg01": "MyReg01", strings.Repeat("a", 50): strings.Repeat("a", 50)},
			[]string{"reg", strings.Repeat("a", 51), "my-reg", "my_reg", "myrеg1", "--subscription", "myreg;id", "ｍｙｒｅｇ"}},
		{"GUID", func(s string) shell.Arg { return shell.GUID("app ID", s, "<app-id>") }, map[string]string{"8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b": "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", "8B1C5D52-1B7E-4BF0-A1A1-1C2D3E4F5A6B": "8B1C5D52-1B7E-4BF0-A1A1-1C2D3E4F5A6B"},
			[]string{"8b1c5d52", "8b1c5d521-b7e-4bf0-a1a1-1c2d3e4f5a6b", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6g", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b0", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6٣", "8b1c5d52x1b7e-4bf0-a1a1-1c2d3e4f5a6b", "{8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b}", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b;id", "-8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6"}},
		{"ResourceID", shell.ResourceID, map[string]string{
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-myreg/providers/Microsoft.ContainerRegistry/registries/myreg": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-myreg/providers/Microsoft.ContainerRegistry/registries/myreg",
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg(1)/providers/Microsoft.ContainerRegistry/registries/myreg":    "'/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg(1)/providers/Microsoft.ContainerRegistry/registries/myreg'",
		}, []string{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myreg",
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/my reg",
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myreg;id",
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerRegistry",
			"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg./providers/Microsoft.ContainerRegistry/registries/myreg",
			"--scope x"}},
		{"Repository", shell.Repository, map[string]string{"team/app": "team/app", "a__b/c-d.e/f--g": "a__b/c-d.e/f--g"},
			[]string{"Team/app", "team//app", "/team", "team/", "-team", "team/app:1", "team app", "a___b", "a._b", "$(id)"}},
		{"TokenName", shell.TokenName, map[string]string{"ci-pull": "ci-pull", "token01": "token01"}, []string{"ci", "-ci-pull", "ci_pull", "ci pull", strings.Repeat("a", 51)}},
		{"Text", func(s string) shell.Arg { return shell.Text("user", s, "<username>") }, map[string]string{
			"alice@contoso.com": "alice@contoso.com", "o'brien@contoso.com": `'o'\''brien@contoso.com'`, "a b": "'a b'", "$(id)": "'$(id)'", "josé": "'josé'", "x-y": "x-y",
		}, []string{"-u", "--subscription x", "a\nb", "a\x1bb", "a\u202eb", "a\u200bb", "\xff", strings.Repeat("a", shell.MaxText+1)}},
	}
	for _, tt := range tests {
		for in, word := range tt.ok {
			if a := tt.make(in); !a.OK() || a.String() != word || a.Note() != "" {
				t.Errorf("%s(%q) = %q (ok %v, note %q), want %q", tt.name, in, a, a.OK(), a.Note(), word)
			}
		}
		for _, in := range tt.refuse {
			a := tt.make(in)
			if a.OK() || !shell.IsPlaceholder(a.String()) || !strings.Contains(a.Note(), "in its place") {
				t.Errorf("%s(%q) = %q (ok %v, note %q): not refused", tt.name, in, a, a.OK(), a.Note())
			}
		}
		if a := tt.make(""); a.OK() || !shell.IsPlaceholder(a.String()) || a.Note() != "" {
			t.Errorf("%s(\"\") = %q, note %q", tt.name, a, a.Note())
		}
	}
}

func TestSprintf(t *testing.T) {
	got := shell.Sprintf("az acr network-rule add -n %s --ip-address %s # 100%%", shell.RegistryName("myreg"), shell.IP("1.2.3.4 ; id"))
	if got != "az acr network-rule add -n myreg --ip-address <your public IP> # 100%" {
		t.Errorf("Sprintf = %q", got)
	}
	for _, f := range []func(){
		func() { shell.Sprintf("az acr login -n %q", shell.RegistryName("myreg")) },
		func() { shell.Sprintf("az acr login -n %v", shell.RegistryName("myreg")) },
		func() { shell.Sprintf("az acr login -n %s") },
		func() { shell.Sprintf("az acr login", shell.RegistryName("myreg")) },
		func() { shell.Placeholder("<x>;id") },
		func() { shell.RegistryName("myreg").Or("x") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
	sub := shell.Subst("az acr show -n %s --query id -o tsv", shell.RegistryName("my;reg"))
	if sub.String() != `"$(az acr show -n <registry-name> --query id -o tsv)"` {
		t.Errorf("Subst = %s", sub)
	}
	var f shell.Fix
	f.Add("az role assignment create --scope %s", sub).Add("az acr login -n %s", shell.RegistryName("my;reg")).Add("no values")
	if len(f.Lines()) != 3 || len(f.Notes()) != 1 || !strings.Contains(f.Notes()[0], `the registry name "my;reg" is not 5 to 50 letters and digits`) {
		t.Errorf("lines %q, notes %q", f.Lines(), f.Notes())
	}
	if n := shell.Notes(shell.IP("x"), shell.IP("x"), shell.IP("")); len(n) != 1 {
		t.Errorf("Notes = %q", n)
	}
	if a := shell.Text("user", "evil;x", "<username>").Named("token name").Or("<token>"); a.String() != "'evil;x'" {
		t.Errorf("Or replaced a usable value: %s", a)
	}
	if a := shell.IP("x\x1b[2J" + strings.Repeat("y", 200)).Named("client IP"); strings.ContainsRune(a.Note(), '\x1b') || len(a.Note()) > 250 {
		t.Errorf("the note shows the value raw: %q", a.Note())
	}
}

// oneWord checks that a's word reads, in a shell, as exactly one word:
// the value when a is OK, else a placeholder.
func oneWord(t *testing.T, a shell.Arg, value string) {
	t.Helper()
	toks, err := shelltest.Split(a.String())
	if err != nil || len(toks) != 1 || toks[0].Kind != shelltest.Word || len(toks[0].Expands) > 0 || len(toks[0].Subs) > 0 {
		t.Fatalf("%q reads as %v (%v)", a, toks, err)
	}
	switch {
	case !a.OK():
		if !toks[0].Placeholder || !shell.IsPlaceholder(a.String()) {
			t.Fatalf("%q is neither the value nor a placeholder", a)
		}
	case toks[0].Value != value:
		t.Fatalf("%q reads as %q, want %q", a, toks[0].Value, value)
	case strings.HasPrefix(value, "-"):
		t.Fatalf("%q would be read as an option", a)
	}
}

func seeds(f *testing.F) {
	for _, s := range append(shelltest.Hostile, "203.0.113.7", "2001:db8::1", "fe80::1%eth0", "10.0.0.0/8", "::ffff:1.2.3.4", "myreg.azurecr.io",
		"localhost:5000", "myreg", "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", "team/app", "alice@contoso.com", "o'brien", "") {
		f.Add(s)
	}
}

// FuzzIP: whatever IP accepts is one public address netip reads the same
// way, as one plain word; never a range.
func FuzzIP(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		a := shell.IP(s)
		addr, errA := netip.ParseAddr(s)
		want := errA == nil && addr.Zone() == "" && shell.PublicIP(addr)
		if a.OK() != want {
			t.Fatalf("IP(%q).OK() = %v, netip says %v", s, a.OK(), want)
		}
		if !a.OK() {
			oneWord(t, a, "")
			return
		}
		if shell.Quote(a.String()) != a.String() {
			t.Fatalf("IP(%q) = %q needs quoting", s, a)
		}
		oneWord(t, a, a.String())
		if back, err := netip.ParseAddr(a.String()); err != nil || back != addr {
			t.Fatalf("IP(%q) = %q reads back as %v (%v)", s, a, back, err)
		}
	})
}

// FuzzNames: the names with a shape come out as plain words of their
// alphabet, or as a placeholder.
func FuzzNames(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			a        shell.Arg
			alphabet string
		}{
			{shell.Host(s), "abcdefghijklmnopqrstuvwxyz0123456789.-"},
			{shell.HostPort(s), "abcdefghijklmnopqrstuvwxyz0123456789.-:"},
			{shell.RegistryName(s), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"},
			{shell.GUID("id", s, "<id>"), "abcdefABCDEF0123456789-"},
			{shell.Repository(s), "abcdefghijklmnopqrstuvwxyz0123456789._-/"},
			{shell.TokenName(s), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"},
		} {
			if !c.a.OK() {
				oneWord(t, c.a, "")
				continue
			}
			if c.a.String() != s || strings.Trim(s, c.alphabet) != "" || shell.Quote(s) != s {
				t.Fatalf("%q came out as %q", s, c.a)
			}
			oneWord(t, c.a, s)
		}
		if r := shell.RegistryName(s); r.OK() && (len(s) < 5 || len(s) > 50) {
			t.Fatalf("registry name %q accepted", s)
		}
		if id := shell.ResourceID(s); id.OK() {
			oneWord(t, id, s)
			if !strings.HasPrefix(strings.ToLower(s), "/subscriptions/") {
				t.Fatalf("resource ID %q accepted", s)
			}
		} else {
			oneWord(t, id, "")
		}
	})
}

// FuzzText: any text comes out as exactly itself, one word, or as the
// placeholder.
func FuzzText(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		a := shell.Text("value", s, "<value>")
		if a.OK() {
			oneWord(t, a, s)
		} else {
			oneWord(t, a, "")
		}
		if a.OK() != (s != "" && !strings.HasPrefix(s, "-") && len(s) <= shell.MaxText && a.Note() == "") {
			t.Fatalf("Text(%q): ok %v, note %q", s, a.OK(), a.Note())
		}
	})
}

func TestEmptyPassFolder(t *testing.T) {
	for _, tc := range []struct {
		said, server string
	}{
		{"no usernames for myreg.azurecr.io", "myreg.azurecr.io"},
		{"error getting credentials - err: exit status 1, out: `no usernames for MyReg.azurecr.io`", "MyReg.azurecr.io"},
		{"no usernames for https://index.docker.io/v1//access-token\r\n", "https://index.docker.io/v1//access-token"},
		{"no usernames for ", ""},
		{"pass not initialized", ""},
		{"no usernames for myreg.azurecr…", ""}, // cut short: not the folder's name
	} {
		server, ok := shell.EmptyPassFolder(tc.said)
		if server != tc.server && ok || ok != (tc.server != "") {
			t.Errorf("EmptyPassFolder(%q) = %q, %v; want %q", tc.said, server, ok, tc.server)
		}
	}
}

func TestEmptyPassFolderFix(t *testing.T) {
	for _, tc := range []struct {
		server string
		want   []string
	}{
		{"myreg.azurecr.io", []string{
			`rmdir "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==   # the empty folder; rmdir leaves one that is not`,
			"then log in again: az acr login -n myreg"}},
		{"ghcr.io", []string{
			`rmdir "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/Z2hjci5pbw==   # the empty folder; rmdir leaves one that is not`,
			"then log in again: docker login ghcr.io"}},
		// What a hostile helper names reaches the command as base64 only,
		// and a control character not at all.
		{"$(touch pwned);x.io", []string{
			`rmdir "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/JCh0b3VjaCBwd25lZCk7eC5pbw==   # the empty folder; rmdir leaves one that is not`,
			"then log in again: docker login <registry>"}},
		{"evil\x1b]0;x\x07.io", []string{
			`rmdir "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/<base64-of-registry>   # the empty folder; rmdir leaves one that is not`,
			"then log in again: docker login <registry>"}},
	} {
		if got := shell.EmptyPassFolderFix(tc.server).Lines(); !slices.Equal(got, tc.want) {
			t.Errorf("EmptyPassFolderFix(%q) =\n%q\nwant\n%q", tc.server, got, tc.want)
		}
	}
}

// TestLockedPassKeyFix: the unlock of the key that encrypted the
// credential the helper reads (its file, else its folder's first, else
// any docker credential's), then what mends a missing key; never
// gpg-connect-agent reloadagent, which empties the cache.
func TestLockedPassKeyFix(t *testing.T) {
	for _, tc := range []struct {
		server, file, decrypts string
	}{
		{"myreg.azurecr.io", "myreg.gpg", `gpg -d "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==/myreg.gpg >/dev/null`},
		{"myreg.azurecr.io", "a b'c.gpg", `/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==/'a b'\''c.gpg' >/dev/null`},
		{"myreg.azurecr.io", "", `for f in "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==/*.gpg; do gpg -d "$f" >/dev/null; break; done`},
		{"", "", `for f in "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/*/*.gpg; do gpg -d "$f" >/dev/null; break; done`},
	} {
		lines := shell.LockedPassKeyFix(tc.server, tc.file, shell.HostPort("myreg.azurecr.io")).Lines()
		if len(lines) != 3 || !strings.HasPrefix(lines[0], `export GPG_TTY="$(tty)"; `) || !strings.Contains(lines[0], tc.decrypts) ||
			!strings.Contains(lines[1], "default-cache-ttl") || !strings.Contains(lines[2], "docker login myreg.azurecr.io") || strings.Contains(strings.Join(lines, "\n"), "reloadagent") {
			t.Errorf("LockedPassKeyFix(%q, %q) = %q", tc.server, tc.file, lines)
		}
	}
}

// TestStrayPassFileFix: the file's name quoted, one that starts with "-"
// too (it follows the folder, so it is no option); one that cannot be
// quoted safely leaves a placeholder.
func TestStrayPassFileFix(t *testing.T) {
	const folder = `rm "${PASSWORD_STORE_DIR:-$HOME/.password-store}"/docker-credential-helpers/bXlyZWcuYXp1cmVjci5pbw==/`
	for name, want := range map[string]string{
		".keep":       folder + ".keep",
		"-rf":         folder + "-rf",
		"a b$(x)'c":   folder + `'a b$(x)'\''c'`,
		"evil\x1b[2J": folder + "<file>",
		"../up":       folder + "<file>",
	} {
		if got := shell.StrayPassFileFix("myreg.azurecr.io", name).Lines(); len(got) != 1 || !strings.HasPrefix(got[0], want+"   #") {
			t.Errorf("StrayPassFileFix(%q) = %q, want %s", name, got, want)
		}
	}
}
