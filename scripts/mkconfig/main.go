// Command mkconfig writes a Docker config.json with N file-stored entries,
// a realistic mix of ACR refresh tokens, admin users, service principals and
// registries that are not ACR, for benchmarks. Tokens are minted with a
// throwaway key; nothing in it is a real credential.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

func main() {
	n := flag.Int("n", 1000, "entries")
	flag.Parse()
	s := tokentest.Default()
	now := time.Now()
	guid := base64.StdEncoding.EncodeToString([]byte("00000000-0000-0000-0000-000000000000:"))
	auths := make(map[string]map[string]string, *n)
	for i := range *n {
		host := fmt.Sprintf("reg%05d.azurecr.io", i)
		switch i % 4 {
		case 0, 1:
			iat := now.Add(-time.Duration(i%240) * time.Minute)
			auths[host] = map[string]string{"auth": guid, "identitytoken": s.Sign(tokentest.ACRRefresh(host, "alice@contoso.com", "72f988bf-86f1-41af-91ab-2d7cd011db47", iat, "read", "write"))}
		case 2:
			auths[host] = map[string]string{"auth": base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "reg%05d:admin-password", i))}
		default:
			auths[fmt.Sprintf("registry%05d.example.com", i)] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("user:pw"))}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"auths": auths}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
