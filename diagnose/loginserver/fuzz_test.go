package loginserver

import (
	"testing"

	"github.com/docker/cli/cli/config/credentials"
)

// FuzzCheck holds Check and Host to the promises callers build on: no
// panic, Host agrees with Docker and is idempotent, a key with no problems
// parses, and a suggestion is itself a clean key.
func FuzzCheck(f *testing.F) {
	for _, k := range []string{
		"myregistry.azurecr.io",
		"MyRegistry.azurecr.io:443/v2/",
		"https://myregistry.eastus.geo.azurecr.io/",
		"acragenticainova-dad4auhga8feekaq.azurecr.io",
		"myregistry.azurcr.io",
		"myregistry.azurecr.io.com",
		"myregistry",
		"my_registry.azurecr.io",
		"myregistry.privatelink.azurecr.io",
		"https://index.docker.io/v1/",
		"[::1]:5000",
		"https://::1:5000/",
	} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		problems, acr := Check(key)
		host := Host(key)
		if again := Host(host); again != host {
			t.Fatalf("Host(%q) = %q, but Host(%q) = %q", key, host, host, again)
		}
		if docker := lower(credentials.ConvertToHostname(key)); host != docker {
			t.Fatalf("Host(%q) = %q, docker/cli gives %q", key, host, docker)
		}
		if !acr {
			if len(problems) > 0 {
				t.Fatalf("Check(%q) is not ACR but has problems %v", key, problems)
			}
			return
		}
		if len(problems) == 0 {
			s, ok := Parse(host)
			if !ok || s.Host != key {
				t.Fatalf("Check(%q) found no problem, but Parse(%q) = %+v, %v", key, host, s, ok)
			}
			return
		}
		suggest := problems[0].Suggest
		for _, p := range problems {
			if p.Detail == "" || p.Suggest != suggest {
				t.Fatalf("Check(%q) = %+v: every problem needs a detail and the same suggestion", key, problems)
			}
		}
		if suggest != "" {
			if ps, acr := Check(suggest); len(ps) > 0 || !acr {
				t.Fatalf("Check(%q) suggests %q, which has problems %v (acr %v)", key, suggest, ps, acr)
			}
		}
	})
}
