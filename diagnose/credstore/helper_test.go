package credstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeHelpers puts docker-credential-NAME scripts on PATH. Helpers are real
// executables because what matters is how processes fail: missing, not
// executable, hung, flooding. Tests using it cannot run in parallel (PATH).
func fakeHelpers(t *testing.T, scripts map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		writeExec(t, dir, "docker-credential-"+name, "#!/bin/sh\n"+body)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+"/usr/bin:/bin")
}

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"

func TestHelperGet(t *testing.T) {
	fakeHelpers(t, map[string]string{
		"ok":       `read url; echo "{\"ServerURL\":\"$url\",\"Username\":\"admin\",\"Secret\":\"s3cret\"}"`,
		"token":    `echo '{"ServerURL":"x","Username":"\u003ctoken\u003e","Secret":"` + jwt + `"}'`,
		"notfound": `echo "credentials not found in native keychain"; exit 1`,
		"uninit":   `echo "Error: password store is empty. Try \"pass init\"." >&2; echo "pass store is uninitialized"; exit 1`,
		"stderr":   `echo "Cannot autolaunch D-Bus without X11 \$DISPLAY" >&2; exit 1`,
		"empty":    `echo '{"ServerURL":"x","Username":"","Secret":""}'`,
		"garbage":  `echo '<html>proxy login</html>'`,
		"flood":    `head -c 3000000 /dev/zero`,
		"hang":     `sleep 30`,
		"hangkid":  `(sleep 30; echo late) & echo $! > "$HANGKID_PID"; exit 1`,
	})
	kidPID := filepath.Join(t.TempDir(), "pid")
	t.Setenv("HANGKID_PID", kidPID)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "docker-credential-noexec"), "#!/bin/sh\necho hi\n") // mode 0600
	t.Setenv("PATH", os.Getenv("PATH")+string(os.PathListSeparator)+dir)

	tests := []struct {
		helper  string
		want    Credential
		failure HelperFailure
		message string
	}{
		{helper: "ok", want: Credential{"admin", "s3cret"}},
		{helper: "token", want: Credential{TokenUsername, jwt}},
		{helper: "notfound"},
		{helper: "uninit", failure: HelperFailed, message: "pass store is uninitialized"},
		{helper: "stderr", failure: HelperFailed, message: "Cannot autolaunch D-Bus without X11 $DISPLAY"},
		{helper: "empty", failure: HelperEmpty},
		{helper: "garbage", failure: HelperGarbage},
		{helper: "flood", failure: HelperGarbage},
		{helper: "hang", failure: HelperTimedOut},
		{helper: "hangkid", failure: HelperFailed},
		{helper: "missing", failure: HelperMissing},
		{helper: "noexec", failure: HelperNotExecutable},
	}
	for _, tt := range tests {
		t.Run(tt.helper, func(t *testing.T) {
			var calls []Call
			h := Helper{Name: tt.helper, Timeout: 2 * time.Second, Trace: func(c Call) { calls = append(calls, c) }}
			start := time.Now()
			got, err := h.Get(context.Background(), "myreg.azurecr.io")
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Get took %v despite a 2s timeout", took)
			}
			if len(calls) != 1 || calls[0].Program != "docker-credential-"+tt.helper || calls[0].Server != "myreg.azurecr.io" {
				t.Errorf("trace = %+v", calls)
			}
			switch {
			case tt.helper == "notfound":
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
			case tt.failure == "":
				if err != nil || got != tt.want {
					t.Fatalf("Get = %+v, %v; want %+v", got, err, tt.want)
				}
			default:
				var he *HelperError
				if !errors.As(err, &he) {
					t.Fatalf("err = %v, want *HelperError", err)
				}
				if he.Failure != tt.failure || !strings.Contains(he.Message, tt.message) {
					t.Errorf("failure %q %q, want %q %q", he.Failure, he.Message, tt.failure, tt.message)
				}
				if !strings.HasPrefix(err.Error(), "docker-credential-"+tt.helper+" get: ") {
					t.Errorf("err = %q does not name the helper and action", err)
				}
			}
		})
	}
	// What the helper left running went with it.
	if b, err := os.ReadFile(kidPID); err != nil || !gone(strings.TrimSpace(string(b))) {
		t.Errorf("hangkid's background job (pid %q, %v) outlived the helper", b, err)
	}
}

// gone reports whether the process pid has ended (or is a zombie left for
// init), within a moment.
func gone(pid string) bool {
	for range 50 {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return true
		}
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && len(b) > i+2 && b[i+2] == 'Z' {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestHelperList(t *testing.T) {
	fakeHelpers(t, map[string]string{
		"ok":  `echo '{"a.azurecr.io":"<token>","b.azurecr.io":"admin"}'`,
		"bad": `echo 'not json'`,
	})
	got, err := Helper{Name: "ok"}.List(context.Background())
	if err != nil || len(got) != 2 || got["b.azurecr.io"] != "admin" {
		t.Fatalf("List = %v, %v", got, err)
	}
	_, err = Helper{Name: "bad"}.List(context.Background())
	var he *HelperError
	if !errors.As(err, &he) || he.Failure != HelperGarbage || he.Action != "list" {
		t.Fatalf("List of garbage: err = %v", err)
	}
}

func TestOneLine(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := map[string]string{
		"\n\n  first  \nsecond": "first",
		"a\x1b[31mred\x00":      "a[31mred",
		long:                    strings.Repeat("é", 200) + "…",
		"":                      "",
	}
	for in, want := range tests {
		if got := oneLine([]byte(in)); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
