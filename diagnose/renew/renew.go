// Package renew gets a fresh Azure Container Registry refresh token from
// an Azure AD identity in the environment: a service principal, workload
// identity, managed identity or Azure CLI login. It is what a credential
// helper calls when the refresh token Docker stored has expired.
//
// A renewal is three requests (acr-protocol.md §1.2, §7.4):
//
//  1. GET https://<registry>/v2/ for the Bearer challenge's realm and
//     service. The realm must be on the registry host itself: an Azure AD
//     token is never sent anywhere else.
//  2. An Azure AD access token for Azure Resource Manager's audience in
//     the registry's cloud, or, when the registry refuses that (a registry
//     with authentication-as-arm disabled), for ACR's own audience.
//  3. POST <realm host>/oauth2/exchange, grant_type=access_token: the
//     answer's refresh_token, checked to be for the registry and unexpired.
//
// Nothing is logged, and tokens appear in no error.
package renew

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/acr-doctor/acr-doctor/diagnose/azcloud"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// DefaultTimeout bounds a renewal when Renewer.Timeout is 0.
const DefaultTimeout = 20 * time.Second

// ACRScope is the scope of ACR's own Azure AD audience.
const ACRScope = "https://containerregistry.azure.net/.default"

// maxBody caps what is read of an answer: a refresh token is a few KiB.
const maxBody = 64 << 10

const userAgent = "acr-doctor"

// Renewer gets a fresh ACR refresh token for a registry from an Azure AD
// identity in the environment. The zero value is ready to use.
type Renewer struct {
	// Credential gets the Azure AD token; nil means the chain
	// NewCredential builds for the registry.
	Credential azcore.TokenCredential
	// HTTPClient makes the registry calls; nil means a client with
	// timeouts that uses the proxy from the environment. Its redirect
	// policy is replaced: Renew follows no redirect.
	HTTPClient *http.Client
	// Timeout bounds the whole renewal; 0 means DefaultTimeout.
	Timeout time.Duration
}

// ErrNoIdentity is returned, wrapped, when the environment holds no Azure
// identity to renew with. The error also wraps azidentity's
// credential-unavailable error when there is one, whose text says what
// was looked for.
var ErrNoIdentity = errors.New("no Azure identity in the environment")

// ErrForeignRealm is returned, wrapped, when the registry's challenge
// names a token realm on another host. Nothing is sent there.
var ErrForeignRealm = errors.New("the token realm is not on the registry host")

// ErrBadToken is returned, wrapped, when the registry's refresh token is
// not one Docker can use: undecodable, for another registry, or expired.
var ErrBadToken = errors.New("the registry issued an unusable refresh token")

// ExchangeError is the registry refusing: an answer other than the one
// expected to GET /v2/ or POST /oauth2/exchange.
type ExchangeError struct {
	Method string // "GET" or "POST"
	URL    string // no query, no secret
	Status int
	// Code and Message are the first entry of ACR's error body, or Message
	// is the start of the body when it is not ACR's JSON: one line each,
	// cut short.
	Code    string
	Message string
}

func (e *ExchangeError) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.URL, e.Status, msg)
}

// IdentityError is Azure AD refusing the identity: an unknown application,
// a wrong or expired secret, a bad federated token.
type IdentityError struct {
	Status int    // 0 when there was no HTTP answer
	Code   string // AADSTS code, "AADSTS700016", when Azure AD gave one
	// Message is the first line of Azure AD's error_description, or of the
	// credential's error when there was no answer.
	Message string
	Err     error // azidentity's *AuthenticationFailedError
}

func (e *IdentityError) Error() string {
	if e.Status == 0 {
		return "Azure AD refused the identity: " + e.Message
	}
	return fmt.Sprintf("Azure AD refused the identity (%d): %s", e.Status, e.Message)
}

func (e *IdentityError) Unwrap() error { return e.Err }

