package token

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// ErrNotJWT is matched by every error this package returns for input that
// is not a readable token.
var ErrNotJWT = errors.New("not a JWT")

// DecodeError says why a string is not a readable JWT. It never holds the
// string itself: the input may be a live credential, and errors end up in
// reports that people paste into issues.
type DecodeError struct {
	Reason string // what was wrong, e.g. "payload is not JSON"
	Err    error  // the underlying cause, if any
}

func (e *DecodeError) Error() string {
	if e.Err == nil {
		return "not a JWT: " + e.Reason
	}
	return "not a JWT: " + e.Reason + " (" + e.Err.Error() + ")"
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes every DecodeError match ErrNotJWT.
func (e *DecodeError) Is(target error) bool { return target == ErrNotJWT }

// acrIssuer is the `iss` of every ACR token.
const acrIssuer = "Azure Container Registry"

const redacted = "<redacted>"

// errBadLength is the cause when a segment's length cannot be base64url:
// 4n+1 characters encode no whole byte, which is what a cut-off token looks
// like.
var errBadLength = errors.New("its length is not that of any base64url string: truncated?")

// errInvalidType is the cause when a registered claim has the wrong type.
var errInvalidType = errors.New("invalid type for claim")

// Decode parses a compact JWS (header.payload.signature) without verifying
// it. s must be the token and nothing else, as Docker would send it; Extract
// cleans up pasted input. Errors are *DecodeError and match ErrNotJWT.
//
// Nothing is verified, so no JWT library is needed: the syntax pass names
// the damaged segment, then each segment is base64url- and JSON-decoded
// once. That keeps crypto/x509 and RSA out of the credential helper, which
// starts at every pull and push.
func Decode(s string) (*Token, error) {
	if err := checkSyntax(s); err != nil {
		return nil, err
	}
	header, rest, _ := strings.Cut(s, ".")
	payload, _, _ := strings.Cut(rest, ".")
	var hm, claims map[string]any
	if err := unmarshalSegment("header", header, &hm); err != nil {
		return nil, err
	}
	h := Header{
		Algorithm: stringOf(hm["alg"]),
		KeyID:     stringOf(hm["kid"]),
		Type:      stringOf(hm["typ"]),
	}
	if h.Algorithm == "" {
		// RFC 7515 §4.1.1: alg MUST be present.
		return nil, &DecodeError{Reason: "header has no alg"}
	}
	if err := unmarshalSegment("payload", payload, &claims); err != nil {
		return nil, err
	}
	c, err := readClaims(claims)
	if err != nil {
		return nil, err
	}
	redact(claims)
	bound(claims)
	return &Token{
		Kind:    kindOf(&c, claims),
		Header:  h,
		Claims:  c,
		Payload: claims,
		Size:    len(s),
	}, nil
}

// unmarshalSegment decodes one base64url segment that checkSyntax passed
// into a JSON object; JSON null, which Unmarshal takes, is not one.
func unmarshalSegment(name, seg string, m *map[string]any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return &DecodeError{Reason: name + " is not base64url", Err: err}
	}
	var typeErr *json.UnmarshalTypeError
	switch err := json.Unmarshal(b, m); {
	case errors.As(err, &typeErr), err == nil && *m == nil:
		return &DecodeError{Reason: name + " is not a JSON object"}
	case err != nil:
		// The decoder's message stays: "unexpected end of JSON input" says truncated.
		return &DecodeError{Reason: name + " is not JSON", Err: err}
	}
	return nil
}

// checkSyntax finds what the JWT library would only call malformed: the
// wrong number of segments, whitespace from a line-wrapped paste, a cut-off
// or non-base64url segment.
func checkSyntax(s string) error {
	if s == "" {
		return &DecodeError{Reason: "empty"}
	}
	if len(s) > MaxSize {
		return &DecodeError{Reason: fmt.Sprintf("%d bytes long, more than any real token (at most %d)", len(s), MaxSize)}
	}
	switch n := strings.Count(s, "."); n {
	case 2:
	case 4:
		return &DecodeError{Reason: "five dot-separated segments: an encrypted JWT (JWE), unreadable without its key"}
	default:
		return &DecodeError{Reason: fmt.Sprintf("not three dot-separated segments (found %d)", n+1)}
	}
	header, rest, _ := strings.Cut(s, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	if err := checkSegment("header", header); err != nil {
		return err
	}
	if err := checkSegment("payload", payload); err != nil {
		return err
	}
	return checkSegment("signature", sig)
}

func checkSegment(name, seg string) error {
	if seg == "" {
		if name == "signature" {
			return nil // an unsecured JWT (alg "none") has none
		}
		return &DecodeError{Reason: name + " is empty"}
	}
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case isBase64URL(c):
		case isSpace(c):
			return &DecodeError{Reason: "contains whitespace: line-wrapped or pasted with spaces?"}
		default:
			return &DecodeError{Reason: name + " is not base64url", Err: base64.CorruptInputError(i)}
		}
	}
	if len(seg)%4 == 1 {
		return &DecodeError{Reason: name + " is not base64url", Err: errBadLength}
	}
	return nil
}

