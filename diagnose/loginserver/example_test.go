package loginserver_test

import (
	"fmt"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

func ExampleCheck() {
	problems, acr := loginserver.Check("MyReg.azurecr.io:443/v2/")
	fmt.Println("ACR:", acr)
	for _, p := range problems {
		fmt.Println(p.Code, "->", p.Suggest)
	}
	// Output:
	// ACR: true
	// path -> myreg.azurecr.io
	// port -> myreg.azurecr.io
	// upper_case -> myreg.azurecr.io
}

func ExampleParse() {
	s, ok := loginserver.Parse("acragenticainova-dad4auhga8feekaq.westeurope.geo.azurecr.io")
	fmt.Println(ok, s.Name, s.Region, s.Endpoint, s.Cloud, s.LoginServer())
	// Output:
	// true acragenticainova westeurope regional AzureCloud acragenticainova-dad4auhga8feekaq.azurecr.io
}
