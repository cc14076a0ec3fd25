package renew

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// answering is a transport that answers every request with one response,
// as a registry would: nothing leaves the process.
type answering struct {
	status int
	header http.Header
	body   []byte
}

func (a answering) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)), Request: req}, nil
}

// FuzzRegistryAnswers: whatever the registry answers GET /v2/ and POST
// /oauth2/exchange with, the Azure AD token goes only to a realm on the
// registry host at 443; a refusal is an *ExchangeError whose text is one
// bounded line; and a refresh token is taken only from a 200 holding one,
// then accepted only if it is a JWT for the host, unexpired.
func FuzzRegistryAnswers(f *testing.F) {
	const host = "myreg.azurecr.io"
	now := time.Date(2026, 11, 29, 10, 32, 0, 0, time.UTC)
	jwt := func(claims string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
	}
	challenge401 := `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`
	for _, a := range []struct {
		status    int
		challenge string
		body      string
	}{
		{200, challenge401, `{"refresh_token":"` + jwt(`{"aud":"myreg.azurecr.io","exp":1795000000,"iss":"Azure Container Registry","grant_type":"refresh_token"}`) + `"}`},
		{200, challenge401, `{"refresh_token":"` + jwt(`{"aud":"other.azurecr.io","exp":1795000000}`) + `"}`},
		{200, challenge401, `{"refresh_token":"` + jwt(`{"aud":["MYREG.azurecr.io"],"exp":1700000000}`) + `"}`},
		{200, "", `{"refresh_token":""}`},
		{200, "", `{"access_token":"x"}`},
		{401, challenge401, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required, visit https://aka.ms/acr/authorization for more information."}]}`},
		{401, `Bearer realm="https://evil.example/oauth2/token",service="myreg.azurecr.io"`, ""},
		{401, `Bearer realm="https://myreg.azurecr.io:8443/oauth2/token"`, ""},
		{403, "", "<html>\n<h1>403 Forbidden</h1>\n</html>"},
	} {
		f.Add(a.status, a.challenge, []byte(a.body))
	}
	f.Fuzz(func(t *testing.T, status int, challengeHeader string, body []byte) {
		if status < 100 || status > 999 {
			return // not an HTTP status a response can have
		}
		header := http.Header{}
		if challengeHeader != "" {
			header.Set("WWW-Authenticate", challengeHeader)
		}
		c := &http.Client{Transport: answering{status, header, body}}
		ctx := context.Background()

		realm, service, err := challenge(ctx, c, host)
		switch {
		case err == nil:
			if status != http.StatusUnauthorized || realm.Scheme != "https" || realm.Hostname() != host ||
				realm.Port() != "" && realm.Port() != "443" || realm.User != nil || service == "" {
				t.Fatalf("the Azure AD token would go to %q (service %q) on a %d", realm, service, status)
			}
		case status != http.StatusUnauthorized:
			checkRefusal(t, http.MethodGet, status, body, err)
		}

		refresh, err := exchange(ctx, c, "https://"+host+"/oauth2/exchange", host, "aad-token")
		switch {
		case err != nil && status != http.StatusOK:
			checkRefusal(t, http.MethodPost, status, body, err)
			return
		case err != nil:
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("a 200 without a token: %v", err)
			}
			return
		}
		var answer struct {
			RefreshToken string `json:"refresh_token"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &answer) != nil || refresh == "" || refresh != answer.RefreshToken {
			t.Fatalf("refresh token %q taken from %d %q", refresh, status, body)
		}
		tok, err := check(refresh, host, now)
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("check: %v does not wrap ErrBadToken", err)
			}
			return
		}
		if !tok.Claims.HasAudience(host) || tok.Expired(now) {
			t.Fatalf("accepted a refresh token for %q expiring %v", tok.Claims.Audience, tok.Claims.ExpiresAt)
		}
	})
}

// checkRefusal: a registry's refusal is an *ExchangeError for its status
// whose text is one line of bounded length, UTF-8 if the body was.
func checkRefusal(t *testing.T, method string, status int, body []byte, err error) {
	t.Helper()
	var xe *ExchangeError
	if !errors.As(err, &xe) || xe.Status != status || xe.Method != method {
		t.Fatalf("%s answered %d: %T %v", method, status, err, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || len(msg) > 1<<10 || utf8.Valid(body) && !utf8.ValidString(msg) {
		t.Fatalf("refusal %.300q (%d bytes): not one bounded line of UTF-8", msg, len(msg))
	}
}
