package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// Extract pulls a token out of what a user pastes:
//
//   - a bare JWT, with surrounding whitespace and quotes trimmed and an
//     optional "Authorization:" and "Bearer " in front;
//   - the JSON that `az acr login --expose-token` prints,
//     {"accessToken":"eyJ…","loginServer":"x.azurecr.io"}, which newer CLIs
//     extend with "refreshToken" and "username". Despite its name the
//     accessToken is an ACR refresh token (Azure/azure-cli#31091);
//   - the same shapes from neighbouring tools: `az account get-access-token`
//     (accessToken), a config.json auth entry (identitytoken) and a
//     credential helper's `get` answer ({"ServerURL":…,"Secret":…}).
//
// It returns the token and, from JSON, the login server. A bare string is
// returned as found, for Decode to say what is wrong with it; JSON must
// hold a JWT. Errors are *DecodeError and match ErrNotJWT.
func Extract(input []byte) (tok, loginServer string, err error) {
	b := bytes.TrimSpace(bytes.TrimPrefix(input, []byte("\uFEFF")))
	if len(b) == 0 {
		return "", "", &DecodeError{Reason: "the input is empty"}
	}
	if b[0] == '{' {
		return fromJSON(b)
	}
	s := unquote(string(b))
	s = trimPrefixFold(s, "Authorization:")
	s = trimWordFold(s, "Bearer")
	if s == "" {
		return "", "", &DecodeError{Reason: "the input holds no token"}
	}
	return s, "", nil
}

// tokenDoc is every JSON shape Extract knows. Field names match
// case-insensitively, as encoding/json does.
type tokenDoc struct {
	LoginServer   string `json:"loginServer"`
	ServerURL     string `json:"ServerURL"`
	RefreshToken  string `json:"refreshToken"`
	AccessToken   string `json:"accessToken"`
	IdentityToken string `json:"identitytoken"`
	Secret        string `json:"Secret"`
}

func fromJSON(b []byte) (tok, loginServer string, err error) {
	var doc tokenDoc
	// A field of another type is skipped, and the rest still decoded: only
	// broken JSON is an error.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(b, &doc); err != nil && !errors.As(err, &typeErr) {
		return "", "", &DecodeError{Reason: "the input starts with { but is not JSON", Err: err}
	}
	loginServer = strings.TrimSpace(doc.LoginServer)
	if loginServer == "" {
		loginServer = strings.TrimSpace(doc.ServerURL)
	}
	// refreshToken first: it is the field's true name where both exist.
	fields := [...]struct{ name, value string }{
		{"refreshToken", doc.RefreshToken},
		{"accessToken", doc.AccessToken},
		{"identitytoken", doc.IdentityToken},
		{"Secret", doc.Secret},
	}
	bad := ""
	for _, f := range fields {
		v := strings.TrimSpace(f.value)
		if LooksLikeJWT(v) {
			return v, loginServer, nil
		}
		if v != "" && bad == "" {
			bad = f.name
		}
	}
	if bad != "" {
		return "", loginServer, &DecodeError{Reason: "the " + bad + " field of the JSON does not hold a JWT"}
	}
	return "", loginServer, &DecodeError{Reason: "the JSON has no accessToken or refreshToken field"}
}

// unquote strips one pair of matching quotes, as left by copying a JSON
// string or a shell argument.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// trimWordFold is trimPrefixFold for a word that must be followed by
// whitespace or nothing.
func trimWordFold(s, word string) string {
	if len(s) > len(word) && s[len(word)] != ' ' && s[len(word)] != '\t' {
		return s
	}
	return trimPrefixFold(s, word)
}

func trimPrefixFold(s, prefix string) string {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):])
	}
	return s
}
