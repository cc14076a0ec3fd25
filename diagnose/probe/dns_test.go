package probe

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestNothingResolves: a registry name that is not found is checked
// against a name that exists; a resolver that finds neither is named.
func TestNothingResolves(t *testing.T) {
	notFound := func(host string) error { return &net.DNSError{Err: "no such host", Name: host, IsNotFound: true} }
	for _, tc := range []struct {
		name   string
		lookup func(host string) ([]net.IP, error)
		want   string
	}{
		{"the registry alone is missing", func(host string) ([]net.IP, error) {
			if host == "known.example" {
				return []net.IP{net.IPv4(192, 0, 2, 1)}, nil
			}
			return nil, notFound(host)
		}, ""},
		{"no name resolves", func(host string) ([]net.IP, error) { return nil, notFound(host) }, "known.example"},
		{"the resolver times out on the known name", func(host string) ([]net.IP, error) {
			if host == "known.example" {
				return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
			}
			return nil, notFound(host)
		}, "known.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := Run(context.Background(), "myreg.azurecr.io", Credential{Mode: "none"}, Secret{}, Options{
				StepTimeout: time.Second,
				KnownHost:   "known.example",
				Proxy:       func(*http.Request) (*url.URL, error) { return nil, nil },
				Lookup:      func(_ context.Context, host string) ([]net.IP, error) { return tc.lookup(host) },
			})
			if tr.DNS == nil || !tr.DNS.NotFound || !strings.HasPrefix(tr.DNS.NothingResolves, tc.want) || (tc.want == "") != (tr.DNS.NothingResolves == "") {
				t.Errorf("DNS %+v, want not found and NothingResolves %q", tr.DNS, tc.want)
			}
		})
	}
}
