// Package azcloud picks the Azure cloud a registry lives in: the Azure AD
// authority, Azure Resource Manager's endpoint and audience, and the Log
// Analytics query API, as azcore's cloud.Configuration.
//
// The login server's suffix names one of the three public clouds
// (.azurecr.io, .azurecr.cn, .azurecr.us). A custom or air-gapped cloud
// is described by ARM's metadata document, found where the Azure CLI and
// Terraform look for it: ARM_CLOUD_METADATA_URL.
package azcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	// Registers Azure Resource Manager's endpoint and audience in the
	// three clouds' configurations.
	_ "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// LogAnalytics is the service name of the Log Analytics query API in a
// cloud.Configuration, as azlogs reads it.
const LogAnalytics = azlogs.ServiceName

// MetadataEnv names the URL of ARM's cloud metadata document.
const MetadataEnv = "ARM_CLOUD_METADATA_URL"

// maxMetadata caps the metadata document; the real one is about 5 KiB.
const maxMetadata = 1 << 20

// ForHost is the configuration of host's cloud: China for .azurecr.cn, US
// Government for .azurecr.us, else public. The result is a copy the
// caller may change.
func ForHost(host string) cloud.Configuration {
	c := cloud.AzurePublic
	if s, ok := loginserver.Parse(host); ok {
		switch s.Cloud {
		case loginserver.AzureChinaCloud:
			c = cloud.AzureChina
		case loginserver.AzureUSGovernment:
			c = cloud.AzureGovernment
		}
	}
	services := make(map[cloud.ServiceName]cloud.ServiceConfiguration, len(c.Services))
	for k, v := range c.Services {
		services[k] = v
	}
	c.Services = services
	return c
}

// Resolve is ForHost, or, when getenv(MetadataEnv) names a metadata
// document, the cloud it describes whose ACR suffix is host's (or its
// only cloud). AZURE_AUTHORITY_HOST, as azidentity reads it, overrides
// the Azure AD authority either way.
func Resolve(ctx context.Context, host string, client *http.Client, getenv func(string) string) (cloud.Configuration, error) {
	c := ForHost(host)
	if u := getenv(MetadataEnv); u != "" {
		var err error
		if c, err = fromMetadata(ctx, client, u, host); err != nil {
			return c, err
		}
	}
	if a := getenv("AZURE_AUTHORITY_HOST"); a != "" {
		c.ActiveDirectoryAuthorityHost = a
	}
	return c, nil
}

// metadata is the part of ARM's cloud metadata document read here.
type metadata struct {
	Name            string `json:"name"`
	ResourceManager string `json:"resourceManager"`
	Authentication  struct {
		LoginEndpoint string   `json:"loginEndpoint"`
		Audiences     []string `json:"audiences"`
	} `json:"authentication"`
	Suffixes struct {
		ACRLoginServer string `json:"acrLoginServer"`
	} `json:"suffixes"`
	LogAnalyticsResourceID string `json:"logAnalyticsResourceId"`
	// LogAnalytics is the query API's endpoint where it differs from its
	// resource ID.
	LogAnalytics string `json:"logAnalytics"`
}

func fromMetadata(ctx context.Context, client *http.Client, u, host string) (cloud.Configuration, error) {
	fail := func(format string, a ...any) (cloud.Configuration, error) {
		return cloud.Configuration{}, fmt.Errorf("azcloud: %s %s: %s", MetadataEnv, u, fmt.Sprintf(format, a...))
	}
	if !strings.HasPrefix(u, "https://") {
		return fail("not an https URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fail("%v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err != nil {
		return fail("%v", err)
	}
	if len(body) > maxMetadata {
		return fail("the document is larger than %d KiB", maxMetadata>>10)
	}
	c, err := parseMetadata(body, host)
	if err != nil {
		return fail("%v", err)
	}
	return c, nil
}

// parseMetadata reads the cloud of host out of a metadata document: the
// one whose ACR suffix is host's, or the document's only cloud.
func parseMetadata(body []byte, host string) (cloud.Configuration, error) {
	var clouds []metadata
	if err := json.Unmarshal(body, &clouds); err != nil {
		var one metadata // some stacks answer one object, not a list
		if json.Unmarshal(body, &one) != nil {
			return cloud.Configuration{}, fmt.Errorf("not a cloud metadata document: %w", err)
		}
		clouds = []metadata{one}
	}
	var m *metadata
	for i := range clouds {
		suffix := strings.Trim(clouds[i].Suffixes.ACRLoginServer, ".")
		if suffix != "" && strings.HasSuffix(strings.ToLower(host), "."+strings.ToLower(suffix)) {
			m = &clouds[i]
			break
		}
	}
	if m == nil && len(clouds) == 1 {
		m = &clouds[0]
	}
	switch {
	case m == nil:
		return cloud.Configuration{}, fmt.Errorf("no cloud in it has the ACR suffix of %s", host)
	case m.ResourceManager == "" || m.Authentication.LoginEndpoint == "" || len(m.Authentication.Audiences) == 0:
		return cloud.Configuration{}, fmt.Errorf("cloud %q lacks resourceManager or authentication", m.Name)
	}
	// Tokens go to these endpoints: never over plain HTTP.
	for _, e := range []string{m.ResourceManager, m.Authentication.LoginEndpoint, m.LogAnalytics, m.LogAnalyticsResourceID} {
		if u, err := url.Parse(e); e != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
			return cloud.Configuration{}, fmt.Errorf("cloud %q: %q is not an https URL", m.Name, e)
		}
	}
	c := cloud.Configuration{
		ActiveDirectoryAuthorityHost: m.Authentication.LoginEndpoint,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: m.ResourceManager, Audience: m.Authentication.Audiences[0]},
		},
	}
	if m.LogAnalyticsResourceID != "" {
		endpoint := m.LogAnalytics
		if endpoint == "" {
			endpoint = m.LogAnalyticsResourceID
		}
		c.Services[LogAnalytics] = cloud.ServiceConfiguration{Endpoint: endpoint, Audience: m.LogAnalyticsResourceID}
	}
	return c, nil
}
