package renew

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/acr-doctor/acr-doctor/diagnose/azcloud"
)

// Credential names, as azidentity and AZURE_TOKEN_CREDENTIALS spell them.
const (
	credEnvironment = "EnvironmentCredential"
	credWorkload    = "WorkloadIdentityCredential"
	credManaged     = "ManagedIdentityCredential"
	credCLI         = "AzureCLICredential"
)

// NewCredential is azidentity's chain for non-interactive use, built only
// from what the environment holds, so that nothing is tried that cannot
// work:
//
//   - EnvironmentCredential, when AZURE_TENANT_ID and AZURE_CLIENT_ID are
//     set with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH;
//   - WorkloadIdentityCredential, when AZURE_FEDERATED_TOKEN_FILE is set
//     too (Kubernetes workload identity);
//   - ManagedIdentityCredential, when IDENTITY_ENDPOINT or MSI_ENDPOINT is
//     set (App Service, Functions, Arc, Cloud Shell), or when
//     AZURE_TOKEN_CREDENTIALS asks for it ("prod" or
//     "ManagedIdentityCredential"): on a VM only the IMDS address tells, and
//     probing it from anywhere else hangs, so it must be asked for. A set
//     AZURE_CLIENT_ID picks a user-assigned identity;
//   - AzureCLICredential, when `az` is on PATH.
//
// AZURE_TOKEN_CREDENTIALS narrows the chain as in DefaultAzureCredential:
// "dev" (the CLI), "prod" (the rest) or one credential's type name.
//
// The authority host is opts.Cloud's when set, else AZURE_AUTHORITY_HOST,
// else the Azure AD of the registry's cloud (.azurecr.cn: China,
// .azurecr.us: US Government, else public). Instance discovery is off for
// an authority host that is not one of those three, as custom clouds
// need. With nothing in the environment it returns an error wrapping
// ErrNoIdentity.
func NewCredential(host string, opts *azcore.ClientOptions) (azcore.TokenCredential, error) {
	var o azcore.ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.Cloud.ActiveDirectoryAuthorityHost == "" {
		c := azcloud.ForHost(host)
		if env := os.Getenv("AZURE_AUTHORITY_HOST"); env != "" {
			c.ActiveDirectoryAuthorityHost = env
		}
		o.Cloud = c
	}
	noDiscovery := !knownAuthority(o.Cloud.ActiveDirectoryAuthorityHost)
	names, why := credentials(os.Getenv, exec.LookPath)
	var creds []azcore.TokenCredential
	for _, name := range names {
		var c azcore.TokenCredential
		var err error
		switch name {
		case credEnvironment:
			c, err = azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: o, DisableInstanceDiscovery: noDiscovery})
		case credWorkload:
			c, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{ClientOptions: o, DisableInstanceDiscovery: noDiscovery})
		case credManaged:
			mo := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: o}
			if client := os.Getenv("AZURE_CLIENT_ID"); client != "" {
				mo.ID = azidentity.ClientID(client)
			}
			c, err = azidentity.NewManagedIdentityCredential(mo)
		case credCLI:
			c, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{})
		}
		if err != nil {
			return nil, fmt.Errorf("renew: %w", err)
		}
		creds = append(creds, c)
	}
	switch len(creds) {
	case 0:
		return nil, fmt.Errorf("renew: %w: %w", ErrNoIdentity, azidentity.NewCredentialUnavailableError(why))
	case 1:
		return creds[0], nil
	}
	return azidentity.NewChainedTokenCredential(creds, nil)
}

// Identities names the credentials NewCredential would try, in order, as
// azidentity names them: none means ErrNoIdentity.
func Identities() []string {
	names, _ := credentials(os.Getenv, exec.LookPath)
	return names
}

