// Package azure reads what only Azure says about a registry: its
// resource's settings from Azure Resource Manager (ARM), the caller's
// permissions on it, and its ContainerRegistryLoginEvents in Log Analytics.
// It uses an Azure identity from the environment, the same chain the
// credential helper renews with, and never writes to Azure.
//
// Everything here is optional to the diagnosis: what cannot be read is
// reported as an [report.Unseen] line saying why, and the network
// verdict stands on its own.
package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/acr-doctor/acr-doctor/diagnose/azcloud"
	"github.com/acr-doctor/acr-doctor/diagnose/classify"
	"github.com/acr-doctor/acr-doctor/diagnose/renew"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// What the Azure side reads, as Unseen.What names it.
const (
	WhatIdentity    = "Azure identity"
	WhatResource    = "registry resource"
	WhatPermissions = "permissions"
	WhatDiagnostics = "diagnostic settings"
)

// maxSubscriptions bounds how many subscriptions are searched at once.
const maxSubscriptions = 8

// Inspector reads a registry's Azure side. The zero value uses the
// environment's identity and the registry's cloud. An Inspector is meant
// for one check: it remembers the subscriptions and registries it listed,
// and shares them between the registries it inspects.
type Inspector struct {
	// Credential is the Azure identity; nil means renew.NewCredential's
	// chain for the registry's cloud.
	Credential azcore.TokenCredential
	// Cloud overrides the cloud resolved from the host and
	// ARM_CLOUD_METADATA_URL.
	Cloud *cloud.Configuration
	// Transport carries every request (tests point it at the emulator);
	// nil means azcore's default, which honours HTTPS_PROXY.
	Transport policy.Transporter
	// StepTimeout bounds each request to Azure; 0 means no bound but the
	// context's.
	StepTimeout time.Duration
	// Getenv reads ARM_CLOUD_METADATA_URL and AZURE_AUTHORITY_HOST; nil
	// means os.Getenv. (The identity's own variables are azidentity's.)
	Getenv func(string) string

	mu    sync.Mutex
	creds map[string]azcore.TokenCredential // by authority host
	calls map[string]*call                  // listings shared by registries
}

// Inspection is what Inspect found, and what a later log query needs.
type Inspection struct {
	report.Azure
	cred  azcore.TokenCredential
	cloud cloud.Configuration
	// callerIDs are the names the caller goes by: UPN, app ID, object ID.
	callerIDs []string
	took      time.Duration // the whole inspection
}

func (in *Inspection) unseen(what string, err error) {
	in.Unseen = append(in.Unseen, report.Unseen{What: what, Why: explain(err)})
}

// Inspect finds the registry whose login server is host among the
// subscriptions the identity can see, and reads its settings, the
// caller's permissions on it and where its login events go. It returns
// whatever it could read; ctx bounds it.
func (in *Inspector) Inspect(ctx context.Context, host string) *Inspection {
	host = strings.ToLower(host)
	out := &Inspection{}
	defer func(start time.Time) { out.took = time.Since(start) }(time.Now())
	c, err := in.resolveCloud(ctx, host)
	if err != nil {
		out.unseen(WhatResource, err)
		return out
	}
	out.cloud = c
	if out.cred, err = in.credential(host, c); err != nil {
		out.unseen(WhatIdentity, err)
		return out
	}
	// One token up front names the caller, and a refusal here is the
	// identity's fault, reported once rather than by every client.
	tctx, cancel := in.step(ctx)
	at, err := out.cred.GetToken(tctx, policy.TokenRequestOptions{Scopes: []string{scope(c.Services[cloud.ResourceManager].Audience)}})
	if err != nil && tctx.Err() != nil {
		err = tctx.Err() // an az killed at the deadline says only "signal: killed"
	}
	cancel()
	if err != nil {
		out.unseen(WhatIdentity, err)
		return out
	}
	out.Caller, out.callerIDs = caller(at.Token)

	opts := in.armOptions(c)
	reg, err := in.findRegistry(ctx, out.cred, opts, host)
	if err != nil {
		out.unseen(WhatResource, err)
		return out
	}
	out.Resource = resourceOf(reg)

	var wg sync.WaitGroup
	var perms []*armauthorization.Permission
	var permErr, diagErr error
	wg.Go(func() { perms, permErr = permissions(ctx, out.cred, opts, out.Resource) })
	wg.Go(func() {
		out.Resource.LogWorkspace, diagErr = loginEventsWorkspace(ctx, out.cred, opts, out.Resource.ID)
	})
	wg.Wait()
	if permErr != nil {
		out.unseen(WhatPermissions, permErr)
	} else {
		out.Permissions = evaluate(perms, out.Resource.RoleAssignmentMode)
		out.Permissions.Identity = out.Caller
	}
	if diagErr != nil {
		out.unseen(WhatDiagnostics, diagErr)
	}
	return out
}

