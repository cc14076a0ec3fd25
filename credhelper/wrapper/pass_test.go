package wrapper

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/internal/hermetic"
)

// passStores sets up a throwaway GPG key and returns an environment for
// the real docker-credential-pass with its own password store per call
// of init. It skips when pass, gpg or the helper are not installed.
func passEnv(t *testing.T) (gnupg, fpr string) {
	t.Helper()
	for _, p := range []string{"pass", "gpg", "gpgconf", "docker-credential-pass"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed", p)
		}
	}
	// A short path: gpg-agent's socket path must fit in sun_path.
	gnupg = hermetic.ShortDir(t, "gpg")
	gpgEnv := []string{"GNUPGHOME=" + gnupg, "HOME=" + gnupg, "PATH=" + toolDir}
	t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = gpgEnv
		_ = kill.Run()
	})
	if err := os.Chmod(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	gpg := func(args ...string) string {
		cmd := exec.Command("gpg", append([]string{"--batch"}, args...)...)
		cmd.Env = gpgEnv
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	gpg("--pinentry-mode", "loopback", "--passphrase", "", "--quick-generate-key", "x <x@x.invalid>", "future-default", "default", "never")
	for _, line := range strings.Split(gpg("--with-colons", "--list-secret-keys"), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			return gnupg, f[9]
		}
	}
	t.Fatal("no fingerprint in gpg --list-secret-keys")
	return "", ""
}

func passSandbox(t *testing.T, gnupg, fpr string, initialise bool) *sandbox {
	t.Helper()
	store := filepath.Join(t.TempDir(), "pass")
	// The real helper, which the machine's tools on PATH leave out.
	helper, err := exec.LookPath("docker-credential-pass")
	if err != nil {
		t.Fatal(err)
	}
	helperDir := t.TempDir()
	if err := os.Symlink(helper, filepath.Join(helperDir, "docker-credential-pass")); err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t, "GNUPGHOME="+gnupg, "PASSWORD_STORE_DIR="+store, "ACRDOCTOR_CREDENTIAL_BACKEND=pass",
		"PATH="+binDir+string(os.PathListSeparator)+helperDir+string(os.PathListSeparator)+toolDir)
	if initialise {
		cmd := exec.Command("pass", "init", fpr)
		cmd.Env = s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pass init: %v\n%s", err, out)
		}
	}
	return s
}

// TestProtocolPass replays the protocol session against the real
// docker-credential-pass, directly and through the wrapper, each with its
// own password store: same stdout, stderr and exit status at every step.
// Then Debian's quirk: an uninitialised store answers get with an empty
// credential and exit 0, which the wrapper turns into not-found.
func TestProtocolPass(t *testing.T) {
	gnupg, fpr := passEnv(t)
	direct := passSandbox(t, gnupg, fpr, true)
	wrapped := passSandbox(t, gnupg, fpr, true)
	served, empty := 0, 0
	for i, st := range protocolSteps {
		want := direct.run("pass", st.action, st.stdin)
		if st.action == "get" && want.code == 0 && strings.Contains(want.stdout, `"Username":"","Secret":""`) {
			// Debian's 0.6.4 answers a missing credential so; Docker
			// must hear the not-found sentinel instead.
			want, empty = result{notFound + "\n", want.stderr, 1}, empty+1
		}
		got := wrapped.run("acrdoctor", st.action, st.stdin)
		if got != want {
			t.Errorf("step %d %s %q:\n wrapper %v\n pass    %v", i, st.action, st.stdin, got, want)
		}
		if st.action == "get" && want.code == 0 {
			served++
		}
	}
	if served < 2 {
		t.Errorf("pass served %d gets; the session did not exercise a stored credential", served)
	}
	if r := wrapped.run("acrdoctor", "get", "myreg.azurecr.io"); r.code != 1 || r.stdout != notFound+"\n" {
		t.Errorf("get after erase through the wrapper: %v, want the not-found sentinel", r)
	}

	// Debian's 0.6.x answers an uninitialised store so too; later
	// versions say what is wrong, which the wrapper passes on as it is.
	quirk := strings.HasPrefix(strings.TrimSpace(direct.run("pass", "version", "").stdout), "0.6.")
	if quirk != (empty > 0) {
		t.Errorf("docker-credential-pass %s answered %d gets with an empty credential", direct.run("pass", "version", "").stdout, empty)
	}
	bare := passSandbox(t, gnupg, fpr, false)
	raw := bare.run("pass", "get", "myreg.azurecr.io")
	got := bare.run("acrdoctor", "get", "myreg.azurecr.io")
	if quirk {
		if raw.code != 0 || !strings.Contains(raw.stdout, `"Username":""`) {
			t.Fatalf("Debian's pass 0.6 answered %v, not the empty credential", raw)
		}
		if want := (result{notFound + "\n", "", 1}); got != want {
			t.Errorf("empty credential from pass: wrapper %v, want %v", got, want)
		}
		if es := bare.entries(); len(es) != 1 || es[0].Outcome != journal.Empty {
			t.Errorf("journal %+v, want one empty entry", es)
		}
		return
	}
	if got != raw {
		t.Errorf("wrapper %v, pass %v", got, raw)
	}
}