// credentials names the credentials of the chain, in order, for what the
// environment holds; with none, why says what was looked for.
func credentials(getenv func(string) string, lookPath func(string) (string, error)) (names []string, why string) {
	sel := strings.TrimSpace(getenv("AZURE_TOKEN_CREDENTIALS"))
	use := func(name string, prod bool) bool {
		switch {
		case sel == "":
			return true
		case strings.EqualFold(sel, "prod"):
			return prod
		case strings.EqualFold(sel, "dev"):
			return !prod
		}
		return strings.EqualFold(sel, name)
	}
	set := func(k string) bool { return getenv(k) != "" }
	tenant, client := set("AZURE_TENANT_ID"), set("AZURE_CLIENT_ID")
	if use(credEnvironment, true) && tenant && client && (set("AZURE_CLIENT_SECRET") || set("AZURE_CLIENT_CERTIFICATE_PATH")) {
		names = append(names, credEnvironment)
	}
	if use(credWorkload, true) && tenant && client && set("AZURE_FEDERATED_TOKEN_FILE") {
		names = append(names, credWorkload)
	}
	if use(credManaged, true) && (set("IDENTITY_ENDPOINT") || set("MSI_ENDPOINT") || strings.EqualFold(sel, "prod") || strings.EqualFold(sel, credManaged)) {
		names = append(names, credManaged)
	}
	if use(credCLI, false) {
		if _, err := lookPath("az"); err == nil {
			names = append(names, credCLI)
		}
	}
	why = "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE), run on a managed identity, or install the Azure CLI and run az login"
	if sel != "" {
		why = "AZURE_TOKEN_CREDENTIALS=" + sel + " selects no credential this environment has"
	}
	return names, why
}

// knownAuthority reports whether authority is the Azure AD of one of the
// three clouds, where instance discovery works.
func knownAuthority(authority string) bool {
	u, err := url.Parse(authority)
	if err != nil {
		return false
	}
	for _, c := range []cloud.Configuration{cloud.AzurePublic, cloud.AzureChina, cloud.AzureGovernment} {
		if k, err := url.Parse(c.ActiveDirectoryAuthorityHost); err == nil && strings.EqualFold(k.Host, u.Host) {
			return true
		}
	}
	return false
}

// AsIdentityError is err as an *IdentityError when it is Azure AD refusing
// the identity, nil otherwise.
func AsIdentityError(err error) *IdentityError {
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) {
		return nil
	}
	ie := &IdentityError{Err: err, Message: errorLine(afe.Error(), 300)}
	if afe.RawResponse == nil {
		return ie
	}
	ie.Status = afe.RawResponse.StatusCode
	body, _ := runtime.Payload(afe.RawResponse)
	var aad struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	if json.Unmarshal(body, &aad) == nil && (aad.Description != "" || aad.Error != "") {
		ie.Message = errorLine(strings.ReplaceAll(aad.Description, "\r", ""), 300)
		if ie.Message == "" {
			ie.Message = aad.Error
		}
		if len(aad.Codes) > 0 {
			ie.Code = fmt.Sprintf("AADSTS%d", aad.Codes[0])
		}
	}
	return ie
}

// ErrCLILogin is returned, wrapped, when the identity is the Azure CLI's
// and az answered that it has no usable login: Azure AD refused nothing,
// az login is what is missing.
var ErrCLILogin = errors.New("the Azure CLI is not logged in")

// CLILoginError is err as ErrCLILogin, with az's own words, when az asked
// for az login; nil otherwise.
func CLILoginError(err error) error {
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse != nil {
		return nil
	}
	msg := afe.Error()
	i := strings.Index(msg, credCLI)
	if i < 0 || !strings.Contains(msg[i:], "az login") {
		return nil
	}
	said, _, _ := strings.Cut(strings.TrimLeft(msg[i+len(credCLI):], ": "), " To troubleshoot")
	said = strings.TrimSpace(strings.TrimPrefix(said, "ERROR:"))
	return fmt.Errorf("%w (az login): az said %q", ErrCLILogin, errorLine(said, 200))
}
