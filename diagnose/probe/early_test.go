package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// newACR is a hostile server that holds a certificate for regHost, an
// ACR login server's name, so that the probe treats it as one.
func newACR(t *testing.T, h http.HandlerFunc) *hostile {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: regHost}, DNSNames: []string{regHost},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return newHostileTLS(t, h, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
}

// An ACR registry's token requests go out beside the challenge: the
// challenge is answered only once a token request has arrived. Kept when
// the challenge names ACR's realm; dropped, and made again with the realm
// named, when it names another.
func TestTokenRequestsBesideTheChallenge(t *testing.T) {
	s := tokentest.Default()
	secret := Secret{Username: "myreg", Password: "s3cret-admin-password"}
	for _, tc := range []struct {
		name, realmPath string
		tokenPath       string
		unused          bool // early exchanges the challenge did not confirm
	}{
		{"ACR's realm", "/oauth2/token", "/oauth2/token", false},
		{"ACR's realm, port named", ":443/oauth2/token", "/oauth2/token", false},
		{"another realm on the registry", "/oauth2/other", "/oauth2/other", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokenSeen := make(chan struct{})
			var once bool
			early := false
			var h *hostile
			h = newACR(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
					select {
					case <-tokenSeen:
						h.mu.Lock()
						early = true
						h.mu.Unlock()
					case <-time.After(1500 * time.Millisecond):
					}
					w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="https://%s%s",service="%s"`, regHost, tc.realmPath, regHost))
					w.WriteHeader(http.StatusUnauthorized)
				case r.URL.Path == "/v2/":
					fmt.Fprint(w, "{}")
				default:
					h.mu.Lock()
					if !once {
						once = true
						close(tokenSeen)
					}
					h.mu.Unlock()
					if u, p, ok := r.BasicAuth(); !ok || u != secret.Username || p != secret.Password {
						w.WriteHeader(http.StatusUnauthorized)
						return
					}
					fmt.Fprintf(w, `{"access_token":%q}`, s.Sign(tokentest.ACRAccess(regHost, "myreg", "", time.Now(), token.Access{Type: "repository", Name: DefaultRepository, Actions: []string{"pull"}})))
				}
			})
			tr := Run(context.Background(), regHost, basicCred(), secret, h.options())
			var got []string
			for _, ex := range tr.Exchanges {
				got = append(got, fmt.Sprintf("%s:%d", ex.Purpose, ex.Status))
			}
			if strings.Join(got, " ") != "challenge:401 token:200 authenticated:200 scope:200 anonymous_token:401" {
				t.Errorf("exchanges = %v", got)
			}
			if ex := tr.Exchange(TokenRequest); ex == nil || !strings.HasPrefix(ex.URL, "https://"+regHost+tc.tokenPath+"?") {
				t.Errorf("token exchange %+v, want one to %s", ex, tc.tokenPath)
			}
			// The early login, cut short once the challenge named
			// another realm, is shown, never judged.
			if unused := len(tr.Unused) > 0; unused != tc.unused || unused && tr.Unused[0].Purpose != TokenRequest {
				t.Errorf("unused = %+v, want some: %v", tr.Unused, tc.unused)
			}
			// Every request that carried the credential, or a token it
			// earned, is in the transcript (one cut short may not have
			// reached the server).
			recorded := 0
			for _, ex := range append(tr.Exchanges, tr.Unused...) {
				if ex.SentCredential || ex.Purpose == AuthedPing {
					recorded++
				}
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.credTo) > recorded {
				t.Errorf("the server saw %d requests with a credential, the transcript records %d: %v", len(h.credTo), recorded, h.credTo)
			}
			// Sent beside the challenge, whatever realm it then named.
			if !early {
				t.Error("no token request came before the challenge's answer")
			}
			for _, to := range h.credTo {
				if !strings.HasPrefix(to, regHost+" ") {
					t.Errorf("a credential went to %s", to)
				}
			}
		})
	}
}

// A credential the registry refuses is sent once: the scope probe waits
// for a login that succeeded, so the registry logs one failed login.
func TestRefusedCredentialSentOnce(t *testing.T) {
	h := newACR(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s"`, regHost, regHost))
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	tr := Run(context.Background(), regHost, basicCred(), Secret{Username: "myreg", Password: "wrong-password"}, h.options())
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.credTo) != 1 {
		t.Errorf("the credential was sent %d times: %v", len(h.credTo), h.credTo)
	}
	if tr.Exchange(ScopeProbe) != nil || tr.Exchange(AuthedPing) != nil {
		t.Errorf("exchanges after a refused login: %+v", tr.Exchanges)
	}
	if i := slices.IndexFunc(tr.Exchanges, func(ex Exchange) bool { return ex.Purpose == AnonymousToken }); i < 0 {
		t.Error("no anonymous token request")
	}
}

// The tokens issued to requests the challenge did not confirm are hidden
// as the others are, and the registry's clock is read from the challenge,
// the first of Docker's own exchanges, not from whichever answer came
// first.
func TestUnusedExchanges(t *testing.T) {
	const issued = "opaque-early-issued-token-0123456789"
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	h := newACR(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth2/token": // the guess: answered at once, dated 2020
			w.Header().Set("Date", early.Format(http.TimeFormat))
			fmt.Fprintf(w, `{"access_token":%q}`, issued)
		case "/v2/":
			time.Sleep(100 * time.Millisecond)
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="https://%s/oauth2/other",service="%s"`, regHost, regHost))
			w.WriteHeader(http.StatusUnauthorized)
		default: // echoes what the guess was issued
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"not %s"}]}`, issued)
		}
	})
	tr := Run(context.Background(), regHost, basicCred(), Secret{Username: "myreg", Password: "s3cret-admin-password"}, h.options())
	if len(tr.Unused) == 0 {
		t.Fatal("no unused exchanges")
	}
	for _, ex := range append(tr.Exchanges, tr.Unused...) {
		if strings.Contains(ex.Body+ex.Err+ex.URL, issued) {
			t.Errorf("%s holds a token the registry issued: %q", ex.Purpose, ex.Body)
		}
	}
	if tr.ServerDate.Equal(early) || tr.ServerDate.IsZero() {
		t.Errorf("ServerDate = %v: want the challenge's", tr.ServerDate)
	}
}
