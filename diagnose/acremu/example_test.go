package acremu_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// A registry whose admin user may do anything and whose service principal
// may only pull, asked for a push token the way Docker asks.
func Example() {
	s, err := acremu.Start(acremu.Registry{
		Host:          "myreg.azurecr.io",
		AdminEnabled:  true,
		AdminPassword: "admin-secret",
		ServicePrincipals: map[string]acremu.Principal{
			"4f1c2a7e-5b3d-4e8f-9a06-1c2d3e4f5a6b": {Secret: "sp-secret", Actions: []string{"pull"}},
		},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	c := s.Client() // or HTTPS_PROXY=s.ProxyURL() SSL_CERT_FILE=s.CAFile() for other programs

	resp, err := c.Get("https://myreg.azurecr.io/v2/")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))

	for _, cred := range [][2]string{{"myreg", "admin-secret"}, {"4f1c2a7e-5b3d-4e8f-9a06-1c2d3e4f5a6b", "sp-secret"}} {
		req, _ := http.NewRequest("GET", "https://myreg.azurecr.io/oauth2/token?service=myreg.azurecr.io&scope=repository:hello-world:pull,push", nil)
		req.SetBasicAuth(cred[0], cred[1])
		resp, err := c.Do(req)
		if err != nil {
			panic(err)
		}
		var body struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		tok, err := token.Decode(body.AccessToken)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %v\n", tok.Claims.Subject, tok.Claims.Access)
	}
	// Output:
	// 401 Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"
	// myreg: [{repository hello-world [pull push]}]
	// 4f1c2a7e-5b3d-4e8f-9a06-1c2d3e4f5a6b: [{repository hello-world [pull]}]
}
