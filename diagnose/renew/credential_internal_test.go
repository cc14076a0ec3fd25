package renew

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestCredentials: the chain holds what the environment has, in order,
// and nothing else; AZURE_TOKEN_CREDENTIALS narrows it.
func TestCredentials(t *testing.T) {
	sp := []string{"AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", "s"}
	for _, tc := range []struct {
		name string
		env  []string
		az   bool
		want []string
	}{
		{"nothing", nil, false, nil},
		{"az alone", nil, true, []string{credCLI}},
		{"service principal", sp, false, []string{credEnvironment}},
		{"service principal and az", sp, true, []string{credEnvironment, credCLI}},
		{"certificate", []string{"AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_CERTIFICATE_PATH", "/c.pem"}, false, []string{credEnvironment}},
		{"client ID alone", []string{"AZURE_CLIENT_ID", "c"}, false, nil},
		{"secret without tenant", []string{"AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", "s"}, false, nil},
		{"workload identity", []string{"AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_FEDERATED_TOKEN_FILE", "/f"}, false, []string{credWorkload}},
		{"App Service", []string{"IDENTITY_ENDPOINT", "http://127.0.0.1:41234/msi/token"}, true, []string{credManaged, credCLI}},
		{"Cloud Shell", []string{"MSI_ENDPOINT", "http://localhost:50342/oauth2/token"}, false, []string{credManaged}},
		{"IMDS, opted in", []string{"AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential"}, true, []string{credManaged}},
		{"prod", append([]string{"AZURE_TOKEN_CREDENTIALS", "prod"}, sp...), true, []string{credEnvironment, credManaged}},
		{"dev", append([]string{"AZURE_TOKEN_CREDENTIALS", "dev"}, sp...), true, []string{credCLI}},
		{"dev without az", []string{"AZURE_TOKEN_CREDENTIALS", "dev"}, false, nil},
		{"one by name", append([]string{"AZURE_TOKEN_CREDENTIALS", "azureclicredential"}, sp...), true, []string{credCLI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for i := 0; i+1 < len(tc.env); i += 2 {
				env[tc.env[i]] = tc.env[i+1]
			}
			lookPath := func(string) (string, error) {
				if tc.az {
					return "/usr/bin/az", nil
				}
				return "", errors.New("not found")
			}
			names, why := credentials(func(k string) string { return env[k] }, lookPath)
			if !slices.Equal(names, tc.want) {
				t.Errorf("credentials %v, want %v", names, tc.want)
			}
			if len(names) == 0 && (why == "" || env["AZURE_TOKEN_CREDENTIALS"] != "" && !strings.Contains(why, env["AZURE_TOKEN_CREDENTIALS"])) {
				t.Errorf("why %q", why)
			}
		})
	}
}
