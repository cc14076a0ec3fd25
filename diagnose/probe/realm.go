package probe

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/challenge"
)

// BearerRealm reads the token realm and service from a 401's
// WWW-Authenticate headers as Docker can use them: a Bearer challenge
// whose realm is a quoted absolute https URL. Docker's parser reads an
// unquoted value only up to the first character that cannot be in an
// HTTP token, so an unquoted URL realm ("realm=https://…") breaks Docker's
// login; it is refused here too, so that check agrees with Docker. A realm
// that no credential may go to (see CredentialDestination) is refused with
// a wrapped *RefusedError.
func BearerRealm(headers []string) (*url.URL, string, error) {
	cs, err := challenge.Parse(headers...)
	b, ok := challenge.Bearer(cs)
	switch {
	case !ok && err != nil:
		return nil, "", err
	case !ok:
		return nil, "", errors.New("there is no Bearer challenge")
	}
	raw := b.Param("realm")
	if raw == "" {
		return nil, "", errors.New("the Bearer challenge names no realm")
	}
	if !quotedRealm(headers) {
		return nil, "", fmt.Errorf("the realm %q is not a quoted string, and Docker reads an unquoted realm only up to the first ':'", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("the realm %w", &RefusedError{URL: strconv.Quote(raw), Reason: "it does not parse as a URL"})
	}
	// What no registry's credential may go to is refused here, before
	// anyone reads the host; CredentialDestination adds the host.
	if err := credentialURL(u); err != nil {
		return nil, "", fmt.Errorf("the realm %w", err)
	}
	return u, b.Param("service"), nil
}

func quotedRealm(headers []string) bool {
	for _, h := range headers {
		if strings.Contains(strings.ToLower(h), `realm="`) {
			return true
		}
	}
	return false
}