// isSpace reports whether c is white space that a paste or a line wrap
// puts into a token.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// LooksLikeJWT is a cheap syntactic test that tells a token from a password
// without decoding it: three base64url segments, the first starting "eyJ"
// (`{"` encoded), the second not empty.
func LooksLikeJWT(s string) bool {
	if !strings.HasPrefix(s, "eyJ") {
		return false
	}
	header, rest, ok := strings.Cut(s, ".")
	if !ok {
		return false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || payload == "" {
		return false
	}
	return allBase64URL(header) && allBase64URL(payload) && allBase64URL(sig)
}

func allBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	return true
}

// readClaims picks the claims a diagnosis needs out of the decoded payload.
// The registered claims (RFC 7519 §4.1) must have their registered types,
// as a registry would insist; the others are read if they have the
// expected type and ignored otherwise.
func readClaims(m map[string]any) (Claims, error) {
	var c Claims
	var err error
	if c.Issuer, err = stringClaim(m, "iss"); err != nil {
		return c, err
	}
	if c.Subject, err = stringClaim(m, "sub"); err != nil {
		return c, err
	}
	if c.JWTID, err = stringClaim(m, "jti"); err != nil {
		return c, err
	}
	if c.Audience, err = audience(m); err != nil {
		return c, err
	}
	if c.IssuedAt, err = timeClaim(m, "iat"); err != nil {
		return c, err
	}
	if c.NotBefore, err = timeClaim(m, "nbf"); err != nil {
		return c, err
	}
	if c.ExpiresAt, err = timeClaim(m, "exp"); err != nil {
		return c, err
	}
	c.Tenant = first(m, "tenant", "tid")
	c.GrantType = stringOf(m["grant_type"])
	c.Version = first(m, "version", "ver")
	c.AppID = first(m, "appid", "azp")
	c.ObjectID = stringOf(m["oid"])
	c.Name = first(m, "upn", "unique_name", "preferred_username", "email")
	c.Scope = stringOf(m["scp"])
	c.Roles = stringList(m["roles"])
	if p, ok := lookupFold(m, "permissions"); ok {
		if p, ok := p.(map[string]any); ok {
			actions, _ := lookupFold(p, "actions")
			notActions, _ := lookupFold(p, "notActions")
			c.Permissions = &Permissions{Actions: stringList(actions), NotActions: stringList(notActions)}
		}
	}
	if list, ok := m["access"].([]any); ok {
		c.Access = make([]Access, 0, len(list))
		for _, e := range list {
			o, ok := e.(map[string]any)
			if !ok {
				continue
			}
			actions, _ := lookupFold(o, "actions")
			c.Access = append(c.Access, Access{
				Type:    stringOf(o["type"]),
				Name:    stringOf(o["name"]),
				Actions: stringList(actions),
			})
		}
	}
	return c, nil
}

func claimError(key, want string) error {
	return &DecodeError{Reason: fmt.Sprintf("claim %q is not %s", key, want), Err: errInvalidType}
}

func stringClaim(m map[string]any, key string) (string, error) {
	switch v := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", claimError(key, "a string")
}

func audience(m map[string]any) ([]string, error) {
	switch v := m["aud"].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return []string{v}, nil
	case []any:
		aud := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, claimError("aud", "a string or an array of strings")
			}
			aud = append(aud, s)
		}
		return aud, nil
	}
	return nil, claimError("aud", "a string or an array of strings")
}

// NumericDates that time.Time can render as JSON: years 1 to 9999. The
// zero time itself is left out, since it means "absent".
const (
	minUnix = -62135596800 + 1
	maxUnix = 253402300799
)

// timeClaim reads a NumericDate: seconds since the epoch, possibly
// fractional. Unlike jwt's own reader it keeps the fraction and reads 0 as
// 1970, not as absent.
func timeClaim(m map[string]any, key string) (time.Time, error) {
	switch v := m[key].(type) {
	case nil:
		return time.Time{}, nil
	case float64:
		if v < minUnix || v > maxUnix {
			return time.Time{}, claimError(key, "a date between the years 1 and 9999")
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	return time.Time{}, claimError(key, "a number")
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// first is the first of keys with a non-empty string value.
func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := stringOf(m[k]); s != "" {
			return s
		}
	}
	return ""
}

// stringList reads an array of strings, skipping other elements; a lone
// string is a list of one. null and other types are nil, and [] stays
// empty but not nil.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// lookupFold finds key in m ignoring case, preferring an exact match and
// otherwise the least key in byte order, so the result does not depend on
// map iteration order.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	var keys []string
	for k := range m {
		if strings.EqualFold(k, key) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, false
	}
	return m[slices.Min(keys)], true
}

