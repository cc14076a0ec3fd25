package credstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestFailedHelperHidesItsCredential: a helper that prints its credential
// and exits 1 (on stdout or stderr, as one JSON line, pretty-printed,
// inside a sentence, cut by the bound, as a key and its value in words)
// has its message shown without the secret, in the error, its message and
// the -D trace, while what is not secret stays to say what happened.
func TestFailedHelperHidesItsCredential(t *testing.T) {
	const long = `"Username":"'; head -c 70000 /dev/zero | tr '\0' a; printf '"`
	fakeHelpers(t, map[string]string{
		"stdout":   `echo '{"ServerURL":"myreg.azurecr.io","Username":"admin","Secret":"s3cr3tStdout"}'; exit 1`,
		"stderr":   `echo '{"ServerURL":"myreg.azurecr.io","Username":"admin","Secret":"s3cr3tStderr"}' >&2; exit 1`,
		"pretty":   `printf '{\n  "ServerURL": "myreg.azurecr.io",\n  "Username": "admin",\n  "Secret": "s3cr3tPretty"\n}\n' >&2; exit 1`,
		"sentence": `echo 'cannot store {"ServerURL":"myreg.azurecr.io","Username":"admin","Secret":"tw0 w0rds s3cr3tWords"}: locked'; exit 1`,
		"token":    `echo '{"ServerURL":"myreg.azurecr.io","Username":"<token>","Secret":"` + jwt + `"}'; exit 1`,
		"nested":   `echo '{"ServerURL":"myreg.azurecr.io","Creds":[{"Password":"s3cr3tNested","Username":"admin"}]}'; exit 1`,
		"password": `echo '{"ServerURL":"myreg.azurecr.io","Username":"admin","password":"s3cr3tPassword","IdentityToken":"s3cr3tIdentity"}'; exit 1`,
		"cut":      `printf '{"ServerURL":"myreg.azurecr.io","Secret":"s3cr3tCut",` + long + `}\n'; exit 1`,
		"text":     `echo 'login failed for admin password=s3cr3tText on myreg.azurecr.io'; exit 1`,
		// Prose: a key, a blank or "is" or a colon, the value.
		"prosepw":     `echo 'wrong password HUNTER2SECRET for myreg.azurecr.io' >&2; exit 1`,
		"passphrase":  `echo 'gpg: bad passphrase Tr0ub4dorGpg for key' >&2; exit 1`,
		"secretis":    `echo 'the secret is s3cr3tProse, not stored'; exit 1`,
		"tokencolon":  `echo 'refresh failed, token: T0kenColonValue rejected'; exit 1`,
		"apikey":      `echo 'x-api-key: ApiK3yHeader denied by myreg.azurecr.io'; exit 1`,
		"identity":    `echo 'identitytoken IdentityT0ken is expired'; exit 1`,
		"curl":        `echo 'curl -u admin:Curl53cret https://myreg.azurecr.io/v2/ failed' >&2; exit 1`,
		"wordsstay":   `echo 'password is incorrect; token expired for myreg.azurecr.io'; exit 1`,
		"gpgnotfound": `echo 'gpg: decryption failed: No secret key' >&2; exit 1`,
	})
	for _, tc := range []struct {
		helper string
		secret []string
		keep   string // what the message still says
	}{
		{"stdout", []string{"s3cr3tStdout"}, `{"ServerURL":"myreg.azurecr.io","Username":"admin"}`},
		{"stderr", []string{"s3cr3tStderr"}, `{"ServerURL":"myreg.azurecr.io","Username":"admin"}`},
		{"pretty", []string{"s3cr3tPretty"}, `{"ServerURL":"myreg.azurecr.io","Username":"admin"}`},
		{"sentence", []string{"tw0", "w0rds", "s3cr3tWords"}, `cannot store {"ServerURL":"myreg.azurecr.io","Username":"admin"}: locked`},
		{"token", []string{jwt, jwt[:20], jwt[len(jwt)-12:]}, `"Username":"<token>"`},
		{"nested", []string{"s3cr3tNested"}, `"Username":"admin"`},
		{"password", []string{"s3cr3tPassword", "s3cr3tIdentity"}, `"Username":"admin"`},
		{"cut", []string{"s3cr3tCut"}, `"ServerURL":"myreg.azurecr.io"`},
		{"text", []string{"s3cr3tText"}, "login failed for admin password=<redacted> on myreg.azurecr.io"},
		{"prosepw", []string{"HUNTER2SECRET"}, "wrong password <redacted> for myreg.azurecr.io"},
		{"passphrase", []string{"Tr0ub4dorGpg"}, "gpg: bad passphrase <redacted> for key"},
		{"secretis", []string{"s3cr3tProse"}, "the secret is <redacted>, not stored"},
		{"tokencolon", []string{"T0kenColonValue"}, "refresh failed, token: <redacted> rejected"},
		{"apikey", []string{"ApiK3yHeader"}, "x-api-key: <redacted> denied by myreg.azurecr.io"},
		{"identity", []string{"IdentityT0ken"}, "identitytoken <redacted> is expired"},
		{"curl", []string{"Curl53cret"}, "curl -u admin:<redacted> https://myreg.azurecr.io/v2/ failed"},
		// Words after a key are what went wrong, not a secret.
		{"wordsstay", nil, "password is incorrect; token expired for myreg.azurecr.io"},
		{"gpgnotfound", nil, "gpg: decryption failed: No secret key"},
	} {
		t.Run(tc.helper, func(t *testing.T) {
			var calls []Call
			h := Helper{Name: tc.helper, Timeout: 5 * time.Second, Trace: func(c Call) { calls = append(calls, c) }}
			_, err := h.Get(context.Background(), "myreg.azurecr.io")
			var he *HelperError
			if !errors.As(err, &he) || he.Failure != HelperFailed {
				t.Fatalf("err = %v, want a failed helper", err)
			}
			texts := []string{he.Message, err.Error()}
			for _, c := range calls {
				texts = append(texts, c.Err.Error())
			}
			if len(calls) != 1 {
				t.Errorf("%d calls traced", len(calls))
			}
			for _, text := range texts {
				for _, s := range tc.secret {
					if strings.Contains(text, s) {
						t.Errorf("%q shows the secret %q", text, s)
					}
				}
			}
			if !strings.Contains(he.Message, tc.keep) {
				t.Errorf("message %q, want it to keep %q", he.Message, tc.keep)
			}
		})
	}

	// list fails the same way.
	_, err := Helper{Name: "stdout"}.List(context.Background())
	if err == nil || strings.Contains(err.Error(), "s3cr3tStdout") || !strings.Contains(err.Error(), "myreg.azurecr.io") {
		t.Errorf("List err = %v", err)
	}
}
