package wrapper

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMemoIdentity: the identity a failed renewal is remembered with
// changes when the Azure CLI's login changes (its profile and token cache,
// under AZURE_CONFIG_DIR or else ~/.azure) or a credential file does, so a
// new az login is tried at once rather than after retryAfter.
func TestMemoIdentity(t *testing.T) {
	home, cfgDir := t.TempDir(), t.TempDir()
	cert := filepath.Join(t.TempDir(), "sp.pem")
	vars := map[string]string{"HOME": home, "AZURE_CLIENT_CERTIFICATE_PATH": cert}
	env := &settings{getenv: func(k string) string { return vars[k] }}
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		name   string
		change func()
	}{
		{"az login under ~/.azure", func() { write(filepath.Join(home, ".azure", "azureProfile.json"), `{"subscriptions":[1]}`) }},
		{"its token cache", func() { write(filepath.Join(home, ".azure", "msal_token_cache.json"), `{"AccessToken":{}}`) }},
		{"a certificate appears", func() { write(cert, "-----BEGIN CERTIFICATE-----") }},
		{"AZURE_CONFIG_DIR set", func() { vars["AZURE_CONFIG_DIR"] = cfgDir }},
		{"az login there", func() { write(filepath.Join(cfgDir, "azureProfile.json"), `{}`) }},
	} {
		before := env.identity()
		step.change()
		if bytes.Equal(before, env.identity()) {
			t.Errorf("%s: the identity did not change", step.name)
		}
	}
	// Nothing changed, nothing differs.
	if !bytes.Equal(env.identity(), env.identity()) {
		t.Error("the identity changes by itself")
	}
}

// TestMemoCleared: a renewal that succeeds clears the memo of the one
// that failed, so the next failure is tried again rather than quoted.
func TestMemoCleared(t *testing.T) {
	vars := map[string]string{"HOME": t.TempDir()}
	env := &settings{getenv: func(k string) string { return vars[k] }}
	memo := env.failureMemo("myreg.azurecr.io")
	// The renewal's lock made the folder.
	if err := os.MkdirAll(filepath.Dir(memo.path), 0o700); memo.path == "" || err != nil {
		t.Fatalf("memo path %q: %v", memo.path, err)
	}
	memo.record(errors.New("Azure AD refused"))
	if err := memo.recent(); err == nil || !strings.Contains(err.Error(), "not tried again before") {
		t.Fatalf("recent() = %v after a failure", err)
	}
	memo.clear()
	if _, err := os.Stat(memo.path); !os.IsNotExist(err) {
		t.Errorf("the memo is still there: %v", err)
	}
	if err := memo.recent(); err != nil {
		t.Errorf("recent() = %v after clear", err)
	}
}
