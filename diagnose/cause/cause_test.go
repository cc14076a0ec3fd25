package cause

import (
	"strings"
	"testing"
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
