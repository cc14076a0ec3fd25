package challenge_test

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/acr-doctor/acr-doctor/diagnose/challenge"
)

func ExampleParse() {
	// What ACR answers an anonymous push with.
	h := http.Header{}
	h.Add("WWW-Authenticate", `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="repository:my/repo:pull,push"`)

	cs, err := challenge.Parse(h.Values("WWW-Authenticate")...)
	if err != nil {
		fmt.Println(err)
		return
	}
	if c, ok := challenge.Bearer(cs); ok {
		fmt.Println(c.Param("realm"))
		fmt.Println(c.Param("service"))
		fmt.Println(c.Param("scope"))
	}
	// Output:
	// https://myreg.azurecr.io/oauth2/token
	// myreg.azurecr.io
	// repository:my/repo:pull,push
}

func ExampleError() {
	// A Basic challenge, then a Bearer challenge cut off by a proxy.
	cs, err := challenge.Parse(
		`Basic realm="Azure Container Registry"`,
		`Bearer realm="https://myreg.azurecr.io/oauth2/token`,
	)
	fmt.Println(len(cs), cs[0].Scheme)
	fmt.Println(err)
	if e, ok := errors.AsType[*challenge.Error](err); ok {
		fmt.Println(e.Line, e.Offset, e.Reason)
	}
	// Output:
	// 1 Basic
	// malformed WWW-Authenticate[1] at byte 13: quoted string has no closing quote
	// 1 13 quoted string has no closing quote
}