// Facts are what the classifier weighs of the inspection; nil when the
// registry's resource was not found.
func (in *Inspection) Facts() *classify.Azure {
	if in == nil || in.Resource == nil {
		return nil
	}
	return &classify.Azure{Resource: in.Resource, Permissions: in.Permissions, Callers: in.callerIDs}
}

func (in *Inspector) getenv(k string) string {
	if in.Getenv != nil {
		return in.Getenv(k)
	}
	return os.Getenv(k)
}

// step bounds one request to Azure by StepTimeout.
func (in *Inspector) step(ctx context.Context) (context.Context, context.CancelFunc) {
	if in.StepTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, in.StepTimeout)
}

// resolveCloud is the cloud of host, resolved once per login-server
// suffix: a metadata document is fetched once for all registries.
func (in *Inspector) resolveCloud(ctx context.Context, host string) (cloud.Configuration, error) {
	if in.Cloud != nil {
		return *in.Cloud, nil
	}
	_, suffix, _ := strings.Cut(host, ".")
	return memo(in, "cloud "+suffix, func() (cloud.Configuration, error) {
		ctx, cancel := in.step(ctx)
		defer cancel()
		client := http.DefaultClient // the proxy from the environment; ctx bounds it
		if t, ok := in.Transport.(*http.Client); ok {
			client = t
		}
		return azcloud.Resolve(ctx, host, client, in.getenv)
	})
}

// credential is the identity for cloud c, made once per authority: the
// chain caches its tokens, so registries in one cloud share them.
func (in *Inspector) credential(host string, c cloud.Configuration) (azcore.TokenCredential, error) {
	if in.Credential != nil {
		return in.Credential, nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if cred, ok := in.creds[c.ActiveDirectoryAuthorityHost]; ok {
		return cred, nil
	}
	cred, err := renew.NewCredential(host, &azcore.ClientOptions{Cloud: c, Transport: in.Transport})
	if err != nil {
		return nil, err
	}
	if in.creds == nil {
		in.creds = make(map[string]azcore.TokenCredential)
	}
	in.creds[c.ActiveDirectoryAuthorityHost] = cred
	return cred, nil
}

// armOptions: one quick retry for a transient failure, none when ARM asks
// to wait longer than a diagnosis should (Retry-After beyond 2 s); each
// try is bounded by StepTimeout and all of them by the context.
func (in *Inspector) armOptions(c cloud.Configuration) *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: in.clientOptions(c)}
}

func (in *Inspector) clientOptions(c cloud.Configuration) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     c,
		Transport: in.Transport,
		Retry: policy.RetryOptions{
			MaxRetries: 1, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 2 * time.Second,
			TryTimeout: in.StepTimeout,
		},
		Telemetry: policy.TelemetryOptions{ApplicationID: "acr-doctor"},
	}
}

// scope is the one azcore's ARM clients ask for, so they share the token
// Inspect gets first.
func scope(audience string) string { return audience + "/.default" }

