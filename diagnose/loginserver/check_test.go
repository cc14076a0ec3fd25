package loginserver

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config/credentials"
)

func TestCheck(t *testing.T) {
	type codes = []ProblemCode
	tests := []struct {
		key     string
		want    codes
		acr     bool
		suggest string
	}{
		// Clean ACR keys.
		{"myregistry.azurecr.io", nil, true, ""},
		{"myregistry.azurecr.cn", nil, true, ""},
		{"myregistry.eastus.geo.azurecr.us", nil, true, ""},
		{"myregistry.eastus.data.azurecr.io", nil, true, ""},
		{"acragenticainova-dad4auhga8feekaq.azurecr.io", nil, true, ""},

		// Not ACR, so nothing to say.
		{"https://index.docker.io/v1/", nil, false, ""},
		{"ghcr.io", nil, false, ""},
		{"localhost:5000", nil, false, ""},
		{"localhost", nil, false, ""},
		{"127.0.0.1:5000", nil, false, ""},
		{"registry.example.com", nil, false, ""},
		{"registry:5000", nil, false, ""},
		{"docker.io", nil, false, ""},
		{"mcr.microsoft.com", nil, false, ""},
		{"public.ecr.aws", nil, false, ""},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", nil, false, ""},
		{"europe-docker.pkg.dev", nil, false, ""},
		{"x.azurecr.io.evil.com", nil, false, ""},
		{"x-azurecr.io", nil, false, ""},
		{"myregistry.blob.core.windows.net", nil, false, ""},
		{"https://[::1]:5000/v2/", nil, false, ""},
		{"/myregistry.azurecr.io", nil, false, ""}, // Docker reads the host in front of the first "/": none

		// One problem each.
		{"MyRegistry.azurecr.io", codes{UpperCase}, true, "myregistry.azurecr.io"},
		{"https://myregistry.azurecr.io", codes{Scheme}, true, "myregistry.azurecr.io"},
		{"://myregistry.azurecr.io", codes{Scheme}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io/v2/", codes{Path}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io/team/app", codes{Path}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io/", codes{Path}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io:443", codes{Port}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io:", codes{Port}, true, "myregistry.azurecr.io"},
		{"myregistry.azurcr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azureacr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azure-cr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azuercr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecrio", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azure.cr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.com", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.net", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.io.com", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.azurecr.cn.com", codes{MisspeltSuffix}, true, "myregistry.azurecr.cn"},
		{"myregistry.azurcr.cn", codes{MisspeltSuffix}, true, "myregistry.azurecr.cn"},
		{"myregistry.azurecr.io.", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.eastus.geo.azurcr.us", codes{MisspeltSuffix}, true, "myregistry.eastus.geo.azurecr.us"},
		{"myregistry.\u0430zurecr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"}, // Cyrillic а
		{"myregistry.azure.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},        // 8 bytes, two edits
		{"myregistry.azurcrio", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},        // 8 bytes, two edits
		{"myregistry.azure.acr.io", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},    // 12 bytes, two edits
		{"myregistry.azurcr.is", codes{MisspeltSuffix}, true, "myregistry.azurecr.io"},       // as near .azurecr.us: the public cloud wins
		{"oci+https://myregistry.azurecr.io", codes{Scheme}, true, "myregistry.azurecr.io"},  // RFC 3986 schemes have "+", "-", "." and digits
		{"docker-registry://myregistry.azurecr.io", codes{Scheme}, true, "myregistry.azurecr.io"},
		{"myregistry", codes{MissingSuffix}, true, "myregistry.azurecr.io"},
		{"myregistry.", codes{MissingSuffix}, true, "myregistry.azurecr.io"},
		{"my_registry.azurecr.io", codes{BadName}, true, ""},
		{"my registry.azurecr.io", codes{BadName}, true, ""},
		{"my-registry-x.azurecr.io", codes{BadName}, true, ""},
		{"abcd.azurecr.io", codes{BadName}, true, ""},
		{strings.Repeat("a", 51) + ".azurecr.io", codes{BadName}, true, ""},
		{"myr\u0435gistry.azurecr.io", codes{BadName}, true, ""}, // Cyrillic е
		{"azurecr.io", codes{BadName}, true, ""},
		{".azurecr.io", codes{BadName}, true, ""},
		{".azurecrio", codes{MisspeltSuffix, BadName}, true, ""},
		{".azurecr", codes{MisspeltSuffix, BadName}, true, ""},
		{strings.Repeat("a", 69) + ".azurecr.io", codes{BadName}, true, ""}, // 80 bytes: quoted whole
		{"www.myregistry.azurecr.io", codes{BadName}, true, ""},
		{"myregistry..azurecr.io", codes{BadName}, true, "myregistry.azurecr.io"},
		{" myregistry.azurecr.io\n", codes{BadName}, true, "myregistry.azurecr.io"},
		{"myregistry.privatelink.azurecr.io", codes{BadName}, true, "myregistry.azurecr.io"},

		// Several at once, in a fixed order.
		{"MyRegistry.azurecr.io:443/v2/", codes{Path, Port, UpperCase}, true, "myregistry.azurecr.io"},
		{"HTTPS://MyRegistry.AzureCR.io:443/v2/", codes{Scheme, Path, Port, UpperCase}, true, "myregistry.azurecr.io"},
		{"https://MyRegistry.azurcr.io/", codes{Scheme, Path, UpperCase, MisspeltSuffix}, true, "myregistry.azurecr.io"},
		{"https://myregistry/", codes{Scheme, Path, MissingSuffix}, true, "myregistry.azurecr.io"},
		{"My_Registry.azurecr.io", codes{UpperCase, BadName}, true, ""},
		{"my_reg", codes{MissingSuffix, BadName}, true, ""},
		{"abc.azurecr.com", codes{MisspeltSuffix, BadName}, true, ""},
		{"  https://MyRegistry.azurecr.io ", codes{Scheme, UpperCase, BadName}, true, "myregistry.azurecr.io"},
		{"myregistry.privatelink.azurecr.io:443", codes{Port, BadName}, true, "myregistry.azurecr.io"},
	}
	for _, tt := range tests {
		problems, acr := Check(tt.key)
		var got codes
		for _, p := range problems {
			got = append(got, p.Code)
		}
		if !slices.Equal(got, tt.want) || acr != tt.acr {
			t.Errorf("Check(%q) = %v, %v; want %v, %v", tt.key, got, acr, tt.want, tt.acr)
			continue
		}
		for _, p := range problems {
			if p.Suggest != tt.suggest {
				t.Errorf("Check(%q): %s suggests %q, want %q", tt.key, p.Code, p.Suggest, tt.suggest)
			}
			if want := strconv.QuoteToASCII(tt.key); !strings.HasPrefix(p.Detail, want) {
				t.Errorf("Check(%q): %s detail %q does not name the key", tt.key, p.Code, p.Detail)
			}
		}
	}
}

// TestCheckDetail pins the wording users see for a few keys; the rest is
// covered by TestCheck's "names the key" rule.
func TestCheckDetail(t *testing.T) {
	tests := []struct {
		key  string
		want []string
	}{
		{"MyReg.azurecr.io", []string{`"MyReg.azurecr.io" has upper-case letters; Docker looks credentials up by the lower-case name`}},
		{"myreg.azurecr.io:443", []string{`"myreg.azurecr.io:443" has the port ":443"; Docker looks up image references without a port by the bare host, so they miss this key`}},
		{"myreg.azurcr.io", []string{`"myreg.azurcr.io" ends in "azurcr.io", which is not an ACR domain (azurecr.io, azurecr.cn, azurecr.us)`}},
		{"my_reg.azurecr.io", []string{`"my_reg.azurecr.io": registry name "my_reg" has an underscore; registry names are 5 to 50 letters and digits`}},
		{"abcd.azurecr.io", []string{`"abcd.azurecr.io": registry name "abcd" is 4 characters long; registry names are 5 to 50 letters and digits`}},
		{"my_reg istry.azurecr.io", []string{`"my_reg istry.azurecr.io": registry name "my_reg istry" has spaces; registry names are 5 to 50 letters and digits`}},
		{"my reg_istry.azurecr.io", []string{`"my reg_istry.azurecr.io": registry name "my reg_istry" has spaces; registry names are 5 to 50 letters and digits`}},
		{"my_reg.istry.azurecr.io", []string{`"my_reg.istry.azurecr.io": it is neither a login server (<name>.azurecr.io) nor a regional or data endpoint (<name>.<region>.geo.azurecr.io, <name>.<region>.data.azurecr.io)`}},
		{"abc-hash.azurecr.io", []string{`"abc-hash.azurecr.io": registry name "abc" (in front of the domain-name-label hash "-hash") is 3 characters long; registry names are 5 to 50 letters and digits`}},
		{"myr\u0435g.azurecr.io", []string{`"myr\u0435g.azurecr.io": registry name "myr\u0435g" has non-ASCII characters, perhaps look-alikes of Latin letters; registry names are 5 to 50 letters and digits`}},
	}
	for _, tt := range tests {
		problems, _ := Check(tt.key)
		var got []string
		for _, p := range problems {
			got = append(got, p.Detail)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Check(%q) details:\n got %q\nwant %q", tt.key, got, tt.want)
		}
	}
}

// TestCheckHostile feeds Check input no config.json should hold. It must
// not panic, and what it says must stay short enough to print.
func TestCheckHostile(t *testing.T) {
	tests := []struct {
		key string
		acr bool
	}{
		{"", false},
		{".", false},
		{"....", false},
		{":", false},
		{"://", false},
		{"/", false},
		{"[", false},
		{"[::1]:5000", false},
		{"::1", false},
		{"\x00", false},
		{"myregistry\x00.azurecr.io", true},
		{"myregistry.azurecr.io\x00", true}, // "azurecr" with a wrong TLD
		{"\xff\xfe.azurecr.io", true},
		{"ｍｙｒｅｇｉｓｔｒｙ.azurecr.io", true},      // full-width letters
		{"myregistry.azurecr.\u0456o", true}, // Cyrillic і
		{strings.Repeat("a", 10<<10), true},  // a bare word, far too long
		{strings.Repeat("a", 10<<10) + ".azurecr.io", true},
		{strings.Repeat(".", 10<<10), false},
		{strings.Repeat("a.", 5<<10) + "azurecr.io", true},
		{"https://" + strings.Repeat("/", 1000), false},
		{strings.Repeat("x://", 1000), false},
	}
	for _, tt := range tests {
		problems, acr := Check(tt.key)
		if acr != tt.acr {
			t.Errorf("Check(%.40q) acr = %v, want %v", tt.key, acr, tt.acr)
		}
		if acr && len(problems) == 0 {
			t.Errorf("Check(%.40q) found no problem", tt.key)
		}
		for _, p := range problems {
			if len(p.Detail) > 500 {
				t.Errorf("Check(%.40q): %s detail is %d bytes long", tt.key, p.Code, len(p.Detail))
			}
		}
		_ = Host(tt.key)
	}
}

func TestCheckAllocs(t *testing.T) {
	for _, key := range []string{"myregistry.azurecr.io", "myregistry.westus3.geo.azurecr.io", "https://index.docker.io/v1/", "ghcr.io", "localhost:5000"} {
		if n := testing.AllocsPerRun(100, func() { Check(key) }); n != 0 {
			t.Errorf("Check(%q) allocates %v times, want 0", key, n)
		}
	}
}

func TestHost(t *testing.T) {
	tests := []struct{ key, want string }{
		{"myregistry.azurecr.io", "myregistry.azurecr.io"},
		{"MyRegistry.AzureCR.io", "myregistry.azurecr.io"},
		{"https://MyRegistry.azurecr.io/v2/", "myregistry.azurecr.io"},
		{"https://myregistry.azurecr.io:443/v2/", "myregistry.azurecr.io:443"},
		{"myregistry.azurecr.io/team/app", "myregistry.azurecr.io"},
		{"myregistry.azurecr.io:443", "myregistry.azurecr.io:443"},
		{"https://index.docker.io/v1/", "index.docker.io"},
		{"http://[::1]:5000/v2/", "[::1]:5000"},
		{"https://::1:5000/", "[::1]:5000"}, // net/url rejects it; Docker's fallback does not
		{"https://user:secret@myregistry.azurecr.io/", "myregistry.azurecr.io"},
		{"://myregistry.azurecr.io/x", "myregistry.azurecr.io"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Host(tt.key); got != tt.want {
			t.Errorf("Host(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestHostMatchesDocker holds Host to docker/cli's ConvertToHostname, which
// it reimplements, over keys that take each of its paths.
func TestHostMatchesDocker(t *testing.T) {
	for _, key := range []string{
		"myregistry.azurecr.io", "MyRegistry.azurecr.io:443/v2/", "https://MyRegistry.azurecr.io/",
		"https://myregistry.azurecr.io:443", "http://myregistry.azurecr.io?x=1", "https://user@host/",
		"https://::1:5000/", "https://[::1]/", "https://host:abc/", "https:///path", "a/b://c",
		"://x", "https://my registry.azurecr.io/", "https://%41.azurecr.io", "https://h%c3%a9.io/",
		"myregistry.azurecr.io/x://y", "", "/", "https://", "HTTPS://HOST",
	} {
		if got, want := Host(key), lower(credentials.ConvertToHostname(key)); got != want {
			t.Errorf("Host(%q) = %q, docker/cli gives %q", key, got, want)
		}
	}
}

// TestDistance: distance is the Levenshtein distance, counted in bytes.
func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "azurecr.io", 10},
		{"azurecr.io", "", 10},
		{"azurecr.io", "azurecr.io", 0},
		{"azurcr.io", "azurecr.io", 1},
		{"azurecr.com", "azurecr.io", 2},
		{"azure.cr.io", "azurecr.io", 1},
		{"azurecrio", "azurecr.io", 1},
		{"auzrecr.io", "azurecr.io", 2},      // a swap is two edits
		{"\u0430zurecr.io", "azurecr.io", 2}, // Cyrillic а is two bytes
		{"kitten", "sitting", 3},
		{"azurecr.io.xx", "azurecr.io", 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCutScheme holds cutScheme to RFC 3986's scheme = ALPHA *( ALPHA /
// DIGIT / "+" / "-" / "." ), for every byte in the first and in a later
// position.
func TestCutScheme(t *testing.T) {
	tests := []struct{ key, scheme, rest string }{
		{"https://myreg.azurecr.io", "https://", "myreg.azurecr.io"},
		{"HTTPS://myreg.azurecr.io", "HTTPS://", "myreg.azurecr.io"},
		{"oci+https://myreg.azurecr.io/v2/", "oci+https://", "myreg.azurecr.io/v2/"},
		{"://myreg.azurecr.io", "://", "myreg.azurecr.io"},
		{"myreg.azurecr.io", "", "myreg.azurecr.io"},
		{"myreg.azurecr.io/x://y", "", "myreg.azurecr.io/x://y"},
		{"1https://myreg.azurecr.io", "", "1https://myreg.azurecr.io"},
	}
	for _, tt := range tests {
		if scheme, rest := cutScheme(tt.key); scheme != tt.scheme || rest != tt.rest {
			t.Errorf("cutScheme(%q) = %q, %q; want %q, %q", tt.key, scheme, rest, tt.scheme, tt.rest)
		}
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for c := range 256 {
		b := string([]byte{byte(c)})
		for _, tt := range []struct {
			scheme string
			ok     bool
		}{
			{b, strings.Contains(alpha, b)},
			{"s" + b, strings.Contains(alpha+"0123456789+-.", b)},
		} {
			key := tt.scheme + "://myreg.azurecr.io"
			if scheme, _ := cutScheme(key); (scheme != "") != tt.ok {
				t.Errorf("cutScheme(%q) = %q, want a scheme: %v", key, scheme, tt.ok)
			}
		}
	}
}

// TestCharClasses holds the byte tests of Check to what they document, for
// every byte value.
func TestCharClasses(t *testing.T) {
	const (
		lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
		digits     = "0123456789"
	)
	for c := range 256 {
		b := string([]byte{byte(c)})
		if got, want := isWord(b), strings.Contains(lowerAlnum+"-_", b); got != want {
			t.Errorf("isWord(%q) = %v, want %v", b, got, want)
		}
		if got, want := isDigits(b), strings.Contains(digits, b); got != want {
			t.Errorf("isDigits(%q) = %v, want %v", b, got, want)
		}
		if got, want := isRegion(b), strings.Contains(lowerAlnum, b); got != want {
			t.Errorf("isRegion(%q) = %v, want %v", b, got, want)
		}
	}
	for _, s := range []string{"", ":"} {
		if isWord(s) || isRegion(s) {
			t.Errorf("isWord or isRegion accepts %q", s)
		}
	}
	if !isDigits("") {
		t.Error(`isDigits("") = false; an empty port, as in "host:", is a port`)
	}
}

// TestQuote: a Detail quotes up to 80 bytes of a key whole, in ASCII.
func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"myr\u0435g", `"myr\u0435g"`},
		{"a\x00\n", `"a\x00\n"`},
		{strings.Repeat("a", 80), `"` + strings.Repeat("a", 80) + `"`},
		{strings.Repeat("a", 81), `"` + strings.Repeat("a", 80) + `..."`},
		{strings.Repeat("\u0435", 50), `"` + strings.Repeat(`\u0435`, 40) + `..."`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// benchKeys is a config.json's worth of keys as found in the field: mostly
// clean ACR and other registries, with a tenth of them broken.
func benchKeys(n int) []string {
	others := []string{"https://index.docker.io/v1/", "ghcr.io", "localhost:5000", "quay.io", "registry.example.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"}
	broken := []string{"MyReg%d.azurecr.io", "https://reg%d.azurecr.io/v2/", "reg%d.azurecr.io:443", "reg%d.azurcr.io", "registry%d", "reg_%d.azurecr.io"}
	keys := make([]string, 0, n)
	for i := range n {
		var k string
		switch {
		case i%10 == 0:
			k = fmt.Sprintf(broken[i/10%len(broken)], i)
		case i%10 < 3:
			k = others[i%len(others)]
		case i%10 == 3:
			k = fmt.Sprintf("registry%d.eastus.geo.azurecr.io", i)
		default:
			k = fmt.Sprintf("registry%d.azurecr.io", i)
		}
		keys = append(keys, k)
	}
	return keys
}

// BenchmarkCheck runs Check over 1,000 keys per iteration.
func BenchmarkCheck(b *testing.B) {
	keys := benchKeys(1000)
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			Check(k)
		}
	}
}

// TestMisnamed: only problems with the name itself mean that no registry
// answers to the key.
func TestMisnamed(t *testing.T) {
	for key, want := range map[string]bool{
		"northwind.azurcr.io":          true,
		"myreg":                        true,
		"a.azurecr.io":                 true, // too short for an ACR name
		"MyReg.azurecr.io":             false,
		"https://myreg.azurecr.io/v2/": false,
		"myreg.azurecr.io:443":         false,
	} {
		problems, _ := Check(key)
		if got := slices.ContainsFunc(problems, Problem.Misnamed); got != want || len(problems) == 0 {
			t.Errorf("%q: misnamed %v, want %v (%+v)", key, got, want, problems)
		}
	}
}
