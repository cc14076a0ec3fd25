package azcloud

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

func TestForHost(t *testing.T) {
	for host, want := range map[string]string{
		"myreg.azurecr.io":        "https://management.azure.com",
		"myreg.azurecr.cn":        "https://management.chinacloudapi.cn",
		"myreg.azurecr.us":        "https://management.usgovcloudapi.net",
		"registry.example.com":    "https://management.azure.com",
		"MyReg.AzureCR.us":        "https://management.usgovcloudapi.net",
		"myreg-dnl123.azurecr.cn": "https://management.chinacloudapi.cn",
	} {
		c := ForHost(host)
		if got := c.Services[cloud.ResourceManager].Endpoint; got != want {
			t.Errorf("ForHost(%q) ARM = %q, want %q", host, got, want)
		}
		if _, ok := c.Services[LogAnalytics]; !ok {
			t.Errorf("ForHost(%q) has no Log Analytics endpoint", host)
		}
	}
	// A copy: changing it leaves azcore's configuration alone.
	c := ForHost("myreg.azurecr.io")
	c.Services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: "https://changed"}
	if cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint == "https://changed" {
		t.Fatal("ForHost returned azcore's own map")
	}
}

const stack = `[{"name":"AzureCloud","resourceManager":"https://management.azure.com/",
  "authentication":{"loginEndpoint":"https://login.microsoftonline.com/","audiences":["https://management.core.windows.net/"]},
  "suffixes":{"acrLoginServer":"azurecr.io"},"logAnalyticsResourceId":"https://api.loganalytics.io"},
 {"name":"AzureStack","resourceManager":"https://management.local.azurestack.external/",
  "authentication":{"loginEndpoint":"https://adfs.local.azurestack.external/adfs/","audiences":["https://management.adfs.azurestack.local/4c8b"]},
  "suffixes":{"acrLoginServer":"local.azurestack.external"},"logAnalyticsResourceId":"https://api.loganalytics.local","logAnalytics":"https://query.local"}]`

func TestResolve(t *testing.T) {
	var body string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body == "500" {
			http.Error(w, "boom", 500)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	meta := map[string]string{MetadataEnv: srv.URL + "/metadata/endpoints?api-version=2022-09-01"}

	tests := []struct {
		name, host, body string
		env              map[string]string
		wantARM, wantAAD string
		wantLogs         string
		wantErr          string
	}{
		{name: "no metadata: the suffix's cloud", host: "myreg.azurecr.us", env: map[string]string{},
			wantARM: "https://management.usgovcloudapi.net", wantAAD: cloud.AzureGovernment.ActiveDirectoryAuthorityHost},
		{name: "AZURE_AUTHORITY_HOST overrides", host: "myreg.azurecr.io", env: map[string]string{"AZURE_AUTHORITY_HOST": "https://login.example/"},
			wantARM: "https://management.azure.com", wantAAD: "https://login.example/"},
		{name: "metadata: the cloud whose suffix matches", host: "myreg.local.azurestack.external", body: stack, env: meta,
			wantARM: "https://management.local.azurestack.external/", wantAAD: "https://adfs.local.azurestack.external/adfs/", wantLogs: "https://query.local"},
		{name: "metadata: public entry", host: "myreg.azurecr.io", body: stack, env: meta,
			wantARM: "https://management.azure.com/", wantAAD: "https://login.microsoftonline.com/", wantLogs: "https://api.loganalytics.io"},
		{name: "metadata: no matching suffix among several", host: "myreg.azurecr.cn", body: stack, env: meta, wantErr: "no cloud in it has the ACR suffix"},
		{name: "metadata: one object", host: "x.example", body: `{"name":"c","resourceManager":"https://arm/","authentication":{"loginEndpoint":"https://aad/","audiences":["https://arm/"]}}`, env: meta,
			wantARM: "https://arm/", wantAAD: "https://aad/"},
		{name: "metadata: garbage", host: "myreg.azurecr.io", body: "<html>", env: meta, wantErr: "not a cloud metadata document"},
		{name: "metadata: incomplete", host: "myreg.azurecr.io", body: `[{"name":"x","suffixes":{"acrLoginServer":"azurecr.io"}}]`, env: meta, wantErr: "lacks resourceManager"},
		{name: "metadata: server error", host: "myreg.azurecr.io", body: "500", env: meta, wantErr: "answered 500"},
		{name: "metadata: huge", host: "myreg.azurecr.io", body: "[" + strings.Repeat(" ", 2<<20) + "]", env: meta, wantErr: "larger than"},
		{name: "metadata: plain http refused", host: "myreg.azurecr.io", env: map[string]string{MetadataEnv: "http://127.0.0.1:1/"}, wantErr: "not an https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body = tt.body
			c, err := Resolve(context.Background(), tt.host, srv.Client(), env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Services[cloud.ResourceManager].Endpoint; got != tt.wantARM {
				t.Errorf("ARM %q, want %q", got, tt.wantARM)
			}
			if c.ActiveDirectoryAuthorityHost != tt.wantAAD {
				t.Errorf("AAD %q, want %q", c.ActiveDirectoryAuthorityHost, tt.wantAAD)
			}
			if tt.wantLogs != "" && c.Services[LogAnalytics].Endpoint != tt.wantLogs {
				t.Errorf("Log Analytics %q, want %q", c.Services[LogAnalytics].Endpoint, tt.wantLogs)
			}
		})
	}
}

func TestMetadataRefusesPlainHTTP(t *testing.T) {
	for _, doc := range []string{
		`[{"name":"x","resourceManager":"http://arm/","authentication":{"loginEndpoint":"https://aad/","audiences":["a"]}}]`,
		`[{"name":"x","resourceManager":"https://arm/","authentication":{"loginEndpoint":"http://aad/","audiences":["a"]}}]`,
		`[{"name":"x","resourceManager":"https://arm/","authentication":{"loginEndpoint":"https://aad/","audiences":["a"]},"logAnalyticsResourceId":"http://logs"}]`,
		`[{"name":"x","resourceManager":"https:///nohost","authentication":{"loginEndpoint":"https://aad/","audiences":["a"]}}]`,
	} {
		if _, err := parseMetadata([]byte(doc), "x.azurecr.io"); err == nil || !strings.Contains(err.Error(), "not an https URL") {
			t.Errorf("%s: err = %v", doc, err)
		}
	}
}

// FuzzMetadata: any document either fails with an error or gives a cloud
// whose every endpoint is an https URL, and never panics.
func FuzzMetadata(f *testing.F) {
	f.Add([]byte(stack), "myreg.azurecr.io")
	f.Add([]byte(stack), "r.local.azurestack.external")
	f.Add([]byte(`{"name":"c","resourceManager":"https://arm/","authentication":{"loginEndpoint":"https://aad/","audiences":["https://arm/"]}}`), "x")
	f.Add([]byte(`[{}]`), "")
	f.Add([]byte(`null`), "a.b")
	f.Fuzz(func(t *testing.T, body []byte, host string) {
		c, err := parseMetadata(body, host)
		if err != nil {
			return
		}
		endpoints := []string{c.ActiveDirectoryAuthorityHost}
		for _, s := range c.Services {
			endpoints = append(endpoints, s.Endpoint)
		}
		for _, e := range endpoints {
			if u, err := url.Parse(e); err != nil || u.Scheme != "https" || u.Host == "" {
				t.Fatalf("endpoint %q from %q", e, body)
			}
		}
	})
}
