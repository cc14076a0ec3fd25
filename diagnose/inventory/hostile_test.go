package inventory

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// checkCauses checks every remediation line of cs with the hostile values
// given, and that a placeholder standing for a value that was given is
// explained by the evidence.
func checkCauses(t *testing.T, what string, cs []cause.Cause, values []string, explained ...string) {
	t.Helper()
	for _, c := range cs {
		for _, l := range c.Remediation {
			if err := shelltest.CheckLine(l, values, shell.Quote); err != nil {
				t.Errorf("%s: %v", what, err)
			}
			for _, p := range explained {
				if strings.Contains(l, p) && !strings.Contains(c.Evidence, "show "+p+" in its place") {
					t.Errorf("%s: %q has %s, and the evidence does not say why: %s", what, l, p, c.Evidence)
				}
			}
		}
	}
}

// TestHostileKeys stores credentials of every kind under hostile keys,
// with hostile user names, and in helpers with hostile names.
func TestHostileKeys(t *testing.T) {
	s := tokentest.Default()
	for _, h := range shelltest.Hostile {
		keys := []string{h, h + ".azurecr.io", "https://MyReg.azurecr.io/" + h, "myreg.azurecr.io:" + h, "MyReg.azurecr.io"}
		refresh := s.Sign(tokentest.ACRRefresh("myreg.azurecr.io", h, tenant, now.Add(-4*time.Hour)))
		expiring := s.Sign(tokentest.ACRRefresh("other.azurecr.io", h, tenant, now.Add(-3*time.Hour-10*time.Minute)))
		access := s.Sign(tokentest.ACRAccess("myreg.azurecr.io", h, tenant, now.Add(-2*time.Hour)))
		aad := s.Sign(tokentest.AAD(tenant, h, now.Add(-2*time.Hour)))
		long := refresh + strings.Repeat("x", 2600)
		for _, key := range keys {
			entries := []credstore.Entry{
				file(key, credkind.NullGUID, "", refresh),
				file(key, credkind.NullGUID, "", ""),
				file(key, credkind.NullGUID, "not-a-token", ""),
				file(key, h, "pw", ""),
				file(key, h+"@contoso.com", "pw", ""),
				file(key, h, refresh, ""),
				file(key, credkind.NullGUID, expiring, ""),
				file(key, credkind.NullGUID, access, ""),
				file(key, "x", aad, ""),
				file(key, credkind.NullGUID, "", "eyJdamaged"),
				inHelper("wincred", key, "<token>", long),
				{Registry: key, Source: credstore.Source{Kind: credstore.CredHelpers, Helper: h}, NotFound: true},
				{Registry: key, Source: credstore.Source{Kind: credstore.CredHelpers, Helper: h},
					Err: &credstore.HelperError{Helper: "docker-credential-" + h, Action: "get", Failure: credstore.HelperFailed, Message: h}},
			}
			for i, e := range entries {
				c := Assess(e, now)
				checkCauses(t, fmt.Sprintf("entry %d under %q", i, key), c.Causes, []string{key, h, "docker-credential-" + h}, "<registry>", "<docker-credential-helper>")
			}
		}
	}
}

// TestHostileHelpers gives every helper failure a hostile helper name and
// registry key.
func TestHostileHelpers(t *testing.T) {
	failures := []credstore.HelperFailure{credstore.HelperMissing, credstore.HelperNotExecutable, credstore.HelperTimedOut,
		credstore.HelperEmpty, credstore.HelperGarbage, credstore.HelperFailed}
	messages := []string{"", "pass store is uninitialized", "cannot autolaunch d-bus", "user interaction is not allowed",
		"the stub received bad data", "gpg: decryption failed: no secret key", "something else"}
	for _, h := range shelltest.Hostile {
		for _, f := range failures {
			for _, m := range messages {
				for _, action := range []string{"get", "list"} {
					for _, args := range [][2]string{{"docker-credential-" + h, h}, {"docker-credential-pass", h}, {"docker-credential-" + h, "myreg.azurecr.io"}, {h, ""}} {
						err := &credstore.HelperError{Helper: args[0], Action: action, Failure: f, Message: m + " " + h}
						c := helperCause(err, args[1], "")
						explained := []string{"<docker-credential-helper>", "<helper>"}
						if args[1] != "" {
							explained = append(explained, "<registry>")
						}
						checkCauses(t, fmt.Sprintf("%s %q, helper %q, key %q", f, m, args[0], args[1]), []cause.Cause{c},
							[]string{h, "docker-credential-" + h}, explained...)
					}
				}
			}
		}
	}
}
