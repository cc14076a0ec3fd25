package acremu_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/golang-jwt/jwt/v5"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
)

// logsClient is azlogs' client for app, against the emulator.
func logsClient(t *testing.T, s *acremu.Server, app string) *azlogs.Client {
	t.Helper()
	c, err := azlogs.NewClient(appCredential(t, s, app), &azlogs.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: s.Cloud(), Transport: s.Client(), Retry: policy.RetryOptions{MaxRetries: -1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rows is a query answer's one table's rows, with its column names.
func rows(t *testing.T, res azlogs.QueryResults) ([]string, [][]any) {
	t.Helper()
	if len(res.Tables) != 1 || *res.Tables[0].Name != "PrimaryResult" || res.Error != nil {
		t.Fatalf("tables %+v, error %v", res.Tables, res.Error)
	}
	var cols []string
	for _, c := range res.Tables[0].Columns {
		cols = append(cols, *c.Name)
	}
	out := [][]any{}
	for _, r := range res.Tables[0].Rows {
		out = append(out, []any(r))
	}
	return cols, out
}

func jti(t *testing.T, raw string) string {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, c); err != nil {
		t.Fatal(err)
	}
	return c["jti"].(string)
}

// TestLogAnalytics: logins to a registry whose logs a workspace collects
// become ContainerRegistryLoginEvents rows that azlogs queries, by
// workspace and by resource, in the KQL subset.
func TestLogAnalytics(t *testing.T) {
	const logged, sibling = "armlogged.azurecr.io", "armsibling.azurecr.io"
	a := armRegistry("armlogged")
	a.ARM.Workspace = &acremu.Workspace{Readers: []string{appLogs}}
	b := armRegistry("armsibling") // the same (default) workspace
	b.ARM.Workspace = &acremu.Workspace{Readers: []string{appLogs}}
	s := startARM(t, a, b, armRegistry("armquiet"))
	regID := "/subscriptions/" + subA + "/resourceGroups/rg-armlogged/providers/Microsoft.ContainerRegistry/registries/armlogged"
	wsID := "/subscriptions/" + subA + "/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs-acremu"

	// The logins: a wrong password, the right one, a refresh token, and on
	// the sibling a wrong password; on the quiet registry, no workspace.
	const scope = "repository:hello-world:pull"
	if resp, _ := get(t, s, tokenURL(logged, "armlogged", scope), "armlogged", "wrong-password"); resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, tokenURL(logged, "armlogged", scope), "armlogged", adminPW); resp.StatusCode != 200 {
		t.Fatalf("admin: %d", resp.StatusCode)
	}
	rt := s.RefreshToken(logged, alice, time.Now())
	if resp, body := post(t, s, "https://"+logged+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "service": {logged}, "scope": {scope}, "refresh_token": {rt},
	}); resp.StatusCode != 200 {
		t.Fatalf("refresh token: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, s, tokenURL(sibling, "armsibling", scope), "armsibling", "wrong-password"); resp.StatusCode != 401 {
		t.Fatalf("sibling: %d", resp.StatusCode)
	}
	get(t, s, tokenURL("armquiet.azurecr.io", "armquiet", scope), "armquiet", "wrong-password")
	old := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Second)
	s.AddLoginEvent(logged, acremu.LoginEvent{TimeGenerated: old, Identity: "old", ResultType: "200", ResultDescription: "200"})

	events := s.LoginEvents(logged)
	if len(events) != 4 || len(s.LoginEvents(sibling)) != 1 || len(s.LoginEvents("armquiet.azurecr.io")) != 0 {
		t.Fatalf("events %d, %d, %d", len(events), len(s.LoginEvents(sibling)), len(s.LoginEvents("armquiet.azurecr.io")))
	}
	customer := events[0].TenantID
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(customer) {
		t.Errorf("workspace customer ID %q", customer)
	}
	for i, e := range events {
		if e.LoginServer != logged || e.CallerIPAddress != acremu.DefaultClientIP || e.OperationName != "Login" ||
			e.ResourceID != strings.ToLower(regID) || e.TenantID != customer || len(e.CorrelationID) != 36 || e.DurationMs < 0 {
			t.Errorf("event %d: %+v", i, e)
		}
		if b, _ := json.Marshal(e); bytes.Contains(b, []byte(adminPW)) || bytes.Contains(b, []byte(rt)) || bytes.Contains(b, []byte("wrong-password")) {
			t.Errorf("event %d records a secret: %s", i, b)
		}
	}
	if e := events[0]; e.Identity != "armlogged" || e.ResultType != "401" || e.ResultDescription != msgAuthRequired || e.JwtID != "" {
		t.Errorf("wrong password: %+v", e)
	}
	if e := events[2]; e.Identity != alice || e.ResultType != "200" || e.ResultDescription != "200" || e.JwtID != jti(t, rt) {
		t.Errorf("refresh token: %+v", e)
	}

	logs := logsClient(t, s, appLogs)
	now := time.Now()
	for _, tt := range []struct {
		name     string
		query    string
		timespan azlogs.TimeInterval
		cols     []string
		want     [][]any
	}{
		{"failed login", `ContainerRegistryLoginEvents | where LoginServer == "armlogged.azurecr.io" and ResultType == "401" | project Identity, ResultDescription, CallerIpAddress`, "",
			[]string{"Identity", "ResultDescription", "CallerIpAddress"}, [][]any{{"armlogged", msgAuthRequired, acremu.DefaultClientIP}}},
		{"by jti", `ContainerRegistryLoginEvents | where JwtId == "` + jti(t, rt) + `" | project Identity, ResultType`, "",
			[]string{"Identity", "ResultType"}, [][]any{{alice, "200"}}},
		{"any case, sorted, commented", "ContainerRegistryLoginEvents\n// the admin's logins\n| where Identity =~ 'ARMLOGGED' | sort by TimeGenerated asc | project ResultType", "",
			[]string{"ResultType"}, [][]any{{"401"}, {"200"}}},
		{"failures by registry, descending", `ContainerRegistryLoginEvents | where ResultType != "200" | order by LoginServer | project LoginServer`, "",
			[]string{"LoginServer"}, [][]any{{sibling}, {logged}}},
		{"older than a day", `ContainerRegistryLoginEvents | where TimeGenerated < ago(1d) | project Identity`, "",
			[]string{"Identity"}, [][]any{{"old"}}},
		{"between", `ContainerRegistryLoginEvents | where TimeGenerated between (datetime(` + old.Add(-time.Hour).Format(time.RFC3339) + `) .. datetime(` + old.Add(time.Hour).Format(time.RFC3339) + `)) | project Identity`, "",
			[]string{"Identity"}, [][]any{{"old"}}},
		{"recent, parenthesised, taken", `ContainerRegistryLoginEvents | where TimeGenerated >= ago(1h) and (Identity == "armsibling" or Identity == "alice@contoso.com") | take 1 | project Identity`, "",
			[]string{"Identity"}, [][]any{{alice}}},
		{"timespan", `ContainerRegistryLoginEvents | project Identity`, azlogs.NewTimeInterval(now.Add(-time.Hour), now.Add(time.Minute)),
			[]string{"Identity"}, [][]any{{"armlogged"}, {"armlogged"}, {alice}, {"armsibling"}}},
		{"timespan as a duration", `ContainerRegistryLoginEvents | project Identity | take 1`, "P7D",
			[]string{"Identity"}, [][]any{{"old"}}},
		{"seeded time", `ContainerRegistryLoginEvents | where Identity == "old" | project TimeGenerated, Type`, "",
			[]string{"TimeGenerated", "Type"}, [][]any{{old.Format("2006-01-02T15:04:05.0000000Z"), "ContainerRegistryLoginEvents"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := azlogs.QueryBody{Query: to.Ptr(tt.query)}
			if tt.timespan != "" {
				body.Timespan = to.Ptr(tt.timespan)
			}
			res, err := logs.QueryWorkspace(ctx(t), customer, body, nil)
			if err != nil {
				t.Fatal(err)
			}
			cols, got := rows(t, res.QueryResults)
			if !reflect.DeepEqual(cols, tt.cols) || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v %v\nwant %v %v", cols, got, tt.cols, tt.want)
			}
		})
	}

	// Every column, typed.
	res, err := logs.QueryWorkspace(ctx(t), customer, azlogs.QueryBody{Query: to.Ptr("ContainerRegistryLoginEvents | take 1")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]azlogs.ColumnType{}
	for _, c := range res.Tables[0].Columns {
		types[*c.Name] = *c.Type
	}
	if len(types) != 15 || types["TimeGenerated"] != azlogs.ColumnTypeDatetime || types["DurationMs"] != azlogs.ColumnTypeReal ||
		types["_ResourceId"] != azlogs.ColumnTypeString || types["JwtId"] != azlogs.ColumnTypeString {
		t.Errorf("columns %v", types)
	}

	// Resource-centric: the registry's rows only, for whoever reads it.
	for _, tt := range []struct {
		name, app, resource string
		n                   int
		code                string
	}{
		{"registry, Reader", appReader, regID, 4, ""},
		{"registry, workspace reader", appLogs, regID, 4, ""},
		{"workspace, workspace reader", appLogs, wsID, 5, ""},
		{"registry, AcrPull only", spPull, regID, 0, "InsufficientAccessError"},
		{"workspace, Reader of the registry", appReader, wsID, 0, "InsufficientAccessError"},
		{"unknown resource", appLogs, regID + "x", 0, "ResourceNotFoundError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := logsClient(t, s, tt.app).QueryResource(ctx(t), tt.resource,
				azlogs.QueryBody{Query: to.Ptr("ContainerRegistryLoginEvents | project LoginServer")}, nil)
			if tt.code != "" {
				if re := responseError(t, err); re.ErrorCode != tt.code {
					t.Errorf("%d %s, want %s", re.StatusCode, re.ErrorCode, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, got := rows(t, res.QueryResults)
			if len(got) != tt.n {
				t.Errorf("%d rows, want %d: %v", len(got), tt.n, got)
			}
			for _, r := range got {
				if tt.resource == regID && r[0] != logged {
					t.Errorf("row of another registry: %v", r)
				}
			}
		})
	}

	// Refusals.
	for _, tt := range []struct {
		name, app, workspace, query string
		status                      int
		code, text                  string
	}{
		{"syntax", appLogs, customer, "ContainerRegistryLoginEvents | foo", 400, "BadArgumentError",
			"Query could not be parsed at 'foo' on line [1,31]"},
		{"unknown column", appLogs, customer, "ContainerRegistryLoginEvents | where Nope == 'x'", 400, "BadArgumentError", "Failed to resolve scalar expression named 'Nope'"},
		{"unknown table", appLogs, customer, "Heartbeat", 400, "BadArgumentError", "Failed to resolve table or column expression named 'Heartbeat'"},
		{"no access", appNoRole, customer, "ContainerRegistryLoginEvents", 403, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation"},
		{"unknown workspace", appLogs, "00000000-1111-4222-8333-444444444444", "ContainerRegistryLoginEvents", 404, "WorkspaceNotFoundError", "The workspace could not be found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := logsClient(t, s, tt.app).QueryWorkspace(ctx(t), tt.workspace, azlogs.QueryBody{Query: to.Ptr(tt.query)}, nil)
			re := responseError(t, err)
			if re.StatusCode != tt.status || re.ErrorCode != tt.code || !strings.Contains(re.Error(), tt.text) {
				t.Errorf("%d %s, want %d %s %q\n%v", re.StatusCode, re.ErrorCode, tt.status, tt.code, tt.text, re)
			}
		})
	}

	// A token for ARM is not one for Log Analytics; the ARM faults apply.
	_, m := aadToken(t, s, appLogs, armSecret, "https://management.core.windows.net//.default")
	req, _ := http.NewRequest(http.MethodPost, "https://"+acremu.LogAnalyticsHost+"/v1/workspaces/"+customer+"/query", strings.NewReader(`{"query":"ContainerRegistryLoginEvents"}`))
	req.Header.Set("Authorization", "Bearer "+m["access_token"].(string))
	req.Header.Set("Content-Type", "application/json")
	if resp, body := do(t, s, req); resp.StatusCode != 401 || !strings.Contains(string(body), `"code":"InvalidTokenError"`) {
		t.Errorf("ARM token: %d %s", resp.StatusCode, body)
	}
	s.SetARMFaults(acremu.ARMThrottled)
	_, err = logs.QueryWorkspace(ctx(t), customer, azlogs.QueryBody{Query: to.Ptr("ContainerRegistryLoginEvents")}, nil)
	if re := responseError(t, err); re.StatusCode != 429 {
		t.Errorf("throttled: %v", err)
	}
}

// TestLoginEvents: who each kind of token request claims to be, the jti
// of the refresh token presented or issued, and the answer, faults
// included.
func TestLoginEvents(t *testing.T) {
	const h = "armevents.azurecr.io"
	r := armRegistry("armevents")
	r.ARM.Workspace = &acremu.Workspace{}
	s := startARM(t, r)
	now := time.Now()
	presented := s.RefreshToken(h, alice, now)
	_, m := aadToken(t, s, spPull, spSecret, "https://management.core.windows.net//.default")
	appTok, _ := m["access_token"].(string)

	for _, tt := range []struct {
		name     string
		send     func() (*http.Response, []byte)
		identity string
		status   string
		desc     string
		jti      string // "presented", "issued" or ""
	}{
		{"anonymous", func() (*http.Response, []byte) {
			return get(t, s, tokenURL(h, "", "repository:hello-world:pull"), "", "")
		},
			"", "401", msgAuthRequired, ""},
		{"refresh token as password", func() (*http.Response, []byte) {
			return get(t, s, tokenURL(h, acremu.NullGUID, "repository:hello-world:pull"), acremu.NullGUID, presented)
		}, alice, "200", "200", "presented"},
		{"service principal, POST", func() (*http.Response, []byte) {
			return post(t, s, "https://"+h+"/oauth2/token", url.Values{"grant_type": {"password"}, "service": {h}, "username": {spPull}, "password": {spSecret}})
		}, spPull, "200", "200", ""},
		{"unknown user", func() (*http.Response, []byte) { return get(t, s, tokenURL(h, "mallory", ""), "mallory", "x") },
			"mallory", "401", "Application not registered with AAD.", ""},
		{"exchange, user", func() (*http.Response, []byte) {
			return post(t, s, "https://"+h+"/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {h}, "access_token": {s.AADToken(tenant, alice, now)}})
		}, alice, "200", "200", "issued"},
		{"exchange, app", func() (*http.Response, []byte) {
			return post(t, s, "https://"+h+"/oauth2/exchange", url.Values{"grant_type": {"access_token"}, "service": {h}, "access_token": {appTok}})
		}, spPull, "200", "200", "issued"},
		{"throttled", func() (*http.Response, []byte) {
			s.SetFaults(h, acremu.Throttle)
			defer s.SetFaults(h)
			return get(t, s, tokenURL(h, "armevents", ""), "armevents", adminPW)
		}, "armevents", "429", "too many requests", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.LoginEvents(h))
			_, body := tt.send()
			events := s.LoginEvents(h)
			if len(events) != before+1 {
				t.Fatalf("%d events, want one more than %d", len(events), before)
			}
			e := events[before]
			want := ""
			switch tt.jti {
			case "presented":
				want = jti(t, presented)
			case "issued":
				var issued struct {
					RefreshToken string `json:"refresh_token"`
				}
				json.Unmarshal(body, &issued)
				want = jti(t, issued.RefreshToken)
			}
			if e.Identity != tt.identity || e.ResultType != tt.status || e.ResultDescription != tt.desc || e.JwtID != want {
				t.Errorf("event %+v", e)
			}
		})
	}
	// The ping is not a login.
	before := len(s.LoginEvents(h))
	get(t, s, "https://"+h+"/v2/", "armevents", adminPW)
	if len(s.LoginEvents(h)) != before {
		t.Error("GET /v2/ made a login event")
	}
}
