package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/acr-doctor/acr-doctor/internal/hermetic"
)

// withPass gives the sandbox a real pass store behind a throwaway GPG key
// with no passphrase, as docker-credential-helpers' own CI does.
func (e *env) withPass() { e.withPassKey("") }

// withPassKey is withPass with a key locked by passphrase, when not "".
// gpg-agent then asks a pinentry of the test's for it, which answers it
// only once the file pin-ok is in GNUPGHOME (the user typing it) and
// otherwise cancels, as pinentry does with no terminal to ask on; each
// start adds a line to pinentry.log there.
func (e *env) withPassKey(passphrase string) {
	t := e.t
	t.Helper()
	requireTool(t, "gpg")
	requireTool(t, "pass")
	// The real helper, which the sandbox's PATH leaves out until asked.
	if err := os.Symlink(requireTool(t, "docker-credential-pass"), filepath.Join(e.binDir, "docker-credential-pass")); err != nil {
		t.Fatal(err)
	}
	// gpg-agent's socket path must stay short, whatever TMPDIR says.
	gnupg := hermetic.ShortDir(t, "gpg")
	if err := os.Chmod(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "password-store")
	e.setenv("GNUPGHOME="+gnupg, "PASSWORD_STORE_DIR="+store)
	t.Cleanup(func() { e.run("", "gpgconf", "--kill", "all") })
	if passphrase != "" {
		pinentry := filepath.Join(gnupg, "pinentry")
		script := "#!/bin/sh\necho >>" + filepath.Join(gnupg, "pinentry.log") + "\necho OK\nwhile read -r cmd rest; do\n\tcase $cmd in\n" +
			"\tGETPIN) if [ -e " + filepath.Join(gnupg, "pin-ok") + " ]; then echo 'D " + passphrase + "'; echo OK; else echo 'ERR 83886179 Operation cancelled'; fi ;;\n" +
			"\tBYE) echo OK; exit 0 ;;\n\t*) echo OK ;;\n\tesac\ndone\n"
		if err := os.WriteFile(pinentry, []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(gnupg, "gpg-agent.conf"), []byte("pinentry-program "+pinentry+"\nallow-loopback-pinentry\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.run("", "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase,
		"--quick-generate-key", "acr-doctor e2e <e2e@acr-doctor.invalid>", "future-default", "default", "never"); r.code != 0 {
		t.Fatalf("gpg key: %v", r)
	}
	r := e.run("", "gpg", "--batch", "--with-colons", "--list-secret-keys")
	var fpr string
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		if f := strings.Split(sc.Text(), ":"); f[0] == "fpr" && len(f) > 9 {
			fpr = f[9]
			break
		}
	}
	if fpr == "" {
		t.Fatalf("no key fingerprint in %v", r)
	}
	if r := e.run("", "pass", "init", fpr); r.code != 0 {
		t.Fatalf("pass init: %v", r)
	}
}

// passStore stores a credential with the real docker-credential-pass, as
// `docker login` does with credsStore "pass".
func (e *env) passStore(server, username, secret string) {
	e.t.Helper()
	in := `{"ServerURL":"` + server + `","Username":"` + username + `","Secret":"` + secret + `"}`
	if r := e.run(in, "docker-credential-pass", "store"); r.code != 0 {
		e.t.Fatalf("docker-credential-pass store: %v", r)
	}
}
