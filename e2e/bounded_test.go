package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestHostileHelpersBounded: credential helpers that flood, answer
// megabytes or hang, each behind its own registry, through the real exec
// path: creds answers within its timeout, names each failure, and its
// peak memory stays under 100 MB. Through the wrapper too, as Docker
// would run it.
func TestHostileHelpersBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.helper("flood", "exec cat /dev/zero\n")
	e.helper("big", `printf '{"ServerURL":"x","Username":"'; head -c 3000000 /dev/zero | tr '\0' a; printf '","Secret":"s"}'`+"\n")
	e.helper("hang", "exec sleep 30\n")
	e.writeConfig(`{"credHelpers":{"flood.azurecr.io":"flood","bigone.azurecr.io":"big","hangs.azurecr.io":"hang"}}`)

	cmd := exec.Command(pluginBin, "creds", "--timeout", "2s")
	cmd.Env = e.vars
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
	for _, want := range []string{"flood.azurecr.io", "bigone.azurecr.io", "hangs.azurecr.io", "docker-credential-hang get: no answer in time", "docker-credential-flood get: printed output that is not a credential", "docker-credential-big get: printed output that is not a credential"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("creds output lacks %q:\n%v", want, r)
		}
	}
	if r.code != 1 {
		t.Errorf("creds exit %d, want 1 (findings)", r.code)
	}
	if ru := cmd.ProcessState.SysUsage().(*syscall.Rusage); ru.Maxrss > 100<<10 { // KB on Linux
		t.Errorf("creds peak RSS %d MB, want under 100 MB", ru.Maxrss>>10)
	}

	// The wrapper in front of the flooding helper, as Docker runs it.
	e.useWrapper()
	e.setenv("ACRDOCTOR_CREDENTIAL_BACKEND=flood")
	w := exec.Command(e.lookPath("docker-credential-acrdoctor"), "get")
	w.Env, w.Stdin = e.vars, strings.NewReader("flood.azurecr.io")
	got, err := w.Output()
	if err == nil || !strings.Contains(string(got), "output longer than 1048576 bytes") {
		t.Errorf("wrapper get over a flooding backend: %v, %q", err, got)
	}
	if ru := w.ProcessState.SysUsage().(*syscall.Rusage); ru.Maxrss > 100<<10 {
		t.Errorf("wrapper peak RSS %d MB, want under 100 MB", ru.Maxrss>>10)
	}
}
