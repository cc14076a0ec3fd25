package token_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

func ExampleDecode() {
	issued := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	stored := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", "tenant", issued, "read", "write"))

	tok, err := token.Decode(stored)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := issued.Add(4 * time.Hour)
	fmt.Println(tok.Kind, tok.Claims.Audience, tok.Claims.Permissions.Actions)
	fmt.Println("lasts", token.Humanize(tok.Lifetime()))
	if tok.Expired(now) {
		fmt.Println("expired", token.Humanize(now.Sub(tok.Claims.ExpiresAt)), "ago")
	}

	_, err = token.Decode(stored[:len(stored)/2])
	fmt.Println(err, errors.Is(err, token.ErrNotJWT))
	// Output:
	// refresh_token [myreg.azurecr.io] [read write]
	// lasts 3h15m
	// expired 45m ago
	// not a JWT: not three dot-separated segments (found 2) true
}

func ExampleExtract() {
	issued := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	refresh := tokentest.Default().Sign(tokentest.ACRRefresh("myreg.azurecr.io", "alice@contoso.com", "tenant", issued))
	// What `az acr login -n myreg --expose-token` prints.
	printed := fmt.Sprintf("{\n  \"accessToken\": %q,\n  \"loginServer\": \"myreg.azurecr.io\"\n}\n", refresh)

	raw, server, err := token.Extract([]byte(printed))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := token.Decode(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(server, tok.Kind, tok.Claims.HasAudience(server))
	// Output:
	// myreg.azurecr.io refresh_token true
}
