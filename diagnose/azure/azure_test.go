package azure

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// staticCredential hands out a token and records the scopes asked for.
type staticCredential struct {
	mu     sync.Mutex
	scopes []string
}

func (c *staticCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, o.Scopes...)
	return azcore.AccessToken{Token: "not-a-jwt", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// hosts records where requests go, and refuses them all.
type hosts struct {
	mu   sync.Mutex
	seen []string
}

func (h *hosts) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, r.URL.Host)
	return nil, errors.New("offline")
}

// TestSovereignClouds: the ARM endpoint and the token's audience come from
// azcore's configuration of the login server's cloud.
func TestSovereignClouds(t *testing.T) {
	for host, want := range map[string][2]string{
		"myreg.azurecr.io": {"management.azure.com", "https://management.core.windows.net//.default"},
		"myreg.azurecr.cn": {"management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn//.default"},
		"myreg.azurecr.us": {"management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net//.default"},
	} {
		t.Run(host, func(t *testing.T) {
			cred, tr := &staticCredential{}, &hosts{}
			in := &Inspector{Credential: cred, Transport: tr, Getenv: func(string) string { return "" }}
			got := in.Inspect(context.Background(), host)
			if len(got.Unseen) != 1 || !strings.Contains(got.Unseen[0].Why, "offline") {
				t.Fatalf("unseen %+v", got.Unseen)
			}
			if len(tr.seen) == 0 || tr.seen[0] != want[0] {
				t.Errorf("requests went to %v, want %s", tr.seen, want[0])
			}
			if len(cred.scopes) == 0 || cred.scopes[0] != want[1] {
				t.Errorf("scopes %v, want %s", cred.scopes, want[1])
			}
		})
	}
}
