package loginserver

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct {
		host string
		want Server
	}{
		{"myregistry.azurecr.io", Server{Host: "myregistry.azurecr.io", Name: "myregistry", Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myregistry.azurecr.cn", Server{Host: "myregistry.azurecr.cn", Name: "myregistry", Endpoint: Login, Cloud: AzureChinaCloud, Suffix: ".azurecr.cn"}},
		{"myregistry.azurecr.us", Server{Host: "myregistry.azurecr.us", Name: "myregistry", Endpoint: Login, Cloud: AzureUSGovernment, Suffix: ".azurecr.us"}},
		{"myregistry.eastus2.geo.azurecr.io", Server{Host: "myregistry.eastus2.geo.azurecr.io", Name: "myregistry", Region: "eastus2", Endpoint: Regional, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myregistry.westeurope.data.azurecr.io", Server{Host: "myregistry.westeurope.data.azurecr.io", Name: "myregistry", Region: "westeurope", Endpoint: Data, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myregistry.usgovvirginia.data.azurecr.us", Server{Host: "myregistry.usgovvirginia.data.azurecr.us", Name: "myregistry", Region: "usgovvirginia", Endpoint: Data, Cloud: AzureUSGovernment, Suffix: ".azurecr.us"}},
		// A domain-name-label hash is part of the host, not of the name `az acr login -n` takes.
		{"acragenticainova-dad4auhga8feekaq.azurecr.io", Server{Host: "acragenticainova-dad4auhga8feekaq.azurecr.io", Name: "acragenticainova", Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myacr-dnlhash123.eastus.geo.azurecr.io", Server{Host: "myacr-dnlhash123.eastus.geo.azurecr.io", Name: "myacr", Region: "eastus", Endpoint: Regional, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"MyRegistry.AzureCR.IO", Server{Host: "myregistry.azurecr.io", Name: "myregistry", Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myregistry.azurecr.io.", Server{Host: "myregistry.azurecr.io", Name: "myregistry", Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"abcde.azurecr.io", Server{Host: "abcde.azurecr.io", Name: "abcde", Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{"myregistry." + strings.Repeat("r", 63) + ".data.azurecr.io", Server{Host: "myregistry." + strings.Repeat("r", 63) + ".data.azurecr.io", Name: "myregistry", Region: strings.Repeat("r", 63), Endpoint: Data, Cloud: AzureCloud, Suffix: ".azurecr.io"}},
		{strings.Repeat("a", 50) + ".azurecr.io", Server{Host: strings.Repeat("a", 50) + ".azurecr.io", Name: strings.Repeat("a", 50), Endpoint: Login, Cloud: AzureCloud, Suffix: ".azurecr.io"}},

		// Not ACR: each would pass a suffix match that is not anchored or
		// not per label, or a name check that is too lax.
		{"x.azurecr.io.evil.com", Server{}},
		{"myregistry.azurecr.io.evil.com", Server{}},
		{"azurecr.io", Server{}},
		{".azurecr.io", Server{}},
		{"myregistry.azurecr.iox", Server{}},
		{"myregistry-azurecr.io", Server{}},
		{"x-azurecr.io", Server{}},
		{"myregistry.blob.core.windows.net", Server{}},
		{"myregistry.azurecr.io:443", Server{}},
		{"myregistry.azurecr.io..", Server{}},
		{"abcd.azurecr.io", Server{}},
		{strings.Repeat("a", 51) + ".azurecr.io", Server{}},
		{"my_registry.azurecr.io", Server{}},
		{"my registry.azurecr.io", Server{}},
		{"myregistry-.azurecr.io", Server{}},
		{"myacr-dnl-hash.azurecr.io", Server{}},
		{"myregistry.privatelink.azurecr.io", Server{}},
		{"myregistry.eastus.azurecr.io", Server{}},
		{"myregistry.eastus.geo.extra.azurecr.io", Server{}},
		{"myregistry." + strings.Repeat("r", 64) + ".geo.azurecr.io", Server{}}, // a region label longer than DNS allows
		{"myregistry..geo.azurecr.io", Server{}},
		{"myr\u0435gistry.azurecr.io", Server{}}, // Cyrillic е
		{"", Server{}},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.host)
		if got != tt.want || ok != (tt.want.Host != "") {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.host, got, ok, tt.want, tt.want.Host != "")
		}
		if IsACR(tt.host) != ok {
			t.Errorf("IsACR(%q) = %v, Parse says %v", tt.host, !ok, ok)
		}
	}
}

func TestServerLoginServer(t *testing.T) {
	tests := []struct{ host, want string }{
		{"myregistry.azurecr.io", "myregistry.azurecr.io"},
		{"myregistry.eastus.geo.azurecr.io", "myregistry.azurecr.io"},
		{"myregistry.chinanorth3.data.azurecr.cn", "myregistry.azurecr.cn"},
		{"myacr-dnlhash123.eastus.data.azurecr.io", "myacr-dnlhash123.azurecr.io"},
		{"MyRegistry.EastUS.Geo.AzureCR.US", "myregistry.azurecr.us"},
	}
	for _, tt := range tests {
		s, ok := Parse(tt.host)
		if !ok {
			t.Fatalf("Parse(%q) failed", tt.host)
		}
		if got := s.LoginServer(); got != tt.want {
			t.Errorf("Parse(%q).LoginServer() = %q, want %q", tt.host, got, tt.want)
		}
	}
	if got := (Server{}).LoginServer(); got != "" {
		t.Errorf("Server{}.LoginServer() = %q, want \"\"", got)
	}
}

func TestParseAllocs(t *testing.T) {
	for _, host := range []string{"myregistry.eastus.geo.azurecr.io", "ghcr.io", "my_registry.azurecr.io"} {
		if n := testing.AllocsPerRun(100, func() { Parse(host) }); n != 0 {
			t.Errorf("Parse(%q) allocates %v times, want 0", host, n)
		}
	}
}

// TestLower: only ASCII letters fold, so a non-ASCII byte reaches the
// report as it was, and "@", "[", "`" and "{" next to the letters stay.
func TestLower(t *testing.T) {
	for c := range 256 {
		b := string([]byte{byte(c)})
		want := b
		if c < 0x80 {
			want = strings.ToLower(b)
		}
		// Before the first upper-case letter lower only looks; from it
		// on it copies and folds.
		for _, tt := range []struct{ in, want string }{
			{b, want},
			{b + "X", want + "x"},
			{"X" + b, "x" + want},
		} {
			if got := lower(tt.in); got != tt.want {
				t.Errorf("lower(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

// TestNameFault: which fault a registry name's characters show, and which
// one wins when it has several (the order of the fault constants).
func TestNameFault(t *testing.T) {
	tests := []struct {
		label string
		want  fault
	}{
		{"myregistry", 0},
		{"azaz09-dnlhash", 0},
		{"", noName},
		{strings.Repeat("a", 64), longLabel},
		{"myr\u0435gistry", nonASCII},
		{"my registry", space},
		{"my\tregistry", space},
		{"my_registry", underscore},
		{"my.registry", otherChar},
		{"MyRegistry", otherChar}, // callers pass lower case
		{"my@registry", otherChar},
		{"my[registry", otherChar},
		{"my`registry", otherChar},
		{"my{registry", otherChar},
		{"my/registry", otherChar},
		{"my:registry", otherChar},
		{"my_reg istry", space},
		{"my reg_istry", space},
		{"my_r\u0435g istry", nonASCII},
		{"my_reg!", underscore},
		{"my!reg_", underscore},
		{"myregistry-", strayHyphen},
		{"my-reg-istry", strayHyphen},
		{"myregistry--dnlhash", strayHyphen},
		{"abcd", nameLength},
		{"abcd-dnlhash", nameLength},
		{strings.Repeat("a", 51), nameLength},
		{strings.Repeat("a", 50) + "-hash", 0},
		{strings.Repeat("a", 50) + "-" + strings.Repeat("h", 12), 0}, // 63 bytes, as long as a DNS label gets
		{strings.Repeat("a", 50) + "-" + strings.Repeat("h", 13), longLabel},
	}
	for _, tt := range tests {
		if got := nameFault(tt.label); got != tt.want {
			t.Errorf("nameFault(%q) = %d, want %d", tt.label, got, tt.want)
		}
	}
}

// TestCharFault sorts every byte value into the fault it makes in a
// registry name.
func TestCharFault(t *testing.T) {
	for c := range 256 {
		b := string([]byte{byte(c)})
		var want fault
		switch {
		case strings.Contains("abcdefghijklmnopqrstuvwxyz0123456789-", b):
			want = 0
		case c >= utf8.RuneSelf:
			want = nonASCII
		case b == " " || b == "\t":
			want = space
		case b == "_":
			want = underscore
		default:
			want = otherChar
		}
		if got := charFault(byte(c)); got != want {
			t.Errorf("charFault(%q) = %d, want %d", byte(c), got, want)
		}
	}
}
