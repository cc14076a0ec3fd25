package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/configedit"
)

// TestConfigureHosts: configure with no registry named wraps every ACR
// registry config.json holds, under the host Docker looks up, and leaves
// out a key whose name is misspelt or bare: no such registry exists.
func TestConfigureHosts(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	cfg := `{"auths": {"MyReg.azurecr.io": {}, "https://other.azurecr.io/v2/": {}, "northwind.azurcr.io": {}, "ghcr.io": {}},
		"credHelpers": {"third.azurecr.io": "pass", "myreg": "pass"}}`
	if err := os.WriteFile(name, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := configureHosts(context.Background(), &configedit.File{Name: name}, configureOptions{}, nil)
	want := []string{"myreg.azurecr.io", "other.azurecr.io", "third.azurecr.io"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("configureHosts = %v, %v; want %v", got, err, want)
	}
}

// TestConfigureHostsNone: when nothing is left to wrap, the message says
// why: the keys Docker holds name no registry.
func TestConfigureHostsNone(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(name, []byte(`{"auths": {"myreg.azurecr.com": {}, "ghcr.io": {}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := configureHosts(context.Background(), &configedit.File{Name: name}, configureOptions{}, nil)
	if err == nil || !strings.Contains(err.Error(), "name no registry (myreg.azurecr.com;") {
		t.Errorf("configureHosts: %v", err)
	}
}
