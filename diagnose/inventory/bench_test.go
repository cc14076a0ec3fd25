package inventory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// BenchmarkTake1000 is the offline inventory over a config.json with 1,000
// file-stored entries: refresh tokens (decoded), admin users, service
// principals, and registries that are not ACR.
func BenchmarkTake1000(b *testing.B) {
	s := tokentest.Default()
	auths := make(map[string]types.AuthConfig, 1000)
	for i := range 1000 {
		host := fmt.Sprintf("reg%04d.azurecr.io", i)
		switch i % 4 {
		case 0, 1:
			auths[host] = types.AuthConfig{Username: credkind.NullGUID, IdentityToken: s.Sign(tokentest.ACRRefresh(host, "alice@contoso.com", tenant, now.Add(-time.Duration(i)*time.Minute), "read", "write"))}
		case 2:
			auths[host] = types.AuthConfig{Username: fmt.Sprintf("reg%04d", i), Password: "admin-password"}
		default:
			auths[fmt.Sprintf("registry%04d.example.com", i)] = types.AuthConfig{Username: "user", Password: "pw"}
		}
	}
	store := &credstore.Store{Config: &credstore.Config{Filename: "config.json", Auths: auths}}
	b.ReportAllocs()
	for b.Loop() {
		rep := Take(context.Background(), store, true, now)
		if len(rep.Credentials) != 1000 {
			b.Fatalf("%d credentials", len(rep.Credentials))
		}
	}
}
