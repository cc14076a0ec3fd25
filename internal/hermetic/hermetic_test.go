package hermetic

import (
	"os"
	"strings"
	"testing"
)

// TestResolver: an added name resolves to Address whatever the machine's
// /etc/hosts says, in a program run through Command.
func TestResolver(t *testing.T) {
	r, err := NewResolver(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Isolated() {
		t.Skip("no mount namespace to be had here (unshare, user namespaces)")
	}
	if err := r.Add("myreg.azurecr.io", "localhost.azurecr.io"); err != nil {
		t.Fatal(err)
	}
	out, err := r.Command("/bin/sh", "-c", "cat /etc/hosts; cat /etc/resolv.conf").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{Address + "\tmyreg.azurecr.io", "nameserver 192.0.2.53"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the program sees %q, without %q", out, want)
		}
	}
	// The machine's own files are untouched.
	if b, _ := os.ReadFile("/etc/hosts"); strings.Contains(string(b), Address) {
		t.Error("the machine's /etc/hosts was changed")
	}
}

func TestTools(t *testing.T) {
	machine := t.TempDir()
	for _, name := range []string{"az", "docker-credential-pass", "keepme"} {
		if err := os.WriteFile(machine+"/"+name, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", machine+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir, err := Tools(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sh", "keepme"} {
		if _, err := os.Stat(dir + "/" + name); err != nil {
			t.Errorf("%s is not among the tools: %v", name, err)
		}
	}
	for _, name := range []string{"az", "docker-credential-pass"} {
		if _, err := os.Lstat(dir + "/" + name); err == nil {
			t.Errorf("%s is among the tools", name)
		}
	}
}
