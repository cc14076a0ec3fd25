package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// TestExplainUsesThisMachine: the generic pull error, explained through
// docker with what this machine's store holds for the registry it names:
// an expired token, an upper-case key Docker misses, a broken helper each
// become the first cause, certain, with the machine's part of the
// evidence marked; --no-local reads the text alone.
func TestExplainUsesThisMachine(t *testing.T) {
	t.Parallel()
	expired := tokentest.Default().Sign(tokentest.ACRRefresh("expiredreg.azurecr.io", "alice@contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", time.Now().Add(-5*time.Hour)))
	basic := base64.StdEncoding.EncodeToString([]byte("upperreg:pw"))
	e := newEnv(t)
	e.writeConfig(`{
		"auths": {
			"expiredreg.azurecr.io": {"username": "00000000-0000-0000-0000-000000000000", "identitytoken": "` + expired + `"},
			"UpperReg.azurecr.io": {"auth": "` + basic + `"}
		},
		"credHelpers": {"brokenreg.azurecr.io": "gone"}
	}`)
	type finding struct {
		ID         string `json:"id"`
		Confidence string `json:"confidence"`
		Shown      []struct {
			Source string `json:"source"`
		} `json:"shown_by"`
	}
	explain := func(host string, args ...string) []finding {
		t.Helper()
		log := `Error response from daemon: Head "https://` + host + `/v2/app/manifests/1": unauthorized: authentication required`
		r := e.run(log, "docker", append([]string{"acrdoctor", "explain", "--format", "json"}, args...)...)
		var rep struct{ Causes []finding }
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
			t.Fatalf("explain %s: %v\n%v", host, err, r)
		}
		return rep.Causes
	}
	for host, want := range map[string]string{
		"expiredreg.azurecr.io": "expired_credentials",
		"upperreg.azurecr.io":   "registry_name",
		"brokenreg.azurecr.io":  "credential_store",
	} {
		fs := explain(host)
		if len(fs) == 0 || fs[0].ID != want || fs[0].Confidence != "certain" {
			t.Errorf("%s: %+v, want %s first, certain", host, fs, want)
			continue
		}
		sources := ""
		for _, s := range fs[0].Shown {
			sources += s.Source + " "
		}
		if !strings.Contains(sources, "machine") || !strings.Contains(sources, "text") {
			t.Errorf("%s: evidence from %q, want both the text and this machine", host, sources)
		}
		if text := explain(host, "--no-local"); len(text) > 0 && text[0].ID == want {
			t.Errorf("%s --no-local: %+v, want the text's reading, not %s", host, text, want)
		}
	}
}