// caller names the identity an ARM token is for, and every ID it goes by.
func caller(raw string) (string, []string) {
	t, err := token.Decode(raw)
	if err != nil {
		return "", nil
	}
	c := t.Claims
	var ids []string
	for _, id := range []string{c.Name, c.AppID, c.ObjectID, c.Subject} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	name := c.Name
	if t.Payload["idtyp"] == "app" || name == "" {
		name = c.AppID
	}
	if name == "" && len(ids) > 0 {
		name = ids[0]
	}
	return name, ids
}

// findRegistry searches every visible subscription for the registry
// whose login server is host. The listings are shared by every registry
// the inspector looks for, so checking ten registries lists each
// subscription once.
func (in *Inspector) findRegistry(ctx context.Context, cred azcore.TokenCredential, opts *arm.ClientOptions, host string) (*armcontainerregistry.Registry, error) {
	endpoint := opts.Cloud.Services[cloud.ResourceManager].Endpoint
	subs, err := memo(in, "subscriptions "+endpoint, func() ([]subscription, error) { return subscriptions(ctx, cred, opts) })
	if err != nil {
		return nil, err
	}
	var (
		mu    sync.Mutex
		found *armcontainerregistry.Registry
		errs  []error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, maxSubscriptions)
	)
	for _, sub := range subs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			regs, err := memo(in, "registries "+endpoint+" "+sub.id, func() ([]*armcontainerregistry.Registry, error) {
				return registries(ctx, cred, opts, sub.id)
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("subscription %s: %w", sub.id, err))
			}
			for _, r := range regs {
				if strings.EqualFold(deref(r.Properties.LoginServer), host) {
					found = r
				}
			}
		})
	}
	wg.Wait()
	if found != nil {
		return found, nil
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	nf := &NotFoundError{Host: host}
	for _, s := range subs {
		nf.Subscriptions = append(nf.Subscriptions, s.String())
	}
	return nil, nf
}

// call is one memoized listing: the first caller runs it, the others wait.
type call struct {
	done chan struct{}
	val  any
	err  error
}

// memo runs fn once per key for the inspector's life.
func memo[T any](in *Inspector, key string, fn func() (T, error)) (T, error) {
	in.mu.Lock()
	c, ok := in.calls[key]
	if !ok {
		if in.calls == nil {
			in.calls = make(map[string]*call)
		}
		c = &call{done: make(chan struct{})}
		in.calls[key] = c
	}
	in.mu.Unlock()
	if !ok {
		v, err := fn()
		c.val, c.err = v, err
		close(c.done)
	}
	<-c.done
	v, _ := c.val.(T)
	return v, c.err
}

// NotFoundError: no registry with the login server is in the
// subscriptions the identity can see. Either it does not exist, or the
// identity lacks a role that reads it: AcrPull and AcrPush do not.
type NotFoundError struct {
	Host          string
	Subscriptions []string
}

func (e *NotFoundError) Error() string {
	const hint = "; reading a registry's settings needs the Reader role on it"
	if len(e.Subscriptions) == 0 {
		return "the identity sees no subscription" + hint
	}
	return fmt.Sprintf("%s is not among the registries of the %s the identity can read (%s)%s",
		e.Host, Count(len(e.Subscriptions), "subscription"), strings.Join(e.Subscriptions, ", "), hint)
}

type subscription struct{ id, name string }

func (s subscription) String() string {
	if s.name == "" {
		return s.id
	}
	return fmt.Sprintf("%s %q", s.id, s.name)
}

func subscriptions(ctx context.Context, cred azcore.TokenCredential, opts *arm.ClientOptions) ([]subscription, error) {
	client, err := armsubscriptions.NewClient(cred, opts)
	if err != nil {
		return nil, err
	}
	all, err := pages(ctx, "listing subscriptions", client.NewListPager(nil),
		func(p armsubscriptions.ClientListResponse) []*armsubscriptions.Subscription { return p.Value })
	var out []subscription
	for _, s := range all {
		if s != nil && s.SubscriptionID != nil {
			out = append(out, subscription{id: *s.SubscriptionID, name: deref(s.DisplayName)})
		}
	}
	return out, err
}