// Renew gets a fresh refresh token for the registry host ("myreg.azurecr.io")
// as the steps in the package comment describe. It returns the token and
// its decoded claims. When the registry's token fails the checks, the error
// wraps ErrBadToken and tok is still returned, for the caller to describe;
// refresh is then empty.
//
// Errors: ErrNoIdentity, *IdentityError (Azure AD refused),
// ErrForeignRealm, *ExchangeError (the registry refused), ErrBadToken, and
// network and context errors, wrapped.
func (r *Renewer) Renew(ctx context.Context, host string) (refresh string, tok *token.Token, err error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.ContainsAny(host, "/ @") {
		return "", nil, fmt.Errorf("renew: %q is not a registry host", host)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cred := r.Credential
	if cred == nil {
		if cred, err = NewCredential(host, nil); err != nil {
			return "", nil, err
		}
	}
	client := r.client()

	realm, service, err := challenge(ctx, client, host)
	if err != nil {
		return "", nil, err
	}
	exchangeURL := (&url.URL{Scheme: realm.Scheme, Host: realm.Host, Path: "/oauth2/exchange"}).String()

	for i, scope := range []string{ARMScope(host), ACRScope} {
		aad, err := aadToken(ctx, cred, scope)
		if err != nil {
			return "", nil, err
		}
		refresh, err = exchange(ctx, client, exchangeURL, service, aad)
		var xe *ExchangeError
		if i == 0 && errors.As(err, &xe) && xe.Status == http.StatusUnauthorized {
			continue // maybe authentication-as-arm is disabled: try ACR's audience
		}
		if err != nil {
			return "", nil, err
		}
		break
	}
	tok, err = check(refresh, host, time.Now())
	if err != nil {
		return "", tok, err
	}
	return refresh, tok, nil
}

// ARMScope is the scope of Azure Resource Manager's audience in the cloud
// of host: public, unless the suffix is .azurecr.cn or .azurecr.us.
func ARMScope(host string) string {
	aud := azcloud.ForHost(host).Services[cloud.ResourceManager].Audience
	return strings.TrimSuffix(aud, "/") + "/.default"
}

func (r *Renewer) client() *http.Client {
	var c http.Client
	if r.HTTPClient != nil {
		c = *r.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone() // ProxyFromEnvironment, dial and TLS timeouts
		t.ResponseHeaderTimeout = 15 * time.Second
		c.Transport = t
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// challenge gets the registry's Bearer challenge and checks that its realm
// is on the registry host.
func challenge(ctx context.Context, c *http.Client, host string) (*url.URL, string, error) {
	u := "https://" + host + "/v2/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fmt.Errorf("renew: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("renew: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return nil, "", fmt.Errorf("renew: GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		return nil, "", refusal(http.MethodGet, u, resp.StatusCode, body)
	}
	realm, service, err := probe.BearerRealm(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return nil, "", fmt.Errorf("renew: GET %s: the challenge: %w", u, err)
	}
	// The same rule as the probe's: the Azure AD token goes to the realm
	// only if it is https://<host>:443.
	if err := probe.CredentialDestination(host, realm); err != nil {
		return nil, "", fmt.Errorf("renew: %s names the realm %w: %w", host, err, ErrForeignRealm)
	}
	if service == "" {
		service = host
	}
	return realm, service, nil
}

// aadToken gets an Azure AD access token for scope and sorts its errors.
func aadToken(ctx context.Context, cred azcore.TokenCredential, scope string) (string, error) {
	at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err == nil {
		return at.Token, nil
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("renew: getting an Azure AD token: %w", ctx.Err())
	}
	if cli := CLILoginError(err); cli != nil {
		return "", cli
	}
	if ie := AsIdentityError(err); ie != nil {
		return "", ie
	}
	// What is neither a refusal nor the context is azidentity saying the
	// credential cannot try: no environment, no az login, no IMDS.
	var unavailable interface{ NonRetriable() }
	if errors.As(err, &unavailable) {
		return "", fmt.Errorf("renew: %w: %w", ErrNoIdentity, err)
	}
	return "", fmt.Errorf("renew: getting an Azure AD token: %w", err)
}

// exchange posts the AAD token to the registry and returns its refresh token.
func exchange(ctx context.Context, c *http.Client, u, service, aad string) (string, error) {
	form := url.Values{
		"grant_type":   {"access_token"},
		"service":      {service},
		"access_token": {aad},
	}
	if t, err := token.Decode(aad); err == nil && t.Claims.Tenant != "" {
		form.Set("tenant", t.Claims.Tenant)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("renew: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("renew: POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return "", fmt.Errorf("renew: POST %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", refusal(http.MethodPost, u, resp.StatusCode, body)
	}
	var answer struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.RefreshToken == "" {
		return "", fmt.Errorf("renew: POST %s: the answer holds no refresh_token: %w", u, ErrBadToken)
	}
	return answer.RefreshToken, nil
}

// check decodes the refresh token and checks it is for host and unexpired.
func check(refresh, host string, now time.Time) (*token.Token, error) {
	tok, err := token.Decode(refresh)
	if err != nil {
		return nil, fmt.Errorf("renew: %w: %w", ErrBadToken, err)
	}
	switch {
	case !tok.Claims.HasAudience(host):
		return tok, fmt.Errorf("renew: %w: it is for %s, not %s", ErrBadToken, strings.Join(tok.Claims.Audience, ", "), host)
	case tok.Expired(now):
		return tok, fmt.Errorf("renew: %w: it expired at %s, as issued", ErrBadToken, tok.Claims.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return tok, nil
}

func readBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("the answer is larger than %d KiB", maxBody>>10)
	}
	return b, nil
}

// refusal makes an ExchangeError from an answer's status and body.
func refusal(method, u string, status int, body []byte) *ExchangeError {
	e := &ExchangeError{Method: method, URL: u, Status: status}
	var acr struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &acr) == nil && len(acr.Errors) > 0 {
		e.Code, e.Message = errorLine(acr.Errors[0].Code, 200), errorLine(acr.Errors[0].Message, 200)
		return e
	}
	e.Message = errorLine(string(body), 200)
	return e
}

// errorLine is the line of s that says what failed (termsafe.ErrorLine),
// cut to n bytes and whole runes.
func errorLine(s string, n int) string {
	s = termsafe.ErrorLine(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
