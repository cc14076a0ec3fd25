package cause

import (
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

func TestCatalogue(t *testing.T) {
	ids := IDs()
	if len(ids) != len(catalogue) {
		t.Fatalf("IDs() lists %d, the catalogue holds %d", len(ids), len(catalogue))
	}
	for _, id := range ids {
		e, ok := Lookup(id)
		if !ok || e.ID != id || e.Title == "" || len(e.Docs) == 0 {
			t.Errorf("%s: %+v", id, e)
		}
		for _, d := range e.Docs {
			if !strings.HasPrefix(d, "https://") {
				t.Errorf("%s: doc %q is not an https link", id, d)
			}
		}
	}
}

func TestNew(t *testing.T) {
	c := New(ExpiredCredentials, "expired 2h ago", "az acr login -n myreg")
	if c.Severity != Error || c.Title == "" || c.CheckHealth != "CONNECTIVITY_REFRESH_TOKEN_ERROR" || c.Remediation[0] != "az acr login -n myreg" {
		t.Errorf("New = %+v", c)
	}
	w := Warn(ExpiredCredentials, "expires in 5m")
	if w.Severity != Warning {
		t.Errorf("Warn = %+v", w)
	}
	if Failed([]Cause{w}) || !Failed([]Cause{w, c}) || Failed(nil) {
		t.Error("Failed must count errors only")
	}
	defer func() {
		if recover() == nil {
			t.Error("New with an unknown ID did not panic")
		}
	}()
	New("no_such_cause", "")
}

func TestFixed(t *testing.T) {
	f := new(shell.Fix).
		Add("az acr network-rule add -n %s --ip-address %s", shell.RegistryName("myreg"), shell.IP("203.0.113.7; id")).
		Add("az acr show -n %s", shell.RegistryName("myreg"))
	c := New(NetworkFirewall, "GET /v2/ answered 403").Fixed(f)
	if len(c.Remediation) != 2 || c.Remediation[0] != "az acr network-rule add -n myreg --ip-address <your public IP>" {
		t.Errorf("remediation = %q", c.Remediation)
	}
	want := `GET /v2/ answered 403; the client IP "203.0.113.7; id" is not an IP address, so the suggested commands show <your public IP> in its place`
	if c.Evidence != want {
		t.Errorf("evidence = %q", c.Evidence)
	}
	if again := c.Fixed(f); again.Evidence != want {
		t.Errorf("a second Fixed repeats the note: %q", again.Evidence)
	}
}