func registries(ctx context.Context, cred azcore.TokenCredential, opts *arm.ClientOptions, sub string) ([]*armcontainerregistry.Registry, error) {
	client, err := armcontainerregistry.NewRegistriesClient(sub, cred, opts)
	if err != nil {
		return nil, err
	}
	all, err := pages(ctx, "listing registries", client.NewListPager(nil),
		func(p armcontainerregistry.RegistriesClientListResponse) []*armcontainerregistry.Registry {
			return p.Value
		})
	return slices.DeleteFunc(all, func(r *armcontainerregistry.Registry) bool { return r == nil || r.Properties == nil }), err
}

// pages reads every page of a pager, what names the listing in errors.
func pages[R, T any](ctx context.Context, what string, p *runtime.Pager[R], items func(R) []T) ([]T, error) {
	var out []T
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, items(page)...)
	}
	return out, nil
}

func resourceOf(r *armcontainerregistry.Registry) *report.AzureResource {
	id := deref(r.ID)
	res := &report.AzureResource{
		ID:                 id,
		Name:               deref(r.Name),
		Subscription:       idPart(id, "subscriptions"),
		ResourceGroup:      idPart(id, "resourceGroups"),
		Location:           deref(r.Location),
		RoleAssignmentMode: string(armcontainerregistry.RoleAssignmentModeLegacyRegistryPermissions),
	}
	if r.SKU != nil && r.SKU.Name != nil {
		res.SKU = string(*r.SKU.Name)
	}
	p := r.Properties
	res.LoginServer = deref(p.LoginServer)
	res.AdminUserEnabled = derefBool(p.AdminUserEnabled)
	res.AnonymousPullEnabled = derefBool(p.AnonymousPullEnabled)
	res.DataEndpointEnabled = derefBool(p.DataEndpointEnabled)
	res.PublicNetworkAccess = "Enabled" // ARM's default when unset
	if p.PublicNetworkAccess != nil {
		res.PublicNetworkAccess = string(*p.PublicNetworkAccess)
	}
	if p.NetworkRuleBypassOptions != nil {
		res.NetworkRuleBypassOptions = string(*p.NetworkRuleBypassOptions)
	}
	if p.RoleAssignmentMode != nil {
		res.RoleAssignmentMode = string(*p.RoleAssignmentMode)
	}
	res.DefaultAction = "Allow"
	if n := p.NetworkRuleSet; n != nil {
		if n.DefaultAction != nil {
			res.DefaultAction = string(*n.DefaultAction)
		}
		for _, rule := range n.IPRules {
			if rule != nil && rule.IPAddressOrRange != nil {
				res.IPRules = append(res.IPRules, *rule.IPAddressOrRange)
			}
		}
	}
	res.AuthenticationAsARM = "enabled"
	if pol := p.Policies; pol != nil && pol.AzureADAuthenticationAsArmPolicy != nil && pol.AzureADAuthenticationAsArmPolicy.Status != nil {
		res.AuthenticationAsARM = string(*pol.AzureADAuthenticationAsArmPolicy.Status)
	}
	for _, h := range p.DataEndpointHostNames {
		if h != nil {
			res.DataEndpoints = append(res.DataEndpoints, *h)
		}
	}
	for _, pe := range p.PrivateEndpointConnections {
		if pe == nil || pe.Properties == nil {
			continue
		}
		e := report.PrivateEndpoint{ID: deref(pe.ID)}
		if pe.Properties.PrivateEndpoint != nil && pe.Properties.PrivateEndpoint.ID != nil {
			e.ID = *pe.Properties.PrivateEndpoint.ID
		}
		if st := pe.Properties.PrivateLinkServiceConnectionState; st != nil && st.Status != nil {
			e.Status = string(*st.Status)
		}
		res.PrivateEndpoints = append(res.PrivateEndpoints, e)
	}
	return res
}