func kindOf(c *Claims, m map[string]any) Kind {
	switch {
	case strings.EqualFold(strings.TrimSpace(c.Issuer), acrIssuer):
		// ACR issues two kinds; anything not a refresh token is an access
		// token, whatever grant produced it (refresh, password, anonymous).
		switch c.GrantType {
		case "refresh_token", "access_token_refresh_token":
			return RefreshToken
		case "":
			if c.Permissions != nil && c.Access == nil {
				return RefreshToken
			}
		}
		return AccessToken
	case isAADIssuer(c.Issuer), stringOf(m["tid"]) != "" && stringOf(m["oid"]) != "":
		return AADToken
	}
	return OtherJWT
}

// isAADIssuer recognises the Azure AD authorities of every cloud, v1
// (https://sts.windows.net/<tid>/) and v2 (https://login.microsoftonline.com/<tid>/v2.0).
func isAADIssuer(iss string) bool {
	rest, ok := strings.CutPrefix(iss, "https://")
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "/")
	switch strings.ToLower(host) {
	case "sts.windows.net", "login.microsoftonline.com", "login.windows.net", "login.microsoft.com", // public
		"sts.chinacloudapi.cn", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn", // China (21Vianet)
		"login.microsoftonline.us", "login-us.microsoftonline.com", // US Government
		"login.microsoftonline.de": // Germany (retired)
		return true
	}
	return false
}

// redact replaces, in place, claims that carry a secret: `credential` (the
// 2017 ACR refresh token's AAD refresh token, which the old
// acr-docker-credential-helper re-exchanged) and, at any depth, any string
// that is itself a JWT, since that is a bearer token of its own.
func redact(m map[string]any) {
	for k, v := range m {
		if strings.EqualFold(k, "credential") {
			m[k] = redacted
			continue
		}
		if r, changed := redactValue(v); changed {
			m[k] = r
		}
	}
}

func redactValue(v any) (any, bool) {
	switch v := v.(type) {
	case string:
		if LooksLikeJWT(v) {
			return redacted, true
		}
	case map[string]any:
		redact(v)
	case []any:
		for i, e := range v {
			if r, changed := redactValue(e); changed {
				v[i] = r
			}
		}
	}
	return v, false
}

// MaxSize is the longest string Decode reads as a token. ACR's tokens are
// 1–3 KB; Azure AD's, with group claims, stay under 16 KB.
const MaxSize = 64 << 10

// Bounds on what Payload keeps. A real token is a few KB of flat claims;
// one built deep or wide must not make a report of hundreds of MB, or
// JSON that a reader's decoder refuses, and it degrades only its own entry.
const (
	maxClaimDepth  = 16
	maxClaimValues = 1000
	maxClaimString = 4096
)

// tooDeep stands in for a value nested past maxClaimDepth.
const tooDeep = "<omitted: nested too deep>"

// bound cuts, in place, values nested deeper than maxClaimDepth, values
// past the first maxClaimValues (keys taken in order, so that the same
// token always shows the same), and strings longer than maxClaimString.
func bound(m map[string]any) {
	budget := maxClaimValues
	boundValue(m, 0, &budget)
}

func boundValue(v any, depth int, budget *int) any {
	*budget--
	switch v := v.(type) {
	case string:
		if len(v) > maxClaimString {
			return strings.ToValidUTF8(v[:maxClaimString], "") + "…"
		}
	case map[string]any:
		if depth >= maxClaimDepth {
			return tooDeep
		}
		keys := slices.Sorted(maps.Keys(v))
		for i, k := range keys {
			if *budget <= 0 {
				for _, k := range keys[i:] {
					delete(v, k)
				}
				v["…"] = fmt.Sprintf("<omitted: %d more claims>", len(keys)-i)
				break
			}
			v[k] = boundValue(v[k], depth+1, budget)
		}
	case []any:
		if depth >= maxClaimDepth {
			return tooDeep
		}
		for i, e := range v {
			if *budget <= 0 {
				return append(v[:i], fmt.Sprintf("<omitted: %d more values>", len(v)-i))
			}
			v[i] = boundValue(e, depth+1, budget)
		}
	}
	return v
}

// CheckSignature says why the signature of s, decoded as t, cannot be its
// key's: one signed with RSA (RS256 and the like, as ACR's and Azure AD's
// tokens are) whose signature is not the length of an RSA key's, empty
// included. A token cut short in a store loses its end first. The
// signature itself is not verified: nil says only that its length fits.
func CheckSignature(s string, t *Token) error {
	alg := t.Header.Algorithm
	if !strings.HasPrefix(alg, "RS") && !strings.HasPrefix(alg, "PS") {
		return nil
	}
	sig := s[strings.LastIndexByte(s, '.')+1:]
	switch n := base64.RawURLEncoding.DecodedLen(len(sig)); n {
	case 128, 256, 384, 512: // 1024- to 4096-bit keys
		return nil
	default:
		return &DecodeError{Reason: fmt.Sprintf("its %s signature is %d bytes, not that of an RSA key: cut short or altered", alg, n)}
	}
}