func permissions(ctx context.Context, cred azcore.TokenCredential, opts *arm.ClientOptions, res *report.AzureResource) ([]*armauthorization.Permission, error) {
	client, err := armauthorization.NewPermissionsClient(res.Subscription, cred, opts)
	if err != nil {
		return nil, err
	}
	return pages(ctx, "reading the caller's permissions",
		client.NewListForResourcePager(res.ResourceGroup, "Microsoft.ContainerRegistry", "", "registries", res.Name, nil),
		func(p armauthorization.PermissionsClientListForResourceResponse) []*armauthorization.Permission {
			return p.Value
		})
}

// LoginEventsCategory is the diagnostic-setting category of the table.
const LoginEventsCategory = "ContainerRegistryLoginEvents"

// loginEventsWorkspace is the workspace a diagnostic setting of the
// registry sends its login events to, "" when none does.
func loginEventsWorkspace(ctx context.Context, cred azcore.TokenCredential, opts *arm.ClientOptions, id string) (string, error) {
	client, err := armmonitor.NewDiagnosticSettingsClient(cred, opts)
	if err != nil {
		return "", err
	}
	settings, err := pages(ctx, "reading diagnostic settings", client.NewListPager(id, nil),
		func(p armmonitor.DiagnosticSettingsClientListResponse) []*armmonitor.DiagnosticSettingsResource {
			return p.Value
		})
	if err != nil {
		return "", err
	}
	for _, ds := range settings {
		if ds == nil || ds.Properties == nil || ds.Properties.WorkspaceID == nil {
			continue
		}
		for _, l := range ds.Properties.Logs {
			if l == nil || !derefBool(l.Enabled) {
				continue
			}
			// The category itself, or a group that holds it.
			if strings.EqualFold(deref(l.Category), LoginEventsCategory) || strings.EqualFold(deref(l.CategoryGroup), "allLogs") || strings.EqualFold(deref(l.CategoryGroup), "audit") {
				return *ds.Properties.WorkspaceID, nil
			}
		}
	}
	return "", nil
}

// explain is one line saying why err kept something from being seen,
// in ARM's or Azure AD's words.
func explain(err error) string {
	var re *azcore.ResponseError
	switch ie := renew.AsIdentityError(err); {
	case renew.CLILoginError(err) != nil:
		return renew.CLILoginError(err).Error() + "; run az login, or give another identity in the environment"
	case errors.Is(err, renew.ErrNoIdentity):
		return "no Azure identity in the environment: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, use workload or managed identity, or sign in with the Azure CLI (az login)"
	case ie != nil:
		msg := ie.Error()
		if ie.Code != "" && !strings.Contains(msg, ie.Code) {
			msg += " (" + ie.Code + ")"
		}
		return msg
	case errors.Is(err, context.DeadlineExceeded):
		return "Azure (or the Azure CLI) did not answer in time (--step-timeout, --timeout)"
	case errors.As(err, &re):
		return responseLine(re)
	}
	return firstLine(err.Error())
}

// responseLine is ARM's refusal: status, code and the message's first
// line, with what a throttled caller should do.
func responseLine(re *azcore.ResponseError) string {
	// The code is ARM's words too (x-ms-error-code, or the body's): one
	// line, cut short, like the message.
	msg := firstLine(re.ErrorCode)
	if b := errorMessage(re); b != "" {
		msg += ": " + b
	}
	line := fmt.Sprintf("%d %s", re.StatusCode, msg)
	if re.StatusCode == http.StatusTooManyRequests && re.RawResponse != nil {
		if ra := re.RawResponse.Header.Get("Retry-After"); ra != "" {
			line += fmt.Sprintf(" (Retry-After: %s s)", firstLine(ra))
		}
	}
	return line
}

// errorMessage is the message of ARM's error body, {"error":{"code",
// "message"}}, cut to its first line.
func errorMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil {
		return ""
	}
	body, err := runtime.Payload(re.RawResponse)
	if err != nil {
		return ""
	}
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return firstLine(e.Error.Message)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// idPart is the segment after key in an ARM resource ID.
func idPart(id, key string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], key) {
			return parts[i+1]
		}
	}
	return ""
}

func orSomeone(s string) string {
	if s == "" {
		return "<identity>"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefBool(b *bool) bool { return b != nil && *b }
